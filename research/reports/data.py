"""What each report says, computed before anything is rendered.

A report is two steps (as coverage.py builds its HTML report): first the numbers are
gathered into plain dataclasses — ``PostmortemData``, ``CheckpointData``,
``QuarterlyData`` — by calling the same analysis functions the Analysis and Review
pages call, then templates render them (research/reports/render.py). Nothing here
computes a number of its own: it picks which results a report shows (the top causes,
the last quarters) and, through ``research.reports.audience``, which personal fields
the reader may see. So a report and the app always agree, and the data can be tested
without parsing HTML.

The quarterly pack has sections that wait for research/analysis/rates.py (defection
rate per segment per quarter, share-of-wallet movement, earlier defectors won back,
what cutting defections is worth). They plug in through ``RateSections`` and
``rate_sections``; a section is rendered only when it holds data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd

import research
from research.analysis import actions, causes, checkpoint, overview, rates, trends, worth
from research.analysis.causes import (
    AnalysisError,
    CauseTable,
    ControlShares,
    FindingsFilter,
    Share,
    wilson,
)
from research.base import studies
from research.base.errors import ResearchError
from research.base.store import Store, now
from research.base.studies import Study
from research.desk import calls
from research.findings import taxonomy
from research.findings.taxonomy import Codebook
from research.reports.audience import Audience
from research.selection import detection
from research.selection.detection import SEGMENTS

KINDS = ("postmortem", "checkpoint", "quarterly")
TOP_CAUSES = 5  # causes in the executive summary, each with its verbatims
QUOTES_PER_CAUSE = 4  # verbatims shown per top cause, newest first
TOP_COMPETITORS = 5
QUARTERS_SHOWN = 4  # the quarterly pack's cause trends: this quarter and the three before


class ReportError(ResearchError):
    title_key = "error.title.report"


@dataclass(frozen=True)
class ReportMeta:
    """Who made the report, when, and with which product and codebook."""

    kind: str  # one of KINDS
    subject: str  # the study's name, or the quarter
    lang: str
    generated_at: datetime
    generated_by: str
    product_version: str
    taxonomy_version: int


@dataclass(frozen=True)
class Quote:
    """A defector's own words, with the personal fields the reader may see (else None)."""

    text: str
    cause: str | None
    segment: str
    competitor: str | None
    held_on: date | None
    study: str
    customer_id: str | None
    customer_name: str | None


@dataclass(frozen=True)
class CauseQuotes:
    cause: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class ActionEffect:
    """An improvement action as a report shows it: the owner only for readers who may see
    it, and what its causes did after it took effect (research.analysis.actions)."""

    title: str
    description: str
    owner: str | None
    status: str
    due_date: date | None
    effective_from: date | None
    causes: tuple[str, ...]
    change: trends.Change | None
    worked: bool | None


@dataclass(frozen=True)
class Method:
    """The method appendix: how defectors were found and sampled, how the calls went,
    the codebook, and the thresholds behind every interval and verdict."""

    study: Study | None  # None for the quarterly pack (many studies)
    periods: detection.Periods | None
    progress: calls.CallProgress | None
    interviews: int  # final interview records counted
    taxonomy_version: int
    small_sample: int = causes.SMALL_SAMPLE
    confidence: float = causes.CONFIDENCE
    alpha: float = trends.ALPHA
    fisher_below: int = trends.FISHER_BELOW
    action_window_days: int = actions.WINDOW_DAYS


@dataclass(frozen=True)
class PostmortemData:
    meta: ReportMeta
    study: Study
    summary: overview.StudySummary
    by_status_segment: pd.DataFrame  # detection.counts_by_status_segment
    spend_by_segment: pd.DataFrame  # detection.spend_lost_by_segment
    causes: CauseTable  # primary causes by code
    groups: CauseTable  # primary causes by group
    control: ControlShares
    by_segment: pd.DataFrame  # causes.cross_tab(..., "segment")
    competitors: pd.DataFrame  # causes.competitors
    satisfaction: pd.DataFrame  # causes.satisfaction_profile
    quotes: tuple[CauseQuotes, ...]  # per top cause
    actions: tuple[ActionEffect, ...]
    method: Method
    codebook: Codebook

    @property
    def top_causes(self) -> tuple[causes.CauseRow, ...]:
        return self.causes.rows[:TOP_CAUSES]

    @property
    def top_competitors(self) -> pd.DataFrame:
        return self.competitors.head(TOP_COMPETITORS)


