"""The standing system's numbers from the ledger: defection rates per value segment
quarter by quarter, the movement of share of wallet (or spend), and what became of
the defectors interviewed earlier.

A quarter's defection rate is what the study's rule finds when it is run at the end of
that quarter: with window W (a multiple of three months), the recent period is the W
months up to the quarter's end and the baseline the W months before; a customer with
baseline spend defected fully when the recent spend is nothing, partly when it fell to
(1 − d) of the baseline or less. The segment is the one the customer had at the start of
the quarter's recent period: customers with baseline spend ranked by it, cut at the
study's shares (the first ⌈share × n⌉ customers, as detection cuts them). Former
customers — those a screening call found to have left the category, in any study — are
neither counted as defectors nor in the base. Rates rank by spend, never by margin,
so that quarters with and without margins compare.

Spend is first summed per customer and quarter in one pass over the ledger; every
quarter's windows are then sums of a few of those buckets, so eight quarters cost
little more than one. The same pass serves the rates and the movement, and both are
kept per version of the ledger: the Analysis page asks for them on every rerun.

The buckets go to arrays of whole cents (CELLS, _standing_by_arrays): a customers ×
quarters grid whose running sums give every window, and each cut of the segments is
found without sorting everyone. DuckDB grouping 12.6M (quarter, customer) rows into
windows cost twice as much CPU at 1M customers (benchmarks/analysis_speed.py). The
numbers are the same, exactly: sums and comparisons in whole numbers, money turned into
the doubles DuckDB makes of it. Where whole cents could overflow or a double could not
hold a sum exactly, the windows are computed in SQL (WINDOWS) and the segments cut at
quantiles of the baseline spend, ranking only the customers near each cut
(RATES_BANDED), which gives the numbers ranking everyone gives (RATES).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd

from research.analysis.causes import FACTS_VERSION, AnalysisError, wilson
from research.analysis.trends import quarter_bounds, quarter_of
from research.base.store import Store
from research.base.studies import Study
from research.selection.detection import SEGMENTS

T = TypeVar("T")
HOLD_BAND = 0.10  # a share (or spend) within ±10% of the quarter before "held"


def quarter_index(label: str) -> int:
    start, _ = quarter_bounds(label)
    return start.year * 4 + (start.month - 1) // 3


def quarter_label(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter label from ``first`` to ``last``, both included. Raises
    AnalysisError when a label is not a quarter or the range is empty or too long."""
    try:
        a, b = quarter_index(first), quarter_index(last)
    except ValueError as e:
        raise AnalysisError("error.quarter_label", label=f"{first} – {last}") from e
    if b < a or b - a > 40:
        raise AnalysisError("error.quarter_range", first=first, last=last)
    return [quarter_label(i) for i in range(a, b + 1)]


def last_quarters(count: int, today: date | None = None) -> list[str]:
    """The ``count`` whole quarters before the one ``today`` is in."""
    end = quarter_index(quarter_of(today or date.today())) - 1
    return [quarter_label(i) for i in range(end - count + 1, end + 1)]


# What the standing numbers depend on, beyond the study's own rules: lines, customers
# (their scope fields), wallet estimates, former customers, and the audit log that every
# import and every mark writes to. Counting is cheap even at 10M lines.
LEDGER_VERSION = """
SELECT (SELECT max(id) FROM audit_log),
       (SELECT count(*) FROM transactions), (SELECT max(created_at) FROM transactions),
       (SELECT count(*) FROM customers), (SELECT max(updated_at) FROM customers),
       (SELECT count(*) FROM wallet_estimates), (SELECT max(updated_at) FROM wallet_estimates),
       (SELECT count(*) FROM former_customers), (SELECT max(created_at) FROM former_customers)
"""

# The spend per customer and quarter bucket (year·4 + quarter − 1) of the lines in the
# quarters asked (and the windows before them): lines are summed first and the customers
# left out afterwards (former customers of any study, the study's scope), on a tenth as
# many rows. The common table expressions WINDOWS and CELLS start with.
BUCKETS = """
lines AS (
    SELECT customer_id, year(date) * 4 + quarter(date) - 1 AS qi, sum(amount) AS spend
    FROM transactions
    WHERE date >= $start AND date < $end
      AND (len(CAST($product_lines AS VARCHAR[])) = 0
           OR list_contains(CAST($product_lines AS VARCHAR[]), product_line))
    GROUP BY ALL
),
buckets AS (
    SELECT l.* FROM lines l
    WHERE l.customer_id NOT IN (SELECT customer_id FROM former_customers) {scope}
)"""

