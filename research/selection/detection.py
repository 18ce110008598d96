"""Who defected: the detection rule and the value segments, in SQL.

Given as-of date A and window W months, the baseline period is [A − 2W, A − W) and
the recent period [A − W, A); spend is the net sum of amounts in a period.

- full defector: baseline spend > 0 and recent spend ≤ 0;
- partial defector: baseline spend > 0, recent spend > 0 and recent ≤ (1 − d) × baseline,
  d the drop threshold; where wallet estimates cover both periods the same test is
  applied to share of wallet (spend ÷ wallet) instead, so a customer who bought more
  while their share fell is caught;
- active: baseline spend > 0 and neither of the above; new: baseline ≤ 0 and recent > 0;
  inactive: no spend in either period.

A customer's wallet for a period is the sum of their estimates whose periods lie
inside it, and counts only when those periods cover it completely.

The optional silence flag marks customers silent for longer than k times their own
usual gap between purchase days ((last − first) ÷ (purchase days − 1)); it never
changes the status.

Value segments rank customers with baseline spend > 0 by baseline spend (baseline
margin when the study has margins), ties broken by customer id: best core is the top
10%, other core the next 20%, general the next 50%, expendable the rest (configurable).

Screening can turn a defector into a former customer (left the category); that is
kept in ``former_customers`` and shown as status ``former``, never lost on a re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
from dateutil.relativedelta import relativedelta

from research.base.errors import ResearchError
from research.base.store import Store, audit, now
from research.base.studies import Study

if TYPE_CHECKING:  # pandas loads only where a frame is built: `defectors identify` needs none
    import pandas as pd

STATUSES = ("full", "partial", "active", "new", "inactive", "former")
DEFECTOR_STATUSES = ("full", "partial")
SEGMENTS = ("best_core", "other_core", "general", "expendable")


@dataclass(frozen=True)
class Periods:
    baseline_start: date
    recent_start: date
    as_of: date


def periods(as_of: date, window_months: int) -> Periods:
    return Periods(
        as_of - relativedelta(months=2 * window_months),
        as_of - relativedelta(months=window_months),
        as_of,
    )


CLASSIFY = """
WITH days AS (
    -- one row per customer, day and whether it holds a purchase (a positive amount
    -- before the as-of date), so that counting purchase rows counts purchase days:
    -- count(DISTINCT date) would make DuckDB aggregate the transactions twice
    SELECT customer_id, date, amount > 0 AND date < $asof AS purchase,
        sum(amount) AS day_amount,
        sum(margin) AS day_margin
    FROM transactions
    WHERE study_id = $sid
    GROUP BY customer_id, date, purchase
),
spend AS (
    SELECT customer_id,
        coalesce(sum(day_amount) FILTER (WHERE date >= $b0 AND date < $b1), 0) AS baseline_spend,
        coalesce(sum(day_amount) FILTER (WHERE date >= $b1 AND date < $asof), 0) AS recent_spend,
        sum(day_margin) FILTER (WHERE date >= $b0 AND date < $b1) AS baseline_margin,
        min(date) FILTER (WHERE purchase) AS first_purchase,
        max(date) FILTER (WHERE purchase) AS last_purchase,
        count(*) FILTER (WHERE purchase) AS purchase_days
    FROM days
    GROUP BY customer_id
),
everyone AS (
    SELECT coalesce(s.customer_id, c.customer_id) AS customer_id,
           coalesce(s.baseline_spend, 0) AS baseline_spend,
           coalesce(s.recent_spend, 0) AS recent_spend,
           s.baseline_margin, s.first_purchase, s.last_purchase,
           coalesce(s.purchase_days, 0) AS purchase_days
    FROM spend s
    FULL OUTER JOIN (SELECT customer_id FROM customers WHERE study_id = $sid) c
        ON c.customer_id = s.customer_id
),
wallet AS (
    SELECT customer_id,
        sum(estimated_spend) FILTER (WHERE period_start >= $b0 AND period_end <= $b1) AS baseline_wallet,
        sum(period_end - period_start) FILTER (WHERE period_start >= $b0 AND period_end <= $b1)
            AS baseline_days,
        sum(estimated_spend) FILTER (WHERE period_start >= $b1 AND period_end <= $asof) AS recent_wallet,
        sum(period_end - period_start) FILTER (WHERE period_start >= $b1 AND period_end <= $asof)
            AS recent_days
    FROM wallet_estimates
    WHERE study_id = $sid
    GROUP BY customer_id
),
shares AS (
    SELECT e.*,
        w.recent_wallet, w.baseline_wallet,
        CASE WHEN w.baseline_days = ($b1 - $b0) AND w.recent_days = ($asof - $b1)
                  AND w.baseline_wallet > 0 AND w.recent_wallet > 0
             THEN TRUE ELSE FALSE END AS has_share,
        CASE WHEN has_share THEN e.baseline_spend / w.baseline_wallet END AS baseline_share,
        CASE WHEN has_share THEN e.recent_spend / w.recent_wallet END AS recent_share
    FROM everyone e LEFT JOIN wallet w USING (customer_id)
),
classified AS (
    SELECT *,
        CASE
            WHEN baseline_spend > 0 AND recent_spend <= 0 THEN 'full'
            -- exact decimal arithmetic ($keep = 1 − d as a DECIMAL): in floating point
            -- (1 − 0.34) × 100 is 65.99999999999999 and a drop to exactly 66 would be missed;
            -- shares are compared cross-multiplied for the same reason
            WHEN baseline_spend > 0 AND has_share
                 AND recent_spend * baseline_wallet <= $keep * baseline_spend * recent_wallet
                THEN 'partial'
            WHEN baseline_spend > 0 AND NOT has_share AND recent_spend <= $keep * baseline_spend
                THEN 'partial'
            WHEN baseline_spend > 0 THEN 'active'
            WHEN recent_spend > 0 THEN 'new'
            ELSE 'inactive'
        END AS status,
        CASE WHEN $use_margin THEN CAST(baseline_margin AS DOUBLE)
             ELSE CAST(baseline_spend AS DOUBLE) END AS baseline_value,
        CASE WHEN purchase_days >= 2
             THEN (last_purchase - first_purchase) / (purchase_days - 1) END AS usual_gap_days,
        CASE WHEN last_purchase IS NOT NULL THEN $asof - last_purchase END AS days_silent
    FROM shares
),
ranked AS (
    -- only customers with baseline spend are ranked (the others get no segment), so
    -- only they are sorted
    SELECT c.*, r.rank_fraction
    FROM classified c
    LEFT JOIN (
        SELECT customer_id,
            (row_number() OVER (ORDER BY baseline_value DESC NULLS LAST, customer_id) - 1)
            / count(*) OVER () AS rank_fraction
        FROM classified
        WHERE baseline_spend > 0
    ) r USING (customer_id)
)
SELECT
    $sid AS study_id,
    customer_id,
    status,
    CASE
        WHEN rank_fraction IS NULL THEN NULL
        WHEN rank_fraction < $cut_best THEN 'best_core'
        WHEN rank_fraction < $cut_other THEN 'other_core'
        WHEN rank_fraction < $cut_general THEN 'general'
        ELSE 'expendable'
    END AS segment,
    baseline_spend,
    recent_spend,
    baseline_value,
    baseline_share,
    recent_share,
    CAST(CASE
        WHEN status = 'partial' AND has_share
            THEN greatest((baseline_share - recent_share) * recent_wallet, 0)
        ELSE greatest(baseline_spend - recent_spend, 0)
    END AS DECIMAL(18, 2)) AS spend_lost,
    first_purchase,
    last_purchase,
    usual_gap_days,
    days_silent,
    coalesce(days_silent > $k * usual_gap_days, FALSE) AS long_silence,
    $actor AS computed_by,
    $stamp AS computed_at
