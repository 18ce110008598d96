"""Read a CSV or Excel export into text columns: encoding and delimiter detected.

Real CRM/ERP exports are GBK or UTF-8-with-BOM CSV from Excel, or .xlsx files. Every
cell is read as text here; parsing values is ``research.ledger.values``' job, deciding
which column is which ``research.ledger.mapping``'s.

A file whose rows do not line up with its header (an unquoted comma inside a value,
even in the first data row) or whose header names a column twice is refused here,
naming the rows or columns: reading it anyway would shift or rename columns without a
word. Where the text encoding is a guess, the guess, how sure it is and the other
readings that fit as well are kept with the table, so the app and the CLI can say so
before anything is written, and the user can pick another (``encoding=``).

A company's whole history is millions of lines: a CSV is checked or transcoded to UTF-8
a chunk at a time, read by Arrow's CSV reader where its records line up with the
header, and kept in Arrow-backed text columns (pandas' ``str``), a fraction of the time
and memory of Python strings. Other files take pandas' python engine as before, which
says which rows are too long; every frame leaves here Arrow-backed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from charset_normalizer import from_bytes

from research.base.errors import ImportRejectedError

MAX_ROWS_NAMED = 20  # rows listed in a message; the rest are counted
# charset-normalizer's "chaos" (0 = reads cleanly, 1 = noise): readings within this much
# of the best one fit as well, so the choice between them is a guess
_PLAUSIBLE_MARGIN = 0.05
_MAX_ALTERNATIVES = 4
# the usual single-byte encoding of Excel on Western Windows: preferred among readings
# that fit equally well (charset-normalizer may name another code page that gives the
# same text, or an exotic one such as cp775 that turns "Café Müller" into "Cafķ M³ller")
_WESTERN = "cp1252"
# encodings offered when the user picks one by hand (the app's choice)
COMMON_ENCODINGS = (
    "utf-8",
    "gb18030",
    "big5",
    "cp1252",
    "latin-1",
    "cp1250",
    "cp1251",
    "shift_jis",
    "euc_kr",
    "utf-16",
)


@dataclass(frozen=True)
class Reading:
    """The file read in one encoding: the first line where the readings differ."""

    encoding: str
    sample: str


@dataclass
class RawTable:
    """A file read as text: every cell a string, blanks as ''."""

    frame: pd.DataFrame
    file_name: str
    sha256: str
    encoding: str | None  # None for Excel
    is_excel: bool
    # how sure the encoding is: 1.0 for UTF-8, a BOM or an encoding the user chose;
    # else 1 − charset-normalizer's chaos of the reading taken, divided by the number
    # of readings that fit as well (three readings: a third); None for Excel
    encoding_confidence: float | None = None
    # other encodings that read the bytes as plausibly but differently (empty when sure)
    encoding_alternatives: tuple[Reading, ...] = ()
    encoding_sample: str = ""  # the line the alternatives' samples show, as read

    @property
    def encoding_unsure(self) -> bool:
        return bool(self.encoding_alternatives)


@dataclass(frozen=True)
class Decoded:
    utf8: bytes  # the text as UTF-8, after a byte order mark if the file has one
    encoding: str
    confidence: float
    alternatives: tuple[Reading, ...] = ()
    sample: str = ""


def read_table(
    source: str | Path | bytes, file_name: str | None = None, *, encoding: str | None = None
) -> RawTable:
    """Read a CSV or .xlsx file into text columns.

    ``source`` is a path or the file's bytes (an upload); ``file_name`` decides the
    format when bytes are given; ``encoding`` reads a CSV in that encoding instead of
    detecting it. Raises ImportRejectedError when the file cannot be read at all, when
    a row has more fields than the header, or when the header repeats a name.
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
    decoded = None
    if is_excel:
        try:
            grid = pd.read_excel(
                io.BytesIO(data),
                dtype=str,
                engine="calamine",
                keep_default_na=False,
                header=None,
            )
        except Exception as e:  # calamine raises its own error types
            raise ImportRejectedError("import.bad_excel", file=file_name, detail=str(e)) from e
    else:
        decoded = decode(data, encoding)
        del data  # the UTF-8 bytes are all that is read from here on
        grid = _read_csv(decoded.utf8, file_name)
    frame = _with_header(grid, file_name)
    if frame.empty:
        raise ImportRejectedError("import.no_rows", file=file_name)
    if decoded is None:
        return RawTable(frame, file_name, digest, None, True)
    return RawTable(
        frame,
        file_name,
        digest,
        decoded.encoding,
        False,
        decoded.confidence,
        decoded.alternatives,
        decoded.sample,
    )


