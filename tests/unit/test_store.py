"""The store: migrations, where the file is, one writer process, all-or-nothing writes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from research.base import store as store_mod
from research.base.errors import DatabaseLockedError, ResearchError, WriteConflictError
from research.base.store import DB_ENV_VAR, DEFAULT_DB_PATH, connect, migrations, resolve_db_path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

TABLES = {
    "studies",
    "customers",
    "transactions",
    "wallet_estimates",
    "imports",
    "detection_results",
    "former_customers",
    "target_list",
    "audit_log",
    "schema_migrations",
}


def _tables(s) -> set[str]:
    with s.cursor() as cur:
        return {
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }


def _applied(s) -> list[tuple]:
    with s.cursor() as cur:
        return cur.execute(
            "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
        ).fetchall()


# ---------------------------------------------------------------- migrations


def test_migration_files_are_numbered_and_sorted():
    found = migrations()
    assert found, "no migration files found in research/migrations"
    versions = [m.version for m in found]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)
    assert found[0].version == 1 and found[0].name == "initial"
    assert all(m.sql.strip() for m in found)


def test_connect_applies_every_migration_and_records_it(store):
    assert TABLES <= _tables(store)
    applied = _applied(store)
    assert [(v, n) for v, n, _ in applied] == [(m.version, m.name) for m in migrations()]
    assert all(at is not None for _, _, at in applied)
    assert store.schema_version() == migrations()[-1].version


def test_reopening_a_file_database_applies_nothing_twice(tmp_path):
    path = tmp_path / "sub" / "db.duckdb"  # parent folders are created
    first = connect(path)
    before = _applied(first)
    with first.cursor() as cur:
        cur.execute("INSERT INTO audit_log (actor, acted_at, action) VALUES ('a', now(), 'x')")
    first.close()
    assert path.exists()

    second = connect(path)
    assert _applied(second) == before  # same rows, same applied_at: nothing re-run
    with second.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM audit_log").fetchall()[0][0] == 1
    second.close()


def test_a_new_migration_is_applied_on_the_next_connect(tmp_path, monkeypatch):
    path = tmp_path / "db.duckdb"
    connect(path).close()
    extra = store_mod.Migration(999, "add_note", "CREATE TABLE note_for_test (x INTEGER);")
    original = store_mod.migrations
    monkeypatch.setattr(store_mod, "migrations", lambda: [*original(), extra])
    s = connect(path)
    assert "note_for_test" in _tables(s)
    assert [v for v, _, _ in _applied(s)][-1] == 999
    assert s.schema_version() == 999
    s.close()


# ---------------------------------------------------------------- where the file is


def test_explicit_path_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "from_env.duckdb"))
    assert resolve_db_path(tmp_path / "explicit.duckdb") == tmp_path / "explicit.duckdb"


def test_environment_variable_is_used_without_explicit_path(monkeypatch, tmp_path):
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "from_env.duckdb"))
    assert resolve_db_path() == tmp_path / "from_env.duckdb"
    assert resolve_db_path(None) == tmp_path / "from_env.duckdb"


def test_default_path_when_nothing_is_set(monkeypatch):
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    assert resolve_db_path() == Path(DEFAULT_DB_PATH)
    monkeypatch.setenv(DB_ENV_VAR, "")
    assert resolve_db_path() == Path(DEFAULT_DB_PATH)


def test_connect_without_path_opens_the_environment_file(monkeypatch, tmp_path):
    target = tmp_path / "env.duckdb"
    monkeypatch.setenv(DB_ENV_VAR, str(target))
    s = connect()
    assert s.path == str(target)
    s.close()
    assert target.exists()


def test_memory_database_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = connect(":memory:")
    assert s.path == ":memory:"
    s.close()
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_is_a_folder_gives_a_research_error(tmp_path):
    with pytest.raises(ResearchError) as info:
        connect(tmp_path)
    assert type(info.value) is ResearchError
    assert info.value.key == "error.open_failed"
    assert str(tmp_path) in str(info.value)
    assert isinstance(info.value.__cause__, duckdb.Error)


def test_current_user_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(store_mod.USER_ENV_VAR, "王伟")
    assert store_mod.current_user() == "王伟"
    monkeypatch.delenv(store_mod.USER_ENV_VAR)
    assert store_mod.current_user()  # the login name, or 'local'


# ---------------------------------------------------------------- one writer process

CHILD = r"""
import json, sys
from research.base.store import connect
try:
    connect(sys.argv[1])
