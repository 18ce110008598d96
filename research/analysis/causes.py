"""Why customers left, counted honestly: failure-cause frequencies and their cross-tabs.

Interview samples are small, so every share carries its count, the number of
interviews it is a share of, and a 95% Wilson interval; a share of fewer than
``SMALL_SAMPLE`` interviews is flagged. Causes can also be weighted by what the
defectors took with them (their spend lost), because the cause that loses the most money
is not always the most frequent.

Everything starts from one set of findings: the final interview records of the chosen
studies that pass the filters (``FindingsFilter``). Counting happens in DuckDB SQL;
merged codes count under the code that survived the merge (the codebook resolves them).
The results are plain dataclasses and frames, so the Analysis page, the CLI and the
reports show the same numbers from the same functions.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from research.base.errors import ResearchError
from research.base.store import Store
from research.findings import taxonomy
from research.findings.interviews import SATISFACTION, SATISFACTION_FIELDS
from research.selection.detection import SEGMENTS

SMALL_SAMPLE = 10  # a share of fewer interviews than this says so
CONFIDENCE = 0.95
BY_OPTIONS = ("code", "group")
CROSS_DIMENSIONS = ("segment", "defection_type", "competitor", "lifecycle_stage")


class AnalysisError(ResearchError):
    title_key = "error.title.analysis"


@dataclass(frozen=True)
class FindingsFilter:
    """Which findings an analysis counts. Empty tuples mean "all"."""

    study_ids: tuple[int, ...]
    start: date | None = None  # interview date, inclusive
    end: date | None = None  # interview date, inclusive
    segments: tuple[str, ...] = ()
    defection_types: tuple[str, ...] = ()
    interviewers: tuple[str, ...] = ()

    def params(self) -> list:
        return [
            list(self.study_ids),
            self.start,
            self.end,
            list(self.segments),
            list(self.defection_types),
            list(self.interviewers),
        ]


@dataclass(frozen=True)
class Share:
    """``count`` of ``n`` with its Wilson interval; ``share`` is None when n is 0."""

    count: int
    n: int
    share: float | None
    low: float | None
    high: float | None

    @property
    def small(self) -> bool:
        return self.n < SMALL_SAMPLE


def wilson(count: int, n: int) -> Share:
    """The share ``count / n`` with its 95% Wilson score interval (statsmodels)."""
    if n <= 0:
        return Share(int(count), 0, None, None, None)
    # statsmodels takes seconds to import: load it when a share is first computed
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(int(count), int(n), alpha=1 - CONFIDENCE, method="wilson")
    return Share(int(count), int(n), count / n, float(low), float(high))


@dataclass(frozen=True)
class CauseRow:
    key: str  # a code, or a group key
    share: Share  # findings naming it, of all findings counted
    spend_lost: float  # what the defectors naming it took with them
    spend_share: float | None  # of the spend lost by all findings counted


@dataclass(frozen=True)
class CauseTable:
    by: str  # "code" or "group"
    with_secondary: bool  # primary causes only, or primary and secondary
    n: int  # findings counted
    spend_lost: float
    rows: tuple[CauseRow, ...] = field(default=())

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    def frame(self) -> pd.DataFrame:
        """One row per cause, most frequent first: counts, shares, intervals, spend."""
        return pd.DataFrame(
            [
                {
                    "cause": r.key,
                    "findings": r.share.count,
                    "of": r.share.n,
                    "share": r.share.share,
                    "share_low": r.share.low,
                    "share_high": r.share.high,
                    "spend_lost": r.spend_lost,
                    "spend_share": r.spend_share,
                }
                for r in self.rows
            ],
            columns=[
                "cause",
                "findings",
                "of",
                "share",
                "share_low",
                "share_high",
                "spend_lost",
                "spend_share",
            ],
        )


# The findings an analysis counts, one row each: final records of the chosen studies that
# pass the filters, with the segment and spend lost detection found for the customer.
# Parameters: FindingsFilter.params(). code_map is registered per query (see _codes).
FINDINGS_SQL = """
SELECT f.id, f.study_id, s.name AS study, f.customer_id,
       coalesce(f.interview_date, CAST(f.finalized_at AS DATE)) AS held_on,
       f.interviewer, f.defection_type, f.destination,
       nullif(trim(f.competitor), '') AS competitor,
       pc.cause AS cause, pc.group_key AS cause_group, f.secondary_codes,
       coalesce(f.controllable, pc.controllable) AS controllable, f.voluntary,
       f.lifecycle_stage, f.sat_product, f.sat_service, f.sat_delivery, f.sat_value,
       f.sat_communication, f.win_back,
       coalesce(f.segment, 'none') AS segment,
       CAST(coalesce(f.spend_lost, 0) AS DOUBLE) AS spend_lost
