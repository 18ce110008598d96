"""Whom to interview: a reproducible, value-weighted sample of defectors.

The study's target sample size is split over the value segments by the study's
weights (largest remainder; expendable has weight 0 unless asked for). A segment
with too few defectors hands its unused places to the others. Within a segment,
defectors are taken in the order of sha256("seed:customer id"), so the same seed
draws the same people on any machine and any library version, and a redraw after
a removal keeps everyone else and takes the next in line.

Work already done is never thrown away. A redraw (a new seed or size) keeps every
target that has been called, screened, booked or interviewed or has a findings
record; they count toward the sample size in their segment, like hand-made
additions, and only untouched sample targets are replaced. Kept targets keep their
interviewer; newly drawn ones are dealt out evenly over the study's phone
interviewers when the study had assignments, so the call desk never empties.
(Selection comes before the desk, so this reads and writes the desk's tables in SQL.)

The list can be changed by hand: a customer added or removed keeps the reason and
who did it, and a redraw never undoes a hand-made change. A target with a booking,
an interview or a findings record is only removed when the remover confirms, having
seen what hangs on it; a future booking is then cancelled, and interviews held and
findings are kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from research.base import exports
from research.base.errors import NothingToDoError, ResearchError
from research.base.i18n import Translator
from research.base.permissions import require
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.selection.detection import DEFECTOR_STATUSES, SEGMENTS
from research.selection.filters import search_pattern


@dataclass(frozen=True)
class SegmentDraw:
    segment: str
    weight: float
    available: int
    quota: int
    drawn: int
    kept: int = 0  # targets of this segment already on the list that count toward the size


KEPT_REASON_KEYS = {  # why a redraw kept a target (translation keys)
    "calls": "targets.kept_reason.calls",
    "screened": "targets.kept_reason.screened",
    "bookings": "targets.kept_reason.bookings",
    "findings": "targets.kept_reason.findings",
}


@dataclass(frozen=True)
class KeptTarget:
    """A sample target a redraw kept because work was done on it."""

    customer_id: str
    name: str | None
    segment: str | None
    calls: int
    bookings: int  # interviews booked, held or missed (cancelled ones not)
    findings: int
    screened: bool  # screening answers or notes were saved

    @property
    def reasons(self) -> tuple[str, ...]:
        """Translation keys (KEPT_REASON_KEYS)."""
        found = [
            ("calls", self.calls),
            ("screened", self.screened),
            ("bookings", self.bookings),
            ("findings", self.findings),
        ]
        return tuple(KEPT_REASON_KEYS[why] for why, has in found if has)

    def why(self, t: Translator) -> str:
        return t("common.list_separator").join(t(key) for key in self.reasons)


@dataclass(frozen=True)
class DrawResult:
    """What a draw did. Iterating gives the per-segment draws."""

    segments: list[SegmentDraw]
    kept: list[KeptTarget]  # sample targets kept for their work
    hand_made: int  # targets added by hand, kept
    replaced: int  # untouched sample targets that left the list
    new: int  # targets on the list now that were not before
    assigned: int  # new targets given to a phone interviewer

    @property
    def drawn(self) -> int:
        return sum(d.drawn for d in self.segments)

    def __iter__(self) -> Iterator[SegmentDraw]:
        return iter(self.segments)

    def summary(self, t: Translator) -> list[str]:
        """What the draw did, in the reader's language: how many were drawn, what was
        kept and why, what changed on the list."""
        lines = [t("targets.drawn", count=self.drawn)]
        if self.kept:
            lines.append(
                t(
                    "targets.draw_kept",
                    count=len(self.kept),
                    calls=sum(1 for k in self.kept if k.calls),
                    screened=sum(1 for k in self.kept if k.screened),
                    bookings=sum(1 for k in self.kept if k.bookings),
                    findings=sum(1 for k in self.kept if k.findings),
                )
            )
        if self.replaced or self.new:
            lines.append(
                t(
                    "targets.draw_changes",
                    replaced=self.replaced,
                    new=self.new,
                    assigned=self.assigned,
                )
            )
        return lines


def sample_order(seed: int, customer_id: str) -> str:
    return hashlib.sha256(f"{seed}:{customer_id}".encode()).hexdigest()


def allocate(size: int, weights: dict[str, float], available: dict[str, int]) -> dict[str, int]:
    """Split ``size`` places over segments by weight, never past what is available."""
    quota = {s: 0 for s in weights}
    open_segments = [s for s in weights if weights[s] > 0 and available.get(s, 0) > 0]
    remaining = size
    while remaining > 0 and open_segments:
        total = sum(weights[s] for s in open_segments)
        shares = {s: remaining * weights[s] / total for s in open_segments}
        whole = {s: int(shares[s]) for s in open_segments}
        left = remaining - sum(whole.values())
        by_remainder = sorted(
            open_segments, key=lambda s: (-(shares[s] - whole[s]), SEGMENTS.index(s))
        )
        for s in by_remainder[:left]:
            whole[s] += 1
        for s in open_segments:
            room = available[s] - quota[s]
            quota[s] += min(whole[s], room)
        remaining = size - sum(quota.values())
        open_segments = [s for s in open_segments if quota[s] < available[s]]
    return quota


def allocate_around(
    size: int, weights: dict[str, float], available: dict[str, int], kept: dict
) -> dict[str, int]:
    """Places to draw per segment when ``kept`` targets (per segment; other keys, such
    as None for an unranked customer, count toward the size only) are on the list
    already: the size is split over the segments as if the kept were drawable, each
    segment then draws what its kept do not fill, and the total drawn is the size less
    the kept, as far as ``available`` allows. With nothing kept this is ``allocate``."""
    kept_total = sum(kept.values())
    remaining = max(size - kept_total, 0)
    whole = allocate(size, weights, {s: available[s] + kept.get(s, 0) for s in SEGMENTS})
    quota = {s: min(max(whole[s] - kept.get(s, 0), 0), available[s]) for s in SEGMENTS}
    total = sum(quota.values())
    if total > remaining:  # kept outside the weighted segments: draw fewer, in proportion
        quota = allocate(remaining, {s: float(quota[s]) for s in SEGMENTS}, quota)
    elif total < remaining:  # a segment kept more than its share: the others fill up
        extra = allocate(remaining - total, weights, {s: available[s] - quota[s] for s in SEGMENTS})
        quota = {s: quota[s] + extra[s] for s in SEGMENTS}
    return quota


# Work on each target of the list: what a redraw keeps and a removal must not lose.
WORK = """
SELECT t.customer_id, t.source, r.segment, c.name,
       (SELECT count(*) FROM call_attempts a
        WHERE a.study_id = t.study_id AND a.customer_id = t.customer_id) AS calls,
       (SELECT count(*) FROM interviews i WHERE i.study_id = t.study_id
        AND i.customer_id = t.customer_id AND i.status <> 'cancelled') AS bookings,
       (SELECT count(*) FROM findings f WHERE f.study_id = t.study_id
        AND f.customer_id = t.customer_id AND f.origin <> 'import') AS findings,
       EXISTS (SELECT 1 FROM screenings s WHERE s.study_id = t.study_id
               AND s.customer_id = t.customer_id AND s.version > 1) AS screened,
       EXISTS (SELECT 1 FROM do_not_call d WHERE d.study_id = t.study_id
               AND d.customer_id = t.customer_id) AS do_not_call,
       EXISTS (SELECT 1 FROM call_assignments g WHERE g.study_id = t.study_id
               AND g.customer_id = t.customer_id) AS assigned