# Each target quarter q's windows per customer, from the buckets: the baseline (the k
# quarters before the recent ones), the recent spend (the k quarters up to q), and the
# quarter before q and q itself for the movement. What RATES, RATES_BANDED and MOVEMENT
# read when the arrays (CELLS) cannot hold the numbers exactly.
WINDOWS = (
    "CREATE TEMP TABLE rate_windows AS WITH"
    + BUCKETS
    + """,
targets AS (SELECT unnest(CAST($quarters AS INTEGER[])) AS q)
SELECT t.q, b.customer_id,
       coalesce(sum(b.spend) FILTER (WHERE b.qi <= t.q - $k), 0) AS baseline,
       coalesce(sum(b.spend) FILTER (WHERE b.qi > t.q - $k), 0) AS recent,
       coalesce(sum(b.spend) FILTER (WHERE b.qi = t.q - 1), 0) AS before,
       coalesce(sum(b.spend) FILTER (WHERE b.qi = t.q), 0) AS now
FROM targets t JOIN buckets b ON b.qi BETWEEN t.q - 2 * $k + 1 AND t.q
GROUP BY t.q, b.customer_id
HAVING baseline > 0 OR before > 0
"""
)
# WINDOWS' {scope} for a study whose scope narrows the customers (looking the customers
# up costs a join over every bucket, so a study without one does not)
IN_SCOPE = """
      AND l.customer_id IN (
            SELECT customer_id FROM customers
            WHERE (len(CAST($regions AS VARCHAR[])) = 0
                   OR list_contains(CAST($regions AS VARCHAR[]), region))
              AND (len(CAST($owners AS VARCHAR[])) = 0
                   OR list_contains(CAST($owners AS VARCHAR[]), owner))
              AND (len(CAST($industries AS VARCHAR[])) = 0
                   OR list_contains(CAST($industries AS VARCHAR[]), industry)))
"""

# Per quarter and segment: customers with baseline spend, full and partial defectors,
# baseline spend. The segments by ranking every quarter's customers (baseline spend
# descending, customer id), as detection does: a sort of every quarter's customers.
# RATES_BANDED gives the same numbers sorting only the few near each cut.
RATES = """
WITH ranked AS (
    SELECT *,
        (row_number() OVER (PARTITION BY q ORDER BY baseline DESC, customer_id) - 1)
            / count(*) OVER (PARTITION BY q) AS rank_fraction
    FROM rate_windows WHERE baseline > 0
),
classified AS (
    SELECT q,
        CASE WHEN rank_fraction < $cut_best THEN 'best_core'
             WHEN rank_fraction < $cut_other THEN 'other_core'
             WHEN rank_fraction < $cut_general THEN 'general'
             ELSE 'expendable' END AS segment,
        recent <= 0 AS is_full,
        recent > 0 AND recent <= $keep * baseline AS is_partial,
        baseline
    FROM ranked
)
SELECT q, segment, count(*) AS customers,
       count(*) FILTER (WHERE is_full) AS full_defectors,
       count(*) FILTER (WHERE is_partial) AS partial_defectors,
       CAST(sum(baseline) AS DOUBLE) AS baseline_spend
FROM classified GROUP BY q, segment
"""

# A customer at position p (0-based, in RATES' order) of a quarter's n is inside cut c
# when p / n < c. Per quarter and cut, two quantiles of the baseline spend around the cut
# (lo ≤ hi, at 1 − c ∓ BAND) split the customers: those above hi come before everyone
# else, those below lo after; ``above`` counts the first, ``least`` those at lo or above.
RATE_BOUNDS = """
CREATE TEMP TABLE rate_bounds AS
WITH marks AS (
    SELECT q, count(*) AS n, quantile_disc(baseline, CAST($fractions AS DOUBLE[])) AS m
    FROM rate_windows WHERE baseline > 0 GROUP BY q
),
bounds AS (
    SELECT q, n, m[1] AS lo1, m[2] AS hi1, m[3] AS lo2, m[4] AS hi2, m[5] AS lo3, m[6] AS hi3
    FROM marks
)
SELECT b.q, b.n, b.lo1, b.hi1, b.lo2, b.hi2, b.lo3, b.hi3,
    count(*) FILTER (WHERE w.baseline > b.hi1) AS above1,
    count(*) FILTER (WHERE w.baseline >= b.lo1) AS least1,
    count(*) FILTER (WHERE w.baseline > b.hi2) AS above2,
    count(*) FILTER (WHERE w.baseline >= b.lo2) AS least2,
    count(*) FILTER (WHERE w.baseline > b.hi3) AS above3,
    count(*) FILTER (WHERE w.baseline >= b.lo3) AS least3
FROM rate_windows w JOIN bounds b ON b.q = w.q
WHERE w.baseline > 0
GROUP BY ALL
"""
RATE_BOUNDS_COUNTS = "SELECT n, above1, least1, above2, least2, above3, least3 FROM rate_bounds"
BAND = 0.01

