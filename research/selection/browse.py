"""The detection results as a person browses them: filtered, counted, sorted and paged in
DuckDB, so that what crosses to the screen is one page of rows and a few numbers.

At a million customers, reading every result into pandas to filter it costs seconds and
hundreds of megabytes per page view; the question a page asks ("the first 50 full
defectors of owner 张伟 by spend lost, and how many there are") is a small query. The
filter is ``filters.ResultFilter`` (the same value the pandas path applies, so both say
the same; tests/unit/test_browse.py holds them together); a download still gets every
row that passes (``matching``, ``csv_file``, ``xlsx_file``).

The answers depend only on stored data, and every rerun of the page and every colleague
looking at the same study asks them again: they are kept per open store and per version
of what they read (``results_version``: the study's detection run, the customers, the
study's former-customer marks), so an import, a detection run or a mark changes the
version and the next question reads the store again, while a call logged elsewhere does
not.
"""

from __future__ import annotations

import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from research.base import exports
from research.base.store import Store
from research.base.studies import Study
from research.selection.detection import DEFECTOR_STATUSES, RESULT_ROWS, SEGMENTS
from research.selection.filters import NO_SEGMENT, ResultFilter, search_pattern
from research.selection.results_file import count_table  # its "none" is NO_SEGMENT

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

T = TypeVar("T")

# The study's results that pass the filter, without the customers' details: status,
# segment, spend and silence are the results' own, so only the owner and a search in the
# name look into the customers table, each for the customers it keeps. Joining every
# customer's name and contacts to a million results costs more than everything else on
# the page; that join is made for the rows shown (PAGE) or written (MATCHING) only.
NARROWED = """
SELECT r.*, CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS shown_status
FROM detection_results r
LEFT JOIN former_customers f ON f.study_id = r.study_id AND f.customer_id = r.customer_id
WHERE r.study_id = $sid
  AND (len(CAST($statuses AS VARCHAR[])) = 0
       OR list_contains(CAST($statuses AS VARCHAR[]),
                        CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END))
  AND (len(CAST($segments AS VARCHAR[])) = 0
       OR list_contains(CAST($segments AS VARCHAR[]), coalesce(r.segment, $no_segment)))
  AND (NOT $silent_only OR r.long_silence)
  AND (len(CAST($owners AS VARCHAR[])) = 0
       OR r.customer_id IN (SELECT customer_id FROM customers
                            WHERE len(CAST($owners AS VARCHAR[])) > 0
                              AND list_contains(CAST($owners AS VARCHAR[]), owner)))
  AND ($pattern = ''
       OR ilike_escape(r.customer_id, $pattern, '\\')
       OR r.customer_id IN (SELECT customer_id FROM customers
                            WHERE $pattern <> '' AND ilike_escape(name, $pattern, '\\')))
"""

# What a page may be sorted by: a column of the results, ties broken by customer id.
SORTS = (
    "spend_lost",
    "baseline_spend",
    "recent_spend",
    "days_silent",
    "last_purchase",
    "customer_id",
    "name",
)


def _order(sort: str, descending: bool) -> str:
    direction = "DESC" if descending else "ASC"
    then = "" if sort == "customer_id" else ", customer_id"
    return f'"{sort}" {direction} NULLS LAST{then}'


def _matching(sort: str, descending: bool) -> str:
    # every row that passes, with the customers' details (detection.RESULT_ROWS), in order
    return f"""
SELECT * FROM (
    {RESULT_ROWS}WHERE r.study_id = $sid
      AND r.customer_id IN (SELECT customer_id FROM ({NARROWED}))
) ORDER BY {_order(sort, descending)}
"""


