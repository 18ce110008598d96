"""How fast is the import of a company's whole transaction history? A script, not a test.

    .venv/bin/python benchmarks/import_speed.py                      # 10M lines, 3 runs
    .venv/bin/python benchmarks/import_speed.py --lines 1000000 --runs 5

It writes an export as a real ERP gives it (UTF-8 with BOM, Chinese headers 客户编号,
单据日期, 价税合计, 产品线; amounts with thousands separators; a quarter of the lines
repeated exactly, as a grocery log repeats two packets of the same biscuits), then
times `defectors import transactions FILE` as a whole process, start-up included, in a
fresh database each run, and its peak memory (the child's maximum resident set). It
checks that every line arrived, that importing the same file again adds nothing, and
that an overlapping later export adds only its new lines. Medians are printed with the
range, and PASS/FAIL against the targets (under 30 s, under 2 GB).
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

import duckdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_MB = 2048.0
REPEAT_SHARE = 0.25
# the ERP's own headers for date and amount, mapped as a user maps them
MAP = ["--map", "单据日期=date", "--map", "价税合计=amount"]


def defectors_command() -> list[str]:
    exe = Path(sys.executable).with_name("defectors")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "research"]


def write_files(folder: Path, lines: int, customers: int, seed: int) -> tuple[Path, Path, Path]:
    """customers.csv, transactions.csv (``lines`` lines, a quarter exact repeats) and
    overlap.csv (the last tenth of transactions.csv plus as many new lines)."""
    customers_path = folder / "customers.csv"
    tx_path = folder / "transactions.csv"
    overlap_path = folder / "overlap.csv"
    unique = lines - int(lines * REPEAT_SHARE)
    con = duckdb.connect()
    try:
        con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
        con.execute(
            "CREATE TABLE base AS SELECT i,"
            f" 'C' || lpad(CAST(1 + (hash(i * 7919 + {seed}) % {customers}) AS VARCHAR), 7, '0')"
            "   AS cid,"
            " DATE '2024-01-01' + CAST(hash(i * 104729) % 730 AS INTEGER) AS d,"
            " CAST(50 + hash(i * 15485863) % 400000 AS DECIMAL(18, 2)) / 100 AS amount,"
            " ['Analysers', 'Reagents', '耗材', 'Service'][1 + CAST(hash(i) % 4 AS INTEGER)]"
            "   AS line"
            f" FROM range({unique}) t(i)"
        )
        # a quarter of all lines repeat an earlier line exactly, right after it or later
        con.execute(
            "CREATE TABLE tx AS SELECT * FROM ("
            " SELECT i AS pos, cid, d, amount, line FROM base"
            " UNION ALL"
            f" SELECT (hash(i * 31) % {unique}) + 0.5, cid, d, amount, line FROM base"
            f" WHERE i < {lines - unique}) ORDER BY pos"
        )
        select = (
            'SELECT cid AS "客户编号", strftime(d, \'%Y/%m/%d\') AS "单据日期",'
            ' format(\'{{:,.2f}}\', CAST(amount AS DOUBLE)) AS "价税合计", line AS "产品线"'
            " FROM {table}"
        )
        # UTF-8 with BOM, as Excel saves "CSV UTF-8": DuckDB writes the rows, we prefix the BOM
        body = folder / "body.csv"
        con.execute(f"COPY ({select.format(table='tx')}) TO '{body}' (HEADER, DELIMITER ',')")
        with tx_path.open("wb") as out, body.open("rb") as src:
            out.write(b"\xef\xbb\xbf")
            while chunk := src.read(1 << 24):
                out.write(chunk)
        body.unlink()
        tail = max(lines // 10, 1)
        con.execute(
            "CREATE TABLE later AS SELECT * FROM (SELECT * FROM tx ORDER BY pos DESC"
            f" LIMIT {tail}) UNION ALL SELECT i + 1e12, cid, d + 365, amount, line FROM base"
            f" WHERE i < {tail}"
        )
        con.execute(f"COPY ({select.format(table='later')}) TO '{overlap_path}' (HEADER)")
        con.execute(
            'COPY (SELECT DISTINCT cid AS "客户编号", \'Customer \' || cid AS "客户名称"'
            f" FROM tx ORDER BY 1) TO '{customers_path}' (HEADER)"
        )
    finally:
        con.close()
    return customers_path, tx_path, overlap_path


def run(args: list[str], db: Path) -> tuple[float, float, str]:
    """Run a defectors command as its own process: (seconds, peak MB, output)."""
    env = dict(os.environ, DEFECTORS_USER="benchmark")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*defectors_command(), "--db", str(db), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"defectors {' '.join(args)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output


def stored_lines(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM transactions").fetchall()[0][0]
    finally:
        con.close()


def summary(values: list[float], unit: str) -> str:
    return f"{statistics.median(values):,.1f} {unit} ({min(values):,.1f}–{max(values):,.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="import-speed-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        customers, transactions, overlap = write_files(
            folder, args.lines, min(args.customers, args.lines), args.seed
        )
        size_mb = transactions.stat().st_size / 1e6
        print(
            f"files: {args.lines:,} lines ({size_mb:,.0f} MB, {REPEAT_SHARE:.0%} exact repeats),"
            f" written in {time.perf_counter() - started:.1f} s"
        )
        seconds, peaks, again = [], [], []
        for number in range(1, args.runs + 1):
            db = folder / f"run{number}.duckdb"
            run(["study", "create", "benchmark", "--as-of", "2026-01-01"], db)
            run(["import", "customers", str(customers)], db)
            took, peak, output = run(["import", "transactions", str(transactions), *MAP], db)
            lines = stored_lines(db)
            print(f"run {number}: {took:.1f} s, peak {peak:,.0f} MB, {lines:,} lines stored")
            if lines != args.lines:
                print(output)
                print(f"FAIL: {args.lines:,} lines in the file, {lines:,} stored")
                return 1
            seconds.append(took)
            peaks.append(peak)
            took, _, _ = run(["import", "transactions", str(transactions), *MAP], db)
            again.append(took)
            if stored_lines(db) != lines:
                print("FAIL: importing the same file again added lines")
                return 1
            if number == 1:
                run(["import", "transactions", str(overlap), *MAP], db)
                added = stored_lines(db) - lines
                expected = max(args.lines // 10, 1)
                print(f"overlapping export: {added:,} lines added ({expected:,} new in it)")
                if added != expected:
                    print("FAIL: the overlapping export added the wrong number of lines")
                    return 1
            db.unlink()
        print()
        print(f"import of {args.lines:,} lines, whole process: {summary(seconds, 's')}")
        print(f"peak memory of that process: {summary(peaks, 'MB')}")
        print(f"the same file again (adds nothing): {summary(again, 's')}")
        ok_time = statistics.median(seconds) < TARGET_SECONDS
        ok_memory = max(peaks) < TARGET_MB
        print(f"time < {TARGET_SECONDS:.0f} s: {'PASS' if ok_time else 'FAIL'}")
        print(f"peak memory < {TARGET_MB:,.0f} MB: {'PASS' if ok_memory else 'FAIL'}")
        return 0 if ok_time and ok_memory else 1


if __name__ == "__main__":
    sys.exit(main())
