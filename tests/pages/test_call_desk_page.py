"""The Call desk page: my calls today, every call outcome, screening answers, booking."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from research.base import records
from research.desk import calls, scheduling, team
from research.selection import detection
from tests.pages.sessions import SIGNED_IN_NAME, signed_in

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
    desk.radio(key="desk_outcome").set_value(outcome).run()  # the button comes alive
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
    assert last["created_by"] == SIGNED_IN_NAME
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
    desk.radio(key="desk_outcome").set_value("call_back").run()  # the fields appear
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
    desk.radio(key="desk_outcome").set_value("call_back").run()  # the fields appear
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
    assert saved["updated_by"] == SIGNED_IN_NAME and saved["version"] == 2
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
    assert interview.created_by == SIGNED_IN_NAME
    assert any("Booked with" in s.value for s in desk.success)
    assert "Invitation (.ics)" in [b.label for b in desk.get("download_button")]


def test_a_booking_outside_the_managers_hours_is_refused(desk, app_store, study_named):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    desk.selectbox(key="desk_slot").set_value("custom").run()
    desk.date_input(key="desk_day").set_value(date.today() + timedelta(days=2))
    desk.time_input(key="desk_time").set_value(datetime.strptime("03:00", "%H:%M").time())
    desk.run()
    # 03:00 is night for a defector in China too: asked first
    assert _button(desk, "Book interview").disabled
    desk.checkbox[0].check().run()
    _button(desk, "Book interview").click().run()
    assert not desk.exception
    assert any("outside" in e.value for e in desk.error)
    assert [e.value.split("**")[1] for e in desk.error] == ["Outside the manager's hours"]
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


# ---------------------------------------------------------------- issue 9: booking in both zones


def _checkbox(at, label):
    found = [c for c in at.checkbox if c.label == label]
    assert found, f"no checkbox {label!r}: {[c.label for c in at.checkbox]}"
    return found[0]


def _set_contact(store, customer_id, phone, region):
    def apply(cur):
        cur.execute(
            "UPDATE customers SET phone = ?, region = ? WHERE customer_id = ?",
            [phone, region, customer_id],
        )

    store.write(apply)


@pytest.fixture
def desk_in_los_angeles(desk, app_store):
    """The open target's phone is a Los Angeles number: the manager is in Shanghai."""
    customer_id = desk.selectbox(key="desk_target").value
    _set_contact(app_store, customer_id, "+1 415 555 0123", "Overseas")
    desk.run()
    assert not desk.exception
    return desk


def test_each_slot_shows_the_defectors_time_and_night_slots_are_flagged(desk_in_los_angeles):
    desk = desk_in_los_angeles
    captions = " ".join(c.value for c in desk.caption)
    assert "Defector's time zone: America/Los_Angeles (from the phone number)." in captions
    labels = [o for o in desk.selectbox(key="desk_slot").options if o != "Another time…"]
    assert labels and all("for them" in o and "(America/Los_Angeles)" in o for o in labels)
    assert all("(Asia/Shanghai)" in o for o in labels)
    night = [o for o in labels if "outside 8:00–21:00 for them" in o]
    day = [o for o in labels if "outside" not in o]
    assert night and day  # 14:00 in Shanghai is 22:00 in Los Angeles; 09:00 is 17:00
    for label in night:
        hour = int(label.split("for them ")[1].split(" (")[0][-5:-3])
        assert hour < 8 or hour >= 21 or hour == 20  # 20:xx runs past 21:00
    # daytime for the defector comes first: the night slots only after every day slot
    first_night = labels.index(night[0])
    assert all("outside" not in o for o in labels[:first_night]) and labels[0] in day
    assert all("outside" in o for o in labels[first_night:])


def test_booking_closes_the_form_and_shows_the_booking_in_both_zones(
    desk_in_los_angeles, app_store, study_named
):
    desk = desk_in_los_angeles
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    box = desk.selectbox(key="desk_slot")
    day_slot = next(i for i, o in enumerate(box.options) if "for them" in o and "outside" not in o)
    box.select_index(day_slot).run()
    assert not [w for w in desk.warning if "8:00–21:00" in w.value]
    desk.text_input(key=_answer(desk, study, "book_place")).input(
        "https://meeting.example.com/j/123_4"
    )
    _button(desk, "Book interview").click().run()
    assert not desk.exception, [e.value for e in desk.exception]
    (interview,) = scheduling.list_interviews(app_store, study, customer_id=customer_id)
    # the form is closed: no booking widgets, the booking is shown instead
    assert "Book interview" not in [b.label for b in desk.button]
    assert "desk_slot" not in [s.key for s in desk.selectbox]
    shown = " ".join(m.value for m in desk.markdown)
    plain = shown.replace("\\", "")  # as the page reads, without Markdown's escapes
    assert "Interview booked" in shown
    assert "manager's time:** " in plain and "(Asia/Shanghai)" in plain
    assert "defector's time:** " in plain and "(America/Los_Angeles)" in plain
    their = interview.start.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"{their:%H:%M}–" in plain
    # the video link works: its address is the link, its text the address as written
    assert "](<https://meeting.example.com/j/123_4>)" in shown
    assert "\u2060" not in shown.split("](<")[0].rsplit("[", 1)[1]
    assert "Invitation (.ics)" in [b.label for b in desk.get("download_button")]
    # the success message stands by the booking, not at the top of the page
    assert any("Booked with" in s.value for s in desk.success)


