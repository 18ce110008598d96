"""Studies: one defector study is a name, an as-of date, rules, a scope and a status.

Several studies live in one database and share its ledger (customers, transactions,
wallet estimates): a study is a question asked of that ledger. Its scope narrows the
question to some regions, owners, industries or product lines; an empty scope asks it
of the whole ledger. Each study owns its detection results, target list and call desk.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime

import duckdb

from research.base import settings as settings_mod
from research.base.errors import InvalidSettingError, StudyExistsError, StudyNotFoundError
from research.base.i18n import Translator
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
    return Study(*row[:-1], scope=Scope.parse(row[-1]))


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
    scope: Scope | dict | None = None,
    **settings,
) -> Study:
    """Create a study with the default settings, overridden by ``settings``; without a
    scope it looks at the whole ledger.

    Raises StudyExistsError if the name is taken, InvalidSettingError for bad values.
    """
    name = (name or "").strip()
    if not name:
        raise InvalidSettingError("error.study_name_required")
    _check_status(status)
    as_of = check_as_of(as_of)
    scope = Scope.parse(scope)
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


def update_study(store: Store, study: Study, *, actor: str, **changes) -> Study:
    """Change a study's as-of date, description, status, name, scope or settings.

    Raises InvalidSettingError for unknown fields or bad values, StudyExistsError when
    the new name is taken by another study.
    """
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
        if (
            "name" in updates
            and cur.execute(
                "SELECT 1 FROM studies WHERE name = ? AND id <> ?", [updates["name"], study.id]
            ).fetchall()
        ):
            # otherwise the UNIQUE constraint fails with a driver error, not a message
            raise StudyExistsError("error.study_exists", name=updates["name"])
        sets = ", ".join(f"{k} = ?" for k in updates)
        stored = {k: v.to_json() if isinstance(v, Scope) else v for k, v in updates.items()}
        cur.execute(
            f"UPDATE studies SET {sets}, updated_by = ?, updated_at = ? WHERE id = ?",
            [*stored.values(), actor, stamp, study.id],
        )
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


def delete_study(store: Store, study: Study, *, actor: str) -> None:
    """Remove a study and everything it holds of its own (results, targets, call desk,
    imported findings). The ledger stays: it belongs to every study."""

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            "DELETE FROM interview_events WHERE interview_id IN"
            " (SELECT id FROM interviews WHERE study_id = ?)",
            [study.id],
        )
        for table in (
            "imports",  # past findings imported into the study; ledger imports have none
            "detection_results",
            "detection_runs",
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
