"""How fast is the failure analysis at company scale? A script, not a test.

    .venv/bin/python benchmarks/analysis_speed.py          # 1M customers, 10M lines, 10k findings
    .venv/bin/python benchmarks/analysis_speed.py --transactions 1000000 --customers 100000

It builds a store the size the issue names (the ledger inserted directly with DuckDB, as
benchmarks/detection_speed.py does; eight quarterly studies with detection run on each;
10,000 final interview records spread over them), then times, as the Analysis page runs
them:

1. one filter change: every query the page's tabs run for a new filter (a segment),
   each printed with its time, and their total (target: under 500 ms). The page runs
   the rates tab on every change too: its rates and movement are kept per version of
   the ledger (computed once before), the earlier defectors are asked again;
2. the defection rates per segment over 8 quarters, computed afresh (target: under
   3 s); the share-of-wallet movement that the same pass gives; and both again
   without a change of the data (what the page's reruns cost).

Medians of --runs repeats, in one process with the store open, as the app has it.
Beside every figure: the load average (1 minute) when it was taken, and the CPU time
this process used (DuckDB runs on every core: CPU time above the wall-clock time
means it had them; far below, that other processes did).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import detection_speed  # noqa: E402

from research.analysis import causes, rates, trends  # noqa: E402
from research.base.store import connect  # noqa: E402
from research.base.studies import create_study, get_study, get_study_by_id  # noqa: E402
from research.findings import taxonomy  # noqa: E402
from research.selection import detection  # noqa: E402

ACTOR = "benchmark"
TARGET_FILTER_MS = 500.0
TARGET_RATES_S = 3.0
QUARTERS = 8

INSERT_FINDINGS = """
INSERT INTO findings (study_id, customer_id, interview_date, interviewer, origin, status,
    defection_type, destination, competitor, primary_code, secondary_codes, controllable,
    voluntary, sat_product, sat_service, sat_delivery, sat_value, sat_communication,
    lifecycle_stage, version, created_by, created_at, updated_by, updated_at)
SELECT study_id, customer_id, interview_date, interviewer, 'interview', 'final',
    defection_type, destination, competitor, primary_code, secondary_codes, NULL, voluntary,
    sat_product, sat_service, sat_delivery, sat_value, sat_communication, lifecycle_stage,
    1, 'benchmark', now(), 'benchmark', now()
FROM incoming
"""


def add_findings(store, study_ids: list[int], total: int, seed: int) -> int:
    """``total`` final records, spread evenly over the studies whose detection found
    defectors (the earliest quarters of the ledger have no baseline)."""
    rng = np.random.default_rng(seed)
    codes = [c for c in taxonomy.codebook(store).codes if not c.startswith("not_")]
    levels = [
        "highly_satisfied",
        "fairly_satisfied",
        "no_opinion",
        "somewhat_dissatisfied",
        "very_dissatisfied",
    ]
    frames = []
    with store.cursor() as cur:
        found = dict(
            cur.execute(
                "SELECT study_id, count(*) FROM detection_results"
                " WHERE status IN ('full', 'partial') GROUP BY study_id"
            ).fetchall()
        )
        study_ids = [sid for sid in study_ids if found.get(sid)]
        per_study = -(-total // len(study_ids))
        for sid in study_ids:
            (as_of,) = cur.execute("SELECT as_of FROM studies WHERE id = ?", [sid]).fetchall()[0]
            ids = [
                r[0]
                for r in cur.execute(
                    "SELECT customer_id FROM detection_results WHERE study_id = ?"
                    " AND status IN ('full', 'partial') ORDER BY customer_id LIMIT ?",
                    [sid, per_study],
                ).fetchall()
            ]
            n = len(ids)
            weights = rng.dirichlet(np.ones(len(codes)) * 0.5)
            frames.append(
                pd.DataFrame(
                    {
                        "study_id": sid,
                        "customer_id": ids,
                        "interview_date": [
                            as_of + relativedelta(days=int(d)) for d in rng.integers(5, 80, n)
                        ],
                        "interviewer": rng.choice(["周建国", "Grace Lin", "王磊", "李娜"], n),
                        "defection_type": rng.choice(["full", "partial"], n),
                        "destination": rng.choice(["competitor", "stopped"], n),
                        "competitor": rng.choice(["Bluepeak", "Harbor", "Summit", ""], n),
                        "primary_code": rng.choice(codes, n, p=weights),
                        "secondary_codes": [
                            '["price_value"]' if x else "[]" for x in rng.random(n) < 0.3
                        ],
                        "voluntary": rng.choice(["voluntary", "involuntary"], n),
                        **{
                            f: rng.choice(levels, n)
                            for f in (
                                "sat_product",
                                "sat_service",
                                "sat_delivery",
                                "sat_value",
                                "sat_communication",
                            )
                        },
                        "lifecycle_stage": rng.choice(
                            ["delivery", "complaint_handling", "routine_ordering"], n
                        ),
                    }
                )
            )
    incoming = pd.concat(frames, ignore_index=True).head(total)

    def write(cur) -> None:
        cur.register("incoming", incoming)
        cur.execute(INSERT_FINDINGS)
        cur.unregister("incoming")

    store.write(write)
    return len(incoming)


def page_queries(store, filt: causes.FindingsFilter, study) -> list[tuple[str, object]]:
    """What the Analysis page runs for one filter, in its order."""
    quarters = rates.last_quarters(QUARTERS, study.as_of)
    return [
        ("cause_table (codes)", lambda: causes.cause_table(store, filt)),
        (
            "cause_table (groups, secondary)",
            lambda: causes.cause_table(store, filt, by="group", with_secondary=True),
        ),
        ("control_shares", lambda: causes.control_shares(store, filt)),
        ("cross_tab (segment)", lambda: causes.cross_tab(store, filt, "segment")),
        ("satisfaction_profile", lambda: causes.satisfaction_profile(store, filt)),
        ("competitors", lambda: causes.competitors(store, filt)),
        ("verbatims", lambda: causes.verbatims(store, filt)),
        ("quarterly_counts", lambda: trends.quarterly_counts(store, filt)),
        ("interviewers", lambda: causes.interviewers(store, filt.study_ids)),
        ("quarterly_rates (kept)", lambda: rates.quarterly_rates(store, study, quarters)),
        ("movement (kept)", lambda: rates.movement(store, study, quarters)),
        ("follow_up", lambda: rates.follow_up(store, study, filt.study_ids)),
    ]


class Timings:
    """Wall-clock seconds, CPU seconds and the load average of each timed run."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.load: list[float] = []

    def run(self, fn) -> float:
        started, cpu = time.perf_counter(), time.process_time()
        fn()
        took = time.perf_counter() - started
        self.wall.append(took)
        self.cpu.append(time.process_time() - cpu)
        self.load.append(os.getloadavg()[0])
        return took

    def median(self) -> float:
        return statistics.median(self.wall)

    def seconds(self) -> str:
        return (
            f"{self.median():.2f} s ({min(self.wall):.2f}–{max(self.wall):.2f}), "
            f"CPU {statistics.median(self.cpu):.2f} s, {self.loads()}"
        )

    def millis(self) -> str:
        return (
            f"{self.median() * 1000:7.1f} ms ({min(self.wall) * 1000:.0f}–"
            f"{max(self.wall) * 1000:.0f}), CPU {statistics.median(self.cpu) * 1000:.0f} ms, "
            f"{self.loads()}"
        )

    def loads(self) -> str:
        return f"load {min(self.load):.1f}–{max(self.load):.1f}"


