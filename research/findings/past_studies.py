"""Bring the findings of past defector studies in from spreadsheets.

Teams keep earlier studies in Excel: one row per defector with a customer id, maybe a
date, a cause (and often the study's own category for it), satisfaction answers and
what the customer said. The import runs like the customer import
(``research.ledger``: its ``read_table`` reads the file, its mapping rules guess
the columns):

1. ``prepare`` maps columns to fields (guessed from English and Chinese headers,
   overridable), validates every row and matches every cause label to a code of the
   taxonomy: a label mapped by hand, a code added for it, a label mapped in an earlier
   import, or a code's own key or English or Chinese label. Labels that match nothing
   are listed (with how often they occur) for mapping to an existing or a new code
   *before* anything is written. Rows without a cause are not findings and are skipped.
2. ``load`` writes a clean file in one transaction: the new codes, the label mappings
   (remembered for the next file), the findings (final, origin ``import``) and their
   verbatim quotes. A file with any bad row or unmapped label writes nothing.

The source's own labels stay on each finding as given (``source_reason``,
``source_category``) beside the code they were mapped to, and every other column is
kept in ``source_data``. Importing the same file again adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from research.base.errors import ImportRejectedError
from research.base.i18n import Message, Translator
from research.base.permissions import require
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.findings import interviews, taxonomy
from research.ledger import mapping as mapping_rules
from research.ledger.load import Problem, file_rows, problem_reporter
from research.ledger.mapping import Field
from research.ledger.read import RawTable, read_table
from research.ledger.values import parse_dates

KIND = "findings"
_SPLIT = re.compile(r"\s*[;；、|\n]\s*")

FIELDS: tuple[Field, ...] = (
    Field("customer_id", "text", True, mapping_rules.FIELDS["customers"][0].aliases),
    Field(
        "interview_date",
        "date",
        False,
        ("interview date", "date", "churn date", "defection date", "访谈日期", "日期", "流失日期"),
    ),
    Field(
        "primary_cause",
        "text",
        True,
        (
            "primary cause",
            "cause",
            "reason",
            "churn reason",
            "defection reason",
            "reason for leaving",
            "main reason",
            "主要原因",
            "原因",
            "流失原因",
            "离开原因",
        ),
    ),
    Field(
        "secondary_causes",
        "text",
        False,
        (
            "secondary causes",
            "secondary cause",
            "other causes",
            "other reasons",
            "次要原因",
            "其他原因",
        ),
    ),
    Field(
        "source_category",
        "text",
        False,
        (
            "category",
            "churn category",
            "cause category",
            "reason category",
            "类别",
            "流失类别",
            "原因类别",
            "分类",
        ),
    ),
    Field(
        "sat_product",
        "satisfaction",
        False,
        ("product quality", "satisfaction product", "产品质量", "产品质量满意度"),
    ),
    Field(
        "sat_service",
        "satisfaction",
        False,
        ("service quality", "satisfaction service", "服务质量", "服务质量满意度"),
    ),
    Field(
        "sat_delivery",
        "satisfaction",
        False,
        ("delivery", "logistics", "delivery logistics", "交付", "物流", "交付物流满意度"),
    ),
    Field(
        "sat_value", "satisfaction", False, ("value for money", "value", "性价比", "性价比满意度")
    ),
    Field("sat_communication", "satisfaction", False, ("communication", "沟通", "沟通满意度")),
    Field(
        "verbatim",
        "text",
        False,
        (
            "verbatim",
            "verbatims",
            "quote",
            "quotes",
            "comment",
            "comments",
            "customer comment",
            "原话",
            "客户原话",
            "评论",
        ),
    ),
    Field("summary", "text", False, ("summary", "interview summary", "总结", "摘要", "访谈总结")),
    Field("defection_type", "choice", False, ("defection type", "流失类型")),
    Field("competitor", "text", False, ("competitor", "new supplier", "竞争对手", "新供应商")),
    Field("win_back", "choice", False, ("win back", "win-back", "win back chance", "挽回可能")),
    Field("interviewer", "text", False, ("interviewer", "访谈人", "访谈者")),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)

# Five-point answers as teams write them: 5 is highly satisfied, 1 very dissatisfied.
_SATISFACTION_WORDS = {
    "highly_satisfied": ("5", "highly satisfied", "very satisfied", "非常满意", "很满意"),
    "fairly_satisfied": ("4", "fairly satisfied", "satisfied", "比较满意", "满意"),
    "no_opinion": ("3", "no opinion", "neutral", "无意见", "一般", "中立"),
    "somewhat_dissatisfied": ("2", "somewhat dissatisfied", "dissatisfied", "不太满意", "不满意"),
    "very_dissatisfied": (
        "1",
        "very dissatisfied",
        "highly dissatisfied",
        "非常不满意",
        "很不满意",
    ),
}
SATISFACTION_WORDS = {w: key for key, words in _SATISFACTION_WORDS.items() for w in words}
CHOICE_WORDS = {
    "defection_type": {
        "full": "full",
        "partial": "partial",
        "former": "former",
        "former customer": "former",
        "完全流失": "full",
        "部分流失": "partial",
        "前客户": "former",
        "已非客户": "former",
    },
    "win_back": {
        "yes": "yes",
        "maybe": "maybe",
        "no": "no",
        "能": "yes",
        "可能": "maybe",
        "不能": "no",
        "是": "yes",
        "否": "no",
    },
}


class UnmappedLabelsError(ImportRejectedError):
    """Cause labels in the file match no code: nothing was written. ``labels`` lists them."""

    title_key = "error.title.unmapped"

    def __init__(self, labels: list[UnknownLabel], file: str):
        self.labels = labels
        super().__init__("findings_import.unmapped", file=file, count=len(labels))

    def render(self, t=None) -> str:
        t = t or Translator()
        lines = [t(self.key, **self.values)]
        lines += [
            "  " + t("findings_import.unmapped_line", label=u.label, count=u.count, column=u.column)
            for u in self.labels
        ]
        lines.append(t("findings_import.unmapped_hint"))
        return "\n".join(lines)


@dataclass(frozen=True)
class UnknownLabel:
    label: str  # as first seen in the file
    count: int  # rows it appears in
    column: str


@dataclass(frozen=True)
class NewCode:
    """A code to add for a label the taxonomy does not know."""

    label: str
    code: str
    group: str
    label_zh: str | None = None


@dataclass
class PreparedFindings:
    raw: RawTable
    mapping: dict[str, str]  # field -> source column
    frame: pd.DataFrame  # one row per finding to write
    problems: list[Problem]
    unknown: list[UnknownLabel]
    label_codes: dict[str, str]  # normalised label -> code, for every label in the file
    new_codes: tuple[NewCode, ...]
    hand_mapped: dict[str, str]  # labels mapped by hand (remembered after the import)
    skipped_blank: int  # rows without a cause
    duplicate_rows: list[int]
    warnings: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class FindingsImportResult:
    file_name: str
    rows_in_file: int
    rows_new: int
    rows_existing: int  # already imported before
    skipped_blank: int
    duplicate_rows: tuple[int, ...]
    new_codes: tuple[str, ...]
    warnings: tuple[Message, ...]

    def summary(self, t: Translator) -> str:
        """What the import did, in one sentence in the reader's language."""
        return t(
            "findings_import.done",
            file=self.file_name,
            new=t.number(self.rows_new),
            existing=t.number(self.rows_existing),
            skipped=t.number(self.skipped_blank),
            codes=", ".join(self.new_codes) or "–",
        )


