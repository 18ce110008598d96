"""Whom to interview: a reproducible, value-weighted sample of defectors.

The study's target sample size is split over the value segments by the study's
weights (largest remainder; expendable has weight 0 unless asked for). A segment
with too few defectors hands its unused places to the others. Within a segment,
defectors are taken in the order of sha256("seed:customer id"), so the same seed
draws the same people on any machine and any library version, and a redraw after
a removal keeps everyone else and takes the next in line.

The list can be changed by hand: a customer added or removed keeps the reason and
who did it, and a redraw never undoes a hand-made change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import duckdb
import pandas as pd

from research.base import exports
from research.base.errors import NothingToDoError, ResearchError
from research.base.store import Store, audit, now
from research.base.studies import Study
from research.selection.detection import DEFECTOR_STATUSES, SEGMENTS, results


@dataclass(frozen=True)
class SegmentDraw:
    segment: str
    weight: float
    available: int
    quota: int
    drawn: int


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


def draw_sample(store: Store, study: Study, *, actor: str) -> list[SegmentDraw]:
    """Draw (or redraw) the study's sample and save it as its target list.

    Raises ResearchError when there are no defectors to draw from.
    """
    frame = results(store, study)
    defectors = frame[frame["status"].isin(DEFECTOR_STATUSES)]
    if defectors.empty:
        raise NothingToDoError("error.no_defectors")
    with store.cursor() as cur:
        manual = cur.execute(
            "SELECT customer_id, included FROM target_list WHERE study_id = ? AND source = 'manual'"
            " OR (study_id = ? AND NOT included)",
            [study.id, study.id],
        ).fetchall()
        # people who asked never to be called again are never drawn again (research/desk/calls.py)
        never = {
            r[0]
            for r in cur.execute(
                "SELECT customer_id FROM do_not_call WHERE study_id = ?", [study.id]
            ).fetchall()
        }
    hand_made = {cid for cid, _ in manual} | never
    kept = sum(1 for _, included in manual if included)
    pool = defectors[~defectors["customer_id"].isin(hand_made)]
    available = {s: int((pool["segment"] == s).sum()) for s in SEGMENTS}
    weights = study.segment_weights
    quota = allocate(max(study.target_sample_size - kept, 0), weights, available)

    chosen: list[str] = []
    for segment in SEGMENTS:
        ids = pool.loc[pool["segment"] == segment, "customer_id"].tolist()
        ids.sort(key=lambda cid: sample_order(study.sample_seed, cid))
        chosen += ids[: quota[segment]]
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            "DELETE FROM target_list WHERE study_id = ? AND source = 'sample' AND included"
            " AND customer_id NOT IN (SELECT customer_id FROM do_not_call"
            " WHERE study_id = ?)",
            [study.id, study.id],
        )  # their calls stay counted
        cur.executemany(
            "INSERT INTO target_list VALUES (?, ?, 'sample', TRUE, NULL, ?, ?, ?, ?)",
            [[study.id, cid, actor, stamp, actor, stamp] for cid in chosen],
        )
        audit(
            cur,
            study.id,
            actor,
            "targets.draw",
            {"seed": study.sample_seed, "size": study.target_sample_size, "drawn": len(chosen)},
        )

    store.write(apply)
    return [SegmentDraw(s, weights[s], available[s], quota[s], quota[s]) for s in SEGMENTS]


def add_target(store: Store, study: Study, customer_id: str, reason: str, *, actor: str) -> None:
    """Put a customer on the target list by hand. Raises ResearchError without a reason
    or for a customer the study does not know."""
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


def remove_target(store: Store, study: Study, customer_id: str, reason: str, *, actor: str) -> None:
    """Take a customer off the list; the row stays, marked removed, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ResearchError("error.remove_reason_required")

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        found = cur.execute(
            "UPDATE target_list SET included = FALSE, reason = ?, updated_by = ?, updated_at = ?"
            " WHERE study_id = ? AND customer_id = ? AND included RETURNING customer_id",
            [reason, actor, now(), study.id, customer_id],
        ).fetchall()
        if not found:
            raise ResearchError("error.not_on_list", customer_id=customer_id)
        audit(
            cur, study.id, actor, "targets.remove", {"customer_id": customer_id, "reason": reason}
        )

    store.write(apply)


TARGETS = """
SELECT t.customer_id, c.name,
       CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END AS status,
       r.segment, r.baseline_spend, r.recent_spend, r.spend_lost, r.last_purchase,
       c.contact_person, c.phone, c.email, c.owner, c.region, c.industry,
       t.source, t.included, t.reason, t.updated_by, t.updated_at
FROM target_list t
LEFT JOIN detection_results r ON r.study_id = t.study_id AND r.customer_id = t.customer_id
LEFT JOIN customers c ON c.customer_id = t.customer_id
LEFT JOIN former_customers f ON f.study_id = t.study_id AND f.customer_id = t.customer_id
WHERE t.study_id = ?
  AND NOT EXISTS (SELECT 1 FROM do_not_call d  -- "do not call" leaves every list
                  WHERE d.study_id = t.study_id AND d.customer_id = t.customer_id)
ORDER BY t.included DESC,
         CASE r.segment WHEN 'best_core' THEN 0 WHEN 'other_core' THEN 1 WHEN 'general' THEN 2
                        ELSE 3 END,
         r.spend_lost DESC, t.customer_id
"""


def target_list(store: Store, study: Study, *, include_removed: bool = False) -> pd.DataFrame:
    with store.cursor() as cur:
        frame = cur.execute(TARGETS, [study.id]).df()
    return frame if include_removed else frame[frame["included"]].reset_index(drop=True)


def addable(results: pd.DataFrame, targets: pd.DataFrame) -> list[str]:
    """Who can be put on the list by hand: defectors (full or partial) in ``results``
    (``detection.results``) not on it now (``targets``: ``target_list``), in the order of
    ``results``."""
    on_list = targets.loc[targets["included"].astype(bool), "customer_id"]
    chosen = results["status"].isin(DEFECTOR_STATUSES) & ~results["customer_id"].isin(on_list)
    return results.loc[chosen, "customer_id"].tolist()


def export_csv(frame: pd.DataFrame) -> bytes:
    """CSV that Excel opens with Chinese intact (UTF-8 with BOM), safe to open
    (research.base.exports)."""
    return exports.csv_bytes(frame)
