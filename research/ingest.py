"""Bring customer exports in: read, map, validate, then load all at once or not at all.

Real CRM/ERP exports are messy: GBK or UTF-8-with-BOM CSV from Excel, .xlsx files,
Chinese or English headers, dates in several formats, thousands separators and
currency symbols, duplicate rows. The import runs in three steps:

1. ``read_table`` reads a CSV or .xlsx file into text columns, detecting the encoding
   (charset-normalizer) and the delimiter;
2. ``prepare`` maps columns to fields (suggested from English and Chinese header
   names, overridable) and validates every row, collecting every problem with its
   row number, column, value and reason. It writes nothing;
3. ``load`` writes a clean file in one transaction. A file with any bad row is
   rejected whole (``ImportRejectedError``); a killed import leaves the database as
   it was. Re-importing the same file adds nothing: transactions are keyed by a hash
   of their normalised values, customers and wallet estimates by their ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
from charset_normalizer import from_bytes

from research.errors import ImportRejectedError
from research.i18n import Message, Translator
from research.store import Store, audit, now
from research.studies import Study

KINDS = ("customers", "transactions", "wallet")
MAX_PROBLEMS_SHOWN = 50
CHUNK_ROWS = 100_000

Progress = Callable[[float, Message], None]  # fraction done, what is happening


def _no_progress(fraction: float, message: Message) -> None:
    return None


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | date | money | number | period
    required: bool
    aliases: tuple[str, ...]


_ID_ALIASES = ("customer id", "customerid", "customer no", "customer number", "customer code",
               "cust id", "client id", "account id", "account number", "id",
               "客户编号", "客户id", "客户代码", "客户号", "客户编码", "编号")

FIELDS: dict[str, tuple[Field, ...]] = {
    "customers": (
        Field("customer_id", "text", True, _ID_ALIASES),
        Field("name", "text", False, ("name", "customer name", "company", "company name",
                                      "account name", "客户名称", "客户名", "公司名称", "名称", "姓名")),
        Field("contact_person", "text", False, ("contact", "contact person", "contact name",
                                                "联系人", "联系人姓名")),
        Field("phone", "text", False, ("phone", "telephone", "tel", "mobile", "phone number",
                                       "电话", "手机", "联系电话", "手机号", "电话号码")),
        Field("email", "text", False, ("email", "e-mail", "mail", "邮箱", "电子邮件", "电子邮箱")),
        Field("owner", "text", False, ("owner", "salesperson", "sales rep", "account manager",
                                       "负责人", "销售", "销售员", "客户经理", "业务员")),
        Field("region", "text", False, ("region", "area", "province", "territory",
                                        "地区", "区域", "省份", "大区")),
        Field("industry", "text", False, ("industry", "sector", "segment", "行业", "所属行业")),
        Field("size", "text", False, ("size", "company size", "employees", "规模", "企业规模")),
        Field("age_band", "text", False, ("age band", "age group", "age", "年龄段", "年龄")),
        Field("income_band", "text", False, ("income band", "income", "收入", "收入水平", "收入段")),
        Field("education", "text", False, ("education", "学历", "教育程度")),
    ),
    "transactions": (
        Field("customer_id", "text", True, _ID_ALIASES),
        Field("date", "date", True, ("date", "transaction date", "order date", "invoice date",
                                     "日期", "交易日期", "订单日期", "下单日期", "开票日期")),
        Field("amount", "money", True, ("amount", "sales", "revenue", "value", "net amount",
                                        "total", "金额", "销售额", "交易金额", "订单金额", "含税金额")),
        Field("quantity", "number", False, ("quantity", "qty", "units", "数量")),
        Field("product_line", "text", False, ("product line", "product", "category",
                                              "产品线", "产品", "品类")),
        Field("margin", "money", False, ("margin", "gross margin", "profit", "gross profit",
                                         "毛利", "利润", "毛利额")),
    ),
    "wallet": (
        Field("customer_id", "text", True, _ID_ALIASES),
        Field("period", "period", True, ("period", "quarter", "year", "month",
                                         "期间", "周期", "季度", "年度", "月份")),
        Field("estimated_spend", "money", True, ("estimated spend", "wallet", "wallet estimate",
                                                 "category spend", "total category spend",
                                                 "钱包", "品类总支出", "预计支出", "采购总额",
                                                 "钱包份额估计")),
    ),
}


@dataclass
class RawTable:
    """A file read as text: every cell a string, blanks as ''."""

    frame: pd.DataFrame
    file_name: str
    sha256: str
    encoding: str | None  # None for Excel
    is_excel: bool


@dataclass(frozen=True)
class Problem:
    row: int  # as the user sees it in the file: the header is row 1
    column: str
    value: str
    reason: Message

    def render(self, t: Translator | None = None) -> str:
        t = t or Translator()
        return t("problem.line", row=self.row, column=self.column, value=self.value,
                 reason=self.reason.render(t))

    __str__ = render


@dataclass
class Prepared:
    kind: str
    raw: RawTable
    mapping: dict[str, str]  # field -> source column
    frame: pd.DataFrame  # normalised, one column per field (+ attributes for customers)
    problems: list[Problem]
    duplicate_rows: list[int]
    warnings: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file_name: str
    rows_in_file: int
    rows_new: int
    rows_updated: int
    duplicate_rows: tuple[int, ...]
    encoding: str | None
    warnings: tuple[Message, ...]


# ---------------------------------------------------------------- reading

def read_table(source: str | Path | bytes, file_name: str | None = None) -> RawTable:
    """Read a CSV or .xlsx file into text columns.

    ``source`` is a path or the file's bytes (an upload); ``file_name`` decides the
    format when bytes are given. Raises ImportRejectedError when the file cannot be
    read at all.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = path.read_bytes()
        file_name = file_name or path.name
    else:
        data = source
        file_name = file_name or "upload.csv"
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise ImportRejectedError("import.empty", file=file_name)
    is_excel = data[:4] == b"PK\x03\x04" or file_name.lower().endswith((".xlsx", ".xlsm", ".xls"))
    if is_excel:
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, engine="calamine",
                                  keep_default_na=False)
        except Exception as e:  # calamine raises its own error types
            raise ImportRejectedError("import.bad_excel", file=file_name, detail=str(e)) from e
        encoding = None
    else:
        text, encoding = decode(data)
        delimiter = _sniff_delimiter(text)
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                                sep=delimiter, skipinitialspace=True, engine="python")
        except (pd.errors.ParserError, csv.Error) as e:
            raise ImportRejectedError("import.bad_csv", file=file_name, detail=str(e)) from e
    frame = frame.fillna("").astype(object)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if frame.empty:
        raise ImportRejectedError("import.no_rows", file=file_name)
    return RawTable(frame, file_name, digest, encoding, is_excel)


