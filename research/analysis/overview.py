"""Study-level numbers as plain dataclasses, for the pages, the CLI and the reports.

Every page that counts targets, calls, bookings, interviews or interview records of a
study takes the number from ``study_counts`` here, so that the study page, the call
desk's funnel, the checkpoint review and the analysis never disagree about the same
thing; where two numbers mean different things (interviews held, final records) the
counts keep them apart and the labels say which is which."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research.analysis.causes import FindingsFilter, findings_frame
from research.base.store import Store
from research.base.studies import Study
from research.desk import calls
from research.selection.detection import DEFECTOR_STATUSES


@dataclass(frozen=True)
class FunnelStage:
    key: str  # translation key suffix: funnel.<key>
    count: int


# interview records still being written (imported past findings are always final)
DRAFT_RECORDS = "SELECT count(*) FROM findings WHERE study_id = ? AND status = 'draft'"


@dataclass(frozen=True)
class StudyCounts:
    """The study's work in numbers, each counted once (see the module's text)."""

    targets: int  # on the target list, including those who asked never to be called again
    do_not_call: int  # of the targets, asked never to be called again (off every call list)
    tried: int  # targets called at least once (or reached, booked or interviewed)
    reached: int
    booked: int
    interviewed: int  # targets with a held interview
    interviews_held: int  # interviews marked done or with a final record, drafts included
    final_records: int  # final interview records: what the analysis and the review count
    draft_records: int  # interview records still in draft
    planned: int  # the study's planned sample size

    @property
    def to_call(self) -> int:
        """The targets on the call lists: the target list as the defectors page shows it."""
        return self.targets - self.do_not_call


def study_counts(store: Store, study: Study) -> StudyCounts:
    """Targets, calls, bookings, interviews and records of one study (the call desk's
    funnel, research/desk/calls.py ``progress``, and the analysis's final records,
    research/analysis/causes.py ``findings_frame``)."""
    progress = calls.progress(store, study)
    final = len(findings_frame(store, FindingsFilter((study.id,))))
    with store.cursor() as cur:
        drafts = cur.execute(DRAFT_RECORDS, [study.id]).fetchall()[0][0]
    return StudyCounts(
        targets=progress.funnel["targets"],
        do_not_call=progress.do_not_call,
        tried=progress.funnel["tried"],
        reached=progress.funnel["reached"],
        booked=progress.funnel["booked"],
        interviewed=progress.funnel["interviewed"],
        interviews_held=progress.interviews_done,
        final_records=final,
        draft_records=int(drafts),
        planned=study.target_sample_size,
    )


@dataclass(frozen=True)
class StudySummary:
    customers: int
    ranked: int  # bought in the baseline period, so they have a value segment
    full: int
    partial: int
    former: int
    targets: int  # StudyCounts.targets: the call desk's funnel starts with the same number
    spend_lost: float
    funnel: tuple[FunnelStage, ...]

    @property
    def defectors(self) -> int:
        return self.full + self.partial


def summarise(
    store: Store, study: Study, frame: pd.DataFrame, counts: StudyCounts | None = None
) -> StudySummary:
    """Counts for the study page from detection ``results`` (one row per customer) and
    the study's ``counts`` (``study_counts``, read here when not given)."""
    defectors = frame[frame["status"].isin(DEFECTOR_STATUSES)]
    former = int((frame["status"] == "former").sum())
    targets = (counts or study_counts(store, study)).targets
    ranked = int(frame["segment"].notna().sum())
    funnel = (
        FunnelStage("customers", len(frame)),
        FunnelStage("ranked", ranked),
        FunnelStage("defectors", len(defectors) + former),
        FunnelStage("real_defectors", len(defectors)),
        FunnelStage("targets", targets),
    )
    return StudySummary(
        customers=len(frame),
        ranked=ranked,
        full=int((frame["status"] == "full").sum()),
        partial=int((frame["status"] == "partial").sum()),
        former=former,
        targets=targets,
        spend_lost=float(defectors["spend_lost"].astype(float).sum()),
        funnel=funnel,
    )
