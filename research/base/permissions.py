"""What each role may do, as one table, and ``require``: the check every research
function that reads or changes personal data makes before it does.

Hiding a page is not a permission: a viewer who finds the right URL, or a script that
imports ``research``, must meet the same refusal. So the check lives here, below the
pages and the CLI, and the functions that take ``actor=`` call ``require`` first.

Each cell of ``TABLE`` is how far a role may do a thing:

- ``all``: everywhere;
- ``study``: in the studies the person leads (a study lead: they created it, or their
  team member is on its team);
- ``own``: only for the customers assigned to them to call, booked with them, or whose
  finding they hold (an interviewer);
- ``blind``: only the blind second coding (a second coder);
- ``masked``: may read, with every personal field masked (a viewer, research/base/masking.py);
- ``-``: never.
"""

from __future__ import annotations

from research.base.accounts import LEGACY_ROLE, ROLES, PermissionDeniedError, Person, as_person

LEVELS = ("all", "study", "own", "blind", "masked", "-")

# permission            admin  lead   interviewer coder  viewer
TABLE = """
studies.create          all    all    -           -      -
studies.write           all    study  -           -      -
customers.read          all    study  own         -      masked
customers.write         all    all    -           -      -
customers.erase         all    -      -           -      -
targets.read            all    study  own         -      masked
targets.write           all    study  -           -      -
calls.read              all    study  own         -      -
calls.assign            all    study  -           -      -
calls.write             all    study  own         -      -
bookings.write          all    study  own         -      -
findings.read           all    study  own         -      masked
findings.write          all    study  own         -      -
findings.import         all    study  -           -      -
codes.plan              all    study  -           -      -
codes.write             all    study  -           blind  -
codes.settle            all    study  -           -      -
taxonomy.write          all    -      -           -      -
team.write              all    study  -           -      -
actions.write           all    study  -           -      -
analysis.read           all    study  own         -      masked
reports.read            all    study  -           -      masked
export.bulk             all    study  -           -      masked
users.manage            all    -      -           -      -
audit.read              all    -      -           -      -
retention.apply         all    -      -           -      -
backup.run              all    -      -           -      -
"""


def _parse(table: str) -> dict[str, dict[str, str]]:
    grid: dict[str, dict[str, str]] = {}
    for line in table.strip().splitlines():
        permission, *cells = line.split()
        if len(cells) != len(ROLES) or any(c not in LEVELS for c in cells):
            raise ValueError(f"bad permission row: {line!r}")
        grid[permission] = dict(zip(ROLES, cells, strict=True))
    return grid


PERMISSIONS = _parse(TABLE)

LEADS_STUDY = """
SELECT 1 FROM studies WHERE id = ? AND created_by = ?
UNION ALL
SELECT 1 FROM study_team WHERE study_id = ? AND member_id = ?
"""
OWNS_CUSTOMER = """
SELECT 1 FROM call_assignments WHERE study_id = ? AND customer_id = ? AND interviewer_id = ?
UNION ALL
SELECT 1 FROM interviews WHERE study_id = ? AND customer_id = ? AND manager_id = ?
    AND status <> 'cancelled'
UNION ALL
SELECT 1 FROM findings WHERE study_id = ? AND customer_id = ? AND interviewer = ?
"""


OWN_CUSTOMERS = """
SELECT customer_id FROM call_assignments WHERE study_id = ? AND interviewer_id = ?
UNION
SELECT customer_id FROM interviews WHERE study_id = ? AND manager_id = ? AND status <> 'cancelled'
UNION
SELECT customer_id FROM findings WHERE study_id = ? AND interviewer = ?
"""


PLACE_OF = {
    "finding_id": "SELECT study_id, customer_id FROM findings WHERE id = ?",
    "quote_id": "SELECT f.study_id, f.customer_id FROM finding_quotes q"
    " JOIN findings f ON f.id = q.finding_id WHERE q.id = ?",
    "interview_id": "SELECT study_id, customer_id FROM interviews WHERE id = ?",
    "action_id": "SELECT study_id, NULL FROM improvement_actions WHERE id = ?",
}


