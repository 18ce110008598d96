"""Improvement actions, and whether they worked.

The review meeting decides actions: a title, an owner, a due date, the failure causes
each one addresses and, once it is in place, the date it took effect. Actions belong
to the company, not to one study, because a fix is judged across the studies that come
after it: the share of interviews naming the action's causes before the date it took
effect is set beside the share after it, with the same named test as the cause trends
(research/analysis/trends.py). "Did the fix work?" is answered only as far as the
numbers allow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

from research.analysis.causes import (
    FINDINGS_SQL,
    AnalysisError,
    FindingsFilter,
    _cursor,
    _sql_params,
)
from research.analysis.trends import Change, compare
from research.base.permissions import require
from research.base.records import read_row, snapshot_version, update_versioned
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.findings import taxonomy

STATUSES = ("proposed", "planned", "in_progress", "done", "dropped")
RECORD_TYPE = "improvement_action"
EDITABLE = (
    "title",
    "description",
    "owner",
    "due_date",
    "status",
    "effective_from",
    "causes",
    "segments",
)
WINDOW_DAYS = 182  # compare about two quarters before an action with two after


@dataclass(frozen=True)
class Action:
    id: int
    title: str
    description: str
    owner: str
    due_date: date | None
    status: str
    effective_from: date | None
    causes: tuple[str, ...]
    segments: tuple[str, ...]
    study_id: int | None
    version: int
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


def _action(row: dict) -> Action:
    values = dict(row)
    values["causes"] = tuple(json.loads(values["causes"] or "[]"))
    values["segments"] = tuple(json.loads(values["segments"] or "[]"))
    return Action(**values)


def _clean(cur: duckdb.DuckDBPyConnection, changes: dict) -> dict:
    """Check and convert an action's fields. Raises AnalysisError naming the problem."""
    out = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise AnalysisError("error.action_field", field=name)
        if name in ("title", "owner"):
            value = " ".join(str(value or "").split())
            if not value:
                raise AnalysisError(
                    "error.action_title_required"
                    if name == "title"
                    else "error.action_owner_required"
                )
        elif name == "description":
            value = str(value or "").strip()
        elif name == "status":
            if value not in STATUSES:
                raise AnalysisError(
                    "error.action_status", status=value, statuses=", ".join(STATUSES)
                )
        elif name in ("due_date", "effective_from"):
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value) if value.strip() else None
                except ValueError as e:
                    raise AnalysisError("error.action_date", value=value) from e
            if value is not None and not date(1990, 1, 1) <= value <= date(2200, 1, 1):
                raise AnalysisError("error.action_date", value=value)
        elif name == "causes":
            codes = list(dict.fromkeys(c for c in (value or []) if c))
            if not codes:
                raise AnalysisError("error.action_causes_required")
            book = taxonomy.read_codebook(cur)
            for code in codes:
                book.code(code)  # raises for an unknown code
            value = json.dumps(codes, ensure_ascii=False)
        elif name == "segments":
            value = json.dumps(list(dict.fromkeys(value or [])), ensure_ascii=False)
        out[name] = value
    return out


INSERT_ACTION = """
INSERT INTO improvement_actions (title, description, owner, due_date, status, effective_from,
    causes, segments, study_id, version, created_by, created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
RETURNING id
"""


def add_action(
    store: Store,
    *,
    title: str,
    owner: str,
    causes: list[str] | tuple[str, ...],
    actor: str,
    due_date: date | None = None,
    status: str = "planned",
    effective_from: date | None = None,
    description: str = "",
    segments: list[str] | tuple[str, ...] = (),
    study: Study | None = None,
) -> Action:
    """Record an improvement action. Raises AnalysisError for a missing title, owner or
    cause, an unknown code or status, or an impossible date."""

    actor = require(actor, "actions.write", store=store, study=study).name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        values = _clean(
            cur,
            {
                "title": title,
                "description": description,
                "owner": owner,
                "due_date": due_date,
                "status": status,
                "effective_from": effective_from,
                "causes": causes,
                "segments": segments,
            },
        )
        stamp = now()
        action_id = cur.execute(
            INSERT_ACTION,
            [
                *values.values(),
                study.id if study else None,
                actor,
                stamp,
                actor,
                stamp,
            ],
        ).fetchall()[0][0]
        snapshot_version(cur, "improvement_actions", {"id": action_id}, RECORD_TYPE, actor)
        audit(cur, study.id if study else None, actor, "action.add", {"id": action_id, **values})
        return action_id

    return get_action(store, store.write(apply))