def test_a_slot_at_night_for_the_defector_warns_and_asks_before_booking(
    desk_in_los_angeles, app_store, study_named
):
    desk = desk_in_los_angeles
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    box = desk.selectbox(key="desk_slot")
    night = next(i for i, o in enumerate(box.options) if "outside 8:00–21:00" in o)
    box.select_index(night).run()
    warnings = [w.value.replace("\\", "") for w in desk.warning if "8:00–21:00" in w.value]
    assert len(warnings) == 1 and "America/Los_Angeles" in warnings[0]
    assert _button(desk, "Book interview").disabled
    _checkbox(desk, "They asked for this time: book it anyway").check().run()
    assert not _button(desk, "Book interview").disabled
    _button(desk, "Book interview").click().run()
    assert not desk.exception, [e.value for e in desk.exception]
    (interview,) = scheduling.list_interviews(app_store, study, customer_id=customer_id)
    assert interview.status == "booked"
    assert any("outside 8:00–21:00 for the defector" in w.value for w in desk.warning)


def test_a_defector_without_a_zone_is_said_to_be_unknown(desk, app_store):
    customer_id = desk.selectbox(key="desk_target").value
    _set_contact(app_store, customer_id, None, None)
    desk.run()
    assert not desk.exception
    captions = " ".join(c.value for c in desk.caption)
    assert "Defector's time zone unknown" in captions
    labels = [o for o in desk.selectbox(key="desk_slot").options if o != "Another time…"]
    assert labels and all("for them time zone unknown" in o for o in labels)
    assert not any("8:00–21:00" in w.value for w in desk.warning)
    assert "**For the defector:** time zone unknown" in [m.value for m in desk.markdown]


def test_call_back_fields_only_for_call_back(desk):
    keys = lambda: {w.key for w in [*desk.date_input, *desk.time_input]}  # noqa: E731
    assert desk.radio(key="desk_outcome").value is None  # nothing logged by a stray click
    assert _button(desk, "Log call").disabled
    assert not {"desk_back_day", "desk_back_time"} & keys()
    desk.radio(key="desk_outcome").set_value("call_back").run()
    assert {"desk_back_day", "desk_back_time"} <= keys()
    desk.radio(key="desk_outcome").set_value("busy").run()
    assert not {"desk_back_day", "desk_back_time"} & keys()


def test_a_refused_call_keeps_what_was_typed_and_says_what_is_wrong(desk):
    desk.radio(key="desk_outcome").set_value("call_back").run()
    desk.date_input(key="desk_back_day").set_value(date.today() - timedelta(days=2))
    desk.text_input(key="desk_note").input("asked to call after the holiday")
    _button(desk, "Log call").click().run()
    assert not desk.exception
    (error,) = desk.error
    assert error.value.startswith("**The call-back time has passed**")
    assert "Something went wrong" not in error.value
    assert desk.text_input(key="desk_note").value == "asked to call after the holiday"
    assert desk.radio(key="desk_outcome").value == "call_back"
    # once logged, the fields are cleared for the next call
    desk.date_input(key="desk_back_day").set_value(date.today() + timedelta(days=1))
    _button(desk, "Log call").click().run()
    assert not desk.exception and not desk.error
    assert desk.text_input(key="desk_note").value == ""
    assert desk.radio(key="desk_outcome").value is None
    assert any(s.value.startswith("Logged: Call back") for s in desk.success)


def test_a_logged_call_clears_the_form_in_the_browser_and_cannot_be_logged_twice(
    desk, app_store, study_named
):
    study = study_named("demo")
    customer_id = desk.selectbox(key="desk_target").value
    before = len(calls.attempts(app_store, study, customer_id))
    desk.radio(key="desk_outcome").set_value("reached").run()
    desk.text_input(key="desk_note").input("spoke with the lab manager")
    _button(desk, "Log call").click().run()
    assert not desk.exception and not desk.error
    assert len(calls.attempts(app_store, study, customer_id)) == before + 1
    outcome, note = desk.radio(key="desk_outcome"), desk.text_input(key="desk_note")
    # cleared, and sent to the browser as cleared: a widget whose key is merely dropped
    # keeps showing (and sends back) what was picked and typed
    assert outcome.value is None and outcome.proto.set_value
    assert note.value == "" and note.proto.set_value
    assert _button(desk, "Log call").disabled  # no outcome: nothing to log again
    desk.run()
    assert len(calls.attempts(app_store, study, customer_id)) == before + 1