# RATES' numbers when every quarter's bounds are safe (_bounds_safe): customers above hi
# are inside the cut, those below lo outside, and those in [lo, hi] are ranked after the
# ``above`` customers ahead of them, with RATES' own order and test.
RATES_BANDED = """
WITH placed AS (
    SELECT w.q, w.customer_id, w.baseline, w.recent, b.n, b.above1, b.above2, b.above3,
        w.baseline BETWEEN b.lo1 AND b.hi1 AS band1,
        w.baseline BETWEEN b.lo2 AND b.hi2 AS band2,
        w.baseline BETWEEN b.lo3 AND b.hi3 AS band3,
        w.baseline > b.hi1 AS over1, w.baseline > b.hi2 AS over2, w.baseline > b.hi3 AS over3
    FROM rate_windows w JOIN rate_bounds b ON b.q = w.q
    WHERE w.baseline > 0
),
banded AS (
    SELECT q, baseline, recent,
        CASE WHEN band1 THEN (above1 + row_number() OVER (
                 PARTITION BY q, band1 ORDER BY baseline DESC, customer_id) - 1) / n < $cut_best
             ELSE over1 END AS in1,
        CASE WHEN band2 THEN (above2 + row_number() OVER (
                 PARTITION BY q, band2 ORDER BY baseline DESC, customer_id) - 1) / n < $cut_other
             ELSE over2 END AS in2,
        CASE WHEN band3 THEN (above3 + row_number() OVER (
                 PARTITION BY q, band3 ORDER BY baseline DESC, customer_id) - 1) / n < $cut_general
             ELSE over3 END AS in3
    FROM placed WHERE band1 OR band2 OR band3
),
classified AS (
    SELECT q,
        CASE WHEN in1 THEN 'best_core' WHEN in2 THEN 'other_core' WHEN in3 THEN 'general'
             ELSE 'expendable' END AS segment,
        recent <= 0 AS is_full,
        recent > 0 AND recent <= $keep * baseline AS is_partial,
        baseline
    FROM (
        SELECT * FROM banded
        UNION ALL
        SELECT q, baseline, recent, over1, over2, over3 FROM placed
        WHERE NOT (band1 OR band2 OR band3)
    )
)
SELECT q, segment, count(*) AS customers,
       count(*) FILTER (WHERE is_full) AS full_defectors,
       count(*) FILTER (WHERE is_partial) AS partial_defectors,
       CAST(sum(baseline) AS DOUBLE) AS baseline_spend
FROM classified GROUP BY q, segment
"""

# The wallet estimates per customer and quarter bucket, of those that lie inside one
# quarter: the movement judges share of wallet where both quarters are covered.
WALLET_QUARTERS = """
    SELECT customer_id, year(period_start) * 4 + quarter(period_start) - 1 AS qi,
           sum(estimated_spend) AS wallet, sum(period_end - period_start) AS days
    FROM wallet_estimates
    WHERE quarter(period_start) = quarter(period_end - 1)
      AND year(period_start) = year(period_end - 1)
    GROUP BY ALL
"""

MOVEMENT = f"""
WITH wallet AS ({WALLET_QUARTERS}),
measured AS (
    SELECT p.q, p.customer_id,
        CASE WHEN wb.wallet > 0 AND wn.wallet > 0
                  AND wb.days >= 89 AND wn.days >= 89
             THEN p.before / wb.wallet END AS share_before,
        CASE WHEN wb.wallet > 0 AND wn.wallet > 0
                  AND wb.days >= 89 AND wn.days >= 89
             THEN p.now / wn.wallet END AS share_now,
        p.before, p.now
    FROM rate_windows p
    LEFT JOIN wallet wb ON wb.customer_id = p.customer_id AND wb.qi = p.q - 1
    LEFT JOIN wallet wn ON wn.customer_id = p.customer_id AND wn.qi = p.q
    WHERE p.before > 0
)
SELECT q,
    share_before IS NOT NULL AS by_share,
    CASE WHEN coalesce(share_now / share_before, now / before) > 1 + $band THEN 'rose'
         WHEN coalesce(share_now / share_before, now / before) < 1 - $band THEN 'fell'
         ELSE 'held' END AS movement,
    count(*) AS customers
FROM measured GROUP BY ALL
"""


