"""The second coder: how far two people agree on an interview's primary cause.

A study can ask that a share of its final findings be coded a second time, blind: the
second coder sees what the defector said (the five whys, quotes, summary, satisfaction)
but not the first coding. The findings are picked in a reproducible order
(sha256 of "study:finding"), and a pick is kept once made, so later findings never
reshuffle who codes what.

Agreement on the primary cause is reported as a percentage with its Wilson interval
and as Cohen's kappa (agreement beyond chance, from statsmodels) with its interval,
comparing the codes each finding counts under now (merges followed). Disagreements are
listed for the team to settle; settling records the agreed code and, where it differs,
amends the finding (a new version, with who and when).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from research.base.accounts import Person
from research.base.errors import ResearchError
from research.base.i18n import Translator
from research.base.permissions import level, require
from research.base.records import read_row
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.findings import interviews, taxonomy


class CodingError(ResearchError):
    title_key = "error.title.second_coding"


@dataclass(frozen=True)
class Kappa:
    kappa: float | None  # None when chance agreement is 1 (both coders used one code only)
    low: float | None
    high: float | None


@dataclass(frozen=True)
class Disagreement:
    finding_id: int
    customer_id: str
    first_code: str
    second_code: str
    first_coder: str
    second_coder: str
    settled_code: str | None


@dataclass(frozen=True)
class Agreement:
    share: float | None  # the study's plan, None if it has none
    assigned: int
    coded: int  # pairs compared
    agreed: int
    percent: float | None
    percent_low: float | None
    percent_high: float | None
    kappa: Kappa
    disagreements: tuple[Disagreement, ...]

    def summary_lines(self, t: Translator) -> tuple[str, str]:
        """The agreement with its interval, and kappa with its, as two sentences."""
        k = self.kappa
        return (
            t(
                "agreement.summary",
                agreed=self.agreed,
                coded=self.coded,
                percent=t.percent(self.percent),
                low=t.percent(self.percent_low),
                high=t.percent(self.percent_high),
            ),
            t(
                "agreement.kappa_line",
                kappa=kappa_text(t, k.kappa),
                low=kappa_text(t, k.low),
                high=kappa_text(t, k.high),
            ),
        )


def kappa_text(t: Translator, value: float | None) -> str:
    """A kappa (or a bound of its interval) to two places, "–" when there is none."""
    return "–" if value is None else t.number(value, 2)


def cohen_kappa(first: list[str], second: list[str]) -> Kappa:
    """Cohen's kappa of two codings of the same items, with its 95% interval.

    Raises CodingError when the lists differ in length or are empty.
    """
    if len(first) != len(second) or not first:
        raise CodingError("error.kappa_input")
    categories = sorted(set(first) | set(second))
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for a, b in zip(first, second, strict=True):
        table[index[a], index[b]] += 1
    if len(categories) == 1:
        return Kappa(None, None, None)
    # statsmodels costs more than a second to import: load it when a kappa is asked for
    from statsmodels.stats.inter_rater import cohens_kappa

    with np.errstate(divide="ignore", invalid="ignore"):
        result = cohens_kappa(table)
    value = float(result["kappa"])
    if not math.isfinite(value):
        return Kappa(None, None, None)
    # the normal-approximation interval can pass the bounds kappa can take
    low = max(float(result["kappa_low"]), -1.0)
    high = min(float(result["kappa_upp"]), 1.0)
    return Kappa(value, low if math.isfinite(low) else None, high if math.isfinite(high) else None)


# ---------------------------------------------------------------- the plan

PLAN_SQL = "SELECT share FROM coding_plans WHERE study_id = ?"

UPSERT_PLAN = """
INSERT INTO coding_plans (study_id, share, created_by, created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (study_id) DO UPDATE SET share = excluded.share, updated_by = excluded.updated_by,
    updated_at = excluded.updated_at
"""

FINAL_FINDINGS_SQL = """
SELECT id FROM findings WHERE study_id = ? AND status = 'final' AND primary_code IS NOT NULL
"""

ASSIGNED_SQL = "SELECT finding_id FROM second_codings WHERE study_id = ?"

INSERT_ASSIGNMENT = """
INSERT INTO second_codings (finding_id, study_id, created_by, created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?)
"""


def plan(store: Store, study: Study) -> float | None:
    with store.cursor() as cur:
        rows = cur.execute(PLAN_SQL, [study.id]).fetchall()
    return rows[0][0] if rows else None


def pick_order(study_id: int, finding_id: int) -> str:
    return hashlib.sha256(f"{study_id}:{finding_id}".encode()).hexdigest()


def _to_pick(cur: duckdb.DuckDBPyConnection, study: Study) -> list[int]:
    rows = cur.execute(PLAN_SQL, [study.id]).fetchall()
    if not rows:
        return []
    share = rows[0][0]
    final = [r[0] for r in cur.execute(FINAL_FINDINGS_SQL, [study.id]).fetchall()]
    assigned = {r[0] for r in cur.execute(ASSIGNED_SQL, [study.id]).fetchall()}
    wanted = math.ceil(share * len(final) - 1e-9)
    todo = sorted((f for f in final if f not in assigned), key=lambda f: pick_order(study.id, f))
    return todo[: max(wanted - len(assigned & set(final)), 0)]


def _assign_in(cur: duckdb.DuckDBPyConnection, study: Study, actor: str) -> int:
    new = _to_pick(cur, study)
    stamp = now()
    for finding_id in new:
        cur.execute(INSERT_ASSIGNMENT, [finding_id, study.id, actor, stamp, actor, stamp])
    return len(new)


def set_plan(store: Store, study: Study, share: float, *, actor: str) -> int:
    """Ask for a second coding of ``share`` (0–1) of the study's final findings; returns
    how many findings were newly picked. Raises CodingError for a share outside (0, 1]."""
    actor = require(actor, "codes.plan", store=store, study=study).name
    share = float(share)
    if not 0 < share <= 1:
        raise CodingError("error.coding_share", share=share)

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        stamp = now()
        cur.execute(UPSERT_PLAN, [study.id, share, actor, stamp, actor, stamp])
        audit(cur, study.id, actor, "coding.plan", {"share": share})
        return _assign_in(cur, study, actor)

    return store.write(apply)


def pending(store: Store, study: Study) -> int:
    """How many final findings the plan wants picked that are not yet (writes nothing)."""
    with store.cursor() as cur:
        return len(_to_pick(cur, study))


def assign(store: Store, study: Study, *, actor: Person | str) -> int:
    """Top the picks up to the plan's share as more findings become final (writes only
    when there is something to pick). Marking a record final tops them up too, so an
    interviewer who may write findings may set it off, as the lead who plans may."""
    permission = "codes.plan" if level(actor, "codes.plan") != "-" else "findings.write"
    actor = require(actor, permission, store=store, study=study).name
    with store.cursor() as cur:
        if not _to_pick(cur, study):
            return 0
    return store.write(lambda cur: _assign_in(cur, study, actor))


# ---------------------------------------------------------------- coding

QUEUE_SQL = """
SELECT s.finding_id, f.customer_id, c.name, f.interview_date
FROM second_codings s
JOIN findings f ON f.id = s.finding_id
LEFT JOIN customers c ON c.customer_id = f.customer_id
WHERE s.study_id = ? AND s.coder IS NULL
  AND f.created_by <> ? AND coalesce(f.interviewer, '') <> ? AND f.updated_by <> ?