def _page(sort: str, descending: bool) -> str:
    # one page: the rows' ids found from the results alone (the names too when they sort
    # them), then RESULT_ROWS for those ids only
    if sort == "name":
        picked = f"""
SELECT n.customer_id, c.name FROM ({NARROWED}) n
LEFT JOIN customers c ON c.customer_id = n.customer_id"""
    else:
        picked = f"SELECT customer_id, {sort} FROM ({NARROWED})"
    return f"""
WITH picked AS ({picked} ORDER BY {_order(sort, descending)} LIMIT $limit OFFSET $offset)
SELECT * FROM (
    {RESULT_ROWS}WHERE r.study_id = $sid AND r.customer_id IN (SELECT customer_id FROM picked)
) ORDER BY {_order(sort, descending)}
"""


# each order a reader can ask for, (sort, descending): every row, one page
MATCHING = {(s, d): _matching(s, d) for s in SORTS for d in (True, False)}
PAGE = {(s, d): _page(s, d) for s in SORTS for d in (True, False)}

SUMMARY = f"""
SELECT shown_status AS status, coalesce(segment, '{NO_SEGMENT}') AS segment,
       count(*) AS customers, CAST(sum(spend_lost) AS DOUBLE) AS spend_lost
FROM ({NARROWED})
GROUP BY ALL
"""

OWNERS = """
SELECT DISTINCT c.owner FROM detection_results r JOIN customers c USING (customer_id)
WHERE r.study_id = ? AND c.owner IS NOT NULL ORDER BY 1
"""


# What every answer below reads besides the study's filter: the study's stored results
# (replaced as a whole by a detection run, which stamps detection_runs), the customers'
# names and owners (an import or a correction stamps updated_at; none is ever deleted)
# and the study's former-customer marks (a mark stamps created_at, an unmark deletes).
RESULTS_VERSION = """
SELECT (SELECT computed_at FROM detection_runs WHERE study_id = $sid),
       (SELECT count(*) FROM customers), (SELECT max(updated_at) FROM customers),
       (SELECT count(*) FROM former_customers WHERE study_id = $sid),
       (SELECT max(created_at) FROM former_customers WHERE study_id = $sid)
"""

# per open store (dropped with it): {(study, version, question): answer}, the newest
# last; a few filters and pages per study are what the people looking at it go back to
_kept_answers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()
KEEP_ANSWERS = 64


def results_version(store: Store, study: Study) -> tuple:
    """A value that changes whenever anything the answers here read changes."""
    with store.cursor() as cur:
        return (study.id, *cur.execute(RESULTS_VERSION, {"sid": study.id}).fetchall()[0])


def forget(store: Store) -> None:
    """Drop every answer kept for ``store`` (the next question reads the store)."""
    with _kept_lock:
        _kept_answers.pop(store, None)


def _kept(store: Store, study: Study, question: tuple, compute: Callable[[], T]) -> T:
    """The answer kept for ``question`` on the current version of the study's results,
    else ``compute()``, kept. Answers are shared between callers: never change one."""
    key = (results_version(store, study), question)
    with _kept_lock:
        kept = _kept_answers.get(store, {})
        if key in kept:
            kept[key] = kept.pop(key)  # the newest last
            return kept[key]
    answer = compute()
    with _kept_lock:
        kept = _kept_answers.setdefault(store, {})
        kept[key] = answer
        while len(kept) > KEEP_ANSWERS:
            kept.pop(next(iter(kept)))
    return answer


def _params(study: Study, filt: ResultFilter) -> dict:
    return {
        "sid": study.id,
        "statuses": list(filt.statuses),
        "segments": list(filt.segments),
        "no_segment": NO_SEGMENT,
        "owners": list(filt.owners),
        "pattern": search_pattern(filt.search),
        "silent_only": bool(filt.long_silence_only),
    }


