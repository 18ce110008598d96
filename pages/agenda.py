"""Agenda: today's and this week's interviews per manager, changes, calendar files."""

from datetime import datetime, timedelta

import streamlit as st

from research.base.errors import ResearchError
from research.desk import calendar_files, scheduling, team
from screen import desk, ui
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.require_study()
state = st.session_state

st.title(t("agenda.title"))
if msg := state.pop("agenda_flash", None):
    st.success(msg)

managers = [s.member for s in team.study_team(store, study, "senior_manager")]
if not managers:
    st.info(t("desk.no_managers"))
    st.stop()
by_id = {m.id: m for m in managers}
ALL = 0
manager_id = st.selectbox(
    t("agenda.manager"),
    [ALL, *by_id],
    key="agenda_manager",
    format_func=lambda i: t("agenda.all_managers") if i == ALL else by_id[i].name,
)
agenda = scheduling.agenda(
    store, study, manager_id=None if manager_id == ALL else manager_id, actor=ui.actor()
)

m = st.columns(3)
m[0].metric(t("agenda.today"), t.number(len(agenda.today)))
m[1].metric(t("agenda.this_week"), t.number(len(agenda.week)))
m[2].metric(t("agenda.awaiting"), t.number(len(agenda.awaiting_findings)))


def show(interviews, where: str, empty_key: str) -> None:
    """Interviews grouped by manager; each opens to the defector's file."""
    if not interviews:
        st.info(t(empty_key))
        return
    for manager in managers:
        own = [i for i in interviews if i.manager_id == manager.id]
        if not own:
            continue
        st.markdown(f"**{literal(manager.name)}** · {literal(manager.time_zone)}")
        for interview in own:
            with st.expander(literal(desk.interview_line(interview, t))):
                desk.customer_file(store, study, interview.customer_id, t)
                st.page_link(
                    "pages/interview.py",
                    label=t("interview.open_form"),  # issue 4
                    icon=":material/edit_note:",
                    # that interview's record, or a new one for it (pages/interview.py)
                    query_params=ui.page_query(interview=interview.id),
                )
                if interview.place:
                    st.caption(t("agenda.place", place=literal(interview.place)))
                st.download_button(
                    t("desk.download_ics"),
                    calendar_files.invitation(interview, t),
                    file_name=calendar_files.invitation_file_name(interview),
                    mime="text/calendar",
                    key=f"agenda_ics_{where}_{interview.id}",
                )


today_tab, week_tab, awaiting_tab = st.tabs(
    [t("agenda.today"), t("agenda.this_week"), t("agenda.awaiting")]
)
with today_tab:
    show(agenda.today, "today", "agenda.none_today")
with week_tab:
    show(agenda.week, "week", "agenda.none_week")
with awaiting_tab:
    st.caption(t("agenda.awaiting_help"))
    show(agenda.awaiting_findings, "awaiting", "agenda.none_awaiting")

# ---- one file per manager per week
st.divider()
st.subheader(t("agenda.week_files"))
this_monday = datetime.now().date() - timedelta(days=datetime.now().weekday())
weeks = [this_monday + timedelta(days=7 * n) for n in range(-1, 4)]
c1, c2 = st.columns(2)
week = c1.selectbox(
    t("agenda.week"),
    weeks,
    index=1,
    key="agenda_week",
    format_func=lambda d: t("agenda.week_label", week=scheduling.iso_week_of(d), monday=t.date(d)),
)
chosen = managers if manager_id == ALL else [by_id[manager_id]]
for manager in chosen:
    interviews = scheduling.week_interviews(store, study, manager, week, actor=ui.actor())
    c2.download_button(
        t("agenda.download_week", manager=literal(manager.name), count=len(interviews)),
        calendar_files.week_calendar(interviews, manager, week, t),
        file_name=calendar_files.week_file_name(manager, week),
        mime="text/calendar",
        key=f"agenda_week_{manager.id}",
    )

