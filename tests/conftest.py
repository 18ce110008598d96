"""Shared fixtures: a fresh in-memory store, a study, and small ways to put data in it.

The helpers that insert rows write straight into the ledger's tables (which every study
shares), so detection and sampling tests do not depend on the import's parsing; the
import has its own tests.
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from research.base import studies
from research.base.store import Store, connect

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ACTOR = "tester"


@pytest.fixture
def store() -> Iterable[Store]:
    """A fresh in-memory database with the whole schema."""
    s = connect(":memory:")
    yield s
    s.close()


@pytest.fixture
def study(store: Store) -> studies.Study:
    """A study with the default rules and as-of 2025-01-01.

    With the default window of 6 months, the baseline period is
    [2024-01-01, 2024-07-01) and the recent period [2024-07-01, 2025-01-01).
    """
    return studies.create_study(store, "s", date(2025, 1, 1), actor=ACTOR)


@pytest.fixture
def make_study(store: Store) -> Callable[..., studies.Study]:
    def make(name: str = "s2", as_of: date = date(2025, 1, 1), **settings) -> studies.Study:
        return studies.create_study(store, name, as_of, actor=ACTOR, **settings)

    return make


def _d(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@pytest.fixture
def add_transactions(store: Store) -> Callable:
    """``add_transactions([(customer_id, "2024-03-01", amount[, margin]), ...])``: lines in
    the ledger, which every study shares; identical lines are separate lines."""

    def add(rows: Iterable[tuple]) -> None:
        params = []
        for i, row in enumerate(rows):
            cid, when, amount, *rest = row
            margin = rest[0] if rest else None
            params.append(
                [
                    f"k{i}-{cid}-{when}-{amount}",
                    cid,
                    _d(when),
                    amount,
                    margin,
                    ACTOR,
                    datetime(2024, 1, 1),
                ]
            )

        def insert(cur) -> None:
            offset = cur.execute("SELECT count(*) FROM transactions").fetchall()[0][0]
            cur.executemany(
                "INSERT INTO transactions (line_key, customer_id, date, amount, margin,"
                " created_by, created_at) VALUES (? || '#' || ?, ?, ?, ?, ?, ?, ?)",
                [[p[0], offset, *p[1:]] for p in params],
            )

        store.write(insert)

    return add


@pytest.fixture
def add_wallet(store: Store) -> Callable:
    """``add_wallet([(customer_id, "2024-01-01", "2024-07-01", estimate), ...])``;
    the end date is exclusive, as the import stores it."""

    def add(rows: Iterable[tuple]) -> None:
        stamp = datetime(2024, 1, 1)
        params = [
            [cid, f"{start}/{end}", _d(start), _d(end), spend, ACTOR, stamp, ACTOR, stamp]
            for cid, start, end, spend in rows
        ]

        def insert(cur) -> None:
            cur.executemany(
                "INSERT INTO wallet_estimates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", params
            )

        store.write(insert)

    return add


@pytest.fixture
def add_customers(store: Store) -> Callable:
    """``add_customers([(customer_id, name[, fields]), ...])``, fields a dict of other
    customer columns (region, owner, industry, ...)."""

    def add(rows: Iterable[tuple]) -> None:
        stamp = datetime(2024, 1, 1)

        def insert(cur) -> None:
            for cid, name, *rest in rows:
                extra = rest[0] if rest else {}
                columns = ["customer_id", "name", *extra]
                cur.execute(
                    f"INSERT INTO customers ({', '.join(columns)}, created_by, created_at,"
                    f" updated_by, updated_at) VALUES ({', '.join('?' * (len(columns) + 4))})",
                    [cid, name, *extra.values(), ACTOR, stamp, ACTOR, stamp],
                )

        store.write(insert)

    return add


@pytest.fixture
def add_results(store: Store) -> Callable:
    """Put detection results in directly: ``add_results(study, [(customer_id, status,
    segment, baseline_spend, recent_spend), ...])``; spend lost is baseline − recent."""

    def add(study: studies.Study, rows: Iterable[tuple]) -> None:
        stamp = datetime(2024, 1, 1)
        params = [
            [study.id, cid, status, segment, base, recent, max(base - recent, 0), ACTOR, stamp]
            for cid, status, segment, base, recent in rows
        ]

        def insert(cur) -> None:
            cur.executemany(
                "INSERT INTO detection_results (study_id, customer_id, status, segment,"
                " baseline_spend, recent_spend, spend_lost, long_silence, computed_by,"
                " computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?)",
                params,
            )

        store.write(insert)

    return add


class Clock:
    """A stand-in for ``research.store.now``: starts at a fixed second, moves on demand."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def tick(self, seconds: int = 1) -> datetime:
        self.current += timedelta(seconds=seconds)
        return self.current


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Freeze the timestamps every module stamps rows with; ``clock.tick()`` moves on."""
    fake = Clock(datetime(2026, 1, 1, 12, 0, 0))
    from research.base import store, studies
    from research.ledger import load
    from research.selection import detection, sampling

    for module in (store, studies, load, detection, sampling):
        monkeypatch.setattr(module, "now", fake)
    return fake


def table_counts(store: Store) -> dict[str, int]:
    """Rows in every data table."""
    tables = (
        "customers",
        "transactions",
        "wallet_estimates",
        "imports",
        "detection_results",
        "detection_runs",
        "former_customers",
        "target_list",
        "audit_log",
    )
    out = {}
    with store.cursor() as cur:
        for table in tables:
            out[table] = cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    return out


@pytest.fixture
def counts(store: Store) -> Callable[[], dict[str, int]]:
    """``counts()``: the number of rows in every data table, to check nothing was written."""
    return lambda: table_counts(store)


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """Environment for child Python processes: the project importable, no stray DB."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("DEFECTORS_DB", None)
    env.pop("DEFECTORS_STUDY", None)
    env.pop("DEFECTORS_LANG", None)
    env["DEFECTORS_USER"] = ACTOR
    return env


