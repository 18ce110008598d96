"""Study-level numbers as plain dataclasses, for the pages, the CLI and the reports."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research.base.store import Store
from research.base.studies import Study
from research.selection.detection import DEFECTOR_STATUSES
from research.selection.sampling import target_list


@dataclass(frozen=True)
class FunnelStage:
    key: str  # translation key suffix: funnel.<key>
    count: int


@dataclass(frozen=True)
class StudySummary:
    customers: int
    ranked: int  # bought in the baseline period, so they have a value segment
    full: int
    partial: int
    former: int
    targets: int
    spend_lost: float
    funnel: tuple[FunnelStage, ...]

    @property
    def defectors(self) -> int:
        return self.full + self.partial


def summarise(store: Store, study: Study, frame: pd.DataFrame) -> StudySummary:
    """Counts for the study page from detection ``results`` (one row per customer)."""
    defectors = frame[frame["status"].isin(DEFECTOR_STATUSES)]
    former = int((frame["status"] == "former").sum())
    targets = len(target_list(store, study))
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
