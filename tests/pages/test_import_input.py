"""The Import page and bad input (issue 8): the encoding shown and chosen before anything
is written, rows longer than the header, customers missing from the customer data."""

from __future__ import annotations

from datetime import date

import pytest

from research.base import studies
from tests.markdown_view import shown
from tests.pages.sessions import signed_in

STUDY = "Q4 input"
LATIN = "customer_id,name\nC1,Café Müller\nC2,Zoë Straße\n".encode("latin-1")


@pytest.fixture
def at(db_path, app_file):
    from screen import ui

    studies.create_study(ui.store(), STUDY, date(2025, 1, 1), actor="tester")
    at = signed_in(app_file=app_file)
    at.session_state["app_study_name"] = STUDY
    at.run()
    at.switch_page("pages/import_data.py").run()
    assert not at.exception
    return at


def _rows(sql: str) -> list[tuple]:
    """Rows of the app's one ledger (which holds the demo company's data too)."""
    from screen import ui

    with ui.store().cursor() as cur:
        return cur.execute(sql).fetchall()


def _picker(at):
    return next(s for s in at.selectbox if s.key and s.key.startswith("import_file_customers_enc"))


def test_an_encoding_that_is_a_guess_is_shown_with_a_choice_before_import(at):
    at.file_uploader(key="import_file_customers").upload("latin.csv", LATIN, "text/csv").run()
    assert not at.exception
    warning = " ".join(shown(w.value) for w in at.warning)
    assert "The text encoding is a guess: read as cp1252" in warning
    assert "cp1252: C" in warning  # the line as each encoding reads it
    picker = _picker(at)
    assert picker.value is None and "latin-1" in picker.options
    # a choice reads the file again: said as chosen, no longer a guess
    picker.set_value("latin-1").run()
    assert not at.exception
    assert not at.warning
    assert any("Text encoding: iso8859-1 (as chosen)" in shown(c.value) for c in at.caption)
    preview = at.dataframe[0].value
    assert list(preview["name"]) == ["Café Müller", "Zoë Straße"]
    at.button(key="import_run_customers").click().run()
    assert not at.exception
    assert _rows("SELECT name FROM customers WHERE customer_id IN ('C1', 'C2') ORDER BY 1") == [
        ("Café Müller",),
        ("Zoë Straße",),
    ]


def test_an_encoding_that_does_not_fit_is_said_and_can_be_changed_back(at):
    at.file_uploader(key="import_file_customers").upload(
        "g.csv", "客户编号,客户名称\nC1,上海\n".encode("gbk"), "text/csv"
    ).run()
    assert any("(detected, " in shown(c.value) for c in at.caption)
    assert not at.warning  # GBK is not a guess
    at.file_uploader(key="import_file_customers").upload("latin.csv", LATIN, "text/csv").run()
    _picker(at).set_value("utf-8").run()
    assert any("cannot be read as utf-8" in shown(e.value) for e in at.error)
    _picker(at).set_value(None).run()
    assert not at.error and at.warning


def test_a_row_longer_than_the_header_is_refused_naming_it(at):
    data = b"customer_id,name,region\nA1,Foo, Inc,East\nA2,Bar,West\n"
    at.file_uploader(key="import_file_customers").upload("c.csv", data, "text/csv").run()
    assert not at.exception
    errors = " ".join(shown(e.value) for e in at.error)
    assert "row 2 has 4 fields, but the header has 3" in errors
    assert not [b for b in at.button if b.key == "import_run_customers"]  # nothing to import
    assert _rows("SELECT count(*) FROM customers WHERE customer_id IN ('A1', 'A2')") == [(0,)]


def test_transactions_for_unknown_customers_are_a_warning_in_the_summary(at):
    customers = b"customer_id,name\n00123,Acme\nA1,Beta\n"
    at.file_uploader(key="import_file_customers").upload("c.csv", customers, "text/csv").run()
    at.button(key="import_run_customers").click().run()
    tx = b"customer_id,date,amount\nA1,2024-03-05,100\n123,2024-03-06,50\n"
    at.file_uploader(key="import_file_transactions").upload("t.csv", tx, "text/csv").run()
    at.button(key="import_run_transactions").click().run()
    assert not at.exception
    assert any("2 new" in shown(s.value) for s in at.success)
    warnings = " ".join(shown(w.value) for w in at.warning)
    assert "1 row(s) are for 1 customer ID(s) not in the customer data, e.g. 123" in warnings
    assert "(e.g. 123 and 00123)" in warnings
    assert _rows("SELECT count(*) FROM transactions WHERE customer_id IN ('A1', '123')") == [(2,)]


def test_control_characters_line_breaks_and_huge_amounts_are_listed_by_row(at):
    customers = (
        b'customer_id,name,email\nA1,Acme,a@x.cn\nA2,"Be\x00ta",b@x.cn\nA3,Gamma,"c@x.cn\nd"\n'
    )
    at.file_uploader(key="import_file_customers").upload("c.csv", customers, "text/csv").run()
    at.button(key="import_run_customers").click().run()
    assert not at.exception
    assert any("2 problem(s); nothing was imported" in shown(e.value) for e in at.error)
    problems = at.dataframe[-2].value
    assert list(zip(problems["Row"], problems["Column"], strict=True)) == [
        (3, "name"),
        (4, "email"),
    ]
    assert "control character" in problems["Reason"].iloc[0]
    assert "line break" in problems["Reason"].iloc[1]
    tx = b"customer_id,date,amount\nA1,2024-03-05,12345678901234567\n"
    at.file_uploader(key="import_file_transactions").upload("t.csv", tx, "text/csv").run()
    at.button(key="import_run_transactions").click().run()
    assert not at.exception
    problems = at.dataframe[-2].value
    assert list(problems["Row"]) == [2] and "too large" in problems["Reason"].iloc[0]
    assert _rows("SELECT count(*) FROM customers WHERE customer_id LIKE 'A_'") == [(0,)]
