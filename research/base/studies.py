"""Studies: one defector study is a name, an as-of date, rules, a scope and a status.

Several studies live in one database and share its ledger (customers, transactions,
wallet estimates): a study is a question asked of that ledger. Its scope narrows the
question to some regions, owners, industries or product lines; an empty scope asks it
of the whole ledger. Each study owns its detection results, target list, call desk
and findings. Names are told apart without regard to case or surrounding spaces
("DEMO " is "demo"). A study that is over can be archived: everything stays, but the
study leaves the picker and is no longer "the only study"; deleting a study removes
every row that belongs to it, and the ledger stays (the audit log keeps the record
of who did it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

import duckdb

from research.base import settings as settings_mod
from research.base.errors import InvalidSettingError, StudyExistsError, StudyNotFoundError
from research.base.i18n import Translator
from research.base.permissions import require
from research.base.store import Store, audit, now

STATUSES = ("planning", "screening", "interviewing", "review", "closed")
# An as-of date outside these is a typing error or a placeholder (0001-01-01): saved, it
# would make every later command fail on the periods before it. The import reads
# transaction dates in the same range (research/ledger/values.py).
EARLIEST_AS_OF = date(1900, 1, 1)
LATEST_AS_OF = date(2199, 12, 31)

# What a study can be narrowed to: three customer fields and the transactions' product line.
SCOPE_DIMENSIONS = ("region", "owner", "industry", "product_line")
CUSTOMER_SCOPE_DIMENSIONS = ("region", "owner", "industry")


@dataclass(frozen=True)
class Scope:
    """The part of the ledger a study looks at: for each dimension the values it keeps;
    an empty dimension keeps everything. Customers must match every customer dimension
    that is set; only transactions in the listed product lines count."""

    region: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    industry: tuple[str, ...] = ()
    product_line: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: Scope | dict | str | None) -> Scope:
        """A Scope from a mapping {dimension: values} or its JSON; raises
        InvalidSettingError for an unknown dimension or a value that is not text."""
        if isinstance(value, Scope):
            return value
        if value is None or value == "":
            return cls()
        if isinstance(value, str):
            value = json.loads(value)
        unknown = set(value) - set(SCOPE_DIMENSIONS)
        if unknown:
            raise InvalidSettingError(
                "error.scope_dimension",
                names=", ".join(sorted(unknown)),
                allowed=", ".join(SCOPE_DIMENSIONS),
            )
        parts = {}
        for dimension, values in value.items():
            if isinstance(values, str):
                values = [values]
            cleaned: list[str] = []
            for v in values or ():
                if not isinstance(v, str) or not v.strip():
                    raise InvalidSettingError("error.scope_value", dimension=dimension, value=v)
                if v.strip() not in cleaned:
                    cleaned.append(v.strip())
            parts[dimension] = tuple(cleaned)
        return cls(**parts)

    def as_dict(self) -> dict[str, list[str]]:
        """The dimensions that are set, {dimension: [values]}."""
        return {d: list(getattr(self, d)) for d in SCOPE_DIMENSIONS if getattr(self, d)}

    def to_json(self) -> str | None:
        return json.dumps(self.as_dict(), ensure_ascii=False) if self.as_dict() else None

    def describe(self, t: Translator | None = None) -> str:
        """The scope in words: 'Region: East China · Owner: 张伟', or the whole ledger."""
        t = t or Translator()
        if self.is_whole_ledger:
            return t("scope.whole_ledger")
        return " · ".join(
            t("scope.part", dimension=t(f"field.{d}"), values=", ".join(v))
            for d, v in self.as_dict().items()
        )

    @property
    def is_whole_ledger(self) -> bool:
        return not self.as_dict()

    @property
    def narrows_customers(self) -> bool:
        return any(getattr(self, d) for d in CUSTOMER_SCOPE_DIMENSIONS)


SCOPE_CHOICES = """
SELECT 'region', region FROM customers WHERE region IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'owner', owner FROM customers WHERE owner IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'industry', industry FROM customers WHERE industry IS NOT NULL GROUP BY ALL
UNION ALL SELECT 'product_line', product_line FROM transactions
    WHERE product_line IS NOT NULL GROUP BY ALL
