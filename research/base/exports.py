"""Every CSV or Excel file the app offers for download or the CLI writes, made in one
place and safe to open.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula,
and so does one that starts with a tab or a carriage return before such a character
(CSV injection): a customer named ``=HYPERLINK("http://…?"&A2, "Click")`` in a target
list would send the neighbouring cells to a stranger when the file is opened. So every
text cell that starts that way (also after spaces) gets a single quote in front, which
spreadsheets read as "this is text" — in CSV files; in Excel workbooks such cells are
written as text cells, which Excel never evaluates. Numbers stay numbers: number
columns are left alone, and so is a text cell that is a plain number, such as "-12.50"
or "+86138000", which no spreadsheet reads as a formula.

CSV is UTF-8 with a byte order mark, so Excel opens Chinese text intact. ``write``
chooses the format from the file's suffix. ``copy_csv`` is the fast path for large
results: DuckDB writes the file itself, with the same neutralisation done in SQL.

pandas is imported only where a frame is handled, so that a command which writes its
CSV through DuckDB does not pay for loading it.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

BOM = "\ufeff"
_HEADER_NAME = re.compile(r"\w+")
# a formula: = + - @ first (after any spaces), or a tab or carriage return first
_FORMULA = re.compile(r"^(?: *[=+\-@]|[\t\r])")
# a plain number (with sign, decimals, exponent), which no spreadsheet runs
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
# the same two tests for DuckDB's regular expressions (RE2), in SQL
_FORMULA_SQL = r"^( *[=+\-@]|[\t\r])"
_PLAIN_NUMBER_SQL = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
# characters an Excel workbook cannot hold (XML 1.0 forbids them)
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def for_reader(frame: pd.DataFrame, actor, *, store=None, study=None) -> pd.DataFrame:
    """``frame`` as ``actor`` may export it: raises PermissionDeniedError for a role
    without bulk export, masks the personal fields for a viewer (research/base/masking.py)."""
    from research.base.masking import mask
    from research.base.permissions import masked, require

    require(actor, "export.bulk", store=store, study=study)
    return mask(frame) if masked(actor, "export.bulk") else frame


def is_formula(value: object) -> bool:
    """True when a spreadsheet would read this cell as a formula."""
    return (
        isinstance(value, str)
        and _FORMULA.match(value) is not None
        and _PLAIN_NUMBER.match(value) is None
    )


def neutral(value: object) -> object:
    """The cell as written to a CSV file: a quote before anything that would run."""
    return "'" + value if is_formula(value) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as formulas."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutral)
    out.columns = [neutral(str(c)) for c in out.columns]
    return out


def csv_text(frame: pd.DataFrame, *, date_format: str | None = None) -> str:
    """The frame as CSV text, neutralised, without a byte order mark (for a terminal).
    A carriage return inside a cell becomes a line feed, which the CSV writer quotes
    (a lone one it would write bare, and a reader would split the row there)."""
    out = neutralise(frame)
    for column in out.columns:
        out[column] = out[column].map(
            lambda v: v.replace("\r\n", "\n").replace("\r", "\n") if isinstance(v, str) else v
        )
    return out.to_csv(index=False, date_format=date_format, lineterminator="\n")


def csv_bytes(frame: pd.DataFrame, *, date_format: str | None = None) -> bytes:
    """The frame as a CSV file Excel opens intact: UTF-8 with BOM, neutralised."""
    return (BOM + csv_text(frame, date_format=date_format)).encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """The frame as an Excel workbook: numbers, dates and booleans as such, text as text
    cells (never formulas), characters a workbook cannot hold removed."""
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])

    def cell(value: object):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            value = value.tz_localize(None) if value.tzinfo else value
            value = value.to_pydatetime()
        if isinstance(value, str):
            text = WriteOnlyCell(ws, value=_NOT_IN_XLSX.sub("", value))
            text.data_type = "s"  # a string cell: "=..." stays text
            return text
        if hasattr(value, "item"):  # numpy scalars
            value = value.item()
        return value

    ws.append([cell(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def is_excel(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in XLSX_SUFFIXES


def write(frame: pd.DataFrame, path: str | os.PathLike, *, date_format: str | None = None) -> int:
    """Write ``frame`` to ``path``: an Excel workbook for .xlsx, else CSV (UTF-8 with BOM).
    Returns the number of rows written."""
    data = xlsx_bytes(frame) if is_excel(path) else csv_bytes(frame, date_format=date_format)
    Path(path).write_bytes(data)
    return len(frame)


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _neutral_expression(name: str) -> str:
    return (
        f"CASE WHEN regexp_matches({name}, '{_FORMULA_SQL}')"
        f" AND NOT regexp_matches({name}, '{_PLAIN_NUMBER_SQL}')"
        f" THEN '''' || {name} ELSE {name} END"
    )


def copy_csv(relation: duckdb.DuckDBPyRelation, path: str | os.PathLike) -> None:
    """The fast path: DuckDB writes the relation to ``path`` as CSV (UTF-8 with BOM),
    text columns neutralised as ``neutral`` does; the header is the column names, which
    are ours. Dates are written as 2024-03-05, booleans as true/false.

    The byte order mark rides on the first column's name in the header, so DuckDB writes
    the whole file in one pass; it goes to a temporary file beside ``path`` that then
    replaces it, so a failure never leaves half a file under the name asked for."""
    columns = relation.columns
    unsafe = [c for c in columns if not _HEADER_NAME.fullmatch(c)]
    if unsafe:  # a name DuckDB would quote would carry the mark inside its quotes
        raise ValueError(f"copy_csv writes plain column names only, not {unsafe}")
    projection = ", ".join(
        (_neutral_expression(_quoted(c)) if str(kind) == "VARCHAR" else _quoted(c))
        + " AS "
        + _quoted(BOM + c if i == 0 else c)
        for i, (c, kind) in enumerate(zip(columns, relation.types, strict=True))
    )
    target = Path(path)
    # beside the target (os.replace stays on one file system), made by DuckDB with the
    # permissions any new file gets
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    temporary.touch()  # a folder that is missing or not writable fails here, as an OSError
    try:
        relation.project(projection).write_csv(temporary, header=True)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
