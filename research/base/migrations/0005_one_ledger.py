"""Merge every study's customers, transactions and wallet estimates into the one ledger.

Runs after 0005_one_ledger.sql, in the same transaction. SQL alone cannot report a
conflicting customer field by field, so this step is Python:

- transactions: a line imported into several studies becomes one line. Release 0.1 kept
  one line per distinct values in a study (it skipped identical lines), so each line is
  the first occurrence of its values; re-importing the files restores the lines that
  were skipped, and adds nothing else.
- customers: a customer recorded alike in every study is copied. Where studies differ,
  the records are merged as if the older study's file had been imported first and the
  newer one after it: the newer value wins, a blank never erases one. Each customer
  whose records held different values is written to the audit log with what was kept
  and what was not.
- wallet estimates: the newer estimate of a customer's period is kept; different
  values are written to the audit log.
- the demo company: release 0.1 built it into every new database. Where other studies
  hold data, the demo's fictional rows are left out, so they never mix with a real
  company's; the demo study stays and asks its question of the real ledger.

A notice tells the people using the app what happened, once each.

The SQL here is frozen with the migration: it must not follow later changes of the
import (research/ledger/load.py computes the same line keys today).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

import duckdb

ACTOR = "migration 0005"

# release 0.1's row key (md5 of the normalised values), over the stored typed columns
_VALUES_KEY = (
    "md5(concat_ws('|', customer_id, date, amount, coalesce(CAST(quantity AS VARCHAR), ''),"
    " coalesce(product_line, ''), coalesce(CAST(margin AS VARCHAR), '')))"
)

MERGE_TRANSACTIONS = f"""
INSERT INTO transactions (line_key, line_id, customer_id, date, amount, quantity, product_line,
                          margin, import_id, created_by, created_at)
SELECT line_key, NULL, customer_id, date, amount, quantity, product_line, margin, import_id,
       created_by, created_at
FROM (
    SELECT *, {_VALUES_KEY} || '#' || row_number() OVER (
        PARTITION BY study_id, customer_id, date, amount, quantity, product_line, margin
        ORDER BY created_at, row_key) AS line_key
    FROM transactions_by_study
)
QUALIFY row_number() OVER (PARTITION BY line_key ORDER BY created_at, study_id) = 1
"""

_FIELDS = (
    "name",
    "contact_person",
    "phone",
    "email",
    "owner",
    "region",
    "industry",
    "size",
    "age_band",
    "income_band",
    "education",
)
_ALL = ", ".join(_FIELDS)

COPY_AGREEING_CUSTOMERS = f"""
INSERT INTO customers (customer_id, {_ALL}, attributes, created_by, created_at, updated_by,
                       updated_at)
SELECT customer_id, {_ALL}, attributes, created_by, created_at, updated_by, updated_at
FROM customers_by_study
WHERE customer_id IN (
    SELECT customer_id FROM customers_by_study
    GROUP BY customer_id HAVING count(DISTINCT row({_ALL}, attributes)::VARCHAR) = 1)
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY created_at, study_id) = 1
"""

DIFFERING_CUSTOMERS = f"""
SELECT customer_id, study_id, {_ALL}, attributes, created_by, created_at, updated_by, updated_at
FROM customers_by_study
WHERE customer_id NOT IN (SELECT customer_id FROM customers)
ORDER BY customer_id, updated_at, study_id
"""

INSERT_CUSTOMER = f"""
INSERT INTO customers (customer_id, {_ALL}, attributes, created_by, created_at, updated_by,
                       updated_at)
VALUES ({", ".join("?" * (len(_FIELDS) + 6))})
"""

MERGE_WALLET = """
INSERT INTO wallet_estimates (customer_id, period, period_start, period_end, estimated_spend,
                              created_by, created_at, updated_by, updated_at)
SELECT customer_id, period, period_start, period_end, estimated_spend, created_by, created_at,
       updated_by, updated_at
FROM wallet_by_study
QUALIFY row_number() OVER (PARTITION BY customer_id, period_start, period_end
                           ORDER BY updated_at DESC, study_id DESC) = 1
"""

WALLET_CONFLICTS = """
SELECT w.customer_id, w.period, w.estimated_spend,
       list(DISTINCT b.estimated_spend ORDER BY b.estimated_spend) AS values
