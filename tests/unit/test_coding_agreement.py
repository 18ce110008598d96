"""Second, blind coding: Cohen's kappa against hand-computed cases, the picks, the
agreement on the primary cause, and settling disagreements."""

from __future__ import annotations

import json
import math

import pytest

from research.base.i18n import Translator
from research.findings import agreement, interviews, taxonomy
from research.findings.agreement import CodingError, cohen_kappa

# 10 interviews. first:  a a a a a b b b c c
#                second: a a a a b b b c c c
# observed agreement po = 8/10 = 0.8
# first's marginals a 5, b 3, c 2; second's a 4, b 3, c 3
# chance agreement pe = (5*4 + 3*3 + 2*3) / 100 = 0.35
# kappa = (0.8 - 0.35) / (1 - 0.35) = 0.45 / 0.65 = 9/13
FIRST = list("aaaaabbbcc")
SECOND = list("aaaabbbccc")


def test_kappa_matches_the_hand_computed_case():
    assert cohen_kappa(FIRST, SECOND).kappa == pytest.approx(9 / 13)


def test_kappa_at_the_edges():
    assert cohen_kappa(list("abab"), list("abab")).kappa == pytest.approx(1.0)
    # po = 2/4, pe = (2*2 + 2*2)/16 = 0.5: no better than chance
    assert cohen_kappa(list("aabb"), list("abab")).kappa == pytest.approx(0.0)
    # one code only: chance agreement is 1, kappa is undefined
    assert cohen_kappa(["a", "a"], ["a", "a"]).kappa is None
    k = cohen_kappa(FIRST, SECOND)
    assert -1 <= k.low < k.kappa < k.high <= 1
    with pytest.raises(CodingError):
        cohen_kappa(["a"], [])


CODES = {"a": "staff_attitude", "b": "price_value", "c": "moved_away"}


def final_finding(store, study, customer_id: str, code: str) -> interviews.Finding:
    """A final interview record by wang whose primary cause is ``code``."""
    f = interviews.create_finding(store, study, customer_id, actor="wang")
    interviews.save_fields(
        store,
        f.id,
        {"defection_type": "full", "primary_code": code},
        base_version=1,
        actor="wang",
    )
    interviews.finalize(store, f.id, actor="wang")
    return f


@pytest.fixture
def coded_study(store, study):
    """Ten final findings coded as FIRST, each picked and coded again as SECOND by li."""
    ids = []
    for i, letter in enumerate(FIRST):
        f = final_finding(store, study, f"C{i}", CODES[letter])
        ids.append(f.id)
    assert agreement.set_plan(store, study, 1.0, actor="lead") == 10
    for fid, letter in zip(ids, SECOND, strict=True):
        agreement.record_second_coding(store, fid, coder="li", primary_code=CODES[letter])
    return study, ids


def test_agreement_on_the_primary_cause(store, coded_study):
    study, ids = coded_study
    result = agreement.agreement(store, study)
    assert (result.share, result.assigned, result.coded, result.agreed) == (1.0, 10, 10, 8)
    assert result.percent == pytest.approx(0.8)
    assert result.kappa.kappa == pytest.approx(9 / 13)
    # Wilson interval for 8 of 10, by its formula
    z, n, p = 1.959963984540054, 10, 0.8
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert result.percent_low == pytest.approx(centre - half)
    assert result.percent_high == pytest.approx(centre + half)
    assert [
        (d.finding_id, d.first_code, d.second_code, d.first_coder, d.second_coder)
        for d in result.disagreements
    ] == [
        (ids[4], "staff_attitude", "price_value", "wang", "li"),
        (ids[7], "price_value", "moved_away", "wang", "li"),
    ]


def test_the_agreement_reads_as_two_sentences_in_either_language(store, coded_study):
    result = agreement.agreement(store, coded_study[0])
    en = Translator("en")
    first, second = result.summary_lines(en)
    assert first == en(
        "agreement.summary",
        agreed=8,
        coded=10,
        percent="80%",
        low=en.percent(result.percent_low),
        high=en.percent(result.percent_high),
    )
    assert "8 of 10" in first
    k = result.kappa
    assert second == en(
        "agreement.kappa_line",
        kappa=f"{k.kappa:.2f}",
        low=f"{k.low:.2f}",
        high=f"{k.high:.2f}",
    )
    zh = Translator("zh")
    assert result.summary_lines(zh)[1].startswith(zh("agreement.kappa_line").split("{")[0])
    assert agreement.kappa_text(en, None) == "–" and agreement.kappa_text(en, -0.5) == "-0.50"


