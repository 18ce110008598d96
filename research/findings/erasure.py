"""Erasing a customer's personal data on request, and erasing a closed study's personal
data after its retention time.

A customer may ask to be forgotten; a study's notes should not outlive their use. What
is erased: the customer's name (replaced by ``MARKER``), contact person, phone, e-mail
and extra attributes in the ledger; the notes written about them (call notes, the
screening's notes, a booking's note and place, the raw row of an imported finding);
and every verbatim, summary, reason, draft, saved version and audit detail that names
them (by name, contact person, phone or e-mail), each replaced by ``MARKER`` as a whole.
What stays: the customer's id, their transactions, segment and the coded findings, so
the counts and rates of every analysis stay as they were.

The customer's id goes into ``erased_customers``, kept apart from the customers table
as do-not-call is: a later import of an old customer file blanks these customers'
personal fields (research/ledger/load.py), so the data never comes back. The erasure
itself is audited, without the erased values.

This module lives in the findings stage because it reaches every table below it that
can hold a person's words: the ledger, the call desk and the findings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from research.base.accounts import Person
from research.base.errors import ResearchError
from research.base.permissions import require
from research.base.store import Store, audit_change, now
from research.base.studies import Study, get_study_by_id

MARKER = "[erased]"
MIN_NEEDLE = 2  # Chinese names are often two characters

CUSTOMER_ROW = "SELECT name, contact_person, phone, email FROM customers WHERE customer_id = ?"
KNOWN_CUSTOMER = """
SELECT 1 FROM customers WHERE customer_id = ?
UNION ALL SELECT 1 FROM findings WHERE customer_id = ?
UNION ALL SELECT 1 FROM target_list WHERE customer_id = ?
"""
ERASE_CUSTOMER = """
UPDATE customers SET name = ?, contact_person = NULL, phone = NULL, email = NULL,
    attributes = NULL, updated_by = ?, updated_at = ?
WHERE customer_id = ?
"""
REMEMBER_ERASURE = """
INSERT INTO erased_customers (customer_id, reason, erased_by, erased_at) VALUES (?, ?, ?, ?)
ON CONFLICT (customer_id) DO UPDATE SET reason = excluded.reason,
    erased_by = excluded.erased_by, erased_at = excluded.erased_at
"""

# The notes about one customer, erased whatever they say. {scope} is a fixed condition
# below ("customer_id = ?" or "study_id = ? AND customer_id = ?"), never input.
_NOTES = {
    "call_attempts": "UPDATE call_attempts SET note = ? WHERE {scope} AND coalesce(note, '') <> ''",
    "do_not_call": "UPDATE do_not_call SET note = ? WHERE {scope} AND coalesce(note, '') <> ''",
    "screenings": "UPDATE screenings SET notes = ?, preferred_place = NULL"
    " WHERE {scope} AND (notes <> '' OR preferred_place IS NOT NULL)",
    "interviews": "UPDATE interviews SET note = ?, place = NULL"
    " WHERE {scope} AND (coalesce(note, '') <> '' OR place IS NOT NULL)",
    "findings": "UPDATE findings SET source_data = NULL, source_reason = ?"
    " WHERE {scope} AND (source_data IS NOT NULL OR source_reason IS NOT NULL)",
}
_CUSTOMER_SCOPE = "customer_id = ?"
_STUDY_SCOPE = "study_id = ? AND customer_id = ?"
NOTES_BY_CUSTOMER = {t: sql.format(scope=_CUSTOMER_SCOPE) for t, sql in _NOTES.items()}
NOTES_IN_STUDY = {t: sql.format(scope=_STUDY_SCOPE) for t, sql in _NOTES.items()}

# Free text anywhere that may name the customer: replaced as a whole when it does.
_TEXT_COLUMNS = {
    "findings": ("summary", "why_1", "why_2", "why_3", "why_4", "why_5", "win_back_needs"),
    "finding_quotes": ("text",),
    "second_codings": ("note",),
    "target_list": ("reason",),
    "former_customers": ("reason",),
    "call_attempts": ("note",),
    "screenings": ("notes",),
    "interviews": ("note",),
}
TEXT_NAMING = {
    (table, column): f"UPDATE {table} SET {column} = ?"
    f" WHERE {column} IS NOT NULL AND contains(lower({column}), ?)"
    for table, columns in _TEXT_COLUMNS.items()
    for column in columns
}
# the same, limited to one study's findings and verbatims (retention)
TEXT_NAMING_IN_STUDY = {
    **{
        f"findings.{column}": f"UPDATE findings SET {column} = ?"
        f" WHERE study_id = ? AND contains(lower({column}), ?)"
        for column in _TEXT_COLUMNS["findings"]
    },
    "finding_quotes.text": "UPDATE finding_quotes SET text = ? WHERE finding_id IN"
    " (SELECT id FROM findings WHERE study_id = ?) AND contains(lower(text), ?)",
}
DRAFTS_NAMING = "DELETE FROM drafts WHERE contains(lower(text), ?)"
# JSON that may hold old values: the saved versions, booking history and audit details.
_JSON_COLUMNS = {
    "record_versions": ("id", "data"),
    "interview_events": ("id", "detail"),
    "audit_log": ("id", "detail"),
}
JSON_NAMING = {
    table: (
        f"SELECT {key}, {column} FROM {table} WHERE contains(lower(CAST({column} AS VARCHAR)), ?)",
        f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
    )
    for table, (key, column) in _JSON_COLUMNS.items()
}


# Saved versions and audit rows of the customer's own records (their screening, call
# attempts and findings): the notes in them go whatever they say.
NOTE_KEYS = frozenset({"note", "notes", "place", "preferred_place", "source_data", "source_reason"})
OWN_VERSIONS = """
SELECT id, data FROM record_versions
WHERE (record_type = 'screening' AND split_part(record_id, '/', 2) = ?)
   OR (record_type = 'finding'
       AND record_id IN (SELECT CAST(id AS VARCHAR) FROM findings WHERE customer_id = ?))
