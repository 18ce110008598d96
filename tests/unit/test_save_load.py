"""Twenty people saving findings and call notes at once for a few seconds: nothing is
lost, nothing raises (benchmarks/save_load.py runs the same for a minute)."""

from __future__ import annotations

import threading
import time

from research.base.store import connect
from research.findings.load_check import Outcome, prepare, simulate_user, verify

USERS = 20
SECONDS = 4.0


def test_twenty_users_saving_at_once_lose_nothing(tmp_path):
    store = connect(tmp_path / "load.duckdb")
    try:
        study, people = prepare(store, USERS)
        outcomes = [Outcome() for _ in people]
        deadline = time.monotonic() + SECONDS
        threads = [
            threading.Thread(target=simulate_user, args=(store, study, p, cid, deadline, o))
            for (p, cid), o in zip(people, outcomes, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        errors = [e for o in outcomes for e in o.errors]
        assert errors == []
        assert all(o.finding_saves >= 2 and o.note_saves >= 2 for o in outcomes)
        assert verify(store, study, people, outcomes) == []
    finally:
        store.close()


def test_verify_notices_a_lost_save(tmp_path):
    store = connect(tmp_path / "load.duckdb")
    try:
        study, people = prepare(store, 2)
        outcomes = [Outcome() for _ in people]
        for (p, cid), o in zip(people, outcomes, strict=True):
            simulate_user(store, study, p, cid, time.monotonic() + 0.3, o)
        assert verify(store, study, people, outcomes) == []
        outcomes[0].last_summary = "a save the store never got"
        outcomes[1].attempts += 1
        problems = verify(store, study, people, outcomes)
        assert len(problems) == 2 and "summary" in problems[0] and "attempts" in problems[1]
    finally:
        store.close()
