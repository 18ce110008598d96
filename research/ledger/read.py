"""Read a CSV or Excel export into text columns: encoding and delimiter detected.

Real CRM/ERP exports are GBK or UTF-8-with-BOM CSV from Excel, or .xlsx files. Every
cell is read as text here; parsing values is ``research.ledger.values``' job, deciding
which column is which ``research.ledger.mapping``'s.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from charset_normalizer import from_bytes

from research.base.errors import ImportRejectedError


@dataclass
class RawTable:
    """A file read as text: every cell a string, blanks as ''."""

    frame: pd.DataFrame
    file_name: str
    sha256: str
    encoding: str | None  # None for Excel
    is_excel: bool


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
            frame = pd.read_excel(
                io.BytesIO(data), dtype=str, engine="calamine", keep_default_na=False
            )
        except Exception as e:  # calamine raises its own error types
            raise ImportRejectedError("import.bad_excel", file=file_name, detail=str(e)) from e
        encoding = None
    else:
        text, encoding = decode(data)
        delimiter = _sniff_delimiter(text)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                sep=delimiter,
                skipinitialspace=True,
                engine="python",
            )
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
    if (
        best is None
        or best.encoding.replace("-", "_").lower() in _OTHER_CJK_ENCODINGS
        or any(_is_gb(m.encoding) for m in matches)
    ):
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
    return encoding.lower().replace("-", "").replace("_", "") in {
        "gbk",
        "gb2312",
        "gb18030",
        "cp936",
        "hz",
    }


_OTHER_CJK_ENCODINGS = {"cp949", "euc_kr", "johab", "shift_jis", "cp932", "euc_jp", "iso2022_jp"}


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","