# The buckets and the wallet per customer and quarter as whole numbers, for the arrays
# (_standing_by_arrays): one row per customer and quarter with spend or an estimate,
# each customer numbered in the order of their IDs (RATES' order among equal baselines),
# each quarter counted from $first. Money in whole cents: a sum that does not fit in
# BIGINT fails the cast, and the numbers come from WINDOWS instead. CELLS' {cells} are
# CELLS_WITH_WALLET where there are wallet estimates, else the buckets alone.
CELLS_OF_BUCKETS = """
cells AS (SELECT customer_id, qi, spend, 0 AS wallet, 0 AS days FROM buckets)"""
CELLS_WITH_WALLET = f"""
wallet AS ({WALLET_QUARTERS}),
cells AS (
    SELECT coalesce(b.customer_id, w.customer_id) AS customer_id, coalesce(b.qi, w.qi) AS qi,
           coalesce(b.spend, 0) AS spend, coalesce(w.wallet, 0) AS wallet,
           coalesce(w.days, 0) AS days
    FROM buckets b
    FULL JOIN (SELECT * FROM wallet WHERE qi BETWEEN $first AND $last) w
        ON w.customer_id = b.customer_id AND w.qi = b.qi
)"""
CELLS = (
    "WITH"
    + BUCKETS
    + ",{cells},"
    + """
numbered AS (
    SELECT customer_id, row_number() OVER (ORDER BY customer_id) - 1 AS code
    FROM (SELECT DISTINCT customer_id FROM cells)
)
SELECT CAST(n.code AS INTEGER) AS code, CAST(c.qi - $first AS INTEGER) AS slot,
       CAST(c.spend * 100 AS BIGINT) AS spend, CAST(c.wallet * 100 AS BIGINT) AS wallet,
       CAST(c.days AS BIGINT) AS days
FROM cells c JOIN numbered n USING (customer_id)
"""
)
ANY_WALLET = "SELECT count(*) > 0 FROM wallet_estimates"


def _scope_params(study: Study) -> dict:
    """WINDOWS' scope parameters; the customers' only when the scope narrows them."""
    scope = study.scope
    params: dict = {"product_lines": list(scope.product_line)}
    if scope.narrows_customers:
        params.update(
            regions=list(scope.region), owners=list(scope.owner), industries=list(scope.industry)
        )
    return params


def _fractions(cuts: dict) -> list[float]:
    """RATE_BOUNDS' quantiles: lo and hi for each cut, within 0..1."""
    out = []
    for cut in cuts.values():
        out += [min(max(1 - cut - BAND, 0.0), 1.0), min(max(1 - cut + BAND, 0.0), 1.0)]
    return out


def _bounds_safe(counts: list[tuple], cuts: dict) -> bool:
    """Whether RATES_BANDED may use the bounds: in every quarter and for every cut c,
    everyone above hi inside it ((above − 1) / n < c, or nobody above) and everyone below
    lo outside it (least / n ≥ c, or nobody below). Divisions of whole numbers below 2⁵³
    round in Python as they do in DuckDB."""
    for n, *pairs in counts:
        for cut, above, least in zip(cuts.values(), pairs[::2], pairs[1::2], strict=True):
            if above and not (above - 1) / n < cut:
                return False
            if least < n and not least / n >= cut:
                return False
    return True


def _rate_rows(cur: duckdb.DuckDBPyConnection, cuts: dict, keep: Decimal) -> list[tuple]:
    """RATES' rows from ``rate_windows``, by RATES_BANDED where its bounds are safe."""
    cur.execute(RATE_BOUNDS, {"fractions": _fractions(cuts)})
    try:
        counts = cur.execute(RATE_BOUNDS_COUNTS).fetchall()
        sql = RATES_BANDED if _bounds_safe(counts, cuts) else RATES
        return cur.execute(sql, {**cuts, "keep": keep}).fetchall()
    finally:
        cur.execute("DROP TABLE IF EXISTS rate_bounds")


# The arrays hold a customers × quarters grid of whole cents: beyond this many cells
# (1M customers over 11 quarters is 11M) WINDOWS computes the numbers instead.
MAX_CELLS = 60_000_000
USE_ARRAYS = True  # False: always WINDOWS (the tests compare both)
# Sums of whole cents below 2⁵³ are exact in a double too, and become the same double as
# DuckDB's cast of the decimal (a check in tests/unit/test_analysis_rates.py)
EXACT_CENTS = 2**53
_BIGINT = 2**63


