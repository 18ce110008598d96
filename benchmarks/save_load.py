"""Do 20 people saving at once lose anything, and how long does a save take? A script,
not a test (tests/unit/test_save_load.py is the short version that runs in CI).

    .venv/bin/python benchmarks/save_load.py                 # 20 users for 60 seconds
    .venv/bin/python benchmarks/save_load.py --users 40 --seconds 30

Each simulated user works one customer of a study in a store on disk, as the app does:
one store per process, each user a thread (a Streamlit session). In a loop a user saves
the finding's summary, the call notes (both versioned records, as the autosave of the
pages does while a person types) and now and then logs a call attempt, with a short
pause between saves as a typist makes. At the end it checks that every save is there
(the last text of each user, the number of saved versions and attempts) and prints the
save latency's median and 95th percentile, and the errors (there must be none).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from research.base.store import Store, connect  # noqa: E402
from research.findings.load_check import Outcome, prepare, simulate_user, verify  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between saves")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store: Store = connect(Path(folder) / "load.duckdb")
        try:
            study, people = prepare(store, args.users)
            outcomes = [Outcome() for _ in people]
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(
                    target=simulate_user,
                    args=(store, study, person, cid, deadline, outcome, args.pause),
                )
                for (person, cid), outcome in zip(people, outcomes, strict=True)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            problems = verify(store, study, people, outcomes)
        finally:
            store.close()
    latencies = sorted(x for o in outcomes for x in o.latencies)
    errors = [e for o in outcomes for e in o.errors]
    p95 = latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan")
    print(f"users {args.users}, {args.seconds:.0f} s, saves {len(latencies)}")
    print(
        f"save latency: median {statistics.median(latencies) * 1000:.1f} ms,"
        f" p95 {p95 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
    )
    print(f"errors {len(errors)}, lost or wrong {len(problems)}")
    for line in (errors + problems)[:10]:
        print("  ", line)
    return 1 if errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())
