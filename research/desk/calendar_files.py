"""Calendar invitations (.ics, RFC 5545) for interviews, made with ``icalendar``.

Each booking is one event whose UID never changes; a reschedule or a change of place
raises its SEQUENCE, and a cancellation is sent as METHOD:CANCEL with STATUS:CANCELLED,
so a calendar updates or removes the event it already has instead of adding a second
one. Times are written in the zone the interview was booked in, with that zone's
VTIMEZONE in the file, so Outlook, Apple Calendar and Google show the right hour
anywhere. The manager is the organiser; the defector is invited where an email is known.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from research.base.i18n import Translator
from research.desk.phones import parse_phone
from research.desk.scheduling import MODE_LABELS, Interview
from research.desk.team import TeamMember

PRODID = "-//Defector research//Call desk//EN"


def _address(email: str, name: str | None, role: str, rsvp: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    address.params["role"] = vText(role)
    address.params["partstat"] = vText("NEEDS-ACTION" if rsvp else "ACCEPTED")
    if rsvp:
        address.params["rsvp"] = vText("TRUE")
    return address


def _event(interview: Interview, t: Translator, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", interview.uid)
    event.add("sequence", interview.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", interview.start)
    event.add("dtend", interview.end)
    who = interview.customer_name or interview.customer_id
    event.add("summary", t("ics.summary", customer=who, manager=interview.manager_name))
    mode = t(MODE_LABELS[interview.mode])
    if interview.place:
        event.add("location", interview.place)
    lines = [
        t("ics.mode", mode=mode),
        t(
            "ics.contact",
            contact=interview.contact_person or "–",
            phone=getattr(parse_phone(interview.customer_phone), "international", "–"),
        ),
        t("ics.customer_id", customer_id=interview.customer_id),
    ]
    if interview.note:
        lines.append(interview.note)
    event.add("description", "\n".join(lines))
    cancelled = interview.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if interview.manager_email:
        organizer = vCalAddress(f"mailto:{interview.manager_email}")
        organizer.params["cn"] = vText(interview.manager_name)
        event.add("organizer", organizer)
        event.add(
            "attendee",
            _address(interview.manager_email, interview.manager_name, "CHAIR", rsvp=False),
        )
    if interview.customer_email:
        event.add(
            "attendee",
            _address(
                interview.customer_email,
                interview.contact_person or interview.customer_name,
                "REQ-PARTICIPANT",
                rsvp=True,
            ),
        )
    return event


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def invitation(
    interview: Interview, t: Translator | None = None, stamp: datetime | None = None
) -> bytes:
    """One booking's invitation: REQUEST while it stands, CANCEL once cancelled."""
    t = t or Translator()
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    cal = _calendar("CANCEL" if interview.status == "cancelled" else "REQUEST")
    cal.add_component(_event(interview, t, stamp))
    cal.add_missing_timezones()
    return cal.to_ical()


def week_calendar(
    interviews: list[Interview],
    manager: TeamMember,
    monday: date,
    t: Translator | None = None,
    stamp: datetime | None = None,
) -> bytes:
    """One manager's interviews of one ISO week in one file (METHOD:PUBLISH);
    cancelled interviews are in it as cancelled events, so importing it removes them."""
    t = t or Translator()
    stamp = stamp or datetime.now(UTC).replace(microsecond=0)
    cal = _calendar("PUBLISH")
    week = monday.isocalendar()
    cal.add(
        "x-wr-calname", t("ics.week_name", manager=manager.name, week=f"{week[0]}-W{week[1]:02d}")
    )
    cal.add("x-wr-timezone", manager.time_zone)
    for interview in interviews:
        cal.add_component(_event(interview, t, stamp))
    cal.add_missing_timezones()
    return cal.to_ical()


def invitation_file_name(interview: Interview) -> str:
    return f"interview-{interview.customer_id}-{interview.start:%Y%m%d-%H%M}.ics"


def week_file_name(manager: TeamMember, monday: date) -> str:
    year, week, _ = monday.isocalendar()
    safe = "".join(c if c.isalnum() else "-" for c in manager.name).strip("-") or "manager"
    return f"interviews-{safe}-{year}-W{week:02d}.ics"
