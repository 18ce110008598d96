"""The Import page: upload, column mapping, validation, atomic load into the ledger every
study shares (the test database holds the demo company; these files add customers A1-A3)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from research.base import studies
from research.selection import detection
from tests.markdown_view import shown
from tests.pages.sessions import SIGNED_IN_NAME, signed_in


@pytest.fixture
def empty_study_app(db_path, app_file):
    from screen import ui

    studies.create_study(ui.store(), "Q4 import", date(2025, 1, 1), actor="tester")
    at = signed_in(app_file=app_file)
    at.session_state["app_study_name"] = "Q4 import"
    at.run()  # through the frame first, as a browser does
    at.switch_page("pages/import_data.py").run()
    assert not at.exception
    return at


def count(table: str) -> int:
    """Rows of the ledger's ``table`` for the customers these tests import (A1-A3)."""
    from screen import ui

    with ui.store().cursor() as cur:
        return cur.execute(
            f"SELECT count(*) FROM {table} WHERE customer_id IN ('A1', 'A2', 'A3')"
        ).fetchall()[0][0]


CUSTOMERS_GBK = (
    "客户编号,客户名称,联系人,电话,客户经理,地区\n"
    "A1,上海甲公司,王伟,13800138000,张伟,East China\n"
    "A2,北京乙公司,李娜,010-12345678,李娜,North China\n"
    "A3,Gamma Ltd,Tom Lee,+1 415 555 0101,Grace Lin,Overseas\n"
).encode("gbk")

TRANSACTIONS = (
    "\ufeffCustomer ID,Order Date,Amount\n"
    'A1,2024-03-05,"¥12,000.00"\n'
    "A1,2024/8/1,8000\n"
    "A2,2024年4月1日,5000\n"
    "A2,2024-10-01,1000\n"
    "A3,2024-05-01,3000\n"
    "A3,2024-11-01,2900\n"
).encode("utf-8")


def test_customers_from_a_gbk_file_with_chinese_headers(empty_study_app):
    at = empty_study_app
    at.file_uploader(key="import_file_customers").upload(
        "客户.csv", CUSTOMERS_GBK, "text/csv"
    ).run()
    assert not at.exception
    assert any("gb18030" in c.value for c in at.caption)  # the encoding it was read with
    # the suggested mapping is shown, one select box per field
    mapped = {
        s.label: s.value for s in at.selectbox if s.key and s.key.startswith("import_map_customers")
    }
    assert mapped["Customer ID *"] == "客户编号"
    assert mapped["Phone"] == "电话"
    at.button(key="import_run_customers").click().run()
    assert not at.exception
    assert any("3 new" in s.value for s in at.success)
    assert count("customers") == 3


def test_a_file_with_bad_rows_is_rejected_whole_with_row_numbers(empty_study_app):
    at = empty_study_app
    bad = TRANSACTIONS + b"A1,2024-13-40,100\nA2,2024-05-01,lots\n"
    at.file_uploader(key="import_file_transactions").upload("tx.csv", bad, "text/csv").run()
    at.button(key="import_run_transactions").click().run()
    assert not at.exception
    assert any("2 problem(s); nothing was imported" in e.value for e in at.error)
    problems = at.dataframe[-2].value  # the problem table, above the import history
    assert list(problems["Row"]) == [8, 9]
    assert list(problems["Reason"]) == ["not a date (use e.g. 2024-03-05)", "not a number"]
    assert count("transactions") == 0


def test_unrecognised_headers_are_mapped_by_hand(empty_study_app):
    at = empty_study_app
    data = b"Kunde,Datum,Betrag\nA1,2024-03-05,100\nA2,2024-10-01,50\n"
    at.file_uploader(key="import_file_transactions").upload("de.csv", data, "text/csv").run()
    assert any("No column found for customer_id, date, amount" in shown(e.value) for e in at.error)
    for fld, column in (("customer_id", "Kunde"), ("date", "Datum"), ("amount", "Betrag")):
        box = next(
            s for s in at.selectbox if s.key and s.key.startswith(f"import_map_transactions_{fld}_")
        )
        box.set_value(column)
    at.run()
    at.button(key="import_run_transactions").click().run()
    assert not at.exception
    assert any("2 new" in s.value for s in at.success)
    assert count("transactions") == 2


def test_import_finds_defectors_and_reimport_adds_nothing(empty_study_app):
    from screen import ui

    at = empty_study_app
    at.file_uploader(key="import_file_transactions").upload(
        "tx.csv", TRANSACTIONS, "text/csv"
    ).run()
    at.button(key="import_run_transactions").click().run()
    assert any("6 new" in s.value for s in at.success)
    at.button(key="import_run_transactions").click().run()
    assert any("0 new, 6 already in the ledger" in s.value for s in at.success)
    assert count("transactions") == 6
    # detection ran by itself: as of 2025-01-01 with a 6-month window,
    # A1 12,000 → 8,000 is active, A2 5,000 → 1,000 partial, A3 3,000 → 2,900 active
    study = studies.get_study(ui.store(), "Q4 import")
    statuses = detection.results(ui.store(), study).set_index("customer_id")["status"].to_dict()
    assert {c: statuses[c] for c in ("A1", "A2", "A3")} == {
        "A1": "active",
        "A2": "partial",
        "A3": "active",
    }
    # and the history lists both imports with who ran them, beside the demo's
    history = at.dataframe[-1].value
    mine = history[history["File"] == "tx.csv"]
    assert len(mine) == 2 and set(mine["By"]) == {SIGNED_IN_NAME}