FROM final_findings f
JOIN studies s ON s.id = f.study_id
LEFT JOIN code_map pc ON pc.code = f.primary_code
WHERE list_contains(?, f.study_id)
  AND (CAST(? AS DATE) IS NULL OR coalesce(f.interview_date, CAST(f.finalized_at AS DATE)) >= ?)
  AND (CAST(? AS DATE) IS NULL OR coalesce(f.interview_date, CAST(f.finalized_at AS DATE)) <= ?)
  AND (len(?) = 0 OR list_contains(?, coalesce(f.segment, 'none')))
  AND (len(?) = 0 OR list_contains(?, f.defection_type))
  AND (len(?) = 0 OR list_contains(?, f.interviewer))
"""

# Every final record with the segment and spend lost its study's detection found: read
# once per change of the data (FACTS_VERSION) and kept, so that a filter change queries
# a few thousand rows instead of joining every study's detection results again.
FACTS_SQL = """
SELECT f.*, r.segment, r.spend_lost
FROM findings f
LEFT JOIN detection_results r ON r.study_id = f.study_id AND r.customer_id = f.customer_id
WHERE f.status = 'final'
"""
# what FACTS_SQL and the code map depend on: records (their last change), detection
# runs, the audit log, the codebook's version
FACTS_VERSION = """
SELECT (SELECT max(id) FROM audit_log), (SELECT max(updated_at) FROM findings),
       (SELECT count(*) FROM findings), (SELECT max(computed_at) FROM detection_runs),
       (SELECT count(*) FROM detection_runs),
       (SELECT coalesce(max(version), 0) FROM taxonomy_changes)
"""
KEEP_FILTERS = 16  # findings frames kept per data version: the page's recent filters


@dataclass
class _Facts:
    """What every analysis of one version of the data starts from, kept per open store."""

    version: tuple
    findings: pd.DataFrame  # FACTS_SQL
    code_map: pd.DataFrame  # see _cursor
    filtered: dict = field(default_factory=dict)  # FindingsFilter -> findings_frame


# per open store (dropped with it)
_facts_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_facts_lock = threading.Lock()


def _code_map(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every code → the code it counts under now, its group and whether it is
    controllable."""
    book = taxonomy.read_codebook(cur)
    rows = []
    for code in book.codes:
        cause = book.resolve(code)
        target = book.codes.get(cause)
        rows.append(
            {
                "code": code,
                "cause": cause,
                "group_key": target.group_key if target else None,
                "controllable": target.controllable if target else None,
            }
        )
    return pd.DataFrame(rows, columns=["code", "cause", "group_key", "controllable"])


def _facts(store: Store, cur: duckdb.DuckDBPyConnection) -> _Facts:
    version = tuple(cur.execute(FACTS_VERSION).fetchall()[0])
    with _facts_lock:
        cached = _facts_cache.get(store)
        if cached is not None and cached.version == version:
            return cached
    facts = _Facts(version, cur.execute(FACTS_SQL).df(), _code_map(cur))
    with _facts_lock:
        _facts_cache[store] = facts
    return facts


def _sql_params(filt: FindingsFilter) -> list:
    studies, start, end, segments, types, interviewers = filt.params()
    return [
        studies,
        start,
        start,
        end,
        end,
        segments,
        segments,
        types,
        types,
        interviewers,
        interviewers,
    ]