FROM target_list t
LEFT JOIN detection_results r ON r.study_id = t.study_id AND r.customer_id = t.customer_id
LEFT JOIN customers c ON c.customer_id = t.customer_id
WHERE t.study_id = ? AND t.included
"""
# whom a draw chooses from: the defectors (not marked former), id and segment only; at a
# million customers reading every result with names and contacts cost seconds and memory
DEFECTORS = """
SELECT r.customer_id, r.segment FROM detection_results r
WHERE r.study_id = $sid AND list_contains(CAST($defectors AS VARCHAR[]), r.status)
  AND NOT EXISTS (SELECT 1 FROM former_customers f
                  WHERE f.study_id = r.study_id AND f.customer_id = r.customer_id)
"""
# the segments of the customers added by hand, who count toward the size in their segment
HAND_MADE_SEGMENTS = """
SELECT t.customer_id, r.segment FROM target_list t
JOIN detection_results r ON r.study_id = t.study_id AND r.customer_id = t.customer_id
WHERE t.study_id = ? AND t.source = 'manual' AND t.included
"""
HAND_MADE = (
    "SELECT customer_id, included FROM target_list WHERE study_id = ?"
    " AND (source = 'manual' OR NOT included)"
)
DO_NOT_CALL = "SELECT customer_id FROM do_not_call WHERE study_id = ?"
INSERT_DRAWN = "INSERT INTO target_list VALUES (?, ?, 'sample', TRUE, NULL, ?, ?, ?, ?)"
DROP_TARGET = "DELETE FROM target_list WHERE study_id = ? AND customer_id = ?"
DROP_ASSIGNMENT = "DELETE FROM call_assignments WHERE study_id = ? AND customer_id = ?"
# the study's phone interviewers, in the order the call desk lists them
PHONE_INTERVIEWERS = """
SELECT m.id FROM study_team s JOIN team_members m ON m.id = s.member_id
WHERE s.study_id = ? AND m.role = 'phone_interviewer' AND m.active
ORDER BY m.name, m.id
"""
ASSIGNED_INTERVIEWERS = """
SELECT a.interviewer_id, count(*) FROM call_assignments a
JOIN target_list t ON t.study_id = a.study_id AND t.customer_id = a.customer_id AND t.included
WHERE a.study_id = ?
GROUP BY a.interviewer_id ORDER BY a.interviewer_id
"""
ASSIGN = "INSERT INTO call_assignments VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"


def _has_work(row) -> bool:
    return bool(row.calls or row.bookings or row.findings or row.screened)


def draw_sample(store: Store, study: Study, *, actor: str) -> DrawResult:
    """Draw (or redraw) the study's sample and save it as its target list, keeping
    every target with work on it and every hand-made change (see the module's text).

    Raises NothingToDoError when there are no defectors to draw from.
    """
    actor = require(actor, "targets.write", store=store, study=study).name
    with store.cursor() as cur:
        defectors = cur.execute(
            DEFECTORS, {"sid": study.id, "defectors": list(DEFECTOR_STATUSES)}
        ).df()
        if defectors.empty:
            raise NothingToDoError("error.no_defectors")
        manual = cur.execute(HAND_MADE, [study.id]).fetchall()
        # people who asked never to be called again are never drawn again (research/desk/calls.py)
        never = {r[0] for r in cur.execute(DO_NOT_CALL, [study.id]).fetchall()}
        listed = cur.execute(WORK, [study.id]).df()
        segment_of = dict(cur.execute(HAND_MADE_SEGMENTS, [study.id]).fetchall())
    hand_made = {cid for cid, _ in manual} | never
    sample_rows = listed[(listed["source"] == "sample") & ~listed["do_not_call"]]
    kept = [
        KeptTarget(
            r.customer_id,
            r.name if isinstance(r.name, str) else None,
            r.segment if isinstance(r.segment, str) else None,
            int(r.calls),
            int(r.bookings),
            int(r.findings),
            bool(r.screened),
        )
        for r in sample_rows.itertuples()
        if _has_work(r)
    ]
    kept_ids = {k.customer_id for k in kept}
    untouched = set(sample_rows["customer_id"]) - kept_ids
    counted: dict = {}
    for cid, included in manual:
        if included:
            seg = segment_of.get(cid)
            seg = seg if isinstance(seg, str) else None
            counted[seg] = counted.get(seg, 0) + 1
    for k in kept:
        counted[k.segment] = counted.get(k.segment, 0) + 1
    pool = defectors[~defectors["customer_id"].isin(hand_made | kept_ids)]
    available = {s: int((pool["segment"] == s).sum()) for s in SEGMENTS}
    weights = study.segment_weights
    quota = allocate_around(study.target_sample_size, weights, available, counted)

    chosen: list[str] = []
    for segment in SEGMENTS:
        ids = pool.loc[pool["segment"] == segment, "customer_id"].tolist()
        ids.sort(key=lambda cid: sample_order(study.sample_seed, cid))
        chosen += ids[: quota[segment]]
    leaving = sorted(untouched - set(chosen))
    arriving = [cid for cid in chosen if cid not in untouched]
    had_assignments = bool(listed["assigned"].any())
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> tuple[int, int]:
        # untouched: no calls, bookings or findings hang on them, even if someone
        # called one of them since the list was read
        worked_now = {
            r.customer_id for r in cur.execute(WORK, [study.id]).df().itertuples() if _has_work(r)
        }
        dropping = [cid for cid in leaving if cid not in worked_now]
        if dropping:
            cur.executemany(DROP_TARGET, [[study.id, cid] for cid in dropping])
            cur.executemany(DROP_ASSIGNMENT, [[study.id, cid] for cid in dropping])
        if arriving:
            cur.executemany(
                INSERT_DRAWN, [[study.id, cid, actor, stamp, actor, stamp] for cid in arriving]
            )
        assigned = _deal_out(cur, study, arriving, actor, stamp) if had_assignments else 0
        audit(
            cur,
            study.id,
            actor,
            "targets.draw",
            {
                "seed": study.sample_seed,
                "size": study.target_sample_size,
                "drawn": len(chosen),
                "kept": sorted(kept_ids),
                "replaced": dropping,
                "assigned": assigned,
            },
        )
        return len(dropping), assigned

    replaced, assigned = store.write(apply)
    kept_by_segment = {s: counted.get(s, 0) for s in SEGMENTS}
    return DrawResult(
        [
            SegmentDraw(s, weights[s], available[s], quota[s], quota[s], kept_by_segment[s])
            for s in SEGMENTS
        ],
        kept,
        sum(1 for _, included in manual if included),
        replaced,
        len(arriving),
        assigned,
    )


def _deal_out(
    cur: duckdb.DuckDBPyConnection, study: Study, arriving: list[str], actor: str, stamp
) -> int:
    """Give each newly drawn target to the phone interviewer with the fewest targets
    (the study's phone interviewers; those already calling for it when it has none).
    ``arriving`` is in segment order, so the best segments are dealt first."""
    load = {
        int(mid): int(n) for mid, n in cur.execute(ASSIGNED_INTERVIEWERS, [study.id]).fetchall()
    }
    team = [int(r[0]) for r in cur.execute(PHONE_INTERVIEWERS, [study.id]).fetchall()]
    order = team or sorted(load)
    if not order or not arriving:
        return 0
    load = {mid: load.get(mid, 0) for mid in order}
    rows = []
    for cid in arriving:
        mid = min(order, key=lambda m: (load[m], order.index(m)))
        load[mid] += 1
        rows.append([study.id, cid, mid, actor, stamp, actor, stamp])
    cur.executemany(ASSIGN, rows)
    audit(cur, study.id, actor, "calls.assign", {"how": "draw", "count": len(rows)})
    return len(rows)


def add_target(store: Store, study: Study, customer_id: str, reason: str, *, actor: str) -> None:
    """Put a customer on the target list by hand. Raises ResearchError without a reason
    or for a customer the study does not know."""
    actor = require(actor, "targets.write", store=store, study=study).name
    reason = (reason or "").strip()
    if not reason:
        raise ResearchError("error.add_reason_required")
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        known = cur.execute(
            "SELECT 1 FROM detection_results WHERE study_id = ? AND customer_id = ?",
            [study.id, customer_id],
        ).fetchall()
        if not known:
            raise ResearchError("error.unknown_customer", customer_id=customer_id)
        cur.execute(
            "INSERT INTO target_list VALUES (?, ?, 'manual', TRUE, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO UPDATE SET source = 'manual', included = TRUE, reason = excluded.reason,"
            " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            [study.id, customer_id, reason, actor, stamp, actor, stamp],
        )
        audit(cur, study.id, actor, "targets.add", {"customer_id": customer_id, "reason": reason})

    store.write(apply)


class TargetHasWorkError(ResearchError):
    """The target has a booking, an interview or a findings record: removing it needs
    the remover's confirmation. ``work`` lists what hangs on it."""

    title_key = "error.title.target_has_work"

    def __init__(self, work: TargetWork):
        self.work = work
        super().__init__("error.target_has_work", customer_id=work.customer_id)

    def render(self, t=None) -> str:
        t = t or Translator()
        return "\n".join(
            [t(self.key, **self.values), *("  " + line for line in self.work.lines(t))]
        )


# the desk's and the findings' labels (translation keys) for what a removal would touch
_BOOKING_STATUS_KEYS = {
    "booked": "interview_status.booked",
    "done": "interview_status.done",
    "no_show": "interview_status.no_show",
    "cancelled": "interview_status.cancelled",
}
_FINDING_STATUS_KEYS = {"draft": "finding.status.draft", "final": "finding.status.final"}


@dataclass(frozen=True)
class Booking:
    id: int
    status: str
    starts_at_utc: datetime
    time_zone: str
    manager: str

    def local_start(self) -> datetime:
        return self.starts_at_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(self.time_zone))


@dataclass(frozen=True)
class TargetWork:
    """What hangs on one target: call attempts, bookings, findings records."""

    customer_id: str
    calls: int
    last_call: datetime | None
    bookings: tuple[Booking, ...]  # every interview, cancelled ones too
    findings: tuple[tuple[int, str], ...]  # (id, status) of its interview records

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.findings) or any(b.status != "cancelled" for b in self.bookings)

    def lines(self, t) -> list[str]:
        """One line per thing that hangs on the target, in the reader's language."""
        out = []
        if self.calls:
            out.append(t("targets.work.calls", count=self.calls, last=t.datetime(self.last_call)))
        for b in self.bookings:
            out.append(
                t(
                    "targets.work.booking",
                    when=b.local_start().strftime("%Y-%m-%d %H:%M"),
                    zone=b.time_zone,
                    manager=b.manager,
                    status=t(_BOOKING_STATUS_KEYS[b.status]),
                )
            )
        for finding_id, status in self.findings:
            out.append(
                t("targets.work.finding", id=finding_id, status=t(_FINDING_STATUS_KEYS[status]))
            )
        return out


