"""Review: the checkpoint meeting's view of a study, the reviews held, and the
improvement actions decided — each set beside its causes before and after it took
effect."""

from datetime import date

import streamlit as st

from research.analysis import actions, checkpoint
from research.base.errors import ResearchError
from research.base.studies import list_studies
from research.reports import charts
from screen import analysis as analysis_screen
from screen import ui
from screen.chart import chart
from screen.plain import literal

REVIEW_TEXTS = ("attendees", "problems", "proposals", "decisions")
# a new action's form, as it is before anything is typed
ACTION_EMPTY = {"title": "", "owner": "", "due": None, "causes": [], "description": ""}

t = ui.translator()
store = ui.store()
study = ui.require_study()

st.title(t("review.title"))
state = checkpoint.checkpoint(store, study)
labels = analysis_screen.cause_labels(store, t, "code")

tab_check, tab_actions, tab_history = st.tabs(
    [t("review.tab.checkpoint"), t("review.tab.actions"), t("review.tab.history")]
)

with tab_check:
    m1, m2, m3 = st.columns(3)
    m1.metric(t("review.planned"), t.number(state.planned))
    m2.metric(t("review.held"), t.number(state.held))
    m3.metric(
        t("review.saturation"),
        t.number(len(state.saturation.new_codes)),
        help=t("review.saturation_help", window=state.saturation.window),
    )
    if state.review_due:
        st.info(t("review.due", held=t.number(state.held), planned=t.number(state.planned)))
    elif not state.due:  # (once its review is saved, neither)
        st.caption(t("review.not_due", share=t.percent(checkpoint.DUE_AT)))
    if state.saturation.new_codes:
        st.caption(
            t("review.new_codes")
            + ": "
            + literal(", ".join(labels.get(c, c) for c in state.saturation.new_codes))
        )
    if state.ranking.n:
        chart(charts.cause_pareto(state.ranking, labels, t), t, key="review_pareto")
    segments = state.segments.copy()
    segments["segment"] = segments["segment"].map(t.segment)
    segments["behind"] = segments["behind"].map(lambda b: t("review.behind") if b else "")
    st.subheader(t("review.segments"))
    st.dataframe(
        segments,
        hide_index=True,
        column_config={
            "segment": st.column_config.TextColumn(t("field.segment")),
            "planned": st.column_config.NumberColumn(t("review.planned")),
            "held": st.column_config.NumberColumn(t("review.held")),
            "expected_now": st.column_config.NumberColumn(t("review.expected_now"), format="%.1f"),
            "behind": st.column_config.TextColumn(""),
        },
    )
    st.subheader(t("review.team"))
    st.dataframe(
        state.team,
        hide_index=True,
        column_config={
            "interviewer": st.column_config.TextColumn(t("finding.field.interviewer")),
            "final": st.column_config.NumberColumn(t("review.final")),
            "drafts": st.column_config.NumberColumn(t("review.drafts")),
        },
    )
    if state.previous is not None:
        st.subheader(
            t(
                "review.since",
                day=t.date(state.previous.held_on),
                then=state.previous.interviews,
                count=state.previous.interviews,
            )
        )
        changed = state.changes_since_previous()
        changed["cause"] = changed["cause"].map(lambda c: labels.get(c, c))
        changed["new"] = changed["new"].map(lambda n: t("analysis.emerging") if n else "")
        st.dataframe(changed, hide_index=True)

    st.subheader(t("review.record"))
    # a failed save keeps what was typed; a saved review clears the form (on the next run,
    # before its widgets are drawn) and says so beside it
    if st.session_state.pop("review_form_clear", False):
        ui.reset_widgets(
            {
                "review_held_on": date.today(),  # back to their defaults: today, the first kind
                "review_kind": next(iter(checkpoint.REVIEW_KINDS)),
                **{f"review_{name}": "" for name in REVIEW_TEXTS},
            }
        )
    with st.form("review_form"):
        held_on = st.date_input(t("review.held_on"), max_value=date.today(), key="review_held_on")
        kind = st.selectbox(
            t("review.kind"),
            list(checkpoint.REVIEW_KINDS),
            format_func=lambda k: t(f"review.kind.{k}"),
            key="review_kind",
        )
        attendees = st.text_input(t("review.attendees"), key="review_attendees")
        problems = st.text_area(t("review.problems"), key="review_problems")
        proposals = st.text_area(t("review.proposals"), key="review_proposals")
        decisions = st.text_area(t("review.decisions"), key="review_decisions")
        if st.session_state.get("review_flash") == "review.saved":
            st.success(t("review.saved"))
            st.session_state["review_flash"] = None
        if st.form_submit_button(t("review.save"), type="primary"):
            try:
                checkpoint.save_review(
                    store,
                    study,
                    actor=ui.actor(),
                    held_on=held_on,
                    kind=kind,
                    attendees=attendees,
                    process_problems=problems,
                    proposals=proposals,
                    decisions=decisions,
                )
                st.session_state["review_flash"] = "review.saved"
                st.session_state["review_form_clear"] = True
                st.rerun()
            except ResearchError as e:
                ui.show_error(e)