def _desk_at(db_path, customer: str | None, login: str | None = None):
    """A new browser session opening the call desk at ``?customer=``."""
    at = signed_in(login) if login else signed_in()
    at.query_params.update({"study": "demo", **({"customer": customer} if customer else {})})
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _query(at, name):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def test_the_open_customer_is_in_the_address_and_a_reload_opens_them(
    desk, db_path, app_store, study_named
):
    study = study_named("demo")
    first = desk.selectbox(key="desk_target").value
    assert _query(desk, "customer") == first
    # a customer of another interviewer's list
    others = calls.interviewers_of(app_store, study)[1:]
    assert others
    desk.selectbox(key="desk_interviewer").set_value(others[0].id).run()
    options = desk.selectbox(key="desk_target").options
    picked = options[-1].split(" ")[0]
    desk.selectbox(key="desk_target").set_value(picked).run()
    assert _query(desk, "customer") == picked
    # a reload: a new session on the same address opens the same customer and list
    again = _desk_at(db_path, picked)
    assert again.selectbox(key="desk_target").value == picked
    assert again.selectbox(key="desk_interviewer").value == others[0].id
    assert any(h.value.startswith("Calling ") for h in again.subheader)
    assert not again.warning
    # and a pick there writes the address again
    again.selectbox(key="desk_target").set_value(options[0].split(" ")[0]).run()
    assert _query(again, "customer") == options[0].split(" ")[0]
    assert again.selectbox(key="desk_interviewer").value == others[0].id


def test_an_address_naming_someone_off_the_lists_says_so_and_opens_the_first(desk, db_path):
    first = desk.selectbox(key="desk_target").value
    at = _desk_at(db_path, "NO-SUCH-CUSTOMER")
    assert at.selectbox(key="desk_target").value == first
    assert [w.value for w in at.warning] == [
        "The link named NO-SUCH-CUSTOMER, who is not on a call list you can open; "
        "showing your list instead."
    ]
    assert _query(at, "customer") == first


def test_empty_cells_are_empty_and_money_has_two_decimals(desk, app_store, study_named):
    study = study_named("demo")
    grid = desk.dataframe[0]
    frame = grid.value
    assert frame["call_back_at"].isna().any()  # most calls have no call-back
    assert str(frame["call_back_at"].dtype).startswith("datetime64")
    text = frame.select_dtypes(include="object")
    assert not text.isin(["None", "nan", "NaT"]).any().any()
    assert not text.isna().any().any()
    config = json.loads(grid.proto.columns)
    assert config["spend_lost"]["type_config"]["format"] == "%,.2f"
    # an empty call-back cell reads empty, not "None"
    assert grid.proto.HasField("placeholder") and grid.proto.placeholder == ""
    # the previous calls of a target too
    customer_id = desk.selectbox(key="desk_target").value
    calls.log_attempt(app_store, study, customer_id, "no_answer", actor="x")
    desk.run()
    grid = [d for d in desk.dataframe if "called_at" in d.value.columns][0]
    assert grid.proto.HasField("placeholder") and grid.proto.placeholder == ""
    history = grid.value
    assert str(history["call_back_at"].dtype).startswith("datetime64")
    text = history.select_dtypes(include="object")
    assert not text.isin(["None", "nan"]).any().any() and not text.isna().any().any()
    assert "" in history["note"].tolist()  # the call just logged has no note


@pytest.fixture
def duplicate_state_warnings(monkeypatch):
    """What Streamlit logs when a widget has a default and a session-state value: it
    checks only with a runtime (AppTest has none) and warns once per process."""
    from streamlit.elements.lib import policies

    found = []
    monkeypatch.setattr(policies.runtime, "exists", lambda: True)
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *a, **k: found.append(msg % a))
    return found


def test_no_widget_gets_a_default_and_a_session_state_value(
    desk, study_named, duplicate_state_warnings
):
    study = study_named("demo")
    desk.selectbox(key=_answer(desk, study, "preferred_mode")).set_value("video")
    desk.text_input(key=_answer(desk, study, "place")).input("Tencent Meeting")
    _button(desk, "Save answers").click().run()
    assert not desk.exception
    assert desk.text_input(key=_answer(desk, study, "book_place")).value == "Tencent Meeting"
    assert desk.selectbox(key=_answer(desk, study, "mode")).value == "video"
    assert any(s.value == "Answers saved." for s in desk.success)
    desk.run()
    assert not desk.exception
    assert duplicate_state_warnings == []


def test_the_week_file_of_one_interview_is_singular(app, open_page, app_store, study_named):
    study = study_named("demo")
    manager = team.study_team(app_store, study, "senior_manager")[0].member
    monday = date.today() - timedelta(days=date.today().weekday()) + timedelta(days=21)
    assert scheduling.week_interviews(app_store, study, manager, monday) == []
    slot = scheduling.free_slots(app_store, manager, monday, days=7)[0]
    targets = calls.call_state(app_store, study)
    customer_id = targets.loc[~targets["booked"], "customer_id"].iloc[-1]
    scheduling.book_interview(
        app_store,
        study,
        customer_id,
        manager,
        slot.replace(tzinfo=None),
        manager.time_zone,
        actor="x",
    )
    agenda = open_page(app, "pages/agenda.py")
    agenda.selectbox(key="agenda_week").set_value(monday).run()
    labels = [b.label for b in agenda.get("download_button")]
    assert f"{manager.name}: 1 interview (.ics)" in labels
    assert not [b for b in labels if " 1 interviews" in b]
