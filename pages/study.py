"""Study: pick or create a study, change its rules, see its funnel."""

from datetime import date

import streamlit as st

from research.analysis import overview
from research.base import studies
from research.base.errors import ResearchError
from research.base.settings import STUDY_SETTINGS
from research.desk import calls
from research.findings import erasure
from research.reports import charts
from research.selection import detection
from screen import desk, findings, ui
from screen.chart import chart
from screen.plain import literal

t = ui.translator()
store = ui.store()
state = st.session_state
NEW_FORM_KEYS = ("study_new_name", "study_new_as_of", "study_new_description")
if state.pop("study_new_clear", False):  # a study was created: the form starts empty again
    for key in NEW_FORM_KEYS:
        state.pop(key, None)


def flash(key: str) -> None:
    """A success message set before the rerun, shown next to the form that caused it."""
    if msg := state.pop(key, None):
        st.success(msg)


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
    progress = calls.progress(store, study)  # the call desk's funnel, read once a run
    counts = overview.study_counts(store, study, progress)  # every count below comes from here
    summary = overview.summarise(store, study, counts)  # counted in DuckDB, never read
    cols = st.columns(5)
    cols[0].metric(t("metric.customers"), t.number(summary.customers))
    cols[1].metric(t("metric.full"), t.number(summary.full))
    cols[2].metric(t("metric.partial"), t.number(summary.partial))
    cols[3].metric(
        t("metric.targets"),
        t.number(counts.targets),
        help=t("metric.targets_help", to_call=counts.to_call, do_not_call=counts.do_not_call),
    )
    cols[4].metric(
        t("metric.spend_lost"), t.money_short(summary.spend_lost), help=t.money(summary.spend_lost)
    )
    if summary.customers:
        chart(charts.study_funnel(summary, t), t, key="study_funnel")
    else:
        st.info(t("study.no_data"))
    if counts.targets:
        held = st.columns(3)
        held[0].metric(t("study.interviews_held"), t.number(counts.interviews_held))
        held[1].metric(t("study.final_records"), t.number(counts.final_records))
        held[2].metric(t("study.draft_records"), t.number(counts.draft_records))
        desk.study_progress(store, study, progress)  # calls, interviews, quotas (issue 3)
    else:  # the desk's funnel and quotas mean nothing before there is a target list
        st.info(t("study.no_targets_yet"))

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

    if ui.may("studies.write"):
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
            kept_days = erasure.retention(store, study)[0]
            retention_days = st.number_input(
                t("study.retention"),
                min_value=0,
                max_value=36_500,
                value=kept_days,
                step=30,
                placeholder=t("study.retention_keep"),
                help=t("study.retention_help"),
                key="study_retention_days",
            )
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
                    if retention_days != kept_days:
                        erasure.set_retention(
                            store,
                            study,
                            None if retention_days is None else int(retention_days),
                            actor=ui.actor(),
                        )
                    state["study_settings_flash"] = t("study.saved")
                    st.rerun()
                except ResearchError as e:
                    ui.show_error(e)
            flash("study_settings_flash")
    if not ui.may("codes.plan"):
        pass  # the second coders' plan is the lead's
    elif counts.final_records:
        findings.agreement_section(store, study)  # second-coder agreement (issue 4)
        flash("study_flash")
    else:  # a second coder codes final records: nothing to pick from yet
        st.caption(t("study.no_records_yet"))

    if ui.may("studies.write"):
        with st.expander(t("study.archive_delete_title")):
            if study.archived:
                if st.button(t("study.unarchive"), key="study_unarchive"):
                    studies.archive_study(store, study, actor=ui.actor(), archived=False)
                    state["study_archive_flash"] = t("study.unarchived", name=literal(study.name))
                    st.rerun()
            elif st.button(t("study.archive"), key="study_archive"):
                studies.archive_study(store, study, actor=ui.actor())
                state["study_archive_flash"] = t("study.archived", name=literal(study.name))
                st.rerun()
            st.caption(t("study.archive_help"))
            if st.button(t("study.delete"), key="study_delete"):
                state["study_delete_asked"] = study.id
            if state.get("study_delete_asked") == study.id:
                held = studies.contents(store, study)
                lines = [
                    t(studies.CONTENT_KEYS[name], count=t.number(n))
                    for name, n in held.items()
                    if n
                ]
                st.warning(
                    t("study.delete_confirm", name=literal(study.name))
                    + "\n\n"
                    + ("\n".join(f"- {line}" for line in lines) or t("study.delete_nothing"))
                )
                yes, no = st.columns(2)
                if yes.button(t("study.delete_yes"), type="primary", key="study_delete_yes"):
                    studies.delete_study(store, study, actor=ui.actor())
                    state.pop("study_delete_asked", None)
                    state["app_study_name"] = None  # the picker takes the next study
                    state["study_archive_flash"] = t("study.deleted", name=literal(study.name))
                    st.rerun()
                if no.button(t("study.delete_no"), key="study_delete_no"):
                    state.pop("study_delete_asked", None)
                    st.rerun()
flash("study_archive_flash")

if ui.may("studies.create"):
    st.divider()
    st.subheader(t("study.new_title"))
    with st.form("study_new", clear_on_submit=False):  # a failed form keeps what was typed
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
                state["study_new_flash"] = t("study.created", name=literal(created.name))
                state["study_new_clear"] = True
                st.rerun()
            except ResearchError as e:
                ui.show_error(e)
flash("study_new_flash")