FROM ranked
"""


def _without_margin(sql: str) -> str:
    for margin_sum, column in (
        ("sum(margin)", "day_margin"),
        ("sum(day_margin) FILTER (WHERE date >= $b0 AND date < $b1)", "baseline_margin"),
    ):
        if f"{margin_sum} AS {column}" not in sql:
            raise AssertionError(f"CLASSIFY no longer computes {column} as {margin_sum}")
        sql = sql.replace(f"{margin_sum} AS {column}", f"CAST(NULL AS DECIMAL(38, 2)) AS {column}")
    return sql


# Segments rank by margin only when the study has margins. Without them
# baseline_margin is never used, and not summing the empty margin column saves a
# tenth of the work at millions of transactions; the results are the same.
_CLASSIFY_WITHOUT_MARGIN = _without_margin(CLASSIFY)


def _classify_sql(params: dict) -> str:
    return CLASSIFY if params["use_margin"] else _CLASSIFY_WITHOUT_MARGIN


def _params(store: Store, study: Study, actor: str) -> dict:
    p = periods(study.as_of, study.window_months)
    with store.cursor() as cur:
        has_margin = cur.execute(
            "SELECT count(margin) > 0 FROM transactions WHERE study_id = ?", [study.id]
        ).fetchall()[0][0]
    return {
        "sid": study.id,
        "b0": p.baseline_start,
        "b1": p.recent_start,
        "asof": p.as_of,
        "keep": Decimal(str(round(1 - study.drop_threshold, 6))),
        "k": study.gap_multiple,
        "use_margin": bool(has_margin),
        # cumulative cut-offs rounded, so 0.1 + 0.2 is 0.3 and not 0.30000000000000004
        "cut_best": round(study.best_core_pct, 9),
        "cut_other": round(study.best_core_pct + study.other_core_pct, 9),
        "cut_general": round(study.best_core_pct + study.other_core_pct + study.general_pct, 9),
        "actor": actor,
        "stamp": now(),
    }


def classify(store: Store, study: Study, *, actor: str = "system") -> pd.DataFrame:
    """Compute every customer's status and segment without saving anything."""
    params = _params(store, study, actor)
    with store.cursor() as cur:
        return cur.execute(_classify_sql(params), params).df()