def test_settling_amends_the_finding_but_not_the_measured_agreement(store, coded_study):
    study, ids = coded_study
    agreement.settle(store, ids[4], "price_value", actor="lead")
    agreement.settle(store, ids[7], "price_value", actor="lead")  # the first was right
    result = agreement.agreement(store, study)
    assert (result.coded, result.agreed) == (10, 8)
    assert [d.settled_code for d in result.disagreements] == ["price_value", "price_value"]
    amended = interviews.get_finding(store, ids[4])
    assert (amended.primary_code, amended.updated_by, amended.final) == (
        "price_value",
        "lead",
        True,
    )
    kept = interviews.get_finding(store, ids[7])
    assert kept.updated_by == "wang"  # nothing to change there


def test_settling_writes_the_amendment_and_the_settled_code_together_or_not_at_all(
    store, coded_study, monkeypatch
):
    study, ids = coded_study
    before = interviews.get_finding(store, ids[4])
    versions_kept = len(interviews.history(store, ids[4]))

    def fails(cur, study_id, actor, action, detail):
        raise CodingError("error.not_second_coded", id=ids[4])

    monkeypatch.setattr(agreement, "audit", fails)  # the settling's own record fails
    with pytest.raises(CodingError):
        agreement.settle(store, ids[4], "price_value", actor="lead")
    after = interviews.get_finding(store, ids[4])
    assert (after.primary_code, after.version, after.updated_by) == (
        before.primary_code,
        before.version,
        "wang",
    )
    assert len(interviews.history(store, ids[4])) == versions_kept
    assert [d.settled_code for d in agreement.agreement(store, study).disagreements] == [None, None]


def test_merges_are_followed_when_comparing(store, coded_study):
    study, _ = coded_study
    taxonomy.merge_codes(store, "moved_away", "price_value", actor="lead")
    result = agreement.agreement(store, study)
    assert result.agreed == 9  # b/c now the same cause


def test_picks_are_reproducible_kept_and_topped_up(store, study):
    ids = []
    for i in range(7):
        f = final_finding(store, study, f"C{i}", "price_value")
        ids.append(f.id)
    draft = interviews.create_finding(store, study, "D", actor="wang")
    assert agreement.set_plan(store, study, 0.3, actor="lead") == 3  # ceil(0.3 × 7)
    expected = sorted(ids, key=lambda f: agreement.pick_order(study.id, f))[:3]
    assert sorted(agreement.queue(store, study, "li")["finding_id"]) == sorted(expected)
    assert draft.id not in set(agreement.queue(store, study, "li")["finding_id"])
    assert agreement.assign(store, study, actor="lead") == 0  # nothing new to pick
    for i in range(3):  # three more final findings: ceil(0.3 × 10) = 3, no new pick
        f = final_finding(store, study, f"N{i}", "price_value")
    assert agreement.assign(store, study, actor="lead") == 0
    f = final_finding(store, study, "N9", "price_value")
    assert agreement.assign(store, study, actor="lead") == 1  # ceil(0.3 × 11) = 4
    assert set(expected) <= set(agreement.queue(store, study, "li")["finding_id"])
    with pytest.raises(CodingError):
        agreement.set_plan(store, study, 0, actor="lead")


def test_the_second_coding_is_blind_and_independent(store, study):
    f = interviews.create_finding(store, study, "C1", actor="wang")
    interviews.save_fields(
        store,
        f.id,
        {
            "defection_type": "full",
            "primary_code": "price_value",
            "why_1": "Too expensive",
            "summary": "Price",
        },
        base_version=1,
        actor="wang",
    )
    interviews.add_quote(store, f.id, actor="wang", text="太贵了", code="price_value")
    interviews.finalize(store, f.id, actor="wang")
    agreement.set_plan(store, study, 1.0, actor="lead")
    view = agreement.blind_view(store, f.id)
    assert view.whys == ("Too expensive",) and view.quotes == ("太贵了",)
    assert not hasattr(view, "primary_code") and not hasattr(view, "secondary_codes")
    # the first coder does not appear in their own queue and cannot code twice
    assert agreement.queue(store, study, "wang").empty
    with pytest.raises(CodingError):
        agreement.record_second_coding(store, f.id, coder="wang", primary_code="price_value")
    agreement.record_second_coding(store, f.id, coder="li", primary_code="staff_attitude")
    with pytest.raises(CodingError):
        agreement.record_second_coding(store, f.id, coder="zhao", primary_code="price_value")
    assert agreement.queue(store, study, "zhao").empty


def test_a_second_coders_secondary_causes_leave_out_the_primary_and_repeats(store, study):
    f = final_finding(store, study, "C1", "price_value")
    agreement.set_plan(store, study, 1.0, actor="lead")
    agreement.record_second_coding(
        store,
        f.id,
        coder="li",
        primary_code="staff_attitude",
        secondary_codes=["price_value", "staff_attitude", "price_value"],
    )
    with store.cursor() as cur:
        stored = cur.execute(
            "SELECT secondary_codes FROM second_codings WHERE finding_id = ?", [f.id]
        ).fetchall()[0][0]
    assert json.loads(stored) == ["price_value"]
