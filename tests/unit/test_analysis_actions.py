"""Improvement actions: recorded with their causes, versioned, and checked for effect."""

from __future__ import annotations

from datetime import date

import pytest

from research.analysis import actions
from research.analysis.causes import AnalysisError
from research.base.records import EditConflictError

ACTOR = "tester"


def test_an_action_is_recorded_with_its_causes_and_listed(store, study):
    made = actions.add_action(
        store,
        title="  Call every lab within 24 h  ",
        owner="李娜",
        causes=["staff_attitude", "complaint_unresolved", "staff_attitude"],
        actor=ACTOR,
        due_date=date(2027, 3, 31),
        study=study,
    )
    assert made.title == "Call every lab within 24 h"
    assert made.causes == ("staff_attitude", "complaint_unresolved")
    assert made.status == "planned" and made.version == 1
    assert [a.id for a in actions.list_actions(store)] == [made.id]
    assert [a.id for a in actions.list_actions(store, study=study)] == [made.id]


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"title": " "}, "error.action_title_required"),
        ({"owner": ""}, "error.action_owner_required"),
        ({"causes": []}, "error.action_causes_required"),
        ({"status": "someday"}, "error.action_status"),
        ({"due_date": "31/12/2026"}, "error.action_date"),
        ({"due_date": date(1, 1, 1)}, "error.action_date"),
    ],
)
def test_bad_actions_are_refused_and_nothing_is_written(store, changes, key):
    values = {"title": "Fix it", "owner": "王磊", "causes": ["price_value"]}
    values.update(changes)
    with pytest.raises(AnalysisError) as info:
        actions.add_action(store, actor=ACTOR, **values)
    assert info.value.key == key
    assert actions.list_actions(store) == []


def test_unknown_cause_codes_are_refused(store):
    with pytest.raises(Exception, match="no_such_code"):
        actions.add_action(store, title="x", owner="y", causes=["no_such_code"], actor=ACTOR)


def test_updates_are_versioned_and_never_overwrite_a_colleague(store):
    made = actions.add_action(store, title="x", owner="y", causes=["price_value"], actor=ACTOR)
    done = actions.update_action(
        store,
        made.id,
        {"status": "done", "effective_from": "2026-07-01"},
        base_version=1,
        actor="a",
    )
    assert (done.status, done.effective_from, done.version) == ("done", date(2026, 7, 1), 2)
    with pytest.raises(EditConflictError):
        actions.update_action(store, made.id, {"owner": "z"}, base_version=1, actor="b")


def test_effect_compares_the_causes_before_and_after(store, study, add_results, record):
    add_results(study, [(f"C{i}", "full", "general", 100, 0) for i in range(40)])
    # before 2026-07-01: 12 of 20 name price; after: 2 of 20
    for i in range(20):
        record(study, f"C{i}", "price_value" if i < 12 else "moved_away", on=date(2026, 5, 1))
    for i in range(20, 40):
        record(study, f"C{i}", "price_value" if i < 22 else "moved_away", on=date(2026, 8, 1))
    made = actions.add_action(
        store, title="New price list", owner="y", causes=["price_value"], actor=ACTOR
    )
    assert actions.action_effect(store, made, (study.id,)).worked is None  # not in effect yet
    made = actions.update_action(
        store, made.id, {"effective_from": date(2026, 7, 1)}, base_version=1, actor=ACTOR
    )
    effect = actions.action_effect(store, made, (study.id,))
    change = effect.change
    assert (change.count_before, change.n_before, change.count_after, change.n_after) == (
        12,
        20,
        2,
        20,
    )
    assert change.test == "z" and change.p_value < 0.01
    assert effect.worked is True


def test_an_action_whose_cause_did_not_fall_did_not_work(store, study, add_results, record):
    add_results(study, [(f"C{i}", "full", "general", 100, 0) for i in range(20)])
    for i in range(20):
        on = date(2026, 5, 1) if i < 10 else date(2026, 8, 1)
        record(study, f"C{i}", "staff_attitude" if i % 2 else "moved_away", on=on)
    made = actions.add_action(
        store,
        title="Friendlier staff",
        owner="y",
        causes=["staff_attitude"],
        actor=ACTOR,
        effective_from=date(2026, 7, 1),
    )
    effect = actions.action_effect(store, made, (study.id,))
    assert effect.change.share_before == effect.change.share_after == 0.5
    assert effect.worked is False