@dataclass(frozen=True)
class _Grid:
    """CELLS as arrays: per customer (in the order of their IDs) and quarter slot, the
    spend, the wallet estimate and its days."""

    spend: np.ndarray  # slots × customers (a quarter's customers side by side), cents
    wallet: np.ndarray | None  # the same for the wallet estimates (None: there are none)
    days: np.ndarray | None


def _grid(cur: duckdb.DuckDBPyConnection, sql: str, params: dict, slots: int) -> _Grid | None:
    """CELLS as arrays, or None when they cannot give the numbers exactly: a sum that does
    not fit in whole cents, money of 2⁵³ cents or more in all, or too many cells."""
    try:
        table = cur.sql(sql, params=params).to_arrow_table()
    except (duckdb.ConversionException, duckdb.OutOfRangeException):
        return None
    code = table.column("code").to_numpy()
    customers = int(code.max()) + 1 if len(code) else 0
    if customers * slots > MAX_CELLS:
        return None
    slot = table.column("slot").to_numpy()
    spend_cells = table.column("spend").to_numpy()
    if int(np.abs(spend_cells).sum(dtype=np.float64)) >= EXACT_CENTS // 2:
        return None
    spend = np.zeros((slots, customers), dtype=np.int64)
    spend[slot, code] = spend_cells
    wallet_cells = table.column("wallet").to_numpy()
    if not wallet_cells.any():
        return _Grid(spend, None, None)
    if int(np.abs(wallet_cells).max()) >= EXACT_CENTS:
        return None
    wallet = np.zeros((slots, customers), dtype=np.int64)
    days = np.zeros((slots, customers), dtype=np.int64)
    wallet[slot, code] = wallet_cells
    days[slot, code] = table.column("days").to_numpy()
    return _Grid(spend, wallet, days)


def _taken(n: int, cut: float) -> int:
    """How many of n ranked customers fall inside cumulative cut ``cut``: the positions p
    (from 0) with p / n < cut, the test RATES makes (Python's division of whole numbers
    below 2⁵³ rounds as DuckDB's)."""
    m = min(n, max(0, math.ceil(cut * n)))
    while m > 0 and not (m - 1) / n < cut:
        m -= 1
    while m < n and m / n < cut:
        m += 1
    return m


def _first(values: np.ndarray, m: int) -> np.ndarray:
    """Which of ``values`` (in the customers' ID order) are the first ``m`` by value
    descending, then ID: RATES' order, without sorting everyone."""
    n = len(values)
    inside = np.zeros(n, dtype=bool)
    if m <= 0:
        return inside
    if m >= n:
        inside[:] = True
        return inside
    bound = np.partition(values, n - m)[n - m]  # the m-th largest
    inside |= values > bound
    tied = np.flatnonzero(values == bound)  # in ID order: the first of them come first
    inside[tied[: m - int(inside.sum())]] = True
    return inside


def _standing_by_arrays(
    grid: _Grid, indexes: list[int], first: int, k: int, cuts: dict, keep: Decimal
) -> _Standing | None:
    """RATES' and MOVEMENT's rows from the grid (slot 0 is quarter ``first``), or None
    when a comparison with ``keep`` could overflow whole numbers."""
    ratio = Fraction(keep)
    spend = grid.spend
    if spend.size:
        largest = int(np.abs(spend).sum(axis=0).max())
        if largest * max(ratio.numerator, ratio.denominator) >= _BIGINT:
            return None
    # running sums over the quarters: a window is the difference of two
    running = np.zeros((spend.shape[0] + 1, spend.shape[1]), dtype=np.int64)
    np.cumsum(spend, axis=0, out=running[1:])
    rates_rows: list[tuple] = []
    moved_rows: list[tuple] = []
    for q in indexes:
        end = q - first + 1  # running[end] sums the slots up to q
        baseline = running[end - k] - running[end - 2 * k]
        recent = running[end] - running[end - k]
        ranked = baseline > 0
        base, rec = baseline[ranked], recent[ranked]
        n = len(base)
        inside = [_first(base, _taken(n, cut)) for cut in cuts.values()]
        segment = np.full(n, 3, dtype=np.int8)  # expendable
        for number, mask in reversed(list(enumerate(inside))):
            segment[mask] = number
        full = rec <= 0
        partial = (rec > 0) & (rec * ratio.denominator <= base * ratio.numerator)
        customers = np.bincount(segment, minlength=4)
        fulls = np.bincount(segment[full], minlength=4)
        partials = np.bincount(segment[partial], minlength=4)
        # in doubles, exactly: whole cents whose sums stay below 2⁵³ (_grid)
        spends = np.bincount(segment, weights=base, minlength=4)
        for number, name in enumerate(SEGMENTS):
            if customers[number]:
                rates_rows.append(
                    (
                        q,
                        name,
                        int(customers[number]),
                        int(fulls[number]),
                        int(partials[number]),
                        float(spends[number]) / 100.0,
                    )
                )
        moved_rows += _moved(grid, q - first, q)
    return _Standing(rates_rows, moved_rows)


