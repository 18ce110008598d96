"""The CLI and bad input (issue 8): a database path that does not exist, an as-of date out
of range, the text encoding said and chosen, customers missing from the customer data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from research.base import studies
from research.base.i18n import Translator
from research.base.store import connect
from research.cli import main

EN = Translator("en")
CLEAN_ENV = {
    "DEFECTORS_DB": None,
    "DEFECTORS_STUDY": None,
    "DEFECTORS_LANG": None,
    "DEFECTORS_USER": "tester",
    "DEFECTORS_CURRENCY": None,
}


def run(db: Path, *args: str, env: dict | None = None):
    result = CliRunner(env=CLEAN_ENV | (env or {})).invoke(main, ["--db", str(db), *args])
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "company.duckdb"
    assert run(path, "study", "create", "s", "--as-of", "2025-01-01").exit_code == 0
    return path


# ---------------------------------------------------------------- --db


@pytest.mark.parametrize(
    "args",
    [
        ("studies",),
        ("study", "show"),
        ("identify",),
        ("targets", "list"),
        ("team",),
        ("taxonomy", "list"),
        ("calls", "export", "--out", "calls.csv"),
    ],
)
def test_commands_that_only_read_or_change_data_never_create_a_database(tmp_path, args):
    missing = tmp_path / "typo" / "nowhere.duckdb"
    result = run(missing, *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == EN("error.title.no_database") + ": " + EN(
        "error.no_database", path=str(missing)
    )
    assert not missing.parent.exists()  # neither the file nor its folder


def test_study_create_makes_the_database_and_its_folder(tmp_path):
    path = tmp_path / "new" / "folder" / "company.duckdb"
    result = run(path, "study", "create", "Q1", "--as-of", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert path.exists()
    assert run(path, "studies").exit_code == 0


def test_the_environment_variable_is_checked_the_same_way(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    result = CliRunner(env=CLEAN_ENV | {"DEFECTORS_DB": str(missing)}).invoke(main, ["studies"])
    assert result.exit_code == 1 and "There is no database at" in result.stderr
    assert not missing.exists()


def test_a_dry_run_needs_no_database(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\nA,2024-01-01,1\n", encoding="utf-8")
    missing = tmp_path / "nowhere.duckdb"
    result = run(missing, "import", "transactions", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert EN("cli.dry_run_ok", rows="1") in result.output
    assert not missing.exists()


# ---------------------------------------------------------------- as-of dates


def test_an_as_of_of_year_one_is_refused_and_the_study_keeps_working(db):
    for args in (
        ("study", "create", "bad", "--as-of", "0001-01-01"),
        ("study", "set", "--as-of", "0001-01-01"),
        ("identify", "--as-of", "0001-01-01"),
    ):
        result = run(db, *args)
        assert result.exit_code == 1
        assert EN(
            "error.as_of_range", value="0001-01-01", earliest="1900-01-01", latest="2199-12-31"
        ) in (result.stderr)
    store = connect(db)
    try:
        assert [s.name for s in studies.list_studies(store)] == ["s"]
        assert studies.get_study(store, "s").as_of.isoformat() == "2025-01-01"
    finally:
        store.close()
    assert run(db, "identify").exit_code == 0


# ---------------------------------------------------------------- the encoding


LATIN = "customer_id,name\nC1,Café Müller\nC2,Zoë Straße\n"


def test_import_says_which_encoding_it_read(db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("客户编号,客户名称\nC001,上海华创医院\n", encoding="gbk")
    out = run(db, "import", "customers", str(path)).output
    assert "Text encoding: gb18030 (detected, " in out


def test_an_encoding_that_is_a_guess_is_said_before_writing(db, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(LATIN.encode("latin-1"))
    result = run(db, "import", "customers", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "The text encoding is a guess: read as cp1252" in out
    assert "cp1252: C" in out  # the line as each reading shows it
    assert "--encoding NAME" in out
    # the note comes before the summary of what would be written
    assert out.index("is a guess") < out.index(EN("cli.dry_run_ok", rows="2"))


def test_encoding_option_reads_the_file_as_told(db, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(LATIN.encode("latin-1"))
    result = run(db, "import", "customers", str(path), "--encoding", "latin-1")
    assert result.exit_code == 0, result.output
    assert EN("import.encoding_chosen", encoding="iso8859-1") in result.output
    assert "is a guess" not in result.output
    store = connect(db)
    try:
        with store.cursor() as cur:
            names = cur.execute("SELECT name FROM customers ORDER BY customer_id").fetchall()
    finally:
        store.close()
    assert names == [("Café Müller",), ("Zoë Straße",)]


def test_an_unknown_encoding_name_is_a_message(db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("customer_id\nA\n", encoding="utf-8")
    result = run(db, "import", "customers", str(path), "--encoding", "klingon")
    assert result.exit_code == 1 and "'klingon' is not a known text encoding" in result.stderr


# ---------------------------------------------------------------- unknown customers


def test_transactions_for_customers_not_in_the_customer_data_are_reported(db, tmp_path):
    customers = tmp_path / "c.csv"
    customers.write_text("customer_id,name\n00123,Acme\nA1,Beta\n", encoding="utf-8")
    assert run(db, "import", "customers", str(customers)).exit_code == 0
    tx = tmp_path / "t.csv"
    tx.write_text(
        "customer_id,date,amount\nA1,2024-01-01,5\n123,2024-01-02,10\n123,2024-02-02,10\n",
        encoding="utf-8",
    )
    result = run(db, "import", "transactions", str(tx))
    assert result.exit_code == 0, result.output  # a warning, not a rejection
    assert "2 row(s) are for 1 customer ID(s) not in the customer data, e.g. 123" in result.output
    assert "(e.g. 123 and 00123)" in result.output
    assert "3 new" in result.output
