"""The checkpoint review: ranking, saturation, segments behind the plan, reviews kept."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from research.analysis import checkpoint
from research.analysis.causes import AnalysisError
from research.base import studies
from research.findings import interviews, taxonomy

ACTOR = "tester"


def test_saturation_counts_codes_first_heard_in_the_last_ten(store):
    book = taxonomy.codebook(store)
    codes = ["price_value", "staff_attitude"] * 5 + ["price_value"] * 9 + ["moved_away"]
    frame = pd.DataFrame(
        {
            "id": range(len(codes)),
            "held_on": [date(2026, 1, 1 + i) for i in range(len(codes))],
            "cause": codes,
            "secondary_codes": [["competitor_promotion"] if i == 15 else [] for i in range(20)],
        }
    )
    result = checkpoint.saturation(frame, book)
    assert result.window == 10
    # the last ten bring moved_away and (as a secondary code) competitor_promotion
    assert set(result.new_codes) == {"moved_away", "competitor_promotion"}
    assert result.codes_so_far == 4


def test_saturation_with_few_interviews_looks_at_all_of_them(store):
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "held_on": [None, None],
            "cause": ["price_value", None],
            "secondary_codes": [None, None],
        }
    )
    result = checkpoint.saturation(frame, taxonomy.codebook(store))
    assert (result.window, result.new_codes) == (2, ("price_value",))


@pytest.fixture
def started(store, study, add_results, record):
    """Target 8: best core 4, other core 2, general 2 (weights .5/.25/.25); 3 interviews
    held, all in general; one draft by another interviewer."""
    study = studies.update_study(
        store,
        study,
        actor=ACTOR,
        target_sample_size=8,
        weight_best_core=0.5,
        weight_other_core=0.25,
        weight_general=0.25,
    )
    add_results(
        study,
        [(f"B{i}", "full", "best_core", 900, 0) for i in range(6)]
        + [(f"O{i}", "full", "other_core", 500, 0) for i in range(6)]
        + [(f"G{i}", "partial", "general", 100, 10) for i in range(6)],
    )
    for i, code in enumerate(["price_value", "price_value", "staff_attitude"]):
        record(study, f"G{i}", code, day=i + 1, interviewer="周建国")
    interviews.create_finding(store, study, "B0", actor=ACTOR, interviewer="高明")
    return study


def test_checkpoint_gathers_ranking_segments_and_team(store, started):
    state = checkpoint.checkpoint(store, started)
    assert (state.planned, state.held, state.due) == (8, 3, True)
    assert [(r.key, r.share.count) for r in state.ranking.rows] == [
        ("price_value", 2),
        ("staff_attitude", 1),
    ]
    seg = state.segments.set_index("segment")
    assert seg["planned"].to_dict() == {
        "best_core": 4,
        "other_core": 2,
        "general": 2,
        "expendable": 0,
    }
    assert seg.loc["general", "held"] == 3
    # 3 of 8 held: best core should have 1.5 by now and has none
    assert seg.loc["best_core", "expected_now"] == pytest.approx(1.5)
    assert bool(seg.loc["best_core", "behind"]) and not bool(seg.loc["other_core", "behind"])
    team = state.team.set_index("interviewer")
    assert (team.loc["周建国", "final"], team.loc["高明", "drafts"]) == (3, 1)
    assert state.previous is None and state.changes_since_previous().empty


def test_a_saved_review_is_the_baseline_of_the_next(store, started, record):
    review = checkpoint.save_review(
        store,
        started,
        actor=ACTOR,
        held_on=date(2024, 11, 20),
        attendees="周建国, 李娜",
        process_problems="Call list had wrong numbers",
        proposals="Check numbers before calling",
    )
    assert review.ranking == {"price_value": 2, "staff_attitude": 1} and review.interviews == 3
    record(started, "B1", "moved_away", day=21)
    state = checkpoint.checkpoint(store, started)
    assert state.previous.id == review.id
    changed = state.changes_since_previous().set_index("cause")
    assert changed.loc["moved_away", "new"] and changed.loc["moved_away", "now"] == 1
    assert changed.loc["price_value", "then"] == changed.loc["price_value", "now"] == 2


def test_reviews_need_attendees_and_a_date_that_has_come(store, study):
    with pytest.raises(AnalysisError, match="attended"):
        checkpoint.save_review(store, study, actor=ACTOR, held_on=date(2024, 1, 1))
    with pytest.raises(AnalysisError):
        checkpoint.save_review(store, study, actor=ACTOR, held_on=date(2999, 1, 1), attendees="x")
    assert checkpoint.list_reviews(store, study) == []


def test_the_checkpoint_is_no_longer_due_once_its_review_is_saved(store, started):
    assert checkpoint.checkpoint(store, started).review_due
    checkpoint.save_review(
        store, started, actor=ACTOR, held_on=date(2024, 1, 1), kind="quarterly", attendees="a"
    )
    assert checkpoint.checkpoint(store, started).review_due  # another kind of review
    checkpoint.save_review(store, started, actor=ACTOR, held_on=date(2024, 1, 2), attendees="a")
    after = checkpoint.checkpoint(store, started)
    assert after.checkpoint_reviewed and after.due and not after.review_due