@dataclass(frozen=True)
class ReviewNotes:
    """A review as held, with its notes only for readers who may see them."""

    held_on: date
    kind: str
    interviews: int
    attendees: str | None
    process_problems: str | None
    proposals: str | None
    decisions: str | None


@dataclass(frozen=True)
class CheckpointData:
    meta: ReportMeta
    study: Study
    state: checkpoint.Checkpoint  # without names or notes the reader may not see
    team: pd.DataFrame | None  # interviewer, final, drafts; None when names are hidden
    changes: pd.DataFrame  # state.changes_since_previous()
    reviews: tuple[ReviewNotes, ...]
    actions: tuple[ActionEffect, ...]
    method: Method
    codebook: Codebook


# ---------------------------------------------------------------- rates.py plugs in here


@dataclass(frozen=True)
class SegmentRates:
    """Defection rate per value segment per quarter: each a Share (defectors of the
    segment's customers, with its interval)."""

    quarters: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Share | None, ...]], ...]  # (segment, one per quarter)


@dataclass(frozen=True)
class ShareMovement:
    """Per quarter, the customers whose share of wallet rose and fell."""

    quarter: str
    rose: Share
    fell: Share


@dataclass(frozen=True)
class WonBack:
    """Earlier defectors of a segment who buy from us again."""

    segment: str
    won_back: Share  # of the segment's earlier defectors
    spend_regained: float


@dataclass(frozen=True)
class Assumption:
    """One input or result of the worth model: a message key naming it, and its value
    shown as money, a percentage or a plain number."""

    key: str
    value: float
    unit: str  # "money" | "percent" | "number"


@dataclass(frozen=True)
class WorthModel:
    """What cutting defections is worth: the assumptions and what follows from them."""

    assumptions: tuple[Assumption, ...]
    results: tuple[Assumption, ...]


@dataclass(frozen=True)
class RateSections:
    """The quarterly pack's sections that research/analysis/rates.py will compute. Each
    stays None (and is not rendered, nor listed in the contents) until it has data."""

    defection_rates: SegmentRates | None = None
    share_movement: tuple[ShareMovement, ...] | None = None
    won_back: tuple[WonBack, ...] | None = None
    worth: WorthModel | None = None

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.defection_rates, self.share_movement, self.won_back, self.worth)
        )