@pytest.fixture
def run_python(subprocess_env) -> Callable[[str], str]:
    """``run_python(code)``: run ``code`` in a fresh interpreter (nothing imported yet)
    with ``subprocess_env``; its standard output (the test fails on a non-zero exit)."""

    def run(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


DEMO_AS_OF = "2026-11-01"
DEMO_CUSTOMERS = 300


def _copy_db(source: Path, target: Path) -> Path:
    """Copy a closed database file (and its WAL, if one was left)."""
    shutil.copy(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, target.with_name(target.name + ".wal"))
    return target


@pytest.fixture(scope="session")
def copy_db() -> Callable[[Path, Path], Path]:
    return _copy_db


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> tuple[Path, str]:
    """`defectors demo --customers 300 --as-of 2026-11-01`, run once for the session:
    the database file and what the command printed. Tests work on copies."""
    from click.testing import CliRunner

    from research.cli import main

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    env = {
        "DEFECTORS_DB": None,
        "DEFECTORS_STUDY": None,
        "DEFECTORS_LANG": None,
        "DEFECTORS_USER": ACTOR,
        "DEFECTORS_CURRENCY": None,
    }
    result = CliRunner(env=env).invoke(
        main, ["--db", str(path), "demo", "--customers", str(DEMO_CUSTOMERS), "--as-of", DEMO_AS_OF]
    )
    assert result.exit_code == 0, result.output
    gc.collect()  # drop the command's connection; a clean close then writes everything out
    connect(path).close()
    return path, result.output


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Path:
    """A private copy of the demo database."""
    return _copy_db(demo_template[0], tmp_path / "demo.duckdb")


@pytest.fixture
def record(store: Store) -> Callable:
    """A final interview record: ``record(study, customer_id, primary_code,
    secondary=(), on=date(2024, 11, 1), **answers)``; returns the finding's id."""
    from research.findings import interviews

    def add(study, customer_id, primary, *, secondary=(), day=1, on=None, **answers):
        found = interviews.create_finding(
            store,
            study,
            customer_id,
            actor=ACTOR,
            interviewer=answers.pop("interviewer", "周建国"),
            interview_date=on or date(2024, 11, day),
        )
        changes = {"defection_type": answers.pop("defection_type", "full"), "primary_code": primary}
        if secondary:
            changes["secondary_codes"] = list(secondary)
        changes.update(answers)
        interviews.save_fields(store, found.id, changes, base_version=found.version, actor=ACTOR)
        interviews.finalize(store, found.id, actor=ACTOR)
        return found.id

    return add
