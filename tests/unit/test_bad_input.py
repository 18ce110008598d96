"""Bad input found by testing: each becomes a clear, row-numbered problem or a note, and
nothing of a rejected file is written (issue 8).

Rows longer than the header (even the first), repeated header names, an encoding that is
a guess, control characters, line breaks in one-line fields, amounts too large to
store, customer IDs missing from the customer data, as-of dates out of range.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.base import studies
from research.base.errors import ImportRejectedError, InvalidSettingError
from research.base.i18n import Translator
from research.ledger.checks import unknown_customers
from research.ledger.load import import_file, prepare
from research.ledger.read import read_table
from research.ledger.values import MAX_AMOUNT

ACTOR = "tester"
EN = Translator("en")


def _rejected(data: bytes, name: str = "f.csv", **kwargs) -> ImportRejectedError:
    with pytest.raises(ImportRejectedError) as info:
        read_table(data, name, **kwargs)
    return info.value


def _problems(kind: str, text: str) -> list[tuple[int, str, str]]:
    prepared = prepare(kind, read_table(text.encode("utf-8"), "f.csv"))
    return [(p.row, p.column, p.reason.key) for p in prepared.problems]


# ---------------------------------------------------------------- rows longer than the header


def test_a_first_data_row_one_field_longer_is_rejected_not_shifted():
    """pandas would make the first column the index: names would become customer IDs."""
    data = b"customer_id,name,amount\nA1,Foo, Inc,100\nA2,Bar,200\n"
    error = _rejected(data)
    assert error.key == "import.too_many_fields"
    assert error.values["first"] == 2 and error.values["rows"] == "2"
    assert (error.values["fields"], error.values["found"]) == (3, 4)
    assert "row 2 has 4 fields, but the header has 3" in error.render(EN)


def test_every_row_longer_than_the_header_is_named():
    data = b"customer_id,name,amount\nA1,Foo,100\nA2,Bar, Ltd,200\n\nA3,Baz,3\nA4,Q,R,S,4\n"
    error = _rejected(data)
    assert error.key == "import.too_many_fields"
    # blank lines are skipped, as when the file is read: A4 is row 5
    assert error.values["rows"] == "3, 5"
    assert error.values["count"] == 2


def test_a_trailing_delimiter_on_every_row_is_rejected_too():
    error = _rejected(b"customer_id,amount\nA,1,\nB,2,\n")
    assert error.values["rows"] == "2, 3"


def test_short_rows_are_still_read_with_blanks():
    raw = read_table(b"customer_id,name,region\nA,Foo\nB,Bar,East\n", "f.csv")
    assert raw.frame.values.tolist() == [["A", "Foo", ""], ["B", "Bar", "East"]]


def test_a_rejected_file_writes_nothing(store, study, counts):
    before = counts()
    with pytest.raises(ImportRejectedError):
        import_file(
            store,
            "transactions",
            b"customer_id,date,amount\nA,2024-01-01,1,000\n",
            actor=ACTOR,
            file_name="t.csv",
        )
    assert counts() == before


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(2, 5),
    cells=st.lists(
        st.lists(st.text("abcxyz 019.-", min_size=1, max_size=6), min_size=5, max_size=5),
        min_size=1,
        max_size=8,
    ),
    long_row=st.one_of(st.none(), st.integers(0, 7)),
)
def test_rows_line_up_with_the_header_or_the_file_is_refused(width, cells, long_row):
    """Whatever the values: a file whose rows fit the header reads back cell for cell,
    and one with an unquoted extra field in any row is refused naming that row."""
    header = [f"col{i}" for i in range(width)]
    rows = [[c.strip() or "x" for c in row[:width]] for row in cells]
    if long_row is not None:
        long_row %= len(rows)
        rows[long_row] = [*rows[long_row], "extra"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8")
    if long_row is None:
        raw = read_table(data, "f.csv")
        assert list(raw.frame.columns) == header
        assert raw.frame.values.tolist() == rows
    else:
        error = _rejected(data)
        assert error.key == "import.too_many_fields"
        assert error.values["first"] == long_row + 2


# ---------------------------------------------------------------- header names


def test_a_header_naming_a_column_twice_is_rejected_naming_it():
    error = _rejected(b"customer_id,name,region,name\nA,Foo,East,Bar\n")
    assert error.key == "import.duplicate_headers"
    assert error.values["names"] == "name (2, 4)"
    assert "name (2, 4)" in error.render(EN)


def test_duplicate_headers_differing_only_in_spaces_are_duplicates():
    error = _rejected(b"id, amount,amount \nA,1,2\n")
    assert error.values["names"] == "amount (2, 3)"


def test_duplicate_headers_in_excel_are_rejected():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["客户编号", "金额", "金额"])
    wb.active.append(["C1", 1, 2])
    buf = io.BytesIO()
    wb.save(buf)
    error = _rejected(buf.getvalue(), "x.xlsx")
    assert error.values["names"] == "金额 (2, 3)"


def test_blank_header_names_are_not_duplicates():
    raw = read_table(b"customer_id,,\nA,x,y\n", "f.csv")
    assert list(raw.frame.columns) == ["customer_id", "Unnamed: 1", "Unnamed: 2"]


# ---------------------------------------------------------------- encodings


LATIN = "customer_id,name\nC1,Café Müller\nC2,Zoë Straße\n"


def test_a_short_latin1_file_reads_right_and_says_it_is_a_guess():
    raw = read_table(LATIN.encode("latin-1"), "l.csv")
    assert raw.frame["name"].tolist() == ["Café Müller", "Zoë Straße"]
    assert raw.encoding == "cp1252"
    assert raw.encoding_unsure
    others = {r.encoding: r.sample for r in raw.encoding_alternatives}
    assert others and all(sample != raw.encoding_sample for sample in others.values())
    assert raw.encoding_sample in LATIN.splitlines()  # the first line the readings differ in
    # several readings fit as well: the confidence says so
    assert raw.encoding_confidence <= 0.5


def test_the_encoding_can_be_chosen():
    raw = read_table(LATIN.encode("latin-1"), "l.csv", encoding="latin-1")
    assert raw.frame["name"].tolist() == ["Café Müller", "Zoë Straße"]
    assert (raw.encoding, raw.encoding_confidence, raw.encoding_unsure) == ("iso8859-1", 1.0, False)
    chosen = read_table(LATIN.encode("latin-1"), "l.csv", encoding="cp775")
    assert chosen.frame["name"].tolist()[0] != "Café Müller"  # what the user asked for


def test_gbk_chosen_by_hand_is_read_as_gb18030():
    raw = read_table("客户编号,名称\nC1,王\n".encode("gbk"), "g.csv", encoding="GBK")
    assert raw.encoding == "gb18030" and raw.frame["名称"].tolist() == ["王"]


def test_an_unknown_or_unfitting_encoding_is_refused():
    assert _rejected(b"a\nb\n", encoding="klingon").key == "import.unknown_encoding_name"
    error = _rejected("a\n王\n".encode("gbk"), encoding="utf-8")
    assert error.key == "import.not_in_encoding" and error.values["position"] == 2


@pytest.mark.parametrize(
    "encoding, reported",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_utf8_and_gbk_files_are_read_as_before_and_are_not_a_guess(encoding, reported):
    text = "客户编号,客户名称\nC001,上海华创医院\nC002,北京康达生物科技有限公司\n"
    raw = read_table(text.encode(encoding), "c.csv")
    assert raw.encoding == reported
    assert not raw.encoding_unsure
    assert raw.encoding_confidence >= 0.9
    assert raw.frame["客户名称"].tolist() == ["上海华创医院", "北京康达生物科技有限公司"]


def test_excel_has_no_encoding_to_guess():
    buf = io.BytesIO()
    pd.DataFrame({"customer_id": ["A"]}).to_excel(buf, index=False)
    raw = read_table(buf.getvalue(), "x.xlsx")
    assert (raw.encoding, raw.encoding_confidence, raw.encoding_unsure) == (None, None, False)


# ---------------------------------------------------------------- cells


def test_nul_and_control_characters_are_problems_in_any_column():
    text = 'customer_id,name,notes\nA,Foo,fine\nB,"Ba\x00r",fine\nC,Baz,bell\x07\nD\x1b,Qux,fine\n'
    assert _problems("customers", text) == [
        (3, "name", "problem.control_character"),
        (4, "notes", "problem.control_character"),  # an extra attribute column too
        (5, "customer_id", "problem.control_character"),
    ]


def test_a_line_break_in_an_email_or_id_is_a_problem_for_its_row():
    text = 'customer_id,email,phone\nA,a@example.com,1\nB,"b@example.com\nx",2\n"C\tD",c@x.cn,3\n'
    assert _problems("customers", text) == [
        (3, "email", "problem.line_break"),
        (4, "customer_id", "problem.line_break"),
    ]


def test_line_breaks_in_extra_columns_are_kept():
    text = 'customer_id,address\nA,"1 Main St\nSpringfield"\n'
    prepared = prepare("customers", read_table(text.encode(), "f.csv"))
    assert prepared.problems == []
    assert "Springfield" in prepared.frame["attributes"][0]


@pytest.mark.parametrize(
    "amount",
    ["12345678901234567", "-12345678901234567", "10000000000000000", "1e400", "9" * 400],
)
def test_an_amount_too_large_to_store_is_a_problem_not_a_crash(store, study, amount, counts):
    text = f"customer_id,date,amount\nA,2024-01-01,1\nB,2024-01-02,{amount}\n"
    problems = _problems("transactions", text)
    assert problems in (
        [(3, "amount", "problem.too_large")],
        [(3, "amount", "problem.not_number")],  # 1e400 is no amount at all
    )
    before = counts()
    with pytest.raises(ImportRejectedError) as info:
        import_file(store, "transactions", text.encode(), actor=ACTOR, file_name="t.csv")
    assert "row 3" in info.value.render(EN)
    assert counts() == before


def test_the_largest_storable_amount_is_imported(store, study):
    largest = "9999999999999998"  # sixteen digits (amounts are read as floats: exact here)
    assert float(largest) < MAX_AMOUNT
    text = f"customer_id,date,amount\nA,2024-01-01,{largest}\nA,2024-01-02,-{largest}\n"
    result = import_file(store, "transactions", text.encode(), actor=ACTOR, file_name="t")
    assert result.rows_new == 2
    with store.cursor() as cur:
        stored = cur.execute("SELECT max(amount), min(amount) FROM transactions").fetchall()[0]
    assert [str(v) for v in stored] == [largest + ".00", "-" + largest + ".00"]


# ---------------------------------------------------------------- unknown customers


def _customers(store, study, *ids):
    text = "customer_id,name\n" + "".join(f"{i},Name {i}\n" for i in ids)
    import_file(store, "customers", text.encode(), actor=ACTOR, file_name="c.csv")


def test_transactions_for_unknown_customers_are_counted_with_examples(store, study):
    _customers(store, study, "00123", "A1")
    ids = ["A1", "123", "123", "B7", "B8", "B9", "C1", "C2", "C3"]
    notes = unknown_customers(store, "transactions", pd.Series(ids))
    assert [n.key for n in notes] == [
        "warning.unknown_customers",
        "warning.unknown_customers_zeros",
    ]
    assert notes[0].values == {"rows": "8", "ids": "7", "examples": "123, B7, B8, B9, C1, …"}
    assert notes[1].values == {"count": "1", "incoming": "123", "known": "00123"}
    assert "8 row(s) are for 7 customer ID(s)" in notes[0].render(EN)


def test_no_note_when_every_customer_is_known_or_for_a_customer_file(store, study):
    _customers(store, study, "A1", "A2")
    assert unknown_customers(store, "transactions", pd.Series(["A1", "A2", "A1"])) == []
    assert unknown_customers(store, "customers", pd.Series(["Z"])) == []
    assert unknown_customers(store, "wallet", pd.Series(["Z"]))[0].values["ids"] == "1"


def test_before_any_customer_data_the_note_says_so(store, study):
    notes = unknown_customers(store, "transactions", pd.Series(["A", "B", "A"]))
    assert [(n.key, n.values) for n in notes] == [("warning.no_customers_yet", {"ids": "2"})]


# ---------------------------------------------------------------- the study's as-of date


@pytest.mark.parametrize("as_of", [date(1, 1, 1), date(1899, 12, 31), date(2200, 1, 1)])
def test_an_as_of_date_out_of_range_is_refused_and_nothing_saved(store, as_of):
    with pytest.raises(InvalidSettingError) as info:
        studies.create_study(store, "far", as_of, actor=ACTOR)
    assert info.value.key == "error.as_of_range"
    assert studies.list_studies(store) == []


def test_changing_the_as_of_date_out_of_range_is_refused(store, study):
    with pytest.raises(InvalidSettingError) as info:
        studies.update_study(store, study, actor=ACTOR, as_of=date(1, 1, 1))
    assert "0001-01-01" in info.value.render(EN)
    assert studies.get_study(store, study.name).as_of == study.as_of
    changed = studies.update_study(store, study, actor=ACTOR, as_of=datetime(2025, 4, 1, 9, 30))
    assert changed.as_of == date(2025, 4, 1)


def test_an_as_of_that_is_not_a_date_is_refused(store):
    with pytest.raises(InvalidSettingError) as info:
        studies.create_study(store, "x", "first of May", actor=ACTOR)
    assert info.value.key == "error.as_of_not_a_date"
    assert studies.create_study(store, "y", "2025-05-01", actor=ACTOR).as_of == date(2025, 5, 1)
