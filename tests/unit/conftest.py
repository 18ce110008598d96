"""Fixtures for the report tests: a small study whose every number is known."""

from __future__ import annotations

from datetime import date

import pytest

from research.analysis import actions, checkpoint
from research.base import studies
from research.findings import interviews

ACTOR = "tester"
SCRIPT_QUOTE = '<script>alert("quote")</script> Tom & Jerry <b>bold</b>'
SCRIPT_NOTE = "<img src=x onerror=alert(1)> 周建国"


@pytest.fixture
def report_study(store, study, add_customers, add_results, record):
    """Twelve defectors in four segments, interviewed in 2024Q3 and 2024Q4: causes,
    competitors, quotes (one of them HTML and script), a review with notes (one of them
    HTML), and an action that took effect between the two quarters."""
    study = studies.update_study(
        store, study, actor=ACTOR, description="Lab instruments, 2024 <i>pilot</i>"
    )
    segments = ["best_core", "other_core", "general", "expendable"]
    add_customers([(f"C{i:02d}", f"客户{i:02d} Ltd") for i in range(12)])
    add_results(
        study,
        [
            (f"C{i:02d}", "full" if i % 3 else "partial", segments[i % 4], 1000 * (i + 1), 0)
            for i in range(12)
        ],
    )
    plan = [
        # customer, primary cause, competitor, interview date
        ("C00", "staff_attitude", "", date(2024, 8, 5)),
        ("C01", "staff_attitude", "", date(2024, 8, 12)),
        ("C02", "staff_attitude", "", date(2024, 9, 2)),
        ("C03", "staff_attitude", "", date(2024, 9, 9)),
        ("C04", "price_value", "Rival Co", date(2024, 9, 16)),
        ("C05", "delivery_logistics", "", date(2024, 9, 23)),
        ("C06", "competitor_lower_price", "Rival Co", date(2024, 10, 7)),
        ("C07", "competitor_lower_price", "Rival Co", date(2024, 10, 14)),
        ("C08", "competitor_lower_price", "新锐仪器", date(2024, 10, 21)),
        ("C09", "delivery_logistics", "", date(2024, 11, 4)),
        ("C10", "moved_away", "", date(2024, 11, 11)),
        ("C11", "competitor_lower_price", "Rival Co", date(2024, 11, 18)),
    ]
    for cid, code, competitor, day in plan:
        finding = record(
            study,
            cid,
            code,
            on=day,
            competitor=competitor,
            destination="competitor" if competitor else "stopped",
            interviewer="周建国" if cid < "C06" else "Grace Lin",
        )
        text = SCRIPT_QUOTE if cid == "C00" else f"第{cid[1:]}位：我们换了供应商，因为没人回电话。"
        interviews.add_quote(store, finding, actor=ACTOR, text=text, code=code)
    checkpoint.save_review(
        store,
        study,
        actor=ACTOR,
        held_on=date(2024, 9, 30),
        attendees=SCRIPT_NOTE,
        process_problems="Wrong numbers on the list",
        proposals="Call back within a day",
        decisions="",
    )
    actions.add_action(
        store,
        title="Call back within a day <now>",
        owner="李娜",
        causes=["staff_attitude"],
        actor=ACTOR,
        status="done",
        due_date=date(2024, 9, 30),
        effective_from=date(2024, 10, 1),
        description="Every complaint gets a call\nwithin 24 hours.",
        study=study,
    )
    return studies.get_study(store, study.name)