def test_identical_lines_are_kept_and_the_summary_says_so(empty_study_app):
    at = empty_study_app
    data = TRANSACTIONS + b"A3,2024-11-01,2900\nA3,2024-11-01,2900\n"
    at.file_uploader(key="import_file_transactions").upload("tx.csv", data, "text/csv").run()
    at.button(key="import_run_transactions").click().run()
    assert not at.exception
    assert any(
        "8 new" in s.value and "2 identical lines kept as separate purchases" in s.value
        for s in at.success
    )
    assert count("transactions") == 8
    history = at.dataframe[-1].value
    assert history.loc[history["File"] == "tx.csv", "Identical lines kept"].tolist() == [2]


def test_the_ledger_is_imported_without_any_study(db_path, app_file):
    from screen import ui

    store = ui.store()
    studies.delete_study(store, studies.get_study(store, "demo"), actor="tester")
    at = signed_in(app_file=app_file)
    at.run()
    at.switch_page("pages/import_data.py").run()
    assert not at.exception
    assert any("ledger holds 400 customers" in c.value for c in at.caption)
    at.file_uploader(key="import_file_transactions").upload(
        "tx.csv", TRANSACTIONS, "text/csv"
    ).run()
    at.button(key="import_run_transactions").click().run()
    assert not at.exception
    assert any("6 new" in s.value for s in at.success)
    assert count("transactions") == 6
    assert studies.list_studies(store) == []  # nothing asked for a study


def test_imports_that_once_skipped_identical_lines_are_pointed_out(db_path, app_file):
    from screen import ui

    with ui.store().cursor() as cur:  # as a database imported before every line counted
        cur.execute(
            "INSERT INTO imports (kind, file_name, file_sha256, rows_in_file, rows_new,"
            " rows_updated, duplicates, created_by, created_at)"
            " VALUES ('transactions', 'orders-2024.csv', 'x', 10, 7, 0, 3, 'old', now())"
        )
    at = signed_in(app_file=app_file)
    at.run()
    at.switch_page("pages/import_data.py").run()
    assert any(
        "skipped 3 identical line(s)" in w.value
        and "orders-2024.csv" in w.value
        and "import those files again" in w.value
        for w in at.warning
    )


def test_the_preview_marks_the_failing_rows_and_cells_before_the_import(empty_study_app):
    at = empty_study_app
    bad = TRANSACTIONS + b"A1,2024-13-40,100\nA2,2024-05-01,lots\n"
    at.file_uploader(key="import_file_transactions").upload("tx.csv", bad, "text/csv").run()
    assert not at.exception
    # before anything is pressed: the rows and reasons are listed ...
    said = " ".join(e.value for e in at.error)
    assert "2 problems in 2 rows" in said and "Rows: 8, 9." in said
    reasons = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    assert list(reasons["Row"]) == ["8", "9"]
    assert list(reasons["Column"]) == ["Order Date", "Amount"]
    # ... and the failing cells are marked in the file as read, the others are not
    preview = at.dataframe[0]
    frame = preview.value
    assert list(frame["Row"]) == [str(r) for r in range(2, 10)]
    styles = preview.proto.arrow_data.styler.styles
    marked = [rule.split("{")[0] for rule in styles.split("}") if "#fdd8d8" in rule]
    cells = set(re.findall(r"row(\d+)_col(\d+)", " ".join(marked)))
    # file rows 8 and 9 are the 7th and 8th shown; the date and the amount columns
    columns = list(frame.columns)
    assert cells == {("6", str(columns.index("Order Date"))), ("7", str(columns.index("Amount")))}
    assert count("transactions") == 0  # a preview writes nothing


def test_a_clean_file_says_every_row_passes(empty_study_app):
    at = empty_study_app
    at.file_uploader(key="import_file_transactions").upload(
        "tx.csv", TRANSACTIONS, "text/csv"
    ).run()
    assert not at.exception
    assert not at.error
    assert any("Every one of the 6 rows passes the checks" in c.value for c in at.caption)
    assert "#fdd8d8" not in at.dataframe[0].proto.arrow_data.styler.styles


def test_the_mapped_preview_shows_money_with_two_decimals_and_blanks_empty(empty_study_app):
    at = empty_study_app
    at.file_uploader(key="import_file_transactions").upload(
        "tx.csv", TRANSACTIONS, "text/csv"
    ).run()
    mapped = next(d.value for d in at.dataframe if "Quantity" in d.value.columns)
    assert list(mapped["Amount"])[:2] == ["12,000.00", "8,000.00"]
    assert set(mapped["Quantity"]) == {""}