FROM wallet_estimates w
JOIN wallet_by_study b USING (customer_id, period_start, period_end)
GROUP BY ALL
HAVING count(DISTINCT b.estimated_spend) > 1
ORDER BY w.customer_id, w.period
"""

AUDIT = (
    "INSERT INTO audit_log (study_id, actor, acted_at, action, detail) VALUES (NULL, ?, ?, ?, ?)"
)


def _count(cur: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(cur.execute(sql).fetchall()[0][0])


def _audit(cur: duckdb.DuckDBPyConnection, action: str, detail: dict) -> None:
    cur.execute(
        AUDIT, [ACTOR, datetime.now(), action, json.dumps(detail, default=str, ensure_ascii=False)]
    )


def _merge_customer(rows: list[tuple]) -> tuple[list, dict]:
    """One customer's records (customer_id, study_id, fields..., attributes, created_by,
    created_at, updated_by, updated_at), oldest first, folded like successive imports:
    the merged row and the fields whose values differed ({field: {"kept", "other"}})."""
    merged: dict = {}
    seen: dict[str, list] = {}
    attributes: dict = {}
    seen_attributes: dict[str, list] = {}
    for row in rows:
        values = dict(zip(_FIELDS, row[2 : 2 + len(_FIELDS)], strict=True))
        for name, value in values.items():
            if value is not None:
                merged[name] = value
                if value not in seen.setdefault(name, []):
                    seen[name].append(value)
        extra = row[2 + len(_FIELDS)]
        for key, value in (json.loads(extra) if extra else {}).items():
            attributes[key] = value
            if value not in seen_attributes.setdefault(key, []):
                seen_attributes[key].append(value)
    differed = {
        name: {"kept": merged[name], "other": [v for v in values if v != merged[name]]}
        for name, values in seen.items()
        if len(values) > 1
    }
    differed |= {
        f"attributes.{key}": {
            "kept": attributes[key],
            "other": [v for v in values if v != attributes[key]],
        }
        for key, values in seen_attributes.items()
        if len(values) > 1
    }
    first, last = rows[0], rows[-1]
    created_by, created_at = min(((r[-4], r[-3]) for r in rows), key=lambda p: p[1])
    row = [
        first[0],
        *(merged.get(name) for name in _FIELDS),
        json.dumps(attributes, ensure_ascii=False) if attributes else None,
        created_by,
        created_at,
        last[-2],
        last[-1],
    ]
    return row, differed


def _by_customer(rows: Iterable[tuple]) -> Iterable[list[tuple]]:
    group: list[tuple] = []
    for row in rows:
        if group and row[0] != group[0][0]:
            yield group
            group = []
        group.append(row)
    if group:
        yield group


def _leave_the_demo_out(cur: duckdb.DuckDBPyConnection) -> bool:
    """Release 0.1 built the demo company into every new database, so real studies
    often sit beside it: where another study holds data, the demo's fictional company
    is left out of the ledger (and its imports out of the history). True if it was."""
    demo = cur.execute("SELECT id FROM studies WHERE name = 'demo'").fetchall()
    if not demo:
        return False
    others = _count(
        cur,
        "SELECT count(*) FROM (SELECT study_id FROM customers_by_study"
        " UNION ALL SELECT study_id FROM transactions_by_study"
        " UNION ALL SELECT study_id FROM wallet_by_study)"
        f" WHERE study_id <> {int(demo[0][0])}",
    )
    if not others:
        return False
    for table in ("customers_by_study", "transactions_by_study", "wallet_by_study"):
        cur.execute(f"DELETE FROM {table} WHERE study_id = ?", [demo[0][0]])
    cur.execute(
        "DELETE FROM imports WHERE study_id = ? AND kind IN ('customers', 'transactions', 'wallet')",
        [demo[0][0]],
    )
    _audit(cur, "ledger.demo_left_out", {"study_id": demo[0][0]})
    return True


def migrate(cur: duckdb.DuckDBPyConnection) -> None:
    demo_left_out = _leave_the_demo_out(cur)
    studies_with_data = _count(
        cur,
        "SELECT count(DISTINCT study_id) FROM (SELECT study_id FROM customers_by_study"
        " UNION ALL SELECT study_id FROM transactions_by_study"
        " UNION ALL SELECT study_id FROM wallet_by_study)",
    )
    lines_before = _count(cur, "SELECT count(*) FROM transactions_by_study")
    cur.execute(MERGE_TRANSACTIONS)
    lines_after = _count(cur, "SELECT count(*) FROM transactions")

    cur.execute(COPY_AGREEING_CUSTOMERS)
    customer_conflicts = 0
    for rows in _by_customer(cur.execute(DIFFERING_CUSTOMERS).fetchall()):
        row, differed = _merge_customer(rows)
        cur.execute(INSERT_CUSTOMER, row)
        if differed:
            customer_conflicts += 1
            _audit(
                cur,
                "ledger.customer_conflict",
                {
                    "customer_id": row[0],
                    "studies": sorted({r[1] for r in rows}),
                    "fields": differed,
                },
            )

    cur.execute(MERGE_WALLET)
    wallet_conflicts = cur.execute(WALLET_CONFLICTS).fetchall()
    for customer_id, period, kept, values in wallet_conflicts:
        _audit(
            cur,
            "ledger.wallet_conflict",
            {
                "customer_id": customer_id,
                "period": period,
                "kept": float(kept),
                "other": [float(v) for v in values if v != kept],
            },
        )

    skipped_imports = _count(
        cur, "SELECT count(*) FROM imports WHERE kind = 'transactions' AND duplicates > 0"
    )
    # the ledger's imports belong to no study now; the demo's are marked as the demo's
    cur.execute(
        "UPDATE imports SET origin = 'demo' WHERE kind IN ('customers', 'transactions', 'wallet')"
        " AND study_id IN (SELECT id FROM studies WHERE name = 'demo')"
    )
    cur.execute(
        "UPDATE imports SET study_id = NULL WHERE kind IN ('customers', 'transactions', 'wallet')"
    )
    for table in ("customers_by_study", "transactions_by_study", "wallet_by_study"):
        cur.execute(f"DROP TABLE {table}")

    if studies_with_data:
        detail = {
            "studies": studies_with_data,
            "lines_before": lines_before,
            "lines_after": lines_after,
            "customer_conflicts": customer_conflicts,
            "wallet_conflicts": len(wallet_conflicts),
            "skipped_imports": skipped_imports,
            "demo_left_out": demo_left_out,
        }
        _audit(cur, "ledger.merged", detail)
        _notice(cur, "notice.ledger_merged", detail)
        if customer_conflicts or wallet_conflicts:
            _notice(cur, "notice.ledger_conflicts", detail)
        if skipped_imports:
            _notice(cur, "notice.reimport_skipped", detail)
    if demo_left_out:
        _notice(cur, "notice.demo_left_out", {})


def _notice(cur: duckdb.DuckDBPyConnection, key: str, detail: dict) -> None:
    cur.execute(
        "INSERT INTO notices (key, detail, created_at) VALUES (?, ?, ?)",
        [key, json.dumps(detail), datetime.now()],
    )
