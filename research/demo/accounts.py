"""The demo's people can sign in: one account per role, so that trying the product
shows what each person sees (a study lead, an interviewer with their own call list, a
second coder, a viewer who sees no names).

Every demo account has the same published password, ``DEMO_PASSWORD``: the demo
company is fictional, and the sign-in screen lists these accounts only while they are
as the demo made them (a changed password or role takes an account off the list).
"""

from __future__ import annotations

from research.base import accounts
from research.base.errors import ResearchError
from research.base.store import Store
from research.demo.desk import INTERVIEWERS, MANAGERS, OTHERS
from research.desk import team

DEMO_PASSWORD = "demo-password"
DEMO_BUILDER = "demo build"  # created_by of the demo's accounts
# (login, display name or team member's name, role); a team member's account is linked
# to them (their call list, their bookings)
_LEADS = [(email.split("@")[0], name, "lead") for name, email, *_ in MANAGERS]
_INTERVIEWERS = [(email.split("@")[0], name, "interviewer") for name, _, email in INTERVIEWERS]
_OTHERS = [
    (OTHERS[0][2].split("@")[0], OTHERS[0][0], "coder"),
    (OTHERS[1][2].split("@")[0], OTHERS[1][0], "viewer"),
]
DEMO_ACCOUNTS = [("admin", "Demo admin", "admin"), *_LEADS, *_INTERVIEWERS, *_OTHERS]

UNCHANGED = """
SELECT login, display_name, role FROM users
WHERE created_by = ? AND updated_at = created_at AND NOT disabled
ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'lead' THEN 1 WHEN 'interviewer' THEN 2
                   WHEN 'coder' THEN 3 ELSE 4 END, login
"""


def add_demo_accounts(store: Store) -> list[accounts.Person]:
    """One account per demo person (and an admin), with ``DEMO_PASSWORD``; accounts
    that exist already are left as they are."""
    made = []
    for login, name, role in DEMO_ACCOUNTS:
        if accounts.signed_in(store, login) is not None:
            continue
        try:
            member_id = team.get_member(store, name).id
        except ResearchError:
            member_id = None  # the admin is nobody on the team
        try:
            made.append(
                accounts.add_user(
                    store, login, name, role, DEMO_PASSWORD, actor=DEMO_BUILDER, member_id=member_id
                )
            )
        except accounts.AccountError:  # a disabled account of that login: leave it be
            continue
    return made


def demo_accounts(store: Store) -> list[tuple[str, str, str]]:
    """(login, name, role) of the demo accounts still as the demo made them, for the
    sign-in screen; empty outside the demo."""
    with store.cursor() as cur:
        return cur.execute(UNCHANGED, [DEMO_BUILDER]).fetchall()
