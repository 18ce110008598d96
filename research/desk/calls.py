"""The call desk: who calls whom, every attempt, the screening answers, do-not-call.

Phone interviewers work the study's target list (``research.selection.sampling``). Each target is
assigned to one interviewer (by hand, spread evenly, or by region or owner), and each
interviewer sees "my calls today": call-backs that are due first, then targets nobody
has tried yet by value segment (best core first) and spend lost, then people who did
not answer earlier, once a couple of hours have passed.

Every attempt is logged with time, interviewer, outcome and note. "Do not call again"
puts the person in ``do_not_call``, a table of its own keyed by study and customer, so
a later import of the customer file can never undo it; every list built here (and the
target list in ``research.selection.sampling``) leaves those people out.

The screening answers are one versioned record per target (``screenings``): notes are
saved as they are typed and two interviewers saving the same record are told, never
overwritten (``research.base.records.update_versioned``). The answer "left the category",
"closed" or "moved away" makes the defector a former customer
(``research.selection.detection.mark_former_customer``), which the defection figures leave out.
Opening a target writes nothing: its record is stored by the first save
(``screening_or_new``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from research.base import exports, records
from research.base.accounts import PermissionDeniedError, Person
from research.base.i18n import Translator
from research.base.masking import mask
from research.base.permissions import level, masked, require
from research.base.store import Store, audit, audit_change, now
from research.base.studies import Study
from research.desk.errors import DeskError
from research.desk.phones import parse_phone
from research.desk.team import TeamMember, list_members, study_team
from research.selection import detection

OUTCOMES = ("no_answer", "busy", "wrong_number", "refused", "call_back", "reached", "do_not_call")
OUTCOME_LABELS = {o: f"outcome.{o}" for o in OUTCOMES}
RETRY_OUTCOMES = ("no_answer", "busy")
MAX_ATTEMPTS = 6
RETRY_AFTER = timedelta(hours=2)
SEGMENT_ORDER = ("best_core", "other_core", "general", "expendable")

# screening answers: field → allowed values (None: free text or number)
WHERE_NOW = ("competitor", "stopped", "left_category", "closed", "moved_away")
FORMER_ANSWERS = ("left_category", "closed", "moved_away")
CHOICES: dict[str, tuple[str, ...]] = {
    "where_now": WHERE_NOW,
    "still_buys_from_us": ("yes", "no"),
    "customer_kind": ("business", "consumer"),
    "age_band": ("under_30", "30_39", "40_49", "50_59", "60_plus"),
    "income_band": ("under_5k", "5k_10k", "10k_20k", "20k_50k", "over_50k"),
    "education": ("secondary", "vocational", "bachelor", "master", "doctorate"),
    "company_size": ("small", "medium", "large"),
    "consent": ("yes", "no", "later"),
    "preferred_mode": ("face_to_face", "video", "phone"),
}
CHOICE_LABELS = {
    field: {v: f"screening.{field}.{v}" for v in values} for field, values in CHOICES.items()
}
TEXT_FIELDS = ("competitor", "industry", "preferred_place")
ANSWER_FIELDS = ("tenure_years", *CHOICES, *TEXT_FIELDS)
QUESTION_LABELS = {f: f"screening.{f}" for f in ANSWER_FIELDS}  # translation keys
# screening facts that fill the customer's record where the import left it blank
_CUSTOMER_FACTS = {
    "age_band": "age_band",
    "income_band": "income_band",
    "education": "education",
    "company_size": "size",
    "industry": "industry",
}


# ---------------------------------------------------------------- lists

# When an interview counts as held ("interviewed"), said once for the funnel, the
# quotas, the checkpoint and the agenda: it is marked done, or it has a final findings
# record. A record is the interview's when it names the interview, or, made without that
# link on the interview page, when it is a final interview record of the same customer
# started after the booking was made (an imported past study's findings never count).
# HELD_IDS lists them (one pass over both tables, not a query per interview); HELD is
# the test on ``interviews i``.
# RECORDED_IDS are the interviews with their final record; an interview marked done
# without one still awaits its findings.
RECORDED_IDS = """
SELECT interview_id FROM findings WHERE status = 'final' AND interview_id IS NOT NULL
UNION ALL
SELECT b.id FROM interviews b
JOIN findings f ON f.study_id = b.study_id AND f.customer_id = b.customer_id
WHERE f.status = 'final' AND f.interview_id IS NULL AND f.origin = 'interview'
  AND b.status IN ('booked', 'done') AND f.created_at >= b.created_at