def _read_csv(utf8: bytes, file_name: str) -> pd.DataFrame | pa.Table:
    """Every record as text, the header as the first row (an Arrow table, or a frame
    where the slower reader was needed).

    Arrow's reader reads a regular file (every record as long as the header) in a
    fraction of the time and memory of pandas' python engine. It refuses any other
    file; then the python engine reads the text as it always did: it pads shorter
    records and refuses longer ones, naming the rows. Arrow cannot skip the spaces
    after a delimiter before a quote (``a, "b,c"``): such files take the slow road too.
    """
    start = len(_BOM) if utf8.startswith(_BOM) else 0  # a slice would copy the file
    prefix = utf8[start : start + _PREFIX_BYTES]
    if len(utf8) > start + _PREFIX_BYTES:  # whole lines only
        prefix = prefix[: prefix.rfind(b"\n") + 1]
    prefix = prefix.decode("utf-8", errors="ignore")
    delimiter = _sniff_delimiter(prefix)
    width = _header_width(prefix, delimiter)
    quoted_after_space = (
        f'{delimiter} "'.encode() in utf8 or b'\n "' in utf8 or utf8.startswith(b' "', start)
    )
    if width and not quoted_after_space:
        try:
            return _read_csv_arrow(pa.py_buffer(utf8).slice(start), delimiter, width)
        except pa.ArrowInvalid:
            pass  # a record of another length, or a quote out of place: read it slowly
    return _read_csv_python(utf8.decode("utf-8-sig"), file_name, delimiter)


_BOM = b"\xef\xbb\xbf"
# enough of the file for the delimiter and the header
_PREFIX_BYTES = 1 << 16


def _header_width(prefix: str, delimiter: str) -> int | None:
    """Fields in the first record (the header); None when the prefix holds no whole one."""
    reader = csv.reader(io.StringIO(prefix), delimiter=delimiter, skipinitialspace=True)
    try:
        for record in reader:
            if record:
                return len(record)
    except csv.Error:
        return None
    return None


