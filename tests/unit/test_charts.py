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
    assert fig.layout.yaxis.title.text == t(
        "chart.axis_with_currency", axis=t("chart.spend_lost_axis"), currency=t.currency_symbol()
    )
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
    summary = overview.summarise(store, study)
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
    summary = overview.summarise(store, study)
    assert (summary.full, summary.former, summary.spend_lost) == (1, 1, 100.0)
    assert dict((s.key, s.count) for s in summary.funnel)["defectors"] == 2
    assert dict((s.key, s.count) for s in summary.funnel)["real_defectors"] == 1


def test_funnel_chart(t, store, study, add_results):
    add_results(study, [("A", "full", "best_core", 100, 0), ("B", "active", "general", 10, 10)])
    sampling.add_target(store, study, "A", "why not", actor="tester")
    summary = overview.summarise(store, study)
    fig = charts.study_funnel(summary, t)
    (funnel,) = fig.data
    assert list(funnel.y) == [t(f"funnel.{s.key}") for s in summary.funnel]
    assert list(funnel.x) == [2, 2, 1, 1, 1]
    assert list(funnel.text) == [t.number(n) for n in (2, 2, 1, 1, 1)]
    assert fig.layout.title.text == t("chart.funnel_title")
    assert all(not label.startswith("funnel.") for label in funnel.y)


# ---------------------------------------------------------------- failure analysis


def _table(rows, n, spend=100.0):
    from research.analysis.causes import CauseRow, CauseTable, wilson

    return CauseTable(
        "code",
        False,
        n,
        spend,
        tuple(CauseRow(key, wilson(count, n), lost, lost / spend) for key, count, lost in rows),
    )


def test_pareto_labels_every_bar_with_count_share_and_interval():
    t = Translator("en")
    table = _table([("price_value", 3, 10.0), ("staff_attitude", 1, 90.0)], n=10)
    fig = charts.cause_pareto(table, {"price_value": "Price"}, t)
    bars, labels = fig.data
    assert list(bars.y) == ["Price", "staff_attitude"]  # most frequent first; unknown label as code
    assert list(bars.x) == pytest.approx([0.3, 0.1])
    assert labels.text[0].strip() == "3 · 30% (11%–60%)"
    assert list(labels.x) == pytest.approx([0.6032, 0.4042], abs=1e-4)  # past the interval
    assert "10" in fig.layout.title.text and "rough" not in fig.layout.title.text


def test_pareto_title_warns_about_small_samples_in_chinese():
    t = Translator("zh")
    fig = charts.cause_pareto(_table([("price_value", 2, 5.0)], n=4), {}, t)
    assert t("chart.small_sample", n="4") in fig.layout.title.text


def test_weighted_chart_orders_by_spend_and_shows_both_shares():
    t = Translator("en")
    table = _table([("price_value", 3, 10.0), ("staff_attitude", 1, 90.0)], n=10)
    fig = charts.cause_weighted(table, {}, t)
    frequency, spend = fig.data
    assert list(spend.y) == ["staff_attitude", "price_value"]
    assert list(spend.x) == pytest.approx([0.9, 0.1])
    assert list(frequency.x) == pytest.approx([0.1, 0.3])


def test_satisfaction_profile_stacks_shares_of_those_who_answered():
    from research.findings.interviews import SATISFACTION

    profile = pd.DataFrame(
        [[1, 1, 0, 0, 2], [0, 0, 0, 0, 0]],
        index=["sat_product", "sat_value"],
        columns=list(SATISFACTION),
    )
    fig = charts.satisfaction_profile(profile, Translator("en"))
    assert len(fig.data) == 5
    very = fig.data[-1]
    assert list(very.x) == pytest.approx([0.5, 0.0])
    assert "(n=4)" in very.y[0] and "(n=0)" in very.y[1]


