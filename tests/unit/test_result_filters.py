"""Narrowing detection results (the Defectors page's filters) and who can be added to
the target list by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from research.selection import sampling
from research.selection.filters import NO_SEGMENT, ResultFilter, owners

RESULTS = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3", "C4", "C5"],
        "name": ["Huaxia Lab", None, "East Clinic", "华夏医院", "Westlab"],
        "status": ["full", "partial", "active", "full", "former"],
        "segment": ["best_core", None, "general", "general", "other_core"],
        "owner": ["Li", "Wu", None, "Li", "Wu"],
        "long_silence": [True, False, False, True, False],
    }
)


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["customer_id"].tolist()


@pytest.mark.parametrize(
    "chosen, expected",
    [
        (ResultFilter(), ["C1", "C2", "C3", "C4", "C5"]),
        (ResultFilter(statuses=("full", "partial")), ["C1", "C2", "C4"]),
        (ResultFilter(segments=(NO_SEGMENT,)), ["C2"]),
        (ResultFilter(segments=("general", NO_SEGMENT)), ["C2", "C3", "C4"]),
        (ResultFilter(owners=("Li",)), ["C1", "C4"]),
        (ResultFilter(search="  LAB "), ["C1", "C5"]),  # in the name, any case
        (ResultFilter(search="c3"), ["C3"]),  # in the id
        (ResultFilter(search="华夏"), ["C4"]),
        (ResultFilter(search="("), []),  # a plain search, not a pattern
        (ResultFilter(long_silence_only=True), ["C1", "C4"]),
        (ResultFilter(statuses=("full",), owners=("Li",), long_silence_only=True), ["C1", "C4"]),
        (ResultFilter(statuses=("full",), segments=("best_core",), search="hua"), ["C1"]),
    ],
)
def test_every_part_of_the_filter_narrows_and_empty_parts_let_everyone_through(chosen, expected):
    assert ids(chosen.apply(RESULTS)) == expected


def test_the_owners_to_choose_from_are_sorted_without_blanks():
    assert owners(RESULTS) == ["Li", "Wu"]


def test_defectors_not_on_the_list_can_be_added_removed_ones_again():
    targets = pd.DataFrame({"customer_id": ["C1", "C4"], "included": [True, False]})
    assert sampling.addable(RESULTS, targets) == ["C2", "C4"]
    assert sampling.addable(RESULTS, targets.iloc[0:0]) == ["C1", "C2", "C4"]
