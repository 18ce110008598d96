"""Plotly figures from numbers computed elsewhere (no queries here).

Every label goes through the translator, so a chart reads in the user's language, and
every figure on a chart goes through its formatting helpers (``Translator.short``,
``money_short``, ``axis_ticks``), so the ticks and the bars use the same units: 万/亿 in
Chinese, K/M in English; exact money (hovers) has two decimals.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from research.analysis.causes import CauseTable, Share
from research.analysis.overview import StudySummary
from research.base.i18n import Translator
from research.selection.detection import SEGMENTS

STATUS_COLOURS = {"full": "#c0392b", "partial": "#e67e22"}
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Helvetica, Arial, sans-serif"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    """The house style: the title on the first line, the legend (when there is one) on a
    line of its own under it, left-aligned, so a long title never runs into it."""
    legend = fig.layout.showlegend  # Plotly's own rule when unset: two traces or more
    if legend is None:
        legend = sum(trace.showlegend is not False for trace in fig.data) > 1
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 14},
        },
        font={"family": FONT, "size": 14},
        margin={"l": 10, "r": 10, "t": 96 if legend else 60, "b": 10},
        template="plotly_white",
        legend={"orientation": "h", "y": 1.02, "x": 0, "xanchor": "left", "yanchor": "bottom"},
    )
    return fig


def spend_lost_by_segment(grouped: pd.DataFrame, t: Translator) -> go.Figure:
    """Stacked bars: spend lost per value segment, full vs partial defectors.

    ``grouped`` is ``detection.spend_lost_by_segment(...)``: segment, status, sum, count.
    """
    fig = go.Figure()
    labels = [t.segment(s) for s in SEGMENTS]
    for status in ("full", "partial"):
        part = grouped[grouped["status"] == status].set_index("segment")
        sums = [float(part["sum"].get(s, 0.0)) for s in SEGMENTS]
        counts = [int(part["count"].get(s, 0)) for s in SEGMENTS]
        fig.add_bar(
            x=labels,
            y=sums,
            name=t.status(status),
            marker_color=STATUS_COLOURS[status],
            customdata=counts,
            text=[t.money_short(v) if v else "" for v in sums],
            textposition="inside",
            textangle=0,
            insidetextanchor="middle",
            hovertext=[t.money(v) for v in sums],
            hovertemplate="%{x}<br>"
            + t.status(status)
            + ": %{hovertext}<br>"
            + t("chart.defectors")
            + ": %{customdata}<extra></extra>",
        )
    totals = [sum(trace.y[i] for trace in fig.data) for i in range(len(SEGMENTS))]
    fig.update_layout(
        barmode="stack",
        yaxis=money_axis(max(totals, default=0.0), t, t("chart.spend_lost_axis")),
        uniformtext={"minsize": 11, "mode": "hide"},
    )
    return _layout(fig, t("chart.spend_lost_title"))


def money_axis(top: float, t: Translator, title: str) -> dict:
    """A money axis written like the bars on it: ticks in the reader's short units (K/M in
    English, 万/亿 in Chinese, one unit for the axis) and the currency in the title."""
    values, labels = t.axis_ticks(top)
    return {
        "title": t("chart.axis_with_currency", axis=title, currency=t.currency_symbol()),
        "tickvals": values,
        "ticktext": labels,
        "range": [0, values[-1] * 1.02],
    }


def study_funnel(summary: StudySummary, t: Translator) -> go.Figure:
    fig = go.Figure(
        go.Funnel(
            y=[t(f"funnel.{stage.key}") for stage in summary.funnel],
            x=[stage.count for stage in summary.funnel],
            text=[t.number(stage.count) for stage in summary.funnel],
            textinfo="text",
            marker={"color": ["#34495e", "#2c7fb8", "#e67e22", "#c0392b", "#27ae60"]},
        )
    )
    return _layout(fig, t("chart.funnel_title"))


# ---------------------------------------------------------------- failure analysis

CAUSE_COLOUR = "#2c7fb8"
SPEND_COLOUR = "#c0392b"
# highly satisfied → very dissatisfied: greens, grey, reds (colour-blind safe order)
SATISFACTION_COLOURS = ("#1a9641", "#a6d96a", "#d9d9d9", "#fdae61", "#d7191c")


def _share_text(share: Share, t: Translator) -> str:
    """'12 · 31% (18–47%)': the count, the share and its 95% interval."""
    return t(
        "chart.share_label",
        count=t.number(share.count),
        share=t.percent(share.share),
        low=t.percent(share.low),
        high=t.percent(share.high),
    )


def _causes_title(table: CauseTable, t: Translator, key: str) -> str:
    title = t(key, n=t.number(table.n), count=table.n)
    if table.small_sample:
        title += " · " + t("chart.small_sample", n=t.number(table.n), count=table.n)
    return title


def _share_ticks(top: float) -> list[float]:
    """Ticks for a share axis up to ``top`` (never past 100%): the axis runs on past the
    last tick to leave room for the labels, but a share axis never reads "140%"."""
    top = min(1.0, max(top, 0.01))
    step = next(s for s in (0.01, 0.02, 0.05, 0.1, 0.2, 0.25) if top / s <= 6)
    return [round(i * step, 4) for i in range(int(top / step + 1e-9) + 1)]


def cause_pareto(table: CauseTable, labels: dict[str, str], t: Translator) -> go.Figure:
    """Causes from the most to the least frequent (a Pareto chart laid on its side so
    long labels stay readable): each bar the share of interviews naming the cause, its
    count and 95% interval written beside it and drawn as an error bar; the cumulative
    share in the hover."""
    rows = list(table.rows)
    names = [labels.get(r.key, r.key) for r in rows]
    shares = [r.share.share or 0.0 for r in rows]
    cumulative, running = [], 0
    for r in rows:
        running += r.share.count
        cumulative.append(t.percent(running / table.n) if table.n else "–")
    highs = [r.share.high or 0.0 for r in rows]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=shares,
            orientation="h",
            marker_color=CAUSE_COLOUR,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - s for h, s in zip(highs, shares, strict=True)],
                "arrayminus": [(r.share.share or 0) - (r.share.low or 0) for r in rows],
                "color": "#555",
                "thickness": 1,
            },
            customdata=cumulative,
            hovertext=[_share_text(r.share, t) for r in rows],
            hovertemplate="%{y}<br>%{hovertext}<br>"
            + t("chart.cumulative")
            + ": %{customdata}<extra></extra>",
        )
    )
    # the label sits past the interval's end, where it crosses no line
    fig.add_scatter(
        y=names,
        x=highs,
        mode="text",
        text=["  " + _share_text(r.share, t) for r in rows],
        textposition="middle right",
        hoverinfo="skip",
        cliponaxis=False,
    )
    top = max([(r.share.high or 0) for r in rows], default=1.0)
    fig.update_layout(
        xaxis={
            "tickformat": ".0%",
            "tickvals": _share_ticks(top),
            "range": [0, min(1.0, top) * 1.45],
            "title": t("chart.share_axis"),
        },
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(320, 60 + 34 * len(rows)),
        showlegend=False,
    )
    fig = _layout(fig, _causes_title(table, t, "chart.causes_title"))
    fig.update_layout(margin={"r": 150})  # room for the labels past the longest interval
    return fig


def cause_weighted(table: CauseTable, labels: dict[str, str], t: Translator) -> go.Figure:
    """Each cause's share of the interviews beside its share of the spend the defectors
    took with them: the most frequent cause is not always the most expensive."""
    rows = sorted(table.rows, key=lambda r: -(r.spend_share or 0.0))
    names = [labels.get(r.key, r.key) for r in rows]
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=[r.share.share or 0.0 for r in rows],
        orientation="h",
        name=t("chart.share_findings"),
        marker_color=CAUSE_COLOUR,
        text=[t.percent(r.share.share) for r in rows],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}<br>%{text}<extra></extra>",
    )
    fig.add_bar(
        y=names,
        x=[r.spend_share or 0.0 for r in rows],
        orientation="h",
        name=t("chart.share_spend"),
        marker_color=SPEND_COLOUR,
        text=[t.percent(r.spend_share) for r in rows],
        textposition="outside",
        cliponaxis=False,
        customdata=[t.money(r.spend_lost) for r in rows],
        hovertemplate="%{y}<br>%{text} · %{customdata}<extra></extra>",
    )
    top = max([max(r.share.share or 0, r.spend_share or 0) for r in rows], default=1.0)
    fig.update_layout(
        barmode="group",
        xaxis={
            "tickformat": ".0%",
            "tickvals": _share_ticks(top),
            "range": [0, min(1.0, top) * 1.25],
            "title": t("chart.share_plain"),
        },
        yaxis={"autorange": "reversed", "automargin": True},
        height=max(320, 80 + 44 * len(rows)),
    )
    return _layout(fig, _causes_title(table, t, "chart.weighted_title"))


def satisfaction_profile(profile: pd.DataFrame, t: Translator) -> go.Figure:
    """Stacked bars per aspect over the five-point scale, as shares of those who answered;
    the counts are in the hover and the answer count beside each aspect's name."""
    answered = profile.sum(axis=1)
    names = [
        f"{t(f'finding.field.{aspect}')} (n={t.number(int(answered[aspect]))})"
        for aspect in profile.index
    ]
    fig = go.Figure()
    for level, colour in zip(profile.columns, SATISFACTION_COLOURS, strict=True):
        counts = profile[level]
        shares = [c / a if a else 0.0 for c, a in zip(counts, answered, strict=True)]
        fig.add_bar(
            y=names,
            x=shares,
            orientation="h",
            name=t(f"finding.sat.{level}"),
            marker_color=colour,
            customdata=counts,
            text=[t.percent(s) if s >= 0.08 else "" for s in shares],
            textposition="inside",
            insidetextanchor="middle",
            hovertemplate="%{y}<br>"
            + t(f"finding.sat.{level}")
            + ": %{customdata} (%{x:.0%})<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        yaxis={"autorange": "reversed", "automargin": True},
        height=360,
        legend_traceorder="normal",
    )
    return _layout(fig, t("chart.satisfaction_title"))


