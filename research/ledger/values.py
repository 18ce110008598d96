"""Parse the values found in real exports: money, dates and wallet periods.

Amounts come with currency signs, thousands separators and accounting negatives; dates
in many formats (day or month first is decided per column); periods as years, quarters,
halves and months, in English or Chinese.
"""

from __future__ import annotations

import re

import pandas as pd

from research.base.i18n import Message

_CURRENCY = re.compile(r"(?i)(rmb|cny|usd|eur|hkd|us\$|hk\$|[¥￥$€£元])")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# European style only when it cannot be a plain decimal: a comma decimal part, or
# several dot groups. "1.234" stays one point two three four.
_EURO_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+,\d+$|^-?\d{1,3}(\.\d{3}){2,}$|^-?\d+,\d{1,2}$")
# A time after the date is dropped, with its AM/PM (上午/下午) and time zone, if any:
# "2024-03-05 13:45:10", "2024-03-05T13:45:10+08:00", "3/5/2024 1:02 PM", "2024/3/5 下午 1:02".
_TIME_SUFFIX = re.compile(
    r"(?i)(?:\s+|T)(?:(?:上午|下午|am|pm)\s*)?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"\s*(?:am|pm|上午|下午)?\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$"
)
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY_OR_MDY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^\d{8}$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
# Amounts are stored as DECIMAL(18, 2): sixteen digits before the point. A larger value
# is a typing or export error (an ID pasted into the amount column), reported for its row.
MAX_AMOUNT = 10**16
# Dates outside these are placeholders or typing errors, reported as not a date.
_EARLIEST_DATE = pd.Timestamp(1900, 1, 1)
_LATEST_DATE = pd.Timestamp(2200, 1, 1)


