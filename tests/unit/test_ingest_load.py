"""Validating and loading: every problem reported with its row, nothing written from a bad
file, identical transaction lines kept, exact duplicate customer and wallet rows skipped,
re-imports idempotent, blanks never erase stored values."""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest

from research.base.errors import MAX_PROBLEMS_SHOWN, ImportRejectedError
from research.base.i18n import Translator
from research.ledger.load import import_file, import_history, prepare
from research.ledger.read import read_table

ACTOR = "tester"


def _import(store, kind, text: str, name: str = "f.csv", **kwargs):
    return import_file(store, kind, text.encode("utf-8"), actor=ACTOR, file_name=name, **kwargs)


def _rows(store, sql: str, params=()) -> list[tuple]:
    with store.cursor() as cur:
        return cur.execute(sql, list(params)).fetchall()


# ---------------------------------------------------------------- a clean file


def test_transactions_are_loaded_with_normalised_values(store):
    text = (
        "客户编号,日期,金额,数量,产品线,毛利\n"
        'C1,2024/3/5,"¥1,234.50",2,试剂,(10.00)\n'
        "C2,2024年3月6日,99,,,\n"
    )
    result = _import(store, "transactions", text)
    assert (result.kind, result.rows_in_file, result.rows_new, result.rows_updated) == (
        "transactions",
        2,
        2,
        0,
    )
    assert result.duplicate_rows == () and result.encoding == "utf-8"
    rows = _rows(
        store,
        "SELECT customer_id, date, amount, quantity, product_line, margin,"
        " created_by FROM transactions ORDER BY customer_id",
    )
    assert [
        (r[0], r[1], float(r[2]), r[3], r[4], None if r[5] is None else float(r[5]), r[6])
        for r in rows
    ] == [
        ("C1", date(2024, 3, 5), 1234.5, 2.0, "试剂", -10.0, ACTOR),
        ("C2", date(2024, 3, 6), 99.0, None, None, None, ACTOR),
    ]


def test_an_import_is_recorded_with_who_and_what(store, study):
    _import(store, "transactions", "customer_id,date,amount\nA,2024-03-05,1\n", "t.csv")
    history = import_history(store, study)
    assert history[
        [
            "kind",
            "file_name",
            "rows_in_file",
            "rows_new",
            "rows_updated",
            "duplicates",
            "identical_kept",
            "created_by",
        ]
    ].values.tolist() == [["transactions", "t.csv", 1, 1, 0, 0, 0, ACTOR]]
    audit = _rows(
        store, "SELECT action, detail, study_id FROM audit_log WHERE action LIKE 'import.%'"
    )
    assert audit[0][0] == "import.transactions"
    assert json.loads(audit[0][1]) == {"file": "t.csv", "new": 1, "updated": 0, "identical_kept": 0}
    assert audit[0][2] is None  # the ledger belongs to no study


def test_progress_is_reported_from_start_to_end(store):
    seen = []
    _import(
        store,
        "transactions",
        "customer_id,date,amount\nA,2024-03-05,1\n",
        progress=lambda f, m: seen.append(f),
    )
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


# ---------------------------------------------------------------- bad rows

BAD_TRANSACTIONS = (
    "customer_id,date,amount\n"
    "A,2024-03-05,10\n"  # row 2: fine
    "B,someday,10\n"  # row 3: not a date
    ",2024-03-05,10\n"  # row 4: no customer id
    "C,2024-03-05,ten\n"  # row 5: not a number
    "D,2024-03-05,\n"
)  # row 6: amount missing


def test_every_bad_row_is_reported_with_row_column_value_and_reason(store):
    prepared = prepare("transactions", read_table(BAD_TRANSACTIONS.encode(), "b.csv"))
    assert [(p.row, p.column, p.value, p.reason.key) for p in prepared.problems] == [
        (3, "date", "someday", "problem.not_date"),
        (4, "customer_id", "", "problem.missing"),
        (5, "amount", "ten", "problem.not_number"),
        (6, "amount", "", "problem.missing"),
    ]
    line = prepared.problems[0].render(Translator("en"))
    assert "3" in line and "date" in line and "someday" in line
    assert prepared.problems[0].reason.render(Translator("en")) in line