def decode(data: bytes) -> tuple[str, str]:
    """Decode a text file: UTF-8 (with or without BOM) first, else what charset-normalizer
    finds. GBK and GB2312 are read as GB18030, their superset."""
    try:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    # Short files are ambiguous between the East Asian double-byte encodings (a GBK
    # file of a few rows can score as Korean cp949, as Big5 or even as UTF-16). Our
    # users' files are Chinese, so where GB18030 reads the bytes cleanly it wins over
    # another CJK guess, and over any guess that charset-normalizer found no more
    # plausible than GB18030 (a real Big5 file does not list GB18030 at all).
    if best is None or best.encoding.replace("-", "_").lower() in _OTHER_CJK_ENCODINGS \
            or any(_is_gb(m.encoding) for m in matches):
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            pass
    if best is None:
        raise ImportRejectedError("import.unknown_encoding")
    encoding = best.encoding
    if _is_gb(encoding):
        encoding = "gb18030"
    return data.decode(encoding), encoding


def _is_gb(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in {"gbk", "gb2312", "gb18030",
                                                                   "cp936", "hz"}


_OTHER_CJK_ENCODINGS = {"cp949", "euc_kr", "johab", "shift_jis", "cp932", "euc_jp", "iso2022_jp"}


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


# ---------------------------------------------------------------- mapping

def _normalise_header(name: str) -> str:
    return re.sub(r"[\s_\-./()（）:：]+", " ", name.strip().lower()).strip()


def suggest_mapping(kind: str, columns: list[str]) -> dict[str, str]:
    """Guess which source column feeds each field, from English and Chinese names."""
    _check_kind(kind)
    normalised = {_normalise_header(c): c for c in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for fld in FIELDS[kind]:
        candidates = (fld.name.replace("_", " "), *fld.aliases)
        for alias in candidates:
            source = normalised.get(_normalise_header(alias))
            if source is not None and source not in taken:
                mapping[fld.name] = source
                taken.add(source)
                break
    return mapping


def parse_map_options(options: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Turn CLI ``source_column=field`` options into a field -> source mapping."""
    mapping = {}
    for option in options:
        source, sep, target = option.rpartition("=")
        if not sep or not source or not target:
            raise ImportRejectedError("import.bad_map", option=option)
        mapping[target.strip()] = source.strip()
    return mapping


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ImportRejectedError("import.unknown_kind", kind=kind, kinds=", ".join(KINDS))


def _resolve_mapping(kind: str, columns: list[str], overrides: dict[str, str] | None) -> dict[str, str]:
    known = {f.name for f in FIELDS[kind]}
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    for target, source in overrides.items():
        if target not in known:
            raise ImportRejectedError("import.unknown_field", field=target, kind=kind,
                                      fields=", ".join(sorted(known)))
        if source not in columns:
            raise ImportRejectedError("import.no_column", column=source,
                                      columns=", ".join(columns))
    mapping = suggest_mapping(kind, columns)
    # an explicit choice wins, and frees the column from any guessed field
    for target, source in overrides.items():
        mapping = {f: s for f, s in mapping.items() if s != source}
        mapping[target] = source
    missing = [f.name for f in FIELDS[kind] if f.required and f.name not in mapping]
    if missing:
        raise ImportRejectedError("import.missing_fields", fields=", ".join(missing),
                                  columns=", ".join(columns))
    return mapping


# ---------------------------------------------------------------- parsing values

_CURRENCY = re.compile(r"(?i)(rmb|cny|usd|eur|hkd|us\$|hk\$|[¥￥$€£元])")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
# European style only when it cannot be a plain decimal: a comma decimal part, or
# several dot groups. "1.234" stays one point two three four.
_EURO_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+,\d+$|^-?\d{1,3}(\.\d{3}){2,}$|^-?\d+,\d{1,2}$")
# A time after the date is dropped, with its AM/PM (上午/下午) and time zone, if any:
# "2024-03-05 13:45:10", "2024-03-05T13:45:10+08:00", "3/5/2024 1:02 PM", "2024/3/5 下午 1:02".
_TIME_SUFFIX = re.compile(
    r"(?i)(?:\s+|T)(?:(?:上午|下午|am|pm)\s*)?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
    r"\s*(?:am|pm|上午|下午)?\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY_OR_MDY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_COMPACT = re.compile(r"^\d{8}$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(\.0+)?$")
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
    text = text.where(~euro, text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    text = text.str.replace(",", "", regex=False)
    ok = text.str.match(_PLAIN_NUMBER)
    numbers = pd.to_numeric(text.where(ok), errors="coerce")
    numbers = numbers.where(~negative, -numbers)
    return numbers, ~ok


def parse_dates(values: pd.Series, *, excel: bool = False
                ) -> tuple[pd.Series, pd.Series, list[Message]]:
    """Parse dates written as 2024-03-05, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日,
    05/03/2024 or 03/05/2024 (day or month first, decided per column), 5 Mar 2024, with or
    without a time, and Excel serial numbers in .xlsx files.

    Returns (dates, mask of unparseable values, warnings).
    """
    warnings: list[Message] = []
    text = values.astype(str).str.strip()
    text = text.str.replace(r"(\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?", r"\1-\2-\3", regex=True)
    text = text.str.replace(_TIME_SUFFIX, "", regex=True)
    # microseconds, not pandas' default nanoseconds: a sentinel such as 0001-01-01 or
    # 9999-12-31 must become a problem for its row, not an out-of-bounds exception
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")

    ymd = text.str.extract(_YMD)
    is_ymd = ymd[0].notna()
    if is_ymd.any():
        result[is_ymd] = pd.to_datetime(
            ymd[0][is_ymd] + "-" + ymd[1][is_ymd] + "-" + ymd[2][is_ymd],
            format="%Y-%m-%d", errors="coerce")

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
            format="%Y-%m-%d", errors="coerce")

    serial = text.str.match(_EXCEL_SERIAL) if excel else pd.Series(False, index=text.index)
    if serial.any():
        result[serial] = pd.to_datetime(
            text[serial].astype(float), unit="D", origin="1899-12-30", errors="coerce")

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


# ---------------------------------------------------------------- validating

def prepare(kind: str, raw: RawTable, mapping: dict[str, str] | None = None) -> Prepared:
    """Map and validate every row. Writes nothing.

    ``mapping`` is field -> source column; fields it leaves out are guessed from the
    headers. Raises ImportRejectedError when a required field has no column.
    """
    _check_kind(kind)
    columns = list(raw.frame.columns)
    mapping = _resolve_mapping(kind, columns, mapping)
    src = raw.frame
    rows = pd.Series(range(2, len(src) + 2), index=src.index)  # header is row 1
    out = pd.DataFrame(index=src.index)
    problems: list[Problem] = []
    warnings: list[Message] = []

    def report(mask: pd.Series, column: str, reason: Message) -> None:
        for idx in mask[mask].index:
            problems.append(Problem(int(rows[idx]), column, str(src.at[idx, column]), reason))

    for fld in FIELDS[kind]:
        if fld.name not in mapping:
            out[fld.name] = None
            continue
        column = mapping[fld.name]
        text = src[column].astype(str).str.strip()
        blank = text == ""
        if fld.required:
            report(blank, column, Message("problem.missing"))
        if fld.kind == "text":
            if fld.name == "customer_id" and raw.is_excel:
                text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
            out[fld.name] = text.where(~blank, None)
        elif fld.kind in ("money", "number"):
            numbers, bad = _per_distinct_value(parse_money, text)
            report(bad & ~blank, column, Message("problem.not_number"))
            out[fld.name] = numbers.where(~blank)
        elif fld.kind == "date":
            dates, bad, notes = _per_distinct_value(parse_dates, text, excel=raw.is_excel)
            report(bad & ~blank, column, Message("problem.not_date"))
            warnings.extend(notes)
            out[fld.name] = dates.dt.date.where(~bad & ~blank, None)
        elif fld.kind == "period":
            spans = text.map(lambda v: parse_period(v) if v else None)
            report(spans.isna() & ~blank, column, Message("problem.not_period"))
            out["period"] = text
            out["period_start"] = spans.map(lambda s: s[0].date() if s else None)
            out["period_end"] = spans.map(lambda s: s[1].date() if s else None)

    if kind == "customers":
        extra = [c for c in columns if c not in mapping.values()]
        out["attributes"] = _attributes_json(src, extra)

    problems.sort(key=lambda p: (p.row, p.column))
    valid = ~rows.isin({p.row for p in problems})
    duplicate_rows, key_conflicts = _duplicates(kind, out, rows, valid)
    for row, other_row, value in key_conflicts:
        problems.append(Problem(row, mapping["customer_id"], value,
                                Message("problem.id_conflict", other_row=other_row)))
    problems.sort(key=lambda p: (p.row, p.column))
    if duplicate_rows:
        warnings.append(Message("warning.duplicates", count=len(duplicate_rows),
                                rows=_row_list(duplicate_rows)))
    keep = ~rows.isin(set(duplicate_rows))
    return Prepared(kind, raw, mapping, out[keep].reset_index(drop=True), problems,
                    duplicate_rows, warnings)


def _per_distinct_value(parse: Callable[..., tuple], values: pd.Series, **kwargs) -> tuple:
    """``parse(values, **kwargs)``, computed once per distinct value and spread back over
    the rows: an export repeats the same few hundred dates, and many amounts, over
    millions of rows. parse_money and parse_dates read each value on its own, and what
    parse_dates decides for a whole column (day or month first, its warnings) depends
    only on which values occur, not how often, so the result is the same."""
    codes, uniques = pd.factorize(values)
    if len(uniques) == len(values) or (codes < 0).any():
        return parse(values, **kwargs)
    parsed = parse(pd.Series(uniques, dtype=values.dtype, name=values.name), **kwargs)
    spread = []
    for item in parsed:
        if isinstance(item, pd.Series):
            item = item.take(codes)
            item.index = values.index
        spread.append(item)
    return tuple(spread)


def _attributes_json(src: pd.DataFrame, extra: list[str]) -> pd.Series:
    if not extra:
        return pd.Series([None] * len(src), index=src.index, dtype=object)
    records = src[extra].to_dict(orient="records")
    filled = [{k: v for k, v in r.items() if str(v).strip() != ""} for r in records]
    # a row with every extra cell blank has no attributes to record (None, not '{}')
    return pd.Series([json.dumps(r, ensure_ascii=False) if r else None for r in filled],
                     index=src.index, dtype=object)


def _duplicates(kind: str, out: pd.DataFrame, rows: pd.Series, valid: pd.Series
                ) -> tuple[list[int], list[tuple[int, int, str]]]:
    """Exact repeats of an earlier row (skipped), and customer ids that repeat with
    different details (a problem: which one is right is the user's call)."""
    frame = out[valid].astype(str)
    dup_mask = frame.duplicated(keep="first")
    duplicate_rows = [int(r) for r in rows[dup_mask[dup_mask].index]]
    conflicts: list[tuple[int, int, str]] = []
    key = {"customers": ["customer_id"], "wallet": ["customer_id", "period_start", "period_end"]}
    if kind in key:
        unique = frame[~dup_mask]
        repeated = unique.duplicated(subset=key[kind], keep=False)
        if repeated.any():
            first_row: dict[tuple, int] = {}
            for idx in unique[repeated].index:
                k = tuple(unique.loc[idx, key[kind]])
                if k in first_row:
                    conflicts.append((int(rows[idx]), first_row[k], str(out.at[idx, "customer_id"])))
                else:
                    first_row[k] = int(rows[idx])
    return duplicate_rows, conflicts


def _row_list(rows: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (", …" if len(rows) > limit else "")


# ---------------------------------------------------------------- loading

def load(store: Store, study: Study, prepared: Prepared, *, actor: str,
         progress: Progress = _no_progress) -> ImportResult:
    """Write a validated file in one transaction.

    Raises ImportRejectedError (nothing written) if the file had any problem.
    """
    if prepared.problems:
        raise ImportRejectedError("import.rejected", prepared.problems,
                                  file=prepared.raw.file_name, count=len(prepared.problems))
    frame = prepared.frame
    stamp = now()
    writer = {"customers": _load_customers, "transactions": _load_transactions,
              "wallet": _load_wallet}[prepared.kind]

    def apply(cur: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        new, updated = writer(cur, study.id, frame, actor, stamp, progress)
        cur.execute(
            "INSERT INTO imports (study_id, kind, file_name, file_sha256, encoding, rows_in_file,"
            " rows_new, rows_updated, duplicates, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [study.id, prepared.kind, prepared.raw.file_name, prepared.raw.sha256,
             prepared.raw.encoding, len(prepared.raw.frame), new, updated,
             len(prepared.duplicate_rows), actor, stamp])
        audit(cur, study.id, actor, f"import.{prepared.kind}",
              {"file": prepared.raw.file_name, "new": new, "updated": updated})
        return new, updated

    progress(0.0, Message("import.progress_writing"))
    new, updated = store.write(apply)
    progress(1.0, Message("import.progress_done"))
    return ImportResult(prepared.kind, prepared.raw.file_name, len(prepared.raw.frame), new,
                        updated, tuple(prepared.duplicate_rows), prepared.raw.encoding,
                        tuple(prepared.warnings))


def _chunks(frame: pd.DataFrame, progress: Progress):
    total = max(len(frame), 1)
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start:start + CHUNK_ROWS]
        done = min(start + CHUNK_ROWS, len(frame))
        progress(done / total,
                 Message("import.progress_rows", done=f"{done:,}", total=f"{len(frame):,}"))


def _load_transactions(cur, study_id, frame, actor, stamp, progress) -> tuple[int, int]:
    before = cur.execute("SELECT count(*) FROM transactions WHERE study_id = ?",
                         [study_id]).fetchall()[0][0]
    for chunk in _chunks(frame, progress):
        cur.register("incoming", chunk)
        cur.execute(INSERT_TRANSACTIONS, [study_id, actor, stamp, study_id])
        cur.unregister("incoming")
    after = cur.execute("SELECT count(*) FROM transactions WHERE study_id = ?",
                        [study_id]).fetchall()[0][0]
    return after - before, 0


INSERT_TRANSACTIONS = """
INSERT INTO transactions (study_id, row_key, customer_id, date, amount, quantity, product_line,
                          margin, created_by, created_at)
SELECT ?, k.row_key, k.customer_id, k.date, k.amount, k.quantity, k.product_line, k.margin, ?, ?
FROM (
    SELECT md5(concat_ws('|', customer_id, CAST(date AS DATE), CAST(amount AS DECIMAL(18, 2)),
                         coalesce(CAST(quantity AS VARCHAR), ''), coalesce(product_line, ''),
                         coalesce(CAST(CAST(margin AS DECIMAL(18, 2)) AS VARCHAR), ''))) AS row_key,
           customer_id, CAST(date AS DATE) AS date, CAST(amount AS DECIMAL(18, 2)) AS amount,
           CAST(quantity AS DOUBLE) AS quantity, product_line,
           CAST(margin AS DECIMAL(18, 2)) AS margin
    FROM incoming
) AS k
WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.study_id = ? AND t.row_key = k.row_key)
"""

_CUSTOMER_FIELDS = [f.name for f in FIELDS["customers"] if f.name != "customer_id"] + ["attributes"]

_PLAIN_CUSTOMER_FIELDS = [c for c in _CUSTOMER_FIELDS if c != "attributes"]

# Blank cells never erase what an earlier import recorded: plain fields keep their old
# value, and the extra columns (attributes) are merged key by key into the stored ones.
UPSERT_CUSTOMERS = f"""
INSERT INTO customers (study_id, customer_id, {", ".join(_CUSTOMER_FIELDS)},
                       created_by, created_at, updated_by, updated_at)
SELECT ?, customer_id, {", ".join(_CUSTOMER_FIELDS)}, ?, ?, ?, ? FROM changed
ON CONFLICT (study_id, customer_id) DO UPDATE SET
    {", ".join(f"{c} = coalesce(excluded.{c}, customers.{c})" for c in _PLAIN_CUSTOMER_FIELDS)},
    attributes = CASE
        WHEN excluded.attributes IS NULL THEN customers.attributes
        WHEN customers.attributes IS NULL THEN excluded.attributes
        ELSE json_merge_patch(customers.attributes, excluded.attributes) END,
    updated_by = excluded.updated_by, updated_at = excluded.updated_at
"""

_CHANGED_CUSTOMERS = f"""
CREATE OR REPLACE TEMP TABLE changed AS
SELECT i.* FROM incoming i
LEFT JOIN customers c ON c.study_id = ? AND c.customer_id = i.customer_id
WHERE c.customer_id IS NULL
   OR {" OR ".join(f"(i.{c} IS NOT NULL AND i.{c}::VARCHAR IS DISTINCT FROM c.{c}::VARCHAR)"
                   for c in _PLAIN_CUSTOMER_FIELDS)}
   OR (i.attributes IS NOT NULL AND (c.attributes IS NULL
       OR json_merge_patch(c.attributes, i.attributes)::VARCHAR <> json(c.attributes)::VARCHAR))
"""


def _load_customers(cur, study_id, frame, actor, stamp, progress) -> tuple[int, int]:
    new = updated = 0
    for chunk in _chunks(frame, progress):
        cur.register("incoming", chunk.astype(object))
        cur.execute(_CHANGED_CUSTOMERS, [study_id])
        counts = cur.execute(
            "SELECT count(*) FILTER (WHERE c.customer_id IS NULL), count(c.customer_id) "
            "FROM changed x LEFT JOIN customers c ON c.study_id = ? AND c.customer_id = x.customer_id",
            [study_id]).fetchall()[0]
        cur.execute(UPSERT_CUSTOMERS, [study_id, actor, stamp, actor, stamp])
        cur.execute("DROP TABLE changed")
        cur.unregister("incoming")
        new += counts[0]
        updated += counts[1]
    return new, updated


def _load_wallet(cur, study_id, frame, actor, stamp, progress) -> tuple[int, int]:
    new = updated = 0
    for chunk in _chunks(frame, progress):
        cur.register("incoming", chunk.astype(object))
        counts = cur.execute(
            "SELECT count(*) FILTER (WHERE w.customer_id IS NULL),"
            " count(*) FILTER (WHERE w.customer_id IS NOT NULL"
            "   AND w.estimated_spend <> CAST(i.estimated_spend AS DECIMAL(18, 2)))"
            " FROM incoming i LEFT JOIN wallet_estimates w ON w.study_id = ?"
            "  AND w.customer_id = i.customer_id AND w.period_start = CAST(i.period_start AS DATE)"
            "  AND w.period_end = CAST(i.period_end AS DATE)", [study_id]).fetchall()[0]
        cur.execute(
            "INSERT INTO wallet_estimates (study_id, customer_id, period, period_start, period_end,"
            " estimated_spend, created_by, created_at, updated_by, updated_at)"
            " SELECT ?, customer_id, period, CAST(period_start AS DATE), CAST(period_end AS DATE),"
            " CAST(estimated_spend AS DECIMAL(18, 2)), ?, ?, ?, ? FROM incoming"
            " ON CONFLICT (study_id, customer_id, period_start, period_end) DO UPDATE SET"
            " estimated_spend = excluded.estimated_spend, period = excluded.period,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            [study_id, actor, stamp, actor, stamp])
        cur.unregister("incoming")
        new += counts[0]
        updated += counts[1]
    return new, updated


def import_file(store: Store, study: Study, kind: str, source: str | Path | bytes, *,
                actor: str, mapping: dict[str, str] | None = None, file_name: str | None = None,
                progress: Progress = _no_progress) -> ImportResult:
    """Read, validate and load one file. Raises ImportRejectedError, writing nothing."""
    raw = read_table(source, file_name)
    prepared = prepare(kind, raw, mapping)
    return load(store, study, prepared, actor=actor, progress=progress)


IMPORT_HISTORY = """
SELECT created_at, kind, file_name, rows_in_file, rows_new, rows_updated, duplicates, created_by
FROM imports WHERE study_id = ? ORDER BY created_at DESC, id DESC
"""


def import_history(store: Store, study: Study) -> pd.DataFrame:
    """Every import into the study, newest first, with who ran it."""
    with store.cursor() as cur:
        return cur.execute(IMPORT_HISTORY, [study.id]).df()