"""
HELD_IDS = f"""
SELECT id FROM interviews WHERE status = 'done'
UNION ALL
{RECORDED_IDS}
"""
HELD = f"(i.id IN ({HELD_IDS}))"
RECORDED = f"(i.id IN ({RECORDED_IDS}))"


CALL_STATE = f"""
WITH tries AS (
    SELECT customer_id, count(*) AS attempts, max(called_at) AS last_called_at,
           arg_max(outcome, id) AS last_outcome, arg_max(call_back_at, id) AS call_back_at,
           bool_or(outcome = 'reached') AS ever_reached,
           bool_or(outcome IN ('refused', 'do_not_call')) AS ever_refused
    FROM call_attempts WHERE study_id = $sid GROUP BY customer_id
),
booked AS (
    SELECT customer_id,
           bool_or(status IN ('booked', 'done', 'no_show') OR held) AS booked,
           bool_or(status = 'booked' AND NOT held) AS upcoming,
           bool_or(held) AS interviewed
    FROM (SELECT i.customer_id, i.status, {HELD} AS held FROM interviews i
          WHERE i.study_id = $sid)
    GROUP BY customer_id
)
SELECT t.customer_id, c.name, c.contact_person, c.phone, c.email, c.region, c.owner,
       c.industry, c.size, r.segment, r.spend_lost,
       CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS status,
       a.interviewer_id, m.name AS interviewer,
       coalesce(x.attempts, 0) AS attempts, x.last_called_at, x.last_outcome, x.call_back_at,
       coalesce(x.ever_reached, FALSE) AS ever_reached,
       coalesce(x.ever_refused, FALSE) AS ever_refused,
       s.consent, coalesce(b.booked, FALSE) AS booked, coalesce(b.upcoming, FALSE) AS upcoming,
       coalesce(b.interviewed, FALSE) AS interviewed,
       d.customer_id IS NOT NULL AS do_not_call
FROM target_list t
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN detection_results r ON r.study_id = t.study_id AND r.customer_id = t.customer_id
LEFT JOIN former_customers f ON f.study_id = t.study_id AND f.customer_id = t.customer_id
LEFT JOIN call_assignments a ON a.study_id = t.study_id AND a.customer_id = t.customer_id
LEFT JOIN team_members m ON m.id = a.interviewer_id
LEFT JOIN tries x ON x.customer_id = t.customer_id
LEFT JOIN screenings s ON s.study_id = t.study_id AND s.customer_id = t.customer_id
LEFT JOIN booked b ON b.customer_id = t.customer_id
LEFT JOIN do_not_call d ON d.study_id = t.study_id AND d.customer_id = t.customer_id
WHERE t.study_id = $sid AND t.included
ORDER BY CASE r.segment WHEN 'best_core' THEN 0 WHEN 'other_core' THEN 1 WHEN 'general' THEN 2
                        ELSE 3 END,
         r.spend_lost DESC, t.customer_id
