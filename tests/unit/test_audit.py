"""The audit log: every change names who, when, what, the old and the new value, and
audit_log() and `defectors audit` read it back with filters."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import pytest
from click.testing import CliRunner

from research.analysis import actions
from research.base import accounts
from research.base.accounts import PermissionDeniedError, Person
from research.base.audit_trail import audit_log
from research.base.store import connect
from research.cli import main
from research.desk import calls
from research.findings import interviews
from research.ledger.load import import_file
from research.selection import sampling

ACTOR = "tester"
ADMIN = Person("Ada", "admin", 1, "ada")


@pytest.fixture
def target(store, study, add_customers, add_results):
    add_customers([("A", "Alpha Ltd")])
    add_results(study, [("A", "full", "best_core", 900, 0)])
    sampling.add_target(store, study, "A", "by hand", actor=ACTOR)
    return "A"


def test_finding_changes_carry_old_and_new_values(store, study, target):
    finding = interviews.create_finding(store, study, target, actor=ADMIN)
    v = interviews.save_field(store, finding.id, "summary", "first", base_version=1, actor=ADMIN)
    interviews.save_field(store, finding.id, "summary", "second", base_version=v, actor="Bo")
    rows = audit_log(
        store, actor=ADMIN, action="record", entity="finding", entity_id=str(finding.id)
    )
    updates = rows[rows["action"] == "record.update"]
    assert list(updates["actor"]) == ["Ada", "Bo"]
    assert [json.loads(o) for o in updates["old"]] == [{"summary": ""}, {"summary": "first"}]
    assert [json.loads(n) for n in updates["new"]] == [{"summary": "first"}, {"summary": "second"}]
    assert set(updates["study_id"]) == {study.id}


def test_calls_notes_actions_and_users_are_audited(store, study, target):
    calls.log_attempt(
        store,
        study,
        target,
        "call_back",
        actor=ADMIN,
        note="after six",
        call_back_at=calls.now() + timedelta(hours=2),
    )
    calls.save_notes(store, study, target, "wants a call", base_version=0, actor=ADMIN)
    action_id = actions.add_action(
        store, title="Fix", owner="Lena", causes=["price_value"], actor=ADMIN, study=study
    )
    accounts.add_user(store, "vi", "Vi", "viewer", "a long password", actor=ADMIN)
    accounts.set_role(store, "vi", "coder", actor=ADMIN)
    frame = audit_log(store, actor=ADMIN)
    actions_seen = set(frame["action"])
    assert {
        "call.log",
        "record.update",
        "action.add",
        "user.add",
        "user.role",
    } <= actions_seen, actions_seen
    assert "screening" in set(frame.loc[frame["action"] == "record.update", "entity"])
    call = frame[frame["action"] == "call.log"].iloc[0]
    assert json.loads(call["new"])["note"] == "after six" and pd.isna(call["old"])
    role = frame[frame["action"] == "user.role"].iloc[0]
    assert (json.loads(role["old"]), json.loads(role["new"])) == ("viewer", "coder")
    assert action_id


def test_filters_and_permission(store, study, target):
    calls.log_attempt(store, study, target, "busy", actor="Bo")
    calls.log_attempt(store, study, target, "busy", actor="Cy")
    assert list(audit_log(store, actor=ADMIN, by="Cy")["actor"]) == ["Cy"]
    assert audit_log(store, actor=ADMIN, since=date.today() + timedelta(days=1)).empty
    assert len(audit_log(store, actor=ADMIN, until=date.today(), action="call")) == 2
    assert audit_log(store, actor=ADMIN, action="cal").empty  # a family is a whole word
    for role in ("lead", "interviewer", "coder", "viewer"):
        with pytest.raises(PermissionDeniedError):
            audit_log(store, actor=Person("x", role))


def test_defectors_audit_prints_csv(tmp_path):
    db = tmp_path / "a.duckdb"
    store = connect(db)
    try:
        accounts.add_user(store, "ann", "Ann", "admin", "a long password", actor="op")
    finally:
        store.close()
    env = {"DEFECTORS_DB": None, "DEFECTORS_STUDY": None, "DEFECTORS_USER": "op"}
    result = CliRunner(env=env).invoke(
        main, ["--db", str(db), "audit", "--since", "2000-01-01", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("acted_at,actor,action,entity,entity_id")
    assert len(lines) == 2 and ",op,user.add,user,ann," in lines[1]


def test_a_customer_file_that_changes_a_customer_is_audited_with_old_and_new(store):
    first = b"customer_id,name,phone\nA,Alpha,13812345678\nB,Beta,\n"
    second = b"customer_id,name,phone\nA,Alpha Co,\nB,Beta,\nC,Gamma,\n"
    import_file(store, "customers", first, actor=ACTOR, file_name="1.csv")
    import_file(store, "customers", second, actor="Bo", file_name="2.csv")
    rows = audit_log(store, actor=ADMIN, action="customer.update")
    assert list(rows["entity_id"]) == ["A"] and list(rows["actor"]) == ["Bo"]
    old, new = json.loads(rows["old"].iloc[0]), json.loads(rows["new"].iloc[0])
    assert (old["name"], old["phone"]) == ("Alpha", "13812345678")
    assert (new["name"], new["phone"]) == ("Alpha Co", None)  # a blank cell changes nothing
