"""Studies: create, find, change and delete, with the settings checked on the way in."""

from __future__ import annotations

import json
from datetime import date

import pytest

from research.base import settings, studies
from research.base.errors import InvalidSettingError, StudyExistsError, StudyNotFoundError

ACTOR = "tester"


def _audit(store) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute(
            "SELECT study_id, actor, action, detail FROM audit_log ORDER BY id"
        ).fetchall()


def test_a_new_study_has_the_defaults_and_who_made_it(store):
    s = studies.create_study(store, "  Q3 lost customers  ", date(2025, 10, 1), actor=ACTOR)
    assert s.name == "Q3 lost customers"  # trimmed
    assert s.as_of == date(2025, 10, 1)
    assert s.status == "planning"
    assert s.settings() == settings.defaults()
    assert s.created_by == s.updated_by == ACTOR
    assert s.segment_weights == {
        "best_core": 0.40,
        "other_core": 0.35,
        "general": 0.25,
        "expendable": 0.0,
    }
    assert _audit(store)[-1][1:3] == (ACTOR, "study.create")


def test_settings_given_at_creation_are_kept(store):
    s = studies.create_study(
        store,
        "x",
        date(2025, 1, 1),
        actor=ACTOR,
        window_months=3,
        drop_threshold="0.25",
        description="why",
    )
    assert (s.window_months, s.drop_threshold, s.description) == (3, 0.25, "why")


@pytest.mark.parametrize(
    "bad, key",
    [
        ({"window_months": 0}, "error.setting_min"),
        ({"drop_threshold": 1.5}, "error.setting_max"),
        ({"nonsense": 1}, "error.setting_unknown"),
        ({"general_pct": 0.9}, "error.segment_shares"),
    ],
)
def test_bad_settings_create_nothing(store, bad, key):
    with pytest.raises(InvalidSettingError) as info:
        studies.create_study(store, "x", date(2025, 1, 1), actor=ACTOR, **bad)
    assert info.value.key == key
    assert studies.list_studies(store) == []


def test_names_are_required_and_unique(store, study):
    with pytest.raises(InvalidSettingError) as info:
        studies.create_study(store, "   ", date(2025, 1, 1), actor=ACTOR)
    assert info.value.key == "error.study_name_required"
    with pytest.raises(StudyExistsError):
        studies.create_study(store, study.name, date(2025, 1, 1), actor=ACTOR)
    assert len(studies.list_studies(store)) == 1


def test_status_must_be_known(store):
    with pytest.raises(InvalidSettingError) as info:
        studies.create_study(store, "x", date(2025, 1, 1), actor=ACTOR, status="done")
    assert info.value.key == "error.status_invalid"


def test_unknown_study_error_lists_the_known_ones(store, study, make_study):
    make_study("other")
    with pytest.raises(StudyNotFoundError) as info:
        studies.get_study(store, "nope")
    assert info.value.values["name"] == "nope"
    assert set(info.value.values["known"].split(", ")) == {"s", "other"}
    with pytest.raises(StudyNotFoundError):
        studies.get_study_by_id(store, 999)


def test_list_is_newest_first(store, clock, make_study):
    make_study("first")
    clock.tick()
    make_study("second")
    assert [s.name for s in studies.list_studies(store)] == ["second", "first"]


def test_update_changes_settings_and_records_before_and_after(clock, store, study):
    clock.tick(5)
    changed = studies.update_study(
        store, study, actor="other", window_months=3, status="screening", as_of=date(2025, 4, 1)
    )
    assert (changed.window_months, changed.status, changed.as_of) == (
        3,
        "screening",
        date(2025, 4, 1),
    )
    assert changed.updated_by == "other" and changed.updated_at > study.updated_at
    assert changed.created_by == ACTOR
    study_id, actor, action, detail = _audit(store)[-1]
    assert (study_id, actor, action) == (study.id, "other", "study.update")
    assert json.loads(detail)["window_months"] == {"from": 6, "to": 3}


def test_update_checks_the_combination_with_stored_settings(store, make_study):
    s = make_study("x", general_pct=0.6)
    with pytest.raises(InvalidSettingError) as info:
        studies.update_study(store, s, actor=ACTOR, best_core_pct=0.25)  # .25+.2+.6 > 1
    assert info.value.key == "error.segment_shares"
    assert studies.get_study(store, "x").best_core_pct == 0.10


def test_update_with_nothing_changes_nothing(store, study):
    before = len(_audit(store))
    assert studies.update_study(store, study, actor=ACTOR) == study
    assert len(_audit(store)) == before


def test_update_refuses_bad_status_and_blank_name(store, study):
    with pytest.raises(InvalidSettingError):
        studies.update_study(store, study, actor=ACTOR, status="finished")
    with pytest.raises(InvalidSettingError):
        studies.update_study(store, study, actor=ACTOR, name=" ")


def test_delete_removes_the_study_and_its_own_data_but_not_the_ledger(
    store, study, make_study, add_transactions, add_customers, add_results, counts
):
    other = make_study("keep")
    add_customers([("C1", "A")])
    add_transactions([("C1", "2024-03-01", 100)])
    for s in (study, other):
        add_results(s, [("C1", "full", "best_core", 100, 0)])
    studies.delete_study(store, study, actor=ACTOR)
    assert [s.name for s in studies.list_studies(store)] == ["keep"]
    left = counts()
    # the ledger belongs to every study: deleting one leaves it whole
    assert (left["customers"], left["transactions"], left["detection_results"]) == (1, 1, 1)
    with store.cursor() as cur:
        assert cur.execute("SELECT DISTINCT study_id FROM detection_results").fetchall() == [
            (other.id,)
        ]


def test_rename_trims_and_refuses_a_taken_name(store, study, make_study):
    other = make_study("other")
    renamed = studies.update_study(store, other, actor=ACTOR, name="  Q3 study  ")
    assert renamed.name == "Q3 study"
    with pytest.raises(StudyExistsError) as info:  # not a driver ConstraintException
        studies.update_study(store, renamed, actor=ACTOR, name=study.name)
    assert info.value.values == {"name": study.name}
    assert studies.get_study_by_id(store, other.id).name == "Q3 study"
    assert studies.update_study(store, study, actor=ACTOR, name=study.name).name == study.name
