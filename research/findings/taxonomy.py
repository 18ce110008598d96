"""The failure taxonomy: the codebook that turns what defectors said into countable causes.

One codebook per database (the organisation's), seeded by migration 0004 with the
default taxonomy of DESIGN.md: three groups (company-side, competitor pull,
customer-side), each code with an English and a Chinese label, a description, whether
the company controls it and whether it can make a defection involuntary.

The codebook changes without losing anything of a past finding:

- a code can be **added**, **renamed** (labels and description), **retired** (kept for
  history and shown on old findings, hidden for new ones) and **restored**;
- a code can be **merged** into another: from then on its findings count under the
  survivor (``Codebook.resolve``), while each finding keeps the code it was given, and
  the merge is recorded.

Every change raises the codebook's version (``taxonomy_changes``); findings record the
version they were coded under.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import duckdb
import pandas as pd

from research.base.errors import ResearchError
from research.base.permissions import require
from research.base.store import Store, audit, now

STATUSES = ("active", "retired", "merged")
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


class TaxonomyError(ResearchError):
    title_key = "error.title.taxonomy"


@dataclass(frozen=True)
class Group:
    key: str
    label_en: str
    label_zh: str
    description_en: str | None
    description_zh: str | None
    sort_order: int

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Code:
    code: str
    group_key: str
    label_en: str
    label_zh: str
    description_en: str | None
    description_zh: str | None
    controllable: bool
    can_be_involuntary: bool
    status: str
    merged_into: str | None
    sort_order: int
    added_in_version: int
    updated_by: str
    updated_at: object

    @property
    def active(self) -> bool:
        return self.status == "active"

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def description(self, lang: str) -> str:
        text = self.description_zh if lang == "zh" else self.description_en
        return text or ""


@dataclass(frozen=True)
class Codebook:
    version: int
    groups: tuple[Group, ...]
    codes: dict[str, Code]  # every code ever made, in group and sort order

    def group(self, key: str) -> Group:
        for g in self.groups:
            if g.key == key:
                return g
        raise TaxonomyError(
            "error.group_unknown", group=key, groups=", ".join(g.key for g in self.groups)
        )

    def code(self, code: str) -> Code:
        found = self.codes.get(code)
        if found is None:
            raise TaxonomyError("error.code_unknown", code=code)
        return found

    def active_codes(self) -> list[Code]:
        return [c for c in self.codes.values() if c.active]

    def resolve(self, code: str | None) -> str | None:
        """The code a finding counts under now: merges are followed to the survivor."""
        seen = set()
        while code is not None and code in self.codes and self.codes[code].merged_into:
            if code in seen:  # a cycle cannot be made through merge_codes; be safe anyway
                break
            seen.add(code)
            code = self.codes[code].merged_into
        return code

    def label(self, code: str | None, lang: str, *, with_status: bool = False) -> str:
        """A code's label in ``lang``; unknown codes show as themselves."""
        if code is None:
            return ""
        found = self.codes.get(code)
        if found is None:
            return code
        text = found.label(lang)
        if with_status and not found.active:
            marker = {
                "retired": {"en": "retired", "zh": "已停用"},
                "merged": {"en": "merged", "zh": "已合并"},
            }[found.status]
            text += f" ({marker['zh' if lang == 'zh' else 'en']})"
        return text

    def full_label(self, code: str | None, lang: str) -> str:
        """'Group › Label', for pickers where the group helps to find a code."""
        if code is None or code not in self.codes:
            return self.label(code, lang)
        found = self.codes[code]
        return f"{self.group(found.group_key).label(lang)} › {self.label(code, lang, with_status=True)}"

    def group_of(self, code: str | None) -> str | None:
        resolved = self.resolve(code)
        return self.codes[resolved].group_key if resolved in self.codes else None

    def lookup(self, label: str, remembered: dict[str, str] | None = None) -> str | None:
        """The code a free-text label names: a remembered mapping, the code itself, or
        its English or Chinese label (case and spacing ignored). None if unknown."""
        key = normalise_label(label)
        if not key:
            return None
        if remembered and key in remembered and remembered[key] in self.codes:
            return remembered[key]
        for c in self.codes.values():
            if key in (c.code, normalise_label(c.label_en), normalise_label(c.label_zh)):
                return c.code
        return None