"""
OWN_AUDIT = """
SELECT id, detail FROM audit_log
WHERE (entity = 'call_attempt' AND json_extract_string(detail, '$.new.customer_id') = ?)
   OR (entity = 'screening' AND split_part(entity_id, '/', 2) = ?)
   OR (entity = 'finding'
       AND entity_id IN (SELECT CAST(id AS VARCHAR) FROM findings WHERE customer_id = ?))
"""
SET_VERSION_DATA = "UPDATE record_versions SET data = ? WHERE id = ?"
SET_AUDIT_DETAIL = "UPDATE audit_log SET detail = ? WHERE id = ?"


def _scrub_notes(value):
    if isinstance(value, list):
        return [_scrub_notes(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (MARKER if k in NOTE_KEYS and v not in (None, "") else _scrub_notes(v))
            for k, v in value.items()
        }
    return value


def _erase_own_records(cur: duckdb.DuckDBPyConnection, customer_id: str, report) -> None:
    for select, update, params, table in (
        (OWN_VERSIONS, SET_VERSION_DATA, [customer_id] * 2, "record_versions"),
        (OWN_AUDIT, SET_AUDIT_DETAIL, [customer_id] * 3, "audit_log"),
    ):
        for key, raw in cur.execute(select, params).fetchall():
            old = json.loads(raw) if raw else None
            new = _scrub_notes(old)
            if new != old:
                cur.execute(update, [json.dumps(new, ensure_ascii=False, default=str), key])
                report.add(table, 1)


@dataclass
class Erasure:
    """What one erasure replaced: texts per table (counts only, never the values)."""

    customer_ids: list[str] = field(default_factory=list)
    replaced: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, count: int) -> None:
        if count:
            self.replaced[table] = self.replaced.get(table, 0) + count

    @property
    def total(self) -> int:
        return sum(self.replaced.values())


def _needles(values) -> list[str]:
    found = set()
    for value in values:
        text = (value or "").strip().lower()
        if len(text) >= MIN_NEEDLE and text != MARKER:
            found.add(text)
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 7:
            found.add(digits)
    return sorted(found)


def _scrub(value, needles: list[str]):
    """``value`` (JSON-like) with every string that names a needle replaced by MARKER."""
    if isinstance(value, str):
        low = value.lower()
        return MARKER if any(n in low for n in needles) else value
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    return value


def _erase_texts(cur: duckdb.DuckDBPyConnection, needles: list[str], report: Erasure) -> None:
    for needle in needles:
        for (table, _column), sql in TEXT_NAMING.items():
            report.add(table, _count(cur.execute(sql, [MARKER, needle]).fetchall()))
        report.add("drafts", _count(cur.execute(DRAFTS_NAMING, [needle]).fetchall()))
        for table, (select, update) in JSON_NAMING.items():
            for key, raw in cur.execute(select, [needle]).fetchall():
                scrubbed = json.dumps(
                    _scrub(json.loads(raw), needles), ensure_ascii=False, default=str
                )
                cur.execute(update, [scrubbed, key])
                report.add(table, 1)


def _count(rows) -> int:
    return rows[0][0] if rows else 0


def erase_customer(
    store: Store, customer_id: str, person: Person | str, *, reason: str | None = None
) -> Erasure:
    """Erase one customer's personal data everywhere (see the module's docstring).
    Raises PermissionDeniedError unless ``person`` may erase (admins), ResearchError
    for a customer the database does not know."""
    who = require(person, "customers.erase")
    customer_id = (customer_id or "").strip()

    def apply(cur: duckdb.DuckDBPyConnection) -> Erasure:
        known = cur.execute(KNOWN_CUSTOMER, [customer_id] * 3).fetchall()
        if not known:
            raise ResearchError("error.unknown_customer", customer_id=customer_id)
        report = Erasure([customer_id])
        rows = cur.execute(CUSTOMER_ROW, [customer_id]).fetchall()
        needles = _needles(rows[0]) if rows else []
        stamp = now()
        if rows:
            cur.execute(ERASE_CUSTOMER, [MARKER, who.name, stamp, customer_id])
            report.add("customers", 1)
        for table, sql in NOTES_BY_CUSTOMER.items():
            cur.execute(sql, [MARKER, customer_id])
            report.add(table, cur.fetchall()[0][0] if cur.description else 0)
        _erase_own_records(cur, customer_id, report)
        _erase_texts(cur, needles, report)
        cur.execute(REMEMBER_ERASURE, [customer_id, reason, who.name, stamp])
        audit_change(
            cur,
            None,
            who.name,
            "customer.erase",
            "customer",
            customer_id,
            None,
            {"replaced": report.replaced},
            reason=reason,
        )
        return report

    return store.write(apply)


def erased_ids(store: Store) -> set[str]:
    with store.cursor() as cur:
        return {r[0] for r in cur.execute("SELECT customer_id FROM erased_customers").fetchall()}


# ---------------------------------------------------------------- retention

SET_RETENTION = "UPDATE studies SET retention_days = ?, updated_by = ?, updated_at = ? WHERE id = ?"
STUDY_RETENTION = (
    "SELECT retention_days, closed_at, personal_data_erased_at FROM studies WHERE id = ?"
)
DUE_STUDIES = """
SELECT id FROM studies
WHERE status = 'closed' AND retention_days IS NOT NULL AND closed_at IS NOT NULL
  AND personal_data_erased_at IS NULL
  AND closed_at + to_days(retention_days) <= ?
