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


# ---------------------------------------------------------------- one name, archive, delete


def test_names_that_differ_only_in_case_or_spaces_are_one_study(store, make_study):
    demo = make_study("demo")
    for twin in ("DEMO ", " Demo", "demo"):
        with pytest.raises(StudyExistsError) as info:
            studies.create_study(store, twin, date(2025, 1, 1), actor=ACTOR)
        assert info.value.values == {"name": "demo"}  # the name that is taken, as stored
    other = make_study("other")
    with pytest.raises(StudyExistsError):
        studies.update_study(store, other, actor=ACTOR, name="  DEMO")
    assert studies.get_study(store, "DEMO ").id == demo.id  # found as people type it
    assert studies.update_study(store, demo, actor=ACTOR, name="Demo").name == "Demo"
    assert len(studies.list_studies(store)) == 2


def test_an_archived_study_keeps_everything_and_leaves_the_list(store, clock, make_study):
    old = make_study("old")
    clock.tick()
    make_study("new")
    done = studies.archive_study(store, old, actor="lead")
    assert done.archived and (done.archived_by, done.archived_at) == ("lead", clock.current)
    assert [s.name for s in studies.list_studies(store)] == ["new"]
    assert [s.name for s in studies.list_studies(store, include_archived=True)] == ["new", "old"]
    assert studies.get_study(store, "old").archived  # still there when asked by name
    back = studies.archive_study(store, done, actor="lead", archived=False)
    assert not back.archived and back.archived_by is None
    assert [a for _, _, a, _ in _audit(store)][-2:] == ["study.archive", "study.unarchive"]


# the ledger (customers, transactions, wallet estimates and their imports) belongs to
# the database, not to a study: it stays when a study is deleted
STUDY_OWNED_TABLES_IN_THE_DEMO = (
    "detection_results",
    "former_customers",
    "target_list",
    "study_team",
    "call_assignments",
    "call_attempts",
    "do_not_call",
    "screenings",
    "interviews",
    "findings",
    "interview_guides",
    "coding_plans",
    "second_codings",
)


def _rows_of(store, study_id: int) -> dict[str, int]:
    """Rows of the study in every table that belongs to studies, and in the tables that
    hang on them (booking history, quotes, versions, drafts)."""
    with store.cursor() as cur:
        tables = [r[0] for r in cur.execute(studies.STUDY_TABLES).fetchall()]
        found = {
            t: cur.execute(f"SELECT count(*) FROM {t} WHERE study_id = ?", [study_id]).fetchall()[
                0
            ][0]
            for t in tables
        }
        found["interview_events"] = cur.execute(
            "SELECT count(*) FROM interview_events e JOIN interviews i ON i.id = e.interview_id"
            " WHERE i.study_id = ?",
            [study_id],
        ).fetchall()[0][0]
        found["finding_quotes"] = cur.execute(
            "SELECT count(*) FROM finding_quotes q JOIN findings f ON f.id = q.finding_id"
            " WHERE f.study_id = ?",
            [study_id],
        ).fetchall()[0][0]
        for table in ("record_versions", "drafts"):
            found[table] = cur.execute(
                f"SELECT count(*) FROM {table} WHERE (record_type = 'finding' AND record_id IN"
                " (SELECT CAST(id AS VARCHAR) FROM findings WHERE study_id = $sid))"
                " OR (record_type = 'finding_quote' AND record_id IN (SELECT CAST(q.id AS VARCHAR)"
                " FROM finding_quotes q JOIN findings f ON f.id = q.finding_id"
                " WHERE f.study_id = $sid))"
                " OR record_id LIKE CAST($sid AS VARCHAR) || '/%'",
                {"sid": study_id},
            ).fetchall()[0][0]
    return found


def test_deleting_a_study_leaves_no_row_in_any_table_that_belongs_to_it(
    demo_template, copy_db, tmp_path
):
    from research.base import records
    from research.base.store import connect
    from research.findings import interviews

    s = connect(copy_db(demo_template[0], tmp_path / "demo.duckdb"))
    try:
        demo = studies.get_study(s, "demo")
        keep = studies.create_study(s, "keep", date(2025, 1, 1), actor=ACTOR)
        interviews.save_guide(s, demo, "en", "Ask why, five times.", base_version=0, actor=ACTOR)
        interviews.save_guide(s, keep, "en", "Keep this guide.", base_version=0, actor=ACTOR)
        finding_id = int(interviews.list_findings(s, demo)["id"].iloc[0])
        records.save_draft(s, "finding", str(finding_id), "summary", ACTOR, "typed", 1)
        before = _rows_of(s, demo.id)
        assert [t for t in STUDY_OWNED_TABLES_IN_THE_DEMO if not before.get(t)] == []
        assert before["interview_events"] and before["finding_quotes"] and before["drafts"]
        kept = _rows_of(s, keep.id)

        studies.delete_study(s, demo, actor="lead")

        after = _rows_of(s, demo.id)
        assert {t: n for t, n in after.items() if n} == {}
        assert _rows_of(s, keep.id) == kept  # another study loses nothing
        assert kept["interview_guides"] == 1
        left = [x.name for x in studies.list_studies(s, include_archived=True)]
        assert "demo" not in left and left[0] == "keep"  # the demo's earlier studies stay
        with s.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM team_members").fetchall()[0][0] > 0
            assert cur.execute(
                "SELECT actor FROM audit_log WHERE action = 'study.delete'"
            ).fetchall() == [("lead",)]
    finally:
        s.close()