# ---------------------------------------------------------------- options


def parse_code_options(options: list[str] | tuple[str, ...]) -> dict[str, str]:
    """CLI ``LABEL=CODE`` options: map a label to an existing code."""
    out = {}
    for option in options:
        label, sep, code = option.rpartition("=")
        if not sep or not label.strip() or not code.strip():
            raise ImportRejectedError("findings_import.bad_code_option", option=option)
        out[label.strip()] = code.strip()
    return out


def parse_new_code_options(options: list[str] | tuple[str, ...]) -> list[NewCode]:
    """CLI ``LABEL=GROUP/CODE[/CHINESE LABEL]`` options: add a code for a label."""
    out = []
    for option in options:
        label, sep, spec = option.rpartition("=")
        parts = spec.split("/", 2)
        if not sep or not label.strip() or len(parts) < 2 or not all(p.strip() for p in parts):
            raise ImportRejectedError("findings_import.bad_new_code_option", option=option)
        out.append(
            NewCode(
                label.strip(),
                parts[1].strip(),
                parts[0].strip(),
                parts[2].strip() if len(parts) == 3 else None,
            )
        )
    return out


# ---------------------------------------------------------------- mapping columns


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """Guess the source column of each field from English and Chinese header names
    (the customer import's rules, ``research.ledger.mapping``)."""
    return mapping_rules.suggest_mapping(KIND, columns, FIELDS)