def rate_sections(store: Store, quarter: str, study_ids: tuple[int, ...]) -> RateSections:
    """The quarterly pack's rate sections for ``quarter`` (research/analysis/rates.py):
    the rules and scope are those of the newest of the studies (by as-of date); the
    rates cover ``quarter`` and the QUARTERS_SHOWN − 1 before it."""
    chosen = [s for s in studies.list_studies(store, include_archived=True) if s.id in study_ids]
    if not chosen:
        return RateSections()
    study = max(chosen, key=lambda s: (s.as_of, s.id))
    first = rates.quarter_label(rates.quarter_index(quarter) - QUARTERS_SHOWN + 1)
    # only quarters that are over: an unfinished one would count everyone as leaving
    quarters = [
        q
        for q in rates.quarters_between(first, quarter)
        if trends.quarter_bounds(q)[1] < date.today()
    ]
    if not quarters:
        return RateSections()
    try:
        frame = rates.quarterly_rates(store, study, quarters)
    except AnalysisError:  # a window of months that are not whole quarters
        return RateSections()
    if not frame["customers"].any():
        return RateSections()
    cell = {(r.quarter, r.segment): r for r in frame.itertuples()}
    segment_rows = tuple(
        (
            segment,
            tuple(
                wilson(
                    int(cell[q, segment].full + cell[q, segment].partial),
                    int(cell[q, segment].customers),
                )
                if cell[q, segment].customers
                else None
                for q in quarters
            ),
        )
        for segment in (*SEGMENTS, "all")
    )
    moved = rates.movement(store, study, quarters)
    movement = tuple(
        ShareMovement(
            r.quarter, wilson(int(r.rose), int(r.customers)), wilson(int(r.fell), int(r.customers))
        )
        for r in moved.itertuples()
        if r.customers
    )
    _, quarter_end = trends.quarter_bounds(quarter)
    earlier = tuple(s.id for s in chosen if s.as_of <= quarter_end)
    after = date.fromordinal(quarter_end.toordinal() + 1)
    followed = rates.follow_up(store, study, earlier, as_of=after).customers
    won = (
        tuple(
            WonBack(
                segment,
                wilson(int((part["outcome"] == "won_back").sum()), len(part)),
                float(part.loc[part["outcome"] != "still_gone", "now"].sum()),
            )
            for segment, part in followed.groupby("segment", sort=False)
        )
        if not followed.empty
        else None
    )
    latest = [cell[quarters[-1], s] for s in SEGMENTS]
    yearly = worth.yearly_from_window(cell[quarters[-1], "all"].rate, study.window_months)
    model = None
    if yearly is not None:
        inputs = [(r.segment, int(r.customers), yearly, float(r.yearly_value or 0)) for r in latest]
        modelled = worth.worth([i for i in inputs if i[1]], cut=0.05, horizon_years=5)
        now = sum(w.value_now for w in modelled)
        kept = sum(w.value_kept for w in modelled)
        customers = sum(w.customers for w in modelled)
        model = WorthModel(
            assumptions=(
                Assumption("report.worth.rate", yearly, "percent"),
                Assumption("report.worth.customers", customers, "number"),
                Assumption("report.worth.value", now / customers / 5 if customers else 0, "money"),
                Assumption("report.worth.cut", 0.05, "percent"),
                Assumption("report.worth.horizon", 5, "number"),
            ),
            results=(
                Assumption("report.worth.lifetime", 1 / yearly if yearly else 0, "number"),
                Assumption("report.worth.kept", kept, "money"),
                Assumption("report.worth.kept_share", kept / now if now else 0, "percent"),
            ),
        )
    return RateSections(
        defection_rates=SegmentRates(tuple(quarters), segment_rows),
        share_movement=movement or None,
        won_back=won,
        worth=model,
    )


@dataclass(frozen=True)
class QuarterlyData:
    meta: ReportMeta
    quarter: str
    start: date
    end: date
    studies: tuple[str, ...]  # the studies whose interviews count
    causes: CauseTable  # this quarter's primary causes
    counts: pd.DataFrame  # trends.quarterly_counts, the last QUARTERS_SHOWN quarters
    previous: str | None  # the quarter compared with (the last one before with interviews)
    changes: tuple[trends.Change, ...]  # previous → quarter, with verdicts
    actions: tuple[ActionEffect, ...]
    rates: RateSections
    method: Method
    codebook: Codebook

    @property
    def emerging(self) -> tuple[trends.Change, ...]:
        return tuple(c for c in self.changes if c.emerging)


# ---------------------------------------------------------------- building


def _meta(store: Store, kind: str, subject: str, lang: str, audience: Audience) -> ReportMeta:
    return ReportMeta(
        kind=kind,
        subject=subject,
        lang=lang,
        generated_at=now(),
        generated_by=audience.reader,
        product_version=research.__version__,
        taxonomy_version=taxonomy.codebook(store).version,
    )


def _action_effects(
    store: Store,
    found: list[actions.Action],
    study_ids: tuple[int, ...],
    audience: Audience,
) -> tuple[ActionEffect, ...]:
    out = []
    for action in found:
        effect = actions.action_effect(store, action, study_ids)
        out.append(
            ActionEffect(
                title=action.title,
                description=action.description,
                owner=audience.keep("action_owner", action.owner),
                status=action.status,
                due_date=action.due_date,
                effective_from=action.effective_from,
                causes=action.causes,
                change=effect.change,
                worked=effect.worked,
            )
        )
    return tuple(out)


