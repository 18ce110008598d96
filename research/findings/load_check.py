"""Many people saving at once: the simulated user and the check that nothing was lost,
shared by tests/unit/test_save_load.py and benchmarks/save_load.py.

Each simulated user is one interviewer working one customer: they save the finding's
summary and the call notes over and over (as the pages' autosave does while a person
types) and log a call attempt now and then. ``verify`` then checks that the store holds
every user's last text, one saved version per save and every attempt.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from research.base.accounts import Person
from research.base.store import Store
from research.base.studies import Study, create_study
from research.desk import calls, team
from research.findings import interviews

SETUP_ACTOR = "load setup"
CUSTOMER = (
    "INSERT INTO customers (customer_id, name, created_by, created_at, updated_by, updated_at)"
    " VALUES (?, ?, ?, now(), ?, now())"
)
TARGET = "INSERT INTO target_list VALUES (?, ?, 'manual', TRUE, NULL, ?, now(), ?, now())"


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finding_saves: int = 0
    note_saves: int = 0
    attempts: int = 0
    last_summary: str = ""
    last_notes: str = ""


def prepare(store: Store, users: int) -> tuple[Study, list[tuple[Person, str]]]:
    """A study with one target per user, each assigned to that user's team member."""
    study = create_study(store, "load", date(2025, 1, 1), actor=SETUP_ACTOR)
    ids = [f"L{i:03d}" for i in range(users)]

    def insert(cur) -> None:
        for cid in ids:
            cur.execute(CUSTOMER, [cid, f"Customer {cid}", SETUP_ACTOR, SETUP_ACTOR])
            cur.execute(TARGET, [study.id, cid, SETUP_ACTOR, SETUP_ACTOR])

    store.write(insert)
    people = []
    for i, cid in enumerate(ids):
        member = team.add_member(store, f"Caller {i}", "phone_interviewer", actor=SETUP_ACTOR)
        calls.assign(store, study, [cid], member.id, actor=SETUP_ACTOR)
        people.append((Person(f"Caller {i}", "interviewer", i + 1, f"c{i}", member.id), cid))
    return study, people


def simulate_user(
    store: Store,
    study: Study,
    person: Person,
    customer_id: str,
    deadline: float,
    outcome: Outcome,
    pause: float = 0.0,
) -> None:
    try:
        finding = interviews.create_finding(store, study, customer_id, actor=person)
        version, notes_version, n = finding.version, 0, 0
        while time.monotonic() < deadline:
            n += 1
            summary = f"{person.name} summary {n}"
            started = time.perf_counter()
            version = interviews.save_field(
                store, finding.id, "summary", summary, base_version=version, actor=person
            )
            outcome.latencies.append(time.perf_counter() - started)
            outcome.finding_saves += 1
            outcome.last_summary = summary
            notes = f"{person.name} notes {n}"
            started = time.perf_counter()
            notes_version = calls.save_notes(
                store, study, customer_id, notes, base_version=notes_version, actor=person
            )
            outcome.latencies.append(time.perf_counter() - started)
            outcome.note_saves += 1
            outcome.last_notes = notes
            if n % 5 == 0:
                started = time.perf_counter()
                calls.log_attempt(store, study, customer_id, "no_answer", actor=person)
                outcome.latencies.append(time.perf_counter() - started)
                outcome.attempts += 1
            if pause:
                time.sleep(pause)
    except Exception as e:  # noqa: BLE001 - counted and reported, never hidden
        outcome.errors.append(f"{person.name}: {type(e).__name__}: {e}")


FINDING_STATE = """
SELECT f.summary, f.version, s.notes, s.version,
       (SELECT count(*) FROM call_attempts a WHERE a.study_id = f.study_id
            AND a.customer_id = f.customer_id)
FROM findings f JOIN screenings s ON s.study_id = f.study_id AND s.customer_id = f.customer_id
WHERE f.study_id = ? AND f.customer_id = ?
"""


def verify(
    store: Store, study: Study, people: list[tuple[Person, str]], outcomes: list[Outcome]
) -> list[str]:
    """What the store lacks of what the users saved (empty: nothing was lost)."""
    problems = []
    with store.cursor() as cur:
        for (person, cid), o in zip(people, outcomes, strict=True):
            if not o.finding_saves:
                continue
            rows = cur.execute(FINDING_STATE, [study.id, cid]).fetchall()
            if not rows:
                problems.append(f"{person.name}: the finding or the notes are missing")
                continue
            summary, f_version, notes, s_version, attempts = rows[0]
            if summary != o.last_summary:
                problems.append(f"{person.name}: summary {summary!r}, saved {o.last_summary!r}")
            if notes != o.last_notes:
                problems.append(f"{person.name}: notes {notes!r}, saved {o.last_notes!r}")
            if f_version != 1 + o.finding_saves:
                problems.append(
                    f"{person.name}: finding version {f_version}, saves {o.finding_saves}"
                )
            if s_version != 1 + o.note_saves:  # version 1: the screening as opened
                problems.append(f"{person.name}: notes version {s_version}, saves {o.note_saves}")
            if attempts != o.attempts:
                problems.append(f"{person.name}: {attempts} attempts, logged {o.attempts}")
    return problems
