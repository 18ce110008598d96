"""Admin: the accounts, the audit log and the studies' retention, for admins.

Everything here is also on the command line (``defectors user``, ``defectors audit``,
``defectors retention``); research/ refuses anyone but an admin whatever page they
found, so this page is only the convenient way.
"""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from research.base import accounts, audit_trail, studies
from research.base.errors import ResearchError
from research.desk import team
from research.findings import erasure
from screen import analysis, ui
from screen.plain import literal

t = ui.translator()
store = ui.store()
me = ui.actor()
state = st.session_state

st.title(t("admin.title"))
if msg := state.pop("admin_flash", None):
    st.success(msg)


def done(message: str) -> None:
    state["admin_flash"] = message
    st.rerun()


def role_label(role: str) -> str:
    return t(f"account_role.{role}")


users_tab, audit_tab, retention_tab, erase_tab = st.tabs(
    [
        t("admin.tab_accounts"),
        t("admin.tab_audit"),
        t("admin.tab_retention"),
        t("admin.tab_erase"),
    ]
)

# ---- accounts: who may sign in, with which role
with users_tab:
    users = pd.DataFrame(accounts.list_users(store, actor=me))
    members = {m.id: m.name for m in team.list_members(store)}
    when = lambda v: t.datetime(v) if pd.notna(v) else ""  # noqa: E731 (empty stays empty)
    st.dataframe(
        users.assign(
            role=users["role"].map(role_label),
            member=users["member_id"].map(lambda i: members.get(i, "") if pd.notna(i) else ""),
            locked_until=users["locked_until"].map(when),
            last_sign_in=users["last_sign_in"].map(when),
        )[["login", "display_name", "role", "member", "disabled", "locked_until", "last_sign_in"]],
        hide_index=True,
        column_config={
            "login": t("signin.login"),
            "display_name": t("signin.name"),
            "role": t("signin.role"),
            "member": t("admin.member"),
            "disabled": t("admin.disabled"),
            "locked_until": st.column_config.TextColumn(t("admin.locked_until")),
            "last_sign_in": st.column_config.TextColumn(t("admin.last_sign_in")),
        },
    )
    member_choices = [None, *members]
    member_label = lambda i: t("admin.no_member") if i is None else members[i]  # noqa: E731

    st.subheader(t("admin.add_title"))
    with st.form("admin_add_user"):
        c1, c2, c3 = st.columns(3)
        login = c1.text_input(t("signin.login"), key="admin_new_login")
        name = c2.text_input(t("signin.name"), key="admin_new_name")
        role = c3.selectbox(
            t("signin.role"), accounts.ROLES, format_func=role_label, key="admin_new_role"
        )
        c4, c5 = st.columns(2)
        member = c4.selectbox(
            t("admin.member"), member_choices, format_func=member_label, key="admin_new_member"
        )
        password = c5.text_input(
            t("admin.password"),
            type="password",
            key="admin_new_password",
            help=t("admin.password_help", minimum=accounts.MIN_PASSWORD_LENGTH),
        )
        sso = st.checkbox(t("admin.sso_only"), key="admin_new_sso")
        if st.form_submit_button(t("admin.add"), type="primary"):
            try:
                made = accounts.add_user(
                    store,
                    login,
                    name,
                    role,
                    None if sso else password,
                    actor=me,
                    member_id=member,
                )
            except ResearchError as e:
                ui.show_error(e)
            else:
                for key in ("admin_new_login", "admin_new_name", "admin_new_password"):
                    state.pop(key, None)
                done(t("admin.added", login=literal(made.login), role=role_label(made.role)))

    if not users.empty:
        st.subheader(t("admin.change_title"))
        logins = list(users["login"])
        chosen = st.selectbox(t("signin.login"), logins, key="admin_chosen")
        row = users[users["login"] == chosen].iloc[0]
        c1, c2 = st.columns(2)
        with c1.form("admin_role_form"):
            new_role = st.selectbox(
                t("signin.role"),
                accounts.ROLES,
                index=accounts.ROLES.index(row["role"]),
                format_func=role_label,
                key=f"admin_role_{chosen}",
            )
            current_member = None if pd.isna(row["member_id"]) else int(row["member_id"])
            new_member = st.selectbox(
                t("admin.member"),
                member_choices,
                index=member_choices.index(current_member) if current_member in members else 0,
                format_func=member_label,
                key=f"admin_member_{chosen}",
            )
            if st.form_submit_button(t("admin.save_role")):
                try:
                    if new_role != row["role"]:
                        accounts.set_role(store, chosen, new_role, actor=me)
                    if new_member != current_member:
                        accounts.set_member(store, chosen, new_member, actor=me)
                except ResearchError as e:
                    ui.show_error(e)
                else:
                    done(t("admin.saved", login=literal(chosen)))
        with c2.form("admin_password_form"):
            new_password = st.text_input(
                t("admin.new_password"), type="password", key=f"admin_password_{chosen}"
            )
            if st.form_submit_button(t("admin.set_password")):
                try:
                    accounts.set_password(store, chosen, new_password, actor=me)
                except ResearchError as e:
                    ui.show_error(e)
                else:
                    done(t("admin.password_set", login=literal(chosen)))
        disabled = bool(row["disabled"])
        label = t("admin.enable") if disabled else t("admin.disable")
        if st.button(label, key=f"admin_disable_{chosen}"):
            try:
                accounts.set_disabled(store, chosen, not disabled, actor=me)
            except ResearchError as e:
                ui.show_error(e)
            else:
                key = "admin.enabled" if disabled else "admin.disabled_done"
                done(t(key, login=literal(chosen)))

