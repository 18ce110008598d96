"""The stored detection results as ``defectors identify`` hands them out: counts per
status × segment, and one row per customer written to a file.

Both are read straight from DuckDB, without pandas: on a company with millions of
transactions, ``identify --out`` spent more time loading pandas and writing the CSV
with it than finding the defectors. The CSV is written by DuckDB through the export
module's fast path (UTF-8 with BOM, cells neutralised against CSV injection); an
.xlsx file goes through pandas and the export module's Excel writer.
"""

from __future__ import annotations

import os

from research.base import exports
from research.base.store import Store
from research.base.studies import Study
from research.selection.detection import RESULTS, SEGMENTS, STATUSES

# the columns of the file, in order
COLUMNS = (
    "customer_id",
    "name",
    "status",
    "detected_status",
    "segment",
    "baseline_spend",
    "recent_spend",
    "baseline_share",
    "recent_share",
    "spend_lost",
    "first_purchase",
    "last_purchase",
    "days_silent",
    "long_silence",
    "former_reason",
)

# RESULTS has one row per stored result (the joins add names and the former mark)
RESULT_COUNT = "SELECT count(*) FROM detection_results WHERE study_id = ?"

TOTAL = "total"
UNRANKED = "none"  # customers without a segment (no baseline spend)


# Customers per (status, segment) of the stored results, RESULTS' status (former where
# the customer is marked in the study) without its names, file columns and order
COUNTS = """
SELECT CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS status,
       coalesce(r.segment, ?) AS segment, count(*) AS n
FROM detection_results r
LEFT JOIN former_customers f ON f.study_id = r.study_id AND f.customer_id = r.customer_id
WHERE r.study_id = ?
GROUP BY ALL
"""


def counts(store: Store, study: Study) -> dict[tuple[str, str], int]:
    """Customers per (status, segment) from the stored results, the former-customer mark
    applied as the pages show it; customers without a segment count under 'none'."""
    with store.cursor() as cur:
        rows = cur.execute(COUNTS, [UNRANKED, study.id]).fetchall()
    return {(status, segment): n for status, segment, n in rows}


def count_table(found: dict[tuple[str, str], int]) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """(columns, [(status, counts per column), ...]) with totals, statuses and segments in
    their usual order and only those that occur: what pandas' crosstab with margins
    gave, without pandas."""
    statuses = [s for s in STATUSES if any(k[0] == s for k in found)]
    segments = [s for s in (*SEGMENTS, UNRANKED) if any(k[1] == s for k in found)]
    columns = [*segments, TOTAL]
    rows = []
    for status in statuses:
        values = [found.get((status, segment), 0) for segment in segments]
        rows.append((status, [*values, sum(values)]))
    totals = [sum(row[1][i] for row in rows) for i in range(len(columns))]
    rows.append((TOTAL, totals))
    return columns, rows


def write(store: Store, study: Study, path: str | os.PathLike) -> int:
    """Write one row per customer (``COLUMNS``) to ``path``, CSV or .xlsx by its suffix,
    in the order the pages list them (spend lost, then customer ID). Returns the rows."""
    with store.cursor() as cur:
        relation = cur.sql(RESULTS, params=[study.id]).select(*COLUMNS)
        if exports.is_excel(path):
            return exports.write(relation.df(), path)
        exports.copy_csv(relation, path)
        return cur.execute(RESULT_COUNT, [study.id]).fetchall()[0][0]
