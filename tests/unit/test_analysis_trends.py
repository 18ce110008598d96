"""Causes quarter by quarter, and whether a change is more than chance, checked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from research.analysis import trends
from research.analysis.causes import FindingsFilter
from research.base.i18n import Translator


def test_quarters_are_named_and_bounded():
    assert trends.quarter_of(date(2026, 9, 30)) == "2026Q3"
    assert trends.quarter_of(date(2026, 10, 1)) == "2026Q4"
    assert trends.quarter_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert trends.quarter_bounds("2025q1") == (date(2025, 1, 1), date(2025, 3, 31))
    with pytest.raises(ValueError):
        trends.quarter_bounds("2025Q5")


def test_large_counts_use_the_z_test():
    # pooled p = 43/200; z = 0.19 / sqrt(0.215 · 0.785 · 2/100) = 3.2703; p = 0.00107
    test, p = trends.compare(31, 100, 12, 100)
    assert test == "z"
    assert p == pytest.approx(0.001074, abs=2e-6)


def test_small_counts_use_fishers_exact_test():
    # 3 of 10 against 0 of 10: P(X=3) = P(X=0) = 120/1140, the two-sided p is their sum
    test, p = trends.compare(3, 10, 0, 10)
    assert test == "fisher"
    assert p == pytest.approx(240 / 1140)


def test_nothing_to_test_without_interviews_or_variation():
    assert trends.compare(0, 0, 1, 5) == (None, None)
    assert trends.compare(0, 10, 0, 10) == (None, None)
    assert trends.compare(10, 10, 5, 5) == (None, None)


def _change(a, n1, b, n2):
    test, p = trends.compare(a, n1, b, n2)
    return trends.Change("price_value", "2026Q2", "2026Q3", a, n1, b, n2, test, p, False)


def test_verdicts_say_what_the_numbers_support():
    en, zh = Translator("en"), Translator("zh")
    fell = _change(31, 100, 12, 100)
    assert fell.direction == "fell"
    assert fell.verdict(en) == (
        "fell from 31% to 12%, unlikely to be chance (two-proportion z-test, p = 0.001)"
    )
    assert "不太可能是偶然" in fell.verdict(zh)
    same = _change(3, 10, 1, 10)
    assert not same.significant and same.direction == "none"
    assert "no detectable change with these numbers" in same.verdict(en)
    assert "Fisher" in same.verdict(en)
    assert "too few interviews" in _change(0, 0, 1, 4).verdict(en)


def test_quarterly_counts_and_emerging_causes(store, study, add_results, record):
    add_results(study, [(f"C{i}", "full", "general", 100, 0) for i in range(14)])
    # Q3: price 5 of 6, staff 1; Q4: price 1 of 8, staff 3, moved 4 (new)
    q3 = ["price_value"] * 5 + ["staff_attitude"]
    q4 = ["price_value"] + ["staff_attitude"] * 3 + ["moved_away"] * 4
    for i, code in enumerate(q3):
        record(study, f"C{i}", code, on=date(2026, 8, 1 + i))
    for i, code in enumerate(q4):
        record(study, f"C{6 + i}", code, on=date(2026, 11, 1 + i))
    table = trends.quarterly_counts(store, FindingsFilter((study.id,)))
    assert list(table.columns) == ["2026Q3", "2026Q4"]
    assert table.loc["interviews"].tolist() == [6, 8]
    assert table.loc["price_value"].tolist() == [5, 1]
    assert list(table.index) == ["price_value", "moved_away", "staff_attitude", "interviews"]
    found = {c.cause: c for c in trends.latest_changes(table)}
    price = found["price_value"]
    assert price.test == "fisher"
    # [[5, 1], [1, 7]]: p = P(5) + P(6) + P(0) + P(1) ... computed by scipy, small enough
    assert price.significant and price.direction == "fell"
    assert found["moved_away"].emerging and not found["staff_attitude"].emerging
    assert list(found)[0] == "price_value"  # the significant change leads


def test_no_changes_with_a_single_quarter(store, study, add_results, record):
    add_results(study, [("A", "full", "general", 100, 0)])
    record(study, "A", "price_value", on=date(2026, 8, 1))
    table = trends.quarterly_counts(store, FindingsFilter((study.id,)))
    assert trends.latest_changes(table) == []


def test_a_p_value_of_one_reads_as_one():
    # 1 of 6 against 1 of 6: Fisher's exact test gives p = 1.000, written "p = 1", not "p = 1."
    text = _change(1, 6, 1, 6).verdict(Translator("en"))
    assert text.endswith("(Fisher's exact test, p = 1)")
