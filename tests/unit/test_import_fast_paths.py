"""The fast import of large files (issue 8, speed): Arrow's CSV reader, Arrow-backed
columns through ``prepare``, chunked transcoding, and a load in reported steps. The
rules are the same as for a small file: row numbers, refusals, every line kept."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from research.base.errors import ImportRejectedError
from research.ledger import read
from research.ledger.load import CHUNK_ROWS, import_file, prepare
from research.ledger.read import read_table

ACTOR = "tester"
ARROW_TEXT = pd.StringDtype("pyarrow", na_value=float("nan"))


def _arrow_backed(series: pd.Series) -> bool:
    return hasattr(series.array, "__arrow_array__")


def test_a_regular_csv_is_read_into_arrow_backed_text_columns():
    raw = read_table(
        '\ufeff客户编号,单据日期,价税合计\nC001,2024/3/5,"1,234.50"\n00123, 2024/3/6,7\n'.encode(),
        "t.csv",
    )
    assert list(raw.frame.columns) == ["客户编号", "单据日期", "价税合计"]
    assert all(raw.frame[c].dtype == ARROW_TEXT for c in raw.frame.columns)
    # leading zeros kept, the space after a delimiter skipped as before
    assert raw.frame.values.tolist() == [
        ["C001", "2024/3/5", "1,234.50"],
        ["00123", "2024/3/6", "7"],
    ]


def test_prepare_keeps_the_columns_arrow_backed():
    raw = read_table(
        b"customer_id,date,amount,product_line\nA ,2024-03-05,1,Reagents\nB,2024-03-06,2,\n",
        "t.csv",
    )
    prepared = prepare("transactions", raw)
    frame = prepared.frame
    assert prepared.problems == []
    assert _arrow_backed(frame["customer_id"]) and _arrow_backed(frame["product_line"])
    assert frame["customer_id"].tolist() == ["A", "B"]  # stripped
    assert frame["product_line"].isna().tolist() == [False, True]  # blank is missing
    assert frame["date"].dtype == pd.ArrowDtype(pa.date32())
    assert [str(d) for d in frame["date"]] == ["2024-03-05", "2024-03-06"]
    # fields the file does not have take no memory, and are missing on every row
    assert frame["margin"].isna().all() and frame["margin"].memory_usage(index=False) == 0


def _big_file(lines: int, bad: dict[int, str]) -> bytes:
    """``lines`` data rows; the rows in ``bad`` (numbered as the user sees them: the
    header is row 1) replaced by the given record."""
    out = ["customer_id,date,amount,product_line"]
    for row in range(2, lines + 2):
        out.append(bad.get(row, f"C{row % 997},2024-{1 + row % 12:02d}-05,{row % 500}.25,Kits"))
    return ("\n".join(out) + "\n").encode()


def test_problems_in_a_large_file_name_their_rows():
    lines = 2 * CHUNK_ROWS + 7
    bad = {
        3: 'C1,2024-01-05,1,"two\nlines"',  # a record over two physical lines
        70_001: "C2,someday,1,Kits",
        150_000: "C3,2024-01-05,1\x00,Kits",
        lines + 1: "C4,2024-01-05,10000000000000000,Kits",
    }
    raw = read_table(_big_file(lines, bad), "big.csv")
    assert len(raw.frame) == lines and _arrow_backed(raw.frame["customer_id"])
    problems = prepare("transactions", raw).problems
    assert [(p.row, p.column, p.reason.key) for p in problems] == [
        (3, "product_line", "problem.line_break"),
        (70_001, "date", "problem.not_date"),
        (150_000, "amount", "problem.control_character"),
        (150_000, "amount", "problem.not_number"),
        (lines + 1, "amount", "problem.too_large"),
    ]
    assert problems[1].value == "someday"


def test_a_long_row_in_a_large_file_is_refused_naming_it():
    lines = CHUNK_ROWS + 3
    data = _big_file(lines, {2: "C1,2024-01-05,1,Kits,extra", 90_000: "C2,2024-01-05,1,Kits,x"})
    with pytest.raises(ImportRejectedError) as caught:
        read_table(data, "long.csv")
    assert caught.value.key == "import.too_many_fields"
    assert caught.value.values["rows"] == "2, 90000"


def test_files_the_arrow_reader_refuses_are_read_as_before():
    # a short row is padded with blanks
    raw = read_table(b"customer_id,date,amount,product_line\nA,2024-01-05,1\n", "short.csv")
    assert raw.frame.values.tolist() == [["A", "2024-01-05", "1", ""]]
    # a quoted value after a space: the quotes still hold the comma
    raw = read_table('id, name\nC1, "Müller, Café"\n'.encode(), "space.csv")
    assert raw.frame.values.tolist() == [["C1", "Müller, Café"]]
    assert all(raw.frame[c].dtype == ARROW_TEXT for c in raw.frame.columns)


def test_gbk_is_transcoded_in_chunks_to_the_same_text(monkeypatch):
    text = "客户编号,客户名称\n" + "".join(f"C{i},上海华创医院{i}\n" for i in range(50))
    whole = read_table(text.encode("gbk"), "gbk.csv")
    monkeypatch.setattr(read, "_CHUNK_BYTES", 7)  # chunks end inside two-byte characters
    chunked = read_table(text.encode("gbk"), "gbk.csv")
    assert chunked.encoding == whole.encoding == "gb18030"
    assert chunked.frame.values.tolist() == whole.frame.values.tolist()
    assert chunked.frame["客户名称"].iloc[49] == "上海华创医院49"


def test_an_encoding_error_names_its_place_in_the_whole_file(monkeypatch):
    data = ("客户编号,客户名称\n" + "C1,王\n" * 20).encode("utf-8") + b"C2,\xff\n"
    monkeypatch.setattr(read, "_CHUNK_BYTES", 5)
    with pytest.raises(ImportRejectedError) as caught:
        read_table(data, "bad.csv", encoding="utf-8")
    assert caught.value.key == "import.not_in_encoding"
    assert caught.value.values["position"] == data.index(b"\xff")


def test_a_large_file_is_written_in_reported_steps_within_the_memory_limit(store):
    lines = 2 * CHUNK_ROWS + 5
    data = _big_file(lines, {})
    with store.cursor() as cur:
        limit = cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    seen = []
    result = import_file(
        store,
        "transactions",
        data,
        actor=ACTOR,
        file_name="big.csv",
        progress=lambda fraction, message: seen.append((fraction, message.key)),
    )
    assert result.rows_new == lines
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert "import.progress_numbered" in [k for _, k in seen]
    assert [k for _, k in seen].count("import.progress_rows") == 3  # 100k, 200k, the rest
    with store.cursor() as cur:
        assert cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] == limit
        stored = cur.execute("SELECT count(*), count(DISTINCT line_key) FROM transactions")
        assert stored.fetchall()[0] == (lines, lines)
    again = import_file(store, "transactions", data, actor=ACTOR, file_name="big.csv")
    assert again.rows_new == 0
