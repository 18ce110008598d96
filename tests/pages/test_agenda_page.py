"""The Agenda page: today, this week, awaiting findings; reschedule, cancel, no-show, held."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from research.base import studies
from research.desk import scheduling, team

PAGE = "pages/agenda.py"


def _button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


@pytest.fixture
def past_interview(app_store, study_named):
    """An interview held last week whose findings nobody recorded yet."""
    study = study_named("demo")
    manager = team.get_member(app_store, "Helen Xu")
    booked = {i.customer_id for i in scheduling.list_interviews(app_store, study)}
    from research.desk import calls

    customer = next(c for c in calls.call_state(app_store, study)["customer_id"] if c not in booked)
    slot = scheduling.free_slots(
        app_store, manager, date.today() - timedelta(days=7), days=5, now_utc=datetime(2000, 1, 1)
    )[0]
    return scheduling.book_interview(
        app_store,
        study,
        customer,
        manager,
        slot.replace(tzinfo=None),
        manager.time_zone,
        actor="t",
        now_utc=datetime(2000, 1, 1),
    )


def test_agenda_shows_today_this_week_and_awaiting_per_manager(
    app, open_page, app_store, study_named, past_interview
):
    at = open_page(app, PAGE)
    study = study_named("demo")
    agenda = scheduling.agenda(app_store, study)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Today"] == str(len(agenda.today))
    assert shown["This week"] == str(len(agenda.week))
    assert shown["Awaiting findings"] == str(len(agenda.awaiting_findings))
    assert past_interview.id in [i.id for i in agenda.awaiting_findings]
    labels = [e.label for e in at.expander]
    # every interview of the week, and the one awaiting findings, opens to the defector's file
    for interview in [*agenda.week, *agenda.awaiting_findings]:
        assert any((interview.customer_name or interview.customer_id) in label for label in labels)
    assert "Value segment" in [m.label for m in at.metric]
    assert any(b.label.startswith("Helen Xu:") for b in at.get("download_button"))


def test_reschedule_keeps_the_invitation_and_raises_its_sequence(
    app, open_page, app_store, study_named
):
    at = open_page(app, PAGE)
    study = study_named("demo")
    chosen = at.selectbox(key="agenda_interview").value
    interview = scheduling.get_interview(app_store, chosen)
    manager = team.get_member_by_id(app_store, interview.manager_id)
    free = scheduling.free_slots(app_store, manager, date.today() + timedelta(days=14), days=7)
    target = free[0].astimezone(interview.start.tzinfo)
    at.date_input(key="agenda_day").set_value(target.date())
    at.time_input(key="agenda_time").set_value(target.time().replace(tzinfo=None))
    _button(at, "Reschedule").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = scheduling.get_interview(app_store, chosen)
    assert after.start == target and after.uid == interview.uid
    assert after.sequence == interview.sequence + 1
    assert list(scheduling.history(app_store, chosen)["action"]) == ["booked", "rescheduled"]
    assert any("Rescheduled" in s.value for s in at.success)
    assert study.id == after.study_id


def test_cancel_keeps_the_history(app, open_page, app_store):
    at = open_page(app, PAGE)
    chosen = at.selectbox(key="agenda_interview").value
    before = scheduling.get_interview(app_store, chosen)
    at.text_input(key="agenda_reason").input("customer travelling")
    _button(at, "Cancel").click().run()
    assert not at.exception
    after = scheduling.get_interview(app_store, chosen)
    assert (after.status, after.sequence, after.uid) == (
        "cancelled",
        before.sequence + 1,
        before.uid,
    )
    assert list(scheduling.history(app_store, chosen)["action"]) == ["booked", "cancelled"]
    assert any("Cancelled" in s.value for s in at.success)


def test_no_show_and_held_after_the_interview_and_not_before(
    app, open_page, app_store, past_interview
):
    at = open_page(app, PAGE)
    future = [
        i
        for i in scheduling.list_interviews(
            app_store, scheduling_study(app_store), statuses=("booked",)
        )
        if i.starts_at_utc > scheduling.utcnow()
    ][0]
    at.selectbox(key="agenda_interview").set_value(future.id).run()
    _button(at, "No-show").click().run()
    assert any("not started" in e.value for e in at.error)
    assert scheduling.get_interview(app_store, future.id).status == "booked"

    at.selectbox(key="agenda_interview").set_value(past_interview.id).run()
    _button(at, "No-show").click().run()
    assert not at.exception
    assert scheduling.get_interview(app_store, past_interview.id).status == "no_show"


def test_held_leaves_the_changeable_list_and_awaits_its_findings(
    app, open_page, app_store, past_interview
):
    at = open_page(app, PAGE)
    at.selectbox(key="agenda_interview").set_value(past_interview.id).run()
    _button(at, "Held").click().run()
    assert not at.exception
    assert scheduling.get_interview(app_store, past_interview.id).status == "done"
    # nothing left to reschedule or cancel, but its findings are still to be written
    changeable = (
        at.selectbox(key="agenda_interview") if "agenda_interview" in at.session_state else None
    )
    assert changeable is None or past_interview.id != changeable.value
    awaiting = scheduling.interviews_awaiting_findings(app_store, scheduling_study(app_store))
    assert past_interview.id in [i.id for i in awaiting]


def test_agenda_in_chinese(app, open_page):
    app.session_state["app_language"] = "zh"
    at = open_page(app, PAGE)
    assert [t.value for t in at.title] == ["访谈日程"]
    assert "今天" in [m.label for m in at.metric]


def scheduling_study(store):
    from research.base import studies

    return studies.get_study(store, "demo")


def test_the_change_form_shows_the_picked_interviews_booking(
    app, open_page, app_store, past_interview
):
    """Date, time and length show the booking of the interview picked, again after
    another one is picked and after leaving the page: a Reschedule never moves it to
    another interview's time."""
    at = open_page(app, PAGE)
    study = studies.get_study(app_store, "demo")
    open_ones = [
        i for i in scheduling.list_interviews(app_store, study, statuses=("booked",)) if not i.held
    ]
    assert len(open_ones) >= 2
    for chosen in reversed(open_ones):
        at.selectbox(key="agenda_interview").set_value(chosen.id).run()
        local = chosen.start.replace(tzinfo=None)
        assert at.date_input(key="agenda_day").value == local.date()
        assert at.time_input(key="agenda_time").value == local.time()
        assert at.number_input(key="agenda_length").value == chosen.length_minutes
    open_page(at, "pages/team.py")  # away and back: the boxes' values were forgotten
    open_page(at, PAGE)
    assert at.date_input(key="agenda_day").value == local.date()
    assert at.time_input(key="agenda_time").value == local.time()