def test_a_file_with_any_bad_row_writes_nothing(store, counts):
    _import(store, "transactions", "customer_id,date,amount\nZ,2024-01-01,5\n", "ok.csv")
    before = counts()
    with pytest.raises(ImportRejectedError) as info:
        _import(store, "transactions", BAD_TRANSACTIONS, "b.csv")
    assert counts() == before  # not even row 2, no imports row, no audit entry
    error = info.value
    assert error.key == "import.rejected"
    assert error.values == {"file": "b.csv", "count": 4}
    assert [p.row for p in error.problems] == [3, 4, 5, 6]
    text = str(error)
    for row in ("row 3", "row 4", "row 5", "row 6"):
        assert row in text
    assert "row 2," not in text


def test_rejection_message_lists_the_first_50_problems_and_counts_the_rest(store, counts):
    lines = ["customer_id,date,amount"] + [f"C{i},not a date,1" for i in range(60)]
    before = counts()
    with pytest.raises(ImportRejectedError) as info:
        _import(store, "transactions", "\n".join(lines) + "\n")
    assert counts() == before
    assert len(info.value.problems) == 60
    for t in (Translator("en"), Translator("zh")):
        rendered = info.value.render(t).splitlines()
        assert len(rendered) == 1 + MAX_PROBLEMS_SHOWN + 1
        assert rendered[0] == t("import.rejected", file="f.csv", count=60)
        assert rendered[1].strip() == info.value.problems[0].render(t)
        assert rendered[50].strip() == info.value.problems[49].render(t)  # row 51
        assert rendered[-1].strip() == t("import.more_problems", count=10)
    assert "row 51," in str(info.value) and "row 52," not in str(info.value)


def test_a_short_rejection_has_no_more_line(store):
    with pytest.raises(ImportRejectedError) as info:
        _import(store, "transactions", "customer_id,date,amount\nA,x,1\n")
    assert len(str(info.value).splitlines()) == 2


# ---------------------------------------------------------------- duplicates and conflicts


def test_identical_transaction_lines_are_all_kept_and_counted(store):
    text = (
        "customer_id,date,amount\n"
        "A,2024-03-05,10\n"  # 2
        "B,2024-03-05,10\n"  # 3
        "A,2024-03-05,10\n"  # 4: the same purchase again, a second packet
        "A,2024/3/5,10.00\n"  # 5: the same values written differently, a third
    )
    prepared = prepare("transactions", read_table(text.encode(), "f.csv"))
    assert prepared.identical_rows == [4, 5] and prepared.duplicate_rows == []
    assert prepared.warnings == [] and len(prepared.frame) == 4
    result = _import(store, "transactions", text)
    assert (result.rows_new, result.identical_kept, result.duplicate_rows) == (4, 2, ())
    assert result.warnings == ()
    assert _rows(
        store, "SELECT customer_id, count(*), sum(amount) FROM transactions GROUP BY 1 ORDER BY 1"
    ) == [
        ("A", 3, 30),
        ("B", 1, 10),
    ]
    assert _rows(store, "SELECT duplicates, identical_kept FROM imports") == [(0, 2)]
    for t in (Translator("en"), Translator("zh")):
        summary = result.summary(t)
        assert "f.csv" in summary and "2" in summary and "4" in summary
    assert "2 identical lines kept as separate purchases" in result.summary(Translator("en"))


def test_same_customer_with_different_details_is_a_problem(store, counts):
    text = "customer_id,name\nA,Alpha\nB,Beta\nA,Alfa\nA,Alpha\n"
    before = counts()
    with pytest.raises(ImportRejectedError) as info:
        _import(store, "customers", text)
    assert counts() == before
    assert [
        (p.row, p.column, p.value, p.reason.key, p.reason.values) for p in info.value.problems
    ] == [(4, "customer_id", "A", "problem.id_conflict", {"other_row": 2})]


