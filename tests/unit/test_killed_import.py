"""A killed import leaves the database as it was.

The CLI prints a progress line on stderr per chunk written (research.ingest.CHUNK_ROWS
rows each), all inside one transaction. Killing the process after the first chunk
must leave neither rows nor an imports record behind.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from research.base.store import connect
from research.ledger.load import CHUNK_ROWS, import_file

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def _counts(db: Path) -> tuple[int, int]:
    s = connect(db)
    try:
        with s.cursor() as cur:
            tx = cur.execute("SELECT count(*) FROM transactions").fetchall()[0][0]
            imports = cur.execute("SELECT count(*) FROM imports").fetchall()[0][0]
    finally:
        s.close()
    return tx, imports


@pytest.mark.slow
def test_sigkill_during_the_write_leaves_the_database_as_it_was(tmp_path, subprocess_env):
    db = tmp_path / "killed.duckdb"
    s = connect(db)  # no study: the ledger needs none
    import_file(
        s,
        "transactions",
        b"customer_id,date,amount\nP1,2025-01-01,1\nP2,2025-01-02,2\n",
        actor="tester",
        file_name="before.csv",
    )
    s.close()
    assert _counts(db) == (2, 1)

    rows = 3 * CHUNK_ROWS + 1  # four chunks: three still to write at the kill
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write("customer_id,date,amount\n")
        fh.writelines(
            f"C{i % 5000},2025-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 997}.{i % 100:02d}\n"
            for i in range(rows)
        )

    proc = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "research",
            "--db",
            str(db),
            "import",
            "transactions",
            str(big),
        ],
        cwd=ROOT,
        env=subprocess_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    lines = []
    killed_at = None
    watchdog = threading.Timer(120, proc.kill)  # never hang the suite on a stuck child
    watchdog.start()
    first_chunk = f"{CHUNK_ROWS:,} / {rows:,}"
    try:
        for line in proc.stderr:
            lines.append(line)
            # the first line says writing starts; the one naming the first chunk's rows
            # comes when that chunk is in the transaction, with more chunks to come
            if first_chunk in line and len(lines) > 1:
                proc.send_signal(signal.SIGKILL)
                killed_at = line
                break
    finally:
        watchdog.cancel()
        if proc.poll() is None and killed_at is None:
            proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()
        proc.stderr.close()

    assert killed_at is not None, f"no chunk progress line seen: {lines!r}"
    assert proc.returncode == -signal.SIGKILL
    assert _counts(db) == (2, 1)  # nothing of the big file, and no imports row

    # the database is still usable afterwards
    s = connect(db)
    try:
        result = import_file(
            s,
            "transactions",
            b"customer_id,date,amount\nP3,2025-01-03,3\n",
            actor="tester",
            file_name="after.csv",
        )
    finally:
        s.close()
    assert result.rows_new == 1
    assert _counts(db) == (3, 2)
