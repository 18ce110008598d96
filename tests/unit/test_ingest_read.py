"""Reading export files: encodings, delimiters, Excel, and mapping headers to fields."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest

from research.base.errors import ImportRejectedError
from research.ledger.load import prepare
from research.ledger.mapping import parse_map_options, suggest_mapping
from research.ledger.read import RawTable, read_table

CUSTOMERS_ZH = (
    "客户编号,客户名称,联系人,电话,负责人,地区\n"
    "C001,上海华创医院,王伟,13800000000,张伟,华东\n"
    "C002,北京康达生物科技有限公司,李娜,010-12345678,李娜,华北\n"
)


def _rows(raw: RawTable) -> list[list[str]]:
    return raw.frame.astype(str).values.tolist()


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "encoding, reported",
    [
        ("gbk", "gb18030"),  # GBK is read as its superset
        ("gb18030", "gb18030"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-8", "utf-8"),
    ],
)
def test_chinese_csv_in_every_common_encoding(encoding, reported, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(CUSTOMERS_ZH.encode(encoding))
    raw = read_table(path)
    assert raw.encoding == reported
    assert raw.file_name == "customers.csv"
    assert not raw.is_excel
    assert list(raw.frame.columns) == ["客户编号", "客户名称", "联系人", "电话", "负责人", "地区"]
    assert _rows(raw)[0] == ["C001", "上海华创医院", "王伟", "13800000000", "张伟", "华东"]
    assert _rows(raw)[1][1] == "北京康达生物科技有限公司"


@pytest.mark.parametrize(
    "text",
    [
        "客户编号,名称\nC1,王\n",
        "id,name\n1,张三\n",
        "客户编号;客户名称\nC1;上海\n",
        "customer_id,name\nC1,北京\nC2,上海\n",
    ],
)
def test_tiny_gbk_files_are_not_mistaken_for_another_east_asian_encoding(text):
    """A GBK file of one or two rows is where detection guesses wrong (cp949, big5,
    UTF-16): the text must still come back as written."""
    raw = read_table(text.encode("gbk"), "tiny.csv")
    expected = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=str)
    assert list(raw.frame.columns) == list(expected.columns)
    assert _rows(raw) == expected.values.tolist()


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("客戶編號,客戶名稱\nC1,台北華創醫院\nC2,香港康達生物科技有限公司\n", "big5"),
        ("client,nom\nC1,Société Générale\nC2,Café Crème\n", "cp1252"),
        ("Kunde,Name,Straße\nK1,Müller GmbH,Hauptstraße 5\n", "cp1252"),
    ],
)
def test_other_legacy_encodings_are_still_read_right(text, encoding):
    """Preferring GB18030 must not garble a real Big5 or Western file."""
    raw = read_table(text.encode(encoding), "legacy.csv")
    expected = pd.read_csv(io.StringIO(text), dtype=str)
    assert list(raw.frame.columns) == list(expected.columns)
    assert _rows(raw) == expected.values.tolist()


def test_bom_does_not_stick_to_the_first_header():
    raw = read_table("\ufeffcustomer_id,name\nC1,A\n".encode("utf-8"), "b.csv")
    assert list(raw.frame.columns) == ["customer_id", "name"]
    assert suggest_mapping("customers", list(raw.frame.columns))["customer_id"] == "customer_id"


def test_utf16_with_bom_from_excel_unicode_text():
    text = "客户编号\t名称\nC1\t上海\nC2\t北京\n"
    raw = read_table(text.encode("utf-16"), "u.txt")
    assert list(raw.frame.columns) == ["客户编号", "名称"]
    assert _rows(raw) == [["C1", "上海"], ["C2", "北京"]]


# ---------------------------------------------------------------- delimiters and quoting


def test_semicolon_delimiter_with_decimal_commas():
    raw = read_table(
        b"customer_id;date;amount\nA;05.03.2024;1.234,56\nB;06.03.2024;12,5\n", "s.csv"
    )
    assert list(raw.frame.columns) == ["customer_id", "date", "amount"]
    assert _rows(raw) == [["A", "05.03.2024", "1.234,56"], ["B", "06.03.2024", "12,5"]]


def test_tab_delimiter():
    raw = read_table(b"customer_id\tamount\nA\t1\nB\t2\n", "t.tsv")
    assert _rows(raw) == [["A", "1"], ["B", "2"]]


def test_quoted_thousands_separators_stay_in_one_cell():
    raw = read_table(b'customer_id,amount\nA,"1,234.50"\nB,"2,000"\n', "q.csv")
    assert _rows(raw) == [["A", "1,234.50"], ["B", "2,000"]]


def test_every_cell_is_text_and_blanks_are_empty_strings():
    raw = read_table(b"customer_id,phone,amount\n007,,NA\n", "x.csv")
    assert _rows(raw) == [["007", "", "NA"]]  # leading zeros kept, 'NA' not a missing value


def test_headers_are_trimmed():
    raw = read_table(b" customer_id , name \nA,B\n", "x.csv")
    assert list(raw.frame.columns) == ["customer_id", "name"]


def test_sha256_identifies_the_file():
    a = read_table(b"customer_id\nA\n", "a.csv")
    b = read_table(b"customer_id\nA\n", "b.csv")
    c = read_table(b"customer_id\nB\n", "a.csv")
    assert a.sha256 == b.sha256 != c.sha256
    assert len(a.sha256) == 64


# ---------------------------------------------------------------- Excel


def _xlsx(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    return buf.getvalue()


def test_xlsx_is_read_as_text_with_chinese_headers(tmp_path):
    data = _xlsx(
        pd.DataFrame(
            {
                "客户编号": ["C1", "C2"],
                "金额": [1234.5, 10],
                "日期": [datetime(2024, 3, 5), datetime(2024, 3, 6, 13, 45)],
            }
        )
    )
    path = tmp_path / "tx.xlsx"
    path.write_bytes(data)
    raw = read_table(path)
    assert raw.is_excel and raw.encoding is None
    assert list(raw.frame.columns) == ["客户编号", "金额", "日期"]
    assert all(isinstance(v, str) for v in raw.frame.to_numpy().ravel())
    prepared = prepare("transactions", raw)
    assert prepared.problems == []
    assert prepared.frame["amount"].tolist() == [1234.5, 10.0]
    assert [str(d) for d in prepared.frame["date"]] == ["2024-03-05", "2024-03-06"]


def test_xlsx_detected_from_content_even_when_named_csv():
    raw = read_table(_xlsx(pd.DataFrame({"customer_id": ["A"]})), "export.csv")
    assert raw.is_excel


def test_numeric_customer_ids_in_excel_lose_the_float_suffix():
    raw = read_table(
        _xlsx(pd.DataFrame({"customer_id": [1001, 1002], "name": ["A", "B"]})), "c.xlsx"
    )
    prepared = prepare("customers", raw)
    assert prepared.frame["customer_id"].tolist() == ["1001", "1002"]


def test_excel_serial_dates_in_xlsx():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["customer_id", "date", "amount"])
    ws.append(["A", 45356, 10])  # a bare serial number: 45356 days after 1899-12-30
    ws.append(["B", "45357", 10])  # the same as text
    ws.append(["C", datetime(2024, 3, 5, 13, 45), 10])  # a real Excel date with a time
    buf = io.BytesIO()
    wb.save(buf)
    prepared = prepare("transactions", read_table(buf.getvalue(), "s.xlsx"))
    assert prepared.problems == []
    assert [str(d) for d in prepared.frame["date"]] == ["2024-03-05", "2024-03-06", "2024-03-05"]


def test_serial_numbers_in_a_csv_are_not_dates():
    prepared = prepare(
        "transactions", read_table(b"customer_id,date,amount\nA,45356,10\n", "s.csv")
    )
    assert [(p.row, p.column, p.reason.key) for p in prepared.problems] == [
        (2, "date", "problem.not_date")
    ]


# ---------------------------------------------------------------- files that cannot be read


@pytest.mark.parametrize(
    "data, key",
    [
        (b"", "import.empty"),
        (b"  \n\n", "import.empty"),
        (b"customer_id,name\n", "import.no_rows"),
        (b"PK\x03\x04not really a zip", "import.bad_excel"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(data, key):
    with pytest.raises(ImportRejectedError) as info:
        read_table(data, "f.csv")
    assert info.value.key == key


# ---------------------------------------------------------------- mapping headers to fields


def test_chinese_headers_are_mapped():
    columns = ["客户编号", "交易日期", "金额", "数量", "产品线", "毛利"]
    assert suggest_mapping("transactions", columns) == {
        "customer_id": "客户编号",
        "date": "交易日期",
        "amount": "金额",
        "quantity": "数量",
        "product_line": "产品线",
        "margin": "毛利",
    }
    assert suggest_mapping(
        "customers",
        [
            "客户编号",
            "客户名称",
            "联系人",
            "手机",
            "邮箱",
            "客户经理",
            "省份",
            "行业",
            "规模",
            "年龄段",
            "收入",
            "学历",
        ],
    ) == {
        "customer_id": "客户编号",
        "name": "客户名称",
        "contact_person": "联系人",
        "phone": "手机",
        "email": "邮箱",
        "owner": "客户经理",
        "region": "省份",
        "industry": "行业",
        "size": "规模",
        "age_band": "年龄段",
        "income_band": "收入",
        "education": "学历",
    }
    assert suggest_mapping("wallet", ["客户编号", "期间", "品类总支出"]) == {
        "customer_id": "客户编号",
        "period": "期间",
        "estimated_spend": "品类总支出",
    }


def test_english_headers_are_mapped_whatever_the_case_and_punctuation():
    columns = ["Customer ID", "Order_Date", "Net Amount", "QTY", "Product Line", "Gross-Margin"]
    assert suggest_mapping("transactions", columns) == {
        "customer_id": "Customer ID",
        "date": "Order_Date",
        "amount": "Net Amount",
        "quantity": "QTY",
        "product_line": "Product Line",
        "margin": "Gross-Margin",
    }
    assert suggest_mapping("wallet", ["Account Number", "Quarter", "Wallet Estimate"]) == {
        "customer_id": "Account Number",
        "period": "Quarter",
        "estimated_spend": "Wallet Estimate",
    }


def test_the_best_candidate_wins_and_each_column_feeds_one_field():
    # 'customer id' (the field's own name) beats the alias 'id'; of two name columns the
    # earlier alias wins; the losers stay unmapped (kept as attributes for customers)
    mapping = suggest_mapping("customers", ["id", "姓名", "customer id", "名称"])
    assert mapping == {"customer_id": "customer id", "name": "名称"}
    assert len(set(mapping.values())) == len(mapping)


def test_unrecognised_columns_are_left_unmapped():
    assert suggest_mapping("transactions", ["foo", "bar"]) == {}


def test_explicit_mapping_wins_and_frees_the_guessed_column():
    raw = read_table("客户编号,旧编号,日期,金额\nC1,X1,2024-03-05,10\n".encode(), "m.csv")
    prepared = prepare("transactions", raw, {"customer_id": "旧编号"})
    assert prepared.mapping["customer_id"] == "旧编号"
    assert prepared.frame["customer_id"].tolist() == ["X1"]


def test_explicit_mapping_for_headers_not_recognised():
    raw = read_table("Kundennummer,Firma,Ort\nK1,Müller GmbH,Köln\n".encode(), "d.csv")
    mapping = parse_map_options(["Kundennummer=customer_id", "Firma=name"])
    prepared = prepare("customers", raw, mapping)
    assert prepared.mapping == {"customer_id": "Kundennummer", "name": "Firma"}
    assert prepared.frame.loc[0, "name"] == "Müller GmbH"
    assert prepared.frame.loc[0, "attributes"] == '{"Ort": "Köln"}'  # unmapped columns kept


def test_parse_map_options():
    assert parse_map_options(["Src=customer_id", " Date Col = date "]) == {
        "customer_id": "Src",
        "date": "Date Col",
    }
    # the last '=' splits, so a source column may itself contain '='
    assert parse_map_options(["a=b=name"]) == {"name": "a=b"}
    assert parse_map_options([]) == {}


@pytest.mark.parametrize("option", ["no_equals", "=customer_id", "Src="])
def test_parse_map_options_refuses_malformed_options(option):
    with pytest.raises(ImportRejectedError) as info:
        parse_map_options([option])
    assert info.value.key == "import.bad_map"
    assert info.value.values["option"] == option


def test_mapping_to_an_unknown_field_or_missing_column_is_refused():
    raw = read_table(b"customer_id,date,amount\nA,2024-03-05,1\n", "x.csv")
    with pytest.raises(ImportRejectedError) as info:
        prepare("transactions", raw, {"colour": "amount"})
    assert info.value.key == "import.unknown_field"
    with pytest.raises(ImportRejectedError) as info:
        prepare("transactions", raw, {"amount": "Betrag"})
    assert info.value.key == "import.no_column"
    assert "customer_id, date, amount" in str(info.value)


def test_missing_required_fields_are_named():
    raw = read_table(b"customer_id,foo\nA,1\n", "x.csv")
    with pytest.raises(ImportRejectedError) as info:
        prepare("transactions", raw)
    assert info.value.key == "import.missing_fields"
    assert info.value.values["fields"] == "date, amount"


def test_unknown_kind_is_refused():
    raw = read_table(b"customer_id\nA\n", "x.csv")
    with pytest.raises(ImportRejectedError) as info:
        prepare("orders", raw)
    assert info.value.key == "import.unknown_kind"
