"""Screen pieces of the analysis pages: the filters every chart and table obeys, labels
for causes in the reader's language, and table cells written for people (an empty cell is
empty, never "None" or "nan"; money exact, with two decimals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st

from research.analysis import causes
from research.base import exports, studies
from research.base.i18n import Translator
from research.base.store import Store
from research.findings import taxonomy
from research.findings.interviews import DEFECTION_TYPES
from research.findings.wording import choice_label
from research.selection.detection import SEGMENTS
from screen import ui


@dataclass(frozen=True)
class View:
    """What the reader asked to see: which findings, and how causes are counted."""

    filt: causes.FindingsFilter
    by: str  # "code" | "group"
    with_secondary: bool


def filters(store: Store, study: studies.Study, t: Translator, prefix: str) -> View:
    """The filter bar: studies (the current one by default), interview dates, segments,
    defection types, interviewers, and how to count causes. Keys start with ``prefix``."""
    state = st.session_state
    all_studies = studies.list_studies(store, include_archived=True)  # history too
    by_name = {s.name: s for s in all_studies}
    state.setdefault(f"{prefix}_studies", [study.name])
    state[f"{prefix}_studies"] = [n for n in state[f"{prefix}_studies"] if n in by_name]
    c1, c2, c3 = st.columns([3, 2, 2])
    chosen = c1.multiselect(
        t("analysis.studies"), list(by_name), key=f"{prefix}_studies", placeholder=t("common.all")
    )
    ids = tuple(by_name[n].id for n in chosen) or tuple(s.id for s in all_studies)
    start = c2.date_input(
        t("analysis.from"), value=None, key=f"{prefix}_from", min_value=date(1990, 1, 1)
    )
    end = c3.date_input(
        t("analysis.to"), value=None, key=f"{prefix}_to", min_value=date(1990, 1, 1)
    )
    c4, c5, c6 = st.columns([2, 2, 3])
    segments = c4.multiselect(
        t("field.segment"),
        [*SEGMENTS, "none"],
        key=f"{prefix}_segments",
        format_func=lambda s: t.segment(None if s == "none" else s),
        placeholder=t("common.all"),
    )
    types = c5.multiselect(
        t("finding.field.defection_type"),
        list(DEFECTION_TYPES),
        key=f"{prefix}_types",
        format_func=lambda v: choice_label(t, "defection_type", v),
        placeholder=t("common.all"),
    )
    people = c6.multiselect(
        t("finding.field.interviewer"),
        causes.interviewers(store, ids),
        key=f"{prefix}_interviewers",
        placeholder=t("common.all"),
    )
    c7, c8 = st.columns([2, 3])
    by = c7.radio(
        t("analysis.count_by"),
        list(causes.BY_OPTIONS),
        key=f"{prefix}_by",
        horizontal=True,
        format_func=lambda v: t(f"analysis.by.{v}"),
    )
    with_secondary = c8.toggle(t("analysis.with_secondary"), key=f"{prefix}_secondary")
    filt = causes.FindingsFilter(ids, start, end, tuple(segments), tuple(types), tuple(people))
    return View(filt, by, with_secondary)


def cause_labels(store: Store, t: Translator, by: str) -> dict[str, str]:
    """Codes (or groups) → their names in the reader's language."""
    book = taxonomy.codebook(store)
    if by == "group":
        return {g.key: g.label(t.lang) for g in book.groups}
    return {code: book.label(code, t.lang) for code in book.codes}


def dimension_value(t: Translator, dimension: str, value: str) -> str:
    """A cross-tab column in the reader's words: segments, defection types and stages
    translated; competitors as the interviews name them."""
    if value == "total":
        return t("common.total")
    if dimension == "segment":
        return t.segment(None if value == "none" else value)
    if dimension in ("defection_type", "lifecycle_stage"):
        return choice_label(t, dimension, value) if value != "–" else "–"
    return value


def missing(value) -> bool:
    """None, NaN, NaT or pandas' NA: a value the table leaves empty."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is a value
        return False


def money_cell(t: Translator, value) -> str:
    """Money as a table shows it: exact with two decimals, or an empty cell."""
    return "" if missing(value) else t.money(value)


def percent_cell(t: Translator, value, digits: int = 0) -> str:
    return "" if missing(value) else t.percent(value, digits)


def text_cell(value) -> str:
    """Text from data (a competitor's name, a quote) as written, or an empty cell."""
    return "" if missing(value) else str(value)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column_config(
    headers: dict[str, str], *, numbers: tuple[str, ...] = (), percents: tuple[str, ...] = ()
) -> dict:
    """Each column under the reader's header: ``numbers`` as numbers, ``percents`` as
    shares shown in percent, every other one as text (money and rates come formatted)."""
    return {
        name: (
            st.column_config.NumberColumn(label, format="percent")
            if name in percents
            else st.column_config.NumberColumn(label)
            if name in numbers
            else st.column_config.TextColumn(label)
        )
        for name, label in headers.items()
    }


def table_file(
    frame: pd.DataFrame, headers: dict[str, str], money: tuple[str, ...] = ()
) -> pd.DataFrame:
    """A table as its downloads hold it: the ``headers`` columns under the reader's
    words, numbers kept as numbers a spreadsheet can sum and sort (money to the cent,
    shares and rates to four places) rather than the screen's formatted text."""
    out = frame[list(headers)].copy()
    for column in out.columns:
        values = out[column].dropna()
        numeric = pd.api.types.is_float_dtype(out[column]) or (
            len(values) > 0
            and all(
                isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values
            )
        )  # text that looks like a number (an ID with a leading zero) stays text
        if numeric:
            out[column] = (
                pd.to_numeric(out[column]).astype(float).round(2 if column in money else 4)
            )
    return out.rename(columns=headers)


def downloads(t: Translator, frame: pd.DataFrame, name: str, key: str) -> None:
    """CSV and Excel buttons for a table, through the export that neutralises formulas,
    as the signed-in person may have it (personal fields masked for a viewer); the
    workbook is made only when its button is pressed."""
    frame = exports.for_reader(frame, ui.actor())
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(
        t("analysis.download_csv"),
        exports.csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )
    c2.download_button(
        t("analysis.download_xlsx"),
        lambda frame=frame: exports.xlsx_bytes(frame),
        file_name=f"{name}.xlsx",
        mime=XLSX,
        key=f"{key}_xlsx",
    )
