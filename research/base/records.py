"""Edits that never silently overwrite each other.

A versioned record is a row with ``version``, ``updated_by`` and ``updated_at``
columns. ``update_versioned`` changes it only if nobody saved since the caller read
it (the version still matches); otherwise it raises ``EditConflictError`` carrying both
versions, so the screen can show them side by side; the caller's text stays with the
caller (the autosave widget's browser backup, or a draft kept with ``save_draft``).
``text_choice`` turns such a conflict on one text into the choice the user makes (keep
mine, keep theirs, merge by hand): a browser backup typed on version 3 never silently
becomes the text after someone else's version 4.
Every saved version is kept in ``record_versions``.

``merge_update`` is the finer grain for records with many answers (an interview
finding, a quote): two people may save *different* answers of one record at the same
time; only a change to the same answer since the caller's version is a conflict. It
reads the kept versions to tell who changed what (``changed_by_others``).

Tables that use this: see the migrations that add a ``version`` column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from research.base.errors import ResearchError
from research.base.store import Store, audit_change, now


class EditConflictError(ResearchError):
    """Someone saved the record after you read it. ``theirs`` is the record as it is now,
    ``mine`` the changes that were not saved."""

    title_key = "error.title.conflict"

    def __init__(self, record_type: str, record_id: str, mine: dict, theirs: dict):
        self.record_type = record_type
        self.record_id = record_id
        self.mine = mine
        self.theirs = theirs
        super().__init__(
            "error.edit_conflict",
            by=theirs.get("updated_by", "?"),
            at=str(theirs.get("updated_at", ""))[:16],
        )


@dataclass(frozen=True)
class TextChoice:
    """One text as typed (``mine``, e.g. a browser's backup made on an old version) and as
    saved since by someone else (``theirs``, at ``their_version``): the user keeps one or
    merges them by hand; saving the choice on ``their_version`` then overwrites nothing
    unseen."""

    field: str
    mine: str
    theirs: str
    their_version: int
    by: str
    at: str


def text_choice(error: EditConflictError, field: str | None = None) -> TextChoice | None:
    """The choice an edit conflict on one text field puts to the user; None when the
    conflict is not about a single text (several answers, or no saved version)."""
    if field is None:
        if len(error.mine) != 1:
            return None
        field = next(iter(error.mine))
    if field not in error.mine or "version" not in error.theirs:
        return None
    theirs = error.theirs.get(field)
    return TextChoice(
        field=field,
        mine="" if error.mine[field] is None else str(error.mine[field]),
        theirs="" if theirs is None else str(theirs),
        their_version=int(error.theirs["version"]),
        by=str(error.theirs.get("updated_by") or "?"),
        at=str(error.theirs.get("updated_at") or "")[:16],
    )


@dataclass(frozen=True)
class Draft:
    field: str
    text: str
    base_version: int
    saved_at: datetime


def _where(key: dict[str, Any]) -> tuple[str, list]:
    return " AND ".join(f"{k} = ?" for k in key), list(key.values())


def read_row(cur: duckdb.DuckDBPyConnection, table: str, key: dict[str, Any]) -> dict | None:
    where, params = _where(key)
    result = cur.execute(f"SELECT * FROM {table} WHERE {where}", params)
    names = [d[0] for d in result.description]
    rows = result.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def record_id_of(key: dict[str, Any]) -> str:
    return "/".join(str(v) for v in key.values())


def update_versioned(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    key: dict[str, Any],
    changes: dict[str, Any],
    expected_version: int,
    actor: str,
    *,
    record_type: str | None = None,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """Apply ``changes`` if the row is still at ``expected_version``; return the new version.

    ``own_versions`` are versions the caller saved itself since it read the row: if
    every version after ``expected_version`` is one of them, nobody else saved and the
    change applies. Runs inside the caller's transaction. Raises EditConflictError when
    someone else saved in between, ResearchError if the row is gone.
    """
    record_type = record_type or table
    where, params = _where(key)
    if own_versions:
        current = cur.execute(f"SELECT version FROM {table} WHERE {where}", params).fetchall()
        if current and set(range(expected_version + 1, current[0][0] + 1)) <= set(own_versions):
            expected_version = current[0][0]
    before = read_row(cur, table, key) or {}
    sets = ", ".join(f"{c} = ?" for c in changes)
    stamp = now()
    updated = cur.execute(
        f"UPDATE {table} SET {sets}, version = version + 1, updated_by = ?, updated_at = ?"
        f" WHERE {where} AND version = ? RETURNING version",
        [*changes.values(), actor, stamp, *params, expected_version],
    ).fetchall()
    if updated:
        new_version = updated[0][0]
        snapshot_version(cur, table, key, record_type, actor)
        _audit_update(cur, record_type, key, before, changes, actor)
        return new_version
    theirs = read_row(cur, table, key)
    if theirs is None:
        raise ResearchError("error.record_gone")
    raise EditConflictError(record_type, record_id_of(key), changes, theirs)


def _audit_update(
    cur: duckdb.DuckDBPyConnection,
    record_type: str,
    key: dict[str, Any],
    before: dict,
    changes: dict[str, Any],
    actor: str,
) -> None:
    """Every saved change of a versioned record (findings, their codes and quotes,
    screenings and call notes, actions) in the audit log: the fields that changed, with
    their old and new values."""
    changed = [c for c in changes if _comparable(before.get(c)) != _comparable(changes[c])]
    if not changed:
        return
    audit_change(
        cur,
        before.get("study_id"),
        actor,
        "record.update",
        record_type,
        record_id_of(key),
        {c: before.get(c) for c in changed},
        {c: changes[c] for c in changed},
    )


VERSIONS_BETWEEN = """
SELECT version, data FROM record_versions
WHERE record_type = ? AND record_id = ? AND version BETWEEN ? AND ?
ORDER BY id
"""


def _comparable(value) -> str | None:
    """A field's value as kept in a snapshot, in one form for comparing: JSON text
    (lists, objects) parsed and written again with sorted keys, everything else as text."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def changed_by_others(
    cur: duckdb.DuckDBPyConnection,
    record_type: str,
    record_id: str,
    fields: list[str],
    base_version: int,
    current_version: int,
    own_versions: set[int] | frozenset[int],
) -> list[str]:
    """Which of ``fields`` someone else changed in the versions after ``base_version``.

    Walks the kept versions: a field counts as changed by others when a version not in
    ``own_versions`` differs from the one before it in that field. A missing snapshot
    counts as a change (the safe side).
    """
    rows = cur.execute(
        VERSIONS_BETWEEN, [record_type, record_id, base_version, current_version]
    ).fetchall()
    snaps = {v: json.loads(d) for v, d in rows}
    clash = []
    for name in fields:
        for v in range(base_version + 1, current_version + 1):
            if v in own_versions:
                continue
            before, after = snaps.get(v - 1), snaps.get(v)
            if (
                before is None
                or after is None
                or _comparable(before.get(name)) != _comparable(after.get(name))
            ):
                clash.append(name)
                break
    return clash


