"""Interviews with the senior managers: booking, free slots, changes, the agenda.

An interview is booked with a named senior manager of the study's team at a date and
time in a time zone, for a length, in a mode (face to face, video, phone) and a place.
Bookings must fall inside the manager's available hours, read in the manager's own
time zone, and never overlap another of their interviews. Reschedule, cancel,
no-show and "held" change the booking's status; every change is kept in
``interview_events``. A change of time, place or mode, or a cancellation, raises the
invitation's sequence so calendars update the same event (``research.desk.calendar_files``).

Times are stored as naive UTC (``starts_at_utc``) with the zone the booking was made
in; ``zoneinfo`` does every conversion.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from research.base.accounts import Person
from research.base.permissions import require, visible_customers
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.desk.calls import HELD, RECORDED, refuse_do_not_call
from research.desk.errors import DeskError
from research.desk.team import QUOTA_ADVISED, TeamMember, check_time_zone, format_hours, study_team

MODES = ("face_to_face", "video", "phone")
MODE_LABELS = {m: f"screening.preferred_mode.{m}" for m in MODES}
STATUSES = ("booked", "done", "no_show", "cancelled")
STATUS_LABELS = {s: f"interview_status.{s}" for s in STATUSES}
ACTION_LABELS = {
    a: f"interview_action.{a}" for a in ("booked", "rescheduled", "cancelled", "no_show", "done")
}
LENGTH_LIMITS = (15, 480)
DEFAULT_LENGTH = 60
SLOT_STEP = 30  # minutes between the start times offered as free slots


def utcnow() -> datetime:
    """Now as naive UTC, to the second (tests replace this)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class Interview:
    id: int
    study_id: int
    customer_id: str
    manager_id: int
    starts_at_utc: datetime
    time_zone: str
    length_minutes: int
    mode: str
    place: str | None
    status: str
    uid: str
    sequence: int
    note: str | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    manager_name: str
    manager_email: str | None
    manager_time_zone: str
    customer_name: str | None
    contact_person: str | None
    customer_email: str | None
    customer_phone: str | None
    segment: str | None
    spend_lost: float | None
    held: bool  # counts as interviewed (see HELD)
    recorded: bool  # has its final findings record (see RECORDED)

    @property
    def start(self) -> datetime:
        """The start, aware, in the zone it was booked in."""
        return self.starts_at_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(self.time_zone))

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.length_minutes)

    @property
    def ends_at_utc(self) -> datetime:
        return self.starts_at_utc + timedelta(minutes=self.length_minutes)

    def start_for_manager(self) -> datetime:
        return self.starts_at_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(self.manager_time_zone))


