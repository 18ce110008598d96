"""Reports: the review meeting's reports, made from the same numbers as the Analysis
and Review pages — pick one, see its key numbers (and the report itself), download it
as a self-contained HTML file or a PDF for the archive."""

import re

import streamlit as st

from research.base.errors import ResearchError
from research.base.i18n import LANGUAGES
from research.base.studies import list_studies
from research.reports import data as report_data
from research.reports.make import build
from research.reports.render import render_html, render_pdf
from screen import ui

t = ui.translator()
store = ui.store()
study = ui.current_study()
state = st.session_state
state.setdefault("reports_lang", t.lang)
state.setdefault("reports_pdf", None)  # (what it was made for, bytes)

st.title(t("reports.title"))
st.caption(t("reports.intro"))

c1, c2, c3 = st.columns([2, 2, 1])
kind = c1.selectbox(
    t("reports.kind"),
    list(report_data.KINDS),
    format_func=lambda k: t(f"report.title.{k}"),
    key="reports_kind",
)
subject: dict = {}
if kind == "quarterly":
    quarters = report_data.report_quarters(store)
    if not quarters:
        st.info(t("reports.no_quarters"))
        st.stop()
    subject["quarter"] = c2.selectbox(t("reports.quarter"), quarters, key="reports_quarter")
    label = subject["quarter"]
else:
    if study is None:
        st.info(t("app.no_study"))
        st.stop()
    by_name = {s.name: s for s in list_studies(store)}
    names = list(by_name)
    chosen = c2.selectbox(
        t("reports.study"), names, index=names.index(study.name), key="reports_study"
    )
    subject["study"] = by_name[chosen]
    label = chosen
lang = c3.selectbox(
    t("reports.language"), list(LANGUAGES), format_func=LANGUAGES.get, key="reports_lang"
)

try:
    data = build(store, kind, lang=lang, reader=ui.actor(), **subject)
except ResearchError as e:
    ui.show_error(e)
    st.stop()

st.subheader(t("reports.key_numbers"))
if kind == "postmortem":
    m = st.columns(4)
    m[0].metric(t("report.defectors"), t.number(data.summary.defectors))
    m[1].metric(
        t("metric.spend_lost"),
        t.money_short(data.summary.spend_lost),
        help=t.money(data.summary.spend_lost),
    )
    m[2].metric(t("report.interviews_held"), t.number(data.causes.n))
    m[3].metric(t("analysis.controllable"), t.percent(data.control.controllable.share))
elif kind == "checkpoint":
    m = st.columns(3)
    m[0].metric(t("review.planned"), t.number(data.state.planned))
    m[1].metric(t("review.held"), t.number(data.state.held))
    m[2].metric(t("review.saturation"), t.number(len(data.state.saturation.new_codes)))
else:
    m = st.columns(3)
    m[0].metric(t("report.interviews_held"), t.number(data.causes.n))
    m[1].metric(t("report.emerging_count"), t.number(len(data.emerging)))
    m[2].metric(t("report.studies_counted"), t.number(len(data.studies)))

stem = re.sub(r"[^\w.-]+", "-", f"{kind}-{label}-{lang}").strip("-")
made_for = (kind, label, lang)
d1, d2 = st.columns(2)
d1.download_button(  # the file (megabytes at 10,000 interviews) is made when asked for
    t("reports.download_html"),
    lambda: render_html(data).encode("utf-8"),
    file_name=f"{stem}.html",
    mime="text/html",
    key="reports_download_html",
)
if d2.button(t("reports.make_pdf"), key="reports_make_pdf"):
    try:
        with st.spinner(t("reports.making_pdf")):
            state["reports_pdf"] = (made_for, render_pdf(data))
    except ResearchError as e:
        ui.show_error(e)
made = state["reports_pdf"]
if made is not None and made[0] == made_for:
    d2.download_button(
        t("reports.download_pdf"),
        made[1],
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key="reports_download_pdf",
    )

if st.toggle(t("reports.preview"), key="reports_preview"):
    # our own template's HTML (every text from data escaped by Jinja), shown as it prints
    st.iframe(render_html(data), height=900)
