"""Validate a mapped file and load it into the company's ledger all at once or not at all.

``prepare`` maps columns to fields and validates every row, collecting every problem
with its row number, column, value and reason; it writes nothing. ``load`` writes a
clean file in one transaction. A file with any bad row is rejected whole
(``ImportRejectedError``); a killed import leaves the database as it was.

The ledger (customers, transactions, wallet estimates) belongs to the database, not to
a study: a file is imported once and serves every study.

Every transaction line counts, and none counts twice. Identical lines in a file are
separate purchases (two packets of the same biscuits), so a line is known by its
normalised values and its occurrence among the identical lines of its file (the 1st,
2nd, 3rd ...): ``line_key`` = md5(values) '#' occurrence, computed in SQL with
``row_number() OVER (PARTITION BY values ORDER BY file line)``. Re-importing a file, or
a later export that overlaps an earlier one, adds only the lines the ledger does not
hold yet: an export holding a line twice that an earlier file held once adds one.
Where the file has a transaction / order-line ID column (``line_id``), the ID decides
between lines that both carry one; the values and occurrence decide wherever one side
has no ID. Customers and wallet estimates are keyed by their IDs (and period): exact
repeats in a file are skipped, different details under one key are a problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from research.base.errors import ImportRejectedError, ResearchError
from research.base.i18n import Message, Translator
from research.base.permissions import require
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.ledger.mapping import FIELDS, check_kind, resolve_mapping
from research.ledger.read import RawTable, read_table
from research.ledger.values import MAX_AMOUNT, parse_dates, parse_money, parse_period

CHUNK_ROWS = 100_000
# DuckDB's memory while it numbers and writes a transactions file (benchmarks/import_speed.py:
# a 10M-line file within 2 GB in all)
LOAD_MEMORY_LIMIT = "512MB"

Progress = Callable[[float, Message], None]  # fraction done, what is happening


def _no_progress(fraction: float, message: Message) -> None:
    return None


@dataclass(frozen=True)
class Problem:
    row: int  # as the user sees it in the file: the header is row 1
    column: str
    value: str
    reason: Message

    def render(self, t: Translator | None = None) -> str:
        t = t or Translator()
        return t(
            "problem.line",
            row=self.row,
            column=self.column,
            value=self.value,
            reason=self.reason.render(t),
        )

    __str__ = render


@dataclass
class Prepared:
    kind: str
    raw: RawTable
    mapping: dict[str, str]  # field -> source column
    frame: pd.DataFrame  # normalised, one column per field (+ attributes for customers)
    problems: list[Problem]
    duplicate_rows: list[int]  # customers, wallet: exact repeats of an earlier row, skipped
    warnings: list[Message] = field(default_factory=list)

    @cached_property
    def identical_rows(self) -> list[int]:
        """Transactions: the rows identical to an earlier row, kept, every one (a
        preview of what ``load`` counts in SQL; found when asked, for a dry run)."""
        if self.kind != "transactions":
            return []
        rows = pd.Series(range(2, len(self.frame) + 2), index=self.frame.index)
        return _identical_lines(self.frame, rows, ~rows.isin({p.row for p in self.problems}))


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
    identical_kept: int = 0  # transaction lines identical to an earlier line of the file

    def summary(self, t: Translator | None = None) -> str:
        """What the import did, in one sentence of the reader's language."""
        t = t or Translator()
        if self.kind == "transactions":
            return t(
                "import.done_transactions",
                file=self.file_name,
                rows=t.number(self.rows_in_file),
                new=t.number(self.rows_new),
                known=t.number(self.rows_in_file - self.rows_new),
                identical=t.number(self.identical_kept),
            )
        return t(
            "import.done",
            file=self.file_name,
            rows=t.number(self.rows_in_file),
            new=t.number(self.rows_new),
            updated=t.number(self.rows_updated),
            duplicates=t.number(len(self.duplicate_rows)),
        )


def file_rows(src: pd.DataFrame) -> pd.Series:
    """Each row's number as the user sees it in the file: the header is row 1."""
    return pd.Series(range(2, len(src) + 2), index=src.index)