# The names of the quoted customers among the study's (not every customer's: a million
# names read for a dozen quotes cost seconds).
QUOTED_NAMES = """
SELECT r.customer_id, c.name
FROM detection_results r JOIN customers c ON c.customer_id = r.customer_id
WHERE r.study_id = ? AND list_contains(CAST(? AS VARCHAR[]), r.customer_id) AND c.name <> ''
"""


def _quotes(
    store: Store,
    study: Study,
    filt: FindingsFilter,
    top: tuple[causes.CauseRow, ...],
    audience: Audience,
) -> tuple[CauseQuotes, ...]:
    frames = [
        (row, causes.verbatims(store, filt, cause=row.key).head(QUOTES_PER_CAUSE)) for row in top
    ]
    quoted = sorted({str(c) for _, frame in frames for c in frame["customer_id"]})
    with store.cursor() as cur:
        names = dict(cur.execute(QUOTED_NAMES, [study.id, quoted]).fetchall())
    out = []
    for row, frame in frames:
        quotes = tuple(
            Quote(
                text=str(q.text),
                cause=q.cause if isinstance(q.cause, str) else None,
                segment=str(q.segment),
                competitor=q.competitor if isinstance(q.competitor, str) else None,
                held_on=_day(q.held_on),
                study=str(q.study),
                customer_id=audience.keep("customer_id", str(q.customer_id)),
                customer_name=audience.keep("customer_name", names.get(str(q.customer_id))),
            )
            for q in frame.itertuples(index=False)
        )
        out.append(CauseQuotes(row.key, quotes))
    return tuple(out)


def _day(value) -> date | None:
    """A pandas timestamp or a date as a date (None for a missing value)."""
    if value is None or value != value:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def postmortem_data(store: Store, study: Study, lang: str, audience: Audience) -> PostmortemData:
    """Everything the study post-mortem shows, from the analysis functions."""
    filt = FindingsFilter((study.id,))
    table = causes.cause_table(store, filt)
    found = overview.results_summary(store, study)  # counted in DuckDB, never read row by row
    progress = calls.progress(store, study)  # the summary's counts and the method's, once
    return PostmortemData(
        meta=_meta(store, "postmortem", study.name, lang, audience),
        study=study,
        summary=overview.summarise(store, study, overview.study_counts(store, study, progress)),
        by_status_segment=overview.counts_by_status_segment(found),
        spend_by_segment=overview.spend_lost_by_segment(found),
        causes=table,
        groups=causes.cause_table(store, filt, by="group"),
        control=causes.control_shares(store, filt),
        by_segment=causes.cross_tab(store, filt, "segment"),
        competitors=causes.competitors(store, filt),
        satisfaction=causes.satisfaction_profile(store, filt),
        quotes=_quotes(store, study, filt, table.rows[:TOP_CAUSES], audience),
        actions=_action_effects(
            store,
            actions.list_actions(store, study=study),
            tuple(s.id for s in studies.list_studies(store, include_archived=True)),
            audience,
        ),
        method=_method(store, study, table.n, progress),
        codebook=taxonomy.codebook(store),
    )


def _method(
    store: Store,
    study: Study | None,
    interviews: int,
    progress: calls.CallProgress | None = None,
) -> Method:
    return Method(
        study=study,
        periods=detection.periods(study.as_of, study.window_months) if study else None,
        progress=(progress or calls.progress(store, study)) if study else None,
        interviews=interviews,
        taxonomy_version=taxonomy.codebook(store).version,
    )