WORK_CALLS = (
    "SELECT count(*), max(called_at) FROM call_attempts WHERE study_id = ? AND customer_id = ?"
)
WORK_BOOKINGS = """
SELECT i.id, i.status, i.starts_at_utc, i.time_zone, m.name
FROM interviews i JOIN team_members m ON m.id = i.manager_id
WHERE i.study_id = ? AND i.customer_id = ?
ORDER BY i.starts_at_utc, i.id
"""
WORK_FINDINGS = """
SELECT id, status FROM findings
WHERE study_id = ? AND customer_id = ? AND origin <> 'import' ORDER BY id
"""
REMOVE = """
UPDATE target_list SET included = FALSE, reason = ?, updated_by = ?, updated_at = ?
WHERE study_id = ? AND customer_id = ? AND included RETURNING customer_id
"""
# a future booking of a removed target is cancelled as the agenda cancels one
# (research/desk/scheduling.py cancel): status, a new invitation sequence so calendars
# drop the event, and the booking's history
CANCEL_BOOKING = """
UPDATE interviews SET status = 'cancelled', sequence = sequence + 1,
    note = coalesce(?, note), updated_by = ?, updated_at = ?
WHERE id = ? AND status = 'booked'
RETURNING starts_at_utc, length_minutes
"""
CANCEL_EVENT = """
INSERT INTO interview_events (interview_id, action, starts_at_utc, length_minutes, detail,
                              created_by, created_at)
VALUES (?, 'cancelled', ?, ?, ?, ?, ?)
"""


