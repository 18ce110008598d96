"""Team: the people, the study's investigation team and quotas, who calls whom."""

import pandas as pd
import streamlit as st

from research.base.errors import ResearchError
from research.desk import calls, team
from screen import ui
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.require_study()
state = st.session_state

ADD_FORM_KEYS = ("name", "role", "phone", "email", "zone", "hours", "join")
if state.pop("team_add_clear", False):  # a member was added: the form starts empty again
    for key in ADD_FORM_KEYS:
        state.pop(f"team_add_{key}", None)


def flash(key: str) -> None:
    """A success message set before the rerun, shown beside what caused it."""
    if msg := state.pop(key, None):
        st.success(msg)


st.title(t("team.title"))

role_label = lambda r: t(team.ROLE_LABELS[r])  # noqa: E731
members = team.list_members(store)
on_study = {s.member.id: s.quota for s in team.study_team(store, study)}

# ---- everyone
table = pd.DataFrame(
    [
        {
            "name": m.name,
            "role": role_label(m.role),
            "phone": m.phone or "",
            "email": m.email or "",
            "time_zone": m.time_zone,
            "hours": m.available_hours or "",
            "on_study": m.id in on_study,
            "quota": str(on_study[m.id]) if on_study.get(m.id) else "",
        }
        for m in members
    ],
    columns=["name", "role", "phone", "email", "time_zone", "hours", "on_study", "quota"],
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "name": t("field.name"),
        "role": t("team.role"),
        "phone": st.column_config.TextColumn(t("field.phone"), width="medium"),
        "email": t("field.email"),
        "time_zone": t("desk.time_zone"),
        "hours": st.column_config.TextColumn(t("team.hours"), width="large"),
        "on_study": t("team.on_study", study=study.name),
        "quota": t("team.quota"),
    },
)

add_col, edit_col = st.columns(2)
with add_col, st.form("team_add_form"):  # a failed form keeps what was typed
    st.markdown(f"**{t('team.add_title')}**")
    name = st.text_input(t("field.name"), key="team_add_name")
    role = st.selectbox(t("team.role"), team.ROLES, format_func=role_label, key="team_add_role")
    c1, c2 = st.columns(2)
    phone = c1.text_input(t("field.phone"), key="team_add_phone")
    email = c2.text_input(t("field.email"), key="team_add_email")
    zones = team.time_zones()
    zone = st.selectbox(t("desk.time_zone"), zones, key="team_add_zone")
    hours = st.text_input(
        t("team.hours"),
        key="team_add_hours",
        help=t("team.hours_help"),
        placeholder="mon-fri 09:00-12:00,14:00-17:30",
    )
    join = st.checkbox(
        t("team.join_study", study=literal(study.name)), value=True, key="team_add_join"
    )
    if st.form_submit_button(t("team.add"), type="primary"):
        try:
            member = team.add_member(
                store,
                name,
                role,
                actor=ui.actor(),
                phone=phone,
                email=email,
                time_zone=zone,
                available_hours=hours,
            )
            if join:
                team.add_to_study(store, study, member, actor=ui.actor())
            state["team_add_flash"] = t("team.added", name=literal(member.name))
            state["team_add_clear"] = True
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
    flash("team_add_flash")

