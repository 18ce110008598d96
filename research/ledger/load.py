"""Validate a mapped file and load it all at once or not at all.

``prepare`` maps columns to fields and validates every row, collecting every problem
with its row number, column, value and reason; it writes nothing. ``load`` writes a
clean file in one transaction. A file with any bad row is rejected whole
(``ImportRejectedError``); a killed import leaves the database as it was. Re-importing
the same file adds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from research.base.errors import ImportRejectedError
from research.base.i18n import Message, Translator
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.ledger.mapping import FIELDS, check_kind, resolve_mapping
from research.ledger.read import RawTable, read_table
from research.ledger.values import MAX_AMOUNT, parse_dates, parse_money, parse_period

CHUNK_ROWS = 100_000

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


def prepare(kind: str, raw: RawTable, mapping: dict[str, str] | None = None) -> Prepared:
    """Map and validate every row. Writes nothing.

    ``mapping`` is field -> source column; fields it leaves out are guessed from the
    headers. Raises ImportRejectedError when a required field has no column.
    """
    check_kind(kind)
    columns = list(raw.frame.columns)
    mapping = resolve_mapping(kind, columns, mapping)
    src = raw.frame
    rows = pd.Series(range(2, len(src) + 2), index=src.index)  # header is row 1
    out = pd.DataFrame(index=src.index)
    problems: list[Problem] = []
    warnings: list[Message] = []

    def report(mask: pd.Series, column: str, reason: Message) -> None:
        for idx in mask[mask].index:
            problems.append(Problem(int(rows[idx]), column, str(src.at[idx, column]), reason))

    # control characters (NUL, escape, ...) in any cell, mapped or kept as an attribute
    control = {c: _matching(src[c].astype(str), _CONTROL_CHARACTER) for c in columns}
    for column, mask in control.items():
        report(mask, column, Message("problem.control_character"))

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
            # every field is one line: a line break in an e-mail or an ID breaks the
            # calendar files and the pages that show it later
            report(
                _matching(text, _LINE_BREAK) & ~control[column],
                column,
                Message("problem.line_break"),
            )
            if fld.name == "customer_id" and raw.is_excel:
                text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
            out[fld.name] = text.where(~blank, None)
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


_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\t\n\r\x85\u2028\u2029]")


def _matching(values: pd.Series, pattern: re.Pattern) -> pd.Series:
    """Which values contain ``pattern``. One search over the whole column first: in a
    clean file (nearly always) that is all it costs."""
    if not pattern.search(" ".join(values.tolist())):
        return pd.Series(False, index=values.index)
    return values.map(lambda v: pattern.search(v) is not None).astype(bool)


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


def _duplicates(
    kind: str, out: pd.DataFrame, rows: pd.Series, valid: pd.Series
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
    store: Store, study: Study, prepared: Prepared, *, actor: str, progress: Progress = _no_progress
) -> ImportResult:
    """Write a validated file in one transaction.

    Raises ImportRejectedError (nothing written) if the file had any problem.
    """
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

    def apply(cur: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        new, updated = writer(cur, study.id, frame, actor, stamp, progress)
        cur.execute(
            "INSERT INTO imports (study_id, kind, file_name, file_sha256, encoding, rows_in_file,"
            " rows_new, rows_updated, duplicates, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                study.id,
                prepared.kind,
                prepared.raw.file_name,
                prepared.raw.sha256,
                prepared.raw.encoding,
                len(prepared.raw.frame),
                new,
                updated,
                len(prepared.duplicate_rows),
                actor,
                stamp,
            ],
        )
        audit(
            cur,
            study.id,
            actor,
            f"import.{prepared.kind}",
            {"file": prepared.raw.file_name, "new": new, "updated": updated},
        )
        return new, updated

    progress(0.0, Message("import.progress_writing"))
    new, updated = store.write(apply)
    progress(1.0, Message("import.progress_done"))
    return ImportResult(
        prepared.kind,
        prepared.raw.file_name,
        len(prepared.raw.frame),
        new,
        updated,
        tuple(prepared.duplicate_rows),
        prepared.raw.encoding,
        tuple(prepared.warnings),
    )


def _chunks(frame: pd.DataFrame, progress: Progress):
    total = max(len(frame), 1)
    for start in range(0, len(frame), CHUNK_ROWS):
        yield frame.iloc[start : start + CHUNK_ROWS]
        done = min(start + CHUNK_ROWS, len(frame))
        progress(
            done / total, Message("import.progress_rows", done=f"{done:,}", total=f"{len(frame):,}")
        )


def _load_transactions(cur, study_id, frame, actor, stamp, progress) -> tuple[int, int]:
    before = cur.execute(
        "SELECT count(*) FROM transactions WHERE study_id = ?", [study_id]
    ).fetchall()[0][0]
    for chunk in _chunks(frame, progress):
        cur.register("incoming", chunk)
        cur.execute(INSERT_TRANSACTIONS, [study_id, actor, stamp, study_id])
        cur.unregister("incoming")
    after = cur.execute(
        "SELECT count(*) FROM transactions WHERE study_id = ?", [study_id]
    ).fetchall()[0][0]
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
   OR {
    " OR ".join(
        f"(i.{c} IS NOT NULL AND i.{c}::VARCHAR IS DISTINCT FROM c.{c}::VARCHAR)"
        for c in _PLAIN_CUSTOMER_FIELDS
    )
}
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
            [study_id],
        ).fetchall()[0]
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
            "  AND w.period_end = CAST(i.period_end AS DATE)",
            [study_id],
        ).fetchall()[0]
        cur.execute(
            "INSERT INTO wallet_estimates (study_id, customer_id, period, period_start, period_end,"
            " estimated_spend, created_by, created_at, updated_by, updated_at)"
            " SELECT ?, customer_id, period, CAST(period_start AS DATE), CAST(period_end AS DATE),"
            " CAST(estimated_spend AS DECIMAL(18, 2)), ?, ?, ?, ? FROM incoming"
            " ON CONFLICT (study_id, customer_id, period_start, period_end) DO UPDATE SET"
            " estimated_spend = excluded.estimated_spend, period = excluded.period,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            [study_id, actor, stamp, actor, stamp],
        )
        cur.unregister("incoming")
        new += counts[0]
        updated += counts[1]
    return new, updated


def import_file(
    store: Store,
    study: Study,
    kind: str,
    source: str | Path | bytes,
    *,
    actor: str,
    mapping: dict[str, str] | None = None,
    file_name: str | None = None,
    progress: Progress = _no_progress,
) -> ImportResult:
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