SELECT_INTERVIEWS = f"""
SELECT i.id, i.study_id, i.customer_id, i.manager_id, i.starts_at_utc, i.time_zone,
       i.length_minutes, i.mode, i.place, i.status, i.uid, i.sequence, i.note, i.created_by,
       i.created_at, i.updated_by, i.updated_at,
       m.name, m.email, m.time_zone, c.name, c.contact_person, c.email, c.phone, r.segment,
       CAST(r.spend_lost AS DOUBLE), {HELD}, {RECORDED}
FROM interviews i
JOIN team_members m ON m.id = i.manager_id
LEFT JOIN customers c ON c.customer_id = i.customer_id
LEFT JOIN detection_results r ON r.study_id = i.study_id AND r.customer_id = i.customer_id
"""
OVERLAP = """
SELECT id FROM interviews
WHERE manager_id = ? AND status IN ('booked', 'done') AND id <> ?
  AND starts_at_utc < ? AND starts_at_utc + to_minutes(length_minutes) > ?
"""
INSERT_INTERVIEW = """
INSERT INTO interviews (study_id, customer_id, manager_id, starts_at_utc, time_zone,
                        length_minutes, mode, place, status, uid, sequence, note, created_by,
                        created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'booked', ?, 0, ?, ?, ?, ?, ?) RETURNING id
"""
INSERT_EVENT = """
INSERT INTO interview_events (interview_id, action, starts_at_utc, length_minutes, detail,
                              created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


def _interviews(cur: duckdb.DuckDBPyConnection, where: str, params: list) -> list[Interview]:
    rows = cur.execute(
        f"{SELECT_INTERVIEWS} WHERE {where} ORDER BY i.starts_at_utc, i.id", params
    ).fetchall()
    return [Interview(*r) for r in rows]


def get_interview(store: Store, interview_id: int) -> Interview:
    with store.cursor() as cur:
        found = _interviews(cur, "i.id = ?", [interview_id])
    if not found:
        raise DeskError("error.interview_not_found", id=interview_id)
    return found[0]


def list_interviews(
    store: Store,
    study: Study,
    *,
    manager_id: int | None = None,
    customer_id: str | None = None,
    statuses: tuple[str, ...] | None = None,
    from_utc: datetime | None = None,
    to_utc: datetime | None = None,
    actor: Person | str | None = None,
) -> list[Interview]:
    """The study's interviews in time order, filtered as asked (times as naive UTC).
    With ``actor``: only those of the customers they may read (an interviewer's own)."""
    visible = None if actor is None else visible_customers(store, actor, "calls.read", study)
    where, params = ["i.study_id = ?"], [study.id]
    if manager_id is not None:
        where.append("i.manager_id = ?")
        params.append(manager_id)
    if customer_id is not None:
        where.append("i.customer_id = ?")
        params.append(customer_id)
    if statuses:
        where.append(f"i.status IN ({', '.join('?' * len(statuses))})")
        params += list(statuses)
    if from_utc is not None:
        where.append("i.starts_at_utc >= ?")
        params.append(from_utc)
    if to_utc is not None:
        where.append("i.starts_at_utc < ?")
        params.append(to_utc)
    with store.cursor() as cur:
        found = _interviews(cur, " AND ".join(where), params)
    return found if visible is None else [i for i in found if i.customer_id in visible]


def history(store: Store, interview_id: int) -> pd.DataFrame:
    """Every event of one booking, oldest first: action, time, length, detail, who, when."""
    with store.cursor() as cur:
        return cur.execute(
            "SELECT action, starts_at_utc, length_minutes, detail, created_by, created_at"
            " FROM interview_events WHERE interview_id = ? ORDER BY id",
            [interview_id],
        ).df()


# ---------------------------------------------------------------- checks


def to_utc(local: datetime, time_zone: str) -> datetime:
    """A wall-clock time in ``time_zone`` as naive UTC."""
    zone = ZoneInfo(check_time_zone(time_zone))
    aware = local.replace(tzinfo=zone) if local.tzinfo is None else local
    return aware.astimezone(UTC).replace(tzinfo=None)


def within_hours(manager: TeamMember, start_utc: datetime, length_minutes: int) -> bool:
    """True when the whole interview lies inside one of the manager's hour ranges,
    read in the manager's time zone."""
    local = start_utc.replace(tzinfo=UTC).astimezone(manager.zone)
    end = local + timedelta(minutes=length_minutes)
    if end.date() != local.date():
        return False
    ranges = manager.hours.get(local.weekday(), [])
    return any(a <= local.time() and end.time() <= b for a, b in ranges)


def _check_choices(mode: str, length_minutes: int) -> None:
    if mode not in MODES:
        raise DeskError("error.mode_invalid", mode=mode, allowed=", ".join(MODES))
    low, high = LENGTH_LIMITS
    if not low <= int(length_minutes) <= high:
        raise DeskError("error.length_range", low=low, high=high, value=length_minutes)


def _check_slot(
    cur: duckdb.DuckDBPyConnection,
    manager: TeamMember,
    start_utc: datetime,
    length_minutes: int,
    now_utc: datetime,
    ignore_id: int = -1,
) -> None:
    if start_utc < now_utc:
        raise DeskError("error.booking_in_past")
    if not manager.available_hours:
        raise DeskError("error.manager_no_hours", name=manager.name)
    if not within_hours(manager, start_utc, length_minutes):
        local = start_utc.replace(tzinfo=UTC).astimezone(manager.zone)
        raise DeskError(
            "error.outside_hours",
            name=manager.name,
            when=local.strftime("%Y-%m-%d %H:%M"),
            zone=manager.time_zone,
            hours=manager.available_hours,
        )
    end_utc = start_utc + timedelta(minutes=length_minutes)
    clash = cur.execute(OVERLAP, [manager.id, ignore_id, end_utc, start_utc]).fetchall()
    if clash:
        other = _interviews(cur, "i.id = ?", [clash[0][0]])[0]
        raise DeskError(
            "error.double_booking",
            name=manager.name,
            when=other.start_for_manager().strftime("%Y-%m-%d %H:%M"),
            customer=other.customer_name or other.customer_id,
        )


def _event(
    cur: duckdb.DuckDBPyConnection,
    interview_id: int,
    action: str,
    start_utc: datetime,
    length: int,
    detail: dict,
    actor: str,
) -> None:
    cur.execute(
        INSERT_EVENT,
        [
            interview_id,
            action,
            start_utc,
            length,
            json.dumps(detail, default=str, ensure_ascii=False),
            actor,
            now(),
        ],
    )


# ---------------------------------------------------------------- booking and changes


def book_interview(
    store: Store,
    study: Study,
    customer_id: str,
    manager: TeamMember,
    start: datetime,
    time_zone: str,
    *,
    actor: str,
    length_minutes: int = DEFAULT_LENGTH,
    mode: str = "face_to_face",
    place: str | None = None,
    note: str | None = None,
    uid: str | None = None,
    now_utc: datetime | None = None,
) -> Interview:
    """Book an interview; ``start`` is the wall-clock time in ``time_zone``.

    Raises ResearchError when the manager is not a senior manager on the study's team,
    the time is past, outside the manager's hours or overlaps another of their
    interviews, the customer is unknown, on the do-not-call list or already booked.
    """
    actor = require(actor, "bookings.write", store=store, study=study, customer_id=customer_id).name
    _check_choices(mode, length_minutes)
    start_utc = to_utc(start, time_zone)
    if manager.role != "senior_manager":
        raise DeskError("error.not_manager", name=manager.name)
    if manager.id not in {s.member.id for s in study_team(store, study)}:
        raise DeskError("error.not_on_team", name=manager.name)
    now_utc = now_utc or utcnow()
    stamp = now()
    uid = uid or f"{uuid.uuid4()}@defectors"

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        if not cur.execute(
            "SELECT 1 FROM customers WHERE customer_id = ?", [customer_id]
        ).fetchall():
            raise DeskError("error.unknown_customer", customer_id=customer_id)
        refuse_do_not_call(cur, study, customer_id)
        if cur.execute(
            "SELECT 1 FROM interviews WHERE study_id = ? AND customer_id = ? AND status = 'booked'",
            [study.id, customer_id],
        ).fetchall():
            raise DeskError("error.already_booked", customer_id=customer_id)
        _check_slot(cur, manager, start_utc, length_minutes, now_utc)
        interview_id = cur.execute(
            INSERT_INTERVIEW,
            [
                study.id,
                customer_id,
                manager.id,
                start_utc,
                time_zone,
                int(length_minutes),
                mode,
                (place or "").strip() or None,
                uid,
                (note or "").strip() or None,
                actor,
                stamp,
                actor,
                stamp,
            ],
        ).fetchall()[0][0]
        _event(
            cur,
            interview_id,
            "booked",
            start_utc,
            length_minutes,
            {"manager": manager.name, "mode": mode, "place": place, "time_zone": time_zone},
            actor,
        )
        audit(
            cur,
            study.id,
            actor,
            "interview.book",
            {
                "id": interview_id,
                "customer_id": customer_id,
                "manager": manager.name,
                "starts_at_utc": start_utc,
            },
        )
        return interview_id

    return get_interview(store, store.write(apply))


def _booked(cur: duckdb.DuckDBPyConnection, interview_id: int) -> Interview:
    found = _interviews(cur, "i.id = ?", [interview_id])
    if not found:
        raise DeskError("error.interview_not_found", id=interview_id)
    if found[0].status != "booked":
        raise DeskError("error.interview_not_booked", id=interview_id, status=found[0].status)
    return found[0]


def reschedule(
    store: Store,
    interview_id: int,
    start: datetime,
    time_zone: str,
    *,
    actor: str,
    length_minutes: int | None = None,
    mode: str | None = None,
    place: str | None = None,
    now_utc: datetime | None = None,
) -> Interview:
    """Move a booked interview (and optionally change its length, mode or place).

    The invitation keeps its UID and its sequence goes up. Raises ResearchError as
    ``book_interview`` does, or when the interview is not booked any more.
    """
    actor = require(actor, "bookings.write", store=store, interview_id=interview_id).name
    from research.desk.team import get_member_by_id

    now_utc = now_utc or utcnow()
    start_utc = to_utc(start, time_zone)

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        old = _booked(cur, interview_id)
        length = int(length_minutes or old.length_minutes)
        new_mode = mode or old.mode
        _check_choices(new_mode, length)
        manager = get_member_by_id(store, old.manager_id)
        _check_slot(cur, manager, start_utc, length, now_utc, ignore_id=interview_id)
        new_place = old.place if place is None else ((place or "").strip() or None)
        cur.execute(
            "UPDATE interviews SET starts_at_utc = ?, time_zone = ?, length_minutes = ?,"
            " mode = ?, place = ?, sequence = sequence + 1, updated_by = ?, updated_at = ?"
            " WHERE id = ?",
            [start_utc, time_zone, length, new_mode, new_place, actor, now(), interview_id],
        )
        _event(
            cur,
            interview_id,
            "rescheduled",
            start_utc,
            length,
            {
                "from_utc": old.starts_at_utc,
                "from_length": old.length_minutes,
                "time_zone": time_zone,
                "mode": new_mode,
                "place": new_place,
            },
            actor,
        )
        audit(
            cur,
            old.study_id,
            actor,
            "interview.reschedule",
            {"id": interview_id, "from_utc": old.starts_at_utc, "to_utc": start_utc},
        )

    store.write(apply)
    return get_interview(store, interview_id)


# How a booked interview can end: whether the invitation changes (a cancellation is
# sent, sequence + 1), and whether it can only be recorded once its time has come.
ENDINGS = {
    "cancelled": {"bump": True, "must_be_over": False},
    "no_show": {"bump": False, "must_be_over": True},
    # an interview held earlier than booked (the defector rang back, a slot came free)
    # is marked held at once: its start moves back to when it was held, the invitation
    # is updated (sequence + 1), and the booked time stays in its history
    "done": {"bump": False, "must_be_over": False},
}

# Where an interview marked held before its booked start moves to: it ended now.
HELD_EARLY = """
UPDATE interviews SET starts_at_utc = ?, sequence = sequence + 1, updated_by = ?, updated_at = ?
WHERE id = ?
"""

END_INTERVIEW = """
UPDATE interviews SET status = ?, sequence = sequence + ?, note = coalesce(?, note),
    updated_by = ?, updated_at = ?
WHERE id = ?
"""


def end_interview(
    store: Store,
    interview_id: int,
    status: str,
    *,
    actor: str,
    reason: str | None = None,
    now_utc: datetime | None = None,
) -> Interview:
    """End a booked interview as ``status`` (one of ENDINGS), with an optional reason.

    Raises ResearchError when the interview is not booked any more, or when a no-show
    or a held interview is recorded before its start.
    """
    actor = require(actor, "bookings.write", store=store, interview_id=interview_id).name
    ending = ENDINGS[status]
    now_utc = now_utc or utcnow()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        old = _booked(cur, interview_id)
        if ending["must_be_over"] and old.starts_at_utc > now_utc:
            raise DeskError("error.interview_not_started")
        start_utc, details = old.starts_at_utc, {"reason": reason} if reason else {}
        if status == "done" and old.starts_at_utc > now_utc:  # held earlier than booked
            start_utc = now_utc.replace(second=0) - timedelta(minutes=old.length_minutes)
            details["booked_for_utc"] = old.starts_at_utc.isoformat()
            cur.execute(HELD_EARLY, [start_utc, actor, now(), interview_id])
        note = (reason or "").strip() or None
        bump = 1 if ending["bump"] else 0
        cur.execute(END_INTERVIEW, [status, bump, note, actor, now(), interview_id])
        _event(cur, interview_id, status, start_utc, old.length_minutes, details, actor)
        audit(cur, old.study_id, actor, f"interview.{status}", {"id": interview_id})

    store.write(apply)
    return get_interview(store, interview_id)


def cancel(store: Store, interview_id: int, **how) -> Interview:
    """Cancel a booked interview; its invitation becomes a cancellation (sequence + 1).
    ``how``: ``actor``, and optionally ``reason`` and ``now_utc``, as for ``end_interview``."""
    return end_interview(store, interview_id, "cancelled", **how)


def mark_no_show(store: Store, interview_id: int, **how) -> Interview:
    """The defector did not come (``how`` as for ``cancel``). Raises ResearchError before
    the interview's start."""
    return end_interview(store, interview_id, "no_show", **how)


def mark_done(store: Store, interview_id: int, **how) -> Interview:
    """The interview was held (``how`` as for ``cancel``). Marked before its booked
    start, it was held earlier than booked: it moves to the hour that has just ended,
    and the booked time stays in its history."""
    return end_interview(store, interview_id, "done", **how)


# ---------------------------------------------------------------- free slots and agenda


def free_slots(
    store: Store,
    manager: TeamMember,
    first_day: date,
    *,
    days: int = 7,
    length_minutes: int = DEFAULT_LENGTH,
    step_minutes: int = SLOT_STEP,
    now_utc: datetime | None = None,
) -> list[datetime]:
    """Start times (aware, in the manager's zone) where an interview of this length fits
    the manager's hours and clashes with none of their interviews, from ``first_day``
    (the manager's calendar) for ``days`` days, none in the past."""
    now_utc = now_utc or utcnow()
    zone = manager.zone
    window_start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    window_end = datetime.combine(
        first_day + timedelta(days=days), time(0), tzinfo=zone
    ).astimezone(UTC)
    with store.cursor() as cur:
        busy = cur.execute(
            "SELECT starts_at_utc, starts_at_utc + to_minutes(length_minutes) FROM interviews"
            " WHERE manager_id = ? AND status IN ('booked', 'done')"
            " AND starts_at_utc < ? AND starts_at_utc + to_minutes(length_minutes) > ?",
            [manager.id, window_end.replace(tzinfo=None), window_start.replace(tzinfo=None)],
        ).fetchall()
    hours = manager.hours
    slots = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for a, b in hours.get(day.weekday(), []):
            slot = datetime.combine(day, a, tzinfo=zone)
            last = datetime.combine(day, b, tzinfo=zone) - timedelta(minutes=length_minutes)
            while slot <= last:
                s_utc = slot.astimezone(UTC).replace(tzinfo=None)
                e_utc = s_utc + timedelta(minutes=length_minutes)
                if s_utc >= now_utc and not any(bs < e_utc and be > s_utc for bs, be in busy):
                    slots.append(slot)
                slot += timedelta(minutes=step_minutes)
    return slots


def interviews_awaiting_findings(
    store: Store, study: Study, *, now_utc: datetime | None = None
) -> list[Interview]:
    """Interviews that ended before ``now_utc``, booked or marked held, that have no
    final findings record yet (``RECORDED``): a no-show or a cancelled interview has no
    findings to await; a held one has, until its record is final."""
    now_utc = now_utc or utcnow()
    return [
        i
        for i in list_interviews(store, study, statuses=("booked", "done"))
        if i.ends_at_utc <= now_utc and not i.recorded
    ]


@dataclass(frozen=True)
class Agenda:
    today: list[Interview]
    week: list[Interview]
    awaiting_findings: list[Interview]


def agenda(
    store: Store,
    study: Study,
    *,
    manager_id: int | None = None,
    now_utc: datetime | None = None,
    actor: Person | str | None = None,
) -> Agenda:
    """Today's and this ISO week's interviews (not cancelled), each day and week read in
    the manager's own time zone, and the interviews still waiting for findings (with
    ``actor``: those of the customers they may read)."""
    now_utc = now_utc or utcnow()
    around = list_interviews(
        store,
        study,
        actor=actor,
        manager_id=manager_id,
        statuses=("booked", "done", "no_show"),
        from_utc=now_utc - timedelta(days=9),
        to_utc=now_utc + timedelta(days=9),
    )
    today, week = [], []
    for interview in around:
        zone = ZoneInfo(interview.manager_time_zone)
        local_today = now_utc.replace(tzinfo=UTC).astimezone(zone).date()
        local = interview.start_for_manager().date()
        if local == local_today:
            today.append(interview)
        if local.isocalendar()[:2] == local_today.isocalendar()[:2]:
            week.append(interview)
    awaiting = [
        i
        for i in interviews_awaiting_findings(store, study, now_utc=now_utc)
        if manager_id is None or i.manager_id == manager_id
    ]
    if actor is not None:
        seen = {i.id for i in list_interviews(store, study, actor=actor)}
        awaiting = [i for i in awaiting if i.id in seen]
    return Agenda(today, week, awaiting)


QUOTA_COUNTS = f"""
SELECT i.manager_id, CASE WHEN {HELD} THEN 'done' ELSE i.status END AS counted, count(*)
FROM interviews i WHERE i.study_id = ?
GROUP BY ALL
"""


def quota_progress(store: Store, study: Study) -> pd.DataFrame:
    """Per senior manager on the study: quota, interviews held, booked ahead, no-shows,
    still to book, share of quota held, and whether the quota is within the method's
    advice (10–25). An interview is held as ``HELD`` says (the funnel counts the same),
    otherwise it counts under its status."""
    managers = study_team(store, study, "senior_manager")
    with store.cursor() as cur:
        counts = dict(((m, s), n) for m, s, n in cur.execute(QUOTA_COUNTS, [study.id]).fetchall())
    rows = []
    for s in managers:
        quota = s.quota or 0
        done = counts.get((s.member.id, "done"), 0)
        booked = counts.get((s.member.id, "booked"), 0)
        rows.append(
            {
                "manager": s.member.name,
                "quota": quota,
                "done": done,
                "booked": booked,
                "no_show": counts.get((s.member.id, "no_show"), 0),
                "to_book": max(quota - done - booked, 0),
                "share_done": done / quota if quota else math.nan,
                "quota_advised": QUOTA_ADVISED[0] <= quota <= QUOTA_ADVISED[1],
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "manager",
            "quota",
            "done",
            "booked",
            "no_show",
            "to_book",
            "share_done",
            "quota_advised",
        ],
    )


# ---------------------------------------------------------------- weeks

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written like 2026-W48. Raises ResearchError."""
    match = _WEEK.match((text or "").strip())
    if not match:
        raise DeskError("error.week_invalid", week=text)
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as e:
        raise DeskError("error.week_invalid", week=text) from e


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_interviews(
    store: Store,
    study: Study,
    manager: TeamMember,
    monday: date,
    *,
    actor: Person | str | None = None,
) -> list[Interview]:
    """The manager's interviews in the ISO week starting ``monday`` (in the manager's
    zone), cancelled ones included so a calendar that imported them drops them."""
    zone = manager.zone
    start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    end = (
        datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
        .astimezone(UTC)
        .replace(tzinfo=None)
    )
    return list_interviews(
        store, study, manager_id=manager.id, from_utc=start, to_utc=end, actor=actor
    )


def hours_text(manager: TeamMember) -> str:
    return format_hours(manager.hours) if manager.available_hours else ""
