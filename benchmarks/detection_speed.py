"""How fast is defector detection at scale? A script, not a test.

    .venv/bin/python benchmarks/detection_speed.py            # 10M transactions, 1M customers
    .venv/bin/python benchmarks/detection_speed.py --transactions 1000000 --customers 100000

It generates a synthetic company deterministically with numpy (two years of orders
before the as-of date plus a few dated after it, refunds, price-list amounts that tie,
customers who stop, drop, start, lapsed long ago, never bought, and buyers missing
from the customer list), then measures:

1. ``research.detection.run_detection`` on data already in a DuckDB store, loaded
   directly with DuckDB (the point is the classification, not the import), repeated
   in one process with the store open;
2. the same rule written in plain pandas on the same data, already in memory;
3. detection in fresh processes that only open the store and run it, for peak
   memory (RSS);
4. end to end from CSV files, once, in a fresh process: the product's own import
   (``research.ledger.load.import_file``) of customers.csv and transactions.csv into a
   fresh store, then detection.

It checks that pandas and SQL agree on every customer's status and segment (and on
the spends, purchase dates, usual gap and silence), and ends with PASS/FAIL per target.
No wallet estimates or margins are generated, so wallet shares are left out of both
versions and segments rank by baseline spend.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from research.base.store import connect, now  # noqa: E402
from research.base.studies import Study, create_study, get_study  # noqa: E402
from research.ledger import load as load_module  # noqa: E402
from research.ledger.load import import_file  # noqa: E402
from research.selection import detection  # noqa: E402

STUDY = "benchmark"
ACTOR = "benchmark"
AS_OF = date(2025, 1, 1)

TARGET_STORE_SECONDS = 5.0
TARGET_RATIO = 3.0
TARGET_PEAK_MB = 4000.0  # 4 GB, decimal

PRICE_LIST_CENTS = np.array([9_900, 25_000, 50_000, 120_000, 99_900, 1_000_000])


# ---------------------------------------------------------------- data


def generate(
    n_transactions: int, n_customers: int, seed: int, as_of: date = AS_OF
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions (customer_id, date, amount_cents) and customers (customer_id, name).

    Deterministic for a given seed. No two transactions repeat (customer, date, amount),
    so the product's import, which skips exact repeats, keeps every row.
    """
    rng = np.random.default_rng(seed)
    start = as_of - relativedelta(years=2)
    span = (as_of - start).days
    p = detection.periods(as_of, 6)
    d_b0 = (p.baseline_start - start).days
    d_b1 = (p.recent_start - start).days

    # ids like C10001 .. C1010000: mixed lengths, so text order is not numeric order
    ids = np.array([f"C{10_001 + i}" for i in range(n_customers)], dtype=object)
    # 0 steady, 1 stops (full defector, or partial if late), 2 drops, 3 new, 4 lapsed
    # long ago, 5 never bought (only in the customer list)
    story = rng.choice(6, n_customers, p=[0.60, 0.10, 0.12, 0.07, 0.08, 0.03])
    weight = np.exp(rng.normal(0.0, 1.0, n_customers))
    weight[story == 5] = 0.0
    who = rng.choice(n_customers, size=n_transactions, p=weight / weight.sum())
    day = rng.integers(0, span, n_transactions)
    kind = story[who]

    stop_day = rng.integers(d_b0 + 30, span - 20, n_customers)
    keep_share = rng.uniform(0.05, 0.6, n_customers)
    first_day = rng.integers(d_b1 - 40, span - 10, n_customers)
    last_day = rng.integers(60, d_b0, n_customers)

    m = kind == 1  # squeeze the orders into [0, stop)
    day[m] = day[m] * stop_day[who[m]] // span
    m = (kind == 2) & (day >= d_b1)  # most recent orders move back to before the recent period
    moved = m & (rng.random(n_transactions) > keep_share[who])
    day[moved] = rng.integers(0, d_b1, int(moved.sum()))
    m = kind == 3
    day[m] = first_day[who[m]] + day[m] * (span - first_day[who[m]]) // span
    m = kind == 4
    day[m] = day[m] * last_day[who[m]] // span
    late = rng.random(n_transactions) < 0.01  # exported after the as-of date
    day[late] = span + rng.integers(0, 31, int(late.sum()))

    cents = np.round(np.exp(rng.normal(np.log(30_000), 1.0, n_transactions))).astype(np.int64) + 1
    listed = rng.random(n_transactions) < 0.3
    cents[listed] = rng.choice(PRICE_LIST_CENTS, int(listed.sum()))
    refund = rng.random(n_transactions) < 0.02
    cents[refund] = -cents[refund]

    # no exact repeats: within one customer's day, sorted by amount, the i-th amount
    # gets i cents more, which makes them strictly increasing
    key = who.astype(np.int64) * 2048 + day
    order = np.lexsort((cents, key))
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    run_length = np.diff(np.r_[starts, n_transactions])
    position = np.arange(n_transactions) - np.repeat(starts, run_length)
    cents[order] += position

    tx = pd.DataFrame(
        {
            "customer_id": ids[who],
            "date": (np.datetime64(start, "D") + day.astype("timedelta64[D]")).astype(
                "datetime64[s]"
            ),
            "amount_cents": cents,
        }
    )
    # the customer list: everyone except about 1% of the buyers (exports never match)
    listed_customer = rng.random(n_customers) >= 0.01
    listed_customer[story == 5] = True
    customers = pd.DataFrame({"customer_id": ids[listed_customer]})
    customers["name"] = "Customer " + customers["customer_id"].str[1:]
    return tx, customers