"""
HELD_COUNT = f"SELECT count(*) FROM interviews i WHERE i.study_id = ? AND {HELD}"


def call_state(
    store: Store,
    study: Study,
    *,
    include_do_not_call: bool = False,
    actor: Person | str | None = None,
) -> pd.DataFrame:
    """Every target with its assignment, attempts, last outcome, consent and booking.

    People on the do-not-call list are left out unless ``include_do_not_call``. With
    ``actor``: an interviewer sees only the targets assigned to them; roles without
    ``calls.read`` are refused (``actor`` None: the pages before the sign-in pass).
    """
    if actor is not None:
        person = require(actor, "calls.read", store=store, study=study)
        frame = call_state(store, study, include_do_not_call=include_do_not_call)
        if level(person, "calls.read") == "own":
            frame = frame[frame["interviewer_id"] == person.member_id].reset_index(drop=True)
        return frame
    with store.cursor() as cur:
        frame = cur.execute(CALL_STATE, {"sid": study.id}).df()
    if not include_do_not_call:
        frame = frame[~frame["do_not_call"]].reset_index(drop=True)
    return frame


def my_calls(
    store: Store,
    study: Study,
    interviewer_id: int | None,
    *,
    at: datetime | None = None,
    targets: pd.DataFrame | None = None,
    actor: Person | str | None = None,
) -> pd.DataFrame:
    """The interviewer's calls for the day of ``at`` (default now), in the order to make them.

    Column ``why``: ``call_back_due`` (a call-back due today or earlier; by its time),
    ``untried`` (by segment value, then spend lost), ``retry`` (no answer or busy,
    last tried at least two hours ago, fewer than MAX_ATTEMPTS tries).
    ``interviewer_id`` None gives the calls nobody is assigned to. ``targets``: the
    caller's ``call_state`` of the study, read here when not given. With ``actor``: an
    interviewer may read only their own list (PermissionDeniedError for anyone else's).
    """
    if actor is not None:
        person = require(actor, "calls.read", store=store, study=study)
        if level(person, "calls.read") == "own" and (
            interviewer_id is None or interviewer_id != person.member_id
        ):
            raise PermissionDeniedError("error.not_your_list", role=person.role)
    at = at or now()
    end_of_day = datetime.combine(at.date() + timedelta(days=1), datetime.min.time())
    frame = call_state(store, study) if targets is None else targets
    if interviewer_id is None:
        mine = frame[frame["interviewer_id"].isna()]
    else:
        mine = frame[frame["interviewer_id"] == interviewer_id]
    open_ = mine[(mine["status"] != "former") & ~mine["upcoming"] & ~mine["interviewed"]]
    due = open_[(open_["last_outcome"] == "call_back") & (open_["call_back_at"] < end_of_day)]
    due = due.sort_values("call_back_at", kind="stable").assign(why="call_back_due")
    untried = open_[open_["attempts"] == 0].assign(why="untried")  # already in value order
    retry = open_[
        open_["last_outcome"].isin(RETRY_OUTCOMES)
        & (open_["attempts"] < MAX_ATTEMPTS)
        & (open_["last_called_at"] <= at - RETRY_AFTER)
    ]
    retry = retry.sort_values(["attempts", "last_called_at"], kind="stable").assign(why="retry")
    return pd.concat([due, untried, retry], ignore_index=True)


ON_DO_NOT_CALL = "SELECT 1 FROM do_not_call WHERE study_id = ? AND customer_id = ?"


def refuse_do_not_call(cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str) -> None:
    """Raises ResearchError when the person asked never to be called again: nobody logs a
    call to them or books them an interview."""
    if cur.execute(ON_DO_NOT_CALL, [study.id, customer_id]).fetchall():
        raise DeskError("error.do_not_call", customer_id=customer_id)


def do_not_call_ids(store: Store, study: Study) -> set[str]:
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT customer_id FROM do_not_call WHERE study_id = ?", [study.id]
        ).fetchall()
    return {r[0] for r in rows}


# ---------------------------------------------------------------- assignments

ASSIGN = """
INSERT INTO call_assignments VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET interviewer_id = excluded.interviewer_id,
    updated_by = excluded.updated_by, updated_at = excluded.updated_at
"""


def _interviewers(store: Store, study: Study, ids: list[int]) -> list[TeamMember]:
    members = {m.id: m for m in list_members(store)}
    chosen = []
    for member_id in ids:
        member = members.get(member_id)
        if member is None or member.role != "phone_interviewer":
            raise DeskError("error.not_interviewer", name=member.name if member else str(member_id))
        chosen.append(member)
    if not chosen:
        raise DeskError("error.pick_interviewer")
    return chosen


def _write_assignments(
    store: Store, study: Study, pairs: list[tuple[str, int]], actor: str, how: str
) -> int:
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        cur.executemany(
            ASSIGN, [[study.id, cid, mid, actor, stamp, actor, stamp] for cid, mid in pairs]
        )
        audit(cur, study.id, actor, "calls.assign", {"how": how, "count": len(pairs)})
        return len(pairs)

    return store.write(apply) if pairs else 0


def assign(
    store: Store, study: Study, customer_ids: list[str], interviewer_id: int, *, actor: str
) -> int:
    """Give these targets to one interviewer. Raises ResearchError for someone who is not
    a phone interviewer or a customer not on the call list."""
    actor = require(actor, "calls.assign", store=store, study=study).name
    _interviewers(store, study, [interviewer_id])
    listed = set(call_state(store, study)["customer_id"])
    unknown = [c for c in customer_ids if c not in listed]
    if unknown:
        raise DeskError("error.not_on_call_list", customer_id=", ".join(unknown[:5]))
    return _write_assignments(
        store, study, [(c, interviewer_id) for c in customer_ids], actor, "hand"
    )


def spread_evenly(
    store: Store, study: Study, interviewer_ids: list[int], *, actor: str, reassign: bool = False
) -> int:
    """Deal the unassigned targets (all of them with ``reassign``) out so every chosen
    interviewer ends with as equal a load as possible, best segments dealt first."""
    actor = require(actor, "calls.assign", store=store, study=study).name
    chosen = _interviewers(store, study, interviewer_ids)
    frame = call_state(store, study)
    load = {m.id: 0 for m in chosen}
    if not reassign:
        for mid in frame["interviewer_id"].dropna():
            if int(mid) in load:
                load[int(mid)] += 1
        frame = frame[frame["interviewer_id"].isna()]
    pairs = []
    for cid in frame["customer_id"]:
        mid = min(load, key=lambda m: (load[m], interviewer_ids.index(m)))
        load[mid] += 1
        pairs.append((cid, mid))
    return _write_assignments(store, study, pairs, actor, "even")


def assign_by(
    store: Store, study: Study, column: str, mapping: dict[str, int], *, actor: str
) -> int:
    """Assign every target whose ``column`` (``region`` or ``owner``) is a key of
    ``mapping`` to the interviewer it maps to. Returns how many were assigned."""
    actor = require(actor, "calls.assign", store=store, study=study).name
    if column not in ("region", "owner"):
        raise DeskError("error.assign_column", column=column)
    mapping = {k: v for k, v in mapping.items() if v is not None}
    if mapping:
        _interviewers(store, study, sorted(set(mapping.values())))
    frame = call_state(store, study)
    pairs = [
        (cid, mapping[value])
        for cid, value in zip(frame["customer_id"], frame[column], strict=True)
        if value in mapping
    ]
    return _write_assignments(store, study, pairs, actor, column)


def unassign(store: Store, study: Study, customer_ids: list[str], *, actor: str) -> None:
    actor = require(actor, "calls.assign", store=store, study=study).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        for cid in customer_ids:
            cur.execute(
                "DELETE FROM call_assignments WHERE study_id = ? AND customer_id = ?",
                [study.id, cid],
            )
        audit(cur, study.id, actor, "calls.unassign", {"customer_ids": customer_ids})

    store.write(apply)


# ---------------------------------------------------------------- attempts

INSERT_ATTEMPT = """
INSERT INTO call_attempts (study_id, customer_id, interviewer_id, called_at, outcome,
                           call_back_at, note, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
"""


def log_attempt(
    store: Store,
    study: Study,
    customer_id: str,
    outcome: str,
    *,
    actor: str,
    interviewer_id: int | None = None,
    note: str | None = None,
    call_back_at: datetime | None = None,
    called_at: datetime | None = None,
) -> int:
    """Record one call attempt; returns its id.

    ``call_back`` needs ``call_back_at``; ``do_not_call`` also puts the person on the
    study's do-not-call list for good. Raises ResearchError for an unknown outcome, a
    missing call-back time, a customer the study does not know, or someone on the
    do-not-call list.
    """
    actor = require(actor, "calls.write", store=store, study=study, customer_id=customer_id).name
    if outcome not in OUTCOMES:
        raise DeskError("error.outcome_invalid", outcome=outcome, allowed=", ".join(OUTCOMES))
    if outcome == "call_back" and call_back_at is None:
        raise DeskError("error.call_back_time_required")
    if outcome != "call_back":
        call_back_at = None
    called_at = called_at or now()
    if call_back_at is not None and call_back_at <= called_at:
        raise DeskError("error.call_back_in_past")
    note = (note or "").strip() or None
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        known = cur.execute(
            "SELECT 1 FROM customers WHERE customer_id = ?"
            " UNION ALL SELECT 1 FROM detection_results WHERE study_id = ?"
            " AND customer_id = ?",
            [customer_id, study.id, customer_id],
        ).fetchall()
        if not known:
            raise DeskError("error.unknown_customer", customer_id=customer_id)
        refuse_do_not_call(cur, study, customer_id)
        attempt_id = cur.execute(
            INSERT_ATTEMPT,
            [
                study.id,
                customer_id,
                interviewer_id,
                called_at,
                outcome,
                call_back_at,
                note,
                actor,
                stamp,
            ],
        ).fetchall()[0][0]
        audit_change(
            cur,
            study.id,
            actor,
            "call.log",
            "call_attempt",
            attempt_id,
            None,
            {
                "customer_id": customer_id,
                "outcome": outcome,
                "note": note,
                "call_back_at": call_back_at,
                "interviewer_id": interviewer_id,
            },
        )
        if outcome == "do_not_call":
            cur.execute(
                "INSERT INTO do_not_call VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [study.id, customer_id, note, actor, stamp],
            )
            audit(cur, study.id, actor, "calls.do_not_call", {"customer_id": customer_id})
        return attempt_id

    return store.write(apply)


ATTEMPTS = """
SELECT a.id, a.called_at, a.customer_id, c.name, c.contact_person, c.phone,
       m.name AS interviewer, a.outcome, a.call_back_at, a.note, a.created_by, a.created_at
FROM call_attempts a
LEFT JOIN customers c ON c.customer_id = a.customer_id
LEFT JOIN team_members m ON m.id = a.interviewer_id
WHERE a.study_id = ?
ORDER BY a.called_at, a.id
"""


def attempts(
    store: Store,
    study: Study,
    customer_id: str | None = None,
    *,
    actor: Person | str | None = None,
) -> pd.DataFrame:
    """Every attempt, oldest first (one customer's with ``customer_id``). With ``actor``:
    an interviewer reads only the attempts to their own customers, one at a time."""
    if actor is not None:
        person = require(actor, "calls.read", store=store, study=study, customer_id=customer_id)
        if customer_id is None and level(person, "calls.read") == "own":
            raise PermissionDeniedError("error.not_your_list", role=person.role)
    with store.cursor() as cur:
        frame = cur.execute(ATTEMPTS, [study.id]).df()
    if customer_id is not None:
        frame = frame[frame["customer_id"] == customer_id].reset_index(drop=True)
    return frame


CALLS_DATE_FORMAT = "%Y-%m-%d %H:%M"


def export_calls_csv(store: Store, study: Study, *, actor: Person | str | None = None) -> bytes:
    """The call log as CSV that Excel opens with Chinese intact (UTF-8 with BOM), safe
    to open (research.base.exports); phone numbers in international format. A bulk
    export: refused to interviewers and coders, masked for viewers. ``actor`` None is
    the pages before the sign-in pass (issue 12 follow-up: they pass the Person)."""
    frame = calls_frame(store, study)
    if actor is not None:
        frame = exports.for_reader(frame, actor, store=store, study=study)
    return exports.csv_bytes(frame, date_format=CALLS_DATE_FORMAT)


def calls_frame(store: Store, study: Study) -> pd.DataFrame:
    """Every call attempt of the study, as exported: time, customer, phone (international
    format), interviewer, outcome, call-back time, note, who logged it."""
    frame = attempts(store, study)
    frame["phone"] = [p.international if (p := parse_phone(v)) else "" for v in frame["phone"]]
    columns = [
        "called_at",
        "customer_id",
        "name",
        "contact_person",
        "phone",
        "interviewer",
        "outcome",
        "call_back_at",
        "note",
        "created_by",
    ]
    return frame[columns]


# ---------------------------------------------------------------- screening


def _infer_kind(customer: dict | None) -> str:
    if (
        customer
        and not customer.get("industry")
        and not customer.get("size")
        and (customer.get("age_band") or customer.get("income_band"))
    ):
        return "consumer"
    return "business"


INSERT_SCREENING = """
INSERT INTO screenings (study_id, customer_id, customer_kind, industry, company_size, notes,
    version, created_by, created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, '', 1, ?, ?, ?, ?) ON CONFLICT DO NOTHING
"""

IN_RESULTS = "SELECT 1 FROM detection_results WHERE study_id = ? AND customer_id = ?"


def _first_answers(cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str) -> dict:
    """What a new screening record starts with: the kind of customer guessed, industry
    and size from the customer file. Raises ResearchError for an unknown customer."""
    customer = records.read_row(cur, "customers", {"customer_id": customer_id})
    if customer is None and not cur.execute(IN_RESULTS, [study.id, customer_id]).fetchall():
        raise DeskError("error.unknown_customer", customer_id=customer_id)
    size = (customer or {}).get("size")
    return {
        "customer_kind": _infer_kind(customer),
        "industry": (customer or {}).get("industry"),
        "company_size": size if size in CHOICES["company_size"] else None,
    }


def _open_screening_in(
    cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str, actor: str
) -> None:
    """Create the target's screening record (version 1, nobody's answers yet) unless it
    exists, inside the caller's transaction."""
    if records.read_row(cur, "screenings", screening_key(study, customer_id)) is not None:
        return
    first = _first_answers(cur, study, customer_id)
    stamp = now()
    cur.execute(
        INSERT_SCREENING,
        [study.id, customer_id, *first.values(), actor, stamp, actor, stamp],
    )


def ensure_screening(store: Store, study: Study, customer_id: str, *, actor: str) -> dict:
    """The target's screening record, created (version 1) if nobody opened it yet."""
    actor = require(actor, "calls.write", store=store, study=study, customer_id=customer_id).name
    screening = get_screening(store, study, customer_id)
    if screening is None:
        store.write(lambda cur: _open_screening_in(cur, study, customer_id, actor))
        screening = get_screening(store, study, customer_id)
    return screening


def screening_or_new(store: Store, study: Study, customer_id: str) -> dict:
    """The target's screening record as stored or, writing nothing, the one the first save
    will create, at version 0 (``save_notes`` and ``save_answers`` take 0 as "typed on
    the new record"). Raises ResearchError for an unknown customer."""
    with store.cursor() as cur:
        stored = records.read_row(cur, "screenings", screening_key(study, customer_id))
        if stored is not None:
            return stored
        columns = [d[0] for d in cur.execute("SELECT * FROM screenings LIMIT 0").description]
        first = _first_answers(cur, study, customer_id)
    return {
        **dict.fromkeys(columns),
        **screening_key(study, customer_id),
        **first,
        "notes": "",
        "version": 0,
    }


def get_screening(store: Store, study: Study, customer_id: str) -> dict | None:
    with store.cursor() as cur:
        return records.read_row(cur, "screenings", screening_key(study, customer_id))


def screening_key(study: Study, customer_id: str) -> dict:
    return {"study_id": study.id, "customer_id": customer_id}


def save_notes(
    store: Store,
    study: Study,
    customer_id: str,
    text: str,
    base_version: int,
    *,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Save the notes typed so far; returns the new version. ``base_version`` 0: typed on
    a record not stored yet (``screening_or_new``), which this save creates.

    Raises records.EditConflictError (with both versions) when someone else saved the
    record after ``base_version``.
    """

    actor = require(actor, "calls.write", store=store, study=study, customer_id=customer_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        _open_screening_in(cur, study, customer_id, actor)
        return records.update_versioned(
            cur,
            "screenings",
            screening_key(study, customer_id),
            {"notes": text},
            max(base_version, 1),
            actor,
            record_type="screening",
            own_versions=own_versions,
        )

    return store.write(apply)


@dataclass(frozen=True)
class ScreeningSaved:
    version: int
    became_former: bool
    no_longer_former: bool


def _clean_answers(answers: dict) -> dict:
    unknown = set(answers) - set(ANSWER_FIELDS)
    if unknown:
        raise DeskError("error.screening_field_unknown", fields=", ".join(sorted(unknown)))
    clean: dict = {}
    for field, value in answers.items():
        if isinstance(value, str):
            value = value.strip() or None
        if field in CHOICES and value is not None and value not in CHOICES[field]:
            raise DeskError(
                "error.screening_choice",
                field=field,
                value=value,
                allowed=", ".join(CHOICES[field]),
            )
        if field == "tenure_years" and value is not None:
            try:
                value = float(value)
            except (TypeError, ValueError) as e:
                raise DeskError("error.tenure_invalid", value=value) from e
            if not 0 <= value <= 100 or math.isnan(value):
                raise DeskError("error.tenure_invalid", value=value)
        clean[field] = value
    if clean.get("where_now") not in (None, "competitor") and "competitor" not in answers:
        clean["competitor"] = None
    return clean


def former_reason(where_now: str, t: Translator | None = None) -> str:
    """The reason kept with a former customer, in the recording person's language."""
    t = t or Translator()
    return t("screening.former_reason", answer=t(CHOICE_LABELS["where_now"][where_now]))


def save_answers(
    store: Store,
    study: Study,
    customer_id: str,
    answers: dict,
    base_version: int,
    *,
    actor: str,
    t: Translator | None = None,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> ScreeningSaved:
    """Save the screening answers (fields in ANSWER_FIELDS) on top of ``base_version``
    (0: typed on a record not stored yet, which this save creates).

    Facts the customer record lacks (age band, income band, education, size, industry)
    are filled in from the answers. "Left the category", "closed" or "moved away" makes
    the defector a former customer with that reason; changing the answer away from
    those takes the mark off again. All of it is one transaction: written together or
    not at all. Raises ResearchError for unknown fields or values,
    records.EditConflictError when someone else saved first.
    """
    actor = require(actor, "calls.write", store=store, study=study, customer_id=customer_id).name
    clean = _clean_answers(answers)
    key = screening_key(study, customer_id)
    now_former = clean.get("where_now") in FORMER_ANSWERS
    reason = former_reason(clean["where_now"], t=t) if now_former else None

    def apply(cur: duckdb.DuckDBPyConnection) -> ScreeningSaved:
        _open_screening_in(cur, study, customer_id, actor)
        before = records.read_row(cur, "screenings", key)
        version = records.update_versioned(
            cur,
            "screenings",
            key,
            clean,
            max(base_version, 1),
            actor,
            record_type="screening",
            own_versions=own_versions,
        )
        for answer, column in _CUSTOMER_FACTS.items():
            if clean.get(answer) is not None:
                cur.execute(
                    f"UPDATE customers SET {column} = ?, updated_by = ?, updated_at = ?"
                    f" WHERE customer_id = ? AND {column} IS NULL",
                    [clean[answer], actor, now(), customer_id],
                )
        audit(
            cur,
            study.id,
            actor,
            "screening.answers",
            {"customer_id": customer_id, "version": version, **clean},
        )
        unmark = "where_now" in clean and not now_former
        unmark = unmark and before.get("where_now") in FORMER_ANSWERS
        if now_former:
            detection.mark_former_in(cur, study, customer_id, reason, actor=actor)
        elif unmark:
            detection.unmark_former_in(cur, study, customer_id, actor=actor)
        return ScreeningSaved(version, now_former, unmark)

    return store.write(apply)


# ---------------------------------------------------------------- the customer's file

CUSTOMER_FILE = """
SELECT c.customer_id, c.name, c.contact_person, c.phone, c.email, c.owner, c.region,
       c.industry, c.size, c.age_band, c.income_band, c.education,
       CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS status,
       r.segment, r.baseline_spend, r.recent_spend, r.spend_lost, r.first_purchase,
       r.last_purchase, f.reason AS former_reason,
       d.customer_id IS NOT NULL AS do_not_call
FROM customers c
LEFT JOIN detection_results r ON r.study_id = $sid AND r.customer_id = c.customer_id
LEFT JOIN former_customers f ON f.study_id = $sid AND f.customer_id = c.customer_id
LEFT JOIN do_not_call d ON d.study_id = $sid AND d.customer_id = c.customer_id
WHERE c.customer_id = $cid
"""


def customer_file(
    store: Store, study: Study, customer_id: str, *, actor: Person | str | None = None
) -> dict:
    """What the desk and the agenda show about one target. Raises ResearchError for an
    unknown customer; with ``actor``, PermissionDeniedError when they may not read this
    customer, and the personal fields masked for a viewer (``actor`` None: the pages
    before the sign-in pass, issue 12 follow-up)."""
    if actor is not None:
        person = require(actor, "customers.read", store=store, study=study, customer_id=customer_id)
        row = customer_file(store, study, customer_id)
        if masked(person, "customers.read"):
            row = mask(row)
            row["phone_parsed"] = None
            if row["screening"]:
                row["screening"] = mask(row["screening"])
        return row
    with store.cursor() as cur:
        result = cur.execute(CUSTOMER_FILE, {"sid": study.id, "cid": customer_id})
        names = [d[0] for d in result.description]
        rows = result.fetchall()
    if not rows:
        raise DeskError("error.unknown_customer", customer_id=customer_id)
    row = dict(zip(names, rows[0], strict=True))
    row["phone_parsed"] = parse_phone(row.get("phone"))
    row["screening"] = get_screening(store, study, customer_id)
    return row


# ---------------------------------------------------------------- progress

CHECKPOINT_REVIEWS = "SELECT count(*) FROM reviews WHERE study_id = ? AND kind = 'checkpoint'"
FUNNEL_STAGES = ("targets", "tried", "reached", "consented", "booked", "interviewed")
FUNNEL_LABELS = {s: f"progress.{s}" for s in FUNNEL_STAGES}  # translation keys


@dataclass(frozen=True)
class CallProgress:
    funnel: dict[str, int]
    by_segment: pd.DataFrame  # one row per segment: the stages, response and refusal rates
    by_interviewer: pd.DataFrame
    refused: int
    do_not_call: int  # of the targets, asked never to be called again (refusals too)
    interviews_done: int
    checkpoint_at: int  # a quarter of the planned interviews
    planned: int
    checkpoint_reviewed: bool = False  # the checkpoint meeting's review is saved

    @property
    def checkpoint_due(self) -> bool:
        """Enough interviews are held for the checkpoint meeting, and its review is not
        saved yet (once it is, the notice goes)."""
        return self.interviews_done >= self.checkpoint_at > 0 and not self.checkpoint_reviewed

    @property
    def response_rate(self) -> float | None:
        return _rate(self.funnel["reached"], self.funnel["tried"])

    @property
    def refusal_rate(self) -> float | None:
        return _rate(self.refused, self.funnel["reached"] + self.refused)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _stages(frame: pd.DataFrame) -> pd.DataFrame:
    """Each target's furthest stage, as 0/1 columns; a later stage implies the earlier."""
    interviewed = frame["interviewed"].astype(bool)
    booked = frame["booked"].astype(bool) | interviewed
    consented = (frame["consent"] == "yes") | booked
    reached = frame["ever_reached"].astype(bool) | consented
    tried = (frame["attempts"] > 0) | reached
    refused = frame["ever_refused"].astype(bool) & ~reached
    return pd.DataFrame(
        {
            "targets": 1,
            "tried": tried,
            "reached": reached,
            "consented": consented,
            "booked": booked,
            "interviewed": interviewed,
            "refused": refused,
        },
        index=frame.index,
    ).astype(int)


def _summarise(stages: pd.DataFrame, keys: pd.Series, name: str, order: list) -> pd.DataFrame:
    grouped = stages.groupby(keys.to_numpy(), dropna=False).sum()
    grouped = grouped.reindex(
        [k for k in order if k in grouped.index] + [k for k in grouped.index if k not in order]
    )
    grouped["response_rate"] = [
        _rate(r, t) for r, t in zip(grouped["reached"], grouped["tried"], strict=True)
    ]
    grouped["refusal_rate"] = [
        _rate(f, r + f) for f, r in zip(grouped["refused"], grouped["reached"], strict=True)
    ]
    return grouped.rename_axis(name).reset_index()


def progress(store: Store, study: Study) -> CallProgress:
    """The screening funnel (targets → tried → reached → consented → booked →
    interviewed), per segment and per interviewer, with response rate (reached ÷ tried)
    and refusal rate (refused ÷ (reached + refused)). People who asked never to be
    called again count as refusals. "Interviewed" is ``scheduling.HELD``, as in the
    managers' quotas; ``interviews_done`` counts every held interview of the study."""
    frame = call_state(store, study, include_do_not_call=True)
    stages = _stages(frame)
    funnel = {s: int(stages[s].sum()) for s in FUNNEL_STAGES}
    by_segment = _summarise(
        stages, frame["segment"].fillna("none"), "segment", [*SEGMENT_ORDER, "none"]
    )
    interviewers = frame["interviewer"].fillna("")
    by_interviewer = _summarise(
        stages, interviewers, "interviewer", sorted(set(interviewers) - {""}) + [""]
    )
    with store.cursor() as cur:
        done = cur.execute(HELD_COUNT, [study.id]).fetchall()[0][0]
        reviewed = cur.execute(CHECKPOINT_REVIEWS, [study.id]).fetchall()[0][0] > 0
    planned = study.target_sample_size
    return CallProgress(
        funnel,
        by_segment,
        by_interviewer,
        int(stages["refused"].sum()),
        int(frame["do_not_call"].sum()),
        done,
        math.ceil(planned / 4) if planned else 0,
        planned,
        reviewed,
    )


def interviewers_of(store: Store, study: Study) -> list[TeamMember]:
    """The study's phone interviewers (everyone with that role when the study has none)."""
    on_team = [s.member for s in study_team(store, study, "phone_interviewer")]
    return on_team or list_members(store, "phone_interviewer")


def today() -> date:
    return now().date()