with tab_actions:
    ids = tuple(s.id for s in list_studies(store, include_archived=True))
    for action in actions.list_actions(store):
        effect = actions.action_effect(store, action, ids)
        with st.container(border=True):
            st.text(
                " · ".join(
                    part
                    for part in (
                        analysis_screen.text_cell(action.title),
                        analysis_screen.text_cell(action.owner),
                        t(f"action.status.{action.status}"),
                    )
                    if part
                )
            )
            st.caption(
                t("action.causes")
                + ": "
                + literal(", ".join(labels.get(c, c) for c in action.causes))
                + (" · " + t("action.due", day=t.date(action.due_date)) if action.due_date else "")
            )
            if effect.change is None:
                st.caption(t("action.not_in_effect"))
            else:
                verdict = effect.change.verdict(t)
                st.text(t("action.effect", day=t.date(action.effective_from), verdict=verdict))
            with st.form(f"review_action_{action.id}"):
                c1, c2 = st.columns(2)
                status = c1.selectbox(
                    t("action.status"),
                    list(actions.STATUSES),
                    index=actions.STATUSES.index(action.status),
                    format_func=lambda s: t(f"action.status.{s}"),
                )
                effective = c2.date_input(t("action.effective_from"), value=action.effective_from)
                if st.form_submit_button(t("action.update")):
                    try:
                        actions.update_action(
                            store,
                            action.id,
                            {"status": status, "effective_from": effective},
                            base_version=action.version,
                            actor=ui.actor(),
                        )
                        st.rerun()
                    except ResearchError as e:
                        ui.show_error(e)

    st.subheader(t("action.new"))
    # a failed add keeps what was typed; an added action empties the form (so a second
    # click adds nothing) and says so beside it
    if st.session_state.pop("review_action_clear", False):
        ui.reset_widgets({f"review_action_{k}": v for k, v in ACTION_EMPTY.items()})
    with st.form("review_new_action"):
        title = st.text_input(t("action.title"), key="review_action_title")
        c1, c2 = st.columns(2)
        owner = c1.text_input(t("action.owner"), key="review_action_owner")
        due = c2.date_input(t("action.due_date"), value=None, key="review_action_due")
        chosen = st.multiselect(
            t("action.causes"),
            list(labels),
            format_func=lambda c: labels.get(c, c),
            key="review_action_causes",
        )
        description = st.text_area(t("action.description"), key="review_action_description")
        if added := st.session_state.pop("review_action_added", None):
            st.success(t("action.added", title=literal(added)))
        if st.form_submit_button(t("action.add"), type="primary"):
            try:
                made = actions.add_action(
                    store,
                    title=title,
                    owner=owner,
                    causes=chosen,
                    actor=ui.actor(),
                    due_date=due,
                    description=description,
                    study=study,
                )
                st.session_state["review_action_clear"] = True
                st.session_state["review_action_added"] = made.title
                st.rerun()
            except ResearchError as e:
                ui.show_error(e)

with tab_history:
    reviews = checkpoint.list_reviews(store, study)
    if not reviews:
        st.info(t("review.none"))
    for review in reviews:
        with st.container(border=True):
            st.text(
                f"{t.date(review.held_on)} · {t(f'review.kind.{review.kind}')} · "
                + analysis_screen.text_cell(review.attendees)
            )
            for key, text in (
                ("review.problems", review.process_problems),
                ("review.proposals", review.proposals),
                ("review.decisions", review.decisions),
            ):
                if text:
                    st.caption(t(key))
                    st.text(text)