# line keys as the import makes them: the values' md5 and the occurrence among identical lines
INSERT_TX = """
INSERT INTO transactions (line_key, customer_id, date, amount, created_by, created_at)
SELECT values_key || '#' || row_number() OVER (PARTITION BY values_key),
       customer_id, date, amount, $actor, $stamp
FROM (
    SELECT md5(concat_ws('|', customer_id, date, amount, '', '', '')) AS values_key, *
    FROM (SELECT customer_id, CAST(date AS DATE) AS date,
                 CAST(amount_cents / 100 AS DECIMAL(18, 2)) AS amount FROM tx_frame)
)
"""

INSERT_CUSTOMERS = """
INSERT INTO customers (customer_id, name, created_by, created_at, updated_by, updated_at)
SELECT customer_id, name, $actor, $stamp, $actor, $stamp FROM customer_frame
"""


def build_store(path: Path, tx: pd.DataFrame, customers: pd.DataFrame) -> None:
    """A fresh store with one study and the data inserted directly."""
    store = connect(path)
    try:
        create_study(store, STUDY, AS_OF, actor=ACTOR)

        def load(cur: duckdb.DuckDBPyConnection) -> None:
            params = {"actor": ACTOR, "stamp": now()}
            cur.register("tx_frame", tx)
            cur.execute(INSERT_TX, params)
            cur.unregister("tx_frame")
            cur.register("customer_frame", customers)
            cur.execute(INSERT_CUSTOMERS, params)
            cur.unregister("customer_frame")

        store.write(load)
        with store.cursor() as cur:
            cur.execute("CHECKPOINT")
    finally:
        store.close()


# ---------------------------------------------------------------- pandas version