with edit_col:
    st.markdown(f"**{t('team.edit_title')}**")
    by_id = {m.id: m for m in members}
    if by_id:
        chosen = st.selectbox(
            t("team.member"),
            list(by_id),
            format_func=lambda i: by_id[i].name,
            key="team_edit_member",
        )
        member = by_id[chosen]
        # the widgets are the chosen member's own (keys by member, and by study where the
        # answer is the study's): fixed keys kept one member's values for the next
        with st.form(f"team_edit_form_{member.id}"):
            c1, c2 = st.columns(2)
            e_phone = c1.text_input(
                t("field.phone"), member.phone or "", key=f"team_edit_phone_{member.id}"
            )
            e_email = c2.text_input(
                t("field.email"), member.email or "", key=f"team_edit_email_{member.id}"
            )
            e_zone = st.selectbox(
                t("desk.time_zone"),
                team.time_zones(),
                index=team.time_zones().index(member.time_zone),
                key=f"team_edit_zone_{member.id}",
            )
            e_hours = st.text_input(
                t("team.hours"),
                member.available_hours or "",
                key=f"team_edit_hours_{member.id}",
                help=t("team.hours_help"),
            )
            e_join = st.checkbox(
                t("team.on_study", study=literal(study.name)),
                value=member.id in on_study,
                key=f"team_edit_join_{study.id}_{member.id}",
            )
            e_quota = st.number_input(
                t("team.quota"),
                min_value=team.QUOTA_LIMITS[0],
                max_value=team.QUOTA_LIMITS[1],
                value=on_study.get(member.id) or team.QUOTA_ADVISED[0],
                disabled=member.role != "senior_manager",
                help=t("team.quota_help", low=team.QUOTA_ADVISED[0], high=team.QUOTA_ADVISED[1]),
                key=f"team_edit_quota_{study.id}_{member.id}",
            )
            if st.form_submit_button(t("team.save")):
                try:
                    team.update_member(
                        store,
                        member,
                        actor=ui.actor(),
                        phone=e_phone,
                        email=e_email,
                        time_zone=e_zone,
                        available_hours=e_hours,
                    )
                    if e_join:
                        team.add_to_study(
                            store,
                            study,
                            member,
                            actor=ui.actor(),
                            quota=int(e_quota) if member.role == "senior_manager" else None,
                        )
                    elif member.id in on_study:
                        team.remove_from_study(store, study, member, actor=ui.actor())
                    state["team_edit_flash"] = t("team.saved", name=literal(member.name))
                    st.rerun()
                except ResearchError as e:
                    ui.show_error(e)
        flash("team_edit_flash")

# ---- who calls whom
st.divider()
st.subheader(t("assign.title"))
interviewers = calls.interviewers_of(store, study)
names = {m.id: m.name for m in interviewers}
targets = calls.call_state(store, study)
loads = targets["interviewer"].fillna(t("progress.unassigned")).value_counts()
st.dataframe(
    loads.rename_axis(t("desk.interviewer")).reset_index(name=t("assign.targets")), hide_index=True
)
if not interviewers:
    st.info(t("desk.no_interviewers"))
    st.stop()

flash("team_assign_flash")  # above the tabs: whichever tab was used
even_tab, by_tab, hand_tab = st.tabs([t("assign.even"), t("assign.by_column"), t("assign.hand")])
with even_tab:
    who = st.multiselect(
        t("assign.interviewers"),
        list(names),
        default=list(names),
        format_func=names.get,
        # a new key when the study or its interviewers change: the default is everyone
        key=f"team_assign_even_who_{study.id}_{'_'.join(map(str, names))}",
    )
    again = st.checkbox(t("assign.reassign_all"), key="team_assign_even_again")
    if st.button(t("assign.spread"), key="team_assign_even_go"):
        try:
            count = calls.spread_evenly(store, study, who, actor=ui.actor(), reassign=again)
            state["team_assign_flash"] = t("assign.done", count=count)
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
with by_tab:
    column = st.radio(
        t("assign.column"),
        ["region", "owner"],
        horizontal=True,
        format_func=lambda c: t("field.region") if c == "region" else t("field.owner"),
        key="team_assign_by_column",
    )
    mapping = {}
    values = sorted(targets[column].dropna().unique())
    grid = st.columns(3)
    for n, value in enumerate(values):
        mapping[value] = grid[n % 3].selectbox(
            literal(value),
            [None, *names],
            format_func=lambda i: t("assign.keep") if i is None else names[i],
            key=f"team_assign_by_{column}_{n}",
        )
    if st.button(t("assign.apply"), key="team_assign_by_go"):
        try:
            count = calls.assign_by(store, study, column, mapping, actor=ui.actor())
            state["team_assign_flash"] = t("assign.done", count=count)
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
with hand_tab:
    labels = dict(zip(targets["customer_id"], targets["name"].fillna(""), strict=True))
    picked = st.multiselect(
        t("assign.pick_targets"),
        list(labels),
        key="team_assign_hand_targets",
        format_func=lambda c: f"{c} {labels[c]}".strip(),
        placeholder=t("common.type_to_search"),
    )
    to = st.selectbox(
        t("desk.interviewer"), list(names), format_func=names.get, key="team_assign_hand_to"
    )
    if st.button(t("assign.assign"), key="team_assign_hand_go"):
        try:
            count = calls.assign(store, study, picked, to, actor=ui.actor())
            state["team_assign_flash"] = t("assign.done", count=count)
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