def level(actor: Person | str, permission: str) -> str:
    """How far ``actor`` may do ``permission`` (one of LEVELS); legacy actors: all."""
    person = as_person(actor)
    if permission not in PERMISSIONS:
        raise KeyError(permission)  # a typo must not quietly allow or refuse
    if person.is_legacy:
        return "all"
    return PERMISSIONS[permission].get(person.role, "-")


def may_any(actor: Person | str, *permissions: str) -> bool:
    """True when ``actor`` may do any of ``permissions`` at some level (what a page may
    offer them; each record is still checked by ``require``)."""
    return any(level(actor, p) != "-" for p in permissions)


def masked(actor: Person | str, permission: str) -> bool:
    """True when ``actor`` may read only with personal fields masked."""
    return level(actor, permission) == "masked"


def require(
    actor: Person | str,
    permission: str,
    *,
    store=None,
    study=None,
    customer_id: str | None = None,
    **record: int,
) -> Person:
    """The acting Person, when they may do ``permission`` here; else raises
    PermissionDeniedError. ``study`` (a Study or its id) and ``customer_id`` say where:
    without them a ``study`` or ``own`` grant is checked by the caller's filtering.
    ``finding_id``, ``quote_id``, ``interview_id`` or ``action_id`` name a record whose
    study and customer are looked up."""
    person = as_person(actor)
    how = level(person, permission)
    if how == "-":
        raise PermissionDeniedError("error.not_allowed", role=person.role, permission=permission)
    study_id = getattr(study, "id", study)
    if record and store is not None and how in ("study", "own"):
        (kind, record_id), *_ = record.items()
        with store.cursor() as cur:
            rows = cur.execute(PLACE_OF[kind], [int(record_id)]).fetchall()
        if rows:
            study_id, customer_id = rows[0]
    if how == "study" and store is not None and study_id is not None:
        if not leads(store, person, study_id):
            raise PermissionDeniedError("error.not_your_study", role=person.role)
    if how == "own" and store is not None and study_id is not None and customer_id is not None:
        if not owns(store, person, study_id, customer_id):
            raise PermissionDeniedError("error.not_your_customer", customer_id=customer_id)
    return person


def visible_customers(store, actor: Person | str, permission: str, study) -> frozenset | None:
    """The customers of ``study`` that ``actor`` may read for ``permission``: None when
    that is all of them (an admin, the study's lead, a viewer who reads them masked),
    else the set an interviewer owns (assigned to them, booked with them, or whose
    finding is theirs). Raises PermissionDeniedError for a role without it."""
    person = require(actor, permission, store=store, study=study)
    if level(person, permission) != "own":
        return None
    study_id = getattr(study, "id", study)
    m = person.member_id
    with store.cursor() as cur:
        rows = cur.execute(
            OWN_CUSTOMERS, [study_id, m, study_id, m, study_id, person.name]
        ).fetchall()
    return frozenset(r[0] for r in rows)


def leads(store, person: Person, study_id: int) -> bool:
    with store.cursor() as cur:
        rows = cur.execute(
            LEADS_STUDY, [study_id, person.name, study_id, person.member_id]
        ).fetchall()
    return bool(rows)


def owns(store, person: Person, study_id: int, customer_id: str) -> bool:
    """True when the customer is assigned to the person to call, booked with them, or
    their finding is the person's."""
    m = person.member_id
    with store.cursor() as cur:
        rows = cur.execute(
            OWNS_CUSTOMER,
            [
                study_id,
                customer_id,
                m,
                study_id,
                customer_id,
                m,
                study_id,
                customer_id,
                person.name,
            ],
        ).fetchall()
    return bool(rows)


__all__ = [
    "LEGACY_ROLE",
    "PERMISSIONS",
    "level",
    "masked",
    "may_any",
    "require",
    "leads",
    "owns",
    "visible_customers",
]
