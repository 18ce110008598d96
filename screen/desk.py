"""Screen pieces the call desk, the agenda, the team page and the study page share.

Screen code; the logic lives in research/desk/calls.py,
research/desk/scheduling.py and research/desk/team.py. Session-state keys use the ``desk_``,
``agenda_`` and ``team_`` prefixes of the pages that draw them.
"""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd
import streamlit as st
from babel.dates import format_datetime

from research.base.errors import ResearchError
from research.base.i18n import Translator
from research.base.store import Store
from research.base.studies import Study
from research.desk import calendar_files, calls, scheduling, team, zones
from research.desk.phones import parse_phone
from research.desk.scheduling import Interview
from research.desk.zones import DefectorZone, TheirTime
from screen import ui
from screen.plain import literal

# a web address alone in a field (a video-call link): shown as a link that works
_URL = re.compile(r"(?i)^https?://[^\s<>]+$")
_WORD_JOINER = "\u2060"  # what literal() puts into "http://" to stop autolinks


def phone_markdown(raw: str | None, t: Translator) -> str:
    """The number in international format as a tap-to-call link (or the raw text, marked)."""
    phone = parse_phone(raw)
    if phone is None:
        return t("desk.no_phone")
    if phone.tel_link:
        return f":material/call: [{phone.international}]({phone.tel_link})"
    return t("desk.phone_unchecked", phone=literal(phone.raw))


def slot_label(slot, zone: str, t: Translator) -> str:
    """A free slot as a person reads it: date, weekday and time in the user's language."""
    return f"{t.date(slot)} {format_datetime(slot, 'EEE HH:mm', locale=t.locale)} ({zone})"


def clock_label(start: datetime, t: Translator, end: datetime | None = None) -> str:
    """Weekday, date and time in the user's language, with the zone: "Tue, Nov 10 14:00
    (Asia/Shanghai)" or, with an end, "… 14:00–15:00 (Asia/Shanghai)"."""
    day = format_datetime(start, "EEE", locale=t.locale)
    until = f"–{end:%H:%M}" if end is not None else ""
    return f"{day} {t.date(start)} {start:%H:%M}{until} ({start.tzinfo})"


def their_time(seen: TheirTime | None, zone: DefectorZone, t: Translator, *, end=True) -> str:
    """The interview's time for the defector, or why it cannot be said."""
    if seen is not None:
        return clock_label(seen.start, t, seen.end if end else None)
    if zone.known:
        return t("desk.their_zone_unsure_short", count=len(zone.zones))
    return t("desk.their_zone_unknown_short")


def slot_option(slot: datetime, length: int, zone: DefectorZone, t: Translator) -> str:
    """A free slot in the manager's time and in the defector's, flagged outside 8–21."""
    seen = zones.their_time(slot, length, zone)
    text = t(
        "desk.slot_option",
        slot=clock_label(slot, t),
        their=their_time(seen, zone, t, end=False),
    )
    return f"{text} ⚠ {t('desk.slot_night')}" if seen and seen.outside_hours else text


def zone_note(zone: DefectorZone, t: Translator) -> str:
    """Where the defector's zone came from, or that it is unknown or unsure (Markdown)."""
    if zone.sure:
        return t(zones.SOURCE_LABELS[zone.source], zone=zone.zone)
    if zone.known:
        shown = ", ".join(zone.zones[:4]) + (" …" if len(zone.zones) > 4 else "")
        return t("desk.zone_unsure", count=len(zone.zones), zones=shown)
    return t("desk.zone_unknown")


def place_markdown(place: str | None) -> str:
    """A place as Markdown: a web address as a working link whose text is the address as
    written, anything else as literal text."""
    text = (place or "").strip()
    if _URL.match(text):
        return f"[{literal(text).replace(_WORD_JOINER, '')}](<{text}>)"
    return literal(text) or "–"


