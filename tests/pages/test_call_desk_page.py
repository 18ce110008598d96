"""The Call desk page: my calls today, every call outcome, screening answers, booking."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from research.base import records
from research.desk import calls, scheduling, team
from research.selection import detection

PAGE = "pages/call_desk.py"


@pytest.fixture
def desk(app, open_page):
    return open_page(app, PAGE)


def _button(at, label):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}: {[b.label for b in at.button]}"
    return found[0]


def _answer(at, study, name):
    """The key of a screening widget: per study and target."""
    return f"desk_{name}_{study.id}_{at.selectbox(key='desk_target').value}"


def _first_interviewer(store, study):
    return calls.interviewers_of(store, study)[0]


def test_my_calls_today_puts_due_call_backs_first_then_untried_by_value(
    desk, app_store, study_named
):
    study = study_named("demo")
    me = _first_interviewer(app_store, study)
    assert desk.selectbox(key="desk_interviewer").value == me.id
    expected = calls.my_calls(app_store, study, me.id)
    shown = {m.label: m.value for m in desk.metric}
    assert shown["Calls today"] == str(len(expected))
    grid = desk.dataframe[0].value
    assert list(grid["customer_id"]) == list(expected["customer_id"])
    order = {"Call-back due": 0, "Not tried yet": 1, "Try again": 2}
    ranks = [order[w] for w in grid["why"]]
    assert ranks == sorted(ranks)
    untried = expected[expected["why"] == "untried"]
    seg = [calls.SEGMENT_ORDER.index(s) for s in untried["segment"]]
    assert seg == sorted(seg)
    # the first call of the list is open, with a tap-to-call link in international format
    first = expected.iloc[0]
    assert desk.selectbox(key="desk_target").value == first["customer_id"]
    links = " ".join(m.value for m in desk.markdown)
    assert "](tel:+" in links


@pytest.mark.parametrize("outcome", [o for o in calls.OUTCOMES if o != "call_back"])
def test_every_outcome_is_logged_with_time_interviewer_and_note(
    desk, app_store, study_named, outcome
):
    study = study_named("demo")
    me = _first_interviewer(app_store, study)
    customer_id = desk.selectbox(key="desk_target").value
    before = len(calls.attempts(app_store, study, customer_id))
    desk.radio(key="desk_outcome").set_value(outcome)
    desk.text_input(key="desk_note").input(f"note for {outcome}")
    _button(desk, "Log call").click().run()
    assert not desk.exception, [e.value for e in desk.exception]
    log = calls.attempts(app_store, study, customer_id)
    assert len(log) == before + 1
    last = log.iloc[-1]
    assert (last["outcome"], last["interviewer"], last["note"]) == (
        outcome,
        me.name,
        f"note for {outcome}",
    )
    assert last["created_by"] == "page-tester"
    assert abs(last["called_at"] - datetime.now()) < timedelta(minutes=5)
    assert any("Logged" in s.value for s in desk.success)
    mine = calls.my_calls(app_store, study, me.id)
    if outcome in ("wrong_number", "refused", "reached", "do_not_call"):
        assert customer_id not in set(mine["customer_id"])  # done for today
    if outcome == "do_not_call":
        assert customer_id in calls.do_not_call_ids(app_store, study)
        assert customer_id not in desk.selectbox(key="desk_target").options
        assert customer_id not in set(calls.call_state(app_store, study)["customer_id"])


def test_call_back_needs_a_time_and_comes_back_first_when_due(desk, app_store, study_named):
    study = study_named("demo")
    me = _first_interviewer(app_store, study)
    customer_id = desk.selectbox(key="desk_target").value
    desk.radio(key="desk_outcome").set_value("call_back")
    desk.date_input(key="desk_back_day").set_value(date.today() + timedelta(days=1))
    desk.time_input(key="desk_back_time").set_value(datetime.strptime("15:30", "%H:%M").time())
    _button(desk, "Log call").click().run()
    assert not desk.exception
    last = calls.attempts(app_store, study, customer_id).iloc[-1]
    assert last["outcome"] == "call_back"
    assert last["call_back_at"] == datetime.combine(
        date.today() + timedelta(days=1), datetime.strptime("15:30", "%H:%M").time()
    )
    # not due today, so off today's list; tomorrow it heads the list
    assert customer_id not in set(calls.my_calls(app_store, study, me.id)["customer_id"])
    tomorrow = calls.my_calls(
        app_store,
        study,
        me.id,
        at=datetime.combine(date.today() + timedelta(days=1), datetime.min.time()).replace(hour=9),
    )
    due = tomorrow[tomorrow["why"] == "call_back_due"]
    assert customer_id in set(due["customer_id"])
    assert list(tomorrow["why"][: len(due)]) == ["call_back_due"] * len(due)


def test_a_call_back_in_the_past_is_refused_with_a_message(desk, app_store, study_named):
    customer_id = desk.selectbox(key="desk_target").value
    before = len(calls.attempts(app_store, study_named("demo"), customer_id))
    desk.radio(key="desk_outcome").set_value("call_back")
    desk.date_input(key="desk_back_day").set_value(date.today() - timedelta(days=2))
    _button(desk, "Log call").click().run()
    assert not desk.exception
    assert any("after the call" in e.value for e in desk.error)
    assert len(calls.attempts(app_store, study_named("demo"), customer_id)) == before


def test_screening_answers_are_saved_and_fill_missing_customer_facts(desk, app_store, study_named):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    desk.number_input(key=_answer(desk, study, "tenure_years")).set_value(6.5)
    desk.selectbox(key=_answer(desk, study, "where_now")).set_value("competitor")
    desk.text_input(key=_answer(desk, study, "competitor")).input("Sysmex")
    desk.selectbox(key=_answer(desk, study, "still_buys_from_us")).set_value("yes")
    desk.selectbox(key=_answer(desk, study, "education")).set_value("master")
    desk.selectbox(key=_answer(desk, study, "consent")).set_value("yes")
    desk.selectbox(key=_answer(desk, study, "preferred_mode")).set_value("video")
    desk.text_input(key=_answer(desk, study, "place")).input("Tencent Meeting")
    _button(desk, "Save answers").click().run()
    assert not desk.exception
    saved = calls.get_screening(app_store, study, customer_id)
    assert (
        saved["tenure_years"],
        saved["where_now"],
        saved["competitor"],
        saved["still_buys_from_us"],
        saved["consent"],
        saved["preferred_mode"],
        saved["preferred_place"],
    ) == (6.5, "competitor", "Sysmex", "yes", "yes", "video", "Tencent Meeting")
    assert saved["updated_by"] == "page-tester" and saved["version"] == 2
    assert calls.customer_file(app_store, study, customer_id)["education"] == "master"
    assert "Answers saved." in [s.value for s in desk.success]
    # the booking form takes the preferred mode
    assert desk.selectbox(key=_answer(desk, study, "mode")).value == "video"


@pytest.mark.parametrize("answer", calls.FORMER_ANSWERS)
def test_left_the_category_makes_a_former_customer(desk, app_store, study_named, answer):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    before = detection.results(app_store, study)
    defectors_before = before["status"].isin(detection.DEFECTOR_STATUSES).sum()
    desk.selectbox(key=_answer(desk, study, "where_now")).set_value(answer)
    _button(desk, "Save answers").click().run()
    assert not desk.exception
    after = detection.results(app_store, study).set_index("customer_id")
    assert after.loc[customer_id, "status"] == "former"
    assert after.loc[customer_id, "former_reason"].startswith("Screening call: ")
    assert after["status"].isin(detection.DEFECTOR_STATUSES).sum() == defectors_before - 1
    assert any("former customer" in s.value for s in desk.success)
    # and off today's list
    me = _first_interviewer(app_store, study)
    assert customer_id not in set(calls.my_calls(app_store, study, me.id)["customer_id"])


def test_book_an_interview_in_a_free_slot_and_get_the_invitation(desk, app_store, study_named):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    manager_id = desk.selectbox(key="desk_manager").value
    manager = team.get_member_by_id(app_store, manager_id)
    slot = desk.selectbox(key="desk_slot").value
    assert slot != "custom"
    _button(desk, "Book interview").click().run()
    assert not desk.exception, [e.value for e in desk.exception]
    booked = scheduling.list_interviews(app_store, study, customer_id=customer_id)
    assert len(booked) == 1
    interview = booked[0]
    assert interview.manager_id == manager.id and interview.status == "booked"
    assert interview.start == slot
    assert interview.created_by == "page-tester"
    assert any("Booked with" in s.value for s in desk.success)
    assert "Invitation (.ics)" in [b.label for b in desk.get("download_button")]


def test_a_booking_outside_the_managers_hours_is_refused(desk, app_store, study_named):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    desk.selectbox(key="desk_slot").set_value("custom").run()
    desk.date_input(key="desk_day").set_value(date.today() + timedelta(days=2))
    desk.time_input(key="desk_time").set_value(datetime.strptime("03:00", "%H:%M").time())
    _button(desk, "Book interview").click().run()
    assert not desk.exception
    assert any("outside" in e.value for e in desk.error)
    assert scheduling.list_interviews(app_store, study, customer_id=customer_id) == []


def test_a_colleagues_save_of_the_notes_shows_both_versions(desk, app_store, study_named):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    notes_key = f"desk_notes_{study.id}_{customer_id}"
    screening = calls.screening_or_new(app_store, study, customer_id)  # as the page shows it
    calls.save_notes(
        app_store, study, customer_id, "colleague's words", screening["version"], actor="li"
    )
    try:
        calls.save_notes(
            app_store, study, customer_id, "my words", screening["version"], actor="page-tester"
        )
    except records.EditConflictError as e:
        desk.session_state[f"{notes_key}_error"] = e
    desk.run()
    assert not desk.exception
    texts = [x.value for x in desk.text]
    assert "colleague's words" in texts and "my words" in texts
    assert any("saved this record" in e.value for e in desk.error)
    _button(desk, "Save mine over theirs").click().run()
    assert calls.get_screening(app_store, study, customer_id)["notes"] == "my words"
    kept = [
        v["data"]["notes"]
        for v in records.history(app_store, "screening", f"{study.id}/{customer_id}")
    ]
    assert "colleague's words" in kept and "my words" in kept  # nothing lost


def _writes(store) -> tuple[int, int, int]:
    with store.cursor() as cur:
        return tuple(
            cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("screenings", "audit_log", "record_versions")
        )


def test_opening_targets_writes_nothing_until_something_is_saved(desk, app_store, study_named):
    study = study_named("demo")
    before = _writes(app_store)
    ids = [label.split(" ")[0] for label in desk.selectbox(key="desk_target").options]
    unopened = [c for c in ids if calls.get_screening(app_store, study, c) is None]
    assert len(unopened) >= 2
    for customer_id in unopened[:3]:
        desk.selectbox(key="desk_target").set_value(customer_id).run()
        assert not desk.exception
    assert _writes(app_store) == before
    assert calls.get_screening(app_store, study, customer_id) is None
    # the first save stores the record
    desk.selectbox(key=_answer(desk, study, "consent")).set_value("yes")
    _button(desk, "Save answers").click().run()
    assert not desk.exception
    assert calls.get_screening(app_store, study, customer_id)["consent"] == "yes"


def test_the_script_is_there_in_both_languages(desk):
    script = " ".join(m.value for m in desk.markdown)
    assert "How long did you buy from us?" in script
    assert "Script in English" not in script
    desk.session_state["app_language"] = "zh"
    desk.run()
    assert not desk.exception
    assert [t.value for t in desk.title] == ["电话访谈台"]
    assert "您和我们合作了多长时间" in " ".join(m.value for m in desk.markdown)
    assert "Script in English" in [e.label for e in desk.expander]
