"""The detection results as a person browses them: filtered, counted, sorted and paged in
DuckDB, so that what crosses to the screen is one page of rows and a few numbers.

At a million customers, reading every result into pandas to filter it costs seconds and
hundreds of megabytes per page view; the question a page asks ("the first 50 full
defectors of owner 张伟 by spend lost, and how many there are") is a small query. The
filter is ``filters.ResultFilter`` (the same value the pandas path applies, so both say
the same; tests/unit/test_browse.py holds them together); a download still gets every
row that passes (``matching``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from research.base.store import Store
from research.base.studies import Study
from research.selection.detection import DEFECTOR_STATUSES, RESULT_ROWS, SEGMENTS
from research.selection.filters import NO_SEGMENT, ResultFilter
from research.selection.results_file import count_table  # its "none" is NO_SEGMENT

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# One row per customer of the study, as detection.RESULTS has them (former customers
# shown as such), narrowed by the filter's parameters.
FILTERED = f"""
WITH results AS ({RESULT_ROWS}WHERE r.study_id = $sid)
SELECT * FROM results
WHERE (len(CAST($statuses AS VARCHAR[])) = 0
       OR list_contains(CAST($statuses AS VARCHAR[]), status))
  AND (len(CAST($segments AS VARCHAR[])) = 0
       OR list_contains(CAST($segments AS VARCHAR[]), coalesce(segment, $no_segment)))
  AND (len(CAST($owners AS VARCHAR[])) = 0 OR list_contains(CAST($owners AS VARCHAR[]), owner))
  AND ($needle = ''
       OR contains(lower(customer_id), $needle)
       OR contains(lower(coalesce(name, '')), $needle))
  AND (NOT $silent_only OR long_silence)
"""

# What a page may be sorted by: a column of FILTERED, ties broken by customer id.
SORTS = (
    "spend_lost",
    "baseline_spend",
    "recent_spend",
    "days_silent",
    "last_purchase",
    "customer_id",
    "name",
)

SUMMARY = f"""
SELECT status, coalesce(segment, '{NO_SEGMENT}') AS segment, count(*) AS customers,
       CAST(sum(spend_lost) AS DOUBLE) AS spend_lost
FROM ({FILTERED})
GROUP BY ALL
"""

OWNERS = """
SELECT DISTINCT c.owner FROM detection_results r JOIN customers c USING (customer_id)
WHERE r.study_id = ? AND c.owner IS NOT NULL ORDER BY 1
"""


def _params(study: Study, filt: ResultFilter) -> dict:
    return {
        "sid": study.id,
        "statuses": list(filt.statuses),
        "segments": list(filt.segments),
        "no_segment": NO_SEGMENT,
        "owners": list(filt.owners),
        "needle": filt.search.strip().lower(),
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
    empty values last), ties by customer id; and how many pass in all."""
    if sort not in SORTS:
        raise ValueError(f"sort by one of {SORTS}, not {sort!r}")
    direction = "DESC" if descending else "ASC"
    order = f'"{sort}" {direction} NULLS LAST' + ("" if sort == "customer_id" else ", customer_id")
    params = _params(study, filt)
    with store.cursor() as cur:
        total = cur.execute(f"SELECT count(*) FROM ({FILTERED})", params).fetchall()[0][0]
        rows = cur.execute(
            f"{FILTERED} ORDER BY {order} LIMIT $limit OFFSET $offset",
            {**params, "limit": int(limit), "offset": max(0, int(offset))},
        ).df()
    return Page(rows, int(total), max(0, int(offset)), int(limit))


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
    with store.cursor() as cur:
        found = cur.execute(SUMMARY, _params(study, filt)).fetchall()
    return Summary(
        {(status, segment): int(n) for status, segment, n, _ in found},
        {(status, segment): float(lost or 0) for status, segment, _, lost in found},
    )


def matching(cur: duckdb.DuckDBPyConnection, study: Study, filt: ResultFilter):
    """Every customer that passes ``filt`` as a relation on ``cur`` (for a download:
    ``exports.copy_csv`` writes it without pandas), in the table's first order."""
    return cur.sql(f"{FILTERED} ORDER BY spend_lost DESC, customer_id", params=_params(study, filt))


def owners(store: Store, study: Study) -> list[str]:
    """The owners to choose from, sorted; customers without one are left out."""
    with store.cursor() as cur:
        return [r[0] for r in cur.execute(OWNERS, [study.id]).fetchall()]