def _moved(grid: _Grid, slot: int, q: int) -> list[tuple]:
    """MOVEMENT's rows for quarter q (at ``slot``), in the same doubles as DuckDB's."""
    before_cents = grid.spend[slot - 1]
    bought = before_cents > 0
    before = before_cents[bought] / 100.0
    now = grid.spend[slot][bought] / 100.0
    change = now / before
    by_share = np.zeros(len(before), dtype=bool)
    if grid.wallet is not None:
        wb, wn = grid.wallet[slot - 1][bought], grid.wallet[slot][bought]
        db, dn = grid.days[slot - 1][bought], grid.days[slot][bought]
        by_share = (wb > 0) & (wn > 0) & (db >= 89) & (dn >= 89)
        share_before = before[by_share] / (wb[by_share] / 100.0)
        share_now = now[by_share] / (wn[by_share] / 100.0)
        change[by_share] = share_now / share_before
    rose = change > 1 + HOLD_BAND
    fell = ~rose & (change < 1 - HOLD_BAND)
    held = ~rose & ~fell
    rows = []
    for share in (True, False):
        judged = by_share == share
        for name, mask in (("rose", rose), ("held", held), ("fell", fell)):
            count = int((judged & mask).sum())
            if count:
                rows.append((q, share, name, count))
    return rows


def _window_quarters(study: Study) -> int:
    if study.window_months % 3:
        raise AnalysisError("error.rates_window", months=study.window_months)
    return study.window_months // 3


def _cuts(study: Study) -> dict:
    return {
        "cut_best": round(study.best_core_pct, 9),
        "cut_other": round(study.best_core_pct + study.other_core_pct, 9),
        "cut_general": round(study.best_core_pct + study.other_core_pct + study.general_pct, 9),
    }


@dataclass
class _Standing:
    rates: list[tuple]  # q, segment, customers, full, partial, baseline spend
    movement: list[tuple]  # q, by share of wallet, rose/held/fell, customers
    frames: dict = field(default_factory=dict)  # the frames built from them, by kind


# per open store (dropped with it): {(data version, question): answer}, the newest last;
# the Analysis page asks the same questions on every rerun
_kept_answers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()
KEEP_ANSWERS = 8


def forget(store: Store) -> None:
    """Drop the answers kept for ``store``, so that the next question reads the ledger
    (benchmarks/analysis_speed.py times the computation itself)."""
    with _kept_lock:
        _kept_answers.pop(store, None)


def _kept(store: Store, key: tuple, compute: Callable[[], T]) -> T:
    """The answer kept for ``key`` (which must hold the data version), else
    ``compute()``, kept."""
    with _kept_lock:
        found = _kept_answers.get(store, {}).get(key)
    if found is not None:
        return found
    answer = compute()
    with _kept_lock:
        kept = _kept_answers.setdefault(store, {})
        kept.pop(key, None)
        kept[key] = answer
        while len(kept) > KEEP_ANSWERS:
            kept.pop(next(iter(kept)))
    return answer