def normalise_label(label: str | None) -> str:
    return re.sub(r"\s+", " ", str(label or "")).strip().lower()


# ---------------------------------------------------------------- reading

GROUPS_SQL = """
SELECT group_key, label_en, label_zh, description_en, description_zh, sort_order
FROM taxonomy_groups ORDER BY sort_order, group_key
"""

CODES_SQL = """
SELECT c.code, c.group_key, c.label_en, c.label_zh, c.description_en, c.description_zh,
       c.controllable, c.can_be_involuntary, c.status, c.merged_into, c.sort_order,
       c.added_in_version, c.updated_by, c.updated_at
FROM taxonomy_codes c JOIN taxonomy_groups g ON g.group_key = c.group_key
ORDER BY g.sort_order, c.sort_order, c.code
"""

VERSION_SQL = "SELECT coalesce(max(version), 0) FROM taxonomy_changes"

CHANGES_SQL = """
SELECT version, action, code, detail, changed_by, changed_at
FROM taxonomy_changes ORDER BY version DESC
"""

LABEL_MAP_SQL = "SELECT label, code FROM taxonomy_label_map"


def read_codebook(cur: duckdb.DuckDBPyConnection) -> Codebook:
    groups = tuple(Group(*row) for row in cur.execute(GROUPS_SQL).fetchall())
    codes = {row[0]: Code(*row) for row in cur.execute(CODES_SQL).fetchall()}
    return Codebook(cur.execute(VERSION_SQL).fetchall()[0][0], groups, codes)


def codebook(store: Store) -> Codebook:
    with store.cursor() as cur:
        return read_codebook(cur)


def remembered_labels(store: Store) -> dict[str, str]:
    """Labels people mapped to codes in earlier imports (normalised label -> code)."""
    with store.cursor() as cur:
        return dict(cur.execute(LABEL_MAP_SQL).fetchall())


def changes(store: Store) -> pd.DataFrame:
    """The codebook's history, newest first: version, action, code, detail, who, when."""
    with store.cursor() as cur:
        frame = cur.execute(CHANGES_SQL).df()
    frame["detail"] = frame["detail"].map(lambda d: json.loads(d) if isinstance(d, str) else d)
    return frame


def export_frame(book: Codebook, *, include_inactive: bool = True) -> pd.DataFrame:
    """The codebook as a table (for CSV export and the CLI), in group and code order."""
    rows = []
    for c in book.codes.values():
        if not include_inactive and not c.active:
            continue
        g = book.group(c.group_key)
        rows.append(
            {
                "group": c.group_key,
                "group_en": g.label_en,
                "group_zh": g.label_zh,
                "code": c.code,
                "label_en": c.label_en,
                "label_zh": c.label_zh,
                "description_en": c.description_en or "",
                "description_zh": c.description_zh or "",
                "controllable": c.controllable,
                "can_be_involuntary": c.can_be_involuntary,
                "status": c.status,
                "merged_into": c.merged_into or "",
                "added_in_version": c.added_in_version,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "group",
            "group_en",
            "group_zh",
            "code",
            "label_en",
            "label_zh",
            "description_en",
            "description_zh",
            "controllable",
            "can_be_involuntary",
            "status",
            "merged_into",
            "added_in_version",
        ],
    )


# ---------------------------------------------------------------- changing

INSERT_CHANGE = """
INSERT INTO taxonomy_changes (version, action, code, detail, changed_by, changed_at)
VALUES (?, ?, ?, ?, ?, ?) RETURNING version
"""

INSERT_CODE = """
INSERT INTO taxonomy_codes (code, group_key, label_en, label_zh, description_en,
    description_zh, controllable, can_be_involuntary, status, merged_into, sort_order,
    added_in_version, created_by, created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', NULL,
    (SELECT coalesce(max(sort_order), 0) + 1 FROM taxonomy_codes), ?, ?, ?, ?, ?)
"""

