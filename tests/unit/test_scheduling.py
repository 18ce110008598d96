"""Booking interviews: the manager's hours in their zone, no double booking, changes
kept in the history, free slots, the agenda and the quotas."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from research.base.errors import ResearchError
from research.desk import calls, scheduling, team
from research.findings import interviews
from research.selection import sampling

ACTOR = "tester"
NOW = datetime(2030, 1, 1)  # naive UTC; 2030-01-07 is a Monday
MONDAY = date(2030, 1, 7)
SHANGHAI = "Asia/Shanghai"


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def setup(store, study, add_customers, add_results):
    add_customers([("A", "Alpha Lab"), ("B", "Beta Hospital"), ("C", "Gamma")])
    add_results(
        study,
        [
            ("A", "full", "best_core", 900, 0),
            ("B", "partial", "general", 500, 100),
            ("C", "full", "general", 100, 0),
        ],
    )
    wang = team.add_member(
        store,
        "Wang",
        "senior_manager",
        actor=ACTOR,
        time_zone=SHANGHAI,
        email="wang@example.cn",
        available_hours="mon-fri 09:00-12:00,14:00-17:30",
    )
    team.add_to_study(store, study, wang, actor=ACTOR, quota=12)
    return wang


def book(store, study, manager, customer, start, zone=SHANGHAI, **kw):
    return scheduling.book_interview(
        store, study, customer, manager, start, zone, actor=ACTOR, now_utc=NOW, **kw
    )


def test_a_booking_is_stored_in_utc_with_its_zone_and_history(store, study, setup):
    interview = book(
        store, study, setup, "A", at(10), length_minutes=45, mode="video", place="Tencent Meeting"
    )
    assert interview.starts_at_utc == datetime(2030, 1, 7, 2, 0)
    assert interview.start.isoformat() == "2030-01-07T10:00:00+08:00"
    assert (
        interview.length_minutes,
        interview.mode,
        interview.place,
        interview.status,
        interview.sequence,
        interview.created_by,
    ) == (45, "video", "Tencent Meeting", "booked", 0, ACTOR)
    assert interview.uid.endswith("@defectors")
    assert list(scheduling.history(store, interview.id)["action"]) == ["booked"]


@pytest.mark.parametrize(
    "start, length",
    [
        (at(12, 30), 60),  # lunch
        (at(11, 30), 60),  # runs past 12:00
        (at(8, 30), 60),  # starts before 09:00
        (at(10, day=date(2030, 1, 12)), 60),  # a Saturday
        (at(17), 60),  # runs past 17:30
    ],
)
def test_bookings_outside_the_managers_hours_are_refused(store, study, setup, start, length):
    with pytest.raises(ResearchError) as e:
        book(store, study, setup, "A", start, length_minutes=length)
    assert e.value.key == "error.outside_hours"
    assert scheduling.list_interviews(store, study) == []


def test_hours_are_read_in_the_managers_zone_whatever_zone_the_booking_is_in(store, study, setup):
    # 03:00 in Berlin (UTC+1 in January) is 10:00 in Shanghai: inside Wang's hours
    interview = book(store, study, setup, "A", at(3), zone="Europe/Berlin")
    assert interview.start_for_manager().isoformat() == "2030-01-07T10:00:00+08:00"
    assert interview.time_zone == "Europe/Berlin"
    # 10:00 in Berlin is 17:00 in Shanghai: an hour-long interview would run past 17:30
    with pytest.raises(ResearchError) as e:
        book(store, study, setup, "B", at(10), zone="Europe/Berlin")
    assert e.value.key == "error.outside_hours"


def test_double_booking_is_refused_but_back_to_back_is_fine(store, study, setup):
    book(store, study, setup, "A", at(10))
    with pytest.raises(ResearchError) as e:
        book(store, study, setup, "B", at(10, 30))
    assert e.value.key == "error.double_booking"
    assert "Alpha Lab" in str(e.value)
    assert book(store, study, setup, "B", at(11)).starts_at_utc == datetime(2030, 1, 7, 3, 0)
    with pytest.raises(ResearchError) as e:
        book(store, study, setup, "A", at(14))
    assert e.value.key == "error.already_booked"


@pytest.mark.parametrize(
    "case, key",
    [
        ("past", "error.booking_in_past"),
        ("not_manager", "error.not_manager"),
        ("not_on_team", "error.not_on_team"),
        ("no_hours", "error.manager_no_hours"),
        ("do_not_call", "error.do_not_call"),
        ("mode", "error.mode_invalid"),
        ("length", "error.length_range"),
        ("zone", "error.time_zone_invalid"),
    ],
)
def test_bookings_that_cannot_be_made_say_why(store, study, setup, case, key):
    manager, start, kw = setup, at(10), {}
    if case == "past":
        start = datetime(2029, 12, 31, 10)
    elif case == "not_manager":
        manager = team.add_member(store, "Li", "sales", actor=ACTOR)
        team.add_to_study(store, study, manager, actor=ACTOR)
    elif case == "not_on_team":
        manager = team.add_member(
            store, "Zhou", "senior_manager", actor=ACTOR, available_hours="mon-fri 09:00-17:00"
        )
    elif case == "no_hours":
        manager = team.add_member(store, "Zhou", "senior_manager", actor=ACTOR)
        team.add_to_study(store, study, manager, actor=ACTOR)
    elif case == "do_not_call":
        calls.log_attempt(store, study, "A", "do_not_call", actor=ACTOR)
    elif case == "mode":
        kw["mode"] = "carrier pigeon"
    elif case == "length":
        kw["length_minutes"] = 5
    with pytest.raises(ResearchError) as e:
        book(
            store,
            study,
            manager,
            "A",
            start,
            zone="Nowhere/City" if case == "zone" else SHANGHAI,
            **kw,
        )
    assert e.value.key == key


def test_free_slots_skip_bookings_and_lunch(store, study, setup):
    book(store, study, setup, "A", at(10))
    slots = scheduling.free_slots(store, setup, MONDAY, days=1, now_utc=NOW)
    assert [s.strftime("%H:%M") for s in slots] == [
        "09:00",
        "11:00",
        "14:00",
        "14:30",
        "15:00",
        "15:30",
        "16:00",
        "16:30",
    ]
    assert all(s.tzinfo.key == SHANGHAI for s in slots)
    # none in the past: at 07:00 UTC (15:00 in Shanghai) only the later ones are left
    later = scheduling.free_slots(store, setup, MONDAY, days=1, now_utc=datetime(2030, 1, 7, 7))
    assert [s.strftime("%H:%M") for s in later] == ["15:00", "15:30", "16:00", "16:30"]
    # a weekend has none
    assert scheduling.free_slots(store, setup, date(2030, 1, 12), days=2, now_utc=NOW) == []


def test_reschedule_cancel_no_show_and_held_keep_the_history(store, study, setup):
    first = book(store, study, setup, "A", at(10))
    other = book(store, study, setup, "B", at(14))
    with pytest.raises(ResearchError) as e:
        scheduling.reschedule(store, first.id, at(14, 30), SHANGHAI, actor=ACTOR, now_utc=NOW)
    assert e.value.key == "error.double_booking"
    moved = scheduling.reschedule(
        store,
        first.id,
        at(9, day=date(2030, 1, 8)),
        SHANGHAI,
        actor="boss",
        place="Room 3",
        now_utc=NOW,
    )
    assert (moved.uid, moved.sequence, moved.place, moved.updated_by) == (
        first.uid,
        1,
        "Room 3",
        "boss",
    )
    assert moved.starts_at_utc == datetime(2030, 1, 8, 1, 0)
    events = scheduling.history(store, first.id)
    assert list(events["action"]) == ["booked", "rescheduled"]
    assert '"from_utc": "2030-01-07 02:00:00"' in events["detail"][1]
    # moving back into the slot it held itself is fine
    assert (
        scheduling.reschedule(store, first.id, at(10), SHANGHAI, actor=ACTOR, now_utc=NOW).sequence
        == 2
    )

    cancelled = scheduling.cancel(store, other.id, actor=ACTOR, reason="travelling", now_utc=NOW)
    assert (cancelled.status, cancelled.sequence, cancelled.note) == ("cancelled", 1, "travelling")
    with pytest.raises(ResearchError) as e:
        scheduling.reschedule(store, other.id, at(15), SHANGHAI, actor=ACTOR, now_utc=NOW)
    assert e.value.key == "error.interview_not_booked"
    # the cancelled slot is free again, and the customer can be booked again
    assert book(store, study, setup, "B", at(14)).status == "booked"

    with pytest.raises(ResearchError) as e:
        scheduling.mark_no_show(store, first.id, actor=ACTOR, now_utc=NOW)
    assert e.value.key == "error.interview_not_started"
    after = datetime(2030, 1, 7, 4)
    assert scheduling.mark_no_show(store, first.id, actor=ACTOR, now_utc=after).status == "no_show"
    assert list(scheduling.history(store, first.id)["action"]) == [
        "booked",
        "rescheduled",
        "rescheduled",
        "no_show",
    ]
    third = book(store, study, setup, "C", at(16))
    done = scheduling.mark_done(store, third.id, actor=ACTOR, now_utc=datetime(2030, 1, 8))
    assert (done.status, done.sequence) == ("done", 0)


def test_an_interview_held_earlier_than_booked_moves_to_when_it_was_held(store, study, setup):
    booked = book(store, study, setup, "A", at(10, day=date(2030, 1, 9)))
    marked_at = datetime(2030, 1, 7, 6, 30, 17)  # two days early
    done = scheduling.mark_done(store, booked.id, actor=ACTOR, now_utc=marked_at)
    assert done.status == "done" and done.held
    assert done.starts_at_utc == datetime(2030, 1, 7, 6, 30) - timedelta(
        minutes=done.length_minutes
    )
    assert done.sequence == booked.sequence + 1  # the invitation moves too
    events = scheduling.history(store, booked.id)
    assert list(events["action"]) == ["booked", "done"]
    # its record can be written now, and belongs to it
    record = interviews.record_interview(store, study, booked.id, actor=ACTOR, now_utc=marked_at)
    assert record.interview_date == date(2030, 1, 7)
    # a no-show still waits for the booked time
    other = book(store, study, setup, "B", at(14, day=date(2030, 1, 9)))
    with pytest.raises(ResearchError) as e:
        scheduling.mark_no_show(store, other.id, actor=ACTOR, now_utc=marked_at)
    assert e.value.key == "error.interview_not_started"


def test_agenda_and_interviews_awaiting_findings(store, study, setup):
    a = book(store, study, setup, "A", at(10))  # Monday
    b = book(store, study, setup, "B", at(14, day=date(2030, 1, 9)))  # Wednesday
    c = book(store, study, setup, "C", at(9, day=date(2030, 1, 14)))  # next Monday
    tuesday_noon = datetime(2030, 1, 8, 4)  # 12:00 in Shanghai
    agenda = scheduling.agenda(store, study, now_utc=tuesday_noon)
    assert agenda.today == []
    assert [i.id for i in agenda.week] == [a.id, b.id]
    assert [i.id for i in agenda.awaiting_findings] == [a.id]
    monday = scheduling.agenda(store, study, now_utc=datetime(2030, 1, 7, 1))
    assert [i.id for i in monday.today] == [a.id] and monday.awaiting_findings == []
    # marked held, it still awaits its findings until their record is final
    scheduling.mark_done(store, a.id, actor=ACTOR, now_utc=tuesday_noon)
    awaiting = scheduling.interviews_awaiting_findings(store, study, now_utc=tuesday_noon)
    assert [(i.id, i.status, i.held, i.recorded) for i in awaiting] == [(a.id, "done", True, False)]
    scheduling.cancel(store, b.id, actor=ACTOR)
    assert [
        i.id
        for i in scheduling.interviews_awaiting_findings(
            store, study, now_utc=datetime(2030, 1, 10)
        )
    ] == [a.id]
    assert c.id not in [i.id for i in agenda.week]


def test_quota_progress_per_senior_manager(store, study, setup):
    a = book(store, study, setup, "A", at(10))
    book(store, study, setup, "B", at(11))
    scheduling.mark_done(store, a.id, actor=ACTOR, now_utc=datetime(2030, 1, 8))
    row = scheduling.quota_progress(store, study).iloc[0]
    assert (row["manager"], row["quota"], row["done"], row["booked"], row["to_book"]) == (
        "Wang",
        12,
        1,
        1,
        10,
    )
    assert row["share_done"] == pytest.approx(1 / 12) and bool(row["quota_advised"])


def test_iso_weeks_and_a_week_read_in_the_managers_zone(store, study, setup):
    assert scheduling.parse_iso_week("2026-W48") == date(2026, 11, 23)
    assert scheduling.parse_iso_week("2030w2") == date(2030, 1, 7)
    assert scheduling.iso_week_of(date(2030, 1, 13)) == "2030-W02"
    for bad in ("2026-48", "W48", "2026-W54", ""):
        with pytest.raises(ResearchError) as e:
            scheduling.parse_iso_week(bad)
        assert e.value.key == "error.week_invalid"
    early = book(store, study, setup, "A", at(9))  # Monday 09:00 Shanghai = Monday 01:00 UTC
    assert [i.id for i in scheduling.week_interviews(store, study, setup, MONDAY)] == [early.id]
    assert scheduling.week_interviews(store, study, setup, date(2029, 12, 31)) == []


def test_deleting_a_study_takes_its_desk_with_it(store, study, setup):
    from research.base import studies

    interview = book(store, study, setup, "A", at(10))
    calls.log_attempt(store, study, "B", "busy", actor=ACTOR)
    studies.delete_study(store, study, actor=ACTOR)
    with store.cursor() as cur:
        left = {
            table: cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("study_team", "call_attempts", "interviews", "interview_events")
        }
    assert left == {"study_team": 0, "call_attempts": 0, "interviews": 0, "interview_events": 0}
    assert team.get_member(store, "Wang").id == setup.id  # people stay, across studies
    assert interview.id


# ---------------------------------------------------------------- held: one definition


def final_finding(store, study, customer_id, interview_id=None):
    """A final interview record for ``customer_id`` (linked to ``interview_id`` if given)."""
    from research.findings import interviews

    f = interviews.create_finding(
        store, study, customer_id, actor="Wang", interview_id=interview_id
    )
    interviews.save_fields(
        store, f.id, {"primary_code": "price_value"}, base_version=f.version, actor="Wang"
    )
    interviews.finalize(store, f.id, actor="Wang")
    return f


def test_a_final_record_makes_an_interview_held_for_the_funnel_quota_and_agenda(
    store, study, setup
):
    a = book(store, study, setup, "A", at(10))
    b = book(store, study, setup, "B", at(11))
    book(store, study, setup, "C", at(14))
    for cid in "ABC":
        sampling.add_target(store, study, cid, "to interview", actor=ACTOR)
    after = datetime(2030, 1, 8)
    scheduling.mark_done(store, a.id, actor=ACTOR, now_utc=after)
    # A was marked held and B was not; both await their findings
    assert [i.id for i in scheduling.interviews_awaiting_findings(store, study, now_utc=after)] == [
        a.id,
        b.id,
        *[i.id for i in scheduling.list_interviews(store, study, customer_id="C")],
    ]
    final_finding(store, study, "B", interview_id=b.id)
    awaiting = scheduling.interviews_awaiting_findings(store, study, now_utc=after)
    assert b.id not in [i.id for i in awaiting]
    assert scheduling.get_interview(store, b.id).held
    quota = scheduling.quota_progress(store, study).iloc[0]
    progress = calls.progress(store, study)
    assert (quota["done"], quota["booked"]) == (2, 1)
    assert progress.funnel["interviewed"] == 2 == progress.interviews_done
    state = calls.call_state(store, study).set_index("customer_id")
    assert state.loc["B", "interviewed"] and not state.loc["B", "upcoming"]
    assert state.loc["C", "upcoming"] and not state.loc["C", "interviewed"]


def test_a_draft_or_an_imported_record_does_not_make_an_interview_held(store, study, setup):
    from research.findings import interviews

    a = book(store, study, setup, "A", at(10))
    interviews.create_finding(store, study, "A", actor="Wang", interview_id=a.id)  # a draft
    final = final_finding(store, study, "A")

    def as_imported(cur):
        cur.execute("UPDATE findings SET origin = 'import' WHERE id = ?", [final.id])

    store.write(as_imported)
    assert not scheduling.get_interview(store, a.id).held
    assert scheduling.quota_progress(store, study).iloc[0]["done"] == 0
    assert calls.progress(store, study).interviews_done == 0


def test_a_final_record_made_without_the_link_after_the_booking_counts(store, study, setup):
    a = book(store, study, setup, "A", at(10))
    final_finding(store, study, "A")  # picked the customer on the interview page by hand
    assert scheduling.get_interview(store, a.id).held
    after = datetime(2030, 1, 8)
    assert scheduling.interviews_awaiting_findings(store, study, now_utc=after) == []
    # a cancelled booking is never held by a record that is not its own
    c = book(store, study, setup, "C", at(14))
    scheduling.cancel(store, c.id, actor=ACTOR, now_utc=NOW)
    final_finding(store, study, "C")
    assert not scheduling.get_interview(store, c.id).held
