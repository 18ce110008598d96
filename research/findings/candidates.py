"""Whom an interview can be recorded for, in the order a senior manager looks for them.

The people a study interviews are its targets, but a manager also meets defectors who
were not drawn, and former customers whose call found something worth recording; and
anyone who already has a record must stay reachable. The interview page (and, later,
any other way of opening a record) picks from this one list.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from research.base.accounts import Person
from research.base.i18n import Translator
from research.base.permissions import visible_customers
from research.base.store import Store
from research.base.studies import Study
from research.findings import interviews
from research.selection import detection, sampling


@dataclass(frozen=True)
class Candidates:
    # targets first, then other defectors and former customers, then anyone else who has
    # a record, each once
    customers: tuple[str, ...]
    names: dict[str, str]  # customer id -> name ("" when the file has none)
    statuses: dict[str, str]  # customer id -> detected status (``former`` after screening)
    targets: frozenset[str]
    findings: pd.DataFrame  # the study's records (``interviews.list_findings``)

    def label(self, customer_id: str, t: Translator) -> str:
        """A picker's line: 'C0042 Huaxia Lab · on the target list'."""
        parts = [customer_id, self.names.get(customer_id, "")]
        if customer_id in self.targets:
            parts.append("· " + t("interview.on_target_list"))
        return " ".join(p for p in parts if p)

    def records_of(self, customer_id: str) -> pd.DataFrame:
        """The customer's records, oldest first."""
        return self.findings[self.findings["customer_id"] == customer_id]

    def customer_of(self, finding_id: int) -> str | None:
        """Whose record ``finding_id`` is, or None when the study has no such record."""
        found = self.findings.loc[self.findings["id"] == finding_id, "customer_id"]
        return found.iloc[0] if len(found) else None


def candidates(store: Store, study: Study, *, actor: Person | str | None = None) -> Candidates:
    """Who may be picked on the Interview page (with ``actor``: only the customers they
    may read, an interviewer's own)."""
    visible = None if actor is None else visible_customers(store, actor, "findings.read", study)
    found = _candidates(store, study)
    if visible is None:
        return found
    return Candidates(
        tuple(c for c in found.customers if c in visible),
        {c: n for c, n in found.names.items() if c in visible},
        {c: s for c, s in found.statuses.items() if c in visible},
        frozenset(found.targets & visible),
        found.findings[found.findings["customer_id"].isin(visible)].reset_index(drop=True),
    )


def _candidates(store: Store, study: Study) -> Candidates:
    results = detection.results(store, study)
    targets = sampling.target_list(store, study)["customer_id"].tolist()
    findings = interviews.list_findings(store, study)
    others = results.loc[
        results["status"].isin([*detection.DEFECTOR_STATUSES, "former"]), "customer_id"
    ]
    return Candidates(
        tuple(dict.fromkeys([*targets, *others, *findings["customer_id"]])),
        dict(zip(results["customer_id"], results["name"].fillna(""), strict=True)),
        dict(zip(results["customer_id"], results["status"], strict=True)),
        frozenset(targets),
        findings,
    )
