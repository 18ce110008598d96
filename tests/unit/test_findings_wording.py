"""A finding in words: choices and questions translated, answers as the reader reads
them, the history of edits as lines; and the list of people an interview can be for."""

from __future__ import annotations

from datetime import date

import pytest

from research.base import studies
from research.base.i18n import Translator
from research.findings import interviews, taxonomy, wording
from research.findings.candidates import candidates, detected_status, find

EN, ZH = Translator("en"), Translator("zh")


@pytest.fixture
def book(store):
    return taxonomy.codebook(store)


def test_choices_and_questions_are_translated(book):
    assert wording.choice_label(EN, "satisfaction", "somewhat_dissatisfied") == EN(
        "finding.sat.somewhat_dissatisfied"
    )
    assert wording.choice_label(ZH, "defection_type", "partial") == ZH("finding.defection.partial")
    assert ZH("finding.defection.partial") != EN("finding.defection.partial")
    assert wording.choice_label(EN, "win_back", None) == "–"
    assert wording.choice_label(EN, "win_back", float("nan")) == "–"
    assert wording.choice_label(EN, "win_back", "someday") == "someday"  # not a known choice
    assert wording.field_label(ZH, "sat_value") == ZH("finding.field.sat_value")
    assert wording.field_label(EN, "not_a_field") == "not_a_field"


def test_answers_read_as_words(book):
    price = book.label("price_value", "en")
    moved = book.label("moved_away", "en")
    assert wording.answer_text(EN, book, "primary_code", "price_value") == price
    assert wording.answer_text(EN, book, "code", "price_value") == price
    assert (
        wording.answer_text(EN, book, "secondary_codes", '["price_value", "moved_away"]')
        == f"{price}, {moved}"
    )
    assert wording.answer_text(EN, book, "secondary_codes", ("moved_away",)) == moved
    assert wording.answer_text(EN, book, "secondary_codes", "[]") == "–"
    assert wording.answer_text(ZH, book, "controllable", True) == ZH("interview.yes")
    assert wording.answer_text(ZH, book, "controllable", "false") == ZH("interview.no")
    assert wording.answer_text(EN, book, "sat_delivery", "no_opinion") == EN(
        "finding.sat.no_opinion"
    )
    assert wording.answer_text(EN, book, "lifecycle_stage", "delivery") == EN(
        "finding.stage.delivery"
    )
    assert (
        wording.answer_text(EN, book, "summary", "Late <b>reagents</b>") == "Late <b>reagents</b>"
    )
    assert wording.answer_text(EN, book, "summary", "") == "–"


def test_the_history_says_who_changed_what_in_the_readers_words(store, study, book):
    f = interviews.create_finding(store, study, "C1", actor="wang", interview_date=date(2025, 1, 2))
    v = interviews.save_fields(
        store,
        f.id,
        {"primary_code": "price_value", "sat_value": "very_dissatisfied"},
        base_version=1,
        actor="wang",
    )
    q = interviews.add_quote(store, f.id, actor="li", text="太贵了")
    interviews.save_field(store, f.id, "summary", "x" * 300, base_version=v, actor="li")
    interviews.remove_quote(store, q, actor="li")
    table = wording.history_table(store, f.id, EN, book)
    assert list(table.columns) == ["version", "by", "at", "what"]
    assert list(table["by"]) == ["wang", "wang", "li", "li", "li"]
    assert list(table["version"]) == ["1", "2", "", "3", ""]
    what = list(table["what"])
    assert what[0] == EN("interview.history_created")
    assert set(what[1].split("; ")) == {
        f"{EN('finding.field.primary_code')}: {book.label('price_value', 'en')}",
        f"{EN('finding.field.sat_value')}: {EN('finding.sat.very_dissatisfied')}",
    }
    assert what[2] == f"{EN('interview.quote', n=1)}: 太贵了"
    assert what[3].startswith(f"{EN('finding.field.summary')}: xxx") and len(what[3]) == 120
    assert what[4] == EN("interview.history_quote_removed", quote=EN("interview.quote", n=1))
    assert wording.history_table(store, f.id, ZH, book)["what"][0] == ZH(
        "interview.history_created"
    )


def test_an_unknown_finding_has_no_history(store, book):
    assert wording.history_table(store, 999, EN, book).empty


def test_candidates_put_targets_first_then_anyone_with_a_record_then_defectors_found(
    store, study, add_customers, add_results
):
    add_customers([("T1", "Target One"), ("D1", "Defector"), ("A1", "Active")])
    add_results(
        study,
        [
            ("A1", "active", "general", 100, 100),
            ("D1", "full", "general", 100, 0),
            ("T1", "partial", "best_core", 500, 100),
            ("F1", "full", "expendable", 10, 0),
        ],
    )

    def targets(cur):
        cur.execute(
            "INSERT INTO target_list VALUES (?, 'T1', 'manual', TRUE, 'asked', 'x', now(),"
            " 'x', now())",
            [study.id],
        )
        cur.execute(
            "INSERT INTO former_customers VALUES (?, 'F1', 'closed', 'x', now())", [study.id]
        )

    store.write(targets)
    made = interviews.create_finding(store, study, "A1", actor="wang")
    assert candidates(store, study).customers == ("T1", "A1")
    # the other defectors and former customers are found by id or name, most spend lost
    # first, and join the list; an active customer without a record does not
    assert find(store, study, "1") == (["T1", "D1", "F1"], 3)
    assert find(store, study, " defector ") == (["D1"], 1)
    assert find(store, study, "1", limit=1) == (["T1"], 3)
    assert find(store, study, "nobody") == ([], 0) and find(store, study, " ") == ([], 0)
    who = candidates(store, study, also=["F1", "D1", "T1", "A1", "NOBODY"])
    assert who.customers == ("T1", "A1", "F1", "D1")
    assert who.statuses["F1"] == "former" and who.statuses["T1"] == "partial"
    assert who.label("T1", EN) == f"T1 Target One · {EN('interview.on_target_list')}"
    assert who.label("D1", ZH) == "D1 Defector"
    assert who.label("F1", EN) == "F1"  # no name in the file
    assert who.customer_of(made.id) == "A1" and who.customer_of(made.id + 1) is None
    assert list(who.records_of("A1")["id"]) == [made.id]
    assert who.records_of("T1").empty
    # a record's customer is named from the records; their status is read when shown
    assert who.label("A1", EN) == "A1 Active"
    assert detected_status(store, study, "A1") == "active"
    assert detected_status(store, study, "F1") == "former"
    assert detected_status(store, study, "NOBODY") is None


@pytest.mark.parametrize("text", ["c101", "  LAB ", "医院", "C1", "nobody has this"])
def test_find_says_what_browsing_the_results_says(demo_db, text):
    """candidates.find is one query of its own; browse.page filters every result: the
    same customers, in the same order, and the same total."""
    from research.base.store import connect
    from research.selection import browse
    from research.selection.filters import ResultFilter

    store = connect(demo_db)
    try:
        study = studies.get_study(store, "demo")
        expected = browse.page(
            store,
            study,
            ResultFilter(statuses=("full", "partial", "former"), search=text),
            limit=20,
        )
        assert find(store, study, text, limit=20) == (
            expected.rows["customer_id"].tolist(),
            expected.total,
        )
    finally:
        store.close()