# Each finding's causes: its primary cause, and with secondary causes each distinct code
# it names once (a finding naming a code twice counts once).
MENTIONS_SQL = """
WITH counted AS ({findings}),
mentions AS (
    SELECT id, cause AS code FROM counted WHERE cause IS NOT NULL
    UNION
    SELECT c.id, m.cause AS code
    FROM counted c, unnest(CAST(coalesce(c.secondary_codes, '[]') AS VARCHAR[])) AS s(code)
    JOIN code_map m ON m.code = s.code
    WHERE ?
),
keyed AS (
    SELECT DISTINCT CASE WHEN ? = 'group' THEN m.group_key ELSE mentions.code END AS key,
           mentions.id
    FROM mentions JOIN code_map m ON m.code = mentions.code
)
SELECT keyed.key, count(*) AS findings, sum(counted.spend_lost) AS spend_lost
FROM keyed JOIN counted ON counted.id = keyed.id
GROUP BY keyed.key
"""

TOTALS_SQL = """
WITH counted AS ({findings})
SELECT count(*), coalesce(sum(spend_lost), 0) FROM counted
"""


@contextmanager
def _registered(cur: duckdb.DuckDBPyConnection, facts: _Facts) -> Iterator[None]:
    cur.register("code_map", facts.code_map)
    cur.register("final_findings", facts.findings)
    try:
        yield
    finally:
        cur.unregister("code_map")
        cur.unregister("final_findings")