REMEMBER_LABEL = """
INSERT INTO taxonomy_label_map (label, code, created_by, created_at) VALUES (?, ?, ?, ?)
ON CONFLICT (label) DO UPDATE SET code = excluded.code, created_by = excluded.created_by,
    created_at = excluded.created_at
"""


def _record(
    cur: duckdb.DuckDBPyConnection, action: str, code: str | None, detail: dict, actor: str
) -> int:
    version = cur.execute(VERSION_SQL).fetchall()[0][0] + 1
    cur.execute(
        INSERT_CHANGE,
        [version, action, code, json.dumps(detail, ensure_ascii=False, default=str), actor, now()],
    )
    audit(cur, None, actor, f"taxonomy.{action}", {"code": code, **detail})
    return version


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def default_controllable(group_key: str) -> bool:
    """New codes start as the group suggests: customer-side causes are not controllable."""
    return group_key != "customer"


def add_code_in(
    cur: duckdb.DuckDBPyConnection,
    *,
    code: str,
    group: str,
    label_en: str,
    label_zh: str,
    actor: str,
    description_en: str = "",
    description_zh: str = "",
    controllable: bool | None = None,
    can_be_involuntary: bool = False,
) -> int:
    """``add_code`` inside the caller's transaction (the findings import uses it).
    New codes are controllable as their group suggests unless ``controllable`` says."""
    code = _clean(code).lower()
    label_en, label_zh = _clean(label_en), _clean(label_zh)
    if not CODE_PATTERN.match(code):
        raise TaxonomyError("error.code_invalid", code=code)
    if not label_en or not label_zh:
        raise TaxonomyError("error.label_required")
    book = read_codebook(cur)
    book.group(group)  # raises for an unknown group
    if code in book.codes:
        raise TaxonomyError("error.code_exists", code=code)
    for other in book.codes.values():
        if other.active and normalise_label(other.label_en) == normalise_label(label_en):
            raise TaxonomyError("error.label_taken", label=label_en, code=other.code)
    if controllable is None:
        controllable = default_controllable(group)
    version = _record(
        cur, "add", code, {"group": group, "label_en": label_en, "label_zh": label_zh}, actor
    )
    stamp = now()
    cur.execute(
        INSERT_CODE,
        [
            code,
            group,
            label_en,
            label_zh,
            _clean(description_en) or None,
            _clean(description_zh) or None,
            bool(controllable),
            bool(can_be_involuntary),
            version,
            actor,
            stamp,
            actor,
            stamp,
        ],
    )
    return version


def add_code(store: Store, **code) -> int:
    """Add a code to a group; returns the new codebook version. ``code`` holds the
    keywords of ``add_code_in``: code, group, label_en, label_zh, actor and, optionally,
    the descriptions and the flags.

    Raises TaxonomyError for a malformed or taken code, a missing label, an English label
    an active code already has, or an unknown group.
    """
    code["actor"] = require(code.get("actor"), "taxonomy.write").name
    return store.write(lambda cur: add_code_in(cur, **code))


def edit_code(
    store: Store,
    code: str,
    *,
    actor: str,
    label_en: str | None = None,
    label_zh: str | None = None,
    description_en: str | None = None,
    description_zh: str | None = None,
    controllable: bool | None = None,
    can_be_involuntary: bool | None = None,
) -> int:
    """Rename a code (labels, description) or change its flags; returns the new version.

    Only the values given change; the old ones are kept in the change record. Findings
    keep the code, so they show the new label. Raises TaxonomyError for an unknown code,
    a blank label, or when nothing changes.
    """
    actor = require(actor, "taxonomy.write").name
    wanted = {
        "label_en": label_en,
        "label_zh": label_zh,
        "description_en": description_en,
        "description_zh": description_zh,
        "controllable": controllable,
        "can_be_involuntary": can_be_involuntary,
    }
    wanted = {
        k: (_clean(v) if isinstance(v, str) else v) for k, v in wanted.items() if v is not None
    }
    if any(k.startswith("label_") and not v for k, v in wanted.items()):
        raise TaxonomyError("error.label_required")

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        current = read_codebook(cur).code(code)
        before = {k: getattr(current, k) for k in wanted}
        changed = {
            k: v
            for k, v in wanted.items()
            if before[k] != v and not (before[k] is None and v == "")
        }
        if not changed:
            raise TaxonomyError("error.nothing_changed", code=code)
        action = "rename" if any(k.startswith("label_") for k in changed) else "edit"
        version = _record(
            cur, action, code, {k: {"from": before[k], "to": v} for k, v in changed.items()}, actor
        )
        sets = ", ".join(f"{k} = ?" for k in changed)
        cur.execute(
            f"UPDATE taxonomy_codes SET {sets}, updated_by = ?, updated_at = ? WHERE code = ?",
            [*changed.values(), actor, now(), code],
        )
        return version

    return store.write(apply)


