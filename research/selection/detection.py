"""Who defected: the detection rule and the value segments, in SQL.

A study asks its question of the company's one ledger, narrowed by its scope (regions,
owners, industries of customers; product lines of transactions). Given as-of date A
and window W months, the baseline period is [A − 2W, A − W) and the recent period
[A − W, A); spend is the net sum of amounts in a period.

- full defector: baseline spend > 0 and recent spend ≤ 0;
- partial defector: baseline spend > 0, recent spend > 0 and recent ≤ (1 − d) × baseline,
  d the drop threshold; where wallet estimates cover both periods the same test is
  applied to share of wallet (spend ÷ wallet) instead, so a customer who bought more
  while their share fell is caught;
- active: baseline spend > 0 and neither of the above; new: baseline ≤ 0 and recent > 0;
  inactive: no spend in either period.

A customer's wallet for a period is the sum of their estimates whose periods lie
inside it, and counts only when those periods cover it completely. Of overlapping
estimates of one customer (a quarter and its months) the finer periods count and the
coarser are set aside, so the estimates counted never overlap: nothing counts twice,
and their days add up to the union of their periods.

The optional silence flag marks customers silent for longer than k times their own
usual gap between purchase days ((last − first) ÷ (purchase days − 1)); it never
changes the status.

Value segments rank customers with baseline spend > 0 by baseline margin where every
baseline line of every one of them carries a margin, else by baseline spend (a big
spender without margins must not sink to expendable), ties broken by customer id: best
core is the top 10%, other core the next 20%, general the next 50%, expendable the rest
(configurable); each cumulative boundary falls after ⌈share × n⌉ of n customers.

Each run records what it was computed on and how (``detection_runs``, ``run_info``):
the newest ledger import it saw, what ranked the segments, how many customers share of
wallet reached; ``data_state`` says when newer data has arrived.

Screening can turn a defector into a former customer (left the category); that is
kept in ``former_customers`` and shown as status ``former``, never lost on a re-run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

import duckdb
from dateutil.relativedelta import relativedelta

from research.base.errors import ResearchError
from research.base.i18n import Message, Translator
from research.base.permissions import require
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


# The ledger as the study sees it. {lines} and {customers} are the transactions and the
# customers in the study's scope: the tables themselves for a study of the whole ledger,
# else the scope's common table expressions below.
CLASSIFY = """
WITH {scope}days AS (
    -- one row per customer, day and whether it holds a purchase (a positive amount
    -- before the as-of date), so that counting purchase rows counts purchase days:
    -- count(DISTINCT date) would make DuckDB aggregate the transactions twice
    SELECT customer_id, date, amount > 0 AND date < $asof AS purchase,
        sum(amount) AS day_amount,
        sum(margin) AS day_margin
    FROM {lines}
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
    FULL OUTER JOIN (SELECT customer_id FROM {customers}) c
        ON c.customer_id = s.customer_id
),
wallet AS (
    -- the estimates lie inside the period and, being disjoint (estimates_counted), cover
    -- it completely when their days add up to the period's
    SELECT customer_id,
        sum(estimated_spend) FILTER (WHERE period_start >= $b0 AND period_end <= $b1) AS baseline_wallet,
        sum(period_end - period_start) FILTER (WHERE period_start >= $b0 AND period_end <= $b1)
            AS baseline_days,
        sum(estimated_spend) FILTER (WHERE period_start >= $b1 AND period_end <= $asof) AS recent_wallet,
        sum(period_end - period_start) FILTER (WHERE period_start >= $b1 AND period_end <= $asof)
            AS recent_days
    FROM ({estimates_counted})
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
    -- only they are sorted. Rank r of n (from 1) is in a segment while (r − 1) / n is
    -- below the segment's cumulative cut-off: the first ⌈cut × n⌉ customers.
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

# A study with a scope sees only the customers matching every customer dimension set
# (region, owner, industry) and only the transactions of those customers in the listed
# product lines.
SCOPE_CTES = """
scoped_customers AS (
    SELECT * FROM customers
    WHERE (len(CAST($regions AS VARCHAR[])) = 0 OR list_contains(CAST($regions AS VARCHAR[]), region))
      AND (len(CAST($owners AS VARCHAR[])) = 0 OR list_contains(CAST($owners AS VARCHAR[]), owner))
      AND (len(CAST($industries AS VARCHAR[])) = 0
           OR list_contains(CAST($industries AS VARCHAR[]), industry))
),
scoped_lines AS (
    SELECT * FROM transactions
    WHERE (len(CAST($product_lines AS VARCHAR[])) = 0
           OR list_contains(CAST($product_lines AS VARCHAR[]), product_line))
      AND (NOT $narrows_customers OR customer_id IN (SELECT customer_id FROM scoped_customers))
),
"""

# Wallet estimates that overlap (a quarter and its three months) would count twice and
# could fill a gap elsewhere in a period: of overlapping estimates of a customer the
# finer period counts (the shorter; of two alike, the earlier) and the coarser is set
# aside. What is left never overlaps, so its days add up to the union of its periods.
FINER_ESTIMATE_EXISTS = """EXISTS (
    SELECT 1 FROM wallet_estimates f
    WHERE f.customer_id = w.customer_id
      AND f.period_start < w.period_end AND w.period_start < f.period_end
      AND (f.period_end - f.period_start < w.period_end - w.period_start
           OR (f.period_end - f.period_start = w.period_end - w.period_start
               AND f.period_start < w.period_start)))"""

ESTIMATES_COUNTED = f"SELECT w.* FROM wallet_estimates w WHERE NOT {FINER_ESTIMATE_EXISTS}"


def _without_margin(sql: str) -> str:
    for margin_sum, column in (
        ("sum(margin)", "day_margin"),
        ("sum(day_margin) FILTER (WHERE date >= $b0 AND date < $b1)", "baseline_margin"),
    ):
        if f"{margin_sum} AS {column}" not in sql:
            raise AssertionError(f"CLASSIFY no longer computes {column} as {margin_sum}")
        sql = sql.replace(f"{margin_sum} AS {column}", f"CAST(NULL AS DECIMAL(38, 2)) AS {column}")
    return sql


def _sources(scoped: bool) -> dict[str, str]:
    if scoped:
        return {"scope": SCOPE_CTES, "lines": "scoped_lines", "customers": "scoped_customers"}
    return {"scope": "", "lines": "transactions", "customers": "customers"}


@cache
def _classify_variant(scoped: bool, use_margin: bool) -> str:
    # Segments rank by margin only when margins are complete. Without them
    # baseline_margin is never used, and not summing the margin column saves a tenth of
    # the work at millions of transactions; the results are the same.
    sql = CLASSIFY.format(**_sources(scoped), estimates_counted=ESTIMATES_COUNTED)
    return sql if use_margin else _without_margin(sql)


def _classify_sql(params: dict) -> str:
    return _classify_variant(params["scoped"], params["use_margin"])


_PARAMETER = re.compile(r"\$(\w+)")


def _bind(sql: str, params: dict) -> dict:
    """The parameters ``sql`` uses (DuckDB refuses any it does not)."""
    used = set(_PARAMETER.findall(sql))
    return {k: v for k, v in params.items() if k in used}


# Whether margins can rank the segments: every baseline line of every customer who
# will be ranked (baseline spend > 0) carries a margin. Where some do not, ranking by
# margin would drop those customers to the bottom (a 100,000 customer without margins
# would become expendable), so segments rank by spend.
MARGINS_IN_BASELINE = """
WITH {scope}x AS (SELECT 1)
SELECT count(margin) FROM {lines} WHERE date >= $b0 AND date < $b1
"""

MARGIN_COVERAGE = """
WITH {scope}baseline AS (
    SELECT customer_id, count(*) AS lines, count(margin) AS with_margin, sum(amount) AS spend
    FROM {lines}
    WHERE date >= $b0 AND date < $b1
    GROUP BY customer_id
)
SELECT count(*) FILTER (WHERE spend > 0 AND with_margin < lines) FROM baseline
"""


def _margin_coverage(cur, params: dict) -> tuple[bool, int]:
    """(rank by margin?, ranked customers whose baseline lines lack a margin)."""
    sources = _sources(params["scoped"])
    sql = MARGINS_IN_BASELINE.format(**sources)
    if not cur.execute(sql, _bind(sql, params)).fetchall()[0][0]:
        return False, 0
    sql = MARGIN_COVERAGE.format(**sources)
    incomplete = cur.execute(sql, _bind(sql, params)).fetchall()[0][0]
    return incomplete == 0, int(incomplete)


def _params(store: Store, study: Study, actor: str) -> dict:
    p = periods(study.as_of, study.window_months)
    scope = study.scope
    params = {
        "sid": study.id,
        "b0": p.baseline_start,
        "b1": p.recent_start,
        "asof": p.as_of,
        "keep": Decimal(str(round(1 - study.drop_threshold, 6))),
        "k": study.gap_multiple,
        # cumulative cut-offs rounded, so 0.1 + 0.2 is 0.3 and not 0.30000000000000004
        "cut_best": round(study.best_core_pct, 9),
        "cut_other": round(study.best_core_pct + study.other_core_pct, 9),
        "cut_general": round(study.best_core_pct + study.other_core_pct + study.general_pct, 9),
        "actor": actor,
        "stamp": now(),
        "scoped": not scope.is_whole_ledger,
        "regions": list(scope.region),
        "owners": list(scope.owner),
        "industries": list(scope.industry),
        "product_lines": list(scope.product_line),
        "narrows_customers": scope.narrows_customers,
    }
    with store.cursor() as cur:
        params["use_margin"], params["margin_incomplete"] = _margin_coverage(cur, params)
    return params


def classify(store: Store, study: Study, *, actor: str = "system") -> pd.DataFrame:
    """Compute every customer's status and segment without saving anything."""
    params = _params(store, study, actor)
    sql = _classify_sql(params)
    with store.cursor() as cur:
        return cur.execute(sql, _bind(sql, params)).df()


@dataclass(frozen=True)
class RunInfo:
    """What a study's stored results were computed on, and how."""

    computed_at: datetime
    computed_by: str
    data_import_id: int | None  # the newest ledger import the results saw
    transactions: int  # lines in the study's scope
    customers: int
    ranked_by: str  # 'margin' or 'spend'
    ranked: int  # customers with a value segment
    margin_incomplete: int  # ranked customers whose baseline lines lack a margin
    wallet_customers: int  # customers with any wallet estimate
    share_customers: int  # ranked customers judged on share of wallet
    wallet_set_aside: int  # estimates set aside: a finer period of the customer overlaps

    def notes(self) -> list[tuple[str, Message]]:
        """What to tell the reader about the run: (level 'info' or 'warning', message)."""
        notes: list[tuple[str, Message]] = []
        if self.ranked_by == "margin":
            notes.append(("info", Message("detection.ranked_by_margin")))
        elif self.margin_incomplete:
            notes.append(
                (
                    "info",
                    Message(
                        "detection.ranked_by_spend_incomplete",
                        customers=self.margin_incomplete,
                        ranked=self.ranked,
                    ),
                )
            )
        else:
            notes.append(("info", Message("detection.ranked_by_spend")))
        if self.wallet_customers and not self.share_customers:
            notes.append(
                (
                    "warning",
                    Message("detection.share_applied_to_nobody", customers=self.wallet_customers),
                )
            )
        elif self.share_customers:
            notes.append(
                (
                    "info",
                    Message(
                        "detection.share_applied",
                        share=self.share_customers,
                        wallet=self.wallet_customers,
                    ),
                )
            )
        if self.wallet_set_aside:
            notes.append(
                ("info", Message("detection.wallet_set_aside", count=self.wallet_set_aside))
            )
        return notes


# Filled right after detection_results, in the same transaction.
RECORD_RUN = f"""
INSERT OR REPLACE INTO detection_runs
WITH {{scope}}results AS (SELECT * FROM detection_results WHERE study_id = $sid)
SELECT $sid,
       (SELECT max(id) FROM imports WHERE kind IN ('customers', 'transactions', 'wallet')),
       (SELECT count(*) FROM {{lines}}),
       count(*),
       $ranked_by,
       count(segment),
       $margin_incomplete,
       count(*) FILTER (WHERE customer_id IN (SELECT customer_id FROM wallet_estimates)),
       count(*) FILTER (WHERE baseline_spend > 0 AND baseline_share IS NOT NULL),
       (SELECT count(*) FROM wallet_estimates w
        WHERE w.customer_id IN (SELECT customer_id FROM results) AND {FINER_ESTIMATE_EXISTS}),
       $actor,
       $stamp
FROM results
"""


@cache
def _record_run_sql(scoped: bool) -> str:
    sources = _sources(scoped)
    return RECORD_RUN.format(scope=sources["scope"], lines=sources["lines"])


def run_detection(store: Store, study: Study, *, actor: str) -> int:
    """Classify every customer of the study and replace its stored results, recording
    what they were computed on (``run_info``).

    Returns the number of customers classified.
    """
    actor = require(actor, "studies.write", store=store, study=study).name
    params = _params(store, study, actor)
    params["ranked_by"] = "margin" if params["use_margin"] else "spend"
    classify_sql = f"INSERT INTO detection_results {_classify_sql(params)}"
    record_sql = _record_run_sql(params["scoped"])

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        cur.execute("DELETE FROM detection_results WHERE study_id = ?", [study.id])
        cur.execute(classify_sql, _bind(classify_sql, params))
        cur.execute(record_sql, _bind(record_sql, params))
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


RUN_INFO = """
SELECT computed_at, computed_by, data_import_id, transactions, customers, ranked_by, ranked,
       margin_incomplete, wallet_customers, share_customers, wallet_set_aside
FROM detection_runs WHERE study_id = ?
"""


def run_info(store: Store, study: Study) -> RunInfo | None:
    """How the study's stored results were computed; None before the first run."""
    with store.cursor() as cur:
        rows = cur.execute(RUN_INFO, [study.id]).fetchall()
    return RunInfo(*rows[0]) if rows else None


@dataclass(frozen=True)
class DataState:
    """Which ledger data the study's results were computed on, and what arrived since."""

    computed_at: datetime | None
    seen_import: dict | None  # the newest ledger import the results saw: file_name, created_at
    newer_imports: int  # ledger imports since
    newest_import: dict | None  # the newest ledger import of all
    rules_changed: bool  # the study changed after the run

    @property
    def stale(self) -> bool:
        if self.computed_at is None:
            return self.newest_import is not None
        return self.rules_changed or self.newer_imports > 0

    def describe(self, t: Translator | None = None) -> str:
        """In words: what the results were computed on, and what came since."""
        t = t or Translator()
        if self.computed_at is None:
            return t("data_state.not_run" if self.newest_import else "data_state.no_data")
        if self.seen_import:
            lines = [
                t(
                    "data_state.computed",
                    at=t.datetime(self.computed_at),
                    file=self.seen_import["file_name"],
                    imported=t.datetime(self.seen_import["created_at"]),
                )
            ]
        else:
            lines = [t("data_state.computed_no_import", at=t.datetime(self.computed_at))]
        if self.newer_imports:
            lines.append(
                t(
                    "data_state.newer",
                    count=self.newer_imports,
                    file=self.newest_import["file_name"],
                    at=t.datetime(self.newest_import["created_at"]),
                )
            )
        if self.rules_changed:
            lines.append(t("data_state.rules_changed"))
        return " ".join(lines)


DATA_STATE = """
WITH run AS (SELECT * FROM detection_runs WHERE study_id = $sid),
ledger AS (SELECT * FROM imports WHERE kind IN ('customers', 'transactions', 'wallet'))
SELECT (SELECT computed_at FROM run),
       (SELECT data_import_id FROM run),
       (SELECT count(*) FROM ledger
        WHERE id > coalesce((SELECT data_import_id FROM run), 0)),
       (SELECT max(id) FROM ledger)
"""

IMPORT_ROW = "SELECT id, kind, file_name, created_at FROM imports WHERE id = ?"


def data_state(store: Store, study: Study) -> DataState:
    """What the results stand on: the run, the import it saw and the imports since."""
    with store.cursor() as cur:
        computed, seen_id, newer, newest_id = cur.execute(DATA_STATE, {"sid": study.id}).fetchall()[
            0
        ]

        def row(import_id):
            if import_id is None:
                return None
            found = cur.execute(IMPORT_ROW, [import_id]).fetchall()
            return dict(zip(("id", "kind", "file_name", "created_at"), found[0], strict=True))

        seen, newest = row(seen_id), row(newest_id)
    return DataState(
        computed,
        seen,
        newer if computed is not None else 0,
        newest,
        computed is not None and study.updated_at > computed,
    )


def is_stale(store: Store, study: Study) -> bool:
    """True when ledger data arrived or the study's rules changed after the last
    detection run (or there is data and no run yet)."""
    return data_state(store, study).stale


def ensure_current(store: Store, study: Study, *, actor: str) -> bool:
    """Re-run detection if it is out of date. Returns True if it ran."""
    if is_stale(store, study):
        run_detection(store, study, actor=actor)
        return True
    return False


# One row per customer of any study, with names and the former-customer mark; a reader
# adds which study (and, for browsing, its filter: research/selection/browse.py).
RESULT_ROWS = """
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
LEFT JOIN customers c ON c.customer_id = r.customer_id
LEFT JOIN former_customers f ON f.study_id = r.study_id AND f.customer_id = r.customer_id
"""
RESULTS = f"""{RESULT_ROWS}WHERE r.study_id = ?
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
    actor = require(actor, "calls.write", store=store, study=study, customer_id=customer_id).name
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
    actor = require(actor, "calls.write", store=store, study=study, customer_id=customer_id).name
    store.write(lambda cur: unmark_former_in(cur, study, customer_id, actor=actor))


def unmark_former_in(
    cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str, *, actor: str
) -> None:
    cur.execute(UNMARK_FORMER, [study.id, customer_id])
    audit(cur, study.id, actor, "customer.not_former", {"customer_id": customer_id})