@contextmanager
def _cursor(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read cursor with ``code_map`` (every code → the code it counts under now, its
    group and whether it is controllable) and ``final_findings`` (see FACTS_SQL)."""
    with store.cursor() as cur, _registered(cur, _facts(store, cur)):
        yield cur


def findings_frame(store: Store, filt: FindingsFilter) -> pd.DataFrame:
    """The findings an analysis counts, one row each (see FINDINGS_SQL for the columns).
    The Analysis page asks for the same filter several times in one run: the frame is
    kept per version of the data, and each caller gets its own copy."""
    with store.cursor() as cur:
        facts = _facts(store, cur)
        with _facts_lock:
            frame = facts.filtered.get(filt)
        if frame is None:
            with _registered(cur, facts):
                frame = cur.execute(FINDINGS_SQL + " ORDER BY f.id", _sql_params(filt)).df()
            with _facts_lock:
                facts.filtered.pop(filt, None)
                facts.filtered[filt] = frame
                while len(facts.filtered) > KEEP_FILTERS:
                    facts.filtered.pop(next(iter(facts.filtered)))
    return frame.copy()


def cause_table(
    store: Store, filt: FindingsFilter, *, by: str = "code", with_secondary: bool = False
) -> CauseTable:
    """How many of the counted findings name each cause, with intervals and spend lost.

    Raises AnalysisError for an unknown ``by``.
    """
    if by not in BY_OPTIONS:
        raise AnalysisError("error.analysis_by", by=by, options=", ".join(BY_OPTIONS))
    with _cursor(store) as cur:
        n, total_spend = cur.execute(
            TOTALS_SQL.format(findings=FINDINGS_SQL), _sql_params(filt)
        ).fetchall()[0]
        rows = cur.execute(
            MENTIONS_SQL.format(findings=FINDINGS_SQL), [*_sql_params(filt), with_secondary, by]
        ).fetchall()
    total_spend = float(total_spend)
    causes = [
        CauseRow(
            key=key,
            share=wilson(count, n),
            spend_lost=float(spend or 0),
            spend_share=(float(spend or 0) / total_spend) if total_spend > 0 else None,
        )
        for key, count, spend in rows
        if key is not None
    ]
    causes.sort(key=lambda r: (-r.share.count, -r.spend_lost, r.key))
    return CauseTable(by, with_secondary, int(n), total_spend, tuple(causes))


def cross_tab(
    store: Store, filt: FindingsFilter, dimension: str, *, by: str = "code"
) -> pd.DataFrame:
    """Primary cause (or group) × ``dimension``: finding counts, causes as rows in the
    order of their totals, a "total" row and column. Raises AnalysisError for an unknown
    dimension."""
    if dimension not in CROSS_DIMENSIONS:
        raise AnalysisError(
            "error.analysis_dimension", dimension=dimension, options=", ".join(CROSS_DIMENSIONS)
        )
    if by not in BY_OPTIONS:
        raise AnalysisError("error.analysis_by", by=by, options=", ".join(BY_OPTIONS))
    frame = findings_frame(store, filt)
    cause = "cause" if by == "code" else "cause_group"
    frame = frame[frame[cause].notna()]
    if frame.empty:
        return pd.DataFrame()
    columns = frame[dimension].fillna("–")
    table = pd.crosstab(frame[cause], columns, margins=True, margins_name="total")
    order = table["total"].drop("total").sort_values(ascending=False, kind="stable").index
    table = table.loc[[*order, "total"]]
    if dimension == "segment":  # segments in value order, not alphabetical
        ranked = [s for s in (*SEGMENTS, "none") if s in table.columns]
        table = table[[*ranked, "total"]]
    return table


@dataclass(frozen=True)
class ControlShares:
    controllable: Share  # of findings whose controllability is known
    involuntary: Share  # of findings whose voluntariness is known


def control_shares(store: Store, filt: FindingsFilter) -> ControlShares:
    """The share of defections the company could have prevented, and the share it
    pushed out itself (involuntary), each of the findings that say so."""
    frame = findings_frame(store, filt)
    known = frame["controllable"].dropna()
    voluntary = frame["voluntary"].dropna()
    return ControlShares(
        controllable=wilson(int(known.astype(bool).sum()), len(known)),
        involuntary=wilson(int((voluntary == "involuntary").sum()), len(voluntary)),
    )


def satisfaction_profile(store: Store, filt: FindingsFilter) -> pd.DataFrame:
    """Aspects × the five-point scale: how many defectors gave each answer (blank
    answers left out), aspects in the form's order, levels from highly satisfied down."""
    frame = findings_frame(store, filt)
    rows = {
        aspect: [int((frame[aspect] == level).sum()) for level in SATISFACTION]
        for aspect in SATISFACTION_FIELDS
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(SATISFACTION))


def competitors(store: Store, filt: FindingsFilter) -> pd.DataFrame:
    """Who won the defectors: per competitor (as the interviews name them, spacing and
    case ignored), how many, how much spend, and the primary causes in order."""
    frame = findings_frame(store, filt)
    frame = frame[frame["competitor"].notna()].copy()
    columns = ["competitor", "findings", "spend_lost", "causes"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["key"] = frame["competitor"].str.strip().str.casefold()
    rows = []
    for _, group in frame.groupby("key", sort=False):
        causes = group["cause"].dropna().value_counts()
        rows.append(
            {
                "competitor": group["competitor"].mode().iloc[0],
                "findings": len(group),
                "spend_lost": float(group["spend_lost"].sum()),
                "causes": list(
                    causes.sort_index().sort_values(ascending=False, kind="stable").index
                ),
            }
        )
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["findings", "spend_lost"], ascending=False, kind="stable").reset_index(
        drop=True
    )


VERBATIMS_SQL = """
WITH counted AS ({findings})
SELECT q.id AS quote_id, c.id AS finding_id, c.study, c.customer_id, c.held_on,
       coalesce(m.cause, c.cause) AS cause, c.segment, c.competitor, q.text
FROM finding_quotes q
JOIN counted c ON c.id = q.finding_id
LEFT JOIN code_map m ON m.code = q.code
WHERE NOT q.removed AND trim(q.text) <> ''
ORDER BY c.held_on DESC NULLS LAST, q.finding_id, q.position, q.id
"""


def verbatims(
    store: Store,
    filt: FindingsFilter,
    *,
    cause: str | None = None,
    competitor: str | None = None,
) -> pd.DataFrame:
    """The defectors' own words, newest first, each with its finding (to open the
    record), cause (the quote's own code, else the finding's primary cause), segment and
    competitor. Narrowed by cause and competitor when given; segments through ``filt``."""
    with _cursor(store) as cur:
        frame = cur.execute(VERBATIMS_SQL.format(findings=FINDINGS_SQL), _sql_params(filt)).df()
    if cause:
        frame = frame[frame["cause"] == cause]
    if competitor:
        frame = frame[frame["competitor"].fillna("").str.casefold() == competitor.casefold()]
    return frame.reset_index(drop=True)


INTERVIEWERS_SQL = """
SELECT DISTINCT interviewer FROM findings
WHERE status = 'final' AND list_contains(?, study_id) AND nullif(trim(interviewer), '') IS NOT NULL
ORDER BY 1
"""


def interviewers(store: Store, study_ids: tuple[int, ...]) -> list[str]:
    """Who held the final interviews of these studies, for the interviewer filter."""
    with store.cursor() as cur:
        return [r[0] for r in cur.execute(INTERVIEWERS_SQL, [list(study_ids)]).fetchall()]
