"""Plotly figures from numbers computed elsewhere (no queries here).

Every label goes through the translator, so a chart reads in the user's language.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from research.analysis.overview import StudySummary
from research.base.i18n import Translator
from research.selection.detection import SEGMENTS

STATUS_COLOURS = {"full": "#c0392b", "partial": "#e67e22"}
FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Helvetica, Arial, sans-serif"


def _layout(fig: go.Figure, title: str) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0},
        font={"family": FONT, "size": 14},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        template="plotly_white",
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
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
    fig.update_layout(
        barmode="stack",
        yaxis_title=t("chart.spend_lost_axis"),
        yaxis_tickformat="~s",
        uniformtext={"minsize": 11, "mode": "hide"},
    )
    return _layout(fig, t("chart.spend_lost_title"))


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
