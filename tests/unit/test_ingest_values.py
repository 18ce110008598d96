"""Parsing cell values: money, dates and wallet periods as real exports write them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.ledger.values import parse_dates, parse_money, parse_period


def money(*values: str) -> list:
    numbers, bad = parse_money(pd.Series(list(values), dtype=object))
    return [None if b else float(n) for n, b in zip(numbers, bad, strict=True)]


def dates(*values: str, excel: bool = False) -> tuple[list, list[str]]:
    parsed, bad, warnings = parse_dates(pd.Series(list(values), dtype=object), excel=excel)
    out = [None if b else parsed[i].date() for i, b in enumerate(bad)]
    return out, [w.key for w in warnings]


# ---------------------------------------------------------------- money


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1234.5", 1234.5),
        ("1,234.50", 1234.5),
        ("¥1,234.50", 1234.5),
        ("￥1,234.50", 1234.5),  # full-width yen sign
        ("$1,234.50", 1234.5),
        ("US$ 1,234.50", 1234.5),
        ("RMB 100", 100.0),
        ("100元", 100.0),
        ("1,234,567.89", 1234567.89),
        ("1 234", 1234.0),  # space as thousands separator
        ("1\u00a0234", 1234.0),  # no-break space
        ("1'234.50", 1234.5),  # Swiss
        ("(12.00)", -12.0),  # accounting negative
        ("(¥1,234.56)", -1234.56),
        ("12-", -12.0),  # trailing minus (SAP)
        ("1,234.50-", -1234.5),
        ("-5", -5.0),
        ("¥-5", -5.0),
        ("1.234,56", 1234.56),  # European
        ("-1.234,56", -1234.56),
        ("1.234.567,8", 1234567.8),
        ("12,5", 12.5),  # European decimal comma
        ("1,234", 1234.0),  # one thousands group, no decimals: thousands
        ("0", 0.0),
        (" 42 ", 42.0),
    ],
)
def test_parse_money_examples(text, expected):
    assert money(text) == [pytest.approx(expected)]


@pytest.mark.parametrize("text", ["", "abc", "1.2.3,4,5", "12abc", "¥", "--", "1,23,4.5.6"])
def test_parse_money_refuses_what_is_not_an_amount(text):
    assert money(text) == [None]


def test_parse_money_keeps_the_index_and_order():
    values = pd.Series(["1", "x", "3"], index=[10, 11, 12], dtype=object)
    numbers, bad = parse_money(values)
    assert list(numbers.index) == [10, 11, 12]
    assert bad.tolist() == [False, True, False]
    assert numbers[10] == 1 and numbers[12] == 3


def _grouped(value: Decimal, thousands: str, decimal: str) -> str:
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return thousands.join(groups) + decimal + frac


MONEY_STYLES = {
    "plain": lambda v: f"{v:.2f}",
    "grouped": lambda v: ("-" if v < 0 else "") + _grouped(v, ",", "."),
    "yen": lambda v: ("-" if v < 0 else "") + "¥" + _grouped(v, ",", "."),
    "fullwidth_yen": lambda v: "￥" + ("-" if v < 0 else "") + _grouped(v, ",", "."),
    "dollar": lambda v: ("-" if v < 0 else "") + "$" + _grouped(v, ",", "."),
    "accounting": lambda v: ("(" + _grouped(v, ",", ".") + ")") if v < 0 else _grouped(v, ",", "."),
    "trailing_minus": lambda v: _grouped(v, ",", ".") + ("-" if v < 0 else ""),
    "european": lambda v: ("-" if v < 0 else "") + _grouped(v, ".", ","),
    "spaces": lambda v: ("-" if v < 0 else "") + _grouped(v, " ", "."),
    "rmb_suffix": lambda v: ("-" if v < 0 else "") + _grouped(v, ",", ".") + "元",
}

amounts = st.decimals(
    min_value=Decimal("-999999999.99"),
    max_value=Decimal("999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(amounts, min_size=1, max_size=25))
def test_parse_money_reads_back_every_style(values):
    for style, fmt in MONEY_STYLES.items():
        texts = [fmt(v) for v in values]
        for text, got, value in zip(texts, money(*texts), values, strict=True):
            assert got is not None, f"{style}: {text!r} not read"
            assert Decimal(str(got)).quantize(Decimal("0.01")) == value, (
                f"{style}: {text!r} -> {got}"
            )


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-05",
        "2024/3/5",
        "2024.3.5",
        "2024-3-5",
        "20240305",
        "2024年3月5日",
        "2024年03月05日",
        "2024 年 3 月 5 日",
        "2024-03-05 13:45",
        "2024-03-05 13:45:10",
        "2024-03-05T13:45:10",
        "2024-03-05 13:45:10.123",
        "2024/3/5 9:05:00",
        "2024年3月5日 10:00",
        "2024-03-05T13:45:10Z",
        "2024-03-05 13:45:10+08:00",
        "2024-03-05 1:02 PM",
        "2024/3/5 下午 1:02",
        "5 Mar 2024",
        "Mar 5, 2024",
        "March 5, 2024 10:00 AM",
        "05-Mar-2024",
    ],
)
def test_parse_dates_examples(text):
    assert dates(text)[0] == [date(2024, 3, 5)]


def test_time_zones_in_one_column_do_not_crash_the_import():
    # a column mixing offsets used to raise inside pandas instead of parsing or reporting
    got, _ = dates(
        "2024-03-05 13:45:10+08:00",
        "2024-03-06T01:00:00-05:00",
        "Mar 7 2024",
        "Mar 8 2024 10:00 +09:00",
    )
    assert got == [date(2024, 3, 5), date(2024, 3, 6), date(2024, 3, 7), date(2024, 3, 8)]


@pytest.mark.parametrize(
    "text",
    ["2024-02-30", "2024-13-01", "hello", "24-03-05", "2024", "32/01/2024", "1/2", "2024年13月1日"],
)
def test_parse_dates_refuses_what_is_not_a_date(text):
    assert dates(text)[0] == [None]


@pytest.mark.parametrize(
    "text", ["0001-01-01", "9999-12-31", "00010101", "01/01/0001", "1000-01-01", "2262-04-12"]
)
def test_placeholder_dates_are_row_problems_not_crashes(text):
    # ERP exports write 0001-01-01 or 9999-12-31 for 'no date'; these used to raise
    # OutOfBoundsDatetime out of the import instead of being reported for their row
    assert dates(text, "2024-03-05")[0] == [None, date(2024, 3, 5)]


def test_blank_is_not_a_date():
    parsed, bad, _ = parse_dates(pd.Series(["", "2024-03-05"], dtype=object))
    assert bad.tolist() == [True, False]


def test_day_and_month_order_is_decided_per_column():
    # 25 can only be the day in 03/25: the whole column is month-first, so 05/03 is 3 May
    got, warnings = dates("05/03/2024", "03/25/2024")
    assert got == [date(2024, 5, 3), date(2024, 3, 25)]
    assert warnings == []
    # 25/03: the whole column is day-first, so 05/03 is 5 March
    got, warnings = dates("05/03/2024", "25/03/2024")
    assert got == [date(2024, 3, 5), date(2024, 3, 25)]
    assert warnings == []


def test_ambiguous_day_month_column_reads_day_first_and_warns():
    got, warnings = dates("05/03/2024", "04/01/2024")
    assert got == [date(2024, 3, 5), date(2024, 1, 4)]
    assert warnings == ["warning.dates_ambiguous"]


def test_dotted_day_month_year_is_day_first_without_warning():
    got, warnings = dates("05.03.2024", "04.01.2024")
    assert got == [date(2024, 3, 5), date(2024, 1, 4)]
    assert warnings == []


def test_column_with_both_orders_warns_and_reports_what_does_not_fit():
    got, warnings = dates("25/03/2024", "03/25/2024")
    assert got == [date(2024, 3, 25), None]  # read day-first; 03/25 has no month 25
    assert warnings == ["warning.dates_mixed"]


def test_excel_serials_only_in_excel_files():
    assert dates("45356", "45356.0", excel=True)[0] == [date(2024, 3, 5), date(2024, 3, 5)]
    assert dates("45356", excel=False)[0] == [None]


EPOCH = date(1899, 12, 30)
DATE_STYLES = {
    "iso": lambda d: d.isoformat(),
    "slash_ymd": lambda d: f"{d.year}/{d.month}/{d.day}",
    "dot_ymd": lambda d: f"{d.year}.{d.month}.{d.day}",
    "compact": lambda d: d.strftime("%Y%m%d"),
    "chinese": lambda d: f"{d.year}年{d.month}月{d.day}日",
    "iso_time": lambda d: d.isoformat() + " 23:59:59",
    "iso_t_zone": lambda d: d.isoformat() + "T08:30:00+08:00",
    "month_name": lambda d: d.strftime("%d %b %Y"),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.lists(
        st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)), min_size=1, max_size=20
    )
)
def test_parse_dates_reads_back_every_style(days):
    for style, fmt in DATE_STYLES.items():
        got, _ = dates(*[fmt(d) for d in days])
        assert got == days, style
    # day-first and month-first: a column where one value settles the order
    got, _ = dates(*[f"{d.day:02d}/{d.month:02d}/{d.year}" for d in days], "31/12/2000")
    assert got[:-1] == days
    got, _ = dates(*[f"{d.month:02d}/{d.day:02d}/{d.year}" for d in days], "12/31/2000")
    assert got[:-1] == days
    got, _ = dates(*[f"{d.day}.{d.month}.{d.year}" for d in days])
    assert got == days
    # Excel serial numbers
    got, _ = dates(*[str((d - EPOCH).days) for d in days], excel=True)
    assert got == days


# ---------------------------------------------------------------- wallet periods


@pytest.mark.parametrize(
    "label, start, end",
    [
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2025年", date(2025, 1, 1), date(2026, 1, 1)),
        ("2025-Q3", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025Q4", date(2025, 10, 1), date(2026, 1, 1)),
        ("2025 q1", date(2025, 1, 1), date(2025, 4, 1)),
        ("Q3 2025", date(2025, 7, 1), date(2025, 10, 1)),
        ("Q2-2025", date(2025, 4, 1), date(2025, 7, 1)),
        ("2025年第3季度", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025年第三季度", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025年3季", date(2025, 7, 1), date(2025, 10, 1)),
        ("2025H1", date(2025, 1, 1), date(2025, 7, 1)),
        ("2025-H2", date(2025, 7, 1), date(2026, 1, 1)),
        ("2025年上半年", date(2025, 1, 1), date(2025, 7, 1)),
        ("2025年下半年", date(2025, 7, 1), date(2026, 1, 1)),
        ("2025-06", date(2025, 6, 1), date(2025, 7, 1)),
        ("2025/12", date(2025, 12, 1), date(2026, 1, 1)),
        ("2025.6", date(2025, 6, 1), date(2025, 7, 1)),
        ("2025年6月", date(2025, 6, 1), date(2025, 7, 1)),
        (" 2025-06 ", date(2025, 6, 1), date(2025, 7, 1)),
    ],
)
def test_parse_period(label, start, end):
    span = parse_period(label)
    assert span is not None, label
    assert (span[0].date(), span[1].date()) == (start, end)


@pytest.mark.parametrize(
    "label", ["2025-Q5", "Q0 2025", "2025-13", "2025H3", "next year", "", "2025-06-01", "25"]
)
def test_parse_period_refuses_unknown_labels(label):
    assert parse_period(label) is None


@settings(max_examples=60, deadline=None)
@given(year=st.integers(1990, 2099), month=st.integers(1, 12))
def test_every_month_label_spans_exactly_its_month(year, month):
    start = date(year, month, 1)
    end = (start + timedelta(days=32)).replace(day=1)
    for label in (f"{year}-{month:02d}", f"{year}年{month}月"):
        span = parse_period(label)
        assert (span[0].date(), span[1].date()) == (start, end)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1.234", 1.234),
        ("2.500", 2.5),
        ("0.125", 0.125),
        ("1.234.567", 1234567.0),
        ("1.234,5", 1234.5),
    ],
)
def test_a_single_dot_group_is_a_decimal_point_not_thousands(text, expected):
    numbers, bad = parse_money(pd.Series([text]))
    assert not bad.iloc[0]
    assert numbers.iloc[0] == pytest.approx(expected)
