"""Backups: a round trip keeps every table, a backup taken during writes holds whole
transactions, and while another process holds the database the CLI asks that process
for the backup and refuses to restore over it."""

from __future__ import annotations

import subprocess
import threading
import time
from datetime import date

import pytest
from click.testing import CliRunner

from research.base import accounts, backup, studies
from research.base.store import connect
from research.cli import main
from research.ledger.load import import_file
from tests.conftest import PYTHON

ACTOR = "tester"
CSV = "customer_id,name,phone\nA,Alpha 阿尔法,13812345678\nB,Beta,13900000000\n".encode()


def everything(store) -> dict[str, list]:
    """Every row of every table, in a stable order, and the sequences' next values."""
    out = {}
    with store.cursor() as cur:
        for table in backup.table_names(store):
            out[table] = sorted(cur.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    return out


@pytest.fixture
def filled(tmp_path):
    path = tmp_path / "live.duckdb"
    store = connect(path)
    import_file(store, "customers", CSV, actor=ACTOR, file_name="c.csv")
    studies.create_study(store, "q1", date(2025, 1, 1), actor=ACTOR)
    accounts.add_user(store, "ann", "Ann", "admin", "a long password", actor=ACTOR)
    yield store
    store.close()


def test_round_trip_keeps_every_table(filled, tmp_path):
    copy = backup.backup(filled, tmp_path / "copy.duckdb")
    restored = connect(copy, serve_requests=False)
    try:
        assert backup.table_names(restored) == backup.table_names(filled)
        assert everything(restored) == everything(filled)
        assert len(everything(filled)) >= 20 and everything(filled)["users"]
        # sequences go on where they were: the next study gets the next id
        made = studies.create_study(restored, "q2", date(2025, 1, 1), actor=ACTOR)
        assert made.id == 2
    finally:
        restored.close()


def test_restore_replaces_the_database_and_keeps_the_old_one(filled, tmp_path):
    copy = backup.backup(filled, tmp_path / "copy.duckdb")
    before = everything(filled)
    filled.write(lambda cur: cur.execute("DELETE FROM customers"))
    filled.close()
    kept = backup.restore(copy, filled.path)
    assert kept is not None and kept.exists()
    again = connect(filled.path, serve_requests=False)
    try:
        assert everything(again) == before
    finally:
        again.close()
    with pytest.raises(backup.BackupError):
        backup.restore(tmp_path / "none.duckdb", filled.path)
    (tmp_path / "junk.duckdb").write_bytes(b"not a database")
    with pytest.raises(backup.BackupError):
        backup.restore(tmp_path / "junk.duckdb", filled.path)


def test_a_backup_during_writes_holds_whole_transactions(filled, tmp_path):
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            i += 1

            def two(cur, i=i):
                cur.execute("INSERT INTO erased_customers VALUES (?, NULL, 'w', now())", [f"x{i}"])
                cur.execute(
                    "INSERT INTO audit_log (actor, acted_at, action) VALUES ('w', now(), 'pair')"
                )

            filled.write(two)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = [backup.backup(filled, tmp_path / f"b{n}.duckdb") for n in range(3)]
    finally:
        stop.set()
        thread.join()
    for copy in copies:
        con = connect(copy, serve_requests=False)
        try:
            with con.cursor() as cur:
                erased = cur.execute("SELECT count(*) FROM erased_customers").fetchall()[0][0]
                pairs = cur.execute(
                    "SELECT count(*) FROM audit_log WHERE action = 'pair'"
                ).fetchall()[0][0]
            assert erased == pairs
        finally:
            con.close()


HOLD = """
import sys, time
from research.base.store import connect
s = connect(sys.argv[1])
print("ready", flush=True)
time.sleep(120)
"""


@pytest.mark.slow
def test_while_another_process_holds_the_database(filled, tmp_path, subprocess_env):
    path = filled.path
    expected = everything(filled)
    filled.close()
    holder = subprocess.Popen(
        [PYTHON, "-c", HOLD, path], env=subprocess_env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        env = {"DEFECTORS_DB": None, "DEFECTORS_STUDY": None, "DEFECTORS_USER": "op"}
        runner = CliRunner(env=env)
        out = tmp_path / "nightly.duckdb"
        made = runner.invoke(main, ["--db", path, "backup", str(out)])
        assert made.exit_code == 0, made.output
        assert "app" in made.output and out.exists()
        listed = runner.invoke(main, ["--db", path, "studies"])
        assert listed.exit_code == 1 and "defectors backup" in listed.output
        refused = runner.invoke(main, ["--db", path, "restore", str(out)])
        assert refused.exit_code == 1 and "Stop the app" in refused.output
    finally:
        holder.kill()  # the process this test started
        holder.wait()
    copy = connect(out, serve_requests=False)
    try:
        assert everything(copy) == expected
    finally:
        copy.close()
    time.sleep(0.1)
    restored = CliRunner(env={"DEFECTORS_USER": "op"}).invoke(
        main, ["--db", path, "restore", str(out)]
    )
    assert restored.exit_code == 0, restored.output


def test_no_holder_to_ask_says_what_to_do(tmp_path):
    with pytest.raises(Exception, match="does not answer backup requests"):
        backup.request_backup(tmp_path / "x.duckdb", tmp_path / "y.duckdb", timeout=1)