BIG = pd.DataFrame(
    [
        ("A", "full", "best_core", 12_000_000.0),
        ("B", "full", "best_core", 4_052_000.0),
        ("C", "partial", "best_core", 3_000_000.0),
        ("D", "partial", "general", 8_000.0),
    ],
    columns=["customer_id", "status", "segment", "spend_lost"],
)


def test_chinese_spend_chart_writes_axis_and_bars_in_wan():
    """19,052,000 lost in the best core: "¥1,605.2万" and "¥300万" on the bars, the axis
    0 … 2,000万 beside them, never "20M" or "~s" SI ticks."""
    zh = Translator("zh")
    fig = charts.spend_lost_by_segment(detection.spend_lost_by_segment(BIG), zh)
    axis = fig.layout.yaxis
    assert axis.tickformat is None  # no SI ticks ("25M") from Plotly
    assert list(axis.ticktext) == ["0", "500万", "1,000万", "1,500万", "2,000万"]
    assert list(axis.tickvals) == [0, 5_000_000, 10_000_000, 15_000_000, 20_000_000]
    assert axis.range[1] >= 19_052_000
    full, partial = fig.data
    assert full.text[0] == "¥1,605.2万"
    assert partial.text[0] == "¥300万"
    assert partial.text[2] == "¥8,000"  # below 1万 the yuan are written out
    assert full.hovertext[0] == "¥16,052,000.00"  # exact, with two decimals
    for label in [*axis.ticktext, *full.text, *partial.text]:
        assert not any(unit in label for unit in ("K", "M", "B"))


def test_english_spend_chart_writes_axis_and_bars_in_k_and_m():
    en = Translator("en")
    fig = charts.spend_lost_by_segment(detection.spend_lost_by_segment(BIG), en)
    assert list(fig.layout.yaxis.ticktext) == ["0", "5M", "10M", "15M", "20M"]
    full, partial = fig.data
    assert full.text[0] == "CN¥16.1M" and partial.text[2] == "CN¥8K"
    assert full.hovertext[0] == "CN¥16,052,000.00"
    assert "(CN¥)" in fig.layout.yaxis.title.text


@pytest.mark.parametrize("counts", [[(1, 1)], [(3, 4), (1, 4)], [(30, 100), (2, 100)], [(9, 10)]])
def test_share_axes_never_read_past_100_percent(counts):
    """The axis runs on past the last tick to leave room for the labels; its ticks stop
    at 100% (a causes chart once read 120–140%)."""
    t = Translator("en")
    n = counts[0][1]
    table = _table([(f"c{i}", c, 10.0 * (i + 1)) for i, (c, _) in enumerate(counts)], n=n)
    for fig in (charts.cause_pareto(table, {}, t), charts.cause_weighted(table, {}, t)):
        ticks = list(fig.layout.xaxis.tickvals)
        assert ticks[0] == 0 and max(ticks) <= 1.0 and len(ticks) >= 2
        assert fig.layout.xaxis.range[1] >= max(ticks)


def test_a_legend_has_a_line_of_its_own_under_the_title(t):
    """A long title (the rates chart's) used to run into a legend on its line: the legend
    is now under the title, left-aligned, with room for both; a chart without a legend
    keeps the narrow top."""
    with_legend = charts.spend_lost_by_segment(detection.spend_lost_by_segment(FRAME), t)
    assert len(with_legend.data) > 1
    layout = with_legend.layout
    assert (layout.legend.x, layout.legend.xanchor, layout.legend.yanchor) == (0, "left", "bottom")
    assert layout.legend.y > 1  # above the plot, in the top margin
    assert (layout.title.yref, layout.title.y, layout.title.yanchor) == ("container", 1, "top")
    assert layout.margin.t >= 90  # the title's line and the legend's
    single = go.Figure(go.Bar(x=[1], y=["a"]))
    assert charts._layout(single, "One bar").layout.margin.t == 60
    hidden = go.Figure([go.Bar(x=[1]), go.Bar(x=[2])]).update_layout(showlegend=False)
    assert charts._layout(hidden, "No legend").layout.margin.t == 60
