"""Interview findings: the study's black box recorder.

A finding is what a senior manager learned in one defector interview, in a form the
analysis can count (defection type, where they went, the primary and secondary failure
causes from the taxonomy, controllable and voluntary, the five-point satisfaction scale,
the life-cycle stage) beside the defector's own words (a five-whys chain, verbatim
quotes tagged with codes, the summary, what it would take to win them back).

Saving: every answer is saved on its own as the manager types or picks it
(``save_fields``), on the version the screen showed. Two people can work on one finding
at the same time: a save applies unless someone else changed *the same answer* since
the version it was typed on, in which case ``EditConflictError`` carries both versions
and nothing is overwritten. Every saved version is kept (``record_versions``), so the
edits of a final finding stay on record with who and when (``history``).

A finding is a draft until it is marked final (``finalize``); only final findings
count in the analysis (``cause_counts``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from research.base.accounts import Person
from research.base.errors import ResearchError
from research.base.masking import mask
from research.base.permissions import level, masked, owns, require
from research.base.records import merge_update, read_row, snapshot_version, update_versioned
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.desk import scheduling
from research.findings import taxonomy

RECORD_TYPE = "finding"
QUOTE_RECORD_TYPE = "finding_quote"

DEFECTION_TYPES = ("full", "partial", "former")
DESTINATIONS = ("competitor", "stopped")
VOLUNTARY = ("voluntary", "involuntary")
WIN_BACK = ("yes", "maybe", "no")
SATISFACTION = (
    "highly_satisfied",
    "fairly_satisfied",
    "no_opinion",
    "somewhat_dissatisfied",
    "very_dissatisfied",
)
SATISFACTION_FIELDS = (
    "sat_product",
    "sat_service",
    "sat_delivery",
    "sat_value",
    "sat_communication",
)
LIFECYCLE_STAGES = (
    "onboarding",
    "first_purchase",
    "routine_ordering",
    "delivery",
    "invoicing_payment",
    "complaint_handling",
    "after_sales_service",
    "contract_renewal",
    "account_manager_change",
)
WHY_FIELDS = ("why_1", "why_2", "why_3", "why_4", "why_5")
TEXT_FIELDS = (*WHY_FIELDS, "summary", "win_back_needs", "competitor", "interviewer")
CHOICES: dict[str, tuple[str, ...]] = {
    "defection_type": DEFECTION_TYPES,
    "destination": DESTINATIONS,
    "voluntary": VOLUNTARY,
    "win_back": WIN_BACK,
    "lifecycle_stage": LIFECYCLE_STAGES,
    **{f: SATISFACTION for f in SATISFACTION_FIELDS},
}
CODE_FIELDS = ("primary_code", "secondary_codes")
EDITABLE = (*CHOICES, *TEXT_FIELDS, *CODE_FIELDS, "controllable", "interview_date")
REQUIRED_FOR_FINAL = ("defection_type", "primary_code")

# Translation keys of every answer and choice, for the form, the CLI and the reports.
FIELD_KEYS = {
    "interview_date": "finding.field.interview_date",
    "interviewer": "finding.field.interviewer",
    "defection_type": "finding.field.defection_type",
    "destination": "finding.field.destination",
    "competitor": "finding.field.competitor",
    "primary_code": "finding.field.primary_code",
    "secondary_codes": "finding.field.secondary_codes",
    "controllable": "finding.field.controllable",
    "voluntary": "finding.field.voluntary",
    "why_1": "finding.field.why_1",
    "why_2": "finding.field.why_2",
    "why_3": "finding.field.why_3",
    "why_4": "finding.field.why_4",
    "why_5": "finding.field.why_5",
    "sat_product": "finding.field.sat_product",
    "sat_service": "finding.field.sat_service",
    "sat_delivery": "finding.field.sat_delivery",
    "sat_value": "finding.field.sat_value",
    "sat_communication": "finding.field.sat_communication",
    "lifecycle_stage": "finding.field.lifecycle_stage",
    "summary": "finding.field.summary",
    "win_back": "finding.field.win_back",
    "win_back_needs": "finding.field.win_back_needs",
    "status": "finding.field.status",
    "codebook_version": "finding.field.codebook_version",
    "finalized_by": "finding.field.finalized_by",
    "finalized_at": "finding.field.finalized_at",
}
CHOICE_KEYS: dict[str, dict[str, str]] = {
    "defection_type": {
        "full": "finding.defection.full",
        "partial": "finding.defection.partial",
        "former": "finding.defection.former",
    },
    "destination": {
        "competitor": "finding.destination.competitor",
        "stopped": "finding.destination.stopped",
    },
    "voluntary": {
        "voluntary": "finding.voluntary.voluntary",
        "involuntary": "finding.voluntary.involuntary",
    },
    "win_back": {
        "yes": "finding.win_back.yes",
        "maybe": "finding.win_back.maybe",
        "no": "finding.win_back.no",
    },
    "satisfaction": {
        "highly_satisfied": "finding.sat.highly_satisfied",
        "fairly_satisfied": "finding.sat.fairly_satisfied",
        "no_opinion": "finding.sat.no_opinion",
        "somewhat_dissatisfied": "finding.sat.somewhat_dissatisfied",
        "very_dissatisfied": "finding.sat.very_dissatisfied",
    },
    "lifecycle_stage": {s: f"finding.stage.{s}" for s in LIFECYCLE_STAGES},
    "status": {"draft": "finding.status.draft", "final": "finding.status.final"},
    "origin": {
        "interview": "finding.origin.interview",
        "import": "finding.origin.import",
        "demo": "finding.origin.demo",
    },
}


class FindingError(ResearchError):
    title_key = "error.title.finding"


@dataclass(frozen=True)
class Quote:
    id: int
    position: int
    text: str
    code: str | None
    version: int
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class Finding:
    id: int
    study_id: int
    customer_id: str
    interview_id: int | None
    interview_date: date | None
    interviewer: str | None
    origin: str
    status: str
    defection_type: str | None
    destination: str | None
    competitor: str | None
    primary_code: str | None
    secondary_codes: tuple[str, ...]
    controllable: bool | None
    voluntary: str | None
    why_1: str
    why_2: str
    why_3: str
    why_4: str
    why_5: str
    sat_product: str | None
    sat_service: str | None
    sat_delivery: str | None
    sat_value: str | None
    sat_communication: str | None
    lifecycle_stage: str | None
    summary: str
    win_back: str | None
    win_back_needs: str
    codebook_version: int | None
    source_category: str | None
    source_reason: str | None
    source_data: dict | None
    import_id: int | None
    source_key: str | None
    finalized_by: str | None
    finalized_at: datetime | None
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    quotes: tuple[Quote, ...] = field(default=())

    @property
    def final(self) -> bool:
        return self.status == "final"

    @property
    def whys(self) -> tuple[str, ...]:
        return tuple(getattr(self, f) for f in WHY_FIELDS)

    def missing_for_final(self) -> list[str]:
        return [f for f in REQUIRED_FOR_FINAL if getattr(self, f) in (None, "")]


def _loads(value):
    if value is None or isinstance(value, (list, dict)):
        return value
    return json.loads(value)


def _finding_from_row(row: dict, quotes: tuple[Quote, ...] = ()) -> Finding:
    values = dict(row)
    values["secondary_codes"] = tuple(_loads(values.get("secondary_codes")) or ())
    values["source_data"] = _loads(values.get("source_data"))
    return Finding(**values, quotes=quotes)


# ---------------------------------------------------------------- reading

QUOTES_SQL = """
SELECT id, position, text, code, version, updated_by, updated_at
FROM finding_quotes WHERE finding_id = ? AND NOT removed ORDER BY position, id
"""


def get_finding(store: Store, finding_id: int) -> Finding:
    """Raises FindingError when there is no such finding."""
    with store.cursor() as cur:
        row = read_row(cur, "findings", {"id": int(finding_id)})
        if row is None:
            raise FindingError("error.finding_not_found", id=finding_id)
        quotes = tuple(Quote(*q) for q in cur.execute(QUOTES_SQL, [int(finding_id)]).fetchall())
    return _finding_from_row(row, quotes)


LIST_SQL = """
SELECT f.id, f.customer_id, c.name, f.status, f.origin, f.interview_date, f.interviewer,
       f.defection_type, f.destination, f.competitor, f.primary_code, f.secondary_codes,
       f.controllable, f.voluntary, f.lifecycle_stage, f.win_back, f.source_category,
       f.source_reason, f.codebook_version, f.version, f.updated_by, f.updated_at