# ---- change an interview: reschedule, cancel, no-show, held
st.divider()
st.subheader(t("agenda.change_title"))
open_ones = [  # a final record makes a booked interview held: nothing left to change
    i
    for i in scheduling.list_interviews(
        store,
        study,
        statuses=("booked",),
        manager_id=None if manager_id == ALL else manager_id,
        actor=ui.actor(),
    )
    if not i.held
]
if not open_ones:
    st.info(t("agenda.none_open"))
    st.stop()
labels = {i.id: f"{desk.interview_line(i, t)} · {i.manager_name}" for i in open_ones}
if state.get("agenda_interview") not in labels:
    state["agenda_interview"] = open_ones[0].id
chosen_id = st.selectbox(
    t("agenda.interview"), list(labels), format_func=labels.get, key="agenda_interview"
)
interview = scheduling.get_interview(store, chosen_id)
local = interview.start.replace(tzinfo=None)
# The boxes start from the picked interview's booking: again when another is picked or
# it moved, and when Streamlit forgot them (the page was left). A widget's value= counts
# only the first time its key is drawn; without this a Reschedule could move the picked
# interview to the time of the one picked before.
ui.seed_widgets(
    "agenda_form_for",
    (interview.id, interview.starts_at_utc, interview.length_minutes),
    {
        "agenda_day": local.date(),
        "agenda_time": local.time(),
        "agenda_length": interview.length_minutes,
    },
)
c1, c2, c3 = st.columns(3)
new_day = c1.date_input(t("desk.date"), key="agenda_day")
new_time = c2.time_input(t("desk.time"), key="agenda_time", step=timedelta(minutes=15))
new_length = c3.number_input(
    t("desk.length"), min_value=15, max_value=480, step=15, key="agenda_length"
)
st.caption(t("agenda.zone_note", zone=interview.time_zone))
reason = st.text_input(t("agenda.reason"), key="agenda_reason")
b = st.columns(4)
actions = {
    "reschedule": lambda: scheduling.reschedule(
        store,
        chosen_id,
        datetime.combine(new_day, new_time),
        interview.time_zone,
        actor=ui.actor(),
        length_minutes=int(new_length),
    ),
    "cancel": lambda: scheduling.cancel(store, chosen_id, actor=ui.actor(), reason=reason),
    "no_show": lambda: scheduling.mark_no_show(store, chosen_id, actor=ui.actor(), reason=reason),
    "done": lambda: scheduling.mark_done(store, chosen_id, actor=ui.actor()),
}
button_keys = {
    "reschedule": "agenda.reschedule",
    "cancel": "agenda.cancel",
    "no_show": "agenda.no_show",
    "done": "agenda.done",
}
done_keys = {
    "reschedule": "agenda.rescheduled",
    "cancel": "agenda.cancelled",
    "no_show": "agenda.no_show_saved",
    "done": "agenda.done_saved",
}
for col, (action, run) in zip(b, actions.items(), strict=True):
    if col.button(t(button_keys[action]), key=f"agenda_{action}"):
        try:
            changed = run()
            key = done_keys[action]
            if action == "done" and changed.starts_at_utc != interview.starts_at_utc:
                key = "agenda.done_early_saved"  # held before its booked time: it moved
            state["agenda_flash"] = t(
                key,
                line=literal(desk.interview_line(changed, t)),
                booked=f"{t.datetime(interview.start.replace(tzinfo=None))} ({interview.time_zone})",
            )
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)

with st.expander(t("agenda.history")):
    events = scheduling.history(store, chosen_id)
    st.dataframe(
        events.assign(
            action=events["action"].map(
                lambda a: t(scheduling.ACTION_LABELS.get(a, "agenda.history"))
            )
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "action": t("agenda.action"),
            "starts_at_utc": t("agenda.starts_utc"),
            "length_minutes": t("desk.length"),
            "detail": t("agenda.detail"),
            "created_by": t("agenda.by"),
            "created_at": t("agenda.at"),
        },
    )