def defection_rates(frame: pd.DataFrame, t: Translator) -> go.Figure:
    """Defection rate per value segment, quarter by quarter (lines), each point's count
    and 95% interval in the hover; the whole company as a thicker line."""
    fig = go.Figure()
    colours = {
        "best_core": "#c0392b",
        "other_core": "#e67e22",
        "general": "#2c7fb8",
        "expendable": "#7f8c8d",
        "all": "#34495e",
    }
    for segment in (*SEGMENTS, "all"):
        part = frame[frame["segment"] == segment]
        name = t("common.total") if segment == "all" else t.segment(segment)
        fig.add_scatter(
            x=list(part["quarter"]),
            y=[r if r == r else None for r in part["rate"]],
            mode="lines+markers",
            name=name,
            line={"color": colours[segment], "width": 4 if segment == "all" else 2},
            customdata=[
                [int(f + p), int(n), t.percent(lo), t.percent(hi)]
                for f, p, n, lo, hi in zip(
                    part["full"],
                    part["partial"],
                    part["customers"],
                    part["rate_low"],
                    part["rate_high"],
                    strict=True,
                )
            ],
            hovertemplate="%{x} · " + name + "<br>%{y:.1%} (%{customdata[0]} / %{customdata[1]})"
            "<br>95%: %{customdata[2]}–%{customdata[3]}<extra></extra>",
        )
    fig.update_layout(
        yaxis={"tickformat": ".0%", "rangemode": "tozero", "title": t("chart.rate_axis")},
        height=420,
    )
    return _layout(fig, t("chart.rates_title"))