FROM findings f
LEFT JOIN customers c ON c.customer_id = f.customer_id
WHERE f.study_id = ?
ORDER BY f.id
"""


def list_findings(
    store: Store,
    study: Study,
    *,
    customer_id: str | None = None,
    actor: Person | str | None = None,
) -> pd.DataFrame:
    """One row per finding of the study (all statuses), oldest first, with the code each
    finding counts under now (``cause``, merges followed) beside the code it was given.

    With ``actor``: refused to a second coder (blind coding only), only their own
    customers' findings for an interviewer, personal fields masked for a viewer.
    ``actor`` None is the pages before the sign-in pass (issue 12 follow-up)."""
    if actor is not None:
        person = require(actor, "findings.read", store=store, study=study)
        frame = list_findings(store, study, customer_id=customer_id)
        if level(person, "findings.read") == "own":
            mine = [c for c in frame["customer_id"].unique() if owns(store, person, study.id, c)]
            frame = frame[frame["customer_id"].isin(mine)].reset_index(drop=True)
        return mask(frame) if masked(person, "findings.read") else frame
    with store.cursor() as cur:
        frame = cur.execute(LIST_SQL, [study.id]).df()
        book = taxonomy.read_codebook(cur)
    if customer_id is not None:
        frame = frame[frame["customer_id"] == customer_id].reset_index(drop=True)
    frame["secondary_codes"] = frame["secondary_codes"].map(lambda v: list(_loads(v) or []))
    frame["cause"] = frame["primary_code"].map(
        lambda c: book.resolve(c) if isinstance(c, str) else None
    )
    frame["cause_group"] = frame["cause"].map(
        lambda c: book.codes[c].group_key if isinstance(c, str) and c in book.codes else None
    )
    return frame


def cause_counts(
    store: Store, study: Study, *, by: str = "cause", include_drafts: bool = False
) -> pd.Series:
    """How many findings name each primary cause, largest first.

    ``by`` is ``cause`` (the code counted now, merges followed), ``code`` (as given),
    ``cause_group``, ``source_reason`` or ``source_category`` (an imported study's own
    labels, as given). Only final findings count unless ``include_drafts``.
    """
    frame = list_findings(store, study)
    if not include_drafts:
        frame = frame[frame["status"] == "final"]
    column = {"code": "primary_code"}.get(by, by)
    counts = frame[column].dropna().value_counts()
    return counts.sort_index().sort_values(ascending=False, kind="stable")


# ---------------------------------------------------------------- creating

INSERT_FINDING = """
INSERT INTO findings (study_id, customer_id, interview_id, interview_date, interviewer, origin,
    status, defection_type, secondary_codes, codebook_version, version,
    created_by, created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, 'interview', 'draft', ?, '[]', ?, 1, ?, ?, ?, ?)