ORDER BY s.finding_id
"""


def queue(store: Store, study: Study, coder: str) -> pd.DataFrame:
    """Findings waiting for a second coding that ``coder`` may do: not their own."""
    with store.cursor() as cur:
        return cur.execute(QUEUE_SQL, [study.id, coder, coder, coder]).df()


@dataclass(frozen=True)
class BlindView:
    """What the second coder sees: the defector's words, none of the first coding."""

    finding_id: int
    customer_id: str
    defection_type: str | None
    destination: str | None
    competitor: str | None
    whys: tuple[str, ...]
    satisfaction: dict[str, str | None]
    lifecycle_stage: str | None
    quotes: tuple[str, ...]
    summary: str
    win_back_needs: str


def blind_view(store: Store, finding_id: int) -> BlindView:
    f = interviews.get_finding(store, finding_id)
    return BlindView(
        f.id,
        f.customer_id,
        f.defection_type,
        f.destination,
        f.competitor,
        tuple(w for w in f.whys if w),
        {k: getattr(f, k) for k in interviews.SATISFACTION_FIELDS},
        f.lifecycle_stage,
        tuple(q.text for q in f.quotes if q.text),
        f.summary,
        f.win_back_needs,
    )


def record_second_coding(
    store: Store,
    finding_id: int,
    *,
    coder: str,
    primary_code: str,
    secondary_codes: list[str] | tuple[str, ...] = (),
    note: str = "",
) -> None:
    """Save the second coder's primary (and secondary) causes for a picked finding.

    Raises CodingError when the finding was not picked, is already coded, or the coder
    made the first coding; TaxonomyError for an unknown code.
    """
    coder = require(coder, "codes.write", store=store, finding_id=finding_id).name
    if not primary_code:
        raise CodingError("error.second_primary_required")
    # a secondary cause is never the primary one, nor named twice (as on the first coding)
    secondary_codes = list(dict.fromkeys(c for c in secondary_codes if c != primary_code))

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        row = read_row(cur, "second_codings", {"finding_id": int(finding_id)})
        if row is None:
            raise CodingError("error.not_picked", id=finding_id)
        if row["coder"]:
            raise CodingError("error.already_second_coded", id=finding_id, coder=row["coder"])
        first = read_row(cur, "findings", {"id": int(finding_id)})
        if coder in (first["created_by"], first["interviewer"], first["updated_by"]):
            raise CodingError("error.second_coder_is_first", coder=coder)
        book = taxonomy.read_codebook(cur)
        for code in (primary_code, *secondary_codes):
            if not book.code(code).active:
                raise CodingError("error.code_not_offered", code=code)
        stamp = now()
        cur.execute(
            "UPDATE second_codings SET first_code = ?, coder = ?, primary_code = ?,"
            " secondary_codes = ?, note = ?, codebook_version = ?, coded_at = ?, updated_by = ?,"
            " updated_at = ? WHERE finding_id = ?",
            [
                first["primary_code"],
                coder,
                primary_code,
                json.dumps(secondary_codes),
                note or None,
                book.version,
                stamp,
                coder,
                stamp,
                int(finding_id),
            ],
        )
        audit(cur, first["study_id"], coder, "coding.second", {"finding": int(finding_id)})

    store.write(apply)


