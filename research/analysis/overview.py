"""Study-level numbers as plain dataclasses, for the pages, the CLI and the reports.

Every page that counts targets, calls, bookings, interviews or interview records of a
study takes the number from ``study_counts`` here, so that the study page, the call
desk's funnel, the checkpoint review and the analysis never disagree about the same
thing; where two numbers mean different things (interviews held, final records) the
counts keep them apart and the labels say which is which.

The study's results are counted in DuckDB (``results_summary``: customers per status and
segment, and their spend lost), never read row by row: at a million customers the rows
cost seconds and hundreds of megabytes, their counts a few milliseconds; the counts are
kept per version of the study's results, so a second visit reads a handful of numbers."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import pandas as pd

from research.analysis.causes import FindingsFilter, findings_frame
from research.base.store import Store
from research.base.studies import Study
from research.desk import calls
from research.selection import browse
from research.selection.detection import DEFECTOR_STATUSES, SEGMENTS, STATUSES
from research.selection.filters import NO_SEGMENT, ResultFilter


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


def study_counts(
    store: Store, study: Study, progress: calls.CallProgress | None = None
) -> StudyCounts:
    """Targets, calls, bookings, interviews and records of one study (the call desk's
    funnel, research/desk/calls.py ``progress``, read here when not given, and the
    analysis's final records, research/analysis/causes.py ``findings_frame``)."""
    progress = progress or calls.progress(store, study)
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


# What a study's results and their counts depend on: its detection results (a run
# replaces every row, stamped with the run's time; erasing a customer removes one) and its
# former-customer marks (a mark adds or restamps a row, taking it back deletes it). A few
# milliseconds at a million customers.
RESULTS_VERSION = """
SELECT (SELECT count(*) FROM detection_results WHERE study_id = $sid),
       (SELECT max(computed_at) FROM detection_results WHERE study_id = $sid),
       (SELECT count(*) FROM former_customers WHERE study_id = $sid),
       (SELECT max(created_at) FROM former_customers WHERE study_id = $sid),
       (SELECT bit_xor(hash(customer_id, created_at)) FROM former_customers
        WHERE study_id = $sid)
"""

# per open store (dropped with it): {study id: (results version, browse.Summary)}
_kept_summaries: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_kept_lock = threading.Lock()


def results_version(store: Store, study: Study) -> tuple:
    """The version of the study's stored results (see RESULTS_VERSION)."""
    with store.cursor() as cur:
        return tuple(cur.execute(RESULTS_VERSION, {"sid": study.id}).fetchall()[0])


def results_summary(store: Store, study: Study) -> browse.Summary:
    """Every customer of the study's results counted per (status, segment or
    ``NO_SEGMENT``), with their spend lost: counted in DuckDB once per version of the
    results and kept (a detection run or a former-customer mark makes a new version)."""
    version = results_version(store, study)
    with _kept_lock:
        found = _kept_summaries.get(store, {}).get(study.id)
    if found is not None and found[0] == version:
        return found[1]
    summary = browse.summary(store, study, ResultFilter())
    with _kept_lock:
        _kept_summaries.setdefault(store, {})[study.id] = (version, summary)
    return summary


def counts_by_status_segment(summary: browse.Summary) -> pd.DataFrame:
    """Customers per status (rows) × segment (columns), with totals; unranked as 'none':
    ``detection.counts_by_status_segment`` from the counts instead of the rows (an empty
    frame when the study has no results)."""
    if not summary.counts:
        return pd.DataFrame()
    columns, rows = summary.table()
    table = pd.DataFrame(
        [values for _, values in rows],
        index=pd.Index([status for status, _ in rows], name="status"),
        columns=pd.Index(columns, name="segment"),
    )
    return table


def spend_lost_by_segment(summary: browse.Summary) -> pd.DataFrame:
    """Spend lost by defectors (full and partial), per segment and defection type:
    ``detection.spend_lost_by_segment`` from the counts instead of the rows."""
    rows = summary.defectors_spend_by_segment()
    grouped = pd.DataFrame(rows, columns=["segment", "status", "sum", "count"])
    grouped["segment"] = pd.Categorical(grouped["segment"], SEGMENTS, ordered=True)
    return grouped.astype({"sum": float, "count": "int64"})


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


def summarise(store: Store, study: Study, counts: StudyCounts | None = None) -> StudySummary:
    """Counts for the study page from the study's stored results (``results_summary``)
    and its ``counts`` (``study_counts``, read here when not given)."""
    found = results_summary(store, study)
    per_status = {status: found.of_status(status) for status in STATUSES}
    customers = found.customers
    ranked = sum(n for (_, segment), n in found.counts.items() if segment != NO_SEGMENT)
    defectors = sum(per_status[s] for s in DEFECTOR_STATUSES)
    targets = (counts or study_counts(store, study)).targets
    funnel = (
        FunnelStage("customers", customers),
        FunnelStage("ranked", ranked),
        FunnelStage("defectors", defectors + per_status["former"]),
        FunnelStage("real_defectors", defectors),
        FunnelStage("targets", targets),
    )
    return StudySummary(
        customers=customers,
        ranked=ranked,
        full=per_status["full"],
        partial=per_status["partial"],
        former=per_status["former"],
        targets=targets,
        spend_lost=sum(
            lost for (status, _), lost in found.spend.items() if status in DEFECTOR_STATUSES
        ),
        funnel=funnel,
    )
