"""Interview findings: answers saved one by one, two people never lose each other's work,
final locks for the analysis and every later edit is a version with who and when."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from research.base.records import EditConflictError
from research.findings import interviews, taxonomy
from research.findings.interviews import FindingError
from research.selection import detection

ACTOR = "tester"
LOCALES = Path(__file__).resolve().parents[2] / "research" / "base" / "locales"


@pytest.fixture
def finding(store, study):
    return interviews.create_finding(
        store, study, "C1", actor="wang", interviewer="王经理", interview_date=date(2024, 12, 3)
    )


def test_a_new_record_is_a_draft_prefilled_from_detection(store, study, add_results):
    add_results(study, [("P1", "partial", "general", 100, 20)])
    f = interviews.create_finding(store, study, "P1", actor="wang")
    assert (f.status, f.defection_type, f.version, f.interviewer, f.created_by) == (
        "draft",
        "partial",
        1,
        "wang",
        "wang",
    )
    assert f.secondary_codes == () and f.whys == ("",) * 5
    detection.mark_former_customer(store, study, "P1", "closed down", actor=ACTOR)
    assert interviews.create_finding(store, study, "P1", actor=ACTOR).defection_type == "former"
    assert interviews.create_finding(store, study, "unknown", actor=ACTOR).defection_type is None
    with pytest.raises(FindingError):
        interviews.create_finding(store, study, "  ", actor=ACTOR)


def test_every_answer_is_saved_and_read_back(store, finding):
    answers = {
        "defection_type": "full",
        "destination": "competitor",
        "competitor": "Bluepeak",
        "primary_code": "delivery_logistics",
        "secondary_codes": ["price_value", "moved_away"],
        "controllable": True,
        "voluntary": "voluntary",
        **{name: f"why {i}" for i, name in enumerate(interviews.WHY_FIELDS, 1)},
        **dict(zip(interviews.SATISFACTION_FIELDS, interviews.SATISFACTION, strict=True)),
        "lifecycle_stage": "delivery",
        "summary": "Late reagents",
        "win_back": "maybe",
        "win_back_needs": "48-hour delivery",
        "interview_date": date(2024, 12, 4),
    }
    version = interviews.save_fields(store, finding.id, answers, base_version=1, actor="wang")
    assert version == 2
    f = interviews.get_finding(store, finding.id)
    for name, value in answers.items():
        expected = tuple(value) if name == "secondary_codes" else value
        assert getattr(f, name) == expected, name
    assert f.whys == ("why 1", "why 2", "why 3", "why 4", "why 5")
    assert (f.updated_by, f.version) == ("wang", 2)


@pytest.mark.parametrize(
    "name,value",
    [
        ("defection_type", "gone"),
        ("sat_value", "5"),
        ("lifecycle_stage", "lunch"),
        ("win_back", "perhaps"),
        ("primary_code", "no_such_code"),
        ("version", 9),
    ],
)
def test_answers_the_form_does_not_offer_are_refused(store, finding, name, value):
    with pytest.raises((FindingError, taxonomy.TaxonomyError)):
        interviews.save_field(store, finding.id, name, value, base_version=1, actor=ACTOR)
    assert interviews.get_finding(store, finding.id).version == 1


def test_two_people_on_different_answers_both_keep_their_work(store, finding):
    # both opened version 1
    interviews.save_field(
        store, finding.id, "why_1", "Wang's first why", base_version=1, actor="wang"
    )
    interviews.save_field(store, finding.id, "summary", "Li's summary", base_version=1, actor="li")
    f = interviews.get_finding(store, finding.id)
    assert (f.why_1, f.summary, f.version) == ("Wang's first why", "Li's summary", 3)


def test_two_people_on_the_same_answer_get_both_versions_not_an_overwrite(store, finding):
    interviews.save_field(
        store, finding.id, "summary", "Wang's words", base_version=1, actor="wang"
    )
    with pytest.raises(EditConflictError) as caught:
        interviews.save_field(
            store, finding.id, "summary", "Li's words", base_version=1, actor="li"
        )
    assert caught.value.theirs["summary"] == "Wang's words"
    assert caught.value.mine == {"summary": "Li's words"}
    assert interviews.get_finding(store, finding.id).summary == "Wang's words"


def test_a_quick_typist_never_conflicts_with_their_own_saves(store, finding):
    v2 = interviews.save_field(store, finding.id, "summary", "Late", base_version=1, actor="wang")
    interviews.save_field(store, finding.id, "win_back", "yes", base_version=1, actor="li")
    # still typing on version 1, but version 2 was their own: no conflict
    interviews.save_field(
        store,
        finding.id,
        "summary",
        "Late reagents",
        base_version=1,
        actor="wang",
        own_versions={v2},
    )
    f = interviews.get_finding(store, finding.id)
    assert (f.summary, f.win_back) == ("Late reagents", "yes")


def test_primary_cause_prefills_controllable_and_voluntary_which_stay_editable(store, finding):
    v = interviews.set_primary_cause(
        store, finding.id, "policy_change", base_version=1, actor=ACTOR
    )
    f = interviews.get_finding(store, finding.id)
    assert (f.controllable, f.voluntary) == (True, "involuntary")
    interviews.save_field(store, finding.id, "voluntary", "voluntary", base_version=v, actor=ACTOR)
    v = interviews.set_primary_cause(
        store,
        finding.id,
        "moved_away",
        base_version=interviews.get_finding(store, finding.id).version,
        actor=ACTOR,
    )
    f = interviews.get_finding(store, finding.id)
    assert (f.primary_code, f.controllable, f.voluntary) == ("moved_away", False, "voluntary")


def test_a_secondary_cause_is_never_the_primary_one(store, finding):
    v = interviews.set_primary_cause(store, finding.id, "price_value", base_version=1, actor=ACTOR)
    # saving secondary causes that include the primary keeps only the others
    v = interviews.save_field(
        store,
        finding.id,
        "secondary_codes",
        ["price_value", "moved_away"],
        base_version=v,
        actor=ACTOR,
    )
    assert interviews.get_finding(store, finding.id).secondary_codes == ("moved_away",)
    # a secondary cause that becomes the primary one leaves the secondary causes
    interviews.set_primary_cause(store, finding.id, "moved_away", base_version=v, actor=ACTOR)
    f = interviews.get_finding(store, finding.id)
    assert (f.primary_code, f.secondary_codes) == ("moved_away", ())


def test_final_needs_type_and_cause_then_counts_and_later_edits_are_versions(store, study, finding):
    with pytest.raises(FindingError) as caught:
        interviews.finalize(store, finding.id, actor="wang")
    assert caught.value.values["fields"] == "defection_type, primary_code"
    v = interviews.save_fields(
        store,
        finding.id,
        {"defection_type": "full", "primary_code": "staff_attitude"},
        base_version=1,
        actor="wang",
    )
    assert interviews.cause_counts(store, study).empty  # drafts do not count
    assert interviews.cause_counts(store, study, include_drafts=True).to_dict() == {
        "staff_attitude": 1
    }
    interviews.finalize(store, finding.id, actor="wang")
    f = interviews.get_finding(store, finding.id)
    assert (f.status, f.finalized_by, f.version) == ("final", "wang", v + 1)
    assert interviews.cause_counts(store, study).to_dict() == {"staff_attitude": 1}
    with pytest.raises(FindingError):
        interviews.finalize(store, finding.id, actor="wang")

    interviews.save_field(
        store,
        finding.id,
        "primary_code",
        "complaint_unresolved",
        base_version=f.version,
        actor="li",
    )
    history = interviews.history(store, finding.id)
    assert [h["version"] for h in history] == [1, 2, 3, 4]
    assert history[0]["created"] and history[0]["changed_by"] == "wang"
    assert history[2]["changes"]["status"] == ("draft", "final")
    last = history[-1]
    assert last["changed_by"] == "li"
    assert last["changes"]["primary_code"] == ("staff_attitude", "complaint_unresolved")
    assert interviews.get_finding(store, finding.id).final  # an amendment keeps it final
    with store.cursor() as cur:
        actions = [
            a
            for (a,) in cur.execute(
                "SELECT action FROM audit_log WHERE action LIKE 'finding.%' ORDER BY id"
            ).fetchall()
        ]
    assert actions == ["finding.create", "finding.finalize", "finding.amend"]


def test_quotes_are_tagged_saved_removed_and_kept_in_history(store, finding):
    q1 = interviews.add_quote(store, finding.id, actor="wang", text="太贵了", code="price_value")
    q2 = interviews.add_quote(store, finding.id, actor="wang")
    v = interviews.save_quote(
        store, q2, {"text": "Nobody called back"}, base_version=1, actor="wang"
    )
    interviews.save_quote(
        store, q2, {"code": "staff_attitude"}, base_version=1, actor="li", own_versions=set()
    )  # another part of the same quote: merged
    f = interviews.get_finding(store, finding.id)
    assert [(q.position, q.text, q.code) for q in f.quotes] == [
        (1, "太贵了", "price_value"),
        (2, "Nobody called back", "staff_attitude"),
    ]
    with pytest.raises(EditConflictError):
        interviews.save_quote(store, q2, {"text": "Li's version"}, base_version=v - 1, actor="li")
    interviews.remove_quote(store, q1, actor="wang")
    assert [q.id for q in interviews.get_finding(store, finding.id).quotes] == [q2]
    changes = [c for h in interviews.history(store, finding.id) for c in h["changes"]]
    assert "quote_1.removed" in changes and "quote_2.code" in changes


def test_the_interview_guide_per_study_and_language(store, study):
    assert interviews.guide(store, study, "zh", "默认") == ("默认", 0)
    v = interviews.save_guide(store, study, "zh", "先问为什么", base_version=0, actor="wang")
    assert interviews.guide(store, study, "zh", "默认") == ("先问为什么", v)
    assert interviews.guide(store, study, "en", "default") == ("default", 0)
    with pytest.raises(EditConflictError):
        interviews.save_guide(store, study, "zh", "另一个版本", base_version=0, actor="li")
    assert (
        interviews.save_guide(store, study, "zh", "第二版", base_version=v, actor="wang") == v + 1
    )


def test_list_findings_shows_the_code_given_and_the_code_counted(store, study, finding):
    interviews.save_field(
        store, finding.id, "primary_code", "competitor_promotion", base_version=1, actor=ACTOR
    )
    taxonomy.merge_codes(store, "competitor_promotion", "competitor_lower_price", actor=ACTOR)
    row = interviews.list_findings(store, study).iloc[0]
    assert (row["primary_code"], row["cause"], row["cause_group"]) == (
        "competitor_promotion",
        "competitor_lower_price",
        "competitor",
    )


def test_every_label_key_exists_in_both_catalogs():
    keys = set(interviews.FIELD_KEYS.values()) | {
        k for group in interviews.CHOICE_KEYS.values() for k in group.values()
    }
    for lang in ("en", "zh"):
        with (LOCALES / f"{lang}.po").open("rb") as fh:
            catalog = {str(m.id) for m in read_po(fh) if m.id}
        assert sorted(keys - catalog) == []
    assert set(interviews.CHOICE_KEYS["lifecycle_stage"]) == set(interviews.LIFECYCLE_STAGES)
    assert set(interviews.CHOICE_KEYS["satisfaction"]) == set(interviews.SATISFACTION)