def _read_csv_arrow(utf8: pa.Buffer, delimiter: str, width: int) -> pa.Table:
    names = [f"f{i}" for i in range(width)]
    table = pa_csv.read_csv(
        pa.BufferReader(utf8),
        read_options=pa_csv.ReadOptions(column_names=names),
        parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    # the python engine skips the spaces after a delimiter (skipinitialspace)
    columns = [
        pc.utf8_ltrim(column, characters=" ")
        if pc.any(pc.starts_with(column, " ")).as_py()
        else column
        for column in table.columns
    ]
    return pa.table(columns, names=names)


def _read_csv_python(text: str, file_name: str, delimiter: str) -> pd.DataFrame:
    """Read without a header so that pandas refuses any row longer than the first (the
    header): given a header, it would make the first column the index when the first
    data row is one field longer, shifting every column."""
    try:
        return pd.read_csv(
            io.StringIO(text),
            dtype=str,
            keep_default_na=False,
            sep=delimiter,
            skipinitialspace=True,
            engine="python",
            header=None,
        )
    except (pd.errors.ParserError, csv.Error) as e:
        long_rows = _rows_longer_than_header(text, delimiter)
        if long_rows:
            width, rows = long_rows
            raise ImportRejectedError(
                "import.too_many_fields",
                file=file_name,
                count=len(rows),
                rows=row_list([r for r, _ in rows]),
                fields=width,
                found=rows[0][1],
                first=rows[0][0],
            ) from e
        raise ImportRejectedError("import.bad_csv", file=file_name, detail=str(e)) from e


def _rows_longer_than_header(text: str, delimiter: str) -> tuple[int, list[tuple[int, int]]] | None:
    """(fields in the header, [(row, fields), ...]) for the records longer than the
    header, numbered as the user sees them (the header is row 1, blank lines skipped)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    width = None
    long_rows: list[tuple[int, int]] = []
    row = 0
    try:
        for record in reader:
            if not record:
                continue
            row += 1
            if width is None:
                width = len(record)
            elif len(record) > width:
                long_rows.append((row, len(record)))
    except csv.Error:
        pass
    return (width, long_rows) if width is not None and long_rows else None


def _with_header(grid: pd.DataFrame | pa.Table, file_name: str) -> pd.DataFrame:
    """The first row as column names (trimmed, BOM dropped; a blank one is named
    'Unnamed: i' as pandas does); refuses names that occur twice. An Arrow table stays
    Arrow-backed (pandas' ``str`` columns: no Python object per cell)."""
    if isinstance(grid, pa.Table):
        if grid.num_rows == 0:
            raise ImportRejectedError("import.no_rows", file=file_name)
        header = _header_names([column[0].as_py() for column in grid.columns], file_name)
        frame = grid.slice(1).to_pandas(types_mapper=_STR_TYPES.get)
        frame.columns = header
        del grid
        pa.default_memory_pool().release_unused()  # the reader's buffers, to the system
        return frame
    if grid.empty:
        raise ImportRejectedError("import.no_rows", file=file_name)
    grid = grid.fillna("").astype(object)
    header = _header_names(list(grid.iloc[0]), file_name)
    frame = grid.iloc[1:].reset_index(drop=True).astype(_STR_TYPES[pa.string()])
    frame.columns = header
    return frame


_STR_TYPES = {pa.string(): pd.StringDtype("pyarrow", na_value=float("nan"))}


def _header_names(cells: list, file_name: str) -> list[str]:
    header = [str(c).strip().lstrip("\ufeff").strip() for c in cells]
    header = [name or f"Unnamed: {i}" for i, name in enumerate(header)]
    repeated = [name for name, n in Counter(header).items() if n > 1]
    if repeated:
        where = "; ".join(
            f"{name} ({', '.join(str(i + 1) for i, h in enumerate(header) if h == name)})"
            for name in repeated
        )
        raise ImportRejectedError("import.duplicate_headers", file=file_name, names=where)
    return header


def row_list(rows: list[int], limit: int = MAX_ROWS_NAMED) -> str:
    """'2, 7, 9' — the first ``limit`` row numbers, then '…'."""
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (", …" if len(rows) > limit else "")


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode a text file: in ``encoding`` when given; else UTF-8 (with or without BOM)
    first, else what charset-normalizer finds. GBK and GB2312 are read as GB18030,
    their superset. Raises ImportRejectedError when the bytes cannot be read."""
    if encoding:
        return _decode_as(data, encoding)
    try:
        encoding = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return Decoded(_transcode(data, encoding), encoding, 1.0)
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
            gb = next((m for m in matches if _is_gb(m.encoding)), None)
            confidence = 1.0 - gb.chaos if gb is not None else 1.0
            return Decoded(_transcode(data, "gb18030"), "gb18030", confidence)
        except UnicodeDecodeError:
            pass
    if best is None:
        raise ImportRejectedError("import.unknown_encoding")
    if best.bom:  # UTF-16/32 with a byte order mark: no guess involved
        return Decoded(_utf8(str(best)), best.encoding, 1.0)
    plausible = [m for m in matches if m.chaos <= best.chaos + _PLAUSIBLE_MARGIN]
    chosen = next((m for m in plausible if _WESTERN in m.could_be_from_charset), best)
    name = _WESTERN if _WESTERN in chosen.could_be_from_charset else chosen.encoding
    if _is_gb(name):
        name = "gb18030"
    text = str(chosen)
    others: dict[str, str] = {}
    for m in plausible:
        other = str(m)
        if other != text and other not in others.values():
            others[m.encoding] = other
        if len(others) == _MAX_ALTERNATIVES:
            break
    if not others:
        return Decoded(_utf8(text), name, 1.0 - chosen.chaos)
    line = _first_differing_line(text, list(others.values()))
    alternatives = tuple(Reading(enc, _line(other, line)) for enc, other in others.items())
    # k other readings fit as well: this one is right about one time in k + 1
    confidence = (1.0 - chosen.chaos) / (1 + len(alternatives))
    return Decoded(_utf8(text), name, confidence, alternatives, _line(text, line))


def _decode_as(data: bytes, encoding: str) -> Decoded:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as e:
        raise ImportRejectedError(
            "import.unknown_encoding_name", encoding=encoding, known=", ".join(COMMON_ENCODINGS)
        ) from e
    if name == "utf-8" and data.startswith(b"\xef\xbb\xbf"):
        name = "utf-8-sig"
    if _is_gb(name):
        name = "gb18030"
    try:
        return Decoded(_transcode(data, name), name, 1.0)
    except UnicodeDecodeError as e:
        raise ImportRejectedError(
            "import.not_in_encoding", encoding=encoding, position=e.start
        ) from e


_CHUNK_BYTES = 1 << 24


def _transcode(data: bytes, encoding: str) -> bytes:
    """``data`` in ``encoding`` as UTF-8, a chunk at a time (a whole 10M-line file as
    one Python str would take twice its size or more). UTF-8 is only checked, and
    returned as it is, with its byte order mark if any. Raises UnicodeDecodeError as ``data.decode(encoding)`` does."""
    decoder = codecs.getincrementaldecoder(encoding)()
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    parts: list[bytes] = []
    try:
        for start in range(0, len(data), _CHUNK_BYTES):
            text = decoder.decode(data[start : start + _CHUNK_BYTES], final=False)
            if not utf8:
                parts.append(text.encode("utf-8", errors="surrogatepass"))
        tail = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        data.decode(encoding)  # the error with its position in the whole file
        raise
    if utf8:
        return data
    parts.append(tail.encode("utf-8", errors="surrogatepass"))
    return b"".join(parts)


def _utf8(text: str) -> bytes:
    # surrogatepass: text decoded from UTF-16 may hold a lone surrogate
    return text.lstrip("\ufeff").encode("utf-8", errors="surrogatepass")


def _first_differing_line(text: str, others: list[str]) -> int:
    lines = text.splitlines()
    other_lines = [o.splitlines() for o in others]
    for i, line in enumerate(lines):
        if any(i >= len(o) or o[i] != line for o in other_lines):
            return i
    return 0


def _line(text: str, index: int, width: int = 80) -> str:
    lines = text.splitlines()
    line = lines[index] if index < len(lines) else ""
    return line if len(line) <= width else line[: width - 1] + "…"


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
