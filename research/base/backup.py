"""Backups and restores of the store, consistent while the app runs.

Copying the database file while the app runs misses the writes still in DuckDB's
write-ahead log, and may catch a half-written block. So a backup is made by DuckDB
itself: the database is attached beside the store and copied with ``COPY FROM
DATABASE``, inside one transaction (one consistent snapshot, sequences included),
under the store's write lock, into a temporary file that is renamed into place.

A process that holds the DuckDB file for writing keeps every other process out, so
while the app runs ``defectors backup`` cannot open the store. Instead it asks the
process that holds it: every process that opens a file store (``store.connect``)
watches a request folder beside the database (``<db>.requests/``) in a background
thread, runs the backups asked of it there and answers in the same folder.
``request_backup`` is the asking side; the CLI uses it when the file is locked.

A restore replaces the database file and must not run while anyone has it open: it
checks the backup first, keeps the replaced file beside it, and refuses while the
file is locked.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from pathlib import Path

import duckdb

from research.base.errors import DatabaseLockedError, ResearchError

ATTACH_TARGET = "ATTACH ? AS backup_target"
DETACH_TARGET = "DETACH backup_target"
CURRENT_DATABASE = "SELECT current_database()"
# the source is an identifier (the store's own catalog name), not a value: DuckDB takes
# no parameter here, so it is quoted as an identifier
COPY_DATABASE = 'COPY FROM DATABASE "{source}" TO backup_target'
TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_catalog = current_database() AND table_schema = 'main' AND table_type = 'BASE TABLE'
ORDER BY 1
"""
MIGRATIONS_OF_FILE = "SELECT max(version) FROM schema_migrations"

POLL_SECONDS = 0.25
HOLDER_FILE = "holder.json"


class BackupError(ResearchError):
    title_key = "error.title.backup"


def _identifier(name: str) -> str:
    return name.replace('"', '""')