ORDER BY 1, 2
"""


def scope_choices(store: Store) -> dict[str, list[str]]:
    """The values the ledger holds for each scope dimension, sorted."""
    choices: dict[str, list[str]] = {d: [] for d in SCOPE_DIMENSIONS}
    with store.cursor() as cur:
        for dimension, value in cur.execute(SCOPE_CHOICES).fetchall():
            choices[dimension].append(value)
    return choices


def parse_scope_options(options: list[str] | tuple[str, ...], base: Scope | None = None) -> Scope:
    """CLI ``--scope DIMENSION=VALUE`` options on top of ``base``: each dimension named
    gets the values given for it (repeat the option for several), ``DIMENSION=`` clears
    it. Raises InvalidSettingError for an option without ``=`` or an unknown dimension."""
    given: dict[str, list[str]] = {}
    for option in options:
        dimension, sep, value = option.partition("=")
        dimension = dimension.strip().replace("-", "_")
        if not sep or not dimension:
            raise InvalidSettingError("error.scope_option", option=option)
        values = given.setdefault(dimension, [])
        if value.strip():
            values.append(value.strip())
    return Scope.parse((base or Scope()).as_dict() | given)


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
    scope: Scope = Scope()
    archived_at: datetime | None = None
    archived_by: str | None = None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

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


_NAMES = [f.name for f in fields(Study)]


def _row_to_study(row: tuple) -> Study:
    values = dict(zip(_NAMES, row, strict=True))
    values["scope"] = Scope.parse(values["scope"])
    return Study(**values)


# names compare without regard to case or surrounding spaces
SAME_NAME = f"{_SELECT} WHERE lower(trim(name)) = lower(trim(?)) ORDER BY name = ? DESC, id"
NAME_TAKEN = "SELECT name FROM studies WHERE lower(trim(name)) = lower(trim(?)) AND id <> ?"


def list_studies(store: Store, *, include_archived: bool = False) -> list[Study]:
    """The studies, newest first; archived ones only with ``include_archived``."""
    with store.cursor() as cur:
        rows = cur.execute(f"{_SELECT} ORDER BY created_at DESC, id DESC").fetchall()
    found = [_row_to_study(r) for r in rows]
    return found if include_archived else [s for s in found if not s.archived]


def get_study(store: Store, name: str) -> Study:
    """The study of that name (its case and surrounding spaces aside; archived ones too).
    Raises StudyNotFoundError, listing the studies that exist."""
    with store.cursor() as cur:
        rows = cur.execute(SAME_NAME, [name or "", name or ""]).fetchall()
    if not rows:
        names = [s.name for s in list_studies(store, include_archived=True)]
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
    scope: Scope | dict | None = None,
    **settings,
) -> Study:
    """Create a study with the default settings, overridden by ``settings``; without a
    scope it looks at the whole ledger.

    Raises StudyExistsError if the name is taken, InvalidSettingError for bad values.
    """
    actor = require(actor, "studies.create").name
    name = (name or "").strip()
    if not name:
        raise InvalidSettingError("error.study_name_required")
    _check_status(status)
    as_of = check_as_of(as_of)
    scope = Scope.parse(scope)
    values = settings_mod.defaults() | settings_mod.validate(settings)
    stamp = now()

    def insert(cur: duckdb.DuckDBPyConnection) -> None:
        taken = cur.execute(NAME_TAKEN, [name, -1]).fetchall()
        if taken:
            raise StudyExistsError("error.study_exists", name=taken[0][0])
        cols = [
            "name",
            "description",
            "as_of",
            "status",
            "scope",
            *values,
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]
        params = [
            name,
            description,
            as_of,
            status,
            scope.to_json(),
            *values.values(),
            actor,
            stamp,
            actor,
            stamp,
        ]
        cur.execute(
            f"INSERT INTO studies ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            params,
        )
        audit(cur, None, actor, "study.create", {"name": name, "scope": scope.as_dict()})

    store.write(insert)
    return get_study(store, name)


# when a study closed: its retention time counts from then (research/findings/erasure.py)
SET_CLOSED_AT = "UPDATE studies SET closed_at = ? WHERE id = ?"


def update_study(store: Store, study: Study, *, actor: str, **changes) -> Study:
    """Change a study's as-of date, description, status, name, scope or settings.

    Raises InvalidSettingError for unknown fields or bad values, StudyExistsError when
    the new name is taken by another study.
    """
    actor = require(actor, "studies.write", store=store, study=study).name
    allowed_plain = {"as_of", "description", "status", "name", "scope"}
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
    if "scope" in plain:
        plain["scope"] = Scope.parse(plain["scope"])
        if plain["scope"] == study.scope:
            del plain["scope"]
    updates = plain | parsed
    if not updates:
        return study
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        taken = (
            cur.execute(NAME_TAKEN, [updates["name"], study.id]).fetchall()
            if "name" in updates
            else []
        )
        if taken:  # otherwise the UNIQUE constraint fails with a driver error, not a message
            raise StudyExistsError("error.study_exists", name=taken[0][0])
        sets = ", ".join(f"{k} = ?" for k in updates)
        stored = {k: v.to_json() if isinstance(v, Scope) else v for k, v in updates.items()}
        cur.execute(
            f"UPDATE studies SET {sets}, updated_by = ?, updated_at = ? WHERE id = ?",
            [*stored.values(), actor, stamp, study.id],
        )
        if "status" in updates and updates["status"] != study.status:
            closed = stamp if updates["status"] == "closed" else None
            cur.execute(SET_CLOSED_AT, [closed, study.id])
        before = asdict(study)
        audit(
            cur,
            study.id,
            actor,
            "study.update",
            {
                k: {"from": before[k], "to": v.as_dict() if isinstance(v, Scope) else v}
                for k, v in updates.items()
            },
        )

    store.write(apply)
    return get_study_by_id(store, study.id)


# Every table with a study_id column belongs to its study, except the audit log (the
# record of who did what, the deletion included). Rows that belong to a study through
# another row: a booking's history, a finding's quotes, saved versions and drafts.
STUDY_TABLES = """
SELECT DISTINCT table_name FROM information_schema.columns
WHERE column_name = 'study_id' AND table_schema = current_schema()
  AND table_name NOT IN ('audit_log')
