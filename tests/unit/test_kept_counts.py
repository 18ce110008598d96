"""The study's results counted in DuckDB (research/analysis/overview.py
``results_summary``) say what the rows say, and are kept until exactly what they count
changes: the study's detection run or its former-customer marks, not another study's
run, a record, or a new customer."""

from __future__ import annotations

import pandas as pd
import pytest

from research.analysis import overview
from research.base import studies
from research.base.store import connect
from research.selection import detection


@pytest.fixture
def demo(demo_db):
    store = connect(demo_db)
    study = studies.get_study(store, "demo")
    frame = detection.results(store, study)
    former = frame.loc[frame["status"] == "full", "customer_id"].iloc[0]
    detection.mark_former_customer(store, study, former, "left the category", actor="t")
    yield store, study
    store.close()


def test_the_counts_say_what_the_rows_say(demo):
    store, study = demo
    frame = detection.results(store, study)
    summary = overview.summarise(store, study)
    defectors = frame[frame["status"].isin(detection.DEFECTOR_STATUSES)]
    assert summary.customers == len(frame) > 0
    assert summary.ranked == frame["segment"].notna().sum()
    assert summary.full == (frame["status"] == "full").sum()
    assert summary.partial == (frame["status"] == "partial").sum()
    assert summary.former == (frame["status"] == "former").sum() > 0
    assert summary.spend_lost == pytest.approx(defectors["spend_lost"].astype(float).sum())
    found = overview.results_summary(store, study)
    pd.testing.assert_frame_equal(
        overview.counts_by_status_segment(found), detection.counts_by_status_segment(frame)
    )
    expected = detection.spend_lost_by_segment(frame)
    got = overview.spend_lost_by_segment(found)
    pd.testing.assert_frame_equal(
        got.drop(columns="sum"), expected.drop(columns="sum"), check_dtype=False
    )
    assert got["sum"].tolist() == pytest.approx(expected["sum"].tolist())


def test_a_study_without_results_counts_nothing(store, study):
    summary = overview.summarise(store, study)
    assert (summary.customers, summary.spend_lost) == (0, 0)
    assert overview.counts_by_status_segment(overview.results_summary(store, study)).empty
    assert overview.spend_lost_by_segment(overview.results_summary(store, study)).empty


def test_the_counts_are_kept_until_the_study_s_results_change(demo):
    store, study = demo
    kept = overview.results_summary(store, study)
    assert overview.results_summary(store, study) is kept  # read once per version

    other = studies.create_study(store, "other", study.as_of, actor="t")
    detection.run_detection(store, other, actor="t")
    other_kept = overview.results_summary(store, other)
    assert overview.results_summary(store, study) is kept  # another study's run

    # a detection run of this study makes a new version, counted again
    detection.run_detection(store, study, actor="t")
    rerun = overview.results_summary(store, study)
    assert rerun is not kept and rerun == kept  # the same data, counted anew
    assert overview.results_summary(store, other) is other_kept

    # a mark moves a defector to the former customers; taking it back moves them back
    frame = detection.results(store, study)
    partial = frame.loc[frame["status"] == "partial", "customer_id"].iloc[0]
    detection.mark_former_customer(store, study, partial, "closed", actor="t")
    marked = overview.results_summary(store, study)
    assert marked.of_status("former") == rerun.of_status("former") + 1
    assert marked.of_status("partial") == rerun.of_status("partial") - 1
    assert overview.results_summary(store, other) is other_kept
    detection.unmark_former_customer(store, study, partial, actor="t")
    back = overview.results_summary(store, study)
    assert back.counts == rerun.counts and back is not marked
