"""Invitations read back with icalendar: the zone, the times, one event per booking
whose UID stays and whose SEQUENCE rises with every change, a cancel that cancels."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from research.desk import calendar_files, scheduling, team

ACTOR = "tester"
NOW = datetime(2030, 1, 1)
MONDAY = date(2030, 1, 7)


@pytest.fixture
def booked(store, study, add_customers, add_results):
    add_customers([("A", "Alpha Lab"), ("B", "Beta Hospital")])
    add_results(study, [("A", "full", "best_core", 900, 0), ("B", "full", "general", 100, 0)])

    def contacts(cur):
        cur.execute(
            "UPDATE customers SET email = 'buyer@alpha.example', contact_person = '李明',"
            " phone = '13812345678' WHERE customer_id = 'A'"
        )

    store.write(contacts)
    wang = team.add_member(
        store,
        "Wang",
        "senior_manager",
        actor=ACTOR,
        email="wang@example.cn",
        available_hours="mon-fri 09:00-17:00",
    )
    team.add_to_study(store, study, wang, actor=ACTOR)
    interview = scheduling.book_interview(
        store,
        study,
        "A",
        wang,
        datetime.combine(MONDAY, time(10)),
        "Asia/Shanghai",
        actor=ACTOR,
        length_minutes=90,
        mode="face_to_face",
        place="上海总部 3F",
        now_utc=NOW,
    )
    return {"manager": wang, "interview": interview}


def events(data: bytes):
    cal = Calendar.from_ical(data)
    return cal, [c for c in cal.walk("VEVENT")]


def test_an_invitation_carries_the_zone_and_the_right_times(booked):
    cal, found = events(calendar_files.invitation(booked["interview"]))
    assert str(cal["METHOD"]) == "REQUEST"
    zones = [str(z["TZID"]) for z in cal.walk("VTIMEZONE")]
    assert zones == ["Asia/Shanghai"]
    (event,) = found
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == datetime(2030, 1, 7, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert start.utcoffset() == timedelta(hours=8)
    assert end - start == timedelta(minutes=90)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (
        booked["interview"].uid,
        0,
        "CONFIRMED",
    )
    assert str(event["LOCATION"]) == "上海总部 3F"
    assert "Alpha Lab" in str(event["SUMMARY"]) and "Wang" in str(event["SUMMARY"])
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == ["mailto:buyer@alpha.example", "mailto:wang@example.cn"]
    assert str(event["ORGANIZER"]) == "mailto:wang@example.cn"
    assert "Contact: 李明, +86 138 1234 5678" in str(event["DESCRIPTION"])


def test_a_change_updates_the_same_event_and_a_cancel_cancels_it(store, booked):
    interview = booked["interview"]
    moved = scheduling.reschedule(
        store, interview.id, datetime(2030, 1, 8, 14), "Asia/Shanghai", actor=ACTOR, now_utc=NOW
    )
    _, (event,) = events(calendar_files.invitation(moved))
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (interview.uid, 1)
    assert event.decoded("DTSTART") == datetime(2030, 1, 8, 14, tzinfo=ZoneInfo("Asia/Shanghai"))
    gone = scheduling.cancel(store, interview.id, actor=ACTOR, now_utc=NOW)
    cal, (event,) = events(calendar_files.invitation(gone))
    assert str(cal["METHOD"]) == "CANCEL"
    assert (str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])) == (
        interview.uid,
        2,
        "CANCELLED",
    )


def test_no_attendee_for_a_defector_without_email(store, study, booked):
    other = scheduling.book_interview(
        store,
        study,
        "B",
        booked["manager"],
        datetime(2030, 1, 7, 14),
        "Asia/Shanghai",
        actor=ACTOR,
        now_utc=NOW,
    )
    _, (event,) = events(calendar_files.invitation(other))
    attendees = event["ATTENDEE"]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert [str(a) for a in attendees] == ["mailto:wang@example.cn"]


def test_one_file_per_manager_per_week_in_another_zone(store, study, booked):
    berger = team.add_member(
        store,
        "Berger",
        "senior_manager",
        actor=ACTOR,
        time_zone="Europe/Berlin",
        available_hours="mon-fri 09:00-16:00",
    )
    team.add_to_study(store, study, berger, actor=ACTOR)
    # a week with a change of clocks: 2030-03-31 is the last Sunday of March
    monday = date(2030, 3, 25)
    before = scheduling.book_interview(
        store,
        study,
        "B",
        berger,
        datetime(2030, 3, 25, 9),
        "Europe/Berlin",
        actor=ACTOR,
        now_utc=NOW,
    )
    scheduling.cancel(store, before.id, actor=ACTOR, now_utc=NOW)
    after = scheduling.book_interview(
        store,
        study,
        "B",
        berger,
        datetime(2030, 4, 1, 9),
        "Europe/Berlin",
        actor=ACTOR,
        now_utc=NOW,
    )
    week = scheduling.week_interviews(store, study, berger, monday)
    cal, found = events(calendar_files.week_calendar(week, berger, monday))
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]).endswith("2030-W13")
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert [(str(e["STATUS"]), int(e["SEQUENCE"])) for e in found] == [("CANCELLED", 1)]
    assert found[0].decoded("DTSTART").utcoffset() == timedelta(hours=1)  # winter time
    next_week = scheduling.week_interviews(store, study, berger, date(2030, 4, 1))
    _, (summer,) = events(calendar_files.week_calendar(next_week, berger, date(2030, 4, 1)))
    assert summer.decoded("DTSTART").utcoffset() == timedelta(hours=2)  # summer time
    assert summer.decoded("DTSTART").astimezone(ZoneInfo("UTC")).hour == 7
    assert str(summer["UID"]) == after.uid
    assert calendar_files.week_file_name(berger, monday) == "interviews-Berger-2030-W13.ics"
