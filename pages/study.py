"""Study: pick or create a study, change its rules, see its funnel."""

from datetime import date

import streamlit as st

from research.analysis import overview
from research.base import studies
from research.base.errors import ResearchError
from research.base.settings import STUDY_SETTINGS
from research.reports import charts
from research.selection import detection
from screen import desk, findings, ui
from screen.plain import literal

t = ui.translator()
store = ui.store()

st.title(t("study.title"))
study = ui.current_study()

if study is not None:
    st.subheader(literal(study.name))
    st.caption(
        t(
            "study.status_line",
            status=t(f"study_status.{study.status}"),
            as_of=t.date(study.as_of),
            by=literal(study.updated_by),
            at=t.datetime(study.updated_at),
        )
    )
    if study.description:
        st.markdown(literal(study.description))
    st.caption(t("study.scope_line", scope=literal(study.scope.describe(t))))
    was = detection.data_state(store, study)
    detection.ensure_current(store, study, actor=ui.actor())
    now_state = detection.data_state(store, study)
    if was.stale and was.computed_at is not None and was.newer_imports:
        st.info(t("study.recomputed", before=was.describe(t)))
    st.caption(now_state.describe(t))
    frame = detection.results(store, study)
    summary = overview.summarise(store, study, frame)
    cols = st.columns(5)
    cols[0].metric(t("metric.customers"), t.number(summary.customers))
    cols[1].metric(t("metric.full"), t.number(summary.full))
    cols[2].metric(t("metric.partial"), t.number(summary.partial))
    cols[3].metric(t("metric.targets"), t.number(summary.targets))
    cols[4].metric(
        t("metric.spend_lost"), t.money_short(summary.spend_lost), help=t.money(summary.spend_lost)
    )
    if summary.customers:
        st.plotly_chart(charts.study_funnel(summary, t), width="stretch")
    else:
        st.info(t("study.no_data"))
    desk.study_progress(store, study)  # calls, interviews, quotas, checkpoint (issue 3)

    p = detection.periods(study.as_of, study.window_months)
    with st.expander(t("study.rules_title")):
        st.markdown(
            t(
                "study.rules",
                baseline_start=t.date(p.baseline_start),
                recent_start=t.date(p.recent_start),
                as_of=t.date(p.as_of),
                drop=t.percent(study.drop_threshold),
                k=f"{study.gap_multiple:g}",
                best=t.percent(study.best_core_pct),
                other=t.percent(study.other_core_pct),
                general=t.percent(study.general_pct),
            )
        )

    with st.expander(t("study.settings_title")), st.form("study_settings"):
        values = {}
        c1, c2 = st.columns(2)
        values["as_of"] = c1.date_input(t("field.as_of"), study.as_of)
        values["status"] = c2.selectbox(
            t("field.status"),
            studies.STATUSES,
            index=studies.STATUSES.index(study.status),
            format_func=lambda s: t(f"study_status.{s}"),
        )
        values["description"] = st.text_input(t("field.description"), study.description or "")
        st.markdown("**" + t("study.scope_title") + "**")
        st.caption(t("study.scope_help"))
        choices = studies.scope_choices(store)
        scope_grid = st.columns(len(studies.SCOPE_DIMENSIONS))
        scope = {}
        for box, dimension in zip(scope_grid, studies.SCOPE_DIMENSIONS, strict=True):
            current = list(getattr(study.scope, dimension))
            options = sorted(set(choices[dimension]) | set(current))
            scope[dimension] = box.multiselect(
                t(f"field.{dimension}"),
                options,
                default=current,
                key=f"study_scope_{dimension}",
                placeholder=t("scope.all"),
            )
        grid = st.columns(3)
        for i, setting in enumerate(STUDY_SETTINGS):
            current = getattr(study, setting.name)
            box = grid[i % 3]
            if setting.kind is int:
                values[setting.name] = box.number_input(
                    t(f"field.{setting.name}"),
                    value=int(current),
                    step=1,
                    min_value=int(setting.minimum),
                    max_value=int(setting.maximum),
                    help=t(setting.help_key),
                    key=f"study_{setting.name}",
                )
            else:
                values[setting.name] = box.number_input(
                    t(f"field.{setting.name}"),
                    value=float(current),
                    step=0.05,
                    format="%.2f",
                    min_value=float(setting.minimum),
                    max_value=float(setting.maximum),
                    help=t(setting.help_key),
                    key=f"study_{setting.name}",
                )
        if st.form_submit_button(t("study.save"), type="primary"):
            changed = {k: v for k, v in values.items() if v != (getattr(study, k) or "")}
            if studies.Scope.parse(scope) != study.scope:
                changed["scope"] = scope
            try:
                studies.update_study(store, study, actor=ui.actor(), **changed)
                st.session_state["study_flash"] = t("study.saved")
                st.rerun()
            except ResearchError as e:
                ui.show_error(e)
    findings.agreement_section(store, study)  # second-coder agreement (issue 4)

if msg := st.session_state.pop("study_flash", None):
    st.success(msg)

st.divider()
st.subheader(t("study.new_title"))
with st.form("study_new", clear_on_submit=False):
    c1, c2 = st.columns(2)
    name = c1.text_input(t("field.name"), key="study_new_name")
    as_of = c2.date_input(t("field.as_of"), date.today().replace(day=1), key="study_new_as_of")
    description = st.text_input(t("field.description"), key="study_new_description")
    if st.form_submit_button(t("study.create")):
        try:
            created = studies.create_study(
                store, name, as_of, actor=ui.actor(), description=description or None
            )
            ui.select_study(created.name)
            st.session_state["study_flash"] = t("study.created", name=literal(created.name))
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