def _standing(store: Store, study: Study, indexes: list[int], k: int) -> _Standing:
    """Rates and movement rows for the quarters ``indexes`` with window ``k`` quarters,
    from one pass over the ledger, kept per ledger version."""
    cuts = _cuts(study)
    keep = Decimal(str(round(1 - study.drop_threshold, 6)))
    scope = _scope_params(study)
    start = quarter_bounds(quarter_label(min(indexes) - 2 * k + 1))[0]
    end_day = quarter_bounds(quarter_label(max(indexes)))[1]
    lines = {"start": start, "end": date.fromordinal(end_day.toordinal() + 1), **scope}
    first, last = min(indexes) - 2 * k + 1, max(indexes)
    in_scope = IN_SCOPE if "regions" in scope else ""

    def compute() -> _Standing:
        with store.cursor() as cur:
            if USE_ARRAYS:
                wallet = cur.execute(ANY_WALLET).fetchall()[0][0]
                cells = CELLS.format(
                    scope=in_scope, cells=CELLS_WITH_WALLET if wallet else CELLS_OF_BUCKETS
                )
                limits = {"first": first, "last": last} if wallet else {"first": first}
                grid = _grid(cur, cells, {**lines, **limits}, last - first + 1)
                found = grid and _standing_by_arrays(grid, indexes, first, k, cuts, keep)
                if found:
                    return found
            cur.execute(WINDOWS.format(scope=in_scope), {**lines, "quarters": indexes, "k": k})
            try:
                rows = _rate_rows(cur, cuts, keep)
                moved = cur.execute(MOVEMENT, {"band": HOLD_BAND}).fetchall()
            finally:
                cur.execute("DROP TABLE IF EXISTS rate_windows")
        return _Standing(rows, moved)

    with store.cursor() as cur:
        version = tuple(cur.execute(LEDGER_VERSION).fetchall()[0])
    question = (
        "standing",
        tuple(indexes),
        k,
        keep,
        tuple(cuts.values()),
        tuple(tuple(v) if isinstance(v, list) else v for v in scope.values()),
    )
    return _kept(store, (version, question), compute)


def quarterly_rates(store: Store, study: Study, quarters: list[str]) -> pd.DataFrame:
    """Per quarter and segment (best core … expendable, then 'all'): customers with
    baseline spend, full and partial defectors, the rate with its 95% Wilson interval,
    and the segment's yearly spend per customer. Uses the study's window, drop
    threshold, segment shares and scope. Raises AnalysisError for a window that is not
    whole quarters."""
    k = _window_quarters(study)
    indexes = [quarter_index(q) for q in quarters]
    standing = _standing(store, study, indexes, k)
    key = ("rates", study.window_months)
    if key not in standing.frames:
        standing.frames[key] = _rates_frame(standing.rates, indexes, study.window_months)
    return standing.frames[key].copy()


def _rates_frame(rows: list[tuple], indexes: list[int], window_months: int) -> pd.DataFrame:
    found = {(q, s): (n, f, p, spend) for q, s, n, f, p, spend in rows}
    out = []
    years = window_months / 12
    for q in indexes:
        totals = [0, 0, 0, 0.0]
        for segment in (*SEGMENTS, "all"):
            if segment == "all":
                n, f, p, spend = totals
            else:
                n, f, p, spend = found.get((q, segment), (0, 0, 0, 0.0))
                totals = [totals[0] + n, totals[1] + f, totals[2] + p, totals[3] + spend]
            share = wilson(f + p, n)
            out.append(
                {
                    "quarter": quarter_label(q),
                    "segment": segment,
                    "customers": n,
                    "full": f,
                    "partial": p,
                    "rate": share.share,
                    "rate_low": share.low,
                    "rate_high": share.high,
                    "yearly_value": spend / n / years if n else None,
                }
            )
    return pd.DataFrame(out)


def movement(store: Store, study: Study, quarters: list[str]) -> pd.DataFrame:
    """Per quarter: of the customers who bought in the quarter before, how many saw their
    share of wallet (where estimates cover both quarters, else their spend) rise, hold
    (within ±10%) or fall; with the shares and how many were judged on share of wallet.
    Computed with the rates (one pass over the ledger for both) when the study's window
    is whole quarters."""
    indexes = [quarter_index(q) for q in quarters]
    k = study.window_months // 3 if study.window_months % 3 == 0 and study.window_months else 1
    standing = _standing(store, study, indexes, k)
    if "movement" not in standing.frames:
        standing.frames["movement"] = _movement_frame(standing.movement, indexes)
    return standing.frames["movement"].copy()


def _movement_frame(rows: list[tuple], indexes: list[int]) -> pd.DataFrame:
    out = []
    for q in indexes:
        mine = [r for r in rows if r[0] == q]
        counts = {m: sum(r[3] for r in mine if r[2] == m) for m in ("rose", "held", "fell")}
        total = sum(counts.values())
        out.append(
            {
                "quarter": quarter_label(q),
                "customers": total,
                **counts,
                **{f"{m}_share": (counts[m] / total if total else None) for m in counts},
                "by_share_of_wallet": sum(r[3] for r in mine if r[1]),
            }
        )
    return pd.DataFrame(out)