ORDER BY table_name
"""
# versioned records of a study (research/base/records.py): findings and quotes by id,
# screenings and interview guides by a key that starts with the study's id
_RECORDS_OF_STUDY = """
(record_type = 'finding' AND record_id IN
    (SELECT CAST(id AS VARCHAR) FROM findings WHERE study_id = $sid))
OR (record_type = 'finding_quote' AND record_id IN
    (SELECT CAST(q.id AS VARCHAR) FROM finding_quotes q
     JOIN findings f ON f.id = q.finding_id WHERE f.study_id = $sid))
OR (record_type IN ('screening', 'interview_guide')
    AND starts_with(record_id, CAST($sid AS VARCHAR) || '/'))
"""
DELETE_THROUGH = (  # before the rows they hang on
    f"DELETE FROM record_versions WHERE {_RECORDS_OF_STUDY}",
    f"DELETE FROM drafts WHERE {_RECORDS_OF_STUDY}",
    "DELETE FROM finding_quotes WHERE finding_id IN (SELECT id FROM findings WHERE study_id = $sid)",
    "DELETE FROM interview_events WHERE interview_id IN"
    " (SELECT id FROM interviews WHERE study_id = $sid)",
)


def delete_study(store: Store, study: Study, *, actor: str) -> None:
    """Remove a study and every row that belongs to it: detection, targets, call desk,
    bookings and their history, findings with their quotes, versions and drafts,
    codings, past findings imported into it. The ledger, the team's people and the
    codebook are shared and stay."""

    actor = require(actor, "studies.write", store=store, study=study).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        tables = [r[0] for r in cur.execute(STUDY_TABLES).fetchall()]
        for sql in DELETE_THROUGH:
            cur.execute(sql, {"sid": study.id})
        for table in tables:  # names from the schema, never from a user
            cur.execute(f"DELETE FROM {table} WHERE study_id = ?", [study.id])
        cur.execute("DELETE FROM studies WHERE id = ?", [study.id])
        audit(cur, None, actor, "study.delete", {"name": study.name, "id": study.id})

    store.write(apply)


ARCHIVE = (
    "UPDATE studies SET archived_at = ?, archived_by = ?, updated_by = ?, updated_at = ?"
    " WHERE id = ?"
)


def archive_study(store: Store, study: Study, *, actor: str, archived: bool = True) -> Study:
    """Archive a study (or, with ``archived=False``, bring it back). Nothing in it
    changes; it leaves the picker and the CLI's "only study" until brought back."""
    actor = require(actor, "studies.write", store=store, study=study).name
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            ARCHIVE,
            [stamp if archived else None, actor if archived else None, actor, stamp, study.id],
        )
        audit(cur, study.id, actor, "study.archive" if archived else "study.unarchive", {})

    store.write(apply)
    return get_study_by_id(store, study.id)


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


# What a person loses with a study, counted for the confirmation before a deletion.
CONTENTS = """
SELECT (SELECT count(*) FROM target_list WHERE study_id = $sid AND included) AS targets,
       (SELECT count(*) FROM call_attempts WHERE study_id = $sid) AS calls,
       (SELECT count(*) FROM screenings WHERE study_id = $sid) AS screenings,
       (SELECT count(*) FROM interviews WHERE study_id = $sid) AS bookings,
       (SELECT count(*) FROM findings WHERE study_id = $sid) AS records,
       (SELECT count(*) FROM reviews WHERE study_id = $sid) AS reviews,
       (SELECT count(*) FROM improvement_actions WHERE study_id = $sid) AS actions
"""
CONTENT_KEYS = {  # translation keys of what CONTENTS counts
    name: f"study.contents.{name}"
    for name in ("targets", "calls", "screenings", "bookings", "records", "reviews", "actions")
}


def contents(store: Store, study: Study) -> dict[str, int]:
    """What deleting the study would take with it that people made (targets, calls,
    screenings, bookings, interview records, reviews, actions), by CONTENT_KEYS."""
    with store.cursor() as cur:
        result = cur.execute(CONTENTS, {"sid": study.id})
        names = [d[0] for d in result.description]
        row = result.fetchall()[0]
    return {name: int(n) for name, n in zip(names, row, strict=True)}
