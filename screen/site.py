"""The app's pages and who may open each: one table for app.py's navigation and for the
door every page passes (screen/ui.py), so a page opened by its address alone meets the
same rule as one picked from the list."""

from __future__ import annotations

from research.base import permissions
from research.base.accounts import Person

# (file, title key, icon, address, who may open it: any of these permissions in
# research/base/permissions.py, or everyone signed in). Each address is its file's name:
# right after a server starts, Streamlit knows the pages only by their files, and a
# bookmark to another address would meet "page not found". The pages offer what the
# person may do; research/ checks every read and write again.
PAGE_FILES = [
    ("pages/study.py", "nav.study", ":material/flag:", "study", ()),
    (
        "pages/import_data.py",
        "nav.import",
        ":material/upload_file:",
        "import_data",
        ("customers.write",),
    ),
    (
        "pages/defectors.py",
        "nav.defectors",
        ":material/person_remove:",
        "defectors",
        ("targets.write",),
    ),
    ("pages/team.py", "nav.team", ":material/groups:", "team", ("team.write",)),
    ("pages/call_desk.py", "nav.call_desk", ":material/call:", "call_desk", ("calls.write",)),
    ("pages/agenda.py", "nav.agenda", ":material/event:", "agenda", ("bookings.write",)),
    (
        "pages/interview.py",
        "nav.interview",
        ":material/record_voice_over:",
        "interview",
        ("findings.write", "codes.write"),
    ),
    ("pages/taxonomy.py", "nav.taxonomy", ":material/account_tree:", "taxonomy", ("codes.plan",)),
    ("pages/analysis.py", "nav.analysis", ":material/analytics:", "analysis", ("reports.read",)),
    ("pages/review.py", "nav.review", ":material/fact_check:", "review", ("actions.write",)),
    ("pages/reports.py", "nav.reports", ":material/description:", "reports", ("reports.read",)),
    ("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", "admin", ("users.manage",)),
]

# The pages whose content is a chart first of all: the frame has the chart bundle loaded
# before such a page's own elements arrive (screen/chart.py's ``preload``)
CHARTS_FIRST = ("pages/analysis.py",)


def may_open(person: Person | None, page_file: str) -> bool:
    """True when ``person`` may open the page (any of its permissions at any level)."""
    if person is None:
        return False
    needs = next((p for file, *_, p in PAGE_FILES if file == page_file), ())
    return not needs or permissions.may_any(person, *needs)


def page_title(page_file: str) -> str:
    """The title key of a page."""
    return next(title for file, title, *_ in PAGE_FILES if file == page_file)