def checkpoint_data(store: Store, study: Study, lang: str, audience: Audience) -> CheckpointData:
    """Everything the checkpoint review shows, from research.analysis.checkpoint."""
    state = checkpoint.checkpoint(store, study)
    if not audience.sees("interviewer"):
        state = replace(state, team=state.team.head(0))
    if state.previous is not None and not audience.sees("review_notes"):
        blank = dict.fromkeys(("attendees", "process_problems", "proposals", "decisions"), "")
        state = replace(state, previous=replace(state.previous, **blank))
    reviews = tuple(
        ReviewNotes(
            held_on=r.held_on,
            kind=r.kind,
            interviews=r.interviews,
            attendees=audience.keep("review_notes", r.attendees),
            process_problems=audience.keep("review_notes", r.process_problems),
            proposals=audience.keep("review_notes", r.proposals),
            decisions=audience.keep("review_notes", r.decisions),
        )
        for r in checkpoint.list_reviews(store, study)
    )
    return CheckpointData(
        meta=_meta(store, "checkpoint", study.name, lang, audience),
        study=study,
        state=state,
        team=state.team if audience.sees("interviewer") else None,
        changes=state.changes_since_previous(),
        reviews=reviews,
        actions=_action_effects(
            store,
            actions.list_actions(store, study=study),
            tuple(s.id for s in studies.list_studies(store, include_archived=True)),
            audience,
        ),
        method=_method(store, study, state.held),
        codebook=taxonomy.codebook(store),
    )


def parse_quarter(label: str) -> tuple[str, date, date]:
    """'2026Q3' (or '2026q3', ' 2026Q3 ') → ('2026Q3', first day, last day). Raises
    ReportError for anything else."""
    try:
        start, end = trends.quarter_bounds(label)
    except (ValueError, AttributeError) as e:
        raise ReportError("error.report_quarter", quarter=label) from e
    return trends.quarter_of(start), start, end


def quarterly_data(
    store: Store,
    quarter: str,
    lang: str,
    audience: Audience,
    *,
    rates: RateSections | None = None,
) -> QuarterlyData:
    """The quarterly failure-analysis pack for ``quarter`` ('2026Q3'), across every
    study: the quarter's causes, the trends of the last quarters with the change
    verdicts and emerging causes, the improvement actions and whether their causes fell,
    and the rate sections when given (else ``rate_sections``). Raises ReportError for a
    quarter that is not like 2026Q3."""
    label, start, end = parse_quarter(quarter)
    every = studies.list_studies(store, include_archived=True)
    ids = tuple(s.id for s in every)
    this_quarter = FindingsFilter(ids, start, end)
    table = causes.cause_table(store, this_quarter)
    counts = trends.quarterly_counts(store, FindingsFilter(ids, None, end))
    previous, found = None, ()
    if not counts.empty:
        held = [q for q in counts.columns if counts.loc["interviews", q] > 0]
        before = [q for q in held if q < label]
        if before:
            previous = before[-1]
        if previous and label in held:
            found = tuple(trends.changes(counts, previous, label))
        shown = [q for q in counts.columns if q <= label][-QUARTERS_SHOWN:]
        counts = counts[shown]
        counts = counts[(counts != 0).any(axis=1) | (counts.index == "interviews")]
    return QuarterlyData(
        meta=_meta(store, "quarterly", label, lang, audience),
        quarter=label,
        start=start,
        end=end,
        studies=tuple(s.name for s in every),
        causes=table,
        counts=counts,
        previous=previous,
        changes=found,
        actions=_action_effects(store, actions.list_actions(store), ids, audience),
        rates=rates if rates is not None else rate_sections(store, label, ids),
        method=_method(store, None, table.n),
        codebook=taxonomy.codebook(store),
    )


def report_quarters(store: Store) -> list[str]:
    """The quarters with final interviews (any study), latest first: what a quarterly
    pack can be made for."""
    ids = tuple(s.id for s in studies.list_studies(store, include_archived=True))
    if not ids:
        return []
    counts = trends.quarterly_counts(store, FindingsFilter(ids))
    if counts.empty:
        return []
    return sorted((q for q in counts.columns if counts.loc["interviews", q] > 0), reverse=True)