# ---------------------------------------------------------------- validating


def prepare(
    store: Store,
    raw: RawTable,
    mapping: dict[str, str] | None = None,
    *,
    label_map: dict[str, str] | None = None,
    new_codes: list[NewCode] | tuple[NewCode, ...] = (),
) -> PreparedFindings:
    """Map, validate and code every row. Writes nothing.

    ``label_map`` maps cause labels to existing codes; ``new_codes`` adds codes for
    labels. Raises ImportRejectedError for a missing required column, a mapping to an
    unknown code or group, or a new code that exists already.
    """
    columns = list(raw.frame.columns)
    mapping = mapping_rules.resolve_mapping(KIND, columns, mapping, FIELDS)
    book = taxonomy.codebook(store)
    remembered = taxonomy.remembered_labels(store)
    hand = _check_label_options(book, label_map or {}, new_codes)
    src = raw.frame
    rows = file_rows(src)
    out = pd.DataFrame(index=src.index)
    problems: list[Problem] = []
    warnings: list[Message] = []
    report = problem_reporter(src, rows, problems)

    for fld in FIELDS:
        if fld.name not in mapping:
            out[fld.name] = None
            continue
        column = mapping[fld.name]
        text = src[column].astype(str).str.strip()
        blank = text == ""
        if fld.kind == "date":
            dates, bad, notes = parse_dates(text, excel=raw.is_excel)
            report(bad & ~blank, column, Message("problem.not_date"))
            warnings.extend(notes)
            out[fld.name] = dates.dt.date.where(~bad & ~blank, None)
        elif fld.kind == "satisfaction":
            parsed = text.map(lambda v: SATISFACTION_WORDS.get(_satisfaction_key(v)))
            report(parsed.isna() & ~blank, column, Message("problem.not_satisfaction"))
            out[fld.name] = parsed.where(~blank, None)
        elif fld.kind == "choice":
            words = CHOICE_WORDS[fld.name]
            parsed = text.map(lambda v, w=words: w.get(v.lower()))
            report(
                parsed.isna() & ~blank,
                column,
                Message("problem.not_choice", choices=", ".join(sorted(set(words)))),
            )
            out[fld.name] = parsed.where(~blank, None)
        else:
            if fld.name == "customer_id" and raw.is_excel:
                text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
            out[fld.name] = text.where(~blank, None)
    report(out["customer_id"].isna(), mapping["customer_id"], Message("problem.missing"))

    no_cause = out["primary_cause"].isna()
    skipped_blank = int(no_cause.sum())
    if skipped_blank:
        warnings.append(
            Message(
                "findings_import.skipped_blank",
                count=skipped_blank,
                column=mapping["primary_cause"],
            )
        )
    keep = ~no_cause
    extra = [c for c in columns if c not in mapping.values()]
    out["source_data"] = (
        [
            json.dumps({c: v for c, v in r.items() if str(v).strip() != ""}, ensure_ascii=False)
            if extra
            else None
            for r in src[extra].to_dict(orient="records")
        ]
        if extra
        else None
    )

    # every cause label in the file, matched to a code
    label_codes: dict[str, str] = {}
    seen: dict[str, list] = {}  # normalised label -> [first spelling, count, column]
    new_by_label = {taxonomy.normalise_label(n.label): n.code for n in new_codes}
    for name in ("primary_cause", "secondary_causes"):
        if name not in mapping:
            continue
        cells = out.loc[keep, name].dropna()
        labels = cells if name == "primary_cause" else cells.map(_SPLIT.split).explode()
        for label in labels:
            label = str(label).strip()
            key = taxonomy.normalise_label(label)
            if not key:
                continue
            entry = seen.setdefault(key, [label, 0, mapping[name]])
            entry[1] += 1
            if key in label_codes:
                continue
            code = hand.get(key) or new_by_label.get(key) or book.lookup(label, remembered)
            if code:
                label_codes[key] = code
    unknown = [
        UnknownLabel(first, count, column)
        for key, (first, count, column) in seen.items()
        if key not in label_codes
    ]
    unknown.sort(key=lambda u: (-u.count, u.label))

    frame = out[keep].copy()
    frame["row"] = rows[keep]
    frame["primary_code"] = frame["primary_cause"].map(
        lambda v: label_codes.get(taxonomy.normalise_label(v))
    )
    frame["secondary_codes"] = frame["secondary_causes"].map(
        lambda v: (
            json.dumps(
                [
                    label_codes[k]
                    for k in dict.fromkeys(taxonomy.normalise_label(x) for x in _SPLIT.split(v))
                    if k in label_codes
                ]
            )
            if isinstance(v, str)
            else "[]"
        )
    )
    frame["source_key"] = [_row_key(r) for r in frame[[*FIELD_NAMES]].itertuples(index=False)]
    problems.sort(key=lambda p: (p.row, p.column))
    duplicated = frame["source_key"].duplicated(keep="first")
    duplicate_rows = [int(r) for r in frame.loc[duplicated, "row"]]
    if duplicate_rows:
        warnings.append(
            Message(
                "warning.duplicates",
                count=len(duplicate_rows),
                rows=", ".join(str(r) for r in duplicate_rows[:20]),
            )
        )
    frame = frame[~duplicated].reset_index(drop=True)
    return PreparedFindings(
        raw,
        mapping,
        frame,
        problems,
        unknown,
        label_codes,
        tuple(new_codes),
        hand,
        skipped_blank,
        duplicate_rows,
        warnings,
    )