# What became of the defectors interviewed in earlier studies: their spend in the last
# W months before ``as_of`` against their baseline spend in the study that found them.
FOLLOW_UP = """
WITH interviewed AS (
    SELECT DISTINCT ON (f.customer_id) f.customer_id, f.primary_code, f.study_id,
           r.baseline_spend, coalesce(r.segment, 'none') AS segment
    FROM findings f
    JOIN detection_results r ON r.study_id = f.study_id AND r.customer_id = f.customer_id
    WHERE f.status = 'final' AND f.defection_type IN ('full', 'partial')
      AND list_contains($studies, f.study_id) AND r.baseline_spend > 0
    ORDER BY f.customer_id, f.interview_date DESC NULLS LAST, f.id DESC
),
now AS (
    SELECT customer_id, sum(amount) AS spend FROM transactions
    WHERE date >= $since AND date < $as_of AND customer_id IN (SELECT customer_id FROM interviewed)
    GROUP BY customer_id
)
SELECT i.customer_id, i.primary_code, i.study_id, i.segment,
       CAST(i.baseline_spend AS DOUBLE), CAST(coalesce(n.spend, 0) AS DOUBLE)
FROM interviewed i LEFT JOIN now n USING (customer_id)
"""


@dataclass(frozen=True)
class FollowUp:
    """Earlier defectors now: one row each (customer, cause, outcome), and how they did
    per cause and per improvement action that addressed their cause."""

    customers: pd.DataFrame  # customer_id, cause, study_id, segment, baseline, now, outcome
    by_cause: pd.DataFrame  # cause, won_back, partly_back, still_gone
    by_action: pd.DataFrame  # action_id, title, won_back, partly_back, still_gone


OUTCOMES = ("won_back", "partly_back", "still_gone")


def follow_up(
    store: Store, study: Study, studies_ids: tuple[int, ...], *, as_of: date | None = None
) -> FollowUp:
    """Of the defectors interviewed in ``studies_ids``, who buys again in the ``study``'s
    window up to ``as_of`` (the study's as-of date by default): won back (at least
    (1 − d) of their baseline spend again), partly back (something, less than that) or
    still gone. Per primary cause (merges followed) and per improvement action. Kept
    per version of the ledger and the findings: the page asks on every rerun."""
    as_of = as_of or study.as_of
    with store.cursor() as cur:
        version = (
            tuple(cur.execute(LEDGER_VERSION).fetchall()[0]),
            tuple(cur.execute(FACTS_VERSION).fetchall()[0]),
        )
    question = ("follow_up", tuple(studies_ids), as_of, study.window_months, study.drop_threshold)
    found = _kept(store, (version, question), lambda: _follow_up(store, study, studies_ids, as_of))
    return FollowUp(found.customers.copy(), found.by_cause.copy(), found.by_action.copy())


def _follow_up(store: Store, study: Study, studies_ids: tuple[int, ...], as_of: date) -> FollowUp:
    from dateutil.relativedelta import relativedelta

    from research.analysis.actions import list_actions
    from research.findings import taxonomy

    since = as_of - relativedelta(months=study.window_months)
    with store.cursor() as cur:
        rows = cur.execute(
            FOLLOW_UP, {"studies": list(studies_ids), "since": since, "as_of": as_of}
        ).fetchall()
        book = taxonomy.read_codebook(cur)
    keep = 1 - study.drop_threshold
    frame = pd.DataFrame(
        rows, columns=["customer_id", "code", "study_id", "segment", "baseline", "now"]
    )
    frame["cause"] = frame["code"].map(lambda c: book.resolve(c) if isinstance(c, str) else None)
    frame["outcome"] = [
        "still_gone" if now <= 0 else ("won_back" if now >= keep * base else "partly_back")
        for base, now in zip(frame["baseline"], frame["now"], strict=True)
    ]

    def tally(part: pd.DataFrame) -> dict:
        return {o: int((part["outcome"] == o).sum()) for o in OUTCOMES}

    by_cause = pd.DataFrame(
        [{"cause": c, **tally(g)} for c, g in frame.groupby("cause", sort=True)],
        columns=["cause", *OUTCOMES],
    )
    actions_rows = []
    for action in list_actions(store):
        causes = {book.resolve(c) for c in action.causes}
        actions_rows.append(
            {
                "action_id": action.id,
                "title": action.title,
                **tally(frame[frame["cause"].isin(causes)]),
            }
        )
    by_action = pd.DataFrame(actions_rows, columns=["action_id", "title", *OUTCOMES])
    return FollowUp(frame.drop(columns=["code"]), by_cause, by_action)
