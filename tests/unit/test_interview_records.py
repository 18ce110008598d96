"""A booked interview's record (the agenda's "Record the interview findings"), the
agenda after a final record, and discarding a record started by accident."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from research.base import records
from research.desk import scheduling, team
from research.findings import interviews
from research.findings.interviews import FindingError

ACTOR = "typist"
BOOKED_AT = datetime(2030, 1, 1)  # naive UTC, when the bookings were made
MONDAY = date(2030, 1, 7)
SHANGHAI = "Asia/Shanghai"


@pytest.fixture
def setup(store, study, add_customers, add_results):
    add_customers([("A", "Alpha Lab"), ("B", "Beta Hospital")])
    add_results(study, [("A", "full", "best_core", 900, 0), ("B", "partial", "general", 500, 9)])
    wang = team.add_member(
        store,
        "Wang Fang",
        "senior_manager",
        actor=ACTOR,
        time_zone=SHANGHAI,
        available_hours="mon-fri 07:00-12:00",
    )
    team.add_to_study(store, study, wang, actor=ACTOR, quota=12)
    return wang


def book(store, study, manager, customer, hour: int):
    # 07:30 in Shanghai on Monday is 23:30 UTC on Sunday: the day is the manager's
    return scheduling.book_interview(
        store,
        study,
        customer,
        manager,
        datetime.combine(MONDAY, time(hour, 30)),
        SHANGHAI,
        actor=ACTOR,
        now_utc=BOOKED_AT,
    )


def test_a_booked_interview_is_recorded_with_the_managers_name_and_the_bookings_day(
    store, study, setup
):
    older = interviews.create_finding(store, study, "A", actor=ACTOR)  # before the booking
    booking = book(store, study, setup, "A", 7)
    assert booking.starts_at_utc == datetime(2030, 1, 6, 23, 30)
    assert interviews.finding_of_interview(store, booking.id) is None  # not the older one

    made = interviews.record_interview(
        store, study, booking.id, actor=ACTOR, now_utc=datetime(2030, 1, 7, 1)
    )
    assert made.id != older.id
    assert (made.interview_id, made.interviewer, made.interview_date) == (
        booking.id,
        "Wang Fang",
        MONDAY,
    )
    assert made.created_by == ACTOR
    # asked again (a second click, a colleague): the same record, not another
    again = interviews.record_interview(
        store, study, booking.id, actor="other", now_utc=datetime(2030, 1, 8)
    )
    assert again.id == made.id
    assert interviews.finding_of_interview(store, booking.id) == made.id


def test_an_interview_is_not_recorded_before_it_starts_nor_when_it_did_not_happen(
    store, study, setup
):
    booking = book(store, study, setup, "A", 9)  # 01:30 UTC on the Monday
    with pytest.raises(FindingError) as caught:
        interviews.record_interview(
            store, study, booking.id, actor=ACTOR, now_utc=datetime(2030, 1, 7, 1, 29)
        )
    assert caught.value.key == "error.interview_not_yet"
    assert "2030-01-07 09:30" in str(caught.value)
    assert interviews.list_findings(store, study).empty
    assert interviews.can_record(booking, datetime(2030, 1, 7, 1, 30)) is None

    cancelled = scheduling.cancel(store, booking.id, actor=ACTOR, reason="ill")
    assert interviews.can_record(cancelled, datetime(2030, 2, 1)) == "error.interview_not_held"
    with pytest.raises(FindingError):
        interviews.record_interview(
            store, study, booking.id, actor=ACTOR, now_utc=datetime(2030, 2, 1)
        )


def test_an_unlinked_record_made_after_the_booking_is_its_record(store, study, setup):
    booking = book(store, study, setup, "B", 8)
    unlinked = interviews.create_finding(store, study, "B", actor=ACTOR)  # picked by customer
    assert interviews.finding_of_interview(store, booking.id) == unlinked.id


def test_a_final_record_takes_the_interview_off_the_agenda(store, study, setup):
    booking = book(store, study, setup, "A", 7)
    later = datetime(2030, 1, 8)
    assert [i.id for i in scheduling.interviews_awaiting_findings(store, study, now_utc=later)] == [
        booking.id
    ]
    made = interviews.record_interview(store, study, booking.id, actor=ACTOR, now_utc=later)
    interviews.save_fields(
        store, made.id, {"primary_code": "price_value"}, base_version=made.version, actor=ACTOR
    )
    assert scheduling.interviews_awaiting_findings(store, study, now_utc=later)  # a draft
    interviews.finalize(store, made.id, actor=ACTOR)
    assert scheduling.interviews_awaiting_findings(store, study, now_utc=later) == []
    (held,) = scheduling.list_interviews(store, study)
    assert held.held and held.status == "booked"
    progress = scheduling.quota_progress(store, study)
    assert (progress.loc[0, "done"], progress.loc[0, "booked"]) == (1, 0)


def test_an_empty_record_is_discarded_with_its_versions(store, study, setup):
    keep = interviews.create_finding(store, study, "B", actor=ACTOR)
    empty = interviews.create_finding(store, study, "A", actor=ACTOR)
    # a quote added and taken off again leaves the record empty
    quote = interviews.add_quote(store, empty.id, actor=ACTOR)
    interviews.remove_quote(store, quote, actor=ACTOR)
    assert interviews.is_empty(store, empty.id)

    interviews.discard_finding(store, empty.id, actor=ACTOR)
    assert list(interviews.list_findings(store, study)["id"]) == [keep.id]
    assert records.history(store, interviews.RECORD_TYPE, str(empty.id)) == []
    assert records.history(store, interviews.QUOTE_RECORD_TYPE, str(quote)) == []
    assert records.history(store, interviews.RECORD_TYPE, str(keep.id))  # untouched
    with store.cursor() as cur:
        audited = cur.execute(
            "SELECT actor FROM audit_log WHERE action = 'finding.discard'"
        ).fetchall()
    assert audited == [(ACTOR,)]
    with pytest.raises(FindingError):
        interviews.get_finding(store, empty.id)


@pytest.mark.parametrize(
    "answer",
    [
        {"summary": "They left for the price"},
        {"controllable": False},
        {"secondary_codes": ["price_value"]},
        {"sat_product": "no_opinion"},
    ],
)
def test_a_record_with_any_answer_is_not_discarded(store, study, setup, answer):
    made = interviews.create_finding(store, study, "A", actor=ACTOR)
    interviews.save_fields(store, made.id, answer, base_version=made.version, actor=ACTOR)
    assert not interviews.is_empty(store, made.id)
    with pytest.raises(FindingError) as caught:
        interviews.discard_finding(store, made.id, actor=ACTOR)
    assert caught.value.key == "error.finding_not_empty"
    assert interviews.get_finding(store, made.id).id == made.id


def test_a_record_with_a_quote_or_a_final_record_is_not_discarded(store, study, setup):
    quoted = interviews.create_finding(store, study, "A", actor=ACTOR)
    interviews.add_quote(store, quoted.id, actor=ACTOR)
    assert not interviews.is_empty(store, quoted.id)
    final = interviews.create_finding(store, study, "B", actor=ACTOR)
    interviews.save_fields(
        store, final.id, {"primary_code": "price_value"}, base_version=1, actor=ACTOR
    )
    interviews.finalize(store, final.id, actor=ACTOR)
    for fid in (quoted.id, final.id):
        with pytest.raises(FindingError):
            interviews.discard_finding(store, fid, actor=ACTOR)
    assert len(interviews.list_findings(store, study)) == 2


def test_a_new_record_from_the_interview_page_belongs_to_the_customers_booking(store, study, setup):
    after = datetime(2030, 1, 7, 3)  # Monday 11:00 in Shanghai: both interviews have begun
    a = book(store, study, setup, "A", 7)
    book(store, study, setup, "B", 10)
    made = interviews.new_record(store, study, "A", actor=ACTOR, now_utc=after)
    assert (made.interviewer, made.interview_date) == ("Wang Fang", MONDAY)
    assert interviews.finding_of_interview(store, a.id) == made.id
    # a second press finds no open booking left: a record of its own, by the typist, today
    again = interviews.new_record(store, study, "A", actor=ACTOR, now_utc=after)
    assert again.id != made.id and again.interviewer == ACTOR
    assert interviews.finding_of_interview(store, a.id) == made.id
    # before the booking's start it is not that interview's record
    early = interviews.new_record(store, study, "B", actor=ACTOR, now_utc=datetime(2030, 1, 6))
    assert early.interviewer == ACTOR
