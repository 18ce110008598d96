"""Counts in step: on the demo, every page's source for the same count agrees with
``overview.study_counts`` (issue 9: the study page said 31 held where the review said 28,
82 targets beside 80 on the list, 66 called beside 68 tried)."""

from __future__ import annotations

import pytest

from research.analysis import causes, checkpoint, overview
from research.base import studies
from research.base.store import connect
from research.desk import calls, scheduling
from research.selection import sampling


@pytest.fixture
def demo(demo_db):
    store = connect(demo_db)
    yield store, studies.get_study(store, "demo")
    store.close()


def test_the_pages_sources_agree_on_the_demo(demo):
    store, study = demo
    counts = overview.study_counts(store, study)
    assert counts.targets > 0 and counts.final_records > 0  # the demo has work to count

    # study page summary and its funnel chart, the call desk's funnel
    summary = overview.summarise(store, study)
    assert summary.targets == counts.targets
    assert dict((s.key, s.count) for s in summary.funnel)["targets"] == counts.targets
    progress = calls.progress(store, study)
    assert overview.study_counts(store, study, progress) == counts  # progress read once
    assert progress.funnel["targets"] == counts.targets
    assert progress.funnel["tried"] == counts.tried
    assert progress.interviews_done == counts.interviews_held
    # the defectors page's target list is the targets on the call lists
    assert len(sampling.target_list(store, study)) == counts.to_call
    assert counts.to_call + counts.do_not_call == counts.targets
    # the managers' quotas count the same held interviews
    assert int(scheduling.quota_progress(store, study)["done"].sum()) <= counts.interviews_held
    # the review and the analysis count final records
    assert checkpoint.checkpoint(store, study).held == counts.final_records
    table = causes.cause_table(store, causes.FindingsFilter((study.id,)))
    assert table.n == counts.final_records
    # held interviews: those with a final record, and those whose record is a draft
    assert counts.interviews_held >= counts.final_records
    with store.cursor() as cur:
        records = cur.execute(
            "SELECT status, count(*) FROM findings WHERE study_id = ? GROUP BY status", [study.id]
        ).fetchall()
    assert dict(records).get("draft", 0) == counts.draft_records


def test_a_redraw_names_its_kept_targets_drawn_ones_only(demo):
    """The draw's "called" counts drawn targets kept for their work; the funnel's
    "tried" counts every target called, hand-added ones and refusals included: the
    message says which it counts."""
    store, study = demo
    drawn = sampling.draw_sample(store, study, actor="tester")
    counts = overview.study_counts(store, study)
    called_kept = sum(1 for k in drawn.kept if k.calls)
    assert called_kept <= counts.tried
    assert any(line.startswith("Drawn targets kept") for line in drawn.summary(t_en()))


def t_en():
    from research.base.i18n import Translator

    return Translator("en")


def test_counts_follow_a_new_call(demo):
    store, study = demo
    before = overview.study_counts(store, study)
    untried = calls.call_state(store, study)
    untried = untried[untried["attempts"] == 0]
    assert not untried.empty
    calls.log_attempt(store, study, untried["customer_id"].iloc[0], "no_answer", actor="tester")
    after = overview.study_counts(store, study)
    assert after.tried == before.tried + 1
    assert after.targets == before.targets