def test_the_same_customer_repeated_exactly_is_just_a_duplicate(store):
    result = _import(store, "customers", "customer_id,name\nA,Alpha\nA,Alpha\n")
    assert result.duplicate_rows == (3,)
    assert result.rows_new == 1


def test_same_wallet_period_written_two_ways_with_different_values_is_a_problem(store):
    with pytest.raises(ImportRejectedError) as info:
        _import(store, "wallet", "customer_id,period,wallet\nA,2025-Q3,10\nA,Q3 2025,11\n")
    assert [(p.row, p.reason.key) for p in info.value.problems] == [(3, "problem.id_conflict")]


# ---------------------------------------------------------------- idempotent re-imports


def test_reimporting_the_same_transactions_adds_nothing(store):
    text = "customer_id,date,amount,margin\nA,2024-03-05,10,1\nB,2024-03-06,20,\n"
    assert _import(store, "transactions", text).rows_new == 2
    again = _import(store, "transactions", text)
    assert (again.rows_new, again.rows_updated) == (0, 0)
    assert _rows(store, "SELECT count(*) FROM transactions") == [(2,)]


def test_reimport_with_one_more_row_adds_only_that_row(store):
    _import(store, "transactions", "customer_id,date,amount\nA,2024-03-05,10\n")
    result = _import(
        store, "transactions", "customer_id,date,amount\nA,2024-03-05,10\nA,2024-03-06,10\n"
    )
    assert result.rows_new == 1
    assert _rows(store, "SELECT count(*) FROM transactions") == [(2,)]


def test_the_same_data_from_excel_after_csv_adds_nothing(store):
    _import(
        store,
        "transactions",
        'customer_id,date,amount\nA,2024/3/5,"1,234.50"\nB,05.03.2024,7\n',
    )
    buf = io.BytesIO()
    pd.DataFrame(
        {"客户编号": ["A", "B"], "日期": [pd.Timestamp(2024, 3, 5)] * 2, "金额": [1234.5, 7]}
    ).to_excel(buf, index=False)
    result = import_file(store, "transactions", buf.getvalue(), actor=ACTOR, file_name="t.xlsx")
    assert result.rows_new == 0
    assert _rows(store, "SELECT count(*) FROM transactions") == [(2,)]


def test_an_import_needs_no_study_and_serves_every_study(store, make_study):
    text = "customer_id,date,amount\nA,2024-03-05,10\n"
    assert _import(store, "transactions", text).rows_new == 1  # no study exists yet
    first, second = make_study("first"), make_study("second")
    assert _import(store, "transactions", text).rows_new == 0
    assert _rows(store, "SELECT count(*) FROM transactions") == [(1,)]
    assert len(import_history(store, first)) == len(import_history(store, second)) == 2


def test_customer_reimport_counts_new_and_updated(store):
    first = _import(store, "customers", "customer_id,name,phone\nC1,A,1\nC2,B,2\n")
    assert (first.rows_new, first.rows_updated) == (2, 0)
    same = _import(store, "customers", "customer_id,name,phone\nC1,A,1\nC2,B,2\n")
    assert (same.rows_new, same.rows_updated) == (0, 0)
    changed = _import(store, "customers", "customer_id,name,phone\nC1,A2,1\nC3,C,3\n")
    assert (changed.rows_new, changed.rows_updated) == (1, 1)
    assert _rows(store, "SELECT customer_id, name FROM customers ORDER BY 1") == [
        ("C1", "A2"),
        ("C2", "B"),
        ("C3", "C"),
    ]


def test_blank_cells_in_a_customer_reimport_do_not_erase_stored_values(store):
    _import(
        store,
        "customers",
        "客户编号,客户名称,电话,邮箱,签约年份,信用等级\nC1,上海华创,138,a@x.cn,2019,AA\n",
    )
    result = _import(
        store, "customers", "客户编号,客户名称,电话,邮箱,签约年份,信用等级\nC1,,139,,,BB\n"
    )
    assert result.rows_updated == 1
    name, phone, email, attributes = _rows(
        store, "SELECT name, phone, email, attributes FROM customers"
    )[0]
    assert (name, phone, email) == ("上海华创", "139", "a@x.cn")
    # extra columns are kept per key: the blank 签约年份 keeps 2019, 信用等级 changes
    assert json.loads(attributes) == {"签约年份": "2019", "信用等级": "BB"}


