"""The demo's earlier quarterly studies tell the failure-analysis story on a fresh start:
four quarters of interviews, an action whose causes fell and one whose did not, and
earlier defectors buying again."""

from __future__ import annotations

import pytest

from research.analysis import actions, causes, rates, trends
from research.base import studies
from research.base.store import connect


@pytest.fixture
def demo(demo_db):
    store = connect(demo_db)
    yield store
    store.close()


def test_three_earlier_studies_are_archived_and_the_demo_stays_current(demo):
    every = studies.list_studies(demo, include_archived=True)
    assert every[0].name == "demo" and not every[0].archived
    earlier = [s for s in every if s.name != "demo"]
    assert len(earlier) == 3 and all(s.archived and s.status == "closed" for s in earlier)
    assert [s.name for s in studies.list_studies(demo)] == ["demo"]  # the CLI's only study


def test_four_quarters_of_interviews(demo):
    ids = tuple(s.id for s in studies.list_studies(demo, include_archived=True))
    table = trends.quarterly_counts(demo, causes.FindingsFilter(ids))
    held = [q for q in table.columns if table.loc["interviews", q] > 0]
    assert len(held) >= 4


def test_one_action_worked_and_one_did_not(demo):
    ids = tuple(s.id for s in studies.list_studies(demo, include_archived=True))
    effects = {a.title: actions.action_effect(demo, a, ids) for a in actions.list_actions(demo)}
    assert len(effects) == 2
    worked = [title for title, e in effects.items() if e.worked]
    did_not = [title for title, e in effects.items() if e.worked is False]
    assert len(worked) == 1 and "price" in worked[0].lower()
    assert len(did_not) == 1


def test_some_earlier_defectors_buy_again(demo):
    every = studies.list_studies(demo, include_archived=True)
    current = every[0]
    found = rates.follow_up(demo, current, tuple(s.id for s in every[1:]))
    outcomes = set(found.customers["outcome"])
    assert "won_back" in outcomes or "partly_back" in outcomes
    assert "still_gone" in outcomes