def problem_reporter(
    src: pd.DataFrame, rows: pd.Series, problems: list[Problem]
) -> Callable[[pd.Series, str, Message], None]:
    """``report(mask, column, reason)``: adds to ``problems`` one row-numbered Problem
    for each row of ``src`` where ``mask`` holds, with the cell as the file has it."""

    def report(mask: pd.Series, column: str, reason: Message) -> None:
        for idx in mask[mask].index:
            problems.append(Problem(int(rows[idx]), column, str(src.at[idx, column]), reason))

    return report


def prepare(kind: str, raw: RawTable, mapping: dict[str, str] | None = None) -> Prepared:
    """Map and validate every row. Writes nothing.

    ``mapping`` is field -> source column; fields it leaves out are guessed from the
    headers. Raises ImportRejectedError when a required field has no column.
    """
    check_kind(kind)
    columns = list(raw.frame.columns)
    mapping = resolve_mapping(kind, columns, mapping)
    src = raw.frame
    rows = file_rows(src)
    out = pd.DataFrame(index=src.index)
    problems: list[Problem] = []
    warnings: list[Message] = []
    report = problem_reporter(src, rows, problems)

    # control characters (NUL, escape, ...) in any cell, mapped or kept as an attribute
    control = {c: _matching(src[c], _CONTROL_CHARACTER, _CONTROL_BYTES) for c in columns}
    for column, mask in control.items():
        report(mask, column, Message("problem.control_character"))

    for fld in FIELDS[kind]:
        if fld.name not in mapping:
            # a field the file does not have: nulls that take no memory
            out[fld.name] = pd.Series(
                pd.arrays.ArrowExtensionArray(pa.nulls(len(src))), index=src.index
            )
            continue
        column = mapping[fld.name]
        text = _stripped(src[column])
        blank = text == ""
        if fld.required:
            report(blank, column, Message("problem.missing"))
        if fld.kind == "text":
            # every field is one line: a line break in an e-mail or an ID breaks the
            # calendar files and the pages that show it later
            report(
                _matching(text, _LINE_BREAK, _LINE_BREAK_BYTES) & ~control[column],
                column,
                Message("problem.line_break"),
            )
            if fld.name == "customer_id" and raw.is_excel:
                text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
            out[fld.name] = text.where(~blank, None) if blank.any() else text
        elif fld.kind in ("money", "number"):
            numbers, bad = _per_distinct_value(parse_money, text)
            report(bad & ~blank, column, Message("problem.not_number"))
            report(
                ~bad & ~blank & ~(numbers.abs() < MAX_AMOUNT),
                column,
                Message("problem.too_large", limit=f"{MAX_AMOUNT:,}"),
            )
            out[fld.name] = numbers.where(~blank)
        elif fld.kind == "date":
            dates, bad, notes = _per_distinct_value(parse_dates, text, excel=raw.is_excel)
            report(bad & ~blank, column, Message("problem.not_date"))
            warnings.extend(notes)
            # dates as Arrow dates: no Python object per row
            out[fld.name] = dates.where(~bad & ~blank).astype(_DATE)
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
    if kind == "transactions":
        # every line is kept: identical lines are separate purchases
        for row, other_row, value in _repeated_line_ids(out, rows, valid):
            problems.append(
                Problem(
                    row,
                    mapping["line_id"],
                    value,
                    Message("problem.line_id_repeated", other_row=other_row),
                )
            )
        problems.sort(key=lambda p: (p.row, p.column))
        return Prepared(
            kind,
            raw,
            mapping,
            out.reset_index(drop=True),
            problems,
            [],
            warnings,
        )
    duplicate_rows, key_conflicts = _duplicates(kind, out, rows, valid)
    for row, other_row, value in key_conflicts:
        problems.append(
            Problem(
                row,
                mapping["customer_id"],
                value,
                Message("problem.id_conflict", other_row=other_row),
            )
        )
    problems.sort(key=lambda p: (p.row, p.column))
    if duplicate_rows:
        warnings.append(
            Message("warning.duplicates", count=len(duplicate_rows), rows=_row_list(duplicate_rows))
        )
    keep = ~rows.isin(set(duplicate_rows))
    return Prepared(
        kind, raw, mapping, out[keep].reset_index(drop=True), problems, duplicate_rows, warnings
    )


