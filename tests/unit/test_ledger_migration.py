"""A database made by release 0.1 migrates to the one ledger.

tests/data/release_0_1_ledger.sql holds the rows release 0.1's own code wrote (made by
tests/data/make_release_0_1_db.py): two studies that imported overlapping files, a
customer recorded differently in each, wallet estimates that differ, and transaction
imports that skipped identical lines as duplicates. The test builds that database with
the release's schema (migrations 0001-0004), then opens it with the current code.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from research.base import notices, studies
from research.base import store as store_mod
from research.base.i18n import Translator
from research.base.store import connect
from research.ledger.load import import_file, import_history, skipped_identical_lines
from research.selection import detection, sampling

DATA = Path(__file__).resolve().parents[1] / "data"
RELEASE_SQL = DATA / "release_0_1_ledger.sql"
ACTOR = "tester"


def _release_files() -> dict:
    spec = importlib.util.spec_from_file_location("release_files", DATA / "make_release_0_1_db.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: text for files in module.FILES.values() for _, name, text in files}


FILES = _release_files()


def _release_db(path: Path, monkeypatch, sql: str | None = None) -> Path:
    """A database file as release 0.1 left it: its schema and its rows."""
    everything = store_mod.migrations
    with monkeypatch.context() as m:
        m.setattr(store_mod, "migrations", lambda: [x for x in everything() if x.version <= 4])
        old = connect(path)
        with old.cursor() as cur:
            cur.execute(sql or RELEASE_SQL.read_text(encoding="utf-8"))
        assert old.schema_version() == 4
        old.close()
    return path


@pytest.fixture
def migrated(tmp_path, monkeypatch):
    s = connect(_release_db(tmp_path / "release.duckdb", monkeypatch))
    yield s
    s.close()


def _rows(s, sql: str, params=()) -> list[tuple]:
    with s.cursor() as cur:
        return cur.execute(sql, list(params)).fetchall()


def _audit(s, action: str) -> list[dict]:
    rows = _rows(s, "SELECT detail FROM audit_log WHERE action = ? ORDER BY id", [action])
    return [json.loads(r[0]) for r in rows]


def test_the_release_database_is_what_release_0_1_made(tmp_path, monkeypatch):
    old = connect(_release_db(tmp_path / "old.duckdb", monkeypatch))
    # connect() migrated it now; what the release wrote is still visible in its history
    history = import_history(old)
    old.close()
    assert sorted(history.loc[history["kind"] == "transactions", "duplicates"]) == [1, 3]


def test_the_migration_is_recorded(migrated):
    assert migrated.schema_version() == store_mod.migrations()[-1].version >= 5
    assert [s.name for s in studies.list_studies(migrated)] == ["Q2 2025", "Q1 2025"]
    assert all(s.scope.is_whole_ledger for s in studies.list_studies(migrated))
    tables = {r[0] for r in _rows(migrated, "SELECT table_name FROM information_schema.tables")}
    assert not {"customers_by_study", "transactions_by_study", "wallet_by_study"} & tables


def test_lines_shared_by_two_studies_become_one(migrated):
    lines = _rows(
        migrated,
        "SELECT customer_id, date, amount, line_key FROM transactions ORDER BY date, customer_id",
    )
    assert [(c, d.isoformat(), float(a)) for c, d, a, _ in lines] == [
        ("C3", "2024-09-15", 40.0),
        ("C1", "2024-10-05", 100.0),
        ("C1", "2024-11-05", 250.0),
        ("C2", "2024-12-01", 80.0),  # in both studies: once
        ("C1", "2025-02-10", 120.0),  # in both studies: once
        ("C4", "2025-03-03", 500.0),
        ("C1", "2025-05-02", 90.0),
        ("C4", "2025-05-20", 300.0),
    ]
    # each is the first occurrence of its values, keyed as the import keys it today
    assert all(key.endswith("#1") for *_, key in lines)


def test_reimporting_the_old_files_restores_the_skipped_lines_and_nothing_else(migrated):
    def again(name: str) -> int:
        result = import_file(
            migrated, "transactions", FILES[name].encode(), actor=ACTOR, file_name=name
        )
        return result.rows_new

    # Q1's file held C1's line twice and C2's three times; Q2's held C2's twice
    assert again("transactions_q2.csv") == 1
    assert again("transactions_q1.csv") == 2
    assert again("transactions_q1.csv") == again("transactions_q2.csv") == 0
    counted = _rows(
        migrated,
        "SELECT customer_id, date, count(*) FROM transactions GROUP BY ALL HAVING count(*) > 1",
    )
    assert sorted((c, d.isoformat(), n) for c, d, n in counted) == [
        ("C1", "2024-10-05", 2),
        ("C2", "2024-12-01", 3),
    ]
    assert _rows(migrated, "SELECT count(*), sum(amount) FROM transactions") == [
        (11, Decimal("1740.00"))
    ]


def test_a_conflicting_customer_keeps_the_newer_record_and_is_reported(migrated):
    customers = {
        r[0]: r[1:]
        for r in _rows(
            migrated,
            "SELECT customer_id, name, phone, region, owner, attributes FROM customers",
        )
    }
    assert sorted(customers) == ["C1", "C2", "C3", "C4"]
    name, phone, region, owner, attributes = customers["C1"]
    # Q2's record is the newer; its blank 'signed' never erased Q1's
    assert (name, phone, region, owner) == ("Alpha Laboratory", "021-9999", "East China", "张伟")
    assert json.loads(attributes) == {"signed": "2019"}
    assert customers["C2"][0] == "Beta Clinic"  # alike in both: no conflict
    conflicts = _audit(migrated, "ledger.customer_conflict")
    assert conflicts == [
        {
            "customer_id": "C1",
            "studies": [1, 2],
            "fields": {
                "name": {"kept": "Alpha Laboratory", "other": ["Alpha Lab"]},
                "phone": {"kept": "021-9999", "other": ["021-1111"]},
            },
        }
    ]


def test_differing_wallet_estimates_keep_the_newer_and_are_reported(migrated):
    wallet = _rows(
        migrated,
        "SELECT customer_id, period, estimated_spend FROM wallet_estimates ORDER BY period_start",
    )
    assert wallet == [
        ("C1", "2024-Q4", Decimal("1000.00")),
        ("C1", "2025-Q1", Decimal("1300.00")),
        ("C1", "2025-Q2", Decimal("1250.00")),
    ]
    assert _audit(migrated, "ledger.wallet_conflict") == [
        {"customer_id": "C1", "period": "2025-Q1", "kept": 1300.0, "other": [1200.0]}
    ]


def test_a_note_tells_each_person_once_what_happened(migrated):
    found = notices.pending(migrated, "高明")
    assert [n.message.key for n in found] == [
        "notice.ledger_merged",
        "notice.ledger_conflicts",
        "notice.reimport_skipped",
    ]
    assert found[0].message.values == {
        "studies": 2,
        "lines_before": 10,
        "lines_after": 8,
        "customer_conflicts": 1,
        "wallet_conflicts": 1,
        "skipped_imports": 2,
        "demo_left_out": False,
    }
    for t in (Translator("en"), Translator("zh")):
        merged, conflicts, skipped = (n.message.render(t) for n in found)
        assert "10" in merged and "8" in merged
        assert "1" in conflicts and "2" in skipped
    notices.mark_seen(migrated, found, "高明")
    assert notices.pending(migrated, "高明") == []
    assert len(notices.pending(migrated, "Grace Lin")) == 3  # everyone sees them once
    assert _audit(migrated, "ledger.merged")[0]["lines_after"] == 8


def test_the_import_history_says_which_imports_skipped_lines(migrated):
    history = import_history(migrated)
    assert len(history) == 6  # the ledger's imports, now of no study
    assert _rows(migrated, "SELECT count(*) FROM imports WHERE study_id IS NOT NULL") == [(0,)]
    message = skipped_identical_lines(migrated)
    assert message.values == {
        "imports": 2,
        "lines": 4,
        "files": "transactions_q1.csv, transactions_q2.csv",
    }


def test_every_study_asks_its_question_of_the_merged_ledger(migrated):
    for study in studies.list_studies(migrated):
        assert detection.is_stale(migrated, study)  # the data under its results changed
        detection.ensure_current(migrated, study, actor=ACTOR)
        assert not detection.is_stale(migrated, study)
        frame = detection.results(migrated, study)
        assert sorted(frame["customer_id"]) == ["C1", "C2", "C3", "C4"]
        # what each study had of its own is still there
        assert len(sampling.target_list(migrated, study)) == 1
        assert frame.set_index("customer_id").loc["C3", "status"] == "former"
    q2 = studies.get_study(migrated, "Q2 2025")
    row = detection.results(migrated, q2).set_index("customer_id").loc["C1"]
    # C1's wallet covers both periods of Q2 2025 (2024-Q3 is missing: no share)
    assert q2.as_of == date(2025, 7, 1) and row["baseline_share"] != row["baseline_share"]


def test_the_demo_company_is_left_out_beside_a_real_companys_data(tmp_path, monkeypatch):
    sql = RELEASE_SQL.read_text(encoding="utf-8").replace("'Q1 2025'", "'demo'", 1)
    s = connect(_release_db(tmp_path / "with-demo.duckdb", monkeypatch, sql))
    try:
        # only Q2's rows came in; the demo's (Q1's here) stayed out, history too
        assert _rows(s, "SELECT count(*) FROM transactions") == [(5,)]
        assert sorted(r[0] for r in _rows(s, "SELECT customer_id FROM customers")) == [
            "C1",
            "C2",
            "C4",
        ]
        assert sorted(import_history(s)["file_name"]) == [
            "customers_q2.csv",
            "transactions_q2.csv",
            "wallet_q2.csv",
        ]
        keys = [n.message.key for n in notices.pending(s, ACTOR)]
        assert keys == ["notice.ledger_merged", "notice.reimport_skipped", "notice.demo_left_out"]
        assert _audit(s, "ledger.customer_conflict") == []
    finally:
        s.close()


def test_a_new_database_gets_no_note(store):
    assert notices.pending(store, ACTOR) == []