def _satisfaction_key(value: str) -> str:
    value = value.strip().lower()
    return re.sub(r"^(\d)(\.0+)?$", r"\1", value)


def _row_key(values) -> str:
    text = "|".join("" if v is None or v != v else str(v) for v in values)
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _check_label_options(
    book: taxonomy.Codebook, label_map: dict[str, str], new_codes
) -> dict[str, str]:
    hand = {}
    for label, code in label_map.items():
        if code not in book.codes:
            raise ImportRejectedError("findings_import.unknown_target", label=label, code=code)
        hand[taxonomy.normalise_label(label)] = code
    for new in new_codes:
        book.group(new.group)  # raises for an unknown group
        if new.code in book.codes:
            raise ImportRejectedError(
                "findings_import.new_code_exists", label=new.label, code=new.code
            )
        if not taxonomy.CODE_PATTERN.match(new.code):
            raise ImportRejectedError("error.code_invalid", code=new.code)
    return hand


# ---------------------------------------------------------------- loading

INSERT_IMPORT = """
INSERT INTO imports (study_id, kind, file_name, file_sha256, encoding, rows_in_file, rows_new,
    rows_updated, duplicates, created_by, created_at)
VALUES (?, 'findings', ?, ?, ?, ?, 0, 0, ?, ?, ?) RETURNING id
"""

INSERT_FINDINGS = """
INSERT INTO findings (study_id, customer_id, interview_date, interviewer, origin, status,
    defection_type, competitor, primary_code, secondary_codes, sat_product, sat_service,
    sat_delivery, sat_value, sat_communication, summary, win_back, codebook_version,
    source_category, source_reason, source_data, import_id, source_key, finalized_by,
    finalized_at, version, created_by, created_at, updated_by, updated_at)
SELECT $study, customer_id, CAST(interview_date AS DATE), interviewer, 'import', 'final',
    defection_type, competitor, primary_code, CAST(secondary_codes AS JSON), sat_product,
    sat_service, sat_delivery, sat_value, sat_communication, coalesce(summary, ''), win_back,
    $book, source_category, primary_cause, CAST(source_data AS JSON), $import, source_key,
    $actor, $stamp, 1, $actor, $stamp, $actor, $stamp
FROM incoming i
WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.study_id = $study
                  AND f.source_key = i.source_key)
"""

INSERT_SNAPSHOTS = """
INSERT INTO record_versions (record_type, record_id, version, data, changed_by, changed_at)
SELECT 'finding', CAST(f.id AS VARCHAR), 1, to_json(f), ?, ? FROM findings f WHERE f.import_id = ?
"""

INSERT_QUOTES = """
INSERT INTO finding_quotes (finding_id, position, text, code, version, created_by, created_at,
    updated_by, updated_at)
SELECT f.id, 1, i.verbatim, NULL, 1, ?, ?, ?, ?
FROM incoming i JOIN findings f ON f.import_id = ? AND f.source_key = i.source_key
WHERE i.verbatim IS NOT NULL
"""