RETURNING id
"""

DEFECTOR_STATUS_SQL = """
SELECT CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END
FROM (SELECT ? AS study_id, ? AS customer_id) k
LEFT JOIN detection_results r ON r.study_id = k.study_id AND r.customer_id = k.customer_id
LEFT JOIN former_customers f ON f.study_id = k.study_id AND f.customer_id = k.customer_id
"""


def create_finding(
    store: Store,
    study: Study,
    customer_id: str,
    *,
    actor: str,
    interviewer: str | None = None,
    interview_date: date | None = None,
    interview_id: int | None = None,
) -> Finding:
    """Start a draft finding for one interview. The defection type is pre-filled from
    detection (full, partial, or former customer when screening found so).

    Raises FindingError for a blank customer id.
    """
    actor = require(actor, "findings.write", store=store, study=study, customer_id=customer_id).name
    customer_id = (customer_id or "").strip()
    if not customer_id:
        raise FindingError("error.finding_customer_required")
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        status = cur.execute(DEFECTOR_STATUS_SQL, [study.id, customer_id]).fetchall()[0][0]
        defection_type = status if status in DEFECTION_TYPES else None
        version = taxonomy.read_codebook(cur).version
        new_id = cur.execute(
            INSERT_FINDING,
            [
                study.id,
                customer_id,
                interview_id,
                interview_date or stamp.date(),
                interviewer or actor,
                defection_type,
                version,
                actor,
                stamp,
                actor,
                stamp,
            ],
        ).fetchall()[0][0]
        snapshot_version(cur, "findings", {"id": new_id}, RECORD_TYPE, actor)
        audit(
            cur, study.id, actor, "finding.create", {"finding": new_id, "customer_id": customer_id}
        )
        return new_id

    return get_finding(store, store.write(apply))


# ---------------------------------------------------------------- a booked interview's record

# The record of one booked interview: linked to it, or (as ``research.desk.calls.HELD``
# counts it) the newest unlinked record of the same customer started after the booking
# was made; never an older record of the same customer.
FINDING_OF_INTERVIEW = """
SELECT f.id FROM findings f JOIN interviews b ON b.id = ?
WHERE f.interview_id = b.id
   OR (f.interview_id IS NULL AND f.origin = 'interview' AND f.study_id = b.study_id
       AND f.customer_id = b.customer_id AND f.created_at >= b.created_at)