@dataclass(frozen=True)
class Page:
    rows: pd.DataFrame  # at most ``limit`` rows, in the order asked for
    total: int  # customers that pass the filter
    offset: int
    limit: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def page(
    store: Store,
    study: Study,
    filt: ResultFilter,
    *,
    sort: str = "spend_lost",
    descending: bool = True,
    offset: int = 0,
    limit: int = 50,
) -> Page:
    """One page of the customers that pass ``filt``, sorted by ``sort`` (one of SORTS;
    empty values last), ties by customer id; and how many pass in all. Kept per version
    of the results (``rows`` is shared: copy it before changing it)."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {SORTS}, not {sort!r}")
    offset, limit = max(0, int(offset)), max(1, int(limit))
    params = {**_params(study, filt), "limit": limit, "offset": offset}

    def compute() -> Page:
        total = summary(store, study, filt).customers
        with store.cursor() as cur:
            rows = cur.execute(PAGE[sort, bool(descending)], params).df()
        return Page(rows, total, offset, limit)

    return _kept(store, study, ("page", filt, sort, bool(descending), offset, limit), compute)


@dataclass(frozen=True)
class Summary:
    """The numbers above and beside the table, for the customers that pass the filter."""

    counts: dict[tuple[str, str], int]  # (status, segment or NO_SEGMENT): customers
    spend: dict[tuple[str, str], float]  # (status, segment or NO_SEGMENT): spend lost

    @property
    def customers(self) -> int:
        return sum(self.counts.values())

    def of_status(self, status: str) -> int:
        return sum(n for (s, _), n in self.counts.items() if s == status)

    @property
    def spend_lost(self) -> float:
        return sum(self.spend.values())

    def defectors_spend_by_segment(self) -> list[tuple[str, str, float, int]]:
        """(segment, status, spend lost, customers) of full and partial defectors with a
        segment, in segment order: what detection.spend_lost_by_segment gives in pandas."""
        return [
            (segment, status, self.spend[(status, segment)], self.counts[(status, segment)])
            for segment in SEGMENTS
            for status in sorted(DEFECTOR_STATUSES)
            if (status, segment) in self.counts
        ]

    def table(self) -> tuple[list[str], list[tuple[str, list[int]]]]:
        """(columns, [(status, counts per column)]) with totals, in the usual orders."""
        return count_table(self.counts)


def summary(store: Store, study: Study, filt: ResultFilter) -> Summary:
    """Customers and spend lost per status and segment of those that pass ``filt``,
    exact; kept per version of the results."""

    def compute() -> Summary:
        with store.cursor() as cur:
            found = cur.execute(SUMMARY, _params(study, filt)).fetchall()
        return Summary(
            {(status, segment): int(n) for status, segment, n, _ in found},
            {(status, segment): float(lost or 0) for status, segment, _, lost in found},
        )

    return _kept(store, study, ("summary", filt), compute)


def matching(
    cur: duckdb.DuckDBPyConnection,
    study: Study,
    filt: ResultFilter,
    *,
    sort: str = "spend_lost",
    descending: bool = True,
) -> duckdb.DuckDBPyRelation:
    """Every customer that passes ``filt`` as a relation on ``cur`` (for a download:
    ``exports.copy_csv`` writes it without pandas), in the order ``page`` gives them."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {SORTS}, not {sort!r}")
    return cur.sql(MATCHING[sort, bool(descending)], params=_params(study, filt))


def csv_file(store: Store, study: Study, filt: ResultFilter, **order) -> bytes:
    """Every customer that passes ``filt`` as a CSV file (``exports.copy_csv``: UTF-8
    with BOM, cells that could run as formulas neutralised), made by DuckDB."""
    with tempfile.TemporaryDirectory(prefix="defectors-") as folder, store.cursor() as cur:
        path = Path(folder) / "results.csv"
        exports.copy_csv(matching(cur, study, filt, **order), path)
        return path.read_bytes()


def xlsx_file(store: Store, study: Study, filt: ResultFilter, **order) -> bytes:
    """Every customer that passes ``filt`` as an Excel workbook (``exports.xlsx_bytes``)."""
    with store.cursor() as cur:
        frame = matching(cur, study, filt, **order).df()
    return exports.xlsx_bytes(frame)


def owners(store: Store, study: Study) -> list[str]:
    """The owners to choose from, sorted; customers without one are left out. Kept per
    version of the results."""

    def compute() -> tuple[str, ...]:
        with store.cursor() as cur:
            return tuple(r[0] for r in cur.execute(OWNERS, [study.id]).fetchall())

    return list(_kept(store, study, ("owners",), compute))