def _work(cur: duckdb.DuckDBPyConnection, study: Study, customer_id: str) -> TargetWork:
    calls, last = cur.execute(WORK_CALLS, [study.id, customer_id]).fetchall()[0]
    bookings = tuple(
        Booking(*row) for row in cur.execute(WORK_BOOKINGS, [study.id, customer_id]).fetchall()
    )
    findings = tuple(
        (int(i), s) for i, s in cur.execute(WORK_FINDINGS, [study.id, customer_id]).fetchall()
    )
    return TargetWork(customer_id, int(calls), last, bookings, findings)


def target_work(store: Store, study: Study, customer_id: str) -> TargetWork:
    """What hangs on one target (calls, bookings, findings records)."""
    with store.cursor() as cur:
        return _work(cur, study, customer_id)


def remove_target(
    store: Store,
    study: Study,
    customer_id: str,
    reason: str,
    *,
    actor: str,
    confirmed: bool = False,
    now_utc: datetime | None = None,
) -> list[int]:
    """Take a customer off the list; the row stays, marked removed, with the reason.

    A target with a booking, an interview or a findings record is removed only when
    ``confirmed``; otherwise TargetHasWorkError lists what hangs on it. On a confirmed
    removal its future bookings are cancelled (returned, by id); interviews held,
    their findings and the call log are kept. Raises ResearchError without a reason or
    for a customer not on the list.
    """
    actor = require(actor, "targets.write", store=store, study=study).name
    reason = (reason or "").strip()
    if not reason:
        raise ResearchError("error.remove_reason_required")
    now_utc = now_utc or datetime.now(UTC).replace(tzinfo=None)

    def apply(cur: duckdb.DuckDBPyConnection) -> list[int]:
        work = _work(cur, study, customer_id)
        stamp = now()
        found = cur.execute(REMOVE, [reason, actor, stamp, study.id, customer_id]).fetchall()
        if not found:
            raise ResearchError("error.not_on_list", customer_id=customer_id)
        if work.needs_confirmation and not confirmed:
            raise TargetHasWorkError(work)
        cancelled = []
        for booking in work.bookings:
            if booking.status != "booked" or booking.starts_at_utc <= now_utc:
                continue  # over: held or awaiting findings, kept as it is
            start, length = cur.execute(
                CANCEL_BOOKING, [reason, actor, stamp, booking.id]
            ).fetchall()[0]
            cur.execute(
                CANCEL_EVENT,
                [
                    booking.id,
                    start,
                    length,
                    json.dumps({"reason": reason, "target_removed": True}, ensure_ascii=False),
                    actor,
                    stamp,
                ],
            )
            audit(cur, study.id, actor, "interview.cancelled", {"id": booking.id})
            cancelled.append(booking.id)
        audit(
            cur,
            study.id,
            actor,
            "targets.remove",
            {
                "customer_id": customer_id,
                "reason": reason,
                "confirmed": confirmed,
                "cancelled": cancelled,
            },
        )
        return cancelled

    return store.write(apply)


