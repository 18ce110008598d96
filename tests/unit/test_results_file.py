"""``defectors identify``'s counts and file, read straight from DuckDB
(research/selection/results_file.py), and a start-up that stays light."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from research.selection import detection, results_file

ROWS = [
    ("C1", "full", "best_core", 500, 0),
    ("C2", "partial", "other_core", 300, 100),
    ("C3", "active", "general", 200, 190),
    ("C4", "new", None, 0, 50),
    ("C5", "full", "expendable", 40, 0),
]


def _results(store, study, add_results, add_customers):
    add_results(study, ROWS)
    add_customers([("C1", "=Acme"), ("C2", "北京康达"), ("C3", "Gamma")])
    detection.mark_former_customer(store, study, "C5", "closed down", actor="tester")


def test_counts_apply_the_former_mark_and_the_table_has_totals(
    store, study, add_results, add_customers, make_study
):
    _results(store, study, add_results, add_customers)
    other = make_study("other")  # a mark in another study is that study's
    add_results(other, ROWS)
    detection.mark_former_customer(store, other, "C1", "moved", actor="tester")
    found = results_file.counts(store, study)
    assert found == {
        ("full", "best_core"): 1,
        ("partial", "other_core"): 1,
        ("active", "general"): 1,
        ("new", "none"): 1,
        ("former", "expendable"): 1,
    }
    columns, rows = results_file.count_table(found)
    assert columns == ["best_core", "other_core", "general", "expendable", "none", "total"]
    assert rows == [
        ("full", [1, 0, 0, 0, 0, 1]),
        ("partial", [0, 1, 0, 0, 0, 1]),
        ("active", [0, 0, 1, 0, 0, 1]),
        ("new", [0, 0, 0, 0, 1, 1]),
        ("former", [0, 0, 0, 1, 0, 1]),
        ("total", [1, 1, 1, 1, 1, 5]),
    ]
    # the same as pandas' crosstab with margins, which the pages use
    crosstab = detection.counts_by_status_segment(detection.results(store, study))
    assert crosstab.loc["total", "total"] == 5
    assert [r[1] for r in rows] == crosstab.to_numpy().tolist()
    assert results_file.counts(store, other)[("former", "best_core")] == 1


def test_the_file_has_the_columns_and_order_of_the_results(
    store, study, add_results, add_customers, tmp_path
):
    _results(store, study, add_results, add_customers)
    out = tmp_path / "customers.csv"
    assert results_file.write(store, study, out) == 5
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(results_file.COLUMNS)
    expected = detection.results(store, study)
    assert list(frame["customer_id"]) == list(expected["customer_id"])  # spend lost first
    assert frame.set_index("customer_id").loc["C1", "name"] == "'=Acme"  # neutralised
    assert frame.set_index("customer_id").loc["C5", "status"] == "former"
    assert frame.set_index("customer_id").loc["C2", "spend_lost"] == "200.00"
    book = tmp_path / "customers.xlsx"
    assert results_file.write(store, study, book) == 5
    sheet = load_workbook(book).active
    assert [c.value for c in sheet[1]] == list(results_file.COLUMNS)
    assert sheet["B2"].value == "=Acme" and sheet["B2"].data_type == "s"


def test_identify_loads_neither_pandas_nor_the_sampling_code(demo_db, tmp_path, run_python):
    """Start-up and the file are most of a CLI run on a big ledger: identify stays light."""
    out = tmp_path / "out.csv"
    code = (
        "import sys\n"
        "from research.cli import main\n"
        f"main(['--db', {str(demo_db)!r}, 'identify', '--out', {str(out)!r}],"
        " standalone_mode=False)\n"
        "heavy = sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'statsmodels',"
        " 'research.selection.sampling', 'research.demo') if m in sys.modules)\n"
        "print('LOADED', heavy)\n"
    )
    assert "LOADED []" in run_python(code)
    assert out.exists() and len(out.read_text(encoding="utf-8-sig").splitlines()) == 301
