"""Sign-in: every browser session is a person of its own, and sees what their role may.

The demo's accounts (research/demo/accounts.py) give one person per role; the server's
login name ($DEFECTORS_USER, "page-tester" here) is nobody."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from research.base import accounts
from research.demo.accounts import DEMO_PASSWORD
from tests.pages.sessions import APP, signed_in


def _links(at: AppTest) -> list[str]:
    return [link.label for link in at.get("page_link")]


def _fresh(app_file: str = APP) -> AppTest:
    at = AppTest.from_file(app_file, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="signin_login").input(login)
    at.text_input(key="signin_password").input(password)
    at.button[0].click().run()  # the form's one button
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_new_session_sees_only_the_sign_in_form_and_the_demo_people(db_path):
    at = _fresh()
    assert [t.value for t in at.title] == ["Sign in"]
    assert _links(at) == []  # no page, no study picker before signing in
    assert "app_study_picker" not in [s.key for s in at.sidebar.selectbox]
    listed = at.dataframe[0].value
    assert {"admin", "zhou.jianguo", "zhao.lin", "sun.yue", "wang.lei"} <= set(listed["Login"])
    assert any(DEMO_PASSWORD in i.value for i in at.info)


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(db_path):
    at = _sign_in(_fresh(), "zhou.jianguo", "not-the-password")
    assert [t.value for t in at.title] == ["Sign in"]
    assert any("login or the password is wrong" in e.value for e in at.error)
    at = _sign_in(at, "Zhou.Jianguo ", DEMO_PASSWORD)  # logins ignore case and spaces
    assert [t.value for t in at.title] == ["Study"]
    assert "Signed in as 周建国 (Study lead)" in [c.value for c in at.sidebar.caption]


def test_five_failures_lock_the_account_and_say_for_how_long(db_path):
    at = _fresh()
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        at = _sign_in(at, "zhao.lin", "wrong-password")
    at = _sign_in(at, "zhao.lin", DEMO_PASSWORD)  # right, but locked now
    assert [t.value for t in at.title] == ["Sign in"]
    assert any("locked" in e.value and "15 minutes" in e.value for e in at.error)


@pytest.mark.parametrize(
    ("login", "pages"),
    [
        ("wang.lei", ["Study", "Analysis", "Reports"]),  # viewer
        ("sun.yue", ["Study", "Interview"]),  # second coder
        ("zhao.lin", ["Study", "Call desk", "Agenda", "Interview"]),  # interviewer
        (
            "helen.xu",  # study lead: everything but the admin's page
            ["Study", "Import data", "Defectors", "Team", "Call desk", "Agenda", "Interview"]
            + ["Taxonomy", "Analysis", "Review", "Reports"],
        ),
    ],
)
def test_each_role_is_offered_the_pages_it_may_use(db_path, login, pages):
    at = signed_in(login)
    at.run()
    assert not at.exception
    assert _links(at) == pages


def test_the_admin_is_offered_the_admin_page_too(app):
    assert _links(app)[-1] == "Admin"


def test_a_page_the_role_may_not_open_says_so_instead_of_showing_it(db_path):
    at = signed_in("wang.lei")  # a viewer, at the Defectors page's address
    at.run()
    at.switch_page("pages/defectors.py").run()
    assert not at.exception
    assert "Defectors" not in [t.value for t in at.title]  # the page did not run
    assert any("Your role (Viewer) cannot open the page" in e.value for e in at.error)


def test_a_disabled_account_is_signed_out_at_its_next_click(db_path):
    at = signed_in("helen.xu")
    at.run()
    from screen import ui

    accounts.set_disabled(ui.store(), "helen.xu", True, actor="an admin")
    at.run()
    assert [t.value for t in at.title] == ["Sign in"]


def test_a_role_changed_by_an_admin_takes_effect_at_the_next_click(db_path):
    at = signed_in("helen.xu")
    at.run()
    from screen import ui

    at.switch_page("pages/defectors.py").run()
    assert [t.value for t in at.title] == ["Defectors"]
    accounts.set_role(ui.store(), "helen.xu", "viewer", actor="an admin")
    at.run()  # the same page, a click later
    assert "Defectors" not in [t.value for t in at.title]
    assert any("Your role (Viewer) cannot open the page" in e.value for e in at.error)


def test_a_database_without_accounts_says_how_to_make_the_first_admin(db_path):
    from screen import ui

    with ui.store().cursor() as cur:
        cur.execute("DELETE FROM users")
    at = _fresh()
    assert any("Nobody can sign in yet" in i.value for i in at.info)
    assert any("defectors user add" in c.value for c in at.code)
    assert "signin_login" not in [t.key for t in at.text_input]


def test_changes_carry_the_signed_in_person_not_the_servers_login(db_path, study_named):
    at = signed_in("helen.xu")
    at.run()
    at.switch_page("pages/study.py").run()
    at.text_input(key="study_new_name").input("Q1 2027")
    at.button(key="FormSubmitter:study_new-Create study").click().run()
    assert not at.exception
    assert study_named("Q1 2027").created_by == "Helen Xu"


def test_a_second_coder_sees_the_blind_coding_and_no_record(db_path):
    at = signed_in("sun.yue")
    at.run()
    at.switch_page("pages/interview.py").run()
    assert not at.exception
    assert "interview_customer" not in [s.key for s in at.selectbox]
    assert any("Blind second coding" in c.value for c in at.caption)
    assert at.selectbox(key="second_pick").options  # the findings waiting for them


def test_an_interviewer_sees_only_their_own_call_list(db_path, study_named):
    from research.desk import calls
    from screen import ui

    at = signed_in("zhao.lin")
    at.run()
    at.switch_page("pages/call_desk.py").run()
    assert not at.exception
    picker = at.selectbox(key="desk_interviewer")
    assert picker.options == ["赵琳"]
    zhao = accounts.signed_in(ui.store(), "zhao.lin")
    state = calls.call_state(ui.store(), study_named("demo"))
    theirs = set(state.loc[state["interviewer_id"] == zhao.member_id, "customer_id"])
    shown = {label.split()[0] for label in at.selectbox(key="desk_target").options}
    assert shown and shown <= theirs
    with pytest.raises(accounts.PermissionDeniedError):  # and research/ refuses another's
        other = int(state.loc[state["interviewer_id"] != zhao.member_id, "interviewer_id"].iloc[0])
        calls.my_calls(ui.store(), study_named("demo"), other, actor=zhao)