def test_an_all_blank_customer_reimport_changes_nothing(store):
    _import(store, "customers", "customer_id,name,signed\nC1,A,2019\n")
    result = _import(store, "customers", "customer_id,name,signed\nC1,,\n")
    assert (result.rows_new, result.rows_updated) == (0, 0)
    assert _rows(store, "SELECT name, attributes FROM customers") == [("A", '{"signed": "2019"}')]


def test_a_reimport_with_other_extra_columns_adds_to_the_attributes(store):
    _import(store, "customers", "customer_id,signed\nC1,2019\n")
    _import(store, "customers", "customer_id,tier\nC1,gold\n")
    assert json.loads(_rows(store, "SELECT attributes FROM customers")[0][0]) == {
        "signed": "2019",
        "tier": "gold",
    }
    again = _import(store, "customers", "customer_id,tier\nC1,gold\n")
    assert again.rows_updated == 0


# ---------------------------------------------------------------- wallet estimates


def test_wallet_periods_are_stored_as_half_open_spans(store):
    text = (
        "客户编号,期间,品类总支出\n"
        "A,2025,1000\nA,2025-Q3,300\nB,Q3 2025,10\nC,2025年第3季度,20\nD,2025H1,30\n"
        "E,2025年上半年,40\nF,2025-06,50\nG,2025年6月,60\n"
    )
    result = _import(store, "wallet", text)
    assert result.rows_new == 8
    rows = _rows(
        store,
        "SELECT customer_id, period, period_start, period_end, estimated_spend"
        " FROM wallet_estimates ORDER BY customer_id, period_start, period_end",
    )
    assert [(c, p, s, e, float(v)) for c, p, s, e, v in rows] == [
        ("A", "2025", date(2025, 1, 1), date(2026, 1, 1), 1000.0),
        ("A", "2025-Q3", date(2025, 7, 1), date(2025, 10, 1), 300.0),
        ("B", "Q3 2025", date(2025, 7, 1), date(2025, 10, 1), 10.0),
        ("C", "2025年第3季度", date(2025, 7, 1), date(2025, 10, 1), 20.0),
        ("D", "2025H1", date(2025, 1, 1), date(2025, 7, 1), 30.0),
        ("E", "2025年上半年", date(2025, 1, 1), date(2025, 7, 1), 40.0),
        ("F", "2025-06", date(2025, 6, 1), date(2025, 7, 1), 50.0),
        ("G", "2025年6月", date(2025, 6, 1), date(2025, 7, 1), 60.0),
    ]


def test_wallet_reimport_updates_changed_estimates_only(store):
    _import(store, "wallet", "customer_id,period,wallet\nA,2025-Q1,100\nA,2025-Q2,200\n")
    same = _import(store, "wallet", "customer_id,period,wallet\nA,2025-Q1,100\n")
    assert (same.rows_new, same.rows_updated) == (0, 0)
    # the same quarter written another way is the same estimate: an update, not a new row
    changed = _import(store, "wallet", "customer_id,period,wallet\nA,Q1 2025,150\n")
    assert (changed.rows_new, changed.rows_updated) == (0, 1)
    assert _rows(
        store,
        "SELECT period, estimated_spend FROM wallet_estimates"
        " WHERE period_start = DATE '2025-01-01'",
    ) == [("Q1 2025", 150)]
    assert _rows(store, "SELECT count(*) FROM wallet_estimates") == [(2,)]


def test_unknown_wallet_period_is_a_row_problem(store, counts):
    before = counts()
    with pytest.raises(ImportRejectedError) as info:
        _import(store, "wallet", "customer_id,period,wallet\nA,2025-Q1,1\nB,soon,2\n")
    assert [(p.row, p.column, p.value, p.reason.key) for p in info.value.problems] == [
        (3, "period", "soon", "problem.not_period")
    ]
    assert counts() == before