def detect_pandas(tx: pd.DataFrame, customers: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The detection rule in plain pandas: same periods, statuses and segments as the SQL
    (no wallet shares, no margins). Amounts are integer cents, so sums are exact.

    Written to be fast in pandas, not to lose: one groupby over the transactions with
    every per-customer figure, then vectorised rules and one sort for the segments."""
    p = detection.periods(study.as_of, study.window_months)
    b0, b1, asof = (
        pd.Timestamp(p.baseline_start),
        pd.Timestamp(p.recent_start),
        pd.Timestamp(p.as_of),
    )
    when, cents = tx["date"], tx["amount_cents"]

    per_row = pd.DataFrame(
        {
            "customer_id": tx["customer_id"],
            "baseline": cents.where((when >= b0) & (when < b1), 0),
            "recent": cents.where((when >= b1) & (when < asof), 0),
            "purchase": when.where((when < asof) & (cents > 0)),  # NaT unless a purchase
        }
    )
    out = (
        per_row.groupby("customer_id", sort=False)
        .agg(
            baseline=("baseline", "sum"),
            recent=("recent", "sum"),
            first_purchase=("purchase", "min"),
            last_purchase=("purchase", "max"),
            purchase_days=("purchase", "nunique"),
        )
        .reset_index()
    )
    # customers in the customer list without a transaction: nothing bought, inactive
    missing = customers.loc[
        pd.Index(out["customer_id"]).get_indexer(customers["customer_id"]) < 0, ["customer_id"]
    ]
    out = pd.concat([out, missing.assign(baseline=0, recent=0, purchase_days=0)], ignore_index=True)

    baseline, recent = out["baseline"], out["recent"]
    had = baseline > 0
    # partial: recent <= (1 - d) x baseline in exact arithmetic, 1 - d to 6 decimals
    keep_millionths = int(Decimal(str(round(1 - study.drop_threshold, 6))) * 1_000_000)
    out["status"] = np.select(
        [
            had & (recent <= 0),
            had & (recent * 1_000_000 <= keep_millionths * baseline),
            had,
            recent > 0,
        ],
        ["full", "partial", "active", "new"],
        "inactive",
    )
    days = out["purchase_days"]
    gap = (out["last_purchase"] - out["first_purchase"]).dt.days
    out["usual_gap_days"] = (gap / (days - 1)).where(days >= 2)
    out["days_silent"] = (asof - out["last_purchase"]).dt.days
    out["long_silence"] = out["days_silent"] > study.gap_multiple * out["usual_gap_days"]
    out["spend_lost"] = (baseline - recent).clip(lower=0)

    ranked = out.loc[had, ["baseline", "customer_id"]].sort_values(
        ["baseline", "customer_id"], ascending=[False, True]
    )
    fraction = np.arange(len(ranked)) / len(ranked)
    pb, po, pg = study.best_core_pct, study.other_core_pct, study.general_pct
    cuts = [round(pb, 9), round(pb + po, 9), round(pb + po + pg, 9)]  # 0.1 + 0.2 is 0.3
    segment = np.full(len(out), None, dtype=object)
    segment[ranked.index.to_numpy()] = np.select(
        [fraction < cut for cut in cuts], ["best_core", "other_core", "general"], "expendable"
    )
    out["segment"] = segment
    return out


def read_pandas_inputs(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, Study]:
    """The store's data as pandas would hold it: ids as text, dates, amounts in cents."""
    store = connect(path)
    try:
        study = get_study(store, STUDY)
        with store.cursor() as cur:
            tx = cur.execute(
                "SELECT customer_id, CAST(date AS TIMESTAMP) AS date,"
                " CAST(amount * 100 AS BIGINT) AS amount_cents"
                " FROM transactions"
            ).df()
            customers = cur.execute("SELECT customer_id FROM customers").df()
    finally:
        store.close()
    return tx, customers, study


# ---------------------------------------------------------------- comparing

RESULT_COLUMNS = """
SELECT customer_id, status, segment,
       CAST(baseline_spend * 100 AS BIGINT) AS baseline,
       CAST(recent_spend * 100 AS BIGINT) AS recent,
       CAST(spend_lost * 100 AS BIGINT) AS spend_lost,
       CAST(first_purchase AS TIMESTAMP) AS first_purchase,
       CAST(last_purchase AS TIMESTAMP) AS last_purchase,
       usual_gap_days, days_silent, long_silence
FROM detection_results WHERE study_id = ?
"""

COMPARED = (
    "baseline",
    "recent",
    "spend_lost",
    "first_purchase",
    "last_purchase",
    "usual_gap_days",
    "days_silent",
    "long_silence",
)


def stored_results(path: Path) -> pd.DataFrame:
    store = connect(path)
    try:
        study = get_study(store, STUDY)
        with store.cursor() as cur:
            return cur.execute(RESULT_COLUMNS, [study.id]).df()
    finally:
        store.close()


def disagreements(sql: pd.DataFrame, pandas: pd.DataFrame) -> dict[str, int]:
    """Customers on which the two versions differ, per column; 'status/segment' is the
    count of customers whose status or segment differ, 'customers' those in only one."""
    both = sql.merge(
        pandas, on="customer_id", how="outer", suffixes=("_sql", "_pd"), indicator=True
    )
    found = {"customers": int((both["_merge"] != "both").sum())}
    both = both[both["_merge"] == "both"]

    def differ(column: str) -> pd.Series:
        a, b = both[f"{column}_sql"], both[f"{column}_pd"]
        same = (a == b) | (a.isna() & b.isna())
        return ~same.astype(bool)

    status, segment = differ("status"), differ("segment")
    found["status"] = int(status.sum())
    found["segment"] = int(segment.sum())
    found["status/segment"] = int((status | segment).sum()) + found["customers"]
    for column in COMPARED:
        found[column] = int(differ(column).sum())
    return found


# ---------------------------------------------------------------- measuring


def summary(times: list[float]) -> str:
    return (
        f"median {statistics.median(times):6.2f} s   min {min(times):6.2f} s   "
        f"max {max(times):6.2f} s   (n={len(times)})"
    )


def cpu_seconds() -> tuple[float, float] | None:
    """CPU time used so far by the whole machine (including time stolen by the host)
    and by this process, in seconds; None where /proc/stat is not available."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    ticks = os.sysconf("SC_CLK_TCK")
    mine = os.times()
    return (user + nice + system + irq + softirq + steal) / ticks, mine.user + mine.system


@contextmanager
def measured(into: list[float], others: list[float]):
    """Time the block into ``into``, and into ``others`` how many cores other processes
    (and the host) kept busy meanwhile: about 0 on a quiet machine; near 1 or more
    means something competed for the 2 cores, so the timing is not reliable."""
    before, t = cpu_seconds(), time.perf_counter()
    yield
    elapsed = time.perf_counter() - t
    into.append(elapsed)
    after = cpu_seconds()
    if before is not None and after is not None:
        others.append(max(0.0, (after[0] - before[0]) - (after[1] - before[1])) / elapsed)


def contention_text(others: list[float]) -> str:
    if not others:
        return ""
    return f"other processes used {statistics.median(others):.2f} cores"


def time_store_detection(
    path: Path, repeats: int, contention: list[float]
) -> tuple[list[float], int]:
    store = connect(path)
    try:
        study = get_study(store, STUDY)
        times: list[float] = []
        count = 0
        for i in range(repeats):
            with measured(times, contention):
                count = detection.run_detection(store, study, actor=ACTOR)
            print(
                f"  store detection run {i + 1}: {times[-1]:.2f} s ({count:,} customers; "
                f"{contention_text(contention[-1:])})",
                flush=True,
            )
    finally:
        store.close()
    return times, count


def child_detect(path: str) -> None:
    """Run in a fresh process: open the store, run detection once, report time and peak RSS."""
    t0 = time.perf_counter()
    store = connect(path)
    study = get_study(store, STUDY)
    t1 = time.perf_counter()
    count = detection.run_detection(store, study, actor=ACTOR)
    t2 = time.perf_counter()
    store.close()
    print(
        json.dumps(
            {"open_s": t1 - t0, "detect_s": t2 - t1, "customers": count, "vmhwm_kb": vmhwm_kb()}
        )
    )


LAUNCHER = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True)
print(done.stdout.strip().splitlines()[-1])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure_fresh_process(path: Path, repeats: int) -> tuple[list[float], list[float]]:
    """Detection time and peak memory in fresh processes that only open the store and
    run detection. Returns (detection times, peak RSS per run in MB).

    The measured process is started by a small launcher process, which reads its peak
    with getrusage(RUSAGE_CHILDREN).ru_maxrss: Linux carries a parent's peak RSS over
    fork and exec, so a child started straight from this (big) process would report
    this process's memory. The measured process's own VmHWM is shown as a cross-check.
    """
    times, peaks = [], []
    for i in range(repeats):
        report, peak = run_child("detect", path)
        times.append(report["detect_s"])
        peaks.append(peak)
        print(
            f"  fresh process run {i + 1}: open {report['open_s']:.2f} s, detection "
            f"{report['detect_s']:.2f} s, peak RSS {peak:,.0f} MB (ru_maxrss; "
            f"VmHWM {report['vmhwm_kb'] * 1024 / 1e6:,.0f} MB)",
            flush=True,
        )
    return times, peaks


def write_csv_files(folder: Path, tx: pd.DataFrame, customers: pd.DataFrame) -> tuple[Path, Path]:
    """Export files as a CRM would: text ids, ISO dates, amounts with two decimals."""
    tx_path, customers_path = folder / "transactions.csv", folder / "customers.csv"
    con = duckdb.connect()
    try:
        con.register("tx_frame", tx)
        con.execute(
            "COPY (SELECT customer_id, strftime(date, '%Y-%m-%d') AS date,"
            " CAST(amount_cents / 100 AS DECIMAL(18, 2)) AS amount FROM tx_frame)"
            f" TO '{tx_path}' (HEADER, DELIMITER ',')"
        )
        con.register("customer_frame", customers)
        con.execute(f"COPY customer_frame TO '{customers_path}' (HEADER, DELIMITER ',')")
    finally:
        con.close()
    return tx_path, customers_path


@contextmanager
def phase_timer(phases: dict[str, float]):
    """Time the steps of ``import_file`` (read_table, prepare, load) by wrapping
    them in research.ledger.load for the duration; the import itself is unchanged."""
    originals = {name: getattr(load_module, name) for name in ("read_table", "prepare", "load")}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    for name, fn in originals.items():
        setattr(load_module, name, timed(name, fn))
    try:
        yield phases
    finally:
        for name, fn in originals.items():
            setattr(load_module, name, fn)


def timed_import(store, kind: str, path: Path) -> tuple[float, dict[str, float]]:
    phases: dict[str, float] = {}
    t = time.perf_counter()
    with phase_timer(phases):
        import_file(store, kind, path, actor=ACTOR)
    return time.perf_counter() - t, phases


def child_csv(folder: str) -> None:
    """Run in a fresh process: import the CSV files into a fresh store through the
    product's own path, run detection, report the times and this process's peak RSS."""
    folder_path = Path(folder)
    path = folder_path / "from_csv.duckdb"
    for leftover in (path, Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)
    store = connect(path)
    report: dict = {}
    try:
        study = create_study(store, STUDY, AS_OF, actor=ACTOR)
        for kind, name in (("customers", "customers.csv"), ("transactions", "transactions.csv")):
            report[f"import {name}"], report[f"phases {name}"] = timed_import(
                store, kind, folder_path / name
            )
        t = time.perf_counter()
        detection.run_detection(store, study, actor=ACTOR)
        report["detection"] = time.perf_counter() - t
    finally:
        store.close()
    report["vmhwm_kb"] = vmhwm_kb()
    print(json.dumps(report))


def vmhwm_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_child(mode: str, path: Path) -> tuple[dict, float]:
    """Run this script in ``--child`` mode in a fresh process, started by a small launcher
    (see measure_fresh_process). Returns the child's report and its peak RSS in MB."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, __file__, "--child", mode, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    line, maxrss_kb = done.stdout.strip().splitlines()[-2:]
    return json.loads(line), int(maxrss_kb) * 1024 / 1e6  # ru_maxrss is in KiB on Linux


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time defector detection on a synthetic company (see the module docstring)."
    )
    parser.add_argument("--transactions", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--repeats", type=int, default=5, help="runs of each measurement (the CSV path runs once)"
    )
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument(
        "--skip-csv",
        action="store_true",
        help="skip the slow end-to-end run through the CSV import",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the store and CSV files go (default: a temporary directory)",
    )
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, path = args.child
        {"detect": child_detect, "csv": child_csv}[mode](path)
        return 0
    if args.workdir is None:
        with tempfile.TemporaryDirectory(prefix="detection_speed_") as tmp:
            return run(args, Path(tmp))
    args.workdir.mkdir(parents=True, exist_ok=True)
    return run(args, args.workdir)