def run_detection(store: Store, study: Study, *, actor: str) -> int:
    """Classify every customer of the study and replace its stored results.

    Returns the number of customers classified.
    """
    params = _params(store, study, actor)

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute("DELETE FROM detection_results WHERE study_id = ?", [study.id])
        cur.execute(f"INSERT INTO detection_results {_classify_sql(params)}", params)
        count = cur.execute(
            "SELECT count(*) FROM detection_results WHERE study_id = ?", [study.id]
        ).fetchall()[0][0]
        audit(
            cur,
            study.id,
            actor,
            "detection.run",
            {
                "as_of": study.as_of,
                "window_months": study.window_months,
                "drop_threshold": study.drop_threshold,
                "customers": count,
            },
        )
        return count

    return store.write(apply)


def is_stale(store: Store, study: Study) -> bool:
    """True when the data or the study's rules changed after the last detection run."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT (SELECT max(computed_at) FROM detection_results WHERE study_id = $sid),"
            " (SELECT max(created_at) FROM imports WHERE study_id = $sid)",
            {"sid": study.id},
        ).fetchall()
    computed, imported = rows[0]
    if computed is None:
        return bool(imported)
    return study.updated_at > computed or (imported is not None and imported > computed)


def ensure_current(store: Store, study: Study, *, actor: str) -> bool:
    """Re-run detection if it is out of date. Returns True if it ran."""
    if is_stale(store, study):
        run_detection(store, study, actor=actor)
        return True
    return False


RESULTS = """
SELECT r.customer_id,
       c.name,
       CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS status,
       r.status AS detected_status,
       r.segment,
       r.baseline_spend, r.recent_spend, r.baseline_share, r.recent_share, r.spend_lost,
       r.first_purchase, r.last_purchase, r.days_silent, r.usual_gap_days, r.long_silence,
       f.reason AS former_reason,
       c.owner, c.region, c.industry, c.contact_person, c.phone, c.email
FROM detection_results r
LEFT JOIN customers c ON c.study_id = r.study_id AND c.customer_id = r.customer_id
LEFT JOIN former_customers f ON f.study_id = r.study_id AND f.customer_id = r.customer_id
WHERE r.study_id = ?
ORDER BY r.spend_lost DESC, r.customer_id
"""


def results(store: Store, study: Study) -> pd.DataFrame:
    """Stored results, one row per customer, with names and the former-customer mark."""
    with store.cursor() as cur:
        return cur.execute(RESULTS, [study.id]).df()


def counts_by_status_segment(frame: pd.DataFrame) -> pd.DataFrame:
    """Customers per status (rows) × segment (columns), with totals; unranked as 'none'."""
    import pandas as pd

    segment = frame["segment"].fillna("none")
    table = pd.crosstab(frame["status"], segment, margins=True, margins_name="total")
    rows = [s for s in (*STATUSES, "total") if s in table.index]
    cols = [s for s in (*SEGMENTS, "none", "total") if s in table.columns]
    return table.loc[rows, cols]


def spend_lost_by_segment(frame: pd.DataFrame) -> pd.DataFrame:
    """Spend lost by defectors (full and partial), per segment and defection type."""
    import pandas as pd

    defectors = frame[frame["status"].isin(DEFECTOR_STATUSES)]
    grouped = (
        defectors.assign(spend_lost=defectors["spend_lost"].astype(float))
        .groupby(["segment", "status"], observed=True)["spend_lost"]
        .agg(["sum", "count"])
        .reset_index()
    )
    grouped["segment"] = pd.Categorical(grouped["segment"], SEGMENTS, ordered=True)
    return grouped.sort_values(["segment", "status"]).reset_index(drop=True)


MARK_FORMER = """
INSERT INTO former_customers VALUES (?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET reason = excluded.reason, created_by = excluded.created_by,
    created_at = excluded.created_at
"""

UNMARK_FORMER = "DELETE FROM former_customers WHERE study_id = ? AND customer_id = ?"


def mark_former_customer(
    store: Store, study: Study, customer_id: str, reason: str, *, actor: str
) -> None:
    """Record that screening found this defector left the category.

    Raises ResearchError if the reason is blank.
    """
    store.write(lambda cur: mark_former_in(cur, study, customer_id, reason, actor=actor))


def mark_former_in(
    cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str, reason: str, *, actor: str
) -> None:
    """``mark_former_customer`` inside the caller's transaction (the screening answers)."""
    if not reason or not reason.strip():
        raise ResearchError("error.former_reason_required")
    cur.execute(MARK_FORMER, [study.id, customer_id, reason.strip(), actor, now()])
    audit(cur, study.id, actor, "customer.former", {"customer_id": customer_id, "reason": reason})


def unmark_former_customer(store: Store, study: Study, customer_id: str, *, actor: str) -> None:
    store.write(lambda cur: unmark_former_in(cur, study, customer_id, actor=actor))


def unmark_former_in(
    cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str, *, actor: str
) -> None:
    cur.execute(UNMARK_FORMER, [study.id, customer_id])
    audit(cur, study.id, actor, "customer.not_former", {"customer_id": customer_id})