def update_action(
    store: Store, action_id: int, changes: dict, *, base_version: int, actor: str
) -> Action:
    """Change an action made on ``base_version``. Raises EditConflictError when someone
    else saved it since, AnalysisError for a bad value."""

    actor = require(actor, "actions.write", store=store, action_id=action_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        current = read_row(cur, "improvement_actions", {"id": int(action_id)})
        if current is None:
            raise AnalysisError("error.action_not_found", id=action_id)
        values = _clean(cur, changes)
        update_versioned(
            cur,
            "improvement_actions",
            {"id": int(action_id)},
            values,
            base_version,
            actor,
            record_type=RECORD_TYPE,
        )
        audit(cur, current["study_id"], actor, "action.update", {"id": action_id, **values})

    store.write(apply)
    return get_action(store, action_id)


def get_action(store: Store, action_id: int) -> Action:
    """Raises AnalysisError when there is no such action."""
    with store.cursor() as cur:
        row = read_row(cur, "improvement_actions", {"id": int(action_id)})
    if row is None:
        raise AnalysisError("error.action_not_found", id=action_id)
    return _action(row)


LIST_ACTIONS = """
SELECT * FROM improvement_actions
WHERE (CAST(? AS INTEGER) IS NULL OR study_id = ?)
ORDER BY CASE status WHEN 'dropped' THEN 1 ELSE 0 END, coalesce(due_date, DATE '2200-01-01'), id
"""


def list_actions(store: Store, *, study: Study | None = None) -> list[Action]:
    """Every action (or those a study decided), open ones first, by due date."""
    study_id = study.id if study else None
    with store.cursor() as cur:
        result = cur.execute(LIST_ACTIONS, [study_id, study_id])
        names = [d[0] for d in result.description]
        rows = result.fetchall()
    return [_action(dict(zip(names, r, strict=True))) for r in rows]


# Final interviews in a date range and how many name one of the given causes (primary
# cause, merges followed). Parameters: FINDINGS_SQL's, then the causes list.
NAMING_SQL = """
WITH counted AS ({findings})
SELECT count(*), count(*) FILTER (WHERE list_contains(?, cause)) FROM counted
"""


@dataclass(frozen=True)
class Effect:
    """An action's causes before and after it took effect."""

    action: Action
    change: Change | None  # None until the action has taken effect

    @property
    def worked(self) -> bool | None:
        """True when its causes fell beyond chance, False when they did not; None when
        it has not taken effect or there is nothing to test yet."""
        if self.change is None or self.change.test is None:
            return None
        return self.change.direction == "fell"


def action_effect(
    store: Store, action: Action, study_ids: tuple[int, ...], *, window_days: int = WINDOW_DAYS
) -> Effect:
    """The share of interviews naming the action's causes in the ``window_days`` before
    it took effect against the ``window_days`` from then on, across ``study_ids``."""
    if action.effective_from is None:
        return Effect(action, None)
    start = action.effective_from
    before = FindingsFilter(study_ids, start - timedelta(days=window_days), start - timedelta(1))
    after = FindingsFilter(study_ids, start, start + timedelta(days=window_days - 1))
    counts = []
    with _cursor(store) as cur:
        book = taxonomy.read_codebook(cur)
        causes = sorted({book.resolve(c) for c in action.causes})
        for filt in (before, after):
            n, naming = cur.execute(
                NAMING_SQL.format(findings=FINDINGS_SQL), [*_sql_params(filt), causes]
            ).fetchall()[0]
            counts.append((int(naming), int(n)))
    (a, n1), (b, n2) = counts
    test, p = compare(a, n1, b, n2)
    label = ", ".join(causes)
    return Effect(action, Change(label, "before", "after", a, n1, b, n2, test, p, False))
