"""The investigation team: who works on the study, in which role, and when they can meet.

The method asks senior managers to hold the important interviews themselves, so a
senior manager has weekly available hours (in their own time zone) and, per study, an
interview quota; phone interviewers work the call lists. Members exist across studies;
``study_team`` says who works on which study.

Available hours are written as a short weekly pattern, one group per ``;``::

    mon-fri 09:00-12:00, 14:00-17:30; sat 10:00-12:00

Days may be English (mon…sun), numbers (1 = Monday … 7 = Sunday) or Chinese
(周一…周日); ranges (mon-fri) and lists (mon,wed) both work.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import duckdb

from research.base import exports
from research.base.permissions import require
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.desk.errors import DeskError
from research.desk.phones import normalise_phone

ROLES = ("senior_manager", "marketing_manager", "sales", "phone_interviewer", "viewer")
ROLE_LABELS = {r: f"role.{r}" for r in ROLES}  # translation keys
DEFAULT_TIME_ZONE = "Asia/Shanghai"
QUOTA_ADVISED = (10, 25)  # interviews each senior manager holds personally (the method)
QUOTA_LIMITS = (1, 100)

_DAY_NAMES = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "1": 0,
    "2": 1,
    "3": 2,
    "4": 3,
    "5": 4,
    "6": 5,
    "7": 6,
    "周一": 0,
    "周二": 1,
    "周三": 2,
    "周四": 3,
    "周五": 4,
    "周六": 5,
    "周日": 6,
    "周天": 6,
}
_DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*[-–~至]\s*(\d{1,2}):(\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Hours = dict[int, list[tuple[time, time]]]  # weekday (0 = Monday) → [(start, end), ...]


@dataclass(frozen=True)
class TeamMember:
    id: int
    name: str
    role: str
    phone: str | None
    email: str | None
    time_zone: str
    available_hours: str | None
    active: bool
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def hours(self) -> Hours:
        return parse_hours(self.available_hours or "")


@dataclass(frozen=True)
class StudyMember:
    member: TeamMember
    quota: int | None


# ---------------------------------------------------------------- hours


def _day(token: str, text: str) -> int:
    day = _DAY_NAMES.get(
        token.strip().lower()[:3] if token.strip()[:1].isascii() else token.strip()
    )
    if day is None:
        raise DeskError("error.hours_invalid", text=text)
    return day


def _days(spec: str, text: str) -> list[int]:
    found: list[int] = []
    for part in re.split(r"[,，、]", spec):
        part = part.strip()
        if not part:
            continue
        if "-" in part or "–" in part or "至" in part:
            first, last = re.split(r"\s*[-–至]\s*", part, maxsplit=1)
            a, b = _day(first, text), _day(last, text)
            if b < a:
                raise DeskError("error.hours_invalid", text=text)
            found += list(range(a, b + 1))
        else:
            found.append(_day(part, text))
    if not found:
        raise DeskError("error.hours_invalid", text=text)
    return found


def parse_hours(text: str) -> Hours:
    """Read a weekly pattern (see the module docstring). Empty text means no hours.

    Raises ResearchError for text that does not read as days and times, or a range
    that ends before it starts.
    """
    hours: Hours = {}
    for group in re.split(r"[;；\n]", text or ""):
        group = group.strip()
        if not group:
            continue
        first_time = re.search(r"\d{1,2}:\d{2}", group)
        if not first_time or not group[: first_time.start()].strip():
            raise DeskError("error.hours_invalid", text=text)
        days = _days(group[: first_time.start()], text)
        ranges = []
        for chunk in re.split(r"[,，、]", group[first_time.start() :]):
            chunk = chunk.strip()
            if not chunk:
                continue
            m = _RANGE.match(chunk)
            if not m:
                raise DeskError("error.hours_invalid", text=text)
            h1, m1, h2, m2 = (int(x) for x in m.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
                raise DeskError("error.hours_invalid", text=text)
            start = time(h1, m1)
            end = time(23, 59) if h2 == 24 else time(h2, m2)
            if end <= start:
                raise DeskError("error.hours_invalid", text=text)
            ranges.append((start, end))
        if not ranges:
            raise DeskError("error.hours_invalid", text=text)
        for day in days:
            hours.setdefault(day, []).extend(ranges)
    return {d: sorted(set(r)) for d, r in sorted(hours.items())}


def format_hours(hours: Hours) -> str:
    """The canonical text for ``hours``: consecutive days with the same times grouped."""
    groups: list[tuple[list[int], list[tuple[time, time]]]] = []
    for day in sorted(hours):
        ranges = hours[day]
        if groups and groups[-1][1] == ranges and groups[-1][0][-1] == day - 1:
            groups[-1][0].append(day)
        else:
            groups.append(([day], ranges))
    parts = []
    for days, ranges in groups:
        label = (
            _DAY_CODES[days[0]]
            if len(days) == 1
            else f"{_DAY_CODES[days[0]]}-{_DAY_CODES[days[-1]]}"
        )
        times = ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)
        parts.append(f"{label} {times}")
    return "; ".join(parts)


@functools.cache
def _zone_names() -> frozenset[str]:
    """The IANA zones (reading them scans the zone files: 40 ms a call, once is enough)."""
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    """Raises ResearchError for a name that is not an IANA time zone."""
    name = (name or "").strip()
    if name not in _zone_names():
        raise DeskError("error.time_zone_invalid", zone=name)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise DeskError("error.time_zone_invalid", zone=name) from e
    return name


def time_zones() -> list[str]:
    """Every IANA zone, the usual ones for this product first."""
    common = [
        "Asia/Shanghai",
        "Asia/Hong_Kong",
        "Asia/Taipei",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Los_Angeles",
        "UTC",
    ]
    rest = sorted(_zone_names() - set(common))
    return common + rest


# ---------------------------------------------------------------- members

_MEMBER_COLUMNS = (
    "id, name, role, phone, email, time_zone, available_hours, active, created_by,"
    " created_at, updated_by, updated_at"
)
SELECT_MEMBERS = f"SELECT {_MEMBER_COLUMNS} FROM team_members ORDER BY name"
SELECT_MEMBER_BY_NAME = f"SELECT {_MEMBER_COLUMNS} FROM team_members WHERE name = ?"
SELECT_MEMBER_BY_ID = f"SELECT {_MEMBER_COLUMNS} FROM team_members WHERE id = ?"
INSERT_MEMBER = """
INSERT INTO team_members (name, role, phone, email, time_zone, available_hours, created_by,
                          created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
"""


def _clean(
    name: str,
    role: str,
    phone: str | None,
    email: str | None,
    time_zone: str,
    available_hours: str | None,
) -> dict:
    name = (name or "").strip()
    if not name:
        raise DeskError("error.member_name_required")
    if role not in ROLES:
        raise DeskError("error.role_invalid", role=role, allowed=", ".join(ROLES))
    email = (email or "").strip() or None
    if email and not _EMAIL.match(email):
        raise DeskError("error.email_invalid", email=email)
    hours_text = (available_hours or "").strip()
    hours = format_hours(parse_hours(hours_text)) if hours_text else None
    return {
        "name": name,
        "role": role,
        "phone": normalise_phone(phone),
        "email": email,
        "time_zone": check_time_zone(time_zone or DEFAULT_TIME_ZONE),
        "available_hours": hours,
    }


def add_member(
    store: Store,
    name: str,
    role: str,
    *,
    actor: str,
    phone: str | None = None,
    email: str | None = None,
    time_zone: str = DEFAULT_TIME_ZONE,
    available_hours: str | None = None,
) -> TeamMember:
    """Add a person to the team.

    Raises ResearchError for a blank or taken name, an unknown role, a bad phone
    number, email, time zone or hours.
    """
    actor = require(actor, "team.write").name
    values = _clean(name, role, phone, email, time_zone, available_hours)
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        if cur.execute(SELECT_MEMBER_BY_NAME, [values["name"]]).fetchall():
            raise DeskError("error.member_exists", name=values["name"])
        member_id = cur.execute(
            INSERT_MEMBER, [*values.values(), actor, stamp, actor, stamp]
        ).fetchall()[0][0]
        audit(cur, None, actor, "team.add", values)
        return member_id

    return get_member_by_id(store, store.write(apply))


def update_member(store: Store, member: TeamMember, *, actor: str, **changes) -> TeamMember:
    """Change a member's name, role, phone, email, time zone, hours or active flag.

    Raises ResearchError as ``add_member`` does.
    """
    actor = require(actor, "team.write").name
    merged = {
        "name": member.name,
        "role": member.role,
        "phone": member.phone,
        "email": member.email,
        "time_zone": member.time_zone,
        "available_hours": member.available_hours,
    }
    unknown = set(changes) - set(merged) - {"active"}
    if unknown:
        raise DeskError("error.member_field_unknown", fields=", ".join(sorted(unknown)))
    values = _clean(**(merged | {k: v for k, v in changes.items() if k != "active"}))
    values["active"] = bool(changes.get("active", member.active))
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        other = cur.execute(SELECT_MEMBER_BY_NAME, [values["name"]]).fetchall()
        if other and other[0][0] != member.id:
            raise DeskError("error.member_exists", name=values["name"])
        sets = ", ".join(f"{k} = ?" for k in values)
        cur.execute(
            f"UPDATE team_members SET {sets}, updated_by = ?, updated_at = ? WHERE id = ?",
            [*values.values(), actor, stamp, member.id],
        )
        audit(cur, None, actor, "team.update", {"id": member.id, **values})

    store.write(apply)
    return get_member_by_id(store, member.id)


def list_members(store: Store, role: str | None = None) -> list[TeamMember]:
    with store.cursor() as cur:
        rows = cur.execute(SELECT_MEMBERS).fetchall()
    members = [TeamMember(*r) for r in rows]
    return [m for m in members if role is None or m.role == role]


def get_member(store: Store, name: str) -> TeamMember:
    """Raises ResearchError naming the members that exist."""
    with store.cursor() as cur:
        rows = cur.execute(SELECT_MEMBER_BY_NAME, [(name or "").strip()]).fetchall()
    if not rows:
        known = ", ".join(m.name for m in list_members(store)) or "–"
        raise DeskError("error.member_not_found", name=name, known=known)
    return TeamMember(*rows[0])


def get_member_by_id(store: Store, member_id: int) -> TeamMember:
    with store.cursor() as cur:
        rows = cur.execute(SELECT_MEMBER_BY_ID, [member_id]).fetchall()
    if not rows:
        raise DeskError("error.member_id_not_found", id=member_id)
    return TeamMember(*rows[0])


def team_csv(store: Store) -> str:
    """The whole team as CSV: name, role, email, time zone (for people who work from
    files), safe to open in a spreadsheet (research.base.exports)."""
    import pandas as pd

    frame = pd.DataFrame(
        [[m.name, m.role, m.email or "", m.time_zone] for m in list_members(store)],
        columns=["name", "role", "email", "time_zone"],
    )
    return exports.csv_text(frame)


# ---------------------------------------------------------------- a study's team

SELECT_STUDY_TEAM = f"""
SELECT {", ".join("m." + c.strip() for c in _MEMBER_COLUMNS.split(","))}, s.quota
FROM study_team s JOIN team_members m ON m.id = s.member_id
WHERE s.study_id = ?
ORDER BY CASE m.role WHEN 'senior_manager' THEN 0 WHEN 'marketing_manager' THEN 1
                     WHEN 'sales' THEN 2 WHEN 'phone_interviewer' THEN 3 ELSE 4 END, m.name
"""
UPSERT_STUDY_MEMBER = """
INSERT INTO study_team VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET quota = excluded.quota, updated_by = excluded.updated_by,
    updated_at = excluded.updated_at
"""


def study_team(store: Store, study: Study, role: str | None = None) -> list[StudyMember]:
    """The study's investigation team, senior managers first."""
    with store.cursor() as cur:
        rows = cur.execute(SELECT_STUDY_TEAM, [study.id]).fetchall()
    team = [StudyMember(TeamMember(*r[:-1]), r[-1]) for r in rows]
    return [s for s in team if role is None or s.member.role == role]


def _check_quota(member: TeamMember, quota: int | None) -> int | None:
    if quota is None:
        return None
    if member.role != "senior_manager":
        raise DeskError("error.quota_not_manager", name=member.name)
    low, high = QUOTA_LIMITS
    if not isinstance(quota, int) or not low <= quota <= high:
        raise DeskError("error.quota_range", low=low, high=high, value=quota)
    return quota


def add_to_study(
    store: Store, study: Study, member: TeamMember, *, actor: str, quota: int | None = None
) -> None:
    """Put a member on the study's team (or change their quota).

    A senior manager gets the method's lowest advised quota unless one is given.
    Raises ResearchError for a quota out of range or given to someone else.
    """
    actor = require(actor, "team.write", store=store, study=study).name
    if quota is None and member.role == "senior_manager":
        quota = QUOTA_ADVISED[0]
    quota = _check_quota(member, quota)
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(UPSERT_STUDY_MEMBER, [study.id, member.id, quota, actor, stamp, actor, stamp])
        audit(cur, study.id, actor, "team.join", {"member": member.name, "quota": quota})

    store.write(apply)


def set_quota(store: Store, study: Study, member: TeamMember, quota: int, *, actor: str) -> None:
    """Raises ResearchError if the member is not on the study or the quota is out of range."""
    actor = require(actor, "team.write", store=store, study=study).name
    quota = _check_quota(member, int(quota))
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        found = cur.execute(
            "UPDATE study_team SET quota = ?, updated_by = ?, updated_at = ?"
            " WHERE study_id = ? AND member_id = ? RETURNING member_id",
            [quota, actor, stamp, study.id, member.id],
        ).fetchall()
        if not found:
            raise DeskError("error.not_on_team", name=member.name)
        audit(cur, study.id, actor, "team.quota", {"member": member.name, "quota": quota})

    store.write(apply)


def remove_from_study(store: Store, study: Study, member: TeamMember, *, actor: str) -> None:
    actor = require(actor, "team.write", store=store, study=study).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            "DELETE FROM study_team WHERE study_id = ? AND member_id = ?", [study.id, member.id]
        )
        audit(cur, study.id, actor, "team.leave", {"member": member.name})

    store.write(apply)