def backup(store, dest: str | os.PathLike) -> Path:
    """Write a consistent copy of ``store`` to ``dest`` (replaced if it exists)."""
    dest = Path(dest).resolve()
    if str(dest) == str(Path(store.path).resolve()):
        raise BackupError("error.backup_onto_itself", path=str(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.partial")
    try:
        with store._write_lock, store.cursor() as cur:
            source = cur.execute(CURRENT_DATABASE).fetchall()[0][0]
            cur.execute(ATTACH_TARGET, [str(partial)])
            try:
                cur.execute(COPY_DATABASE.format(source=_identifier(source)))
            finally:
                cur.execute(DETACH_TARGET)
        os.replace(partial, dest)
    except duckdb.Error as e:
        raise BackupError("error.backup_failed", path=str(dest), detail=str(e)) from e
    finally:
        for leftover in (partial, Path(f"{partial}.wal")):
            leftover.unlink(missing_ok=True)
    return dest


def check_backup(path: str | os.PathLike) -> int:
    """The schema version of a backup file; raises BackupError when it is not one."""
    path = Path(path)
    if not path.is_file():
        raise BackupError("error.backup_missing", path=str(path))
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise BackupError("error.not_a_backup", path=str(path), detail=str(e)) from e
    try:
        return con.execute(MIGRATIONS_OF_FILE).fetchall()[0][0] or 0
    except duckdb.Error as e:
        raise BackupError("error.not_a_backup", path=str(path), detail=str(e)) from e
    finally:
        con.close()


def restore(backup_file: str | os.PathLike, db_path: str | os.PathLike) -> Path | None:
    """Replace the database at ``db_path`` with ``backup_file``; returns where the
    replaced database was kept (None when there was none). Raises DatabaseLockedError
    while a process holds the database, BackupError for a file that is not a backup."""
    db_path = Path(db_path)
    backup_file = Path(backup_file)
    if backup_file.resolve() == db_path.resolve():
        raise BackupError("error.backup_onto_itself", path=str(db_path))
    check_backup(backup_file)
    if db_path.exists():
        try:  # the only sure test that nobody holds it: open it
            duckdb.connect(str(db_path)).close()
        except duckdb.IOException as e:
            if "lock" in str(e).lower():
                raise DatabaseLockedError("error.restore_locked", path=str(db_path)) from e
            raise
    kept = None
    partial = db_path.with_name(f".{db_path.name}.{uuid.uuid4().hex}.partial")
    shutil.copyfile(backup_file, partial)
    if db_path.exists():
        kept = db_path.with_name(f"{db_path.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(db_path, kept)
    Path(f"{db_path}.wal").unlink(missing_ok=True)
    os.replace(partial, db_path)
    return kept


def table_names(store) -> list[str]:
    with store.cursor() as cur:
        return [r[0] for r in cur.execute(TABLES).fetchall()]


# ---------------------------------------------------------------- the request folder


def request_dir(db_path: str | os.PathLike) -> Path:
    return Path(f"{Path(db_path).resolve()}.requests")


class Watcher:
    """The background thread of a process that holds a file store: runs the backups
    asked in the request folder. Stopped by ``store.close()``."""

    def __init__(self, store):
        self.store = store
        self.folder = request_dir(store.path)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="store-requests", daemon=True)

    def start(self) -> Watcher:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            holder = {"pid": os.getpid(), "since": time.time()}
            _write_json(self.folder / HOLDER_FILE, holder)
        except OSError:
            return self  # a read-only folder: nobody can ask, the CLI says what to do
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout=2)
        try:
            holder = json.loads((self.folder / HOLDER_FILE).read_text(encoding="utf-8"))
            if holder.get("pid") == os.getpid():
                (self.folder / HOLDER_FILE).unlink(missing_ok=True)
        except (OSError, ValueError):
            pass

    def _run(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                requests = sorted(self.folder.glob("*.request.json"))
            except OSError:
                continue
            for request in requests:
                self._answer(request)

    def _answer(self, request: Path) -> None:
        answer_file = request.with_name(request.name.replace(".request.json", ".answer.json"))
        try:
            asked = json.loads(request.read_text(encoding="utf-8"))
            request.unlink(missing_ok=True)
        except (OSError, ValueError):
            return
        try:
            if asked.get("op") != "backup":
                raise BackupError("error.backup_request", op=str(asked.get("op")))
            done = backup(self.store, asked["path"])
            answer = {"ok": True, "path": str(done)}
        except ResearchError as e:
            answer = {"ok": False, "key": e.key, "values": {k: str(v) for k, v in e.values.items()}}
        except Exception as e:  # noqa: BLE001 - the asking process must hear about it
            answer = {
                "ok": False,
                "key": "error.backup_failed",
                "values": {"path": str(asked.get("path")), "detail": str(e)},
            }
        try:
            _write_json(answer_file, answer)
        except OSError:
            pass


def _write_json(path: Path, value: dict) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(value), encoding="utf-8")
    os.replace(partial, path)


def _holder_alive(folder: Path) -> bool:
    try:
        pid = json.loads((folder / HOLDER_FILE).read_text(encoding="utf-8"))["pid"]
        os.kill(int(pid), 0)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True


def request_backup(
    db_path: str | os.PathLike, dest: str | os.PathLike, *, timeout: float = 300
) -> Path:
    """Ask the process that holds ``db_path`` to write a backup to ``dest``; wait for it.
    Raises DatabaseLockedError when no process answers requests for it."""
    folder = request_dir(db_path)
    if not _holder_alive(folder):
        raise DatabaseLockedError("error.locked_no_answer", path=str(db_path))
    name = uuid.uuid4().hex
    answer_file = folder / f"{name}.answer.json"
    _write_json(
        folder / f"{name}.request.json", {"op": "backup", "path": str(Path(dest).resolve())}
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answer_file.exists():
            answer = json.loads(answer_file.read_text(encoding="utf-8"))
            answer_file.unlink(missing_ok=True)
            if answer["ok"]:
                return Path(answer["path"])
            raise BackupError(answer["key"], **answer.get("values", {}))
        time.sleep(POLL_SECONDS / 2)
    (folder / f"{name}.request.json").unlink(missing_ok=True)
    raise DatabaseLockedError("error.locked_no_answer", path=str(db_path))
