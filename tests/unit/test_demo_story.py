"""The demo tells one true story: calls, then bookings, then interviews held, then their
findings, so every page, count and date agrees (issue 9)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from research.base import studies
from research.base.store import connect
from research.demo.build import DEMO_STUDY
from research.demo.desk import call_days
from research.desk import calls, scheduling
from research.findings import agreement, interviews
from research.selection import sampling


@pytest.fixture(scope="module")
def demo(demo_template, copy_db, tmp_path_factory):
    """The demo built by `defectors demo --customers 300 --as-of 2026-11-01` (conftest)."""
    path = copy_db(demo_template[0], tmp_path_factory.mktemp("story") / "demo.duckdb")
    s = connect(path)
    study = studies.get_study(s, DEMO_STUDY)
    yield s, study
    s.close()


@pytest.fixture(scope="module")
def story(demo):
    s, study = demo
    records = interviews.list_findings(s, study)
    every = {i.id: i for i in scheduling.list_interviews(s, study)}
    with s.cursor() as cur:
        linked = dict(
            cur.execute(
                "SELECT id, interview_id FROM findings WHERE study_id = ?", [study.id]
            ).fetchall()
        )
    return {
        "records": records,
        "interviews": every,
        "linked": linked,
        "state": calls.call_state(s, study, include_do_not_call=True).set_index("customer_id"),
        "attempts": calls.attempts(s, study),
    }


def test_the_demo_has_held_interviews_drafts_and_final_records(story):
    records = story["records"]
    assert (records["status"] == "final").sum() >= 12
    assert 0 < (records["status"] == "draft").sum() < (records["status"] == "final").sum()
    assert set(records["origin"]) == {"interview"}


def test_every_record_belongs_to_an_interview_held_by_its_manager_on_its_day(story):
    for row in story["records"].itertuples():
        interview = story["interviews"][story["linked"][row.id]]
        assert interview.customer_id == row.customer_id
        assert interview.held and interview.status == "done"
        assert row.interviewer == interview.manager_name  # the booked manager wrote it
        assert row.interview_date.date() == interview.start_for_manager().date()  # its day
        assert interview.ends_at_utc <= scheduling.utcnow()


def test_no_record_for_someone_the_call_desk_never_reached(story):
    state = story["state"]
    for cid in story["records"]["customer_id"]:
        assert state.loc[cid, "attempts"] > 0 and state.loc[cid, "ever_reached"]
        assert state.loc[cid, "interviewed"]


def test_final_records_and_interviews_held_are_counted_alike(demo, story):
    s, study = demo
    records = story["records"]
    held = [i for i in story["interviews"].values() if i.held]
    with_final = {story["linked"][fid] for fid in records.loc[records["status"] == "final", "id"]}
    assert len(with_final) == (records["status"] == "final").sum()  # one final record each
    assert with_final <= {i.id for i in held}
    assert {story["linked"][fid] for fid in records["id"]} == {i.id for i in held}
    progress = calls.progress(s, study)
    quota = scheduling.quota_progress(s, study)
    assert progress.funnel["interviewed"] == len(held) == progress.interviews_done
    assert quota["done"].sum() == len(held)
    assert quota["booked"].sum() == progress.funnel["booked"] - len(held) - quota["no_show"].sum()


def test_the_timeline_runs_calls_then_booking_then_interview_then_record(demo, story):
    s, study = demo
    attempts = story["attempts"]
    first_day = call_days(study.as_of, date.today())[0]
    assert attempts["called_at"].min().date() >= first_day > study.as_of
    assert attempts["called_at"].max() < datetime.combine(date.today(), datetime.min.time())
    for interview in story["interviews"].values():
        theirs = attempts[attempts["customer_id"] == interview.customer_id]
        reached = theirs.loc[theirs["outcome"] == "reached", "called_at"]
        assert len(reached) == 1
        assert interview.start_for_manager().date() > reached.iloc[0].date()
    for row in story["records"].itertuples():
        finding = interviews.get_finding(s, int(row.id))
        if finding.final:
            assert finding.finalized_at.date() >= finding.interview_date


def test_the_agenda_awaits_the_interviews_held_without_a_final_record(demo, story):
    s, study = demo
    awaiting = scheduling.agenda(s, study).awaiting_findings
    records = story["records"].set_index("id")
    drafts = {
        interview_id
        for finding_id, interview_id in story["linked"].items()
        if records.loc[finding_id, "status"] == "draft"
    }
    unrecorded = [i for i in awaiting if i.id not in set(story["linked"].values())]
    assert len(unrecorded) == 1  # held, nothing written yet
    assert {i.id for i in awaiting} - {unrecorded[0].id} == drafts  # their records are drafts
    assert all(not i.recorded and i.status in ("booked", "done") for i in awaiting)
    assert any(i.status == "no_show" for i in story["interviews"].values())
    ahead = [i for i in story["interviews"].values() if i.starts_at_utc > scheduling.utcnow()]
    assert ahead and all(i.status == "booked" for i in ahead)


def test_all_the_desk_work_is_on_the_target_list(demo, story):
    s, study = demo
    listed = sampling.target_list(s, study, include_removed=True)
    on_list = set(listed.loc[listed["included"], "customer_id"]) | calls.do_not_call_ids(s, study)
    assert set(story["attempts"]["customer_id"]) <= on_list
    assert {i.customer_id for i in story["interviews"].values()} <= on_list
    assert set(story["state"]["interviewer_id"].dropna().index) == set(story["state"].index)


def test_screening_answers_and_records_tell_the_same_story(demo, story):
    s, study = demo
    for row in story["records"].itertuples():
        screening = calls.get_screening(s, study, row.customer_id)
        if row.destination == "competitor":
            assert screening["where_now"] == "competitor"
            assert screening["competitor"] == row.competitor
        else:
            assert screening["where_now"] in ("stopped", "closed", "moved_away")
        assert screening["consent"] == "yes"


def test_the_second_coder_is_on_the_team_and_never_codes_their_own(demo, story):
    s, study = demo
    result = agreement.agreement(s, study)
    assert result.coded >= 4 and len(result.disagreements) >= 1
    assert not agreement.queue(s, study, "孙悦").empty  # left for a coder to try
    managers = {i.manager_name for i in story["interviews"].values()}
    assert "孙悦" not in managers
