"""The store: one DuckDB file, opened once per process.

DuckDB lets one process hold a database file for writing, and a connection is not
thread-safe. So a process opens one ``Store`` and every unit of work takes its own
cursor (``store.cursor()``); Streamlit sessions are threads of one process and share
the store the same way. Writes go through ``store.write(fn)``, which runs ``fn`` in a
transaction and retries it when another cursor wrote the same rows first.

The schema is created and upgraded by the numbered files in ``research/base/migrations``
(SQL, and Python where SQL alone cannot do it); each applied migration is recorded in
``schema_migrations``.
"""

from __future__ import annotations

import getpass
import importlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

from research.base import config
from research.base.errors import DatabaseLockedError, ResearchError, WriteConflictError

DEFAULT_DB_PATH = config.DB.default
DB_ENV_VAR = config.DB.name
USER_ENV_VAR = config.USER.name

T = TypeVar("T")

_MIGRATION_NAME = re.compile(r"^(\d{4})_(\w+)\.sql$")


def resolve_db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database path: ``explicit`` if given, else $DEFECTORS_DB, else the default."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get(DB_ENV_VAR) or DEFAULT_DB_PATH)


def current_user() -> str:
    """Who is acting, until accounts exist: $DEFECTORS_USER, else the login name."""
    name = os.environ.get(USER_ENV_VAR)
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


def now() -> datetime:
    """Timestamps are stored naive, in local time, to the microsecond: whether data changed
    after the last detection run is decided by comparing them (research.selection.detection.is_stale)."""
    return datetime.now()


INSERT_AUDIT = """
INSERT INTO audit_log (study_id, actor, acted_at, action, detail, entity, entity_id)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


def audit(
    cur: duckdb.DuckDBPyConnection,
    study_id: int | None,
    actor,
    action: str,
    detail: dict,
    *,
    entity: str | None = None,
    entity_id: object = None,
) -> None:
    """Record who did what, inside the caller's transaction. ``actor`` is a name or a
    Person (research/base/accounts.py); ``entity`` and ``entity_id`` say which record."""
    cur.execute(
        INSERT_AUDIT,
        [
            study_id,
            getattr(actor, "name", actor),
            now(),
            action,
            json.dumps(detail, default=str, ensure_ascii=False),
            entity,
            None if entity_id is None else str(entity_id),
        ],
    )


def audit_change(
    cur: duckdb.DuckDBPyConnection,
    study_id: int | None,
    actor,
    action: str,
    entity: str,
    entity_id: object,
    old: object,
    new: object,
    **detail,
) -> None:
    """Record a change of one record: its old and its new value (None: none)."""
    audit(
        cur,
        study_id,
        actor,
        action,
        {**detail, "old": old, "new": new},
        entity=entity,
        entity_id=entity_id,
    )


@dataclass(frozen=True)
class Migration:
    """``sql`` runs first; ``python``, when the migration has a module of the same name
    (``NNNN_name.py`` with ``migrate(cursor)``), runs after it in the same transaction,
    for what SQL alone cannot do."""

    version: int
    name: str
    sql: str
    python: Callable[[duckdb.DuckDBPyConnection], None] | None = None


def migrations() -> list[Migration]:
    found = []
    package = resources.files("research.base.migrations")
    for entry in package.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            stem = entry.name.removesuffix(".sql")
            python = None
            if package.joinpath(f"{stem}.py").is_file():
                module = importlib.import_module(f"research.base.migrations.{stem}")
                python = module.migrate
            found.append(
                Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8"), python)
            )
    return sorted(found, key=lambda m: m.version)


class Store:
    """One open database. Use ``cursor()`` for reads and ``write()`` for changes."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: str, memory_limit: str | None = None):
        self._con = con
        self.path = path
        self.memory_limit = memory_limit  # as opened; None: DuckDB's default
        self._write_lock = threading.Lock()
        self._watcher = None  # research.base.backup.Watcher, for file stores

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def write(self, fn: Callable[[duckdb.DuckDBPyConnection], T], *, attempts: int = 5) -> T:
        """Run ``fn(cursor)`` in one transaction: all of it is written, or none.

        Writers in this process are serialised, and a conflict with another
        transaction is retried a few times before ``WriteConflictError`` is raised.
        """
        delay = 0.05
        for attempt in range(1, attempts + 1):
            with self._write_lock, self.cursor() as cur:
                cur.execute("BEGIN TRANSACTION")
                try:
                    result = fn(cur)
                    cur.execute("COMMIT")
                    return result
                except duckdb.TransactionException as e:
                    _rollback(cur)
                    if attempt == attempts:
                        raise WriteConflictError("error.conflict") from e
                except BaseException:
                    _rollback(cur)
                    raise
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        self._con.close()

    def schema_version(self) -> int:
        with self.cursor() as cur:
            rows = cur.execute("SELECT max(version) FROM schema_migrations").fetchall()
        return rows[0][0] or 0


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.execute("ROLLBACK")
    except duckdb.Error:
        pass


def connect(
    path: str | os.PathLike | None = None,
    *,
    memory_limit: str | None = None,
    serve_requests: bool = True,
) -> Store:
    """Open (creating if needed) the database and bring its schema up to date.

    A file store also answers other processes' backup requests while it is open
    (research/base/backup.py): whoever holds the file, the app or a long import, can
    be asked for a consistent copy.

    ``path`` may be ``":memory:"`` for tests. Raises ``DatabaseLockedError`` when
    another process holds the file, ``ResearchError`` when it cannot be opened.
    """
    target = ":memory:" if str(path) == ":memory:" else str(resolve_db_path(path))
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    config = _config(memory_limit)
    try:
        con = duckdb.connect(target, config=config)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise DatabaseLockedError("error.locked", path=target) from e
        raise ResearchError("error.open_failed", path=target, detail=str(e)) from e
    store = Store(con, target, memory_limit)
    _migrate(store)
    if target != ":memory:" and serve_requests:
        from research.base.backup import Watcher  # late: backup builds on the store

        store._watcher = Watcher(store).start()
    return store


def _config(memory_limit: str | None) -> dict:
    """DuckDB settings for the store: one thread more than there are cores, which on
    the 2-core reference machine made detection over 10M transactions 10-25% faster
    than DuckDB's default of one per core, using less CPU time in total
    (benchmarks/detection_speed.py)."""
    config: dict = {"threads": _cores() + 1}
    if memory_limit:
        config["memory_limit"] = memory_limit
    return config


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _migrate(store: Store) -> None:
    with store.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        applied = {
            row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()
        }
    for migration in migrations():
        if migration.version in applied:
            continue

        def apply(cur: duckdb.DuckDBPyConnection, m: Migration = migration) -> None:
            cur.execute(m.sql)
            if m.python is not None:
                m.python(cur)
            cur.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", [m.version, m.name, now()]
            )

        store.write(apply)