def booking_card(
    interview: Interview, zone: DefectorZone, t: Translator, *, key_prefix: str
) -> None:
    """A booked interview as the desk shows it once booked: who, when in the manager's
    and in the defector's time, how and where, and its invitation."""
    start = interview.start_for_manager()
    end = start + pd.Timedelta(minutes=interview.length_minutes)
    seen = zones.their_time(interview.start, interview.length_minutes, zone)
    who = interview.contact_person or interview.customer_name or interview.customer_id
    with st.container(border=True):
        st.markdown(f"**{t('desk.booking_title')}**")
        st.markdown(
            t(
                "desk.booking_who",
                contact=literal(who),
                customer=literal(interview.customer_name or interview.customer_id),
                manager=literal(interview.manager_name),
            )
        )
        st.markdown(t("desk.booking_when_manager", when=literal(clock_label(start, t, end))))
        st.markdown(t("desk.booking_when_them", when=literal(their_time(seen, zone, t))))
        if seen is not None and seen.outside_hours:
            st.warning(t("desk.booked_at_night"))
        st.markdown(
            t(
                "desk.booking_where",
                mode=t(scheduling.MODE_LABELS[interview.mode]),
                place=place_markdown(interview.place),
            )
        )
        st.download_button(
            t("desk.download_ics"),
            calendar_files.invitation(interview, t),
            file_name=calendar_files.invitation_file_name(interview),
            mime="text/calendar",
            key=f"{key_prefix}_ics_{interview.id}_{interview.sequence}",
        )


def choice_label(t: Translator, field: str, value) -> str:
    if not isinstance(value, str) or not value:
        return "–"
    key = calls.CHOICE_LABELS.get(field, {}).get(value)
    return t(key) if key else value


def answers_table(screening: dict | None, t: Translator) -> pd.DataFrame:
    """The screening answers as two columns a person reads: question, answer."""
    screening = screening or {}
    rows = []
    tenure = screening.get("tenure_years")
    rows.append(
        (
            t("screening.tenure_years"),
            t("desk.years", years=t.number(tenure, 1))
            if tenure == tenure and tenure is not None
            else "–",
        )
    )
    for field in (
        "where_now",
        "still_buys_from_us",
        "customer_kind",
        "age_band",
        "income_band",
        "education",
        "company_size",
        "consent",
        "preferred_mode",
    ):
        rows.append((t(calls.QUESTION_LABELS[field]), choice_label(t, field, screening.get(field))))
    for field in ("competitor", "industry", "preferred_place"):
        rows.append((t(calls.QUESTION_LABELS[field]), screening.get(field) or "–"))
    return pd.DataFrame(rows, columns=[t("desk.question"), t("desk.answer")])


def customer_file(store: Store, study: Study, customer_id: str, t: Translator) -> None:
    """The defector's file: who, value, where they went, what screening found (as far
    as the signed-in person may read it: research/ refuses or masks)."""
    try:
        file = calls.customer_file(store, study, customer_id, actor=ui.actor())
    except ResearchError as e:
        ui.show_error(e)
        return
    st.markdown(f"**{literal(file['name'] or customer_id)}** · {literal(customer_id)}")
    c = st.columns(4)
    c[0].metric(t("field.segment"), t.segment(file["segment"]))
    c[1].metric(
        t("field.spend_lost"), t.money_short(file["spend_lost"]), help=t.money(file["spend_lost"])
    )
    c[2].metric(t("field.status"), t.status(file["status"]) if file["status"] else "–")
    c[3].metric(t("field.owner"), literal(file["owner"]) or "–")
    st.markdown(
        t(
            "desk.contact_line",
            contact=literal(file["contact_person"]) or "–",
            phone=phone_markdown(file["phone"], t),
            email=literal(file["email"]) or "–",
        )
    )
    if file["former_reason"]:
        st.info(t("desk.former_note", reason=literal(file["former_reason"])))
    answers = answers_table(file["screening"], t)
    st.dataframe(answers, hide_index=True, width="stretch", height=36 + 35 * len(answers))
    notes = (file["screening"] or {}).get("notes")
    if notes:
        st.markdown(f"**{t('desk.notes')}**")
        st.text(notes)


