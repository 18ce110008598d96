"""Studies: one defector study is a name, an as-of date, rules and a status.

Several studies live in one database; each owns the customer data imported into it,
its detection results and its target list.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

import duckdb

from research.base import settings as settings_mod
from research.base.errors import InvalidSettingError, StudyExistsError, StudyNotFoundError
from research.base.store import Store, audit, now

STATUSES = ("planning", "screening", "interviewing", "review", "closed")
# An as-of date outside these is a typing error or a placeholder (0001-01-01): saved, it
# would make every later command fail on the periods before it. The import reads
# transaction dates in the same range (research/ledger/values.py).
EARLIEST_AS_OF = date(1900, 1, 1)
LATEST_AS_OF = date(2199, 12, 31)


@dataclass(frozen=True)
class Study:
    id: int
    name: str
    description: str | None
    as_of: date
    window_months: int
    drop_threshold: float
    gap_multiple: float
    best_core_pct: float
    other_core_pct: float
    general_pct: float
    target_sample_size: int
    weight_best_core: float
    weight_other_core: float
    weight_general: float
    weight_expendable: float
    sample_seed: int
    status: str
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime

    @property
    def segment_weights(self) -> dict[str, float]:
        return {
            "best_core": self.weight_best_core,
            "other_core": self.weight_other_core,
            "general": self.weight_general,
            "expendable": self.weight_expendable,
        }

    def settings(self) -> dict:
        return {s.name: getattr(self, s.name) for s in settings_mod.STUDY_SETTINGS}


_COLUMNS = ", ".join(f.name for f in fields(Study))
_SELECT = f"SELECT {_COLUMNS} FROM studies"


def _row_to_study(row: tuple) -> Study:
    return Study(*row)


def list_studies(store: Store) -> list[Study]:
    with store.cursor() as cur:
        rows = cur.execute(f"{_SELECT} ORDER BY created_at DESC, id DESC").fetchall()
    return [_row_to_study(r) for r in rows]


def get_study(store: Store, name: str) -> Study:
    """Raises StudyNotFoundError, listing the studies that exist."""
    with store.cursor() as cur:
        rows = cur.execute(f"{_SELECT} WHERE name = ?", [name]).fetchall()
    if not rows:
        names = [s.name for s in list_studies(store)]
        known = ", ".join(names) if names else "–"
        raise StudyNotFoundError("error.study_not_found", name=name, known=known)
    return _row_to_study(rows[0])


def get_study_by_id(store: Store, study_id: int) -> Study:
    with store.cursor() as cur:
        rows = cur.execute(f"{_SELECT} WHERE id = ?", [study_id]).fetchall()
    if not rows:
        raise StudyNotFoundError("error.study_id_not_found", id=study_id)
    return _row_to_study(rows[0])


def create_study(
    store: Store,
    name: str,
    as_of: date,
    *,
    actor: str,
    description: str | None = None,
    status: str = "planning",
    **settings,
) -> Study:
    """Create a study with the default settings, overridden by ``settings``.

    Raises StudyExistsError if the name is taken, InvalidSettingError for bad values.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidSettingError("error.study_name_required")
    _check_status(status)
    as_of = check_as_of(as_of)
    values = settings_mod.defaults() | settings_mod.validate(settings)
    stamp = now()

    def insert(cur: duckdb.DuckDBPyConnection) -> None:
        if cur.execute("SELECT 1 FROM studies WHERE name = ?", [name]).fetchall():
            raise StudyExistsError("error.study_exists", name=name)
        cols = [
            "name",
            "description",
            "as_of",
            "status",
            *values,
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]
        params = [name, description, as_of, status, *values.values(), actor, stamp, actor, stamp]
        cur.execute(
            f"INSERT INTO studies ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            params,
        )
        audit(cur, None, actor, "study.create", {"name": name})

    store.write(insert)
    return get_study(store, name)


def update_study(store: Store, study: Study, *, actor: str, **changes) -> Study:
    """Change a study's as-of date, description, status, name or settings.

    Raises InvalidSettingError for unknown fields or bad values, StudyExistsError when
    the new name is taken by another study.
    """
    allowed_plain = {"as_of", "description", "status", "name"}
    setting_changes = {k: v for k, v in changes.items() if k not in allowed_plain}
    parsed = settings_mod.validate(setting_changes)
    merged = {s: getattr(study, s) for s in settings_mod.SETTINGS_BY_NAME} | parsed
    settings_mod.validate(merged)  # checks that the combination fits
    plain = {k: v for k, v in changes.items() if k in allowed_plain}
    if "status" in plain:
        _check_status(plain["status"])
    if "as_of" in plain:
        plain["as_of"] = check_as_of(plain["as_of"])
    if "name" in plain:
        plain["name"] = str(plain["name"]).strip()  # as create_study does
        if not plain["name"]:
            raise InvalidSettingError("error.study_name_required")
    updates = plain | parsed
    if not updates:
        return study
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        if (
            "name" in updates
            and cur.execute(
                "SELECT 1 FROM studies WHERE name = ? AND id <> ?", [updates["name"], study.id]
            ).fetchall()
        ):
            # otherwise the UNIQUE constraint fails with a driver error, not a message
            raise StudyExistsError("error.study_exists", name=updates["name"])
        sets = ", ".join(f"{k} = ?" for k in updates)
        cur.execute(
            f"UPDATE studies SET {sets}, updated_by = ?, updated_at = ? WHERE id = ?",
            [*updates.values(), actor, stamp, study.id],
        )
        before = asdict(study)
        audit(
            cur,
            study.id,
            actor,
            "study.update",
            {k: {"from": before[k], "to": v} for k, v in updates.items()},
        )

    store.write(apply)
    return get_study_by_id(store, study.id)


def delete_study(store: Store, study: Study, *, actor: str) -> None:
    """Remove a study and everything imported into it."""

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            "DELETE FROM interview_events WHERE interview_id IN"
            " (SELECT id FROM interviews WHERE study_id = ?)",
            [study.id],
        )
        for table in (
            "customers",
            "transactions",
            "wallet_estimates",
            "imports",
            "detection_results",
            "former_customers",
            "target_list",
            "study_team",
            "call_assignments",
            "call_attempts",
            "do_not_call",
            "screenings",
            "interviews",
        ):  # the last six: the call desk (0003)
            cur.execute(f"DELETE FROM {table} WHERE study_id = ?", [study.id])
        cur.execute("DELETE FROM studies WHERE id = ?", [study.id])
        audit(cur, None, actor, "study.delete", {"name": study.name})

    store.write(apply)


def check_as_of(value) -> date:
    """The as-of date as a date; raises InvalidSettingError when it is not a date or lies
    outside EARLIEST_AS_OF..LATEST_AS_OF."""
    if isinstance(value, datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError as e:
            raise InvalidSettingError("error.as_of_not_a_date", value=value) from e
    if not isinstance(value, date):
        raise InvalidSettingError("error.as_of_not_a_date", value=value)
    if not EARLIEST_AS_OF <= value <= LATEST_AS_OF:
        raise InvalidSettingError(
            "error.as_of_range",
            value=value.isoformat(),
            earliest=EARLIEST_AS_OF.isoformat(),
            latest=LATEST_AS_OF.isoformat(),
        )
    return value


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise InvalidSettingError(
            "error.status_invalid", status=status, allowed=", ".join(STATUSES)
        )
