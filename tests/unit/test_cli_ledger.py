"""The command line on the one ledger: imports need no study, a study's scope is set and
shown, and `identify` says what ranked the segments and how far share of wallet went."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from research.base import studies
from research.base.i18n import Translator
from research.base.store import connect
from research.cli import main

EN, ZH = Translator("en"), Translator("zh")
CLEAN_ENV = {
    "DEFECTORS_DB": None,
    "DEFECTORS_STUDY": None,
    "DEFECTORS_LANG": None,
    "DEFECTORS_USER": "tester",
    "DEFECTORS_CURRENCY": None,
}


def run(db: Path, *args: str, lang: str | None = None, code: int = 0):
    prefix = ["--db", str(db)] + (["--lang", lang] if lang else [])
    result = CliRunner(env=CLEAN_ENV).invoke(main, [*prefix, *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == code, result.output
    return result


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "ledger.duckdb"


def _study(db: Path, name: str) -> studies.Study:
    s = connect(db)
    try:
        return studies.get_study(s, name)
    finally:
        s.close()


TX = "customer_id,date,amount\nA,2024-03-05,10\nA,2024-03-05,10\nB,2024-03-06,5\n"


def test_import_needs_no_study_and_says_what_it_kept(db, tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(TX, encoding="utf-8")
    first = run(db, "import", "transactions", str(path))
    assert (
        EN(
            "import.done_transactions",
            file="tx.csv",
            rows="3",
            new="3",
            known="0",
            identical="1",
        )
        in first.output
    )
    again = run(db, "import", "transactions", str(path), lang="zh")
    assert (
        ZH("import.done_transactions", file="tx.csv", rows="3", new="0", known="3", identical="1")
        in again.output
    )
    assert run(db, "studies").output.strip() == EN("cli.no_studies")


def test_a_dry_run_counts_the_identical_lines(db, tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(TX, encoding="utf-8")
    result = run(db, "import", "transactions", str(path), "--dry-run")
    assert EN("cli.dry_run_identical", count="1") in result.output


def test_a_scope_is_set_changed_cleared_and_shown(db):
    created = run(
        db,
        "study",
        "create",
        "East",
        "--as-of",
        "2025-01-01",
        "--scope",
        "region=East China",
        "--scope",
        "region=North China",
        "--scope",
        "owner=张伟",
    )
    assert "Scope: Region: East China, North China · Owner (salesperson): 张伟" in created.output
    assert _study(db, "East").scope == studies.Scope(
        region=("East China", "North China"), owner=("张伟",)
    )
    run(db, "study", "set", "--study", "East", "--scope", "owner=", "--scope", "product-line=Tea")
    assert _study(db, "East").scope == studies.Scope(
        region=("East China", "North China"), product_line=("Tea",)
    )
    shown = run(db, "study", "show", "--study", "East", lang="zh").output
    assert "范围: 地区：East China, North China · 产品线：Tea" in shown
    run(db, "study", "set", "--study", "East", "--whole-ledger")
    assert _study(db, "East").scope.is_whole_ledger
    assert "Scope: the whole ledger" in run(db, "study", "show", "--study", "East").output
    assert "the whole ledger" in run(db, "studies").output


@pytest.mark.parametrize(
    "option, key", [("colour=red", "error.scope_dimension"), ("region", "error.scope_option")]
)
def test_a_bad_scope_is_a_message(db, option, key):
    result = run(db, "study", "create", "x", "--as-of", "2025-01-01", "--scope", option, code=1)
    assert result.stderr.startswith(EN("error.title.invalid_setting") + ":")
    assert option.split("=")[0] in result.stderr
    s = connect(db)
    try:
        assert studies.list_studies(s) == []
    finally:
        s.close()


def test_study_show_says_what_the_results_were_computed_on(db, tmp_path):
    path = tmp_path / "q1.csv"
    path.write_text(TX, encoding="utf-8")
    run(db, "study", "create", "s", "--as-of", "2025-01-01")
    assert EN("data_state.no_data") in run(db, "study", "show").output
    run(db, "import", "transactions", str(path))
    assert EN("data_state.not_run") in run(db, "study", "show").output
    run(db, "identify")
    shown = run(db, "study", "show").output
    assert "q1.csv" in shown and "Newer data" not in shown
    later = tmp_path / "q2.csv"
    later.write_text("customer_id,date,amount\nC,2024-09-01,7\n", encoding="utf-8")
    run(db, "import", "transactions", str(later))
    assert (
        "Newer data has arrived since: 1 import(s), the latest q2.csv"
        in run(db, "study", "show").output
    )


def test_identify_says_what_ranked_the_segments(demo_db):
    result = run(demo_db, "identify")
    assert EN("detection.ranked_by_margin") in result.output
    assert "Partial defection judged on share of wallet for" in result.output
    assert "Scope: the whole ledger" in result.output


def test_identify_warns_when_the_share_test_applied_to_nobody(demo_db):
    result = run(demo_db, "identify", "--as-of", "2026-11-15", lang="zh")
    warning = [
        line for line in result.output.splitlines() if "钱包份额检验没有用于任何客户" in line
    ]
    assert len(warning) == 1
    assert warning[0].startswith(ZH("cli.warning", text="")[:3])