def build(path: Path, args: argparse.Namespace):
    """The store the issue names, built in ``path``; returned open."""
    started = time.perf_counter()
    tx, customers = detection_speed.generate(args.transactions, args.customers, args.seed)
    detection_speed.build_store(path, tx, customers)
    del tx, customers
    store = connect(path)
    as_of = detection_speed.AS_OF
    ids = [get_study(store, detection_speed.STUDY).id]
    for back in range(1, QUARTERS):
        ids.append(
            create_study(store, f"Q-{back}", as_of - relativedelta(months=3 * back), actor=ACTOR).id
        )
    for study_id in ids:
        detection.run_detection(store, get_study_by_id(store, study_id), actor=ACTOR)
    made = add_findings(store, ids, args.findings, args.seed)
    print(
        f"store: {args.transactions:,} lines, {args.customers:,} customers, "
        f"{len(ids)} studies, {made:,} final findings; built in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument(
        "--store",
        type=Path,
        help="keep the built store in this file, or use it as it is when it exists "
        "(building takes minutes; the sizes given must be the ones it was built with)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="analysis-speed-") as tmp:
        path = args.store or Path(tmp) / "analysis.duckdb"
        names = [detection_speed.STUDY, *[f"Q-{b}" for b in range(1, QUARTERS)]]
        if path.exists():
            store = connect(path)
            ids = [get_study(store, name).id for name in names]
            print(f"store: {path.name} as built before, {len(ids)} studies")
        else:
            store = build(path, args)
            ids = [get_study(store, name).id for name in names]

        study = get_study(store, detection_speed.STUDY)
        quarters = rates.last_quarters(QUARTERS, study.as_of)
        everyone = causes.FindingsFilter(tuple(ids))
        for _, fn in page_queries(store, everyone, study):  # warm: statsmodels, kept rates
            fn()
        per_query: dict[str, Timings] = {}
        totals = Timings()
        segments = ["best_core", "other_core", "general", "expendable"]
        for run in range(args.runs):
            filt = causes.FindingsFilter(tuple(ids), segments=(segments[run % 4],))
            queries = page_queries(store, filt, study)
            totals.run(
                lambda qs=queries: [per_query.setdefault(n, Timings()).run(fn) for n, fn in qs]
            )
        print(
            "\n[1] one filter change on the Analysis page (medians of "
            f"{args.runs}, a different segment each time)"
        )
        for name, times in per_query.items():
            print(f"    {name:32s} {times.millis()}")
        print(f"    {'total':32s} {totals.millis()}")
        total_ms = totals.median() * 1000

        fresh, moved, kept = Timings(), Timings(), Timings()
        for _ in range(args.runs):
            rates.forget(store)
            fresh.run(lambda: rates.quarterly_rates(store, study, quarters))
            moved.run(lambda: rates.movement(store, study, quarters))
            kept.run(lambda: rates.quarterly_rates(store, study, quarters))
        rate_s = fresh.median()
        print(
            f"\n[2] defection rates per segment over {QUARTERS} quarters "
            f"({quarters[0]}–{quarters[-1]}), computed afresh: {fresh.seconds()}"
        )
        print(f"    share-of-wallet movement, from the same pass: {moved.seconds()}")
        print(f"    the rates again, the ledger unchanged: {kept.seconds()}")
        store.close()
        ok_filter = total_ms < TARGET_FILTER_MS
        ok_rates = rate_s < TARGET_RATES_S
        print(f"\nfilter change < {TARGET_FILTER_MS:.0f} ms: {'PASS' if ok_filter else 'FAIL'}")
        print(
            f"rates over {QUARTERS} quarters < {TARGET_RATES_S:.0f} s: "
            f"{'PASS' if ok_rates else 'FAIL'}"
        )
        return 0 if ok_filter and ok_rates else 1


if __name__ == "__main__":
    sys.exit(main())