ORDER BY id
"""
STUDY_CUSTOMERS = """
SELECT customer_id FROM target_list WHERE study_id = ?
UNION SELECT customer_id FROM findings WHERE study_id = ?
UNION SELECT customer_id FROM call_attempts WHERE study_id = ?
ORDER BY 1
"""
MARK_ERASED = "UPDATE studies SET personal_data_erased_at = ? WHERE id = ?"


def set_retention(store: Store, study: Study, days: int | None, *, actor: Person | str) -> Study:
    """Erase the study's personal data ``days`` after it closes (None: keep it)."""
    who = require(actor, "studies.write", store=store, study=study)
    if days is not None and not 0 <= int(days) <= 36_500:
        raise ResearchError("error.retention_days", days=days)

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        old = cur.execute(STUDY_RETENTION, [study.id]).fetchall()[0][0]
        cur.execute(SET_RETENTION, [days, who.name, now(), study.id])
        audit_change(cur, study.id, who.name, "study.retention", "study", study.id, old, days)

    store.write(apply)
    return get_study_by_id(store, study.id)


def retention(store: Store, study: Study) -> tuple[int | None, datetime | None, datetime | None]:
    """(retention days, closed at, personal data erased at) of a study."""
    with store.cursor() as cur:
        return tuple(cur.execute(STUDY_RETENTION, [study.id]).fetchall()[0])


def due_for_erasure(store: Store, *, at: datetime | None = None) -> list[Study]:
    with store.cursor() as cur:
        ids = [r[0] for r in cur.execute(DUE_STUDIES, [at or now()]).fetchall()]
    return [get_study_by_id(store, i) for i in ids]


def apply_retention(
    store: Store, *, actor: Person | str, at: datetime | None = None
) -> dict[str, Erasure]:
    """Erase the personal data of every closed study whose retention time is over:
    for each of its customers the notes the study wrote and its findings' texts and
    verbatims that name them. The ledger's records stay (they are the company's, and
    other studies ask their questions of them: ``erase_customer`` erases them on
    request), and so do the study's saved versions of records. Returns what was
    erased, by study name."""
    who = require(actor, "retention.apply")
    done: dict[str, Erasure] = {}
    for study in due_for_erasure(store, at=at):

        def apply(cur: duckdb.DuckDBPyConnection, study: Study = study) -> Erasure:
            report = Erasure()
            ids = [r[0] for r in cur.execute(STUDY_CUSTOMERS, [study.id] * 3).fetchall()]
            for customer_id in ids:
                report.customer_ids.append(customer_id)
                for table, sql in NOTES_IN_STUDY.items():
                    cur.execute(sql, [MARKER, study.id, customer_id])
                    report.add(table, cur.fetchall()[0][0] if cur.description else 0)
                rows = cur.execute(CUSTOMER_ROW, [customer_id]).fetchall()
                for needle in _needles(rows[0]) if rows else []:
                    for table, sql in TEXT_NAMING_IN_STUDY.items():
                        report.add(
                            table, _count(cur.execute(sql, [MARKER, study.id, needle]).fetchall())
                        )
            cur.execute(MARK_ERASED, [now(), study.id])
            audit_change(
                cur,
                study.id,
                who.name,
                "study.retention_erase",
                "study",
                study.id,
                None,
                {"customers": len(ids), "replaced": report.replaced},
            )
            return report

        done[study.name] = store.write(apply)
    return done


RETENTION_STEP = timedelta(days=1)  # `retention apply` is meant to run once a day
