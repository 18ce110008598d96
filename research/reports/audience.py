"""Who reads a report, and so which personal fields it may include.

A report leaves the app: it is printed, mailed and archived. Customer data is personal
data, and only the people who need names see them. ``audience_for`` is the one place
that decides which personal fields a report carries; the report builders ask the
``Audience`` it returns before they copy a personal field into a report, and leave the
field out (None) otherwise. A viewer (research/base/permissions.py: ``reports.read``
is ``masked``) sees none of them; a role without ``reports.read`` gets no report. A
plain name (the pages before the sign-in pass) sees every field.
"""

from __future__ import annotations

from dataclasses import dataclass

from research.base.accounts import Person
from research.base.permissions import masked, require

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


def audience_for(reader: Person | str) -> Audience:
    """The personal fields ``reader`` may see in a report: none for a viewer, all for
    the others who may read reports. Raises PermissionDeniedError for the rest."""
    person = require(reader, "reports.read")
    if masked(person, "reports.read"):
        return Audience(person.name, frozenset())
    return Audience(person.name, frozenset(PERSONAL_FIELDS))
