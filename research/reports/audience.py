"""Who reads a report, and so which personal fields it may include.

A report leaves the app: it is printed, mailed and archived. Customer data is personal
data, and only the people who need names see them. ``audience_for`` is the one place
that decides which personal fields a report carries; the report builders ask the
``Audience`` it returns before they copy a personal field into a report, and leave the
field out (None) otherwise. Until accounts and roles exist every reader sees every
field; the accounts issue changes this function and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

# Every personal field a report can include.
PERSONAL_FIELDS = (
    "customer_id",  # beside each verbatim
    "customer_name",  # beside each verbatim
    "interviewer",  # team members' names: who held which interviews
    "review_notes",  # attendees, problems, proposals and decisions of a review
    "action_owner",  # who owns an improvement action
)


@dataclass(frozen=True)
class Audience:
    """The reader of one report and the personal fields they may see."""

    reader: str
    personal_fields: frozenset[str]

    def sees(self, field: str) -> bool:
        """Raises KeyError for a field that is not in PERSONAL_FIELDS (a typo must not
        quietly hide or show data)."""
        if field not in PERSONAL_FIELDS:
            raise KeyError(field)
        return field in self.personal_fields

    def keep(self, field: str, value):
        """``value`` when the reader may see ``field``, else None."""
        return value if self.sees(field) else None


def audience_for(reader: str) -> Audience:
    """The personal fields ``reader`` may see in a report: until accounts land, all."""
    return Audience(reader, frozenset(PERSONAL_FIELDS))
