"""Whom to interview: the allocation by hand, a reproducible draw, and hand-made changes
that a redraw never undoes."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from research.base import studies
from research.base.errors import NothingToDoError, ResearchError
from research.base.i18n import Translator
from research.desk import calendar_files, calls, scheduling, team
from research.findings import interviews
from research.selection import detection, sampling

ACTOR = "tester"
PLENTY = {"best_core": 100, "other_core": 100, "general": 100, "expendable": 100}
HALF_QUARTER = {"best_core": 0.5, "other_core": 0.25, "general": 0.25, "expendable": 0.0}


# ---------------------------------------------------------------- allocate, by hand


def test_allocate_by_weight_with_a_tie_going_to_the_higher_segment():
    # 10 x (.5, .25, .25) = 5, 2.5, 2.5: one place left, remainders tie, other core first
    assert sampling.allocate(10, HALF_QUARTER, PLENTY) == {
        "best_core": 5,
        "other_core": 3,
        "general": 2,
        "expendable": 0,
    }


def test_allocate_uses_the_largest_remainder():
    # 7 x (.5, .25, .25) = 3.5, 1.75, 1.75: two places left, the .75 remainders beat .5
    assert sampling.allocate(7, HALF_QUARTER, PLENTY) == {
        "best_core": 3,
        "other_core": 2,
        "general": 2,
        "expendable": 0,
    }


def test_allocate_never_exceeds_what_is_available_and_redistributes():
    available = {"best_core": 2, "other_core": 100, "general": 100, "expendable": 100}
    # round 1: 5/3/2 wanted, best core has only 2 -> 2/3/2, 3 places left
    # round 2: 3 x (.25, .25)/.5 = 1.5, 1.5 -> 1, 1 and the tie to other core -> +2, +1
    assert sampling.allocate(10, HALF_QUARTER, available) == {
        "best_core": 2,
        "other_core": 5,
        "general": 3,
        "expendable": 0,
    }


def test_allocate_gives_everyone_when_there_are_too_few():
    available = {"best_core": 1, "other_core": 1, "general": 1, "expendable": 5}
    assert sampling.allocate(10, HALF_QUARTER, available) == {
        "best_core": 1,
        "other_core": 1,
        "general": 1,
        "expendable": 0,
    }  # weight 0: none


def test_allocate_includes_expendable_when_it_has_weight():
    weights = {"best_core": 0.25, "other_core": 0.25, "general": 0.25, "expendable": 0.25}
    assert sampling.allocate(8, weights, PLENTY) == {
        "best_core": 2,
        "other_core": 2,
        "general": 2,
        "expendable": 2,
    }


def test_allocate_nothing():
    assert sampling.allocate(0, HALF_QUARTER, PLENTY) == {
        "best_core": 0,
        "other_core": 0,
        "general": 0,
        "expendable": 0,
    }
    empty = dict.fromkeys(PLENTY, 0)
    assert sampling.allocate(5, HALF_QUARTER, empty) == empty


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(0, 200),
    weights=st.fixed_dictionaries(
        {s: st.sampled_from([0.0, 0.1, 0.25, 0.35, 0.4, 1.0]) for s in detection.SEGMENTS}
    ),
    available=st.fixed_dictionaries({s: st.integers(0, 60) for s in detection.SEGMENTS}),
)
def test_allocate_fills_every_place_it_can(size, weights, available):
    quota = sampling.allocate(size, weights, available)
    assert set(quota) == set(detection.SEGMENTS)
    for s in detection.SEGMENTS:
        assert 0 <= quota[s] <= available[s]
        if weights[s] == 0:
            assert quota[s] == 0
    drawable = sum(available[s] for s in detection.SEGMENTS if weights[s] > 0)
    assert sum(quota.values()) == min(size, drawable)


# ---------------------------------------------------------------- drawing


def order(seed: int, ids) -> list[str]:
    """The documented order: sha256 of 'seed:customer id'."""
    return sorted(ids, key=lambda cid: hashlib.sha256(f"{seed}:{cid}".encode()).hexdigest())


SEGMENT_SIZES = {"best_core": 4, "other_core": 6, "general": 10, "expendable": 5}


@pytest.fixture
def pool(store, make_study, add_results):
    """A study of 25 defectors (B*, O*, G*, E* per segment) and a few who are not."""
    s = make_study(
        "sample",
        target_sample_size=8,
        weight_best_core=0.5,
        weight_other_core=0.25,
        weight_general=0.25,
        weight_expendable=0.0,
        sample_seed=42,
    )
    rows = []
    for segment, n in SEGMENT_SIZES.items():
        prefix = segment[0].upper()
        for i in range(n):
            rows.append((f"{prefix}{i:02d}", "full" if i % 2 else "partial", segment, 100 + i, 10))
    rows += [
        ("ACTIVE", "active", "best_core", 1000, 900),
        ("NEW", "new", None, 0, 50),
        ("GONE", "inactive", None, 0, 0),
    ]
    add_results(s, rows)
    return s


def ids_in(segment: str) -> list[str]:
    return [f"{segment[0].upper()}{i:02d}" for i in range(SEGMENT_SIZES[segment])]


def on_list(store, study, **kwargs) -> set[str]:
    return set(sampling.target_list(store, study, **kwargs)["customer_id"])


def test_draw_takes_the_first_in_sha256_order_per_segment(store, pool):
    draws = sampling.draw_sample(store, pool, actor=ACTOR)
    # 8 x (.5, .25, .25) = 4, 2, 2 (best core has exactly 4)
    assert [(d.segment, d.available, d.quota, d.drawn) for d in draws] == [
        ("best_core", 4, 4, 4),
        ("other_core", 6, 2, 2),
        ("general", 10, 2, 2),
        ("expendable", 5, 0, 0),
    ]
    expected = (
        set(ids_in("best_core"))
        | set(order(42, ids_in("other_core"))[:2])
        | set(order(42, ids_in("general"))[:2])
    )
    assert on_list(store, pool) == expected
    listed = sampling.target_list(store, pool)
    assert set(listed["source"]) == {"sample"} and listed["included"].all()
    assert listed["reason"].isna().all()
    # best core first on the list
    assert set(listed["customer_id"][:4]) == set(ids_in("best_core"))


def test_the_same_seed_draws_the_same_people(store, pool, make_study, add_results):
    sampling.draw_sample(store, pool, actor=ACTOR)
    first = on_list(store, pool)
    sampling.draw_sample(store, pool, actor=ACTOR)
    assert on_list(store, pool) == first
    # another study with the same defectors and seed draws the same ids
    twin = make_study("twin", **{k: v for k, v in pool.settings().items()})
    frame = detection.results(store, pool)
    frame = frame[frame["status"].isin(detection.DEFECTOR_STATUSES)]
    add_results(
        twin,
        [
            (r.customer_id, r.status, r.segment, float(r.baseline_spend), float(r.recent_spend))
            for r in frame.itertuples()
        ],
    )
    sampling.draw_sample(store, twin, actor=ACTOR)
    assert on_list(store, twin) == first


def test_another_seed_draws_other_people(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    first = on_list(store, pool)
    reseeded = studies.update_study(store, pool, actor=ACTOR, sample_seed=7)
    sampling.draw_sample(store, reseeded, actor=ACTOR)
    second = on_list(store, reseeded)
    expected = (
        set(ids_in("best_core"))
        | set(order(7, ids_in("other_core"))[:2])
        | set(order(7, ids_in("general"))[:2])
    )
    assert second == expected
    assert second != first


def test_expendable_defectors_are_left_out_by_default(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    assert not on_list(store, pool) & set(ids_in("expendable"))


def test_expendable_defectors_are_drawn_when_they_have_weight(store, pool):
    s = studies.update_study(
        store,
        pool,
        actor=ACTOR,
        weight_best_core=0.25,
        weight_other_core=0.25,
        weight_general=0.25,
        weight_expendable=0.25,
    )
    draws = {d.segment: d.drawn for d in sampling.draw_sample(store, s, actor=ACTOR)}
    assert draws == {"best_core": 2, "other_core": 2, "general": 2, "expendable": 2}
    assert len(on_list(store, s) & set(ids_in("expendable"))) == 2


def test_only_full_and_partial_defectors_are_drawn(store, pool):
    s = studies.update_study(store, pool, actor=ACTOR, target_sample_size=1000)
    sampling.draw_sample(store, s, actor=ACTOR)
    drawn = on_list(store, s)
    assert drawn == set(ids_in("best_core") + ids_in("other_core") + ids_in("general"))
    assert not drawn & {"ACTIVE", "NEW", "GONE"}


def test_former_customers_are_never_drawn(store, pool):
    s = studies.update_study(store, pool, actor=ACTOR, target_sample_size=1000)
    detection.mark_former_customer(store, s, "B00", "closed", actor=ACTOR)
    sampling.draw_sample(store, s, actor=ACTOR)
    assert "B00" not in on_list(store, s)
    # marked after being drawn: the next draw drops them
    detection.mark_former_customer(store, s, "O00", "moved away", actor=ACTOR)
    sampling.draw_sample(store, s, actor=ACTOR)
    assert "O00" not in on_list(store, s)


def test_a_draw_is_audited(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    with store.cursor() as cur:
        assert cur.execute(
            "SELECT actor FROM audit_log WHERE action = 'targets.draw'"
        ).fetchall() == [(ACTOR,)]


def test_no_defectors_nothing_to_draw(store, study, add_results):
    add_results(study, [("A", "active", "best_core", 100, 90)])
    with pytest.raises(NothingToDoError) as info:
        sampling.draw_sample(store, study, actor=ACTOR)
    assert info.value.key == "error.no_defectors"


# ---------------------------------------------------------------- changes by hand


def test_added_customer_keeps_reason_and_survives_a_redraw(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    sampling.add_target(
        store, pool, "ACTIVE", "  biggest account, worrying signals  ", actor="manager"
    )
    listed = sampling.target_list(store, pool).set_index("customer_id")
    assert listed.loc["ACTIVE", ["source", "included", "reason", "updated_by"]].tolist() == [
        "manual",
        True,
        "biggest account, worrying signals",
        "manager",
    ]
    sampling.draw_sample(store, pool, actor=ACTOR)
    listed = sampling.target_list(store, pool).set_index("customer_id")
    assert listed.loc["ACTIVE", "reason"] == "biggest account, worrying signals"
    # the hand-added customer takes one of the 8 places: 7 drawn
    assert len(listed) == 8
    assert (listed["source"] == "sample").sum() == 7


def test_removed_customer_stays_off_and_a_redraw_tops_up(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    general_first = order(42, ids_in("general"))
    removed = general_first[0]
    sampling.remove_target(store, pool, removed, "refused to talk", actor="manager")
    assert removed not in on_list(store, pool)
    assert len(on_list(store, pool)) == 7
    everything = sampling.target_list(store, pool, include_removed=True).set_index("customer_id")
    assert everything.loc[removed, ["included", "reason", "updated_by"]].tolist() == [
        False,
        "refused to talk",
        "manager",
    ]

    sampling.draw_sample(store, pool, actor=ACTOR)
    after = on_list(store, pool)
    assert removed not in after
    assert len(after) == 8
    # everyone else kept, and the next general defector in line takes the place
    expected = (
        set(ids_in("best_core"))
        | set(order(42, ids_in("other_core"))[:2])
        | set(general_first[1:3])
    )
    assert after == expected
    everything = sampling.target_list(store, pool, include_removed=True).set_index("customer_id")
    assert everything.loc[removed, "reason"] == "refused to talk"


def test_a_removed_customer_can_be_added_back_by_hand(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    sampling.remove_target(store, pool, "B00", "wrong number", actor=ACTOR)
    sampling.add_target(store, pool, "B00", "found the right number", actor=ACTOR)
    row = sampling.target_list(store, pool).set_index("customer_id").loc["B00"]
    assert (row["source"], row["included"], row["reason"]) == (
        "manual",
        True,
        "found the right number",
    )


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_hand_changes_need_a_reason(store, pool, reason):
    sampling.draw_sample(store, pool, actor=ACTOR)
    before = sampling.target_list(store, pool, include_removed=True)
    with pytest.raises(ResearchError) as info:
        sampling.add_target(store, pool, "ACTIVE", reason, actor=ACTOR)
    assert info.value.key == "error.add_reason_required"
    with pytest.raises(ResearchError) as info:
        sampling.remove_target(store, pool, "B00", reason, actor=ACTOR)
    assert info.value.key == "error.remove_reason_required"
    assert sampling.target_list(store, pool, include_removed=True).equals(before)


def test_adding_an_unknown_customer_or_removing_one_not_listed_fails(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    with pytest.raises(ResearchError) as info:
        sampling.add_target(store, pool, "NOBODY", "why not", actor=ACTOR)
    assert info.value.key == "error.unknown_customer"
    with pytest.raises(ResearchError) as info:
        sampling.remove_target(store, pool, "ACTIVE", "not on it", actor=ACTOR)
    assert info.value.key == "error.not_on_list"


def test_hand_changes_are_audited(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    sampling.add_target(store, pool, "ACTIVE", "a", actor="m1")
    sampling.remove_target(store, pool, "ACTIVE", "b", actor="m2")
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT actor, action FROM audit_log WHERE action LIKE 'targets.%' ORDER BY id"
        ).fetchall()
    assert rows == [(ACTOR, "targets.draw"), ("m1", "targets.add"), ("m2", "targets.remove")]


def test_export_csv_opens_in_excel_with_chinese_intact(store, pool, add_customers):
    add_customers([("B00", "上海华创医院")])
    sampling.draw_sample(store, pool, actor=ACTOR)
    data = sampling.export_csv(sampling.target_list(store, pool))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("customer_id,name,status,segment")
    assert "B00,上海华创医院" in text
    assert len(text.strip().splitlines()) == 1 + 8


# ---------------------------------------------------------------- work is never thrown away

NOW_UTC = datetime(2030, 1, 1)  # naive UTC, before every booking below


@pytest.fixture
def desk(store, pool, add_customers):
    """The pool's study with a drawn sample, names for everyone, two phone interviewers
    dealt the targets, and a senior manager who is free at any hour."""
    add_customers([(cid, f"Customer {cid}") for s in SEGMENT_SIZES for cid in ids_in(s)])
    sampling.draw_sample(store, pool, actor=ACTOR)
    li = team.add_member(store, "Li", "phone_interviewer", actor=ACTOR)
    wu = team.add_member(store, "Wu", "phone_interviewer", actor=ACTOR)
    boss = team.add_member(
        store,
        "Boss",
        "senior_manager",
        actor=ACTOR,
        time_zone="UTC",
        available_hours="mon-sun 00:00-23:59",
    )
    for member in (li, wu, boss):
        team.add_to_study(store, pool, member, actor=ACTOR)
    calls.spread_evenly(store, pool, [li.id, wu.id], actor=ACTOR)
    return {"li": li, "wu": wu, "boss": boss}


def first_listed(store, study, segment: str) -> str:
    listed = sampling.target_list(store, study)
    return listed.loc[listed["segment"] == segment, "customer_id"].sort_values().iloc[0]


def book(store, study, manager, cid, day=8):
    return scheduling.book_interview(
        store,
        study,
        cid,
        manager,
        datetime(2030, 1, day, 10),
        "UTC",
        actor=ACTOR,
        now_utc=NOW_UTC,
    )


def final_record(store, study, cid, interview_id=None):
    f = interviews.create_finding(store, study, cid, actor="Boss", interview_id=interview_id)
    interviews.save_fields(
        store, f.id, {"primary_code": "price_value"}, base_version=f.version, actor="Boss"
    )
    interviews.finalize(store, f.id, actor="Boss")
    return f


def test_a_redraw_with_a_new_seed_keeps_every_target_with_work_on_it(store, pool, desk):
    called = first_listed(store, pool, "general")
    screened = first_listed(store, pool, "other_core")
    booked = first_listed(store, pool, "best_core")
    before = on_list(store, pool)
    calls.log_attempt(
        store, pool, called, "no_answer", actor=ACTOR, called_at=datetime(2029, 12, 3)
    )
    record = calls.ensure_screening(store, pool, screened, actor=ACTOR)
    calls.save_notes(store, pool, screened, "wants a call back", record["version"], actor=ACTOR)
    book(store, pool, desk["boss"], booked)
    listed = sampling.target_list(store, pool)
    opened = sorted(listed.loc[listed["segment"] == "general", "customer_id"])[1]
    calls.ensure_screening(store, pool, opened, actor=ACTOR)  # opened, nothing saved
    assigned_before = calls.call_state(store, pool).set_index("customer_id")["interviewer_id"]

    reseeded = studies.update_study(store, pool, actor=ACTOR, sample_seed=7)
    result = sampling.draw_sample(store, reseeded, actor=ACTOR)

    after = on_list(store, reseeded)
    assert {called, screened, booked} <= after and len(after) == 8
    kept = {k.customer_id: k for k in result.kept}
    assert set(kept) == {called, screened, booked}  # opening a screening record is no work
    assert kept[called].reasons == ("targets.kept_reason.calls",)
    assert kept[screened].reasons == ("targets.kept_reason.screened",)
    assert kept[booked].reasons == ("targets.kept_reason.bookings",)
    # the kept count in their segments: 8 x (.5, .25, .25) = 4, 2, 2 as before
    assert [(d.segment, d.kept, d.drawn) for d in result] == [
        ("best_core", 1, 3),
        ("other_core", 1, 1),
        ("general", 1, 1),
        ("expendable", 0, 0),
    ]
    new_seed = (
        set(ids_in("best_core"))
        | set(order(7, [c for c in ids_in("other_core") if c != screened])[:1])
        | set(order(7, [c for c in ids_in("general") if c != called])[:1])
    )
    assert after == {called, screened, booked} | new_seed
    assert result.replaced == len(before - after) and result.new == len(after - before)
    # kept targets keep their interviewer, the new ones are dealt out evenly
    state = calls.call_state(store, reseeded).set_index("customer_id")
    for cid in (called, screened, booked):
        assert state.loc[cid, "interviewer_id"] == assigned_before[cid]
    assert state["interviewer_id"].notna().all()
    assert result.assigned == result.new
    loads = state["interviewer_id"].value_counts()
    assert loads.max() - loads.min() <= 1
    # the removed ones have no assignment left behind
    with store.cursor() as cur:
        assigned = {
            r[0] for r in cur.execute("SELECT customer_id FROM call_assignments").fetchall()
        }
    assert assigned == after


def test_a_redraw_with_the_same_seed_changes_nothing(store, pool, desk):
    before = on_list(store, pool)
    for cid in sorted(before)[:3]:
        calls.log_attempt(store, pool, cid, "busy", actor=ACTOR, called_at=datetime(2029, 12, 3))
    result = sampling.draw_sample(store, pool, actor=ACTOR)
    assert on_list(store, pool) == before
    assert (result.replaced, result.new, result.assigned, len(result.kept)) == (0, 0, 0, 3)


def test_kept_targets_count_toward_a_smaller_size_and_a_bigger_one_adds(store, pool, desk):
    before = on_list(store, pool)
    worked = sorted(before)[:5]
    for cid in worked:
        calls.log_attempt(store, pool, cid, "busy", actor=ACTOR, called_at=datetime(2029, 12, 3))
    smaller = studies.update_study(store, pool, actor=ACTOR, target_sample_size=3)
    result = sampling.draw_sample(store, smaller, actor=ACTOR)
    assert on_list(store, smaller) == set(worked)  # more than 3: nothing worked is dropped
    assert result.drawn == 0 and result.replaced == 3
    bigger = studies.update_study(store, smaller, actor=ACTOR, target_sample_size=12)
    result = sampling.draw_sample(store, bigger, actor=ACTOR)
    assert set(worked) < on_list(store, bigger) and len(on_list(store, bigger)) == 12
    assert result.drawn == 7


def test_a_former_customer_with_calls_is_kept_and_counts_like_everyone_kept(store, pool, desk):
    gone = first_listed(store, pool, "general")
    calls.log_attempt(store, pool, gone, "reached", actor=ACTOR, called_at=datetime(2029, 12, 3))
    detection.mark_former_customer(store, pool, gone, "closed", actor=ACTOR)
    result = sampling.draw_sample(store, pool, actor=ACTOR)
    listed = sampling.target_list(store, pool).set_index("customer_id")
    assert listed.loc[gone, "status"] == "former"
    assert len(listed) == 8
    assert [k.customer_id for k in result.kept] == [gone]


def test_without_assignments_a_redraw_assigns_nobody(store, pool):
    sampling.draw_sample(store, pool, actor=ACTOR)
    team.add_to_study(
        store, pool, team.add_member(store, "Li", "phone_interviewer", actor=ACTOR), actor=ACTOR
    )
    reseeded = studies.update_study(store, pool, actor=ACTOR, sample_seed=7)
    assert sampling.draw_sample(store, reseeded, actor=ACTOR).assigned == 0


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(0, 60),
    weights=st.fixed_dictionaries(
        {s: st.sampled_from([0.0, 0.1, 0.25, 0.4, 1.0]) for s in detection.SEGMENTS}
    ),
    available=st.fixed_dictionaries({s: st.integers(0, 30) for s in detection.SEGMENTS}),
    kept=st.fixed_dictionaries({s: st.integers(0, 8) for s in [*detection.SEGMENTS, None]}),
)
def test_allocate_around_the_kept_fills_what_they_leave(size, weights, available, kept):
    quota = sampling.allocate_around(size, weights, available, kept)
    for s in detection.SEGMENTS:
        assert 0 <= quota[s] <= available[s]
    drawable = sum(available[s] for s in detection.SEGMENTS if weights[s] > 0)
    assert sum(quota.values()) == min(max(size - sum(kept.values()), 0), drawable)
    if not any(kept.values()):
        assert quota == sampling.allocate(size, weights, available)


def test_removing_a_target_that_was_only_called_needs_no_confirmation(store, pool, desk):
    cid = first_listed(store, pool, "general")
    calls.log_attempt(store, pool, cid, "no_answer", actor=ACTOR, called_at=datetime(2029, 12, 3))
    assert sampling.remove_target(store, pool, cid, "wrong segment", actor=ACTOR) == []
    assert cid not in on_list(store, pool)
    assert len(calls.attempts(store, pool, cid)) == 1


def test_removing_a_booked_target_lists_what_hangs_on_it_and_asks(store, pool, desk):
    cid = first_listed(store, pool, "best_core")
    calls.log_attempt(store, pool, cid, "reached", actor=ACTOR, called_at=datetime(2029, 12, 3))
    interview = book(store, pool, desk["boss"], cid)
    before = sampling.target_list(store, pool, include_removed=True)
    with pytest.raises(sampling.TargetHasWorkError) as info:
        sampling.remove_target(store, pool, cid, "changed our mind", actor=ACTOR, now_utc=NOW_UTC)
    work = info.value.work
    assert (work.calls, [b.id for b in work.bookings], work.findings) == (1, [interview.id], ())
    text = info.value.render()
    assert (
        "call attempts: 1, the last on" in text
        and "interview 2030-01-08 10:00 (UTC) with Boss" in text
    )
    assert info.value.heading() == "Work hangs on this target"
    zh = info.value.render(Translator("zh"))
    assert "访谈 2030-01-08 10:00（UTC），Boss：已预约" in zh
    # nothing changed
    assert sampling.target_list(store, pool, include_removed=True).equals(before)
    assert scheduling.get_interview(store, interview.id).status == "booked"

    cancelled = sampling.remove_target(
        store, pool, cid, "changed our mind", actor="lead", confirmed=True, now_utc=NOW_UTC
    )
    assert cancelled == [interview.id] and cid not in on_list(store, pool)
    gone = scheduling.get_interview(store, interview.id)
    assert (gone.status, gone.sequence, gone.updated_by) == ("cancelled", 1, "lead")
    assert list(scheduling.history(store, interview.id)["action"]) == ["booked", "cancelled"]
    cal = Calendar.from_ical(calendar_files.invitation(gone))
    assert str(cal["METHOD"]) == "CANCEL"
    assert calls.progress(store, pool).funnel["booked"] == 0  # no longer a target


def test_a_confirmed_removal_keeps_interviews_held_and_their_records(store, pool, desk):
    cid = first_listed(store, pool, "best_core")
    interview = book(store, pool, desk["boss"], cid)
    scheduling.mark_done(store, interview.id, actor=ACTOR, now_utc=datetime(2030, 1, 9))
    record = final_record(store, pool, cid, interview.id)
    with pytest.raises(sampling.TargetHasWorkError) as info:
        sampling.remove_target(store, pool, cid, "out of scope", actor=ACTOR)
    assert info.value.work.findings == ((record.id, "final"),)
    assert "interview record #" in info.value.render()
    assert (
        sampling.remove_target(store, pool, cid, "out of scope", actor=ACTOR, confirmed=True) == []
    )
    assert scheduling.get_interview(store, interview.id).status == "done"
    assert interviews.get_finding(store, record.id).status == "final"
    with store.cursor() as cur:
        detail = cur.execute(
            "SELECT detail FROM audit_log WHERE action = 'targets.remove'"
        ).fetchall()[0][0]
    assert '"confirmed": true' in detail


def test_a_call_logged_while_the_draw_runs_keeps_its_target(store, pool, desk, monkeypatch):
    before = on_list(store, pool)
    reseeded = studies.update_study(store, pool, actor=ACTOR, sample_seed=7)
    stays = set(order(7, ids_in("other_core"))[:2]) | set(order(7, ids_in("general"))[:2])
    late = sorted(c for c in before if c[0] in "OG" and c not in stays)[0]  # seed 7 drops it
    real_now = sampling.now

    def a_colleague_calls_first():  # runs after the draw read the list, before it writes
        calls.log_attempt(
            store, pool, late, "busy", actor="colleague", called_at=datetime(2030, 1, 1)
        )
        return real_now()

    monkeypatch.setattr(sampling, "now", a_colleague_calls_first)
    result = sampling.draw_sample(store, reseeded, actor=ACTOR)
    assert late not in {k.customer_id for k in result.kept}  # it had no work when read
    assert late in on_list(store, reseeded)  # and it stays all the same


def test_why_a_target_was_kept_reads_in_the_readers_language():
    kept = sampling.KeptTarget("C1", "华创", "general", 2, 0, 1, True)
    assert kept.why(Translator("en")) == "called, screened, interview record"
    assert kept.why(Translator("zh")) == "已致电、已筛选、有访谈记录"
