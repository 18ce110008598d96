"""Accounts (sign-in, lockout, user management) and the role matrix: every guarded
research function called directly as each role, refused where the role may not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from research.analysis import actions
from research.base import accounts, permissions, studies
from research.base.accounts import (
    AccountError,
    AuthenticationError,
    PermissionDeniedError,
    Person,
)
from research.desk import calls, team
from research.findings import interviews, taxonomy
from research.reports.audience import audience_for
from research.selection import sampling

ACTOR = "tester"
PASSWORD = "correct horse battery"


def audit_rows(store, action):
    with store.cursor() as cur:
        return cur.execute(
            "SELECT actor, entity, entity_id, detail FROM audit_log WHERE action = ? ORDER BY id",
            [action],
        ).fetchall()


def test_a_user_signs_in_with_the_right_password_only(store):
    made = accounts.add_user(store, " Ann ", "Ann Lee", "lead", PASSWORD, actor=ACTOR)
    person = accounts.authenticate(store, "ANN", PASSWORD)
    assert person == made
    assert (person.name, person.role, person.login) == ("Ann Lee", "lead", "ann")
    with pytest.raises(AuthenticationError) as wrong:
        accounts.authenticate(store, "ann", "wrong password")
    with pytest.raises(AuthenticationError) as unknown:
        accounts.authenticate(store, "nobody", PASSWORD)
    assert wrong.value.key == unknown.value.key == "error.sign_in_failed"  # tells nothing
    with store.cursor() as cur:
        stored = cur.execute("SELECT password_hash FROM users").fetchall()[0][0]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert audit_rows(store, "user.add")[0][:3] == (ACTOR, "user", "ann")


def test_five_failures_lock_the_account_for_fifteen_minutes(store):
    accounts.add_user(store, "bo", "Bo", "interviewer", PASSWORD, actor=ACTOR)
    at = datetime(2026, 3, 1, 9, 0)
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(store, "bo", "nope nope nope", at=at)
    with pytest.raises(AuthenticationError) as locked:
        accounts.authenticate(store, "bo", PASSWORD, at=at + timedelta(minutes=14))
    assert locked.value.key == "error.account_locked"
    assert audit_rows(store, "user.locked")
    later = at + timedelta(minutes=accounts.LOCK_MINUTES, seconds=1)
    assert accounts.authenticate(store, "bo", PASSWORD, at=later).login == "bo"


def test_four_failures_then_a_success_start_the_count_again(store):
    accounts.add_user(store, "cy", "Cy", "viewer", PASSWORD, actor=ACTOR)
    at = datetime(2026, 3, 1, 9, 0)
    for _ in range(2):
        for _ in range(accounts.MAX_FAILED_ATTEMPTS - 1):
            with pytest.raises(AuthenticationError):
                accounts.authenticate(store, "cy", "nope nope nope", at=at)
        assert accounts.authenticate(store, "cy", PASSWORD, at=at).login == "cy"


def test_disabled_accounts_and_role_and_password_changes(store):
    admin = accounts.add_user(store, "root", "Root", "admin", PASSWORD, actor=ACTOR)
    accounts.add_user(store, "dee", "Dee", "viewer", PASSWORD, actor=admin)
    accounts.set_disabled(store, "dee", True, actor=admin)
    with pytest.raises(AuthenticationError) as disabled:
        accounts.authenticate(store, "dee", PASSWORD)
    assert disabled.value.key == "error.account_disabled"
    accounts.set_disabled(store, "dee", False, actor=admin)
    accounts.set_role(store, "dee", "coder", actor=admin)
    accounts.set_password(store, "dee", "a new long password", actor=admin)
    assert accounts.authenticate(store, "dee", "a new long password").role == "coder"
    old, new = (r[3] for r in audit_rows(store, "user.role")), None
    assert '"old": "viewer"' in next(old) and new is None
    users = accounts.list_users(store, actor=admin)
    assert [u["login"] for u in users] == ["dee", "root"]
    assert all("password_hash" not in u for u in users)


def test_account_rules(store):
    admin = accounts.add_user(store, "root", "Root", "admin", PASSWORD, actor=ACTOR)
    with pytest.raises(AccountError, match="at least"):
        accounts.add_user(store, "x", "X", "viewer", "short", actor=admin)
    with pytest.raises(AccountError, match="no role"):
        accounts.add_user(store, "x", "X", "boss", PASSWORD, actor=admin)
    with pytest.raises(AccountError, match="taken"):
        accounts.add_user(store, "ROOT", "R", "viewer", PASSWORD, actor=admin)
    with pytest.raises(AccountError, match="last admin"):
        accounts.set_role(store, "root", "viewer", actor=admin)
    with pytest.raises(AccountError, match="last admin"):
        accounts.set_disabled(store, "root", True, actor=admin)
    viewer = accounts.add_user(store, "vi", "Vi", "viewer", PASSWORD, actor=admin)
    with pytest.raises(PermissionDeniedError):
        accounts.add_user(store, "y", "Y", "admin", PASSWORD, actor=viewer)
    with pytest.raises(PermissionDeniedError):
        accounts.set_password(store, "root", "taken over now", actor=viewer)
    accounts.set_password(store, "vi", "my own new password", actor=viewer)  # their own
    assert accounts.authenticate(store, "vi", "my own new password") == viewer


def test_every_permission_row_names_a_level_for_every_role():
    for permission, cells in permissions.PERMISSIONS.items():
        assert set(cells) == set(accounts.ROLES), permission
        assert cells["admin"] == "all", permission
    with pytest.raises(KeyError):
        permissions.level(Person("x", "admin"), "findings.wirte")


def test_a_plain_name_is_a_legacy_actor_with_every_right():
    person = accounts.as_person("someone")
    assert person.is_legacy
    assert all(permissions.level(person, p) == "all" for p in permissions.PERMISSIONS)
    with pytest.raises(PermissionDeniedError):
        accounts.as_person("  ")


# ---------------------------------------------------------------- the role matrix


@pytest.fixture
def world(store, study, add_customers, add_results):
    """A study with targets A (assigned to the interviewer) and B (nobody's), a team
    with the lead's and the interviewer's members, and one person of each role."""
    add_customers([("A", "Alpha Ltd", {"phone": "13800000001"}), ("B", "Beta Ltd")])
    add_results(study, [("A", "full", "best_core", 900, 0), ("B", "full", "general", 500, 0)])
    sampling.add_target(store, study, "A", "by hand", actor=ACTOR)
    sampling.add_target(store, study, "B", "by hand", actor=ACTOR)
    lead_member = team.add_member(store, "Lena Lead", "senior_manager", actor=ACTOR)
    caller = team.add_member(store, "Ivan Caller", "phone_interviewer", actor=ACTOR)
    team.add_to_study(store, study, lead_member, actor=ACTOR, quota=5)
    team.add_to_study(store, study, caller, actor=ACTOR)
    calls.assign(store, study, ["A"], caller.id, actor=ACTOR)
    other = studies.create_study(store, "other", date(2025, 1, 1), actor=ACTOR)
    people = {
        "admin": Person("Ada Admin", "admin", 1, "ada"),
        "lead": Person("Lena Lead", "lead", 2, "lena", lead_member.id),
        "interviewer": Person("Ivan Caller", "interviewer", 3, "ivan", caller.id),
        "coder": Person("Cora Coder", "coder", 4, "cora"),
        "viewer": Person("Vic Viewer", "viewer", 5, "vic"),
    }
    return {"study": study, "other": other, "people": people, "caller": caller.id}


def _finding(store, w, cid="A"):
    return interviews.create_finding(store, w["study"], cid, actor=ACTOR).id


CASES = {
    # name: (call(store, world, person), the roles that may)
    "create study": (
        lambda s, w, p: studies.create_study(s, "new", date(2025, 1, 1), actor=p),
        {"admin", "lead"},
    ),
    "change own study": (
        lambda s, w, p: studies.update_study(s, w["study"], actor=p, description="x"),
        {"admin", "lead"},
    ),
    "change another study": (
        lambda s, w, p: studies.update_study(s, w["other"], actor=p, description="x"),
        {"admin"},
    ),
    "add a target": (
        lambda s, w, p: sampling.remove_target(
            s, w["study"], "B", "not needed", actor=p, confirmed=True
        ),
        {"admin", "lead"},
    ),
    "assign calls": (
        lambda s, w, p: calls.assign(s, w["study"], ["B"], w["caller"], actor=p),
        {"admin", "lead"},
    ),
    "log a call to an assigned customer": (
        lambda s, w, p: calls.log_attempt(s, w["study"], "A", "no_answer", actor=p),
        {"admin", "lead", "interviewer"},
    ),
    "log a call to someone else's customer": (
        lambda s, w, p: calls.log_attempt(s, w["study"], "B", "no_answer", actor=p),
        {"admin", "lead"},
    ),
    "save call notes": (
        lambda s, w, p: calls.save_notes(s, w["study"], "A", "rang", base_version=0, actor=p),
        {"admin", "lead", "interviewer"},
    ),
    "record a finding": (
        lambda s, w, p: interviews.create_finding(s, w["study"], "A", actor=p),
        {"admin", "lead", "interviewer"},
    ),
    "add a verbatim": (
        lambda s, w, p: interviews.add_quote(s, _finding(s, w), actor=p, text="slow"),
        {"admin", "lead", "interviewer"},
    ),
    "edit another's finding": (
        lambda s, w, p: interviews.save_field(
            s, _finding(s, w, "B"), "summary", "x", base_version=1, actor=p
        ),
        {"admin", "lead"},
    ),
    "change the taxonomy": (
        lambda s, w, p: taxonomy.retire_code(s, "moved_away", actor=p),
        {"admin"},
    ),
    "add an action": (
        lambda s, w, p: actions.add_action(
            s, title="Fix", owner="Lena", causes=["price_value"], actor=p, study=w["study"]
        ),
        {"admin", "lead"},
    ),
    "change an action of another study": (
        lambda s, w, p: actions.update_action(
            s,
            actions.add_action(
                s, title="Fix", owner="L", causes=["price_value"], actor=ACTOR, study=w["other"]
            ).id,
            {"owner": "M"},
            base_version=1,
            actor=p,
        ),
        {"admin"},
    ),
    "change the team": (
        lambda s, w, p: team.add_member(s, "New One", "sales", actor=p),
        {"admin", "lead"},
    ),
    "manage accounts": (
        lambda s, w, p: accounts.add_user(s, "new", "New", "viewer", PASSWORD, actor=p),
        {"admin"},
    ),
    "bulk export": (
        lambda s, w, p: calls.export_calls_csv(s, w["study"], actor=p),
        {"admin", "lead", "viewer"},
    ),
}


@pytest.mark.parametrize("role", accounts.ROLES)
@pytest.mark.parametrize("case", CASES)
def test_role_matrix(store, world, case, role):
    call, allowed = CASES[case]
    person = world["people"][role]
    if role in allowed:
        call(store, world, person)
    else:
        with pytest.raises(PermissionDeniedError):
            call(store, world, person)


def test_a_refusal_writes_nothing(store, world):
    with store.cursor() as cur:
        before = cur.execute("SELECT count(*) FROM call_attempts").fetchall()[0][0]
    with pytest.raises(PermissionDeniedError) as refused:
        calls.log_attempt(store, world["study"], "A", "reached", actor=world["people"]["viewer"])
    assert "viewer" in str(refused.value)
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM call_attempts").fetchall()[0][0] == before


def test_rows_carry_the_persons_name(store, world):
    ivan = world["people"]["interviewer"]
    calls.log_attempt(store, world["study"], "A", "busy", actor=ivan)
    with store.cursor() as cur:
        rows = cur.execute("SELECT created_by FROM call_attempts").fetchall()
    assert rows == [("Ivan Caller",)]


def test_a_viewer_reads_reports_and_exports_without_personal_fields(store, world):
    viewer, admin = world["people"]["viewer"], world["people"]["admin"]
    assert not any(audience_for(viewer).sees(f) for f in audience_for(viewer).personal_fields)
    assert audience_for(viewer).personal_fields == frozenset()
    assert audience_for(admin).sees("customer_name")
    with pytest.raises(PermissionDeniedError):
        audience_for(world["people"]["coder"])
    calls.log_attempt(store, world["study"], "A", "no_answer", actor=ACTOR)
    full = calls.export_calls_csv(store, world["study"], actor=admin).decode("utf-8-sig")
    masked = calls.export_calls_csv(store, world["study"], actor=viewer).decode("utf-8-sig")
    assert "Alpha Ltd" in full and "138 0000 0001" in full
    assert "Alpha Ltd" not in masked and "138 0000 0001" not in masked and "•••" in masked
    assert masked.count("\n") == full.count("\n")  # the same rows, masked


# ---------------------------------------------------------------- reads


def test_two_interviewers_see_their_own_call_lists(store, world):
    study = world["study"]
    wu = team.add_member(store, "Wu", "phone_interviewer", actor=ACTOR)
    calls.assign(store, study, ["B"], wu.id, actor=ACTOR)
    ivan = world["people"]["interviewer"]
    wu_person = Person("Wu", "interviewer", 9, "wu", wu.id)
    assert list(calls.call_state(store, study, actor=ivan)["customer_id"]) == ["A"]
    assert list(calls.call_state(store, study, actor=wu_person)["customer_id"]) == ["B"]
    assert sorted(calls.call_state(store, study, actor=world["people"]["lead"])["customer_id"]) == [
        "A",
        "B",
    ]
    for role in ("coder", "viewer"):
        with pytest.raises(PermissionDeniedError):
            calls.call_state(store, study, actor=world["people"][role])


def test_findings_and_customer_files_as_each_role(store, world):
    study, people = world["study"], world["people"]
    for cid in "AB":
        interviews.create_finding(store, study, cid, actor=ACTOR)
    admin_view = interviews.list_findings(store, study, actor=people["admin"])
    assert sorted(admin_view["customer_id"]) == ["A", "B"]
    assert list(
        interviews.list_findings(store, study, actor=people["interviewer"])["customer_id"]
    ) == ["A"]
    viewer_view = interviews.list_findings(store, study, actor=people["viewer"])
    assert len(viewer_view) == 2
    personal = [c for c in viewer_view.columns if c in ("name", "customer_name")]
    assert personal and all((viewer_view[c] == "•••").all() for c in personal)
    with pytest.raises(PermissionDeniedError):
        interviews.list_findings(store, study, actor=people["coder"])
    own = calls.customer_file(store, study, "A", actor=people["interviewer"])
    assert own["phone"] == "13800000001"
    with pytest.raises(PermissionDeniedError):
        calls.customer_file(store, study, "B", actor=people["interviewer"])
    masked_file = calls.customer_file(store, study, "A", actor=people["viewer"])
    assert masked_file["phone"] == "•••" and masked_file["name"] == "•••"
    assert masked_file["phone_parsed"] is None


def test_every_research_write_that_takes_an_actor_checks_the_actor():
    """A new function that writes on someone's behalf (``actor=``) must ask ``require``
    (or, for accounts, the admin check) first: roles are enforced in research, not only
    by hiding pages."""
    import ast

    root = Path(__file__).resolve().parents[2] / "research"
    unchecked = []
    for path in sorted(root.rglob("*.py")):
        if {"cli", "demo"} & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if "actor" not in [a.arg for a in node.args.args + node.args.kwonlyargs]:
                continue
            body = ast.unparse(node)
            if ".write(" in body and not ("require(" in body or "_require_admin(" in body):
                unchecked.append(f"{path.relative_to(root)}:{node.name}")
    assert unchecked == []


def test_a_sign_in_session_survives_until_sign_out_expiry_or_a_new_password(store):
    ann = accounts.add_user(store, "ann", "Ann Lee", "lead", PASSWORD, actor=ACTOR)
    token = accounts.start_session(store, ann)
    assert accounts.resume_session(store, token) == ann
    with store.cursor() as cur:  # only the token's hash is stored
        assert token not in {
            r[0] for r in cur.execute("SELECT token_hash FROM sign_in_sessions").fetchall()
        }
    assert accounts.resume_session(store, token + "x") is None
    assert accounts.resume_session(store, token, at=datetime.now() + timedelta(hours=13)) is None
    accounts.end_session(store, token)
    assert accounts.resume_session(store, token) is None

    again = accounts.start_session(store, ann)
    accounts.set_password(store, "ann", "another good password", actor=ACTOR)
    assert accounts.resume_session(store, again) is None  # a new password signs out everywhere
    third = accounts.start_session(store, ann)
    accounts.add_user(store, "root", "Root", "admin", PASSWORD, actor=ACTOR)
    accounts.set_disabled(store, "ann", True, actor=ACTOR)
    assert accounts.resume_session(store, third) is None
    accounts.set_disabled(store, "ann", False, actor=ACTOR)
    assert accounts.resume_session(store, third) is None  # ended, not only paused


def test_single_sign_on_finds_the_account_of_the_e_mail_and_no_other(store):
    made = accounts.add_user(
        store, "Wang.Fang@Example.cn", "王芳", "interviewer", None, actor=ACTOR
    )
    assert accounts.single_sign_on(store, "wang.fang@example.cn") == made
    with pytest.raises(AuthenticationError, match="no account of that login"):
        accounts.single_sign_on(store, "someone.else@example.cn")
    with pytest.raises(AuthenticationError, match="gave no e-mail address"):
        accounts.single_sign_on(store, None)
    with pytest.raises(AuthenticationError):  # no password opens a single-sign-on account
        accounts.authenticate(store, "wang.fang@example.cn", "")
    assert [r[0] for r in audit_rows(store, "user.sign_in")] == ["王芳"]


def test_the_demo_has_one_account_per_role_listed_until_changed(store):
    from research.demo.accounts import DEMO_PASSWORD, add_demo_accounts, demo_accounts

    made = add_demo_accounts(store)
    assert {p.role for p in made} == set(accounts.ROLES)
    assert accounts.authenticate(store, "wang.lei", DEMO_PASSWORD).role == "viewer"
    assert add_demo_accounts(store) == []  # made once
    listed = {login for login, *_ in demo_accounts(store)}
    assert "zhao.lin" in listed
    accounts.set_password(store, "zhao.lin", "a changed password", actor=ACTOR)
    assert "zhao.lin" not in {login for login, *_ in demo_accounts(store)}


def test_an_interviewer_reads_only_their_own_bookings_records_and_candidates(store, world):
    from research.desk import scheduling
    from research.findings.candidates import candidates

    study, people = world["study"], world["people"]
    lead = team.add_member(
        store, "Max Manager", "senior_manager", actor=ACTOR, available_hours="mon-fri 09:00-18:00"
    )
    team.add_to_study(store, study, lead, actor=ACTOR, quota=5)
    start = datetime(2030, 3, 4, 10, 0)
    for customer in ("A", "B"):
        scheduling.book_interview(store, study, customer, lead, start, "Asia/Shanghai", actor=ACTOR)
        start += timedelta(hours=2)
    _finding(store, world, "B")
    ivan = people["interviewer"]

    assert permissions.visible_customers(store, ivan, "calls.read", study) == {"A"}
    assert permissions.visible_customers(store, people["lead"], "calls.read", study) is None
    with pytest.raises(PermissionDeniedError):
        permissions.visible_customers(store, people["coder"], "calls.read", study)
    assert [i.customer_id for i in scheduling.list_interviews(store, study, actor=ivan)] == ["A"]
    everyone = scheduling.list_interviews(store, study, actor=people["lead"])
    assert sorted(i.customer_id for i in everyone) == ["A", "B"]
    week = scheduling.week_interviews(store, study, lead, date(2030, 3, 4), actor=ivan)
    assert [i.customer_id for i in week] == ["A"]
    mine = candidates(store, study, actor=ivan)
    assert mine.customers == ("A",) and set(mine.names) == {"A"}
    assert mine.findings.empty  # B's record is not his
    assert set(candidates(store, study, actor=people["lead"]).customers) == {"A", "B"}
