"""How fast is the ``defectors`` command as a whole process? A script, not a test.

    .venv/bin/python benchmarks/cli_speed.py                    # 2M transactions, 200k customers
    .venv/bin/python benchmarks/cli_speed.py --transactions 500000 --customers 50000 --repeats 3

It generates the synthetic company of benchmarks/detection_speed.py, loads it into a
store with DuckDB and writes the same data as Parquet files, then times, as separate
processes started the way a user starts them, interleaved run by run:

1. ``defectors --db STORE identify --out FILE``: start-up, detection (it runs on every
   call), the counts, and the CSV written by DuckDB;
2. ``benchmarks/identify_pandas.py``: the same rule in a plain pandas script, from the
   Parquet files to a CSV file;
3. ``defectors --help``.

Each runs once untimed first (the files in the page cache, Python's compiled modules
written as on any user's machine: see USER_ENVIRONMENT), then the timed runs.

It checks that both files agree on every customer (status, segment, spends, dates) and
prints the medians, the ratio and PASS/FAIL for the targets: identify at most a third
of the pandas script's time, --help under half a second. Like detection_speed.py it
prints how many cores other processes kept busy meanwhile: figures taken on a busy
machine are not reliable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from detection_speed import (  # noqa: E402
    AS_OF,
    build_store,
    contention_text,
    generate,
    summary,
)

TARGET_RATIO = 3.0  # pandas script time ÷ identify time, at least
TARGET_HELP_SECONDS = 0.5


def defectors_command() -> list[str]:
    """The installed entry point next to this Python, as a user runs it."""
    script = Path(sys.executable).parent / "defectors"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from research.cli import main; sys.exit(main())"]


def busy_seconds() -> tuple[float, float] | None:
    """CPU time used so far by the whole machine (with time stolen by the host) and by
    this process and its finished children, in seconds; None without /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    ticks = os.sysconf("SC_CLK_TCK")
    mine = os.times()
    ours = mine.user + mine.system + mine.children_user + mine.children_system
    return (user + nice + system + irq + softirq + steal) / ticks, ours


# Both commands run as on a user's machine, where Python keeps the compiled modules it
# imports (``__pycache__``): a development machine that sets PYTHONDONTWRITEBYTECODE
# would have every ``defectors`` run compile the package's sources again (0.05-0.1 s),
# while the pandas script's libraries were compiled when pip installed them.
USER_ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], times: list[float], others: list[float]) -> None:
    """Run ``cmd`` to the end; its wall time into ``times``, and into ``others`` how many
    cores other processes kept busy meanwhile (about 0 on a quiet machine)."""
    before, start = busy_seconds(), time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=USER_ENVIRONMENT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    after = busy_seconds()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    times.append(elapsed)
    if before is not None and after is not None:
        others.append(max(0.0, (after[0] - before[0]) - (after[1] - before[1])) / elapsed)


def compare(identify_csv: Path, pandas_csv: Path) -> dict[str, int]:
    """Customers on which the two files differ, per column."""
    text = ("customer_id", "status", "segment", "first_purchase", "last_purchase", "days_silent")
    read = dict.fromkeys(text, str)
    a = pd.read_csv(identify_csv, encoding="utf-8-sig", dtype=read).set_index("customer_id")
    b = pd.read_csv(pandas_csv, encoding="utf-8-sig", dtype=read).set_index("customer_id")
    found = {"missing": len(a.index.symmetric_difference(b.index))}
    b = b.reindex(a.index)
    for column in text[1:]:
        found[column] = int((a[column].fillna("") != b[column].fillna("")).sum())
    for column in ("baseline_spend", "recent_spend", "spend_lost"):
        found[column] = int(((a[column] - b[column]).abs() > 0.005).sum())
    found["long_silence"] = int((a["long_silence"] != b["long_silence"]).sum())
    found["order"] = int(list(a.index) != list(b.index))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=2_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (median)")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--workdir", type=Path, help="keep the files here (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="cli-speed-") as tmp:
        return run(args, Path(tmp))


def run(args: argparse.Namespace, workdir: Path) -> int:
    print(
        f"CLI benchmark: {args.transactions:,} transactions, {args.customers:,} customers, "
        f"{args.repeats} timed runs each; workdir {workdir}",
        flush=True,
    )
    t = time.perf_counter()
    tx, customers = generate(args.transactions, args.customers, args.seed)
    store = workdir / "company.duckdb"
    for leftover in (store, Path(f"{store}.wal")):
        leftover.unlink(missing_ok=True)
    build_store(store, tx, customers)
    tx_parquet, customers_parquet = workdir / "transactions.parquet", workdir / "customers.parquet"
    tx.to_parquet(tx_parquet, index=False)
    customers.to_parquet(customers_parquet, index=False)
    del tx, customers
    print(f"generated, stored and written as Parquet in {time.perf_counter() - t:.1f} s")

    identify_csv, pandas_csv = workdir / "identify.csv", workdir / "pandas.csv"
    identify = [*defectors_command(), "--db", str(store), "identify", "--out", str(identify_csv)]
    plain = [
        sys.executable,
        str(HERE / "identify_pandas.py"),
        str(tx_parquet),
        str(customers_parquet),
        str(pandas_csv),
        "--as-of",
        AS_OF.isoformat(),
    ]
    help_cmd = [*defectors_command(), "--help"]
    runs = {"identify": (identify, [], []), "pandas": (plain, [], []), "help": (help_cmd, [], [])}

    for cmd, _, _ in runs.values():  # once each, untimed: the files in the page cache
        timed(cmd, [], [])
    for i in range(args.repeats):
        for cmd, times, others in runs.values():
            timed(cmd, times, others)
        print(
            f"  run {i + 1}: "
            + ", ".join(
                f"{name} {times[-1]:.2f} s ({contention_text(others[-1:])})"
                for name, (_, times, others) in runs.items()
            ),
            flush=True,
        )

    found = compare(identify_csv, pandas_csv)
    rows = sum(1 for _ in identify_csv.open(encoding="utf-8-sig")) - 1
    medians = {name: statistics.median(times) for name, (_, times, _) in runs.items()}
    ratio = medians["pandas"] / medians["identify"]
    print("\n" + "=" * 88)
    for name, (_, times, others) in runs.items():
        print(f"{name:<28}{summary(times)}   {contention_text(others)}")
    print(f"{'pandas ÷ identify':<28}{ratio:.2f}x (medians)")
    print(f"{'customers in the files':<28}{rows:,}; differences per column {found}")
    print("=" * 88)
    checks = [
        (
            f"identify {medians['identify']:.2f} s <= pandas {medians['pandas']:.2f} s / "
            f"{TARGET_RATIO:.0f} (ratio {ratio:.2f}x)",
            ratio >= TARGET_RATIO,
        ),
        (
            f"defectors --help {medians['help']:.2f} s < {TARGET_HELP_SECONDS} s",
            medians["help"] < TARGET_HELP_SECONDS,
        ),
        ("the two files agree on every customer", not any(found.values())),
    ]
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    busy = [o for _, _, others in runs.values() for o in others]
    if max(busy, default=0) > 0.2:
        print(
            "note: other processes competed for the CPU during the timings (see 'other "
            "processes used'): the timings and the ratio are unreliable, rerun when quiet"
        )
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
