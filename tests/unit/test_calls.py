"""The call desk: lists, assignments, attempts, do-not-call, screening, progress."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from research.analysis import checkpoint
from research.base import records
from research.base.errors import ResearchError
from research.desk import calls, scheduling, team
from research.ledger.load import import_file
from research.selection import detection, sampling

ACTOR = "tester"
AT = datetime(2026, 3, 2, 16, 0)  # a Monday afternoon


@pytest.fixture
def desk(store, study, add_customers, add_results):
    """Seven targets (A–G) in known segments, and two phone interviewers."""
    rows = [
        ("A", "best_core", 900),
        ("B", "general", 500),
        ("C", "other_core", 300),
        ("D", "other_core", 250),
        ("E", "general", 200),
        ("F", "general", 150),
        ("G", "best_core", 800),
    ]
    add_customers([(cid, f"Customer {cid}") for cid, _, _ in rows])
    add_results(study, [(cid, "full", seg, spend, 0) for cid, seg, spend in rows])

    def targets(cur):
        cur.executemany(
            "INSERT INTO target_list VALUES (?, ?, 'sample', TRUE, NULL, ?, ?, ?, ?)",
            [[study.id, cid, ACTOR, AT, ACTOR, AT] for cid, _, _ in rows],
        )
        cur.executemany(
            "UPDATE customers SET region = ?, phone = ? WHERE customer_id = ?",
            [["East" if cid in "ACE" else "North", "13812345678", cid] for cid, _, _ in rows],
        )

    store.write(targets)
    li = team.add_member(store, "Li", "phone_interviewer", actor=ACTOR)
    wu = team.add_member(store, "Wu", "phone_interviewer", actor=ACTOR)
    return {"li": li, "wu": wu}


def log(store, study, cid, outcome, when, who=None, **kw):
    return calls.log_attempt(
        store,
        study,
        cid,
        outcome,
        actor=ACTOR,
        called_at=when,
        interviewer_id=who.id if who else None,
        **kw,
    )


def test_my_calls_puts_due_call_backs_first_then_untried_by_value_then_retries(store, study, desk):
    li = desk["li"]
    calls.assign(store, study, list("ABCDEFG"), li.id, actor=ACTOR)
    morning = AT.replace(hour=9)
    log(store, study, "C", "call_back", morning, li, call_back_at=AT.replace(hour=14))
    log(store, study, "D", "call_back", morning, li, call_back_at=AT + timedelta(days=1))
    log(store, study, "E", "no_answer", AT - timedelta(hours=3), li)
    log(store, study, "F", "busy", AT - timedelta(hours=1), li)  # too soon to retry
    log(store, study, "G", "refused", morning, li)
    mine = calls.my_calls(store, study, li.id, at=AT)
    read = calls.call_state(store, study)  # the page reads the targets once a run
    pd.testing.assert_frame_equal(calls.my_calls(store, study, li.id, at=AT, targets=read), mine)
    assert list(zip(mine["customer_id"], mine["why"], strict=True)) == [
        ("C", "call_back_due"),
        ("A", "untried"),
        ("B", "untried"),
        ("E", "retry"),
    ]
    # the next morning, D's call-back is due and F may be tried again
    tomorrow = calls.my_calls(store, study, li.id, at=AT + timedelta(hours=18))
    assert list(tomorrow["customer_id"]) == ["C", "D", "A", "B", "E", "F"]
    assert calls.my_calls(store, study, desk["wu"].id, at=AT).empty


def test_a_target_is_dropped_after_too_many_unanswered_calls(store, study, desk):
    li = desk["li"]
    calls.assign(store, study, ["A"], li.id, actor=ACTOR)
    for n in range(calls.MAX_ATTEMPTS):
        log(store, study, "A", "no_answer", AT - timedelta(days=n + 1), li)
    assert calls.my_calls(store, study, li.id, at=AT).empty


def test_spread_evenly_deals_best_segments_first(store, study, desk):
    li, wu = desk["li"], desk["wu"]
    count = calls.spread_evenly(store, study, [li.id, wu.id], actor=ACTOR)
    assert count == 7
    state = calls.call_state(store, study).set_index("customer_id")
    # value order: A, G (best core), C, D (other core), B, E, F (general)
    assert list(state.loc[list("AGCDBEF"), "interviewer"]) == [
        "Li",
        "Wu",
        "Li",
        "Wu",
        "Li",
        "Wu",
        "Li",
    ]
    # a newcomer to the team gets only what is unassigned, unless everything is re-dealt
    zhao = team.add_member(store, "Zhao", "phone_interviewer", actor=ACTOR)
    assert calls.spread_evenly(store, study, [zhao.id], actor=ACTOR) == 0
    calls.spread_evenly(store, study, [li.id, wu.id, zhao.id], actor=ACTOR, reassign=True)
    loads = calls.call_state(store, study)["interviewer"].value_counts()
    assert sorted(loads) == [2, 2, 3]


def test_assign_by_region_and_by_hand(store, study, desk):
    li, wu = desk["li"], desk["wu"]
    assert (
        calls.assign_by(store, study, "region", {"East": li.id, "North": wu.id}, actor=ACTOR) == 7
    )
    state = calls.call_state(store, study).set_index("customer_id")
    assert set(state.loc[list("ACE"), "interviewer"]) == {"Li"}
    assert set(state.loc[list("BDFG"), "interviewer"]) == {"Wu"}
    calls.assign(store, study, ["A"], wu.id, actor=ACTOR)
    assert calls.call_state(store, study).set_index("customer_id").loc["A", "interviewer"] == "Wu"
    boss = team.add_member(store, "Boss", "senior_manager", actor=ACTOR)
    with pytest.raises(ResearchError) as e:
        calls.assign(store, study, ["A"], boss.id, actor=ACTOR)
    assert e.value.key == "error.not_interviewer"
    with pytest.raises(ResearchError) as e:
        calls.assign(store, study, ["ZZ"], li.id, actor=ACTOR)
    assert e.value.key == "error.not_on_call_list"


def test_attempts_need_a_known_outcome_and_a_call_back_time(store, study, desk):
    with pytest.raises(ResearchError) as e:
        log(store, study, "A", "maybe", AT)
    assert e.value.key == "error.outcome_invalid"
    with pytest.raises(ResearchError) as e:
        log(store, study, "A", "call_back", AT)
    assert e.value.key == "error.call_back_time_required"
    with pytest.raises(ResearchError) as e:
        log(store, study, "A", "call_back", AT, call_back_at=AT - timedelta(hours=1))
    assert e.value.key == "error.call_back_in_past"
    with pytest.raises(ResearchError) as e:
        log(store, study, "NOBODY", "busy", AT)
    assert e.value.key == "error.unknown_customer"
    log(store, study, "A", "busy", AT, desk["li"], note="  line busy ")
    row = calls.attempts(store, study, "A").iloc[0]
    assert (
        row["outcome"],
        row["interviewer"],
        row["note"],
        row["called_at"],
        row["created_by"],
    ) == ("busy", "Li", "line busy", AT, ACTOR)


def test_do_not_call_leaves_every_list_and_survives_a_customer_reimport(store, study, desk):
    li = desk["li"]
    calls.assign(store, study, list("ABC"), li.id, actor=ACTOR)
    log(store, study, "A", "do_not_call", AT, li, note="asked never to be called")
    assert calls.do_not_call_ids(store, study) == {"A"}
    assert "A" not in set(calls.call_state(store, study)["customer_id"])
    assert "A" not in set(calls.my_calls(store, study, li.id, at=AT)["customer_id"])
    assert "A" not in set(sampling.target_list(store, study)["customer_id"])
    assert "A" not in set(sampling.target_list(store, study, include_removed=True)["customer_id"])
    # the customer file comes in again, with A in it: still never called
    import_file(
        store,
        "customers",
        "客户编号,客户名称,电话\nA,Customer A,13900000000\n".encode(),
        actor=ACTOR,
        file_name="again.csv",
    )
    assert calls.do_not_call_ids(store, study) == {"A"}
    assert "A" not in set(calls.call_state(store, study)["customer_id"])
    with pytest.raises(ResearchError) as e:
        log(store, study, "A", "reached", AT + timedelta(days=1), li)
    assert e.value.key == "error.do_not_call"
    # and a redraw of the sample never picks them again
    sampling.draw_sample(store, study, actor=ACTOR)
    assert "A" not in set(sampling.target_list(store, study)["customer_id"])
    # the progress counts them as a refusal
    progress = calls.progress(store, study)
    assert (progress.refused, progress.do_not_call) == (1, 1)


def test_screening_answers_fill_missing_facts_and_can_make_a_former_customer(store, study, desk):
    record = calls.ensure_screening(store, study, "B", actor=ACTOR)
    assert (record["version"], record["customer_kind"], record["notes"]) == (1, "business", "")
    assert calls.ensure_screening(store, study, "B", actor="other")["created_by"] == ACTOR
    saved = calls.save_answers(
        store,
        study,
        "B",
        {
            "tenure_years": "4",
            "where_now": "closed",
            "company_size": "large",
            "industry": " Hospital ",
        },
        1,
        actor=ACTOR,
    )
    assert (saved.version, saved.became_former) == (2, True)
    row = detection.results(store, study).set_index("customer_id").loc["B"]
    assert (row["status"], row["former_reason"]) == ("former", "Screening call: Closed or bankrupt")
    customer = calls.customer_file(store, study, "B")
    assert (customer["size"], customer["industry"]) == ("large", "Hospital")
    assert calls.get_screening(store, study, "B")["tenure_years"] == 4.0
    # a correction takes the mark off again
    again = calls.save_answers(
        store, study, "B", {"where_now": "competitor", "competitor": "Sysmex"}, 2, actor=ACTOR
    )
    assert again.no_longer_former
    assert detection.results(store, study).set_index("customer_id").loc["B", "status"] == "full"


def audit_actions(store, study) -> list[str]:
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT action FROM audit_log WHERE study_id = ? ORDER BY id", [study.id]
        ).fetchall()
    return [r[0] for r in rows]


def test_screening_answers_and_the_former_mark_are_written_together_or_not_at_all(
    store, study, desk, monkeypatch
):
    calls.ensure_screening(store, study, "B", actor=ACTOR)
    before = audit_actions(store, study)

    def fails(*args, **kwargs):
        raise ResearchError("error.former_reason_required")

    monkeypatch.setattr(detection, "mark_former_in", fails)
    with pytest.raises(ResearchError):
        calls.save_answers(
            store, study, "B", {"where_now": "closed", "industry": "Hospital"}, 1, actor=ACTOR
        )
    screening = calls.get_screening(store, study, "B")
    assert (screening["version"], screening["where_now"]) == (1, None)
    assert calls.customer_file(store, study, "B")["industry"] is None
    assert audit_actions(store, study) == before
    with store.cursor() as cur:
        assert cur.execute("SELECT count(*) FROM record_versions").fetchall()[0][0] == 0


def test_a_screening_is_stored_by_its_first_save_not_by_opening_it(store, study, desk):
    new = calls.screening_or_new(store, study, "B")
    assert (new["version"], new["notes"], new["customer_kind"]) == (0, "", "business")
    assert set(new) == set(calls.ensure_screening(store, study, "A", actor=ACTOR))
    assert calls.get_screening(store, study, "B") is None  # reading wrote nothing
    with pytest.raises(ResearchError):
        calls.screening_or_new(store, study, "nobody")
    assert calls.save_notes(store, study, "B", "Li: closed in May", 0, actor="li") == 2
    stored = calls.get_screening(store, study, "B")
    assert (stored["notes"], stored["created_by"], stored["version"]) == (
        "Li: closed in May",
        "li",
        2,
    )
    # a colleague who typed on the not-yet-stored record is told, not overwritten
    with pytest.raises(records.EditConflictError):
        calls.save_notes(store, study, "B", "Wu: still buying", 0, actor="wu")
    # answers typed on a new record create it too
    saved = calls.save_answers(store, study, "C", {"consent": "yes"}, 0, actor=ACTOR)
    assert saved.version == 2 and calls.get_screening(store, study, "C")["consent"] == "yes"


@pytest.mark.parametrize(
    "answers, key",
    [
        ({"where_now": "moon"}, "error.screening_choice"),
        ({"tenure_years": -1}, "error.tenure_invalid"),
        ({"shoe_size": 42}, "error.screening_field_unknown"),
    ],
)
def test_bad_screening_answers_are_refused(store, study, desk, answers, key):
    calls.ensure_screening(store, study, "A", actor=ACTOR)
    with pytest.raises(ResearchError) as e:
        calls.save_answers(store, study, "A", answers, 1, actor=ACTOR)
    assert e.value.key == key
    assert calls.get_screening(store, study, "A")["version"] == 1


def test_a_second_interviewer_saving_the_same_notes_is_told_and_shown_both(store, study, desk):
    calls.ensure_screening(store, study, "A", actor=ACTOR)
    calls.save_notes(store, study, "A", "Li: price too high", 1, actor="li")
    with pytest.raises(records.EditConflictError) as e:
        calls.save_notes(store, study, "A", "Wu: slow delivery", 1, actor="wu")
    assert e.value.theirs["notes"] == "Li: price too high"
    assert e.value.mine == {"notes": "Wu: slow delivery"}
    assert calls.get_screening(store, study, "A")["notes"] == "Li: price too high"


def test_two_sessions_writing_the_same_record_at_once_lose_nothing(store, study, desk):
    """Two threads (two browser sessions of one app process), each with its own cursor,
    append lines to the same notes as fast as they can. A save that meets the other's
    save is told (EditConflictError), merges onto the version it is shown and saves
    again, as the desk lets a person do; at the end every line of both is there."""
    calls.ensure_screening(store, study, "A", actor=ACTOR)
    both_read = threading.Barrier(2)
    conflicts = {"li": 0, "wu": 0}
    failures: list[BaseException] = []

    def session(name: str) -> None:
        try:
            for n in range(15):
                line = f"{name} {n}"
                while True:
                    current = calls.get_screening(store, study, "A")
                    if n == 0 and not conflicts[name]:
                        both_read.wait(10)  # the first save: both read version 1 first
                    text = (current["notes"] + "\n" + line).strip()
                    try:
                        calls.save_notes(store, study, "A", text, current["version"], actor=name)
                        break
                    except records.EditConflictError as e:
                        conflicts[name] += 1
                        assert line not in e.theirs["notes"]  # theirs, shown beside mine
                        assert e.mine == {"notes": text}
        except BaseException as e:  # noqa: BLE001 - reported by the test below
            failures.append(e)

    threads = [threading.Thread(target=session, args=(n,)) for n in ("li", "wu")]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert failures == []
    assert conflicts["li"] + conflicts["wu"] >= 1  # the second writer was told
    notes = calls.get_screening(store, study, "A")["notes"].splitlines()
    assert sorted(notes) == sorted(f"{who} {n}" for who in ("li", "wu") for n in range(15))
    history = records.history(store, "screening", f"{study.id}/A")
    assert len(history) == 30  # every save kept as a version


def test_progress_funnel_rates_and_checkpoint(store, study, desk, make_study):
    li, wu = desk["li"], desk["wu"]
    calls.assign(store, study, list("ABC"), li.id, actor=ACTOR)
    calls.assign(store, study, list("DE"), wu.id, actor=ACTOR)
    log(store, study, "A", "no_answer", AT - timedelta(days=1), li)
    log(store, study, "A", "reached", AT, li)
    log(store, study, "B", "refused", AT, li)
    log(store, study, "C", "reached", AT, li)
    log(store, study, "D", "busy", AT, wu)
    calls.ensure_screening(store, study, "A", actor=ACTOR)
    calls.save_answers(store, study, "A", {"consent": "yes"}, 1, actor=ACTOR)
    boss = team.add_member(
        store,
        "Boss",
        "senior_manager",
        actor=ACTOR,
        available_hours="mon-sun 00:00-23:59",
        time_zone="UTC",
    )
    team.add_to_study(store, study, boss, actor=ACTOR)
    past = datetime(2000, 1, 1)
    interview = scheduling.book_interview(
        store, study, "A", boss, datetime(2026, 3, 3, 10), "UTC", actor=ACTOR, now_utc=past
    )
    scheduling.mark_done(store, interview.id, actor=ACTOR, now_utc=datetime(2026, 3, 3, 12))
    p = calls.progress(store, study)
    # 7 targets; tried A B C D; reached A C; consented, booked, interviewed A
    assert p.funnel == {
        "targets": 7,
        "tried": 4,
        "reached": 2,
        "consented": 1,
        "booked": 1,
        "interviewed": 1,
    }
    assert p.refused == 1
    assert p.response_rate == pytest.approx(2 / 4)
    assert p.refusal_rate == pytest.approx(1 / 3)
    by_interviewer = p.by_interviewer.set_index("interviewer")
    assert by_interviewer.loc["Li", ["tried", "reached", "refused"]].tolist() == [3, 2, 1]
    assert by_interviewer.loc["Wu", "response_rate"] == 0
    assert by_interviewer.loc["", "targets"] == 2  # F and G, not assigned
    by_segment = p.by_segment.set_index("segment")
    assert by_segment.loc["best_core", ["targets", "tried", "interviewed"]].tolist() == [2, 1, 1]
    # the plan is 40 interviews: the checkpoint comes at 10
    assert (p.interviews_done, p.checkpoint_at, p.checkpoint_due) == (1, 10, False)
    small = make_study("tiny", target_sample_size=4)
    assert calls.progress(store, small).checkpoint_at == 1
    # once the checkpoint meeting's review is saved, the study page stops announcing it
    due = dataclasses.replace(p, checkpoint_at=1)
    assert due.checkpoint_due and not due.checkpoint_reviewed
    checkpoint.save_review(
        store, study, actor=ACTOR, held_on=date(2026, 3, 4), attendees="Li, Wu", decisions="go on"
    )
    reviewed = calls.progress(store, study)
    assert reviewed.checkpoint_reviewed
    assert not dataclasses.replace(reviewed, checkpoint_at=1).checkpoint_due


def test_the_call_log_exports_with_international_numbers(store, study, desk):
    log(store, study, "A", "busy", AT, desk["li"], note="占线")
    text = calls.export_calls_csv(store, study).decode("utf-8-sig").splitlines()
    assert text[0] == (
        "called_at,customer_id,name,contact_person,phone,interviewer,outcome,"
        "call_back_at,note,created_by"
    )
    # a number starting with + would run as a formula in a spreadsheet: it gets a quote
    # (research.base.exports)
    assert text[1] == "2026-03-02 16:00,A,Customer A,,'+86 138 1234 5678,Li,busy,,占线,tester"
