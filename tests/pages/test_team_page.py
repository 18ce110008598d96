"""The Team page: members, the study's team and quotas, who calls whom."""

from __future__ import annotations

from research.desk import calls, team
from tests.pages.sessions import SIGNED_IN_NAME

PAGE = "pages/team.py"


def _button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def test_the_team_is_listed_with_roles_in_words(app, open_page, app_store):
    at = open_page(app, PAGE)
    grid = at.dataframe[0].value
    assert sorted(grid["name"]) == sorted(m.name for m in team.list_members(app_store))
    row = grid.set_index("name").loc["周建国"]
    assert row["role"] == "Senior manager" and row["quota"] == "15"
    assert row["hours"] == "mon-fri 09:00-12:00,14:00-17:30"
    assert "senior_manager" not in set(grid["role"])


def test_add_a_senior_manager_with_hours(app, open_page, app_store, study_named):
    at = open_page(app, PAGE)
    at.text_input(key="team_add_name").input("高明")
    at.selectbox(key="team_add_role").set_value("senior_manager")
    at.text_input(key="team_add_phone").input("010-12345678")
    at.text_input(key="team_add_email").input("gao.ming@example.cn")
    at.text_input(key="team_add_hours").input("周一至周五 09:00-12:00")
    _button(at, "Add member").click().run()
    assert not at.exception
    member = team.get_member(app_store, "高明")
    assert (member.phone, member.available_hours, member.created_by) == (
        "+86 10 1234 5678",
        "mon-fri 09:00-12:00",
        SIGNED_IN_NAME,
    )
    on = {s.member.name: s.quota for s in team.study_team(app_store, study_named("demo"))}
    assert on["高明"] == team.QUOTA_ADVISED[0]
    assert "高明 added to the team." in [s.value for s in at.success]


def test_bad_phone_and_hours_are_refused_with_messages(app, open_page, app_store):
    at = open_page(app, PAGE)
    at.text_input(key="team_add_name").input("Someone")
    at.text_input(key="team_add_phone").input("12")
    _button(at, "Add member").click().run()
    assert any("not a valid phone number" in e.value for e in at.error)
    at.text_input(key="team_add_name").input("Someone")
    at.text_input(key="team_add_hours").input("whenever")
    _button(at, "Add member").click().run()
    assert any("Cannot read the hours" in e.value for e in at.error)
    assert "Someone" not in [m.name for m in team.list_members(app_store)]


def test_change_a_managers_quota(app, open_page, app_store, study_named):
    at = open_page(app, PAGE)
    helen = team.get_member(app_store, "Helen Xu")
    at.selectbox(key="team_edit_member").set_value(helen.id).run()
    demo = study_named("demo")
    at.number_input(key=f"team_edit_quota_{demo.id}_{helen.id}").set_value(20)
    _button(at, "Save member").click().run()
    assert not at.exception
    quotas = {s.member.name: s.quota for s in team.study_team(app_store, demo)}
    assert quotas["Helen Xu"] == 20


def test_picking_another_member_shows_their_own_details_and_saves_only_them(
    app, open_page, app_store
):
    """The change form once kept the first member's phone, e-mail, zone and hours when
    another member was picked, and saving wrote them over the second member."""
    at = open_page(app, PAGE)
    helen, stefan = (
        team.get_member(app_store, "Helen Xu"),
        team.get_member(app_store, "Stefan Berger"),
    )
    at.selectbox(key="team_edit_member").set_value(helen.id).run()
    assert at.text_input(key=f"team_edit_email_{helen.id}").value == helen.email
    at.selectbox(key="team_edit_member").set_value(stefan.id).run()
    assert at.text_input(key=f"team_edit_email_{stefan.id}").value == stefan.email
    assert at.selectbox(key=f"team_edit_zone_{stefan.id}").value == "Europe/Berlin"
    assert at.text_input(key=f"team_edit_hours_{stefan.id}").value == stefan.available_hours
    _button(at, "Save member").click().run()
    assert not at.exception
    after = team.get_member(app_store, "Stefan Berger")
    assert (after.email, after.time_zone, after.available_hours) == (
        stefan.email,
        "Europe/Berlin",
        stefan.available_hours,
    )
    assert team.get_member(app_store, "Helen Xu").email == helen.email