# character classes written with the characters themselves, so that Arrow's regular
# expressions (RE2, on Arrow-backed columns) read them as Python's do; and the bytes
# they are in UTF-8 (ASCII control bytes never occur inside a longer character)
_CONTROL_CHARACTER = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = "[\t\n\r\x85\u2028\u2029]"
_LINE_BREAK_BYTES = re.compile(b"[\t\n\r]|\xc2\x85|\xe2\x80[\xa8\xa9]")
_DATE = pd.ArrowDtype(pa.date32())


def _stripped(values: pd.Series) -> pd.Series:
    """The values without surrounding whitespace; the column itself, not a copy, when
    none has any (nearly always)."""
    values = values.astype(str)
    stripped = values.str.strip()
    return values if stripped.equals(values) else stripped


def _matching(values: pd.Series, pattern: str, in_bytes: re.Pattern) -> pd.Series:
    """Which values contain ``pattern``. One search through the column's UTF-8 bytes
    first (``in_bytes``): in a clean file (nearly always) that is all it costs."""
    if not _may_hold(values, in_bytes):
        return pd.Series(False, index=values.index)
    return values.astype(str).str.contains(pattern, regex=True).fillna(False).astype(bool)


def _may_hold(values: pd.Series, in_bytes: re.Pattern) -> bool:
    """False when no value of an Arrow-backed text column holds ``in_bytes``: one
    search through each chunk's data buffer. A buffer may hold bytes of values outside
    the column's slice (the header): then the answer is a harmless True."""
    to_arrow = getattr(values.array, "__arrow_array__", None)
    if to_arrow is None:
        return True
    array = to_arrow()
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
        return True
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is not None and in_bytes.search(memoryview(data)):
            return True
    return False


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
    return pd.Series(
        [json.dumps(r, ensure_ascii=False) if r else None for r in filled],
        index=src.index,
        dtype=object,
    )


_LINE_VALUES = ["customer_id", "date", "amount", "quantity", "product_line", "margin"]


def _identical_lines(out: pd.DataFrame, rows: pd.Series, valid: pd.Series) -> list[int]:
    """Rows whose values repeat an earlier row's exactly, money to the cent as it is
    stored (the line ID aside): separate purchases, each kept. A preview of what
    ``load`` counts in SQL."""
    frame = out.loc[valid, _LINE_VALUES].copy()
    for column in ("amount", "margin"):
        frame[column] = pd.to_numeric(frame[column]).round(2)
    repeated = frame.duplicated(keep="first")
    return [int(r) for r in rows[repeated[repeated].index]]


def _repeated_line_ids(
    out: pd.DataFrame, rows: pd.Series, valid: pd.Series
) -> list[tuple[int, int, str]]:
    """A line ID names one line: one that occurs again in the file is a problem (the
    column may number documents rather than lines; then it should not be mapped)."""
    ids = out.loc[valid, "line_id"].dropna()
    repeated = ids[ids.duplicated(keep=False)]
    first_row: dict[str, int] = {}
    found = []
    for idx, value in repeated.items():
        if value in first_row:
            found.append((int(rows[idx]), first_row[value], str(value)))
        else:
            first_row[value] = int(rows[idx])
    return found


def _duplicates(
    kind: str, out: pd.DataFrame, rows: pd.Series, valid: pd.Series
) -> tuple[list[int], list[tuple[int, int, str]]]:
    """Customers and wallet estimates: exact repeats of an earlier row (skipped), and
    keys that repeat with different details (a problem: which one is right is the
    user's call)."""
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
                    conflicts.append(
                        (int(rows[idx]), first_row[k], str(out.at[idx, "customer_id"]))
                    )
                else:
                    first_row[k] = int(rows[idx])
    return duplicate_rows, conflicts


