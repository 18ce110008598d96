"""Cause frequencies and their cross-tabs, checked against cases computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from research.analysis import causes
from research.analysis.causes import FindingsFilter, wilson
from research.findings import interviews, taxonomy

ACTOR = "tester"


@pytest.fixture
def ten(store, study, add_results, record):
    """Ten final findings: staff attitude 3 (one also naming price), price 2,
    lower price 5 (one coded as a promotion that was later merged into lower price)."""
    add_results(
        study,
        [
            (f"C{i}", "full", "best_core" if i < 4 else "general", 1000 * (i + 1), 0)
            for i in range(10)
        ],
    )
    codes = ["staff_attitude"] * 3 + ["price_value"] * 2 + ["competitor_lower_price"] * 4
    for i, code in enumerate(codes):
        record(
            study,
            f"C{i}",
            code,
            secondary=["price_value", "price_value"] if i == 0 else (),
            competitor="Rival Co" if code.startswith("competitor") else "",
            day=i + 1,
        )
    record(study, "C9", "competitor_promotion", competitor=" rival co ", day=10)
    taxonomy.merge_codes(store, "competitor_promotion", "competitor_lower_price", actor=ACTOR)
    return FindingsFilter((study.id,))


def test_wilson_interval_matches_the_textbook_value():
    # 3 of 10: centre (3 + z²/2) / (10 + z²), half-width z·sqrt(3·7/10 + z²/4) / (10 + z²)
    share = wilson(3, 10)
    assert share.share == pytest.approx(0.3)
    assert share.low == pytest.approx(0.1078, abs=1e-4)
    assert share.high == pytest.approx(0.6032, abs=1e-4)
    assert share.small is False
    assert wilson(2, 9).small is True
    assert wilson(0, 0).share is None


def test_primary_causes_count_each_finding_once_and_follow_merges(store, ten):
    table = causes.cause_table(store, ten)
    assert table.n == 10
    counted = {r.key: r.share.count for r in table.rows}
    assert counted == {"competitor_lower_price": 5, "staff_attitude": 3, "price_value": 2}
    assert [r.key for r in table.rows][0] == "competitor_lower_price"
    top = table.rows[0]
    assert top.share.share == pytest.approx(0.5)
    # spend lost of C5..C9 = 6000 + 7000 + 8000 + 9000 + 10000 of 55000
    assert top.spend_lost == pytest.approx(40_000)
    assert top.spend_share == pytest.approx(40_000 / 55_000)
    assert table.spend_lost == pytest.approx(55_000)


def test_secondary_causes_add_mentions_once_per_finding(store, ten):
    table = causes.cause_table(store, ten, with_secondary=True)
    counted = {r.key: r.share.count for r in table.rows}
    # C0 names price as a secondary cause (twice): it counts once more for price
    assert counted["price_value"] == 3
    assert counted["staff_attitude"] == 3
    assert sum(counted.values()) == 11  # shares of mentions add up to more than 100%


def test_groups_count_a_finding_once_even_with_two_codes_of_the_group(store, ten):
    table = causes.cause_table(store, ten, by="group", with_secondary=True)
    counted = {r.key: r.share.count for r in table.rows}
    assert counted == {"company": 5, "competitor": 5}
    company = next(r for r in table.rows if r.key == "company")
    # C0..C4 lost 1000..5000; C0 names two company codes but its spend counts once
    assert company.spend_lost == pytest.approx(15_000)


def test_filters_apply_to_every_count(store, ten):
    best = FindingsFilter(ten.study_ids, segments=("best_core",))
    assert causes.cause_table(store, best).n == 4
    late = FindingsFilter(ten.study_ids, start=date(2024, 11, 6))
    assert causes.cause_table(store, late).n == 5
    nobody = FindingsFilter(ten.study_ids, interviewers=("someone else",))
    empty = causes.cause_table(store, nobody)
    assert empty.n == 0 and empty.rows == () and empty.small_sample


def test_cross_tab_by_segment_has_totals(store, ten):
    table = causes.cross_tab(store, ten, "segment")
    assert table.loc["competitor_lower_price", "general"] == 5
    assert table.loc["staff_attitude", "best_core"] == 3
    assert table.loc["total", "total"] == 10
    assert list(table.index)[0] == "competitor_lower_price"
    assert list(table.columns) == ["best_core", "general", "total"]  # value order


def test_competitors_are_grouped_ignoring_case_and_spaces(store, ten):
    table = causes.competitors(store, ten)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["findings"] == 5
    assert row["spend_lost"] == pytest.approx(40_000)
    assert row["causes"] == ["competitor_lower_price"]


def test_controllable_share_uses_the_codes_default_unless_set(store, study, add_results, record):
    add_results(study, [("A", "full", "general", 10, 0), ("B", "full", "general", 10, 0)])
    record(study, "A", "staff_attitude")  # company-side: controllable
    record(study, "B", "moved_away", voluntary="involuntary")
    shares = causes.control_shares(store, FindingsFilter((study.id,)))
    assert (shares.controllable.count, shares.controllable.n) == (1, 2)
    assert (shares.involuntary.count, shares.involuntary.n) == (1, 1)


def test_satisfaction_profile_counts_each_answer(store, study, add_results, record):
    add_results(study, [("A", "full", "general", 10, 0), ("B", "full", "general", 10, 0)])
    record(study, "A", "staff_attitude", sat_service="very_dissatisfied")
    record(study, "B", "price_value", sat_service="very_dissatisfied", sat_value="no_opinion")
    profile = causes.satisfaction_profile(store, FindingsFilter((study.id,)))
    assert profile.loc["sat_service", "very_dissatisfied"] == 2
    assert profile.loc["sat_value", "no_opinion"] == 1
    assert profile.loc["sat_product"].sum() == 0


def test_verbatims_carry_their_cause_and_can_be_narrowed(store, study, add_results, record):
    add_results(study, [("A", "full", "general", 10, 0)])
    finding_id = record(study, "A", "staff_attitude", competitor="Rival")
    interviews.add_quote(store, finding_id, actor=ACTOR, text="Nobody called back.")
    interviews.add_quote(store, finding_id, actor=ACTOR, text="Too dear.", code="price_value")
    filt = FindingsFilter((study.id,))
    quotes = causes.verbatims(store, filt)
    assert set(zip(quotes["text"], quotes["cause"], strict=True)) == {
        ("Nobody called back.", "staff_attitude"),
        ("Too dear.", "price_value"),
    }
    assert list(causes.verbatims(store, filt, cause="price_value")["text"]) == ["Too dear."]
    assert (
        causes.verbatims(store, filt, competitor="rival")["finding_id"].tolist() == [finding_id] * 2
    )


def test_drafts_do_not_count(store, study, add_results):
    add_results(study, [("A", "full", "general", 10, 0)])
    interviews.create_finding(store, study, "A", actor=ACTOR)
    assert causes.cause_table(store, FindingsFilter((study.id,))).n == 0


def test_unknown_breakdowns_are_refused(store, study):
    with pytest.raises(causes.AnalysisError):
        causes.cause_table(store, FindingsFilter((study.id,)), by="colour")
    with pytest.raises(causes.AnalysisError):
        causes.cross_tab(store, FindingsFilter((study.id,)), "weather")


def test_the_same_filter_is_read_once_per_version_of_the_data(
    store, study, ten, record, monkeypatch
):
    # the page asks for the same findings four times in one run
    first = causes.findings_frame(store, ten)
    assert len(first) == 10
    first["cause"] = "changed by a caller"  # each caller gets its own copy
    monkeypatch.setattr(causes, "FINDINGS_SQL", "SELECT no_such_column FROM final_findings")
    again = causes.findings_frame(store, ten)
    assert len(again) == 10 and "changed by a caller" not in set(again["cause"])
    with pytest.raises(Exception, match="no_such_column"):  # another filter is asked
        causes.findings_frame(store, FindingsFilter((study.id,), segments=("general",)))
    monkeypatch.undo()
    record(study, "C5", "staff_attitude", day=20)  # a new record: a new version
    assert len(causes.findings_frame(store, ten)) == 11


def test_a_codebook_change_is_counted_at_once(store, ten):
    assert {r.key for r in causes.cause_table(store, ten).rows} >= {"price_value"}
    taxonomy.merge_codes(store, "price_value", "competitor_lower_price", actor=ACTOR)
    counted = {r.key: r.share.count for r in causes.cause_table(store, ten).rows}
    assert counted == {"competitor_lower_price": 7, "staff_attitude": 3}