def run(args: argparse.Namespace, workdir: Path) -> int:
    print(
        f"detection benchmark: {args.transactions:,} transactions, {args.customers:,} customers, "
        f"{args.repeats} repeats, seed {args.seed}; duckdb {duckdb.__version__}, "
        f"pandas {pd.__version__}, {os.cpu_count()} CPUs; workdir {workdir}",
        flush=True,
    )
    t = time.perf_counter()
    tx, customers = generate(args.transactions, args.customers, args.seed)
    print(f"generated the data in {time.perf_counter() - t:.1f} s", flush=True)
    store_path = workdir / "benchmark.duckdb"
    for leftover in (store_path, Path(f"{store_path}.wal")):
        leftover.unlink(missing_ok=True)
    t = time.perf_counter()
    build_store(store_path, tx, customers)
    print(
        f"loaded it into a fresh store with DuckDB in {time.perf_counter() - t:.1f} s "
        f"({store_path.stat().st_size / 1e6:,.0f} MB)",
        flush=True,
    )
    csv_dir = workdir / "csv"
    if not args.skip_csv:
        csv_dir.mkdir(exist_ok=True)
        t = time.perf_counter()
        tx_path, customers_path = write_csv_files(csv_dir, tx, customers)
        print(
            f"wrote {tx_path.name} ({tx_path.stat().st_size / 1e6:,.0f} MB) and "
            f"{customers_path.name} ({customers_path.stat().st_size / 1e6:,.0f} MB) in "
            f"{time.perf_counter() - t:.1f} s",
            flush=True,
        )
    del tx, customers

    print("\n[1] run_detection on the store (one open store, repeated runs)", flush=True)
    store_contention: list[float] = []
    store_times, count = time_store_detection(store_path, args.repeats, store_contention)
    sql = stored_results(store_path)

    print("\n[2] the same rule in plain pandas, on the same data already in memory", flush=True)
    ptx, pcustomers, study = read_pandas_inputs(store_path)
    pandas_times: list[float] = []
    pandas_contention: list[float] = []
    for i in range(args.repeats):
        with measured(pandas_times, pandas_contention):
            frame = detect_pandas(ptx, pcustomers, study)
        print(
            f"  pandas run {i + 1}: {pandas_times[-1]:.2f} s ({len(frame):,} customers; "
            f"{contention_text(pandas_contention[-1:])})",
            flush=True,
        )
    del ptx, pcustomers
    found = disagreements(sql, frame)

    print(
        "\n[3] fresh process that only opens the store and runs detection: peak memory", flush=True
    )
    fresh_times, peaks = measure_fresh_process(store_path, args.repeats)

    csv_report = csv_found = None
    if not args.skip_csv:
        print(
            "\n[4] end to end from CSV in a fresh process: research.ledger.load.import_file of "
            "customers.csv and transactions.csv into a fresh store, then run_detection",
            flush=True,
        )
        csv_report, csv_peak = run_child("csv", csv_dir)
        for name in ("customers.csv", "transactions.csv"):
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in csv_report[f"phases {name}"].items())
            print(f"  import {name}: {csv_report[f'import {name}']:.1f} s ({phases})")
        print(f"  detection: {csv_report['detection']:.1f} s")
        print(f"  peak RSS of the importing process {csv_peak:,.0f} MB", flush=True)
        csv_found = disagreements(stored_results(csv_dir / "from_csv.duckdb"), frame)

    store_median = statistics.median(store_times)
    pandas_median = statistics.median(pandas_times)
    ratio = pandas_median / store_median
    peak_mb = max(peaks)
    statuses = sql["status"].value_counts().to_dict()
    segments = sql["segment"].fillna("none").value_counts().to_dict()

    print("\n" + "=" * 88)
    print(f"customers classified      {count:,}: {statuses}")
    print(f"segments                  {segments}")
    print(f"store detection           {summary(store_times)}   {contention_text(store_contention)}")
    print(f"fresh-process detection   {summary(fresh_times)}")
    print(
        f"pandas version            {summary(pandas_times)}   {contention_text(pandas_contention)}"
    )
    print(f"pandas / store            {ratio:.2f}x (medians)")
    print(
        f"peak memory               {peak_mb:,.0f} MB (fresh process, max of {len(peaks)} runs; "
        f"median {statistics.median(peaks):,.0f} MB)"
    )
    print(
        f"disagreements             {found['status/segment']} customers differ in status or "
        f"segment; per column {found}"
    )
    if csv_report is not None:
        tx_and_detect = csv_report["import transactions.csv"] + csv_report["detection"]
        total = tx_and_detect + csv_report["import customers.csv"]
        print(
            f"CSV end to end            {tx_and_detect:.1f} s import of transactions.csv + "
            f"detection ({total:.1f} s with customers.csv), once"
        )
        print(
            f"CSV path disagreements    {csv_found['status/segment']} customers differ from "
            f"pandas in status or segment"
        )
    print("=" * 88)

    checks = [
        (
            f"store detection median {store_median:.2f} s < {TARGET_STORE_SECONDS:.0f} s",
            store_median < TARGET_STORE_SECONDS,
        ),
        (f"pandas / store {ratio:.2f}x >= {TARGET_RATIO:.0f}x", ratio >= TARGET_RATIO),
        (f"peak memory {peak_mb:,.0f} MB < {TARGET_PEAK_MB:,.0f} MB", peak_mb < TARGET_PEAK_MB),
        (
            f"pandas and SQL disagree on {found['status/segment']} customers (must be 0)",
            found["status/segment"] == 0,
        ),
    ]
    if csv_found is not None:
        checks.append(
            (
                f"CSV path disagrees on {csv_found['status/segment']} customers (must be 0)",
                csv_found["status/segment"] == 0,
            )
        )
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    if max(store_contention + pandas_contention, default=0) > 0.2:
        print(
            "note: other processes competed for the CPU during the timings (see 'other "
            "processes used'): the timings and the ratio are unreliable, rerun when quiet"
        )
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
