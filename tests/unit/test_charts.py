"""Charts and the study summary: built from small frames, labelled in the reader's language."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest

from research.analysis import overview
from research.base.i18n import Translator
from research.reports import charts
from research.selection import detection, sampling

FRAME = pd.DataFrame(
    [
        ("A", "full", "best_core", 100.0),
        ("B", "full", "best_core", 50.0),
        ("C", "partial", "best_core", 30.0),
        ("D", "partial", "general", 20.0),
        ("E", "active", "general", 0.0),
        ("F", "new", None, 0.0),
        ("G", "former", "other_core", 0.0),
    ],
    columns=["customer_id", "status", "segment", "spend_lost"],
)


@pytest.fixture(params=["en", "zh"])
def t(request) -> Translator:
    return Translator(request.param)


def test_spend_lost_chart_stacks_full_and_partial_per_segment(t):
    fig = charts.spend_lost_by_segment(detection.spend_lost_by_segment(FRAME), t)
    assert isinstance(fig, go.Figure)
    assert [trace.name for trace in fig.data] == [t.status("full"), t.status("partial")]
    labels = [t.segment(s) for s in detection.SEGMENTS]
    for trace in fig.data:
        assert list(trace.x) == labels
    full, partial = fig.data
    # best core: A + B full (150, 2 customers), C partial (30); general: D partial (20)
    assert list(full.y) == [150.0, 0.0, 0.0, 0.0]
    assert list(full.customdata) == [2, 0, 0, 0]
    assert list(partial.y) == [30.0, 0.0, 20.0, 0.0]
    assert list(partial.customdata) == [1, 0, 1, 0]
    assert list(full.text) == [t.money_short(150.0), "", "", ""]  # short on the bar
    assert list(full.hovertext)[0] == t.money(150.0)  # exact on hover
    assert fig.layout.barmode == "stack"
    assert fig.layout.title.text == t("chart.spend_lost_title")
    assert fig.layout.yaxis.title.text == t("chart.spend_lost_axis")
    assert t("chart.defectors") in full.hovertemplate
    json.loads(fig.to_json())  # serialisable, as the page and the report need


def test_spend_lost_chart_with_no_defectors(t):
    empty = detection.spend_lost_by_segment(FRAME[FRAME["status"] == "active"])
    fig = charts.spend_lost_by_segment(empty, t)
    assert [list(trace.y) for trace in fig.data] == [[0.0] * 4, [0.0] * 4]


def test_chinese_chart_is_in_chinese():
    fig = charts.spend_lost_by_segment(detection.spend_lost_by_segment(FRAME), Translator("zh"))
    english = Translator("en")
    assert fig.layout.title.text != english("chart.spend_lost_title")
    assert english.segment("best_core") not in fig.data[0].x


def test_summary_counts_by_hand(store, study, add_results):
    add_results(
        study,
        [
            ("A", "full", "best_core", 100, 0),
            ("B", "partial", "general", 100, 40),
            ("C", "active", "general", 100, 90),
            ("D", "new", None, 0, 10),
        ],
    )
    from research.selection.sampling import add_target

    add_target(store, study, "A", "key account", actor="tester")
    frame = detection.results(store, study)
    summary = overview.summarise(store, study, frame)
    assert (
        summary.customers,
        summary.ranked,
        summary.full,
        summary.partial,
        summary.former,
        summary.targets,
        summary.defectors,
    ) == (4, 3, 1, 1, 0, 1, 2)
    assert summary.spend_lost == 160.0  # 100 + 60
    assert [(s.key, s.count) for s in summary.funnel] == [
        ("customers", 4),
        ("ranked", 3),
        ("defectors", 2),
        ("real_defectors", 2),
        ("targets", 1),
    ]


def test_former_customers_leave_the_real_defectors(store, study, add_results):
    add_results(study, [("A", "full", "best_core", 100, 0), ("B", "full", "general", 50, 0)])
    detection.mark_former_customer(store, study, "B", "closed", actor="tester")
    summary = overview.summarise(store, study, detection.results(store, study))
    assert (summary.full, summary.former, summary.spend_lost) == (1, 1, 100.0)
    assert dict((s.key, s.count) for s in summary.funnel)["defectors"] == 2
    assert dict((s.key, s.count) for s in summary.funnel)["real_defectors"] == 1


def test_funnel_chart(t, store, study, add_results):
    add_results(study, [("A", "full", "best_core", 100, 0), ("B", "active", "general", 10, 10)])
    sampling.add_target(store, study, "A", "why not", actor="tester")
    summary = overview.summarise(store, study, detection.results(store, study))
    fig = charts.study_funnel(summary, t)
    (funnel,) = fig.data
    assert list(funnel.y) == [t(f"funnel.{s.key}") for s in summary.funnel]
    assert list(funnel.x) == [2, 2, 1, 1, 1]
    assert list(funnel.text) == [t.number(n) for n in (2, 2, 1, 1, 1)]
    assert fig.layout.title.text == t("chart.funnel_title")
    assert all(not label.startswith("funnel.") for label in funnel.y)