def merge_update(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    record_type: str,
    key: dict[str, Any],
    changes: dict[str, Any],
    base_version: int,
    actor: str,
    own_versions: set[int] | frozenset[int] = frozenset(),
) -> int:
    """``update_versioned`` that lets two people edit different answers of one record:
    the change applies on the current version unless someone else changed one of the
    same fields since ``base_version``; then EditConflictError carries both versions
    (``mine`` holds only the clashing answers). Raises ResearchError if the row is gone.
    Runs inside the caller's transaction; returns the new version."""
    current = read_row(cur, table, key)
    if current is None:
        raise ResearchError("error.record_gone")
    record_id = record_id_of(key)
    at = current["version"]
    if at != base_version:
        clash = changed_by_others(
            cur, record_type, record_id, list(changes), base_version, at, set(own_versions)
        )
        if clash:
            raise EditConflictError(
                record_type, record_id, {k: v for k, v in changes.items() if k in clash}, current
            )
    return update_versioned(cur, table, key, changes, at, actor, record_type=record_type)


def snapshot_version(
    cur: duckdb.DuckDBPyConnection, table: str, key: dict[str, Any], record_type: str, actor: str
) -> None:
    """Keep the row as it is now in ``record_versions``."""
    row = read_row(cur, table, key)
    if row is None:
        return
    cur.execute(
        "INSERT INTO record_versions (record_type, record_id, version, data, changed_by, changed_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            record_type,
            record_id_of(key),
            row.get("version", 1),
            json.dumps(row, default=str, ensure_ascii=False),
            actor,
            now(),
        ],
    )


def history(store: Store, record_type: str, record_id: str) -> list[dict]:
    """Every saved version of a record, oldest first: version, data, changed_by, changed_at."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT version, data, changed_by, changed_at FROM record_versions"
            " WHERE record_type = ? AND record_id = ? ORDER BY id",
            [record_type, record_id],
        ).fetchall()
    return [
        {"version": v, "data": json.loads(d), "changed_by": by, "changed_at": at}
        for v, d, by, at in rows
    ]


def save_draft(
    store: Store,
    record_type: str,
    record_id: str,
    field: str,
    author: str,
    text: str,
    base_version: int,
) -> None:
    """Keep what ``author`` typed into ``field`` (one draft per author and field)."""

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            "INSERT INTO drafts VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET"
            " text = excluded.text, base_version = excluded.base_version,"
            " saved_at = excluded.saved_at",
            [record_type, record_id, field, author, text, base_version, now()],
        )

    store.write(apply)


def drafts(store: Store, record_type: str, record_id: str, author: str) -> dict[str, Draft]:
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT field, text, base_version, saved_at FROM drafts"
            " WHERE record_type = ? AND record_id = ? AND author = ?",
            [record_type, record_id, author],
        ).fetchall()
    return {f: Draft(f, t, v, at) for f, t, v, at in rows}


def discard_drafts(
    cur: duckdb.DuckDBPyConnection,
    record_type: str,
    record_id: str,
    author: str,
    fields: list[str] | None = None,
) -> None:
    if fields is None:
        cur.execute(
            "DELETE FROM drafts WHERE record_type = ? AND record_id = ? AND author = ?",
            [record_type, record_id, author],
        )
        return
    for field in fields:
        cur.execute(
            "DELETE FROM drafts WHERE record_type = ? AND record_id = ? AND author = ?"
            " AND field = ?",
            [record_type, record_id, author, field],
        )
