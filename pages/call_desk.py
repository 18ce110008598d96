"""Call desk: my calls today, the call panel with the script, screening, booking."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from research.base import permissions
from research.base.errors import ResearchError
from research.base.i18n import Translator
from research.base.records import EditConflictError
from research.desk import calendar_files, calls, scheduling, team, zones
from research.desk.phones import parse_phone
from screen import desk, ui
from screen.autosave import autosave_text
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.require_study()
state = st.session_state

st.title(t("desk.title"))


def flash(where: str) -> None:
    """The success message of the form that caused it, shown next to that form."""
    if msg := state.pop(f"desk_flash_{where}", None):
        st.success(msg)


me = ui.actor()
interviewers = calls.interviewers_of(store, study)
if permissions.level(me, "calls.read") == "own":  # an interviewer: their own list only
    interviewers = [m for m in interviewers if m.id == me.member_id]
    if not interviewers:
        st.info(t("desk.not_on_this_team", name=literal(me.name)))
        st.stop()
if not interviewers:
    st.info(t("desk.no_interviewers"))
    st.stop()
names = {m.id: m.name for m in interviewers}
if state.get("desk_interviewer") not in names:
    mine_first = [m.id for m in interviewers if m.id == me.member_id]
    state["desk_interviewer"] = mine_first[0] if mine_first else interviewers[0].id

# read once a run (it joins every customer); an interviewer's holds only their own
targets = calls.call_state(store, study, actor=me)

# the open customer is kept in the address (?customer=), so a reload or a shared link
# opens the same person, never silently the first on the list. A new address is
# followed once: its customer opens with the list that holds them, where that list is
# one this person may open
asked = st.query_params.get("customer")
if asked != state.get("desk_link"):
    state["desk_link"] = asked
    lists = targets.loc[targets["customer_id"] == asked, "interviewer_id"].tolist()
    holder = lists[0] if lists and lists[0] in names else None
    if holder is not None:
        state["desk_interviewer"] = holder
        state["desk_target"] = asked
    elif asked:
        st.warning(t("desk.link_not_on_list", customer=literal(asked)))
interviewer_id = st.selectbox(
    t("desk.interviewer"), list(names), format_func=names.get, key="desk_interviewer"
)
mine = calls.my_calls(store, study, interviewer_id, targets=targets, actor=me)
m = st.columns(4)
m[0].metric(t("desk.calls_today"), t.number(len(mine)))
m[1].metric(t("desk.call_backs_due"), t.number((mine["why"] == "call_back_due").sum()))
m[2].metric(t("desk.untried"), t.number((mine["why"] == "untried").sum()))
m[3].metric(t("desk.retries"), t.number((mine["why"] == "retry").sum()))

st.subheader(t("desk.my_calls"))
if mine.empty:
    st.info(t("desk.list_done"))
else:
    why = {
        w: t(k)
        for w, k in (
            ("call_back_due", "desk.why.call_back_due"),
            ("untried", "desk.why.untried"),
            ("retry", "desk.why.retry"),
        )
    }
    outcome_label = lambda o: t(calls.OUTCOME_LABELS[o]) if isinstance(o, str) else ""  # noqa: E731
    st.dataframe(
        mine.assign(
            why=mine["why"].map(why),
            segment=mine["segment"].map(t.segment),
            phone=mine["phone"].map(lambda p: getattr(parse_phone(p), "international", "")),
            last_outcome=mine["last_outcome"].map(outcome_label),
            spend_lost=mine["spend_lost"].astype(float),
            # empty cells stay empty (an object column of None shows "None")
            call_back_at=pd.to_datetime(mine["call_back_at"]),
            name=mine["name"].fillna(""),
            contact_person=mine["contact_person"].fillna(""),
        )[
            [
                "why",
                "customer_id",
                "name",
                "contact_person",
                "phone",
                "segment",
                "spend_lost",
                "attempts",
                "last_outcome",
                "call_back_at",
            ]
        ],
        hide_index=True,
        placeholder="",  # no call-back set: an empty cell, not "None"
        width="stretch",
        column_config={
            "why": t("desk.why"),
            "customer_id": t("field.customer_id"),
            "name": t("field.name"),
            "contact_person": t("field.contact_person"),
            "phone": t("field.phone"),
            "segment": t("field.segment"),
            "spend_lost": st.column_config.NumberColumn(t("field.spend_lost"), format="%,.2f"),
            "attempts": t("desk.attempts"),
            "last_outcome": t("desk.last_outcome"),
            "call_back_at": st.column_config.DatetimeColumn(
                t("desk.call_back_at"), format="YYYY-MM-DD HH:mm"
            ),
        },
    )

# every target of this interviewer can be opened, today's list first
assigned = targets[targets["interviewer_id"] == interviewer_id]
options = list(dict.fromkeys([*mine["customer_id"], *assigned["customer_id"]]))
labels = dict(zip(assigned["customer_id"], assigned["name"].fillna(""), strict=True))
if state.get("desk_target") not in options:
    state["desk_target"] = options[0] if options else None
if not options:
    st.stop()
customer_id = st.selectbox(
    t("desk.open_target"),
    options,
    key="desk_target",
    format_func=lambda c: f"{c} {labels.get(c, '')}".strip(),
)
if st.query_params.get("customer") != customer_id:
    st.query_params["customer"] = customer_id
state["desk_link"] = customer_id

st.divider()
file = calls.customer_file(store, study, customer_id, actor=me)
screening = calls.screening_or_new(store, study, customer_id)  # stored by the first save
st.subheader(t("desk.calling", name=literal(file["name"] or customer_id)))
st.markdown(
    t(
        "desk.contact_line",
        contact=literal(file["contact_person"]) or "–",
        phone=desk.phone_markdown(file["phone"], t),
        email=literal(file["email"]) or "–",
    )
)
st.caption(
    t(
        "desk.value_line",
        segment=t.segment(file["segment"]),
        spend_lost=t.money(file["spend_lost"]),
        status=t.status(file["status"]) if file["status"] else "–",
        region=literal(file["region"]) or "–",
        owner=literal(file["owner"]) or "–",
    )
)
if file["former_reason"]:
    st.info(t("desk.former_note", reason=literal(file["former_reason"])))
history = calls.attempts(store, study, customer_id, actor=me)
if not history.empty:
    with st.expander(t("desk.previous_calls", count=len(history))):
        st.dataframe(
            history.assign(
                outcome=history["outcome"].map(lambda o: t(calls.OUTCOME_LABELS[o])),
                call_back_at=pd.to_datetime(history["call_back_at"]),
                interviewer=history["interviewer"].fillna(""),
                note=history["note"].fillna(""),
            )[["called_at", "interviewer", "outcome", "call_back_at", "note"]],
            hide_index=True,
            placeholder="",  # no call-back set: an empty cell, not "None"
            width="stretch",
            column_config={
                "called_at": st.column_config.DatetimeColumn(
                    t("desk.called_at"), format="YYYY-MM-DD HH:mm"
                ),
                "interviewer": t("desk.interviewer"),
                "outcome": t("desk.outcome"),
                "call_back_at": st.column_config.DatetimeColumn(
                    t("desk.call_back_at"), format="YYYY-MM-DD HH:mm"
                ),
                "note": t("desk.note"),
            },
        )

script_col, form_col = st.columns([2, 3])
with script_col:
    st.markdown(f"#### {t('desk.script_title')}")
    contact, caller = literal(file["contact_person"]), literal(names[interviewer_id])
    st.markdown(t("desk.script", name=contact, caller=caller))
    other = Translator("zh" if t.lang == "en" else "en")
    with st.expander(other("desk.script_other_language")):
        st.markdown(other("desk.script", name=contact, caller=caller))

with form_col:
    # ---- the call itself
    st.markdown(f"#### {t('desk.log_title')}")
    # not a form: the call-back fields follow the outcome as it is picked; what was
    # typed stays after a refusal and is cleared once the call is logged: no outcome
    # picked and no note, in the browser too, so a second click logs nothing twice
    if state.pop("desk_log_done", False):
        ui.reset_widgets({"desk_outcome": None, "desk_note": ""})
        for key in ("desk_back_day", "desk_back_time"):  # not drawn without a call-back
            state.pop(key, None)
    outcome = st.radio(
        t("desk.outcome"),
        calls.OUTCOMES,
        index=None,
        format_func=lambda o: t(calls.OUTCOME_LABELS[o]),
        key="desk_outcome",
    )
    back_day = back_time = None
    if outcome == "call_back":
        c1, c2 = st.columns(2)
        back_day = c1.date_input(
            t("desk.call_back_day"), datetime.now().date() + timedelta(days=1), key="desk_back_day"
        )
        back_time = c2.time_input(
            t("desk.call_back_time"), time(10, 0), key="desk_back_time", step=timedelta(minutes=15)
        )
    note = st.text_input(t("desk.note"), key="desk_note")
    if st.button(t("desk.log"), type="primary", key="desk_log", disabled=outcome is None):
        try:
            calls.log_attempt(
                store,
                study,
                customer_id,
                outcome,
                actor=ui.actor(),
                interviewer_id=interviewer_id,
                note=note,
                call_back_at=datetime.combine(back_day, back_time)
                if back_day and back_time
                else None,
            )
            state["desk_flash_log"] = t(
                "desk.logged",
                outcome=t(calls.OUTCOME_LABELS[outcome]),
                name=literal(file["name"] or customer_id),
            )
            state["desk_log_done"] = True
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
    flash("log")

    # ---- notes, saved as they are typed
    def save_notes(text: str, base: int, own: set[int]) -> int:
        return calls.save_notes(
            store, study, customer_id, text, base, actor=ui.actor(), own_versions=own
        )

    notes_key = f"desk_notes_{study.id}_{customer_id}"
    autosave_text(
        t("desk.notes"),
        key=notes_key,
        value=screening["notes"] or "",
        version=screening["version"],
        storage_key=f"screening:{study.id}:{customer_id}:notes",
        on_save=save_notes,
        labels={
            "typing": t("autosave.typing"),
            "saving": t("autosave.saving"),
            "saved": t("autosave.saved"),
            "restored": t("autosave.restored"),
        },
        saved_note=t(
            "desk.notes_saved", by=screening["updated_by"], at=t.datetime(screening["updated_at"])
        )
        if screening["version"]
        else None,
        placeholder=t("desk.notes_placeholder"),
    )
    conflict = state.get(f"{notes_key}_error")
    if isinstance(conflict, EditConflictError):
        ui.show_error(conflict)
        a, b = st.columns(2)
        a.markdown(f"**{t('desk.theirs', by=literal(conflict.theirs.get('updated_by', '?')))}**")
        a.text(conflict.theirs.get("notes") or "")
        b.markdown(f"**{t('desk.mine')}**")
        b.text(conflict.mine.get("notes") or "")
        if b.button(t("desk.keep_mine"), key="desk_keep_mine"):
            calls.save_notes(
                store,
                study,
                customer_id,
                conflict.mine.get("notes") or "",
                int(conflict.theirs["version"]),
                actor=ui.actor(),
            )
            state.pop(f"{notes_key}_error", None)
            st.rerun()
        if a.button(t("desk.take_theirs"), key="desk_take_theirs"):
            state.pop(f"{notes_key}_error", None)
            st.rerun()
    elif isinstance(conflict, ResearchError):
        ui.show_error(conflict)

    # ---- the screening answers (widgets keyed per target, so switching shows the right ones)
    suffix = f"{study.id}_{customer_id}"
    st.markdown(f"#### {t('desk.answers_title')}")

    def pick(field: str, label_key: str, horizontal: bool = True, box=st):
        values = (None, *calls.CHOICES[field])
        current = screening.get(field)
        return box.selectbox(
            t(label_key),
            values,
            index=values.index(current) if current in values else 0,
            format_func=lambda v: desk.choice_label(t, field, v) if v else t("desk.not_asked"),
            key=f"desk_{field}_{suffix}",
        )

    with st.form("desk_answers_form"):
        c1, c2 = st.columns(2)
        tenure = screening.get("tenure_years")
        tenure_years = c1.number_input(
            t("screening.tenure_years"),
            min_value=0.0,
            max_value=100.0,
            step=0.5,
            value=float(tenure) if tenure == tenure and tenure is not None else None,
            key=f"desk_tenure_years_{suffix}",
        )
        where_now = pick("where_now", "screening.where_now", box=c2)
        c1, c2 = st.columns(2)
        competitor = c1.text_input(
            t("screening.competitor"),
            screening.get("competitor") or "",
            key=f"desk_competitor_{suffix}",
        )
        still = pick("still_buys_from_us", "screening.still_buys_from_us", box=c2)
        kind = pick("customer_kind", "screening.customer_kind")
        st.caption(t("desk.facts_consumer"))
        c1, c2, c3 = st.columns(3)
        age = pick("age_band", "screening.age_band", box=c1)
        income = pick("income_band", "screening.income_band", box=c2)
        education = pick("education", "screening.education", box=c3)
        st.caption(t("desk.facts_business"))
        c1, c2 = st.columns(2)
        size = pick("company_size", "screening.company_size", box=c1)
        industry = c2.text_input(
            t("screening.industry"), screening.get("industry") or "", key=f"desk_industry_{suffix}"
        )
        c1, c2, c3 = st.columns(3)
        consent = pick("consent", "screening.consent", box=c1)
        mode = pick("preferred_mode", "screening.preferred_mode", box=c2)
        place = c3.text_input(
            t("screening.preferred_place"),
            screening.get("preferred_place") or "",
            key=f"desk_place_{suffix}",
        )
        if st.form_submit_button(t("desk.save_answers"), type="primary"):
            answers = {
                "tenure_years": tenure_years,
                "where_now": where_now,
                "competitor": competitor,
                "still_buys_from_us": still,
                "customer_kind": kind,
                "age_band": age,
                "income_band": income,
                "education": education,
                "company_size": size,
                "industry": industry,
                "consent": consent,
                "preferred_mode": mode,
                "preferred_place": place,
            }
            try:
                saved = calls.save_answers(
                    store,
                    study,
                    customer_id,
                    answers,
                    screening["version"],
                    actor=ui.actor(),
                    t=t,
                    own_versions=state.get(f"{notes_key}_versions", set()),
                )
                state["desk_flash_answers"] = (
                    t("desk.answers_saved_former")
                    if saved.became_former
                    else t("desk.answers_saved")
                )
                # the booking below follows what they prefer
                if mode:
                    state[f"desk_mode_{suffix}"] = mode
                if place:
                    state[f"desk_book_place_{suffix}"] = place
                st.rerun()
            except EditConflictError as e:
                ui.show_error(e)
                st.dataframe(desk.answers_table(e.theirs, t), hide_index=True)
            except ResearchError as e:
                ui.show_error(e)
    flash("answers")

# ---- booking an interview with a senior manager
st.divider()
st.subheader(t("desk.book_title"))
managers = [s.member for s in team.study_team(store, study, "senior_manager")]
their_zone = zones.defector_zone(file["phone"], file["region"])
booked = scheduling.list_interviews(store, study, customer_id=customer_id, actor=me)
for interview in booked:
    if interview.status == "booked":
        continue  # shown in full below
    c1, c2 = st.columns([4, 1])
    c1.markdown(literal(f"{desk.interview_line(interview, t)} · {interview.manager_name}"))
    c2.download_button(
        t("desk.download_ics"),
        calendar_files.invitation(interview, t),
        file_name=calendar_files.invitation_file_name(interview),
        mime="text/calendar",
        key=f"desk_ics_{interview.id}_{interview.sequence}",
    )
upcoming = [i for i in booked if i.status == "booked"]
flash("book")
if upcoming:
    # booked: the form is closed, the booking is what there is to see
    desk.booking_card(upcoming[0], their_zone, t, key_prefix="desk_booking")
elif not managers:
    st.info(t("desk.no_managers"))
elif file["do_not_call"]:
    st.info(t("desk.is_do_not_call"))
else:
    st.caption(desk.zone_note(their_zone, t))
    manager_names = {mm.id: mm for mm in managers}
    c1, c2 = st.columns(2)
    manager_id = c1.selectbox(
        t("desk.manager"),
        list(manager_names),
        format_func=lambda i: manager_names[i].name,
        key="desk_manager",
    )
    manager = manager_names[manager_id]
    length = int(
        c2.number_input(
            t("desk.length"), min_value=15, max_value=480, step=15, value=60, key="desk_length"
        )
    )
    st.caption(
        t(
            "desk.manager_hours",
            hours=literal(manager.available_hours) or "–",
            zone=manager.time_zone,
        )
    )
    free = scheduling.free_slots(
        store, manager, datetime.now().date(), days=28, length_minutes=length
    )
    night = {  # outside 8:00–21:00 for the defector, each slot judged once
        s for s in free if getattr(zones.their_time(s, length, their_zone), "outside_hours", False)
    }
    # the first 60 slots that are daytime for the defector too (free slots come in time
    # order); night ones only after them (a Berlin manager and a Los Angeles defector
    # meet on few days)
    slots = [s for s in free if s not in night][:60] + [s for s in free if s in night][:20]
    custom = "custom"
    slot = st.selectbox(
        t("desk.free_slot"),
        [*slots, custom],
        key="desk_slot",
        format_func=lambda s: (
            t("desk.other_time") if s == custom else desk.slot_option(s, length, their_zone, t)
        ),
    )
    if slot == custom or not slots:
        c1, c2, c3 = st.columns(3)
        day = c1.date_input(
            t("desk.date"), datetime.now().date() + timedelta(days=1), key="desk_day"
        )
        start_time = c2.time_input(
            t("desk.time"), time(10, 0), key="desk_time", step=timedelta(minutes=15)
        )
        zone_names = team.time_zones()
        zone = c3.selectbox(
            t("desk.time_zone"),
            zone_names,
            index=zone_names.index(manager.time_zone),
            key=f"desk_zone_{manager.id}",
        )
        start, zone_name = datetime.combine(day, start_time), zone
    else:
        start, zone_name = slot.replace(tzinfo=None), manager.time_zone
    # the time for the defector, and a warning outside 8:00–21:00 their time
    seen = zones.their_time(start.replace(tzinfo=ZoneInfo(zone_name)), length, their_zone)
    st.markdown(t("desk.their_time_line", when=literal(desk.their_time(seen, their_zone, t))))
    c1, c2 = st.columns(2)
    modes = scheduling.MODES
    mode_key, place_key = f"desk_mode_{suffix}", f"desk_book_place_{suffix}"
    # defaults through session state only (a widget given both warns in the log)
    preferred = screening.get("preferred_mode")
    state.setdefault(mode_key, preferred if preferred in modes else modes[0])
    state.setdefault(place_key, screening.get("preferred_place") or "")
    mode_choice = c1.selectbox(
        t("desk.mode"),
        modes,
        format_func=lambda v: t(scheduling.MODE_LABELS[v]),
        key=mode_key,
    )
    place_choice = c2.text_input(t("desk.place"), key=place_key)
    at_night = seen is not None and seen.outside_hours
    confirmed = True
    if at_night:
        st.warning(
            t(
                "desk.night_warning",
                when=literal(desk.clock_label(seen.start, t, seen.end)),
            )
        )
        confirmed = st.checkbox(
            t("desk.night_confirm"),
            key=f"desk_night_ok_{suffix}_{start:%Y%m%d%H%M}_{zone_name}",
        )
    if st.button(t("desk.book"), type="primary", key="desk_book", disabled=not confirmed):
        try:
            interview = scheduling.book_interview(
                store,
                study,
                customer_id,
                manager,
                start,
                zone_name,
                actor=ui.actor(),
                length_minutes=length,
                mode=mode_choice,
                place=place_choice,
            )
            state["desk_flash_book"] = t(
                "desk.booked",
                manager=literal(manager.name),
                when=literal(desk.interview_line(interview, t)),
            )
            st.rerun()
        except ResearchError as e:
            ui.show_error(e)