def parse_money(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse amounts like '¥1,234.50', '1 234', '(12.00)', '12-', '1.234,56'.

    Returns (numbers as float, mask of values that are not numbers). Blank is not a number.
    """
    text = values.astype(str).str.strip()
    text = text.str.replace(_CURRENCY, "", regex=True)
    text = text.str.replace(r"[\s\u00a0\u3000']", "", regex=True).str.replace("，", ",")
    negative = text.str.match(r"^\(.*\)$") | text.str.endswith("-")
    text = text.str.strip("()").str.rstrip("-")
    euro = text.str.match(_EURO_NUMBER) & ~text.str.match(r"^-?\d{1,3}(,\d{3})+$")
    text = text.where(
        ~euro, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    text = text.str.replace(",", "", regex=False)
    ok = text.str.match(_PLAIN_NUMBER)
    numbers = pd.to_numeric(text.where(ok), errors="coerce")
    numbers = numbers.where(~negative, -numbers)
    return numbers, ~ok


def parse_dates(
    values: pd.Series, *, excel: bool = False
) -> tuple[pd.Series, pd.Series, list[Message]]:
    """Parse dates written as 2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日,
    05/03/2024 or 03/05/2024 (day or month first, decided per column), 5 Mar 2024, with or
    without a time, and Excel serial numbers in .xlsx files.

    Returns (dates, mask of unparseable values, warnings).
    """
    warnings: list[Message] = []
    text = values.astype(str).str.strip()
    text = text.str.replace(
        r"(\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?", r"\1-\2-\3", regex=True
    )
    text = text.str.replace(_TIME_SUFFIX, "", regex=True)
    # microseconds, not pandas' default nanoseconds: a sentinel such as 0001-01-01 or
    # 9999-12-31 must become a problem for its row, not an out-of-bounds exception
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")

    ymd = text.str.extract(_YMD)
    is_ymd = ymd[0].notna()
    if is_ymd.any():
        result[is_ymd] = pd.to_datetime(
            ymd[0][is_ymd] + "-" + ymd[1][is_ymd] + "-" + ymd[2][is_ymd],
            format="%Y-%m-%d",
            errors="coerce",
        )

    compact = text.str.match(_COMPACT)
    if compact.any():
        result[compact] = pd.to_datetime(text[compact], format="%Y%m%d", errors="coerce")

    other = text.str.extract(_DMY_OR_MDY)
    is_other = other[0].notna()
    if is_other.any():
        first = other[0][is_other].astype(int)
        second = other[1][is_other].astype(int)
        dotted = text[is_other].str.contains(".", regex=False)
        if (first > 12).any() and (second > 12).any():
            dayfirst = True  # mixed in one column: each value that does not fit is reported
            warnings.append(Message("warning.dates_mixed"))
        elif (first > 12).any() or dotted.all():
            dayfirst = True
        elif (second > 12).any():
            dayfirst = False
        else:
            dayfirst = True
            warnings.append(Message("warning.dates_ambiguous"))
        day, month = (first, second) if dayfirst else (second, first)
        result[is_other] = pd.to_datetime(
            other[2][is_other] + "-" + month.astype(str) + "-" + day.astype(str),
            format="%Y-%m-%d",
            errors="coerce",
        )

    serial = text.str.match(_EXCEL_SERIAL) if excel else pd.Series(False, index=text.index)
    if serial.any():
        result[serial] = pd.to_datetime(
            text[serial].astype(float), unit="D", origin="1899-12-30", errors="coerce"
        )

    rest = ~(is_ymd | compact | is_other | serial) & (text != "")
    if rest.any():
        # month names and other spellings: only accept what dateutil reads unambiguously
        parsed = _parse_spelled_dates(text[rest])
        has_letters = text[rest].str.contains(r"[A-Za-z]", regex=True)
        result[rest] = parsed.where(has_letters)
    result = result.where((result >= _EARLIEST_DATE) & (result < _LATEST_DATE))
    bad = result.isna()
    return result, bad, warnings


def _parse_spelled_dates(text: pd.Series) -> pd.Series:
    """Dates such as '5 Mar 2024' or 'March 5, 2024'. A value that starts with the year
    keeps year-month-day order (dayfirst would read 2024-03-05 as 3 May). A time zone
    or a time not understood makes a problem for its row, never an exception."""
    year_first = text.str.match(r"^\d{4}\s*[-/.年]")
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for mask, dayfirst in ((year_first, False), (~year_first, True)):
        if mask.any():
            result[mask] = _to_datetime(text[mask], dayfirst)
    return result


def _to_datetime(text: pd.Series, dayfirst: bool) -> pd.Series:
    try:
        parsed = pd.to_datetime(text, format="mixed", dayfirst=dayfirst, errors="coerce")
        if parsed.dt.tz is not None:
            parsed = parsed.dt.tz_localize(None)
        return parsed
    except (ValueError, TypeError, OverflowError):  # e.g. several time zones in one column
        return pd.to_datetime(text.map(lambda v: _parse_one(v, dayfirst)), errors="coerce")


def _parse_one(value: str, dayfirst: bool):
    try:
        stamp = pd.to_datetime(value, dayfirst=dayfirst)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$"), "quarter_rev"),
    (re.compile(r"^(\d{4})\s*年\s*第?\s*([1-4一二三四])\s*季度?$"), "quarter_zh"),
    (re.compile(r"^(\d{4})\s*[-/ ]?\s*[Hh]([12])$"), "half"),
    (re.compile(r"^(\d{4})\s*年\s*([上下])半年$"), "half_zh"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月$"), "month"),
    (re.compile(r"^(\d{4})\s*年?$"), "year"),
)
_ZH_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_period(label: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """A period label as [start, end): '2025', '2025-Q3', 'Q3 2025', '2025年第3季度',
    '2025H1', '2025年上半年', '2025-06', '2025年6月'. None if not recognised."""
    label = label.strip()
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(label)
        if not m:
            continue
        if kind == "year":
            start = pd.Timestamp(int(m[1]), 1, 1)
            return start, start + pd.DateOffset(years=1)
        if kind == "month":
            if not 1 <= int(m[2]) <= 12:
                return None
            start = pd.Timestamp(int(m[1]), int(m[2]), 1)
            return start, start + pd.DateOffset(months=1)
        if kind in ("quarter", "quarter_rev", "quarter_zh"):
            year, q = (m[2], m[1]) if kind == "quarter_rev" else (m[1], m[2])
            q = _ZH_DIGITS.get(q) or int(q)
            start = pd.Timestamp(int(year), 3 * (q - 1) + 1, 1)
            return start, start + pd.DateOffset(months=3)
        if kind in ("half", "half_zh"):
            h = {"上": 1, "下": 2}.get(m[2]) or int(m[2])
            start = pd.Timestamp(int(m[1]), 6 * (h - 1) + 1, 1)
            return start, start + pd.DateOffset(months=6)
    return None
