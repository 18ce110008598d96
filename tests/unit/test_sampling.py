"""Whom to interview: the allocation by hand, a reproducible draw, and hand-made changes
that a redraw never undoes."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from research.base import studies
from research.base.errors import NothingToDoError, ResearchError
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