# The list with each target's result and details. The results and the customers are
# narrowed to the list's few hundred ids before they are joined: joined whole, a million
# of each cost more than the rest of the page.
TARGETS = """
WITH t AS (SELECT * FROM target_list WHERE study_id = $sid),
r AS (SELECT * FROM detection_results
      WHERE study_id = $sid AND customer_id IN (SELECT customer_id FROM t)),
c AS (SELECT * FROM customers WHERE customer_id IN (SELECT customer_id FROM t))
SELECT t.customer_id, c.name,
       CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS status,
       r.segment, r.baseline_spend, r.recent_spend, r.spend_lost, r.last_purchase,
       c.contact_person, c.phone, c.email, c.owner, c.region, c.industry,
       t.source, t.included, t.reason, t.updated_by, t.updated_at
FROM t
LEFT JOIN r ON r.customer_id = t.customer_id
LEFT JOIN c ON c.customer_id = t.customer_id
LEFT JOIN former_customers f ON f.study_id = t.study_id AND f.customer_id = t.customer_id
WHERE NOT EXISTS (SELECT 1 FROM do_not_call d  -- "do not call" leaves every list
                  WHERE d.study_id = t.study_id AND d.customer_id = t.customer_id)
ORDER BY t.included DESC,
         CASE r.segment WHEN 'best_core' THEN 0 WHEN 'other_core' THEN 1 WHEN 'general' THEN 2
                        ELSE 3 END,
         r.spend_lost DESC, t.customer_id
"""


