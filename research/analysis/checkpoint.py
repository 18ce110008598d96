"""The checkpoint review: where the study stands after a quarter of its interviews.

The method asks the team to meet once a quarter to three quarters of the planned
interviews are held: each member reports what they heard, problems in the process are
fixed, first improvement proposals are written down. This module gathers what that
meeting looks at — the cause ranking so far with intervals, saturation (how many new
codes the last ten interviews still added), segments that fall behind the plan, each
member's interviews and open drafts — and keeps each review as it was held (date,
attendees, problems, proposals, decisions, the ranking of that day), so the next review
shows what changed since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb
import pandas as pd

from research.analysis.causes import (
    AnalysisError,
    CauseTable,
    FindingsFilter,
    cause_table,
    findings_frame,
)
from research.base.permissions import require
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.findings import taxonomy
from research.selection.detection import DEFECTOR_STATUSES, SEGMENTS
from research.selection.sampling import allocate

SATURATION_WINDOW = 10  # the last interviews looked at for new codes
DUE_AT = 0.25  # the checkpoint is due once this share of the planned interviews is held
REVIEW_KINDS = ("checkpoint", "final", "quarterly")


@dataclass(frozen=True)
class Saturation:
    """New codes in the most recent interviews: few or none means the study is hearing
    the same causes again (saturation), many means there is still more to learn."""

    window: int  # interviews looked at (at most SATURATION_WINDOW)
    new_codes: tuple[str, ...]  # codes first heard within them, in order
    codes_so_far: int


@dataclass(frozen=True)
class Review:
    id: int
    study_id: int
    kind: str
    held_on: date
    attendees: str
    process_problems: str
    proposals: str
    decisions: str
    ranking: dict[str, int]  # cause -> findings naming it, on the day
    interviews: int  # findings counted, on the day
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Checkpoint:
    planned: int
    held: int
    ranking: CauseTable
    saturation: Saturation
    segments: pd.DataFrame  # segment, planned, held, expected_now, behind
    team: pd.DataFrame  # interviewer, final, drafts
    previous: Review | None
    checkpoint_reviewed: bool = False  # a review of kind "checkpoint" has been saved

    @property
    def due(self) -> bool:
        """Enough interviews are held for the checkpoint meeting."""
        return self.planned > 0 and self.held >= self.planned * DUE_AT

    @property
    def review_due(self) -> bool:
        """The checkpoint meeting is due and its review not saved yet (once saved, the
        study is past its checkpoint: the Review page's notice goes)."""
        return self.due and not self.checkpoint_reviewed

    def changes_since_previous(self) -> pd.DataFrame:
        """Per cause: findings naming it at the previous review and now (new causes
        marked), most changed first. Empty without a previous review."""
        if self.previous is None:
            return pd.DataFrame(columns=["cause", "then", "now", "new"])
        now_counts = {r.key: r.share.count for r in self.ranking.rows}
        then = self.previous.ranking
        rows = [
            {"cause": c, "then": then.get(c, 0), "now": now_counts.get(c, 0), "new": c not in then}
            for c in sorted(set(then) | set(now_counts))
        ]
        frame = pd.DataFrame(rows)
        order = (frame["now"] - frame["then"]).abs().sort_values(ascending=False, kind="stable")
        return frame.loc[order.index].reset_index(drop=True)


def saturation(frame: pd.DataFrame, codebook: taxonomy.Codebook) -> Saturation:
    """From a findings_frame: the codes (primary and secondary, merges followed) that
    the last SATURATION_WINDOW interviews added to those heard before them."""
    ordered = frame.sort_values(["held_on", "id"], na_position="first", kind="stable")
    seen: list[set[str]] = []
    # two columns zipped, not a Series per row: 10,000 interviews took seconds
    for cause, secondary in zip(ordered["cause"], ordered["secondary_codes"], strict=True):
        codes = {cause} if isinstance(cause, str) else set()
        for code in json.loads(secondary) if isinstance(secondary, str) else secondary or []:
            codes.add(codebook.resolve(code))
        seen.append(codes)
    window = min(SATURATION_WINDOW, len(seen))
    before = set().union(*seen[: len(seen) - window]) if seen else set()
    new: list[str] = []
    for codes in seen[len(seen) - window :]:
        for code in sorted(codes - before - set(new)):
            new.append(code)
    return Saturation(window, tuple(new), len(set().union(*seen)) if seen else 0)


DEFECTORS_BY_SEGMENT = """
SELECT segment, count(*) FROM detection_results
WHERE study_id = ? AND list_contains(?, status) AND segment IS NOT NULL
GROUP BY segment
"""


def segment_progress(store: Store, study: Study, frame: pd.DataFrame) -> pd.DataFrame:
    """Per value segment: interviews planned (the sample's allocation by the study's
    weights), held, expected by now (the plan times the share of all planned
    interviews already held), and ``behind``: more than one interview short of that."""
    with store.cursor() as cur:
        available = dict(
            cur.execute(DEFECTORS_BY_SEGMENT, [study.id, list(DEFECTOR_STATUSES)]).fetchall()
        )
    plan = allocate(
        study.target_sample_size, study.segment_weights, {s: available.get(s, 0) for s in SEGMENTS}
    )
    planned_total = sum(plan.values())
    held = frame["segment"].value_counts()
    progress = len(frame) / planned_total if planned_total else 0.0
    rows = []
    for segment in SEGMENTS:
        planned = plan.get(segment, 0)
        done = int(held.get(segment, 0))
        expected = planned * min(progress, 1.0)
        rows.append(
            {
                "segment": segment,
                "planned": planned,
                "held": done,
                "expected_now": expected,
                "behind": planned > 0 and done < expected - 1,
            }
        )
    return pd.DataFrame(rows)


TEAM_SQL = """
SELECT coalesce(nullif(trim(interviewer), ''), '–') AS interviewer,
       count(*) FILTER (WHERE status = 'final') AS final,
       count(*) FILTER (WHERE status = 'draft') AS drafts
FROM findings WHERE study_id = ?
GROUP BY 1 ORDER BY final DESC, drafts DESC, interviewer
"""


def checkpoint(store: Store, study: Study) -> Checkpoint:
    """Everything the checkpoint meeting looks at, for one study."""
    filt = FindingsFilter((study.id,))
    frame = findings_frame(store, filt)
    book = taxonomy.codebook(store)
    with store.cursor() as cur:
        team = cur.execute(TEAM_SQL, [study.id]).df()
    reviews = list_reviews(store, study)
    return Checkpoint(
        planned=study.target_sample_size,
        held=len(frame),
        ranking=cause_table(store, filt),
        saturation=saturation(frame, book),
        segments=segment_progress(store, study, frame),
        team=team,
        previous=reviews[0] if reviews else None,
        checkpoint_reviewed=any(r.kind == "checkpoint" for r in reviews),
    )


INSERT_REVIEW = """
INSERT INTO reviews (study_id, kind, held_on, attendees, process_problems, proposals,
                     decisions, snapshot, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id
"""


def save_review(
    store: Store,
    study: Study,
    *,
    actor: str,
    held_on: date,
    kind: str = "checkpoint",
    attendees: str = "",
    process_problems: str = "",
    proposals: str = "",
    decisions: str = "",
) -> Review:
    """Keep a review as it was held, with the cause ranking of the day. Raises
    AnalysisError for an unknown kind, a date in the future, or a review with no
    attendees."""
    actor = require(actor, "actions.write", store=store, study=study).name
    if kind not in REVIEW_KINDS:
        raise AnalysisError("error.review_kind", kind=kind, kinds=", ".join(REVIEW_KINDS))
    if held_on > date.today():
        raise AnalysisError("error.review_future", day=held_on.isoformat())
    if not attendees.strip():
        raise AnalysisError("error.review_attendees")
    ranking = cause_table(store, FindingsFilter((study.id,)))
    snapshot = {"interviews": ranking.n, "ranking": {r.key: r.share.count for r in ranking.rows}}

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        review_id = cur.execute(
            INSERT_REVIEW,
            [
                study.id,
                kind,
                held_on,
                attendees.strip(),
                process_problems.strip(),
                proposals.strip(),
                decisions.strip(),
                json.dumps(snapshot, ensure_ascii=False),
                actor,
                now(),
            ],
        ).fetchall()[0][0]
        audit(cur, study.id, actor, "review.save", {"id": review_id, "kind": kind})
        return review_id

    review_id = store.write(apply)
    return next(r for r in list_reviews(store, study) if r.id == review_id)


REVIEWS_SQL = """
SELECT id, study_id, kind, held_on, attendees, process_problems, proposals, decisions,
       snapshot, created_by, created_at
FROM reviews WHERE study_id = ? ORDER BY held_on DESC, id DESC
"""


def list_reviews(store: Store, study: Study) -> list[Review]:
    """The study's reviews, the latest first."""
    with store.cursor() as cur:
        rows = cur.execute(REVIEWS_SQL, [study.id]).fetchall()
    out = []
    for row in rows:
        *head, snapshot, created_by, created_at = row
        data = json.loads(snapshot) if snapshot else {}
        out.append(
            Review(
                *head,
                ranking=dict(data.get("ranking", {})),
                interviews=int(data.get("interviews", 0)),
                created_by=created_by,
                created_at=created_at,
            )
        )
    return out
