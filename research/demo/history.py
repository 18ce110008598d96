"""The demo company's earlier quarterly studies, for the failure-analysis system.

Three studies of the quarters before the demo study, over the same ledger, each with the
final interview records of that quarter, and two improvement actions decided along the
way: a new price list (its cause, price / value for money, falls after it took effect)
and customer-care training (staff attitude does not fall). So that on a fresh start the
trends, the actions' effects, the earlier defectors now buying again and the quarterly
pack all have something true to say. The studies are closed and archived: they are the
company's history, not its current work, and the Analysis page's study filter offers
them.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from research.analysis import actions
from research.base.store import Store
from research.base.studies import Study, archive_study, create_study
from research.findings import interviews
from research.selection import detection

HISTORY_SEED = 19
QUARTERS_BACK = (3, 2, 1)  # studies a quarter, two and three before the demo's as-of date
INTERVIEWERS = ("周建国", "Grace Lin", "王磊")

# per study, oldest first: (code, weight). Price falls after the new price list took
# effect (between the first and the second study); staff attitude stays where it was.
_ALWAYS = (
    ("delivery_logistics", 2),
    ("after_sales_service", 2),
    ("product_quality", 2),
    ("too_little_communication", 1),
    ("account_manager_left", 1),
    ("competitor_better_product", 1),
    ("competitor_promotion", 1),
    ("moved_away", 1),
    ("business_changed", 1),
    ("closed_bankrupt", 1),
)  # 13 interviews a study
MIXES = (
    (("price_value", 8), ("staff_attitude", 3), ("competitor_lower_price", 3), *_ALWAYS),
    (
        ("price_value", 2),
        ("staff_attitude", 4),
        ("competitor_lower_price", 1),
        ("competitor_better_service", 1),
        ("friend_recommendation", 1),
        *_ALWAYS,
    ),
    (
        ("price_value", 1),
        ("staff_attitude", 4),
        ("competitor_lower_price", 1),
        ("competitor_better_service", 2),
        ("friend_recommendation", 1),
        *_ALWAYS,
    ),
)
COMPETITORS = ("Bluepeak Instruments", "Harbor Diagnostics", "Summit Lab Supply")


def history_name(as_of: date) -> str:
    return f"demo {as_of.year}Q{(as_of.month - 1) // 3 + 1}"


def build_history(store: Store, demo_as_of: date, *, actor: str) -> list[Study]:
    """Create the earlier quarterly studies with their interview records, and the two
    actions. Returns the studies, oldest first."""
    rng = np.random.default_rng(HISTORY_SEED)
    made: list[Study] = []
    for back, mix in zip(QUARTERS_BACK, MIXES, strict=True):
        as_of = demo_as_of - relativedelta(months=3 * back)
        study = create_study(
            store,
            history_name(as_of - timedelta(days=1)),
            as_of,
            actor=actor,
            status="closed",
            description="Fictional sample company: an earlier quarterly defector study.",
        )
        detection.run_detection(store, study, actor=actor)
        frame = detection.results(store, study)
        defectors = frame[frame["status"].isin(detection.DEFECTOR_STATUSES)]
        defectors = defectors.sort_values(["spend_lost", "customer_id"], ascending=[False, True])
        codes = [code for code, weight in mix for _ in range(weight)]  # one per interview
        rng.shuffle(codes)
        chosen = defectors.head(len(codes) * 3).sample(
            n=min(len(codes), len(defectors)), random_state=int(rng.integers(1e6))
        )
        for i, row in enumerate(chosen.itertuples()):
            code = codes[i % len(codes)]
            # interviews in the ten weeks after the as-of date, before the next study
            day = as_of + timedelta(days=7 + (63 * i) // len(codes))
            _record(store, study, row.customer_id, code, day, i, actor)
        made.append(archive_study(store, study, actor=actor))
    first, second = made[0].as_of, made[1].as_of
    actions.add_action(
        store,
        title="New price list with volume tiers for hospitals",
        owner="李娜",
        causes=["price_value", "competitor_lower_price"],
        actor=actor,
        status="done",
        due_date=second - timedelta(days=30),
        effective_from=first + timedelta(days=80),
        study=made[0],
    )
    actions.add_action(
        store,
        title="Customer-care training for the service desk",
        owner="张伟",
        causes=["staff_attitude"],
        actor=actor,
        status="done",
        due_date=second - timedelta(days=20),
        effective_from=first + timedelta(days=80),
        study=made[0],
    )
    return made


def _record(
    store: Store, study: Study, customer_id: str, code: str, day: date, i: int, actor: str
) -> None:
    manager = INTERVIEWERS[i % len(INTERVIEWERS)]
    found = interviews.create_finding(
        store, study, customer_id, actor=manager, interviewer=manager, interview_date=day
    )
    competitor = code.startswith("competitor") or code == "price_value" and i % 2 == 0
    interviews.save_fields(
        store,
        found.id,
        {
            "defection_type": found.defection_type or "full",
            "primary_code": code,
            "destination": "competitor" if competitor else "stopped",
            "competitor": COMPETITORS[i % len(COMPETITORS)] if competitor else "",
            "summary": "Interview of an earlier quarterly study (demo).",
        },
        base_version=found.version,
        actor=manager,
    )
    interviews.finalize(store, found.id, actor=manager)