def rename_code(
    store: Store, code: str, *, actor: str, label_en: str | None = None, label_zh: str | None = None
) -> int:
    """Give a code new labels (see ``edit_code``)."""
    return edit_code(store, code, actor=actor, label_en=label_en, label_zh=label_zh)


def merge_codes(store: Store, source: str, into: str, *, actor: str, note: str = "") -> int:
    """Merge ``source`` into ``into``: from now on findings of ``source`` count under
    ``into``; each finding keeps the code it was given. Returns the new version.

    Raises TaxonomyError when merging a code into itself, or either code is not active.
    """

    actor = require(actor, "taxonomy.write").name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        book = read_codebook(cur)
        src, dst = book.code(source), book.code(into)
        if src.code == dst.code:
            raise TaxonomyError("error.merge_self", code=source)
        if not src.active:
            raise TaxonomyError("error.code_not_active", code=source)
        if not dst.active:
            raise TaxonomyError("error.merge_into_inactive", code=into)
        version = _record(cur, "merge", source, {"into": into, "note": _clean(note)}, actor)
        cur.execute(
            "UPDATE taxonomy_codes SET status = 'merged', merged_into = ?, updated_by = ?,"
            " updated_at = ? WHERE code = ?",
            [into, actor, now(), source],
        )
        return version

    return store.write(apply)


def retire_code(store: Store, code: str, *, actor: str, reason: str = "") -> int:
    """Hide a code for new findings; old findings keep it. Returns the new version."""

    actor = require(actor, "taxonomy.write").name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        if not read_codebook(cur).code(code).active:
            raise TaxonomyError("error.code_not_active", code=code)
        version = _record(cur, "retire", code, {"reason": _clean(reason)}, actor)
        cur.execute(
            "UPDATE taxonomy_codes SET status = 'retired', updated_by = ?, updated_at = ?"
            " WHERE code = ?",
            [actor, now(), code],
        )
        return version

    return store.write(apply)


def restore_code(store: Store, code: str, *, actor: str) -> int:
    """Offer a retired code for new findings again. Returns the new version."""

    actor = require(actor, "taxonomy.write").name

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        if read_codebook(cur).code(code).status != "retired":
            raise TaxonomyError("error.code_not_retired", code=code)
        version = _record(cur, "restore", code, {}, actor)
        cur.execute(
            "UPDATE taxonomy_codes SET status = 'active', updated_by = ?, updated_at = ?"
            " WHERE code = ?",
            [actor, now(), code],
        )
        return version

    return store.write(apply)


def remember_labels_in(cur: duckdb.DuckDBPyConnection, mapping: dict[str, str], actor: str) -> None:
    """Keep label -> code choices so the next import of such a file maps them at once."""
    stamp = now()
    for label, code in mapping.items():
        cur.execute(REMEMBER_LABEL, [normalise_label(label), code, actor, stamp])


def slug(label: str) -> str:
    """A code key made from a label: 'Don't know' -> 'don_t_know'."""
    text = re.sub(r"[^a-z0-9]+", "_", normalise_label(label)).strip("_")
    if not text or not text[0].isalpha():
        text = "code_" + text
    return text[:60].rstrip("_")