except Exception as e:
    print(json.dumps({"type": type(e).__name__, "key": getattr(e, "key", None),
                      "message": str(e), "heading": e.heading() if hasattr(e, "heading") else ""}))
else:
    print(json.dumps({"type": None}))
"""


def test_second_process_gets_a_clear_locked_error(tmp_path, subprocess_env):
    path = tmp_path / "held.duckdb"
    held = connect(path)
    try:
        done = subprocess.run(
            [PYTHON, "-c", CHILD, str(path)],
            cwd=ROOT,
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        held.close()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["type"] == DatabaseLockedError.__name__
    assert report["key"] == "error.locked"
    assert str(path) in report["message"]
    assert "another program" in report["message"]
    assert report["heading"] == "Database in use"

    # once this process lets go, the other one can open it
    done = subprocess.run(
        [PYTHON, "-c", CHILD, str(path)],
        cwd=ROOT,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"type": None}


# ---------------------------------------------------------------- all-or-nothing writes


def _count(s, table: str) -> int:
    with s.cursor() as cur:
        return cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_write_returns_what_fn_returns_and_commits(store):
    def fn(cur):
        store_mod.audit(cur, None, "me", "test.action", {"n": 1})
        return "done"

    assert store.write(fn) == "done"
    with store.cursor() as cur:
        row = cur.execute("SELECT actor, action, detail FROM audit_log").fetchall()
    assert row[0][0] == "me" and row[0][1] == "test.action"
    assert json.loads(row[0][2]) == {"n": 1}


def test_write_rolls_back_everything_when_fn_raises(store, study):
    before_audit = _count(store, "audit_log")

    class Boom(Exception):
        pass

    def fn(cur):
        cur.execute(
            "INSERT INTO customers (customer_id, created_by, created_at,"
            " updated_by, updated_at) VALUES ('C1', 'x', now(), 'x', now())"
        )
        store_mod.audit(cur, study.id, "x", "half", {})
        cur.execute("UPDATE studies SET description = 'changed' WHERE id = ?", [study.id])
        raise Boom("stop")

    with pytest.raises(Boom):
        store.write(fn)
    assert _count(store, "customers") == 0
    assert _count(store, "audit_log") == before_audit
    with store.cursor() as cur:
        assert cur.execute("SELECT description FROM studies").fetchall() == [(None,)]
    # and the store still works afterwards
    store.write(lambda cur: store_mod.audit(cur, None, "x", "after", {}))
    assert _count(store, "audit_log") == before_audit + 1


def test_write_retries_a_conflict_then_succeeds(store):
    calls = []

    def fn(cur):
        calls.append(1)
        store_mod.audit(cur, None, "x", f"try{len(calls)}", {})
        if len(calls) == 1:
            raise duckdb.TransactionException("Conflict on update")
        return len(calls)

    assert store.write(fn, attempts=3) == 2
    with store.cursor() as cur:
        actions = [r[0] for r in cur.execute("SELECT action FROM audit_log").fetchall()]
    assert actions == ["try2"]  # the failed attempt was rolled back


def test_write_gives_up_with_a_conflict_error(store):
    calls = []

    def fn(cur):
        calls.append(1)
        raise duckdb.TransactionException("Conflict on update")

    with pytest.raises(WriteConflictError) as info:
        store.write(fn, attempts=2)
    assert len(calls) == 2
    assert info.value.key == "error.conflict"
    assert isinstance(info.value.__cause__, duckdb.TransactionException)


def test_writes_from_several_threads_all_land(store):
    errors = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                store.write(lambda cur, i=i: store_mod.audit(cur, None, f"t{n}", "x", {"i": i}))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert _count(store, "audit_log") == 40


def test_audit_is_part_of_the_callers_transaction(store):
    def fn(cur):
        store_mod.audit(cur, 7, "me", "inside", {"when": store_mod.now(), "名": "值"})
        raise ValueError

    with pytest.raises(ValueError):
        store.write(fn)
    assert _count(store, "audit_log") == 0


def test_now_orders_changes_within_a_second():
    # to the microsecond (is_stale compares an import with the last detection run)
    stamps = [store_mod.now() for _ in range(5)]
    assert any(s.microsecond for s in stamps)
    assert stamps == sorted(stamps)
    assert stamps[0].tzinfo is None  # stored naive, local time
