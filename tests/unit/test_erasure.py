"""Erasure on request and retention: personal data goes, the counts stay, an old
customer file does not bring it back, and each erasure is audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from research.base import studies
from research.base.accounts import PermissionDeniedError, Person
from research.base.store import connect
from research.cli import main
from research.desk import calls
from research.findings import erasure, interviews
from research.ledger.load import import_file
from research.selection import sampling

ACTOR = "tester"
ADMIN = Person("Ada", "admin", 1, "ada")
CUSTOMERS_CSV = (
    b"customer_id,name,contact_person,phone,email,region\n"
    b"A,Alpha Ltd,Zhou Jianguo,13812345678,zhou@alpha.cn,East\n"
    b"B,Beta Ltd,Wang Li,13900000000,wang@beta.cn,North\n"
)


@pytest.fixture
def recorded(store, study, add_results):
    import_file(store, "customers", CUSTOMERS_CSV, actor=ACTOR, file_name="c.csv")
    add_results(study, [("A", "full", "best_core", 900, 0), ("B", "full", "general", 500, 0)])
    for cid in "AB":
        sampling.add_target(store, study, cid, "by hand", actor=ACTOR)
    calls.log_attempt(store, study, "A", "no_answer", actor=ACTOR, note="Zhou said call later")
    calls.save_notes(store, study, "A", "lives near the station", base_version=0, actor=ACTOR)
    found = {}
    for cid, code in (("A", "staff_attitude"), ("B", "price_value")):
        f = interviews.create_finding(store, study, cid, actor=ACTOR)
        v = interviews.save_fields(
            store,
            f.id,
            {"defection_type": "full", "primary_code": code, "summary": f"{cid}: talked to him"},
            base_version=f.version,
            actor=ACTOR,
        )
        v = interviews.save_field(
            store,
            f.id,
            "summary",
            "Mr Zhou Jianguo was angry" if cid == "A" else "fine",
            base_version=v,
            actor=ACTOR,
        )
        interviews.add_quote(store, f.id, actor=ACTOR, text="Call zhou@alpha.cn never again")
        interviews.add_quote(store, f.id, actor=ACTOR, text="Nobody called back")
        interviews.finalize(store, f.id, actor=ACTOR)
        found[cid] = f.id
    return found


def dump(store) -> str:
    """Every text of the tables that can hold personal data, as one string."""
    tables = (
        "customers",
        "call_attempts",
        "screenings",
        "findings",
        "finding_quotes",
        "record_versions",
        "audit_log",
        "drafts",
    )
    with store.cursor() as cur:
        return "\n".join(str(cur.execute(f"SELECT * FROM {t}").fetchall()) for t in tables)


def test_erasure_removes_the_person_and_keeps_the_counts(store, study, recorded):
    before = interviews.cause_counts(store, study)
    assert "Zhou Jianguo" in dump(store) and "13812345678" in dump(store)
    report = erasure.erase_customer(store, "A", ADMIN, reason="request 42")
    text = dump(store)
    for value in (
        "Alpha Ltd",
        "Zhou Jianguo",
        "13812345678",
        "zhou@alpha.cn",
        "Zhou said call later",
        "lives near the station",
    ):
        assert value not in text, value
    assert "Beta Ltd" in text and "wang@beta.cn" in text  # the other customer stays
    assert report.total > 0 and report.replaced["customers"] == 1
    after = interviews.cause_counts(store, study)
    assert after.equals(before)
    quotes = interviews.get_finding(store, recorded["A"]).quotes
    assert [q.text for q in quotes] == [erasure.MARKER, "Nobody called back"]
    with store.cursor() as cur:
        row = cur.execute(
            "SELECT actor, entity_id, detail FROM audit_log WHERE action = 'customer.erase'"
        ).fetchall()
    assert row[0][0] == "Ada" and row[0][1] == "A" and "request 42" in row[0][2]


def test_an_old_customer_file_does_not_bring_the_data_back(store, study, recorded):
    erasure.erase_customer(store, "A", ADMIN)
    import_file(store, "customers", CUSTOMERS_CSV, actor=ACTOR, file_name="old.csv")
    with store.cursor() as cur:
        rows = dict(
            cur.execute(
                "SELECT customer_id, name || '|' || coalesce(phone, '')"
                " || '|' || coalesce(email, '') FROM customers"
            ).fetchall()
        )
        region = cur.execute("SELECT region FROM customers WHERE customer_id = 'A'").fetchall()
    assert rows["A"] == f"{erasure.MARKER}||"
    assert rows["B"] == "Beta Ltd|13900000000|wang@beta.cn"
    assert region == [("East",)]  # not personal: segments and scopes keep working


def test_only_admins_erase(store, study, recorded):
    for role in ("lead", "interviewer", "coder", "viewer"):
        with pytest.raises(PermissionDeniedError):
            erasure.erase_customer(store, "A", Person("x", role))
    with pytest.raises(Exception, match="Z9"):
        erasure.erase_customer(store, "Z9", ADMIN)


def test_retention_erases_a_closed_studys_notes_after_its_time(store, study, recorded):
    erasure.set_retention(store, study, 30, actor=ADMIN)
    study = studies.update_study(store, study, actor=ACTOR, status="closed")
    days, closed_at, erased_at = erasure.retention(store, study)
    assert days == 30 and closed_at is not None and erased_at is None
    assert erasure.apply_retention(store, actor=ADMIN, at=closed_at + timedelta(days=29)) == {}
    done = erasure.apply_retention(store, actor=ADMIN, at=closed_at + timedelta(days=30))
    assert list(done) == [study.name] and sorted(done[study.name].customer_ids) == ["A", "B"]
    with store.cursor() as cur:
        notes = cur.execute("SELECT note FROM call_attempts").fetchall()
        summaries = cur.execute("SELECT summary FROM findings ORDER BY customer_id").fetchall()
    assert notes == [(erasure.MARKER,)]
    assert summaries == [(erasure.MARKER,), ("fine",)]
    assert erasure.apply_retention(store, actor=ADMIN, at=datetime(2999, 1, 1)) == {}  # once


def test_no_retention_keeps_everything(store, study, recorded):
    studies.update_study(store, study, actor=ACTOR, status="closed")
    assert erasure.apply_retention(store, actor=ADMIN, at=datetime(2999, 1, 1)) == {}


def test_cli_erase_and_retention(tmp_path):
    db = tmp_path / "e.duckdb"
    store = connect(db)
    try:
        import_file(store, "customers", CUSTOMERS_CSV, actor=ACTOR, file_name="c.csv")
        studies.create_study(store, "q1", datetime(2025, 1, 1).date(), actor=ACTOR)
    finally:
        store.close()
    env = {"DEFECTORS_DB": None, "DEFECTORS_STUDY": None, "DEFECTORS_USER": "op"}
    runner = CliRunner(env=env)
    erased = runner.invoke(main, ["--db", str(db), "erase", "A", "--reason", "req 7"])
    assert erased.exit_code == 0 and "A" in erased.output, erased.output
    assert runner.invoke(main, ["--db", str(db), "retention", "set", "10"]).exit_code == 0
    applied = runner.invoke(main, ["--db", str(db), "retention", "apply"])
    assert applied.exit_code == 0 and "No closed study" in applied.output
    store = connect(db)
    try:
        with store.cursor() as cur:
            assert cur.execute("SELECT name FROM customers WHERE customer_id = 'A'").fetchall() == [
                (erasure.MARKER,)
            ]
    finally:
        store.close()