def interview_line(interview: Interview, t: Translator, *, manager_zone: bool = True) -> str:
    """One interview as plain text (day, time, customer, mode, status): for select
    boxes as it is, through ``literal`` wherever Markdown shows it."""
    start = interview.start_for_manager() if manager_zone else interview.start
    end = start + pd.Timedelta(minutes=interview.length_minutes)
    return t(
        "agenda.line",
        day=t.date(start),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        zone=start.tzname() or interview.time_zone,
        customer=interview.customer_name or interview.customer_id,
        mode=t(scheduling.MODE_LABELS[interview.mode]),
        # a booked interview with a final record is held (``calls.HELD``), whatever its status
        status=t(scheduling.STATUS_LABELS["done" if interview.held else interview.status]),
    )


def study_progress(store: Store, study: Study, progress: calls.CallProgress | None = None) -> None:
    """The call desk's part of the study page: funnel, rates, quotas, checkpoint
    (``progress``: ``calls.progress``, read here when not given)."""
    t = ui.translator()
    progress = progress or calls.progress(store, study)
    st.subheader(t("progress.title"))
    if progress.checkpoint_due:
        st.warning(
            t("progress.checkpoint_due", done=progress.interviews_done, planned=progress.planned)
        )
    elif progress.checkpoint_reviewed:
        st.caption(
            t(
                "progress.checkpoint_reviewed",
                done=progress.interviews_done,
                planned=progress.planned,
            )
        )
    else:
        st.caption(
            t(
                "progress.checkpoint_at",
                at=progress.checkpoint_at,
                done=progress.interviews_done,
                planned=progress.planned,
            )
        )
    cols = st.columns(len(calls.FUNNEL_STAGES) + 2)
    for col, stage in zip(cols, calls.FUNNEL_STAGES, strict=False):
        col.metric(t(calls.FUNNEL_LABELS[stage]), t.number(progress.funnel[stage]))
    cols[-2].metric(
        t("progress.response_rate"),
        t.percent(progress.response_rate),
        help=t("progress.response_help"),
    )
    cols[-1].metric(
        t("progress.refusal_rate"),
        t.percent(progress.refusal_rate),
        help=t("progress.refusal_help"),
    )
    if progress.do_not_call:
        st.caption(t("progress.do_not_call_note", count=progress.do_not_call))
    by_segment, by_interviewer = st.tabs([t("progress.by_segment"), t("progress.by_interviewer")])
    with by_segment:
        frame = progress.by_segment.assign(
            segment=progress.by_segment["segment"].map(
                lambda s: t.segment(None if s == "none" else s)
            )
        )
        st.dataframe(
            _rates(frame, t),
            hide_index=True,
            width="stretch",
            column_config=_stage_columns(t, "segment", t("field.segment")),
        )
    with by_interviewer:
        frame = progress.by_interviewer.assign(
            interviewer=progress.by_interviewer["interviewer"].replace("", t("progress.unassigned"))
        )
        st.dataframe(
            _rates(frame, t),
            hide_index=True,
            width="stretch",
            column_config=_stage_columns(t, "interviewer", t("desk.interviewer")),
        )
    quotas = scheduling.quota_progress(store, study)
    st.markdown(f"**{t('progress.quotas')}**")
    if quotas.empty:
        st.caption(t("progress.no_managers"))
    for row in quotas.itertuples():
        share = min(row.done / row.quota, 1.0) if row.quota else 0.0
        st.progress(
            share,
            text=t(
                "progress.quota_line",
                manager=literal(row.manager),
                done=row.done,
                quota=row.quota,
                booked=row.booked,
                to_book=row.to_book,
            ),
        )
        if not row.quota_advised:
            st.caption(
                t("progress.quota_advice", low=team.QUOTA_ADVISED[0], high=team.QUOTA_ADVISED[1])
            )


def _rates(frame: pd.DataFrame, t: Translator) -> pd.DataFrame:
    return frame.assign(
        response_rate=frame["response_rate"].map(t.percent),
        refusal_rate=frame["refusal_rate"].map(t.percent),
    )


def _stage_columns(t: Translator, first: str, label: str) -> dict:
    config = {
        first: label,
        "response_rate": t("progress.response_rate"),
        "refusal_rate": t("progress.refusal_rate"),
        "refused": t("progress.refused"),
    }
    config |= {stage: t(calls.FUNNEL_LABELS[stage]) for stage in calls.FUNNEL_STAGES}
    return config