def _row_list(rows: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (", …" if len(rows) > limit else "")


def load(
    store: Store,
    prepared: Prepared,
    *,
    actor: str,
    progress: Progress = _no_progress,
    origin: str = "file",
) -> ImportResult:
    """Write a validated file into the ledger in one transaction. ``origin`` is 'file',
    or 'demo' for the demo company's data.

    Raises ImportRejectedError (nothing written) if the file had any problem.
    """
    actor = require(actor, "customers.write").name
    if prepared.problems:
        raise ImportRejectedError(
            "import.rejected",
            prepared.problems,
            file=prepared.raw.file_name,
            count=len(prepared.problems),
        )
    frame = prepared.frame
    stamp = now()
    writer = {
        "customers": _load_customers,
        "transactions": _load_transactions,
        "wallet": _load_wallet,
    }[prepared.kind]

    def apply(cur: duckdb.DuckDBPyConnection) -> Written:
        import_id = cur.execute("SELECT nextval('import_id_seq')").fetchall()[0][0]
        written = writer(cur, import_id, frame, actor, stamp, progress)
        cur.execute(
            INSERT_IMPORT,
            [
                import_id,
                prepared.kind,
                prepared.raw.file_name,
                prepared.raw.sha256,
                prepared.raw.encoding,
                len(prepared.raw.frame),
                written.new,
                written.updated,
                len(prepared.duplicate_rows),
                written.identical,
                origin,
                actor,
                stamp,
            ],
        )
        detail = {"file": prepared.raw.file_name, "new": written.new, "updated": written.updated}
        if prepared.kind == "transactions":
            detail["identical_kept"] = written.identical
        audit(cur, None, actor, f"import.{prepared.kind}", detail)
        return written

    progress(0.0, Message("import.progress_writing"))
    try:
        written = store.write(apply)
    finally:
        if prepared.kind == "transactions":  # the limit the store was opened with
            with store.cursor() as cur:
                if store.memory_limit is None:
                    cur.execute(RESET_MEMORY_LIMIT)
                else:
                    cur.execute(SET_MEMORY_LIMIT, [store.memory_limit])
    progress(1.0, Message("import.progress_done"))
    return ImportResult(
        prepared.kind,
        prepared.raw.file_name,
        len(prepared.raw.frame),
        written.new,
        written.updated,
        tuple(prepared.duplicate_rows),
        prepared.raw.encoding,
        tuple(prepared.warnings) + written.warnings,
        written.identical,
    )


@dataclass(frozen=True)
class Written:
    new: int
    updated: int
    identical: int = 0
    warnings: tuple[Message, ...] = ()


INSERT_IMPORT = """
INSERT INTO imports (id, study_id, kind, file_name, file_sha256, encoding, rows_in_file, rows_new,
                     rows_updated, duplicates, identical_kept, origin, created_by, created_at)
VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def _chunks(frame: pd.DataFrame, progress: Progress):
    total = max(len(frame), 1)
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start : start + CHUNK_ROWS]
        done = min(start + CHUNK_ROWS, len(frame))
        progress(
            done / total, Message("import.progress_rows", done=f"{done:,}", total=f"{len(frame):,}")
        )


def _load_transactions(cur, import_id, frame, actor, stamp, progress) -> Written:
    # DuckDB would hold the numbering of a large file in memory, beside the file's
    # columns; within a limit it spills to its temporary files, at little cost in time
    cur.execute(SET_MEMORY_LIMIT, [LOAD_MEMORY_LIMIT])  # the store's is restored by load
    return _write_lines(cur, import_id, frame, actor, stamp, progress)


SET_MEMORY_LIMIT = "SET memory_limit = ?"
RESET_MEMORY_LIMIT = "RESET memory_limit"


def _write_lines(cur, import_id, frame, actor, stamp, progress) -> Written:
    # file rows as prepare numbers them (the header is row 1): every line is kept, in order
    lines = _arrow_lines(frame)
    cur.register("incoming", lines)
    before = cur.execute("SELECT count(*) FROM transactions").fetchall()[0][0]
    # into an empty ledger every line is new: no line keys to look up
    cur.execute(NUMBER_LINES if before else NUMBER_LINES_INTO_EMPTY)
    total = f"{len(frame):,}"
    progress(0.5, Message("import.progress_numbered", total=total))
    occurrence, is_new = _numbering(cur, len(frame))
    identical = int((occurrence > 1).sum())
    changed = []
    if frame["line_id"].notna().any():
        changed = [r[0] for r in cur.execute(LINE_IDS_WITH_OTHER_VALUES).fetchall()]
    cur.execute("DROP TABLE numbered_lines")
    # each line carries its numbering: writing a range of rows joins nothing
    lines = lines.append_column("occurrence", pa.array(occurrence)).append_column(
        "is_new", pa.array(is_new)
    )
    step = max(CHUNK_ROWS, -(-len(frame) // _WRITE_STEPS))
    for start in range(0, len(frame), step):
        done = min(start + step, len(frame))
        # a slice of the Arrow table: the range is found without reading the others
        cur.register("incoming", lines.slice(start, done - start))
        cur.execute(INSERT_LINES, [import_id, actor, stamp])
        progress(
            0.5 + 0.5 * done / max(len(frame), 1),
            Message("import.progress_rows", done=f"{done:,}", total=total),
        )
    after = cur.execute("SELECT count(*) FROM transactions").fetchall()[0][0]
    cur.unregister("incoming")
    warnings = ()
    if changed:
        warnings = (
            Message("warning.line_id_changed", count=len(changed), rows=_row_list(changed)),
        )
    return Written(after - before, 0, identical, warnings)


def _numbering(cur, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``numbered_lines`` as arrays in file order: each line's occurrence and whether it
    is new. Read a batch at a time, so that the whole table is never held twice."""
    occurrence = np.zeros(rows, dtype=np.int32)
    is_new = np.zeros(rows, dtype=bool)
    reader = cur.sql(NUMBERING).to_arrow_reader(1_000_000)
    for batch in reader:
        at = batch.column(0).to_numpy() - 2  # the header is row 1, the first line row 2
        occurrence[at] = batch.column(1).to_numpy()
        is_new[at] = batch.column(2).to_numpy(zero_copy_only=False)
    return occurrence, is_new


def _arrow_lines(frame: pd.DataFrame) -> pa.Table:
    """The prepared lines with their file rows, as an Arrow table DuckDB reads without
    a copy: the Arrow-backed columns as they are, a field the file does not have as
    nulls that take no memory."""
    columns = {"line_no": pa.array(np.arange(2, len(frame) + 2, dtype=np.int64))}
    for name in frame.columns:
        values = frame[name]
        to_arrow = getattr(values.array, "__arrow_array__", None)
        if values.isna().all():
            columns[name] = pa.nulls(len(frame))
        elif to_arrow is not None:
            columns[name] = to_arrow()
        else:
            columns[name] = pa.array(values, from_pandas=True)
    return pa.table(columns)


# The file's lines typed as the ledger stores them; with their numbering (_write_lines).
_TYPED_COLUMNS = """line_no, CAST(customer_id AS VARCHAR) AS customer_id,
       CAST(date AS DATE) AS date, CAST(amount AS DECIMAL(18, 2)) AS amount,
       CAST(quantity AS DOUBLE) AS quantity, CAST(product_line AS VARCHAR) AS product_line,
       CAST(margin AS DECIMAL(18, 2)) AS margin, CAST(line_id AS VARCHAR) AS line_id"""
_TYPED_LINES = f"SELECT {_TYPED_COLUMNS} FROM incoming"
_TYPED_NUMBERED_LINES = f"SELECT {_TYPED_COLUMNS}, occurrence, is_new FROM incoming"

# The normalised values of a line, as text: what makes two lines identical.
LINE_VALUES_KEY = """md5(concat_ws('|', customer_id, date, amount,
    coalesce(CAST(quantity AS VARCHAR), ''), coalesce(product_line, ''),
    coalesce(CAST(margin AS VARCHAR), '')))"""

# Each line's occurrence among the identical lines of the file before it (1 for the
# first), and whether it is new. Numbered over the typed values themselves: the same
# lines as the md5 of their text (LINE_VALUES_KEY), at a fraction of the memory. A line
# is new unless the ledger holds its ID, or its key (md5 '#' occurrence) on a line where
# either side has no ID. Decided once, against the ledger as it was: within a file line
# keys and line IDs are unique, so no line can match another line of the file. Nothing
# but numbers is kept; they go back to the lines themselves (_numbering) before writing.
_OCCURRENCE = """row_number() OVER (
    PARTITION BY customer_id, date, amount, quantity, product_line, margin ORDER BY line_no)"""
NUMBER_LINES = f"""
CREATE OR REPLACE TEMP TABLE numbered_lines AS
SELECT s.line_no, s.occurrence,
       NOT EXISTS (SELECT 1 FROM transactions t WHERE t.line_key = s.line_key
                   AND (t.line_id IS NULL OR s.line_id IS NULL))
       AND (s.line_id IS NULL
            OR NOT EXISTS (SELECT 1 FROM transactions t WHERE t.line_id = s.line_id)) AS is_new
FROM (
    SELECT line_no, line_id, occurrence, {LINE_VALUES_KEY} || '#' || occurrence AS line_key
    FROM (SELECT *, {_OCCURRENCE} AS occurrence FROM ({_TYPED_LINES}))
) s
"""
# NUMBER_LINES for a ledger without lines: every line is new, no key is looked up
NUMBER_LINES_INTO_EMPTY = f"""
CREATE OR REPLACE TEMP TABLE numbered_lines AS
SELECT line_no, {_OCCURRENCE} AS occurrence, TRUE AS is_new FROM ({_TYPED_LINES})
"""
NUMBERING = """
SELECT CAST(line_no AS BIGINT), CAST(occurrence AS INTEGER), is_new FROM numbered_lines
"""

# Lines whose ID the ledger holds with other values: the stored line stays as it is.
LINE_IDS_WITH_OTHER_VALUES = f"""
SELECT l.line_no
FROM (SELECT line_no, line_id, {LINE_VALUES_KEY} AS values_key FROM ({_TYPED_LINES})) l
WHERE l.line_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM transactions t
    WHERE t.line_id = l.line_id AND split_part(t.line_key, '#', 1) <> l.values_key)
ORDER BY l.line_no
"""

# a large file is written in this many steps at most, each reported
_WRITE_STEPS = 10

# The new lines of ``incoming`` (a range of the file's rows, each with its numbering).
INSERT_LINES = f"""
INSERT INTO transactions (line_key, line_id, customer_id, date, amount, quantity, product_line,
                          margin, import_id, created_by, created_at)
SELECT {LINE_VALUES_KEY} || '#' || l.occurrence, l.line_id, l.customer_id, l.date, l.amount,
       l.quantity, l.product_line, l.margin, $1, $2, $3
FROM ({_TYPED_NUMBERED_LINES}) l
WHERE l.is_new
"""

_CUSTOMER_FIELDS = [f.name for f in FIELDS["customers"] if f.name != "customer_id"] + ["attributes"]

_PLAIN_CUSTOMER_FIELDS = [c for c in _CUSTOMER_FIELDS if c != "attributes"]

# Blank cells never erase what an earlier import recorded: plain fields keep their old
# value, and the extra columns (attributes) are merged key by key into the stored ones.
UPSERT_CUSTOMERS = f"""
INSERT INTO customers (customer_id, {", ".join(_CUSTOMER_FIELDS)},
                       created_by, created_at, updated_by, updated_at)
SELECT customer_id, {", ".join(_CUSTOMER_FIELDS)}, ?, ?, ?, ? FROM changed
ON CONFLICT (customer_id) DO UPDATE SET
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
LEFT JOIN customers c ON c.customer_id = i.customer_id
WHERE c.customer_id IS NULL
   OR {
    " OR ".join(
        f"(i.{c} IS NOT NULL AND i.{c}::VARCHAR IS DISTINCT FROM c.{c}::VARCHAR)"
        for c in _PLAIN_CUSTOMER_FIELDS
    )
}
   OR (i.attributes IS NOT NULL AND (c.attributes IS NULL
       OR json_merge_patch(c.attributes, i.attributes)::VARCHAR <> json(c.attributes)::VARCHAR))
"""


ERASED_CUSTOMERS = "SELECT customer_id FROM erased_customers"
# what an erasure blanked (research/findings/erasure.py); an old file must not bring it back
ERASED_FIELDS = ("name", "contact_person", "phone", "email", "attributes")


def _load_customers(cur, import_id, frame, actor, stamp, progress) -> Written:
    new = updated = 0
    erased = {r[0] for r in cur.execute(ERASED_CUSTOMERS).fetchall()}
    for chunk in _chunks(frame, progress):
        if erased:
            gone = chunk["customer_id"].isin(erased)
            if gone.any():
                chunk = chunk.copy()
                for column in ERASED_FIELDS:
                    if column in chunk.columns:
                        chunk[column] = chunk[column].astype(object).where(~gone, None)
        cur.register("incoming", chunk.astype(object))
        cur.execute(_CHANGED_CUSTOMERS)
        counts = cur.execute(COUNT_CHANGED_CUSTOMERS).fetchall()[0]
        if counts[1]:
            cur.execute(AUDIT_CUSTOMER_CHANGES, [actor, stamp])
        cur.execute(UPSERT_CUSTOMERS, [actor, stamp, actor, stamp])
        cur.execute("DROP TABLE changed")
        cur.unregister("incoming")
        new += counts[0]
        updated += counts[1]
    return Written(new, updated)


# Every existing customer the file changes, into the audit log with the old and the new
# values of the fields the file gives (a blank cell changes nothing, so it is left out
# of "new"). New customers are recorded by the import's own audit row and file name.
AUDIT_CUSTOMER_CHANGES = f"""
INSERT INTO audit_log (study_id, actor, acted_at, action, detail, entity, entity_id)
SELECT NULL, ?, ?, 'customer.update',
       json_object(
           'old', json_object({", ".join(f"'{c}', c.{c}" for c in _PLAIN_CUSTOMER_FIELDS)},
                              'attributes', c.attributes),
           'new', json_object({", ".join(f"'{c}', x.{c}" for c in _PLAIN_CUSTOMER_FIELDS)},
                              'attributes', x.attributes)),
       'customer', x.customer_id
FROM changed x JOIN customers c ON c.customer_id = x.customer_id
"""

COUNT_CHANGED_CUSTOMERS = """
SELECT count(*) FILTER (WHERE c.customer_id IS NULL), count(c.customer_id)
FROM changed x LEFT JOIN customers c ON c.customer_id = x.customer_id
"""

COUNT_WALLET = """
SELECT count(*) FILTER (WHERE w.customer_id IS NULL),
       count(*) FILTER (WHERE w.customer_id IS NOT NULL
                        AND w.estimated_spend <> CAST(i.estimated_spend AS DECIMAL(18, 2)))
FROM incoming i
LEFT JOIN wallet_estimates w ON w.customer_id = i.customer_id
    AND w.period_start = CAST(i.period_start AS DATE) AND w.period_end = CAST(i.period_end AS DATE)
"""

UPSERT_WALLET = """
INSERT INTO wallet_estimates (customer_id, period, period_start, period_end, estimated_spend,
                              created_by, created_at, updated_by, updated_at)
SELECT customer_id, period, CAST(period_start AS DATE), CAST(period_end AS DATE),
       CAST(estimated_spend AS DECIMAL(18, 2)), ?, ?, ?, ?
FROM incoming
ON CONFLICT (customer_id, period_start, period_end) DO UPDATE SET
    estimated_spend = excluded.estimated_spend, period = excluded.period,
    updated_by = excluded.updated_by, updated_at = excluded.updated_at
"""

# Estimates of the file's customers that overlap another estimate of the same customer
# (a quarter and its months): detection counts the finer periods and sets the coarser
# aside (research/selection/detection.py), so the import says which.
OVERLAPPING_WALLET = """
SELECT DISTINCT coarse.customer_id, coarse.period
FROM wallet_estimates coarse
JOIN wallet_estimates fine ON fine.customer_id = coarse.customer_id
    AND fine.period_start < coarse.period_end AND coarse.period_start < fine.period_end
    AND (fine.period_end - fine.period_start < coarse.period_end - coarse.period_start
         OR (fine.period_end - fine.period_start = coarse.period_end - coarse.period_start
             AND fine.period_start < coarse.period_start))
WHERE coarse.customer_id IN (SELECT customer_id FROM wallet_file)
ORDER BY 1, 2
"""


def _load_wallet(cur, import_id, frame, actor, stamp, progress) -> Written:
    new = updated = 0
    cur.execute("CREATE OR REPLACE TEMP TABLE wallet_file (customer_id VARCHAR)")
    for chunk in _chunks(frame, progress):
        cur.register("incoming", chunk.astype(object))
        counts = cur.execute(COUNT_WALLET).fetchall()[0]
        cur.execute(UPSERT_WALLET, [actor, stamp, actor, stamp])
        cur.execute("INSERT INTO wallet_file SELECT DISTINCT customer_id FROM incoming")
        cur.unregister("incoming")
        new += counts[0]
        updated += counts[1]
    overlapping = cur.execute(OVERLAPPING_WALLET).fetchall()
    cur.execute("DROP TABLE wallet_file")
    warnings = ()
    if overlapping:
        examples = ", ".join(f"{c} {p}" for c, p in overlapping[:5])
        warnings = (
            Message(
                "warning.wallet_overlap",
                count=len(overlapping),
                examples=examples + (", …" if len(overlapping) > 5 else ""),
            ),
        )
    return Written(new, updated, 0, warnings)


def import_file(
    store: Store,
    kind: str,
    source: str | Path | bytes,
    *,
    actor: str,
    mapping: dict[str, str] | None = None,
    file_name: str | None = None,
    progress: Progress = _no_progress,
    origin: str = "file",
) -> ImportResult:
    """Read, validate and load one file into the ledger. Raises ImportRejectedError,
    writing nothing."""
    raw = read_table(source, file_name)
    prepared = prepare(kind, raw, mapping)
    return load(store, prepared, actor=actor, progress=progress, origin=origin)


IMPORT_HISTORY = """
SELECT created_at, kind, file_name, rows_in_file, rows_new, rows_updated, duplicates,
       identical_kept, created_by
FROM imports
WHERE kind IN ('customers', 'transactions', 'wallet') OR study_id = ?
ORDER BY created_at DESC, id DESC
"""


def import_history(store: Store, study: Study | None = None) -> pd.DataFrame:
    """Every import into the ledger, and the past findings imported into ``study``,
    newest first, with who ran it."""
    with store.cursor() as cur:
        return cur.execute(IMPORT_HISTORY, [study.id if study else None]).df()


COMPANY_IMPORTS = """
SELECT count(*) FROM imports
WHERE kind IN ('customers', 'transactions', 'wallet') AND origin <> 'demo'
"""


def holds_company_data(store: Store) -> bool:
    """True when files other than the demo company's were imported into the ledger."""
    with store.cursor() as cur:
        return cur.execute(COMPANY_IMPORTS).fetchall()[0][0] > 0


def clear_demo_data(store: Store, *, actor: str) -> None:
    """Empty a ledger that holds only the demo company's data, for a new demo.

    Raises ResearchError when the ledger holds another company's data."""

    actor = require(actor, "customers.write").name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        if cur.execute(COMPANY_IMPORTS).fetchall()[0][0]:
            raise ResearchError("error.demo_beside_company_data")
        for table in ("transactions", "customers", "wallet_estimates"):
            cur.execute(f"DELETE FROM {table}")
        removed = cur.execute("DELETE FROM imports WHERE origin = 'demo' RETURNING id").fetchall()
        if removed:
            audit(cur, None, actor, "ledger.demo_cleared", {"imports": len(removed)})

    store.write(apply)


SKIPPED_BEFORE = """
SELECT count(*), coalesce(sum(duplicates), 0), string_agg(DISTINCT file_name, ', ' ORDER BY file_name)
FROM imports WHERE kind = 'transactions' AND duplicates > 0
"""


def skipped_identical_lines(store: Store) -> Message | None:
    """Transaction imports made before every line counted skipped identical lines as
    duplicates; importing those files again restores them. None when there were none."""
    with store.cursor() as cur:
        imports, lines, files = cur.execute(SKIPPED_BEFORE).fetchall()[0]
    if not imports:
        return None
    return Message("import.skipped_before", imports=imports, lines=lines, files=files)


LEDGER_COUNTS = """
SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM transactions),
       (SELECT count(*) FROM wallet_estimates)
"""


def ledger_counts(store: Store) -> dict[str, int]:
    """How much the ledger holds: {customers, transactions, wallet}."""
    with store.cursor() as cur:
        customers, transactions, wallet = cur.execute(LEDGER_COUNTS).fetchall()[0]
    return {"customers": customers, "transactions": transactions, "wallet": wallet}