def test_spread_evenly_balances_the_loads(app, open_page, app_store, study_named):
    at = open_page(app, PAGE)
    at.checkbox(key="team_assign_even_again").check()
    _button(at, "Spread the targets").click().run()
    assert not at.exception
    loads = calls.call_state(app_store, study_named("demo"))["interviewer"].value_counts()
    assert loads.max() - loads.min() <= 1
    assert loads.sum() == len(calls.call_state(app_store, study_named("demo")))


def test_assign_by_region_and_by_hand(app, open_page, app_store, study_named):
    study = study_named("demo")
    amy = team.get_member(app_store, "Amy Chen")
    at = open_page(app, PAGE)
    state = calls.call_state(app_store, study)
    regions = sorted(state["region"].dropna().unique())
    overseas = regions.index("Overseas")
    at.selectbox(key=f"team_assign_by_region_{overseas}").set_value(amy.id)
    _button(at, "Assign").click().run()
    assert not at.exception
    state = calls.call_state(app_store, study)
    assert set(state.loc[state["region"] == "Overseas", "interviewer"]) == {"Amy Chen"}

    zhao = team.get_member(app_store, "赵琳")
    some = list(state["customer_id"][:2])
    at.multiselect(key="team_assign_hand_targets").set_value(some)
    at.selectbox(key="team_assign_hand_to").set_value(zhao.id)
    _button(at, "Assign to this interviewer").click().run()
    state = calls.call_state(app_store, study).set_index("customer_id")
    assert set(state.loc[some, "interviewer"]) == {"赵琳"}
    assert "2 targets assigned." in [s.value for s in at.success]


def test_study_page_shows_the_funnel_quotas_and_checkpoint(app, app_store, study_named):
    study = study_named("demo")
    progress = calls.progress(app_store, study)
    shown = {m.label: m.value for m in app.metric}
    assert shown["Targets"] == str(progress.funnel["targets"])
    assert shown["Interviewed"] == str(progress.funnel["interviewed"])
    assert shown["Response rate"] != "–"
    bars = [p.proto.text for p in app.get("progress")]
    assert any(b.startswith("周建国:") and "of 15 held" in b for b in bars)
    # the demo plans 80 interviews and has held more than a quarter of them
    assert progress.checkpoint_at == 20 and progress.checkpoint_due
    assert any(
        f"Checkpoint review due: {progress.interviews_done} of 80" in w.value for w in app.warning
    )


def test_study_announces_the_checkpoint_review_at_a_quarter_of_the_plan(
    app, app_store, study_named
):
    from research.base import studies

    done = calls.progress(app_store, study_named("demo")).interviews_done
    assert done >= 1
    # a plan of 4 × done interviews puts the checkpoint exactly at the interviews done
    studies.update_study(app_store, study_named("demo"), actor="t", target_sample_size=4 * done)
    app.run()
    assert any("Checkpoint review due" in w.value for w in app.warning)
    studies.update_study(app_store, study_named("demo"), actor="t", target_sample_size=4 * done + 4)
    app.run()
    assert not any("Checkpoint review due" in w.value for w in app.warning)


def test_a_refused_member_form_keeps_what_was_typed_and_a_good_one_clears(
    app, open_page, app_store
):
    at = open_page(app, PAGE)
    at.text_input(key="team_add_name").input("Keep Me")
    at.text_input(key="team_add_email").input("keep.me@example.com")
    at.text_input(key="team_add_hours").input("whenever")
    _button(at, "Add member").click().run()
    assert not at.exception
    # a real title, not "Something went wrong"
    assert any("**Hours not understood**" in e.value for e in at.error)
    assert at.text_input(key="team_add_name").value == "Keep Me"
    assert at.text_input(key="team_add_email").value == "keep.me@example.com"
    assert at.text_input(key="team_add_hours").value == "whenever"
    at.text_input(key="team_add_hours").input("mon-fri 09:00-17:00")
    _button(at, "Add member").click().run()
    assert not at.exception
    assert "Keep Me" in [m.name for m in team.list_members(app_store)]
    assert "Keep Me added to the team." in [s.value for s in at.success]
    assert at.text_input(key="team_add_name").value == ""
    assert at.text_input(key="team_add_hours").value == ""