# ---------------------------------------------------------------- agreement

PAIRS_SQL = """
SELECT f.id, f.customer_id, s.first_code, coalesce(f.interviewer, f.created_by),
       s.primary_code, s.coder, s.settled_code
FROM second_codings s JOIN findings f ON f.id = s.finding_id
WHERE s.study_id = ? AND s.coder IS NOT NULL AND f.status = 'final'
ORDER BY f.id
"""


def agreement(store: Store, study: Study) -> Agreement:
    """Agreement on the primary cause between the first and the second coding, each as
    it was when the second coder saved (settling later does not change it)."""
    with store.cursor() as cur:
        rows = cur.execute(PAIRS_SQL, [study.id]).fetchall()
        assigned = cur.execute(
            "SELECT count(*) FROM second_codings WHERE study_id = ?", [study.id]
        ).fetchall()[0][0]
        book = taxonomy.read_codebook(cur)
    share = plan(store, study)
    pairs = [
        (fid, cid, book.resolve(a), first_by, book.resolve(b), second_by, settled)
        for fid, cid, a, first_by, b, second_by, settled in rows
        if a and b
    ]
    first = [p[2] for p in pairs]
    second = [p[4] for p in pairs]
    agreed = sum(1 for a, b in zip(first, second, strict=True) if a == b)
    n = len(pairs)
    if n:
        from statsmodels.stats.proportion import proportion_confint

        low, high = proportion_confint(agreed, n, alpha=0.05, method="wilson")
        kappa = cohen_kappa(first, second)
    else:
        low = high = None
        kappa = Kappa(None, None, None)
    disagreements = tuple(
        Disagreement(fid, cid, a, b, first_by, second_by, settled)
        for fid, cid, a, first_by, b, second_by, settled in pairs
        if a != b
    )
    return Agreement(
        share,
        assigned,
        n,
        agreed,
        agreed / n if n else None,
        float(low) if n else None,
        float(high) if n else None,
        kappa,
        disagreements,
    )


SETTLE = """
UPDATE second_codings SET settled_code = ?, settled_by = ?, settled_at = ?, updated_by = ?,
    updated_at = ?
WHERE finding_id = ?
"""


def settle(store: Store, finding_id: int, code: str, *, actor: str) -> None:
    """Record the code the team agreed on for a disagreement. Where it differs from the
    finding's primary cause, the finding is amended (a new version, with who and when);
    both in one transaction.

    Raises CodingError when the finding has no second coding.
    """

    actor = require(actor, "codes.settle", store=store, finding_id=finding_id).name

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        book = taxonomy.read_codebook(cur)
        book.code(code)
        row = read_row(cur, "second_codings", {"finding_id": int(finding_id)})
        if row is None or not row["coder"]:
            raise CodingError("error.not_second_coded", id=finding_id)
        current = read_row(cur, "findings", {"id": int(finding_id)})
        if book.resolve(current["primary_code"]) != book.resolve(code):
            interviews.save_fields_in(
                cur,
                finding_id,
                {"primary_code": code},
                base_version=current["version"],
                actor=actor,
            )
        stamp = now()
        cur.execute(SETTLE, [code, actor, stamp, actor, stamp, int(finding_id)])
        audit(
            cur,
            current["study_id"],
            actor,
            "coding.settle",
            {"finding": int(finding_id), "code": code},
        )

    store.write(apply)