def target_list(store: Store, study: Study, *, include_removed: bool = False) -> pd.DataFrame:
    with store.cursor() as cur:
        frame = cur.execute(TARGETS, {"sid": study.id}).df()
    return frame if include_removed else frame[frame["included"]].reset_index(drop=True)


def addable(results: pd.DataFrame, targets: pd.DataFrame) -> list[str]:
    """Who can be put on the list by hand: defectors (full or partial) in ``results``
    (``detection.results``) not on it now (``targets``: ``target_list``), in the order of
    ``results``. (The page asks ``find_addable`` instead: a few matches, from the store.)"""
    on_list = targets.loc[targets["included"].astype(bool), "customer_id"]
    chosen = results["status"].isin(DEFECTOR_STATUSES) & ~results["customer_id"].isin(on_list)
    return results.loc[chosen, "customer_id"].tolist()


# Defectors (full or partial, not marked former, not asking never to be called again)
# not on the list now whose id or name
# holds the search, in any case: the id itself first, then ids that start with it, then
# by spend lost. At a million customers the page asks this instead of listing them all;
# the names are joined to the few found only.
FIND_ADDABLE = """
WITH found AS (
    SELECT r.customer_id,
           row_number() OVER (ORDER BY lower(r.customer_id) = $needle DESC,
                                       starts_with(lower(r.customer_id), $needle) DESC,
                                       r.spend_lost DESC, r.customer_id) AS place
    FROM detection_results r
    WHERE r.study_id = $sid
      AND list_contains(CAST($defectors AS VARCHAR[]), r.status)
      AND (ilike_escape(r.customer_id, $pattern, '\\')
           OR r.customer_id IN (SELECT customer_id FROM customers
                                WHERE ilike_escape(name, $pattern, '\\')))
      AND NOT EXISTS (SELECT 1 FROM former_customers f
                      WHERE f.study_id = r.study_id AND f.customer_id = r.customer_id)
      AND NOT EXISTS (SELECT 1 FROM target_list t WHERE t.study_id = r.study_id
                      AND t.customer_id = r.customer_id AND t.included)
      AND NOT EXISTS (SELECT 1 FROM do_not_call d  -- asked never to be called again
                      WHERE d.study_id = r.study_id AND d.customer_id = r.customer_id)
    QUALIFY place <= $limit
)
SELECT f.customer_id, c.name
FROM found f LEFT JOIN customers c ON c.customer_id = f.customer_id
ORDER BY f.place
"""


def find_addable(store: Store, study: Study, search: str, *, limit: int = 20) -> dict[str, str]:
    """Up to ``limit`` customers who can be put on the list by hand (as ``addable``,
    leaving out those who asked never to be called again: on the list they would stay
    hidden) whose id or name holds ``search`` (any case, spaces around ignored), best matches
    first: {customer id: name or ""}. An empty search finds nobody."""
    pattern = search_pattern(search or "")
    if not pattern:
        return {}
    params = {
        "sid": study.id,
        "defectors": list(DEFECTOR_STATUSES),
        "needle": search.strip().lower(),
        "pattern": pattern,
        "limit": int(limit),
    }
    with store.cursor() as cur:
        found = cur.execute(FIND_ADDABLE, params).fetchall()
    return {cid: name or "" for cid, name in found}


def export_csv(frame: pd.DataFrame) -> bytes:
    """CSV that Excel opens with Chinese intact (UTF-8 with BOM), safe to open
    (research.base.exports)."""
    return exports.csv_bytes(frame)
