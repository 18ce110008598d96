"""The desk's errors carry a title that names the problem, not "Something went wrong".

A phone interviewer mid-call reads the title first: "A call-back time is needed",
"Outside the manager's hours". Every error the desk, the booking and the team raise is
a ``DeskError``; its title key follows from its message key (``TITLES``), and a
message without its own title gets the desk's general one.
"""

from __future__ import annotations

from research.base.errors import ResearchError

TITLES = {
    # calls
    "error.outcome_invalid": "error.title.outcome_invalid",
    "error.call_back_time_required": "error.title.call_back_time_required",
    "error.call_back_in_past": "error.title.call_back_in_past",
    "error.do_not_call": "error.title.do_not_call",
    "error.pick_interviewer": "error.title.pick_interviewer",
    "error.not_interviewer": "error.title.pick_interviewer",
    "error.not_on_call_list": "error.title.not_on_call_list",
    "error.unknown_customer": "error.title.unknown_customer",
    # screening answers
    "error.tenure_invalid": "error.title.answer_invalid",
    "error.screening_choice": "error.title.answer_invalid",
    "error.screening_field_unknown": "error.title.answer_invalid",
    # booking
    "error.booking_in_past": "error.title.booking_in_past",
    "error.manager_no_hours": "error.title.manager_no_hours",
    "error.outside_hours": "error.title.outside_hours",
    "error.double_booking": "error.title.double_booking",
    "error.already_booked": "error.title.already_booked",
    "error.not_manager": "error.title.not_manager",
    "error.not_on_team": "error.title.not_on_team",
    "error.mode_invalid": "error.title.booking_invalid",
    "error.length_range": "error.title.booking_invalid",
    "error.interview_not_found": "error.title.interview_not_found",
    "error.interview_not_booked": "error.title.interview_not_booked",
    "error.interview_not_started": "error.title.interview_not_started",
    # the team
    "error.hours_invalid": "error.title.hours_invalid",
    "error.time_zone_invalid": "error.title.time_zone_invalid",
    "error.phone_invalid": "error.title.phone_invalid",
    "error.email_invalid": "error.title.email_invalid",
    "error.member_name_required": "error.title.member_name_required",
    "error.member_exists": "error.title.member_exists",
    "error.role_invalid": "error.title.role_invalid",
    "error.quota_range": "error.title.quota_invalid",
    "error.quota_not_manager": "error.title.quota_invalid",
    "error.week_invalid": "error.title.week_invalid",
}
GENERAL_TITLE = "error.title.desk"


class DeskError(ResearchError):
    """A call, an answer, a booking or a team change the desk cannot take as it is."""

    title_key = GENERAL_TITLE

    def __init__(self, key: str, **values):
        self.title_key = TITLES.get(key, GENERAL_TITLE)
        super().__init__(key, **values)