# ---- the audit log: who changed what, when, from which value to which
TEXT_COLUMNS = ("entity_id", "study", "old", "new")
with audit_tab:
    c1, c2, c3, c4 = st.columns(4)
    since = c1.date_input(t("admin.since"), date.today() - timedelta(days=7), key="admin_since")
    until = c2.date_input(t("admin.until"), date.today(), key="admin_until")
    by = c3.text_input(t("admin.by"), key="admin_by").strip() or None
    action = c4.text_input(t("admin.action"), key="admin_action", help=t("admin.action_help"))
    every = studies.list_studies(store, include_archived=True)
    study_names = {s.id: s.name for s in every}
    study_id = st.selectbox(
        t("admin.study"),
        [None, *study_names],
        format_func=lambda i: t("admin.all_studies") if i is None else study_names[i],
        key="admin_audit_study",
    )
    log = audit_trail.audit_log(
        store,
        actor=me,
        since=since,
        until=until,
        by=by,
        action=action.strip() or None,
        study_id=study_id,
    )
    st.caption(t("admin.audit_count", count=len(log)))
    shown = log.drop(columns=["detail", "study_id"]).iloc[::-1]  # newest first
    st.dataframe(
        shown.head(500).assign(  # empty cells stay empty
            **{c: shown[c].head(500).astype("string").fillna("") for c in TEXT_COLUMNS}
        ),
        hide_index=True,
        column_config={
            "id": None,
            "acted_at": st.column_config.DatetimeColumn(
                t("admin.col.when"), format="YYYY-MM-DD HH:mm:ss"
            ),
            "actor": t("admin.col.who"),
            "action": t("admin.col.action"),
            "entity": t("admin.col.entity"),
            "entity_id": t("admin.col.entity_id"),
            "study": t("admin.col.study"),
            "old": t("admin.col.old"),
            "new": t("admin.col.new"),
        },
    )
    if len(log) > 500:
        st.caption(t("admin.audit_first", count=500))
    analysis.downloads(t, shown, "audit-log", "admin_audit")

# ---- retention: each study's personal data erased a set time after it closes
with retention_tab:
    st.caption(t("admin.retention_intro"))
    rows = []
    for s in every:
        days, closed_at, erased_at = erasure.retention(store, s)
        rows.append(
            {
                "study": s.name,
                "status": t(f"study_status.{s.status}"),
                "days": days,
                "closed_at": closed_at,
                "erased_at": erased_at,
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        column_config={
            "study": t("admin.col.study"),
            "status": t("field.status"),
            "days": st.column_config.NumberColumn(t("admin.retention_days")),
            "closed_at": st.column_config.DatetimeColumn(t("admin.closed_at"), format="YYYY-MM-DD"),
            "erased_at": st.column_config.DatetimeColumn(t("admin.erased_at"), format="YYYY-MM-DD"),
        },
    )
    due = erasure.due_for_erasure(store)
    if due:
        st.warning(t("admin.retention_due", count=len(due), names=", ".join(s.name for s in due)))
        if st.button(t("admin.retention_apply"), type="primary", key="admin_retention_apply"):
            try:
                erased = erasure.apply_retention(store, actor=me)
            except ResearchError as e:
                ui.show_error(e)
            else:
                done(t("admin.retention_applied", count=len(erased)))
    else:
        st.info(t("admin.retention_none_due"))

# ---- erase on request: one customer's personal data, everywhere; the counts keep them
with erase_tab:
    st.caption(t("admin.erase_intro"))
    with st.form("admin_erase"):
        c1, c2 = st.columns(2)
        customer_id = c1.text_input(t("field.customer_id"), key="admin_erase_customer")
        reason = c2.text_input(t("admin.erase_reason"), key="admin_erase_reason")
        sure = st.checkbox(t("admin.erase_sure"), key="admin_erase_sure")
        if st.form_submit_button(t("admin.erase"), type="primary"):
            if not sure:
                st.warning(t("admin.erase_tick"))
            else:
                try:
                    report = erasure.erase_customer(
                        store, customer_id, me, reason=reason.strip() or None
                    )
                except ResearchError as e:
                    ui.show_error(e)
                else:
                    for key in ("admin_erase_customer", "admin_erase_reason", "admin_erase_sure"):
                        state.pop(key, None)
                    done(
                        t(
                            "admin.erased",
                            customer_id=literal(customer_id.strip()),
                            count=report.total,
                        )
                    )