def load(
    store: Store, study: Study, prepared: PreparedFindings, *, actor: str
) -> FindingsImportResult:
    """Write a prepared file in one transaction.

    Raises ImportRejectedError (row problems) or UnmappedLabelsError (labels that
    match no code); either way nothing is written.
    """
    actor = require(actor, "findings.import", store=store, study=study).name
    raw = prepared.raw
    if prepared.problems:
        raise ImportRejectedError(
            "import.rejected", prepared.problems, file=raw.file_name, count=len(prepared.problems)
        )
    if prepared.unknown:
        raise UnmappedLabelsError(prepared.unknown, raw.file_name)
    stamp = now()
    frame = prepared.frame[
        [*FIELD_NAMES, "primary_code", "secondary_codes", "source_key", "source_data"]
    ].astype(object)
    frame = frame.where(frame.notna(), None)

    def apply(cur: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        for new in prepared.new_codes:
            taxonomy.add_code_in(
                cur,
                code=new.code,
                group=new.group,
                label_en=new.label,
                label_zh=new.label_zh or new.label,
                actor=actor,
                description_en=f"Added by the import of {raw.file_name}.",
                description_zh=f"导入 {raw.file_name} 时添加。",
            )
        remembered = dict(prepared.hand_mapped)
        remembered.update({taxonomy.normalise_label(n.label): n.code for n in prepared.new_codes})
        taxonomy.remember_labels_in(cur, remembered, actor)
        version = taxonomy.read_codebook(cur).version
        import_id = cur.execute(
            INSERT_IMPORT,
            [
                study.id,
                raw.file_name,
                raw.sha256,
                raw.encoding,
                len(raw.frame),
                len(prepared.duplicate_rows),
                actor,
                stamp,
            ],
        ).fetchall()[0][0]
        cur.register("incoming", frame)
        cur.execute(
            INSERT_FINDINGS,
            {
                "study": study.id,
                "book": version,
                "import": import_id,
                "actor": actor,
                "stamp": stamp,
            },
        )
        new = cur.execute(
            "SELECT count(*) FROM findings WHERE import_id = ?", [import_id]
        ).fetchall()[0][0]
        cur.execute(INSERT_SNAPSHOTS, [actor, stamp, import_id])
        cur.execute(INSERT_QUOTES, [actor, stamp, actor, stamp, import_id])
        cur.unregister("incoming")
        cur.execute("UPDATE imports SET rows_new = ? WHERE id = ?", [new, import_id])
        audit(
            cur,
            study.id,
            actor,
            "findings.import",
            {"file": raw.file_name, "new": new, "new_codes": [n.code for n in prepared.new_codes]},
        )
        return new, import_id

    new, _ = store.write(apply)
    return FindingsImportResult(
        raw.file_name,
        len(raw.frame),
        new,
        len(frame) - new,
        prepared.skipped_blank,
        tuple(prepared.duplicate_rows),
        tuple(n.code for n in prepared.new_codes),
        tuple(prepared.warnings),
    )


def import_findings(
    store: Store,
    study: Study,
    source: str | Path | bytes,
    *,
    actor: str,
    mapping: dict[str, str] | None = None,
    label_map: dict[str, str] | None = None,
    new_codes: list[NewCode] | tuple[NewCode, ...] = (),
    file_name: str | None = None,
) -> FindingsImportResult:
    """Read, check, code and load one file of past findings; all or nothing.

    Raises ImportRejectedError or UnmappedLabelsError, writing nothing.
    """
    actor = require(actor, "findings.import", store=store, study=study).name
    raw = read_table(source, file_name)
    prepared = prepare(store, raw, mapping, label_map=label_map, new_codes=new_codes)
    return load(store, study, prepared, actor=actor)


# ---------------------------------------------------------------- reading back


def counts_by_source(store: Store, study: Study) -> pd.DataFrame:
    """Imported findings per source category and source reason, with the code each
    reason was mapped to and the code it counts under now."""
    frame = interviews.list_findings(store, study)
    frame = frame[frame["origin"] == "import"]
    return (
        frame.groupby(["source_category", "source_reason", "primary_code", "cause"], dropna=False)
        .size()
        .rename("findings")
        .reset_index()
        .sort_values(["source_category", "findings"], ascending=[True, False])
        .reset_index(drop=True)
    )
