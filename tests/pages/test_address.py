"""Every page knows where it is (issue 9): the study and the language in the address,
the interview record in ``?finding=``, the agenda's link to a booking's own record,
discarding an empty record, a final record's locked boxes, and the checkpoint banner."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from streamlit.testing.v1 import AppTest

from research.analysis import checkpoint
from research.base import studies
from research.desk import calls, scheduling, team
from research.findings import interviews
from tests.pages.sessions import signed_in


def _query(at: AppTest, name: str):
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def _second_study(db_path) -> None:
    from research.base.store import connect

    s = connect(db_path)
    try:
        studies.create_study(s, "Q3 pilot", date(2026, 9, 30), actor="t")
    finally:
        s.close()


def test_an_address_opens_its_study_and_language_and_a_pick_rewrites_it(db_path, app_file):
    _second_study(db_path)
    at = signed_in(app_file=app_file)
    at.query_params["study"] = "demo"
    at.query_params["lang"] = "zh"
    at.switch_page("pages/defectors.py").run()
    assert not at.exception
    # the newest study would be "Q3 pilot": the address wins, and Chinese with it
    assert at.sidebar.selectbox(key="app_study_picker").value == "demo"
    assert at.session_state["app_language"] == "zh"
    assert [t.value for t in at.title] == ["流失客户"]


def test_a_pick_in_the_sidebar_rewrites_the_address(db_path, app_file):
    """The run after a pick: the pickers' callbacks changed the session, the address
    still says what it said before (AppTest reruns a page without app.py, so the state
    a pick leaves behind is set up here and the frame runs once on it)."""
    _second_study(db_path)
    at = signed_in(app_file=app_file)
    at.query_params.update({"study": "demo", "lang": "zh"})
    at.session_state["app_address"] = {"study": "demo", "lang": "zh"}  # read before
    at.session_state["app_study_name"] = "Q3 pilot"  # then picked
    at.session_state["app_language"] = "en"
    at.run()
    assert not at.exception
    assert (_query(at, "study"), _query(at, "lang")) == ("Q3 pilot", "en")
    assert at.sidebar.selectbox(key="app_study_picker").value == "Q3 pilot"
    assert [t.value for t in at.title] == ["Study"]


def test_an_address_without_a_study_gets_the_current_one(app):
    assert (_query(app, "study"), _query(app, "lang")) == ("demo", "en")


def test_an_address_naming_no_study_says_so_and_shows_another(db_path, app_file):
    at = signed_in(app_file=app_file)
    at.query_params["study"] = "no such study"
    at.run()
    assert not at.exception
    said = " ".join(e.value for e in at.error)
    assert "no study named “no such study”" in said and "Showing “demo”" in said
    assert _query(at, "study") == "demo"
    assert at.title  # the page is drawn, not empty


def test_an_interview_address_opens_the_record_in_chinese(db_path, app_file, study_named):
    at = signed_in(app_file=app_file)
    at.run()
    demo = study_named("demo")
    from screen import ui

    row = interviews.list_findings(ui.store(), demo).iloc[3]
    fresh = signed_in(app_file=app_file)
    fresh.query_params.update({"study": "demo", "finding": str(row["id"]), "lang": "zh"})
    fresh.switch_page("pages/interview.py").run()
    assert not fresh.exception
    assert fresh.selectbox(key="interview_customer").value == row["customer_id"]
    assert any(f"#{row['id']}" in h.value for h in fresh.subheader)
    assert [t.value for t in fresh.title] == ["访谈记录"]
    assert _query(fresh, "finding") == str(row["id"])


def test_an_interview_address_naming_no_record_says_so(app, open_page):
    app.query_params["finding"] = "99999"
    page = open_page(app, "pages/interview.py")
    assert any("no interview record #99999" in e.value for e in page.error)
    assert page.selectbox(key="interview_customer").value is None


def _booking(store, study, *, days: int) -> scheduling.Interview:
    """A new booking of a target with no record, ``days`` from now (negative: past)."""
    manager = team.get_member(store, "Helen Xu")
    recorded = set(interviews.list_findings(store, study)["customer_id"])
    booked = {i.customer_id for i in scheduling.list_interviews(store, study)}
    customer = next(
        c for c in calls.call_state(store, study)["customer_id"] if c not in booked | recorded
    )
    slot = scheduling.free_slots(
        store, manager, date.today() + timedelta(days=days), days=5, now_utc=datetime(2000, 1, 1)
    )[0]
    return scheduling.book_interview(
        store,
        study,
        customer,
        manager,
        slot.replace(tzinfo=None),
        manager.time_zone,
        actor="t",
        now_utc=datetime(2000, 1, 1),
    )


def test_the_agendas_link_opens_that_interviews_own_record(app, open_page, app_store, study_named):
    demo = study_named("demo")
    booking = _booking(app_store, demo, days=-7)
    older = interviews.create_finding(app_store, demo, booking.customer_id, actor="someone")
    with app_store.cursor() as cur:  # a record from before the booking was made
        cur.execute(
            "UPDATE findings SET created_at = ? WHERE id = ?",
            [booking.created_at - timedelta(days=1), older.id],
        )
    at = open_page(app, "pages/agenda.py")
    # "Record the interview findings" links to the booking, in the reader's study
    assert any(
        f"interview={booking.id}" in str(link.proto) and "study=demo" in str(link.proto)
        for link in at.get("page_link")
    )
    at.query_params.clear()
    at.query_params.update({"study": "demo", "interview": str(booking.id)})
    page = open_page(at, "pages/interview.py")
    assert page.selectbox(key="interview_customer").value == booking.customer_id
    assert any("has no record yet" in c.value for c in page.caption)
    assert f"interview_{older.id}_summary" not in [str(k) for k in page.session_state]
    page.button(key="interview_record_booking").click().run()
    assert not page.exception
    made = interviews.get_finding(app_store, interviews.finding_of_interview(app_store, booking.id))
    assert made.id != older.id
    assert (made.interview_id, made.interviewer) == (booking.id, "Helen Xu")
    assert made.interview_date == booking.start_for_manager().date()
    assert _query(page, "finding") == str(made.id)
    # drawn anew: the booking no longer says it has no record, nor offers to start one
    assert not any("has no record yet" in c.value for c in page.caption)
    assert "interview_record_booking" not in [b.key for b in page.button]


def test_a_booking_that_has_not_started_cannot_be_recorded_yet(
    app, open_page, app_store, study_named
):
    demo = study_named("demo")
    booking = _booking(app_store, demo, days=3)
    app.query_params.update({"study": "demo", "interview": str(booking.id)})
    page = open_page(app, "pages/interview.py")
    assert page.button(key="interview_record_booking").disabled
    assert any("has not started yet" in w.value for w in page.warning)
    assert interviews.finding_of_interview(app_store, booking.id) is None


def test_a_final_record_leaves_the_agendas_open_interviews(app, open_page, app_store, study_named):
    demo = study_named("demo")
    booking = _booking(app_store, demo, days=-7)
    at = open_page(app, "pages/agenda.py")
    name = booking.customer_name or booking.customer_id
    assert any(name in o for o in at.selectbox(key="agenda_interview").options)
    assert booking.id in [i.id for i in scheduling.agenda(app_store, demo).awaiting_findings]
    made = interviews.record_interview(app_store, demo, booking.id, actor="t")
    interviews.save_fields(
        app_store, made.id, {"primary_code": "price_value"}, base_version=made.version, actor="t"
    )
    interviews.finalize(app_store, made.id, actor="t")
    at = open_page(at, "pages/agenda.py")
    assert not any(name in o for o in at.selectbox(key="agenda_interview").options)
    assert booking.id not in [i.id for i in scheduling.agenda(app_store, demo).awaiting_findings]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Awaiting findings"] == str(
        len(scheduling.agenda(app_store, demo).awaiting_findings)
    )


def test_an_empty_new_record_can_be_discarded(app, open_page, app_store, study_named):
    demo = study_named("demo")
    recorded = set(interviews.list_findings(app_store, demo)["customer_id"])
    customer = next(
        c for c in calls.call_state(app_store, demo)["customer_id"] if c not in recorded
    )
    page = open_page(app, "pages/interview.py")
    page.selectbox(key="interview_customer").set_value(customer).run()
    page.button(key="interview_new").click().run()
    (fid,) = interviews.list_findings(app_store, demo, customer_id=customer)["id"]
    page.button(key=f"interview_{fid}_discard").click().run()
    assert not page.exception
    assert interviews.list_findings(app_store, demo, customer_id=customer).empty
    assert any(f"#{fid} was discarded" in s.value for s in page.success)
    # once it holds an answer, the button is gone
    page.button(key="interview_new").click().run()
    (fid,) = interviews.list_findings(app_store, demo, customer_id=customer)["id"]
    page.radio(key=f"interview_{fid}_win_back").set_value("maybe").run()
    assert f"interview_{fid}_discard" not in [b.key for b in page.button]


def test_a_final_records_text_boxes_are_disabled(app, open_page, app_store, study_named):
    demo = study_named("demo")
    frame = interviews.list_findings(app_store, demo)
    fid = int(frame[frame["status"] == "final"].iloc[0]["id"])
    app.query_params["finding"] = str(fid)
    page = open_page(app, "pages/interview.py")
    stored = interviews.get_finding(app_store, fid)
    boxes = {w.label: w for w in [*page.text_area, *page.text_input] if w.disabled}
    assert boxes["Summary"].value == stored.summary
    assert boxes["Interviewer"].value == (stored.interviewer or "")
    assert f"interview_{fid}_discard" not in [b.key for b in page.button]
    page.toggle(key=f"interview_{fid}_amend").set_value(True).run()
    assert not [w for w in page.text_area if w.disabled and w.label == "Summary"]


def test_the_checkpoint_banner_goes_once_its_review_is_saved(
    app, open_page, app_store, study_named
):
    demo = study_named("demo")
    assert checkpoint.checkpoint(app_store, demo).review_due  # the demo is past a quarter
    page = open_page(app, "pages/review.py")
    assert any("Checkpoint review due" in i.value for i in page.info)
    page.text_input[0].input("周建国, 李娜")
    page.button[0].click().run()
    assert not page.exception and not page.error
    assert not any("Checkpoint review due" in i.value for i in page.info)
    assert any("saved" in s.value.lower() for s in page.success)
    assert not checkpoint.checkpoint(app_store, demo).review_due