ORDER BY f.interview_id IS NULL, f.id DESC
LIMIT 1
"""


def finding_of_interview(store: Store, interview_id: int) -> int | None:
    """The id of the record of booked interview ``interview_id``, or None."""
    with store.cursor() as cur:
        found = cur.execute(FINDING_OF_INTERVIEW, [int(interview_id)]).fetchall()
    return found[0][0] if found else None


def can_record(booking: scheduling.Interview, now_utc: datetime | None = None) -> str | None:
    """Why the interview ``booking`` cannot be recorded yet (a message key), or None.

    A record is for an interview that happened: from the booking's start on (an
    interview held earlier than booked is marked held on the agenda first, so the
    agenda and the record tell the same story); never for a cancelled booking or a
    no-show."""
    if booking.status in ("cancelled", "no_show"):
        return "error.interview_not_held"
    if booking.starts_at_utc > (now_utc or scheduling.utcnow()):
        return "error.interview_not_yet"
    return None


def record_interview(
    store: Store, study: Study, interview_id: int, *, actor: str, now_utc: datetime | None = None
) -> Finding:
    """The record of a booked interview, started when it has none: the interviewer is
    the booked senior manager and the interview date the booking's day in the manager's
    time zone (not the person typing, not today).

    Raises FindingError before the booking's start, for a cancelled booking or a
    no-show (``can_record``), and for an interview of another study."""
    booking = scheduling.get_interview(store, interview_id)
    if booking.study_id != study.id:
        raise FindingError("error.interview_other_study", id=interview_id, study=study.name)
    existing = finding_of_interview(store, interview_id)
    if existing is not None:
        return get_finding(store, existing)
    if why := can_record(booking, now_utc):
        raise FindingError(why, day=booking.start_for_manager().strftime("%Y-%m-%d %H:%M"))
    return create_finding(
        store,
        study,
        booking.customer_id,
        actor=actor,
        interviewer=booking.manager_name,
        interview_date=booking.start_for_manager().date(),
        interview_id=booking.id,
    )


def new_record(
    store: Store, study: Study, customer_id: str, *, actor: str, now_utc: datetime | None = None
) -> Finding:
    """A new interview record for ``customer_id``, as the interview page starts one: for
    their latest booked interview that has begun and has no record yet, that interview's
    record (the booked manager, the booking's day: ``record_interview``); without one, a
    record by ``actor`` dated today (an interview held without a booking)."""
    open_bookings = [
        b
        for b in scheduling.list_interviews(
            store, study, statuses=("booked", "done"), customer_id=customer_id
        )
        if can_record(b, now_utc) is None
        and finding_of_interview(store, b.id) is None
        and not b.recorded
    ]
    if open_bookings:
        latest = max(open_bookings, key=lambda b: b.starts_at_utc)
        return record_interview(store, study, latest.id, actor=actor, now_utc=now_utc)
    return create_finding(store, study, customer_id, actor=actor)


# ---------------------------------------------------------------- discarding

# What a new record holds before anyone answered: the defection type (pre-filled from
# detection), the interview's day and the interviewer. Anything else is an answer.
SET_UP_FIELDS = ("defection_type", "interview_date", "interviewer")
LIVE_QUOTES = "SELECT count(*) FROM finding_quotes WHERE finding_id = ? AND NOT removed"
DELETE_QUOTE_VERSIONS = """
DELETE FROM record_versions WHERE record_type = ? AND record_id IN (
    SELECT CAST(id AS VARCHAR) FROM finding_quotes WHERE finding_id = ?)
"""
DELETE_QUOTES = "DELETE FROM finding_quotes WHERE finding_id = ?"
DELETE_VERSIONS = "DELETE FROM record_versions WHERE record_type = ? AND record_id = ?"
DELETE_FINDING = "DELETE FROM findings WHERE id = ?"


def _answered(cur: duckdb.DuckDBPyConnection, row: dict) -> list[str]:
    answered = [
        name
        for name in EDITABLE
        if name not in SET_UP_FIELDS and row.get(name) not in (None, "", "[]", [])
    ]
    if cur.execute(LIVE_QUOTES, [row["id"]]).fetchall()[0][0]:
        answered.append("quotes")
    return answered


def is_empty(store: Store, finding_id: int) -> bool:
    """True for a draft that holds no answer yet (see ``SET_UP_FIELDS``)."""
    with store.cursor() as cur:
        row = read_row(cur, "findings", {"id": int(finding_id)})
        return row is not None and row["status"] == "draft" and not _answered(cur, row)


def discard_finding(store: Store, finding_id: int, *, actor: str) -> None:
    """Remove a record started by accident, while it is an empty draft: the record, its
    removed quotes and its versions go; the audit log keeps who discarded it.

    Raises FindingError for a final record or one that holds an answer."""
    actor = require(actor, "findings.write", store=store, finding_id=finding_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        row = read_row(cur, "findings", {"id": int(finding_id)})
        if row is None:
            raise FindingError("error.finding_not_found", id=finding_id)
        if row["status"] != "draft" or _answered(cur, row):
            raise FindingError("error.finding_not_empty", id=finding_id)
        cur.execute(DELETE_QUOTE_VERSIONS, [QUOTE_RECORD_TYPE, int(finding_id)])
        cur.execute(DELETE_QUOTES, [int(finding_id)])
        cur.execute(DELETE_VERSIONS, [RECORD_TYPE, str(int(finding_id))])
        cur.execute(DELETE_FINDING, [int(finding_id)])
        audit(
            cur,
            row["study_id"],
            actor,
            "finding.discard",
            {"finding": int(finding_id), "customer_id": row["customer_id"]},
        )

    store.write(apply)


# ---------------------------------------------------------------- saving


def _text(value) -> str:
    return "" if value is None else str(value)


def _check(cur: duckdb.DuckDBPyConnection, current: dict, changes: dict[str, Any]) -> dict:
    """Validate and convert answers to what the table stores. Raises FindingError."""
    out: dict[str, Any] = {}
    book = None
    for name, value in changes.items():
        if name not in EDITABLE:
            raise FindingError("error.finding_field", field=name)
        if name in CHOICES:
            if value in ("", None):
                value = None
            elif value not in CHOICES[name]:
                raise FindingError("error.finding_value", field=name, value=value)
        elif name in TEXT_FIELDS:
            value = _text(value)
        elif name == "controllable":
            value = None if value is None else bool(value)
        elif name == "interview_date":
            if isinstance(value, str) and value:
                value = date.fromisoformat(value)
            value = value or None
        elif name in CODE_FIELDS:
            book = book or taxonomy.read_codebook(cur)
            was = current.get(name)
            was = set(_loads(was) or []) if name == "secondary_codes" else {was}
            codes = [value] if name == "primary_code" else list(dict.fromkeys(value or []))
            for code in codes:
                if code in (None, ""):
                    continue
                found = book.code(code)  # raises for an unknown code
                if not found.active and code not in was:
                    raise FindingError("error.code_not_offered", code=code)
            if name == "primary_code":
                value = value or None
            else:
                value = json.dumps([c for c in codes if c], ensure_ascii=False)
            out["codebook_version"] = book.version
        out[name] = value
    return _apart_from_primary(current, out)


def _apart_from_primary(current: dict, out: dict[str, Any]) -> dict[str, Any]:
    """A secondary cause is never the primary one: drop it from the secondary causes saved,
    and from those stored when it becomes the primary cause."""
    primary = out["primary_code"] if "primary_code" in out else current.get("primary_code")
    if not primary:
        return out
    if "secondary_codes" in out:
        secondary = json.loads(out["secondary_codes"])
    elif "primary_code" in out:
        secondary = list(_loads(current.get("secondary_codes")) or [])
        if primary not in secondary:
            return out
    else:
        return out
    out["secondary_codes"] = json.dumps([c for c in secondary if c != primary], ensure_ascii=False)
    return out


def save_fields(store: Store, finding_id: int, changes: dict[str, Any], **how) -> int:
    """Save answers of a finding typed or picked on ``base_version``; returns the new version.

    ``how``: ``base_version``, ``actor`` and, optionally, ``own_versions`` (the versions
    the caller saved itself since), as for ``save_fields_in``. Raises EditConflictError
    when someone else changed one of the same answers since, FindingError for a value
    the form does not offer (or a retired code newly picked). Edits of a final finding
    are kept as versions and audited as amendments.
    """
    how["actor"] = require(
        how.get("actor"), "findings.write", store=store, finding_id=finding_id
    ).name
    return store.write(lambda cur: save_fields_in(cur, finding_id, changes, **how))


def save_fields_in(
    cur: duckdb.DuckDBPyConnection,
    finding_id: int,
    changes: dict[str, Any],
    *,
    base_version: int,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """``save_fields`` inside the caller's transaction (settling a second coding)."""
    if not changes:
        raise FindingError("error.nothing_to_save")
    current = read_row(cur, "findings", {"id": int(finding_id)})
    if current is None:
        raise FindingError("error.finding_not_found", id=finding_id)
    values = _check(cur, current, changes)
    version = merge_update(
        cur,
        "findings",
        RECORD_TYPE,
        {"id": int(finding_id)},
        values,
        base_version,
        actor,
        own_versions,
    )
    if current["status"] == "final":
        audit(
            cur,
            current["study_id"],
            actor,
            "finding.amend",
            {"finding": int(finding_id), "fields": sorted(changes), "version": version},
        )
    return version


def save_field(
    store: Store,
    finding_id: int,
    name: str,
    value,
    *,
    base_version: int,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    return save_fields(
        store,
        finding_id,
        {name: value},
        base_version=base_version,
        actor=actor,
        own_versions=own_versions,
    )


def prefill_from_code(book: taxonomy.Codebook, code: str | None) -> dict[str, Any]:
    """What choosing ``code`` as the primary cause pre-fills: controllable, and involuntary
    where the code can push a customer out (a policy change, repositioning)."""
    if not code:
        return {}
    found = book.code(book.resolve(code) or code)
    return {
        "controllable": found.controllable,
        "voluntary": "involuntary" if found.can_be_involuntary else "voluntary",
    }


def set_primary_cause(
    store: Store,
    finding_id: int,
    code: str | None,
    *,
    base_version: int,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Set the primary cause and pre-fill controllable and voluntary from the code
    (both stay editable). Returns the new version."""
    book = taxonomy.codebook(store)
    changes = {"primary_code": code or None, **prefill_from_code(book, code)}
    return save_fields(
        store,
        finding_id,
        changes,
        base_version=base_version,
        actor=actor,
        own_versions=own_versions,
    )


def finalize(store: Store, finding_id: int, *, actor: str) -> int:
    """Mark a finding final: it counts in the analysis from now on, and later edits are
    amendments kept as versions. Raises FindingError naming what is still missing."""

    actor = require(actor, "findings.write", store=store, finding_id=finding_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        current = read_row(cur, "findings", {"id": int(finding_id)})
        if current is None:
            raise FindingError("error.finding_not_found", id=finding_id)
        if current["status"] == "final":
            raise FindingError("error.finding_already_final")
        missing = [f for f in REQUIRED_FOR_FINAL if current.get(f) in (None, "")]
        if missing:
            raise FindingError("error.finding_incomplete", fields=", ".join(missing))
        stamp = now()
        version = update_versioned(
            cur,
            "findings",
            {"id": int(finding_id)},
            {
                "status": "final",
                "finalized_by": actor,
                "finalized_at": stamp,
                "codebook_version": taxonomy.read_codebook(cur).version,
            },
            current["version"],
            actor,
            record_type=RECORD_TYPE,
        )
        audit(
            cur,
            current["study_id"],
            actor,
            "finding.finalize",
            {"finding": int(finding_id), "version": version},
        )
        return version

    return store.write(apply)


# ---------------------------------------------------------------- quotes

INSERT_QUOTE = """
INSERT INTO finding_quotes (finding_id, position, text, code, version, created_by, created_at,
    updated_by, updated_at)
VALUES (?, (SELECT coalesce(max(position), 0) + 1 FROM finding_quotes WHERE finding_id = ?),
    ?, ?, 1, ?, ?, ?, ?)
RETURNING id
"""


def add_quote(
    store: Store, finding_id: int, *, actor: str, text: str = "", code: str | None = None
) -> int:
    """Add a verbatim quote (optionally tagged with a code); returns its id."""

    actor = require(actor, "findings.write", store=store, finding_id=finding_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        current = read_row(cur, "findings", {"id": int(finding_id)})
        if current is None:
            raise FindingError("error.finding_not_found", id=finding_id)
        if code:
            taxonomy.read_codebook(cur).code(code)
        stamp = now()
        quote_id = cur.execute(
            INSERT_QUOTE,
            [int(finding_id), int(finding_id), text or "", code, actor, stamp, actor, stamp],
        ).fetchall()[0][0]
        snapshot_version(cur, "finding_quotes", {"id": quote_id}, QUOTE_RECORD_TYPE, actor)
        audit(
            cur,
            current["study_id"],
            actor,
            "finding.quote_add",
            {"finding": int(finding_id), "quote": quote_id},
        )
        return quote_id

    return store.write(apply)


def save_quote(
    store: Store,
    quote_id: int,
    changes: dict[str, Any],
    *,
    base_version: int,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Save a quote's ``text`` or ``code`` typed on ``base_version``; returns the new version.
    Raises EditConflictError when someone else changed the same part since."""
    actor = require(actor, "findings.write", store=store, quote_id=quote_id).name
    unknown = set(changes) - {"text", "code"}
    if unknown:
        raise FindingError("error.finding_field", field=", ".join(sorted(unknown)))

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        values = dict(changes)
        if "text" in values:
            values["text"] = _text(values["text"])
        if values.get("code"):
            book = taxonomy.read_codebook(cur)
            current = read_row(cur, "finding_quotes", {"id": int(quote_id)}) or {}
            if not book.code(values["code"]).active and values["code"] != current.get("code"):
                raise FindingError("error.code_not_offered", code=values["code"])
        elif "code" in values:
            values["code"] = None
        return merge_update(
            cur,
            "finding_quotes",
            QUOTE_RECORD_TYPE,
            {"id": int(quote_id)},
            values,
            base_version,
            actor,
            own_versions,
        )

    return store.write(apply)


def remove_quote(store: Store, quote_id: int, *, actor: str) -> None:
    """Take a quote off the finding; it stays in the record's history."""

    actor = require(actor, "findings.write", store=store, quote_id=quote_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        current = read_row(cur, "finding_quotes", {"id": int(quote_id)})
        if current is None:
            raise ResearchError("error.record_gone")
        update_versioned(
            cur,
            "finding_quotes",
            {"id": int(quote_id)},
            {"removed": True},
            current["version"],
            actor,
            record_type=QUOTE_RECORD_TYPE,
        )

    store.write(apply)


# ---------------------------------------------------------------- history

_NOT_ANSWERS = {"version", "updated_by", "updated_at", "created_by", "created_at"}


def history(store: Store, finding_id: int) -> list[dict]:
    """Every saved version of a finding and its quotes, oldest first: version (None for a
    quote's own versions), who, when, whether it ``created`` the record, and what changed
    ({field: (before, after)}); quote changes are named ``quote_<n>.<text|code|removed>``."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT record_type, record_id, version, data, changed_by, changed_at"
            " FROM record_versions WHERE (record_type = ? AND record_id = ?)"
            " OR (record_type = ? AND record_id IN (SELECT CAST(id AS VARCHAR) FROM finding_quotes"
            "     WHERE finding_id = ?)) ORDER BY changed_at, id",
            [RECORD_TYPE, str(int(finding_id)), QUOTE_RECORD_TYPE, int(finding_id)],
        ).fetchall()
    last: dict[tuple[str, str], dict] = {}
    out = []
    for record_type, record_id, version, data, by, at in rows:
        data = json.loads(data)
        before = last.get((record_type, record_id))
        last[(record_type, record_id)] = data
        created = before is None
        changed = (
            {}
            if created
            else {
                k: (before.get(k), v)
                for k, v in data.items()
                if k not in _NOT_ANSWERS and before.get(k) != v
            }
        )
        if record_type == QUOTE_RECORD_TYPE:
            prefix = f"quote_{data.get('position')}"
            changed = {
                f"{prefix}.{k}": v
                for k, v in changed.items()
                if k not in ("id", "finding_id", "position")
            }
            version = None
        if created and record_type == QUOTE_RECORD_TYPE:
            changed = {f"quote_{data.get('position')}.text": (None, data.get("text"))}
        out.append(
            {
                "version": version,
                "changed_by": by,
                "changed_at": at,
                "created": created,
                "record": "quote" if record_type == QUOTE_RECORD_TYPE else "finding",
                "changes": changed,
            }
        )
    return out


# ---------------------------------------------------------------- the interview guide

GUIDE_SQL = "SELECT text, version FROM interview_guides WHERE study_id = ? AND language = ?"

INSERT_GUIDE = """
INSERT INTO interview_guides (study_id, language, text, version, created_by, created_at,
    updated_by, updated_at)
VALUES (?, ?, ?, 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING
"""


def guide(store: Store, study: Study, language: str, default: str) -> tuple[str, int]:
    """The study's interview guide in ``language`` and its version (0: not yet edited,
    ``default`` is shown)."""
    with store.cursor() as cur:
        rows = cur.execute(GUIDE_SQL, [study.id, language]).fetchall()
    return (rows[0][0], rows[0][1]) if rows else (default, 0)


def save_guide(
    store: Store,
    study: Study,
    language: str,
    text: str,
    *,
    base_version: int,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Save the guide typed on ``base_version`` (0 for the default); returns the new version.
    Raises EditConflictError when a colleague saved the guide in between."""
    actor = require(actor, "studies.write", store=store, study=study).name
    if language not in ("en", "zh"):
        raise FindingError("error.finding_value", field="language", value=language)

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        stamp = now()
        created = cur.execute(
            INSERT_GUIDE + " RETURNING version",
            [study.id, language, text, actor, stamp, actor, stamp],
        ).fetchall()
        key = {"study_id": study.id, "language": language}
        if created and base_version == 0:
            snapshot_version(cur, "interview_guides", key, "interview_guide", actor)
            audit(cur, study.id, actor, "guide.save", {"language": language})
            return 1
        return update_versioned(
            cur,
            "interview_guides",
            key,
            {"text": text},
            base_version,
            actor,
            record_type="interview_guide",
            own_versions=own_versions,
        )

    return store.write(apply)
