"""Whom an interview can be recorded for, in the order a senior manager looks for them.

The people a study interviews are its targets, but a manager also meets defectors who
were not drawn, and former customers whose call found something worth recording; and
anyone who already has a record must stay reachable. The interview page (and, later,
any other way of opening a record) picks from this one list.

The list holds the targets and everyone with a record; the other defectors and former
customers (hundreds of thousands at a company's scale) are found by a search in DuckDB
(``find``) and join the list when found or asked for by a link, so that the picker
never carries the whole study to the screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from research.base.accounts import Person
from research.base.i18n import Translator
from research.base.permissions import visible_customers
from research.base.store import Store
from research.base.studies import Study
from research.findings import interviews
from research.selection import detection, sampling

# whom the search finds beside the list: the study's defectors and former customers
FOUND_STATUSES = (*detection.DEFECTOR_STATUSES, "former")

# The study's defectors and former customers whose id or name contains the needle (lower
# case), most spend lost first, with how many match: one pass over the results, the
# names searched on their own and only the ids that match joined (what browse.page with a
# status filter and a search says, in a sixth of the time at a million customers).
FIND = """
SELECT r.customer_id, count(*) OVER () AS matching
FROM detection_results r
LEFT JOIN former_customers f ON f.study_id = r.study_id AND f.customer_id = r.customer_id
WHERE r.study_id = $sid
  AND (list_contains(CAST($defectors AS VARCHAR[]), r.status) OR f.customer_id IS NOT NULL)
  AND (contains(lower(r.customer_id), $needle)
       OR r.customer_id IN (SELECT customer_id FROM customers
                            WHERE contains(lower(coalesce(name, '')), $needle)))
ORDER BY r.spend_lost DESC, r.customer_id
LIMIT $limit
"""

# The name and the status (``former`` after screening) of the given customers among the
# study's results: the results and the customers each narrowed to the ids first (a
# customers table joined whole hashes a million names to find one). Asked for the few a
# search or a link adds, and for one record's customer: the targets' and the records'
# names come with their own lists.
NAMES_STATUSES = """
WITH asked AS (SELECT DISTINCT unnest(CAST(? AS VARCHAR[])) AS customer_id),
r AS (SELECT customer_id, study_id, status FROM detection_results
      WHERE study_id = ? AND customer_id IN (SELECT customer_id FROM asked)),
c AS (SELECT customer_id, name FROM customers
      WHERE customer_id IN (SELECT customer_id FROM asked))
SELECT r.customer_id, coalesce(c.name, ''),
       CASE WHEN f.customer_id IS NOT NULL THEN 'former' ELSE r.status END
FROM r
LEFT JOIN c ON c.customer_id = r.customer_id
LEFT JOIN former_customers f ON f.study_id = r.study_id AND f.customer_id = r.customer_id
"""


@dataclass(frozen=True)
class Candidates:
    # targets first, then anyone else who has a record, then the defectors and former
    # customers asked for (a search's matches, a link's customer), each once
    customers: tuple[str, ...]
    names: dict[str, str]  # customer id -> name ("" when the file has none)
    # customer id -> detected status (``former`` after screening), of the targets and the
    # customers asked for; anyone else's: ``detected_status``
    statuses: dict[str, str]
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


def candidates(
    store: Store,
    study: Study,
    *,
    also: Iterable[str] = (),
    actor: Person | str | None = None,
) -> Candidates:
    """Who may be picked on the Interview page (with ``actor``: only the customers they
    may read, an interviewer's own)."""
    visible = None if actor is None else visible_customers(store, actor, "findings.read", study)
    found = _candidates(store, study, also=also)
    if visible is None:
        return found
    return Candidates(
        tuple(c for c in found.customers if c in visible),
        {c: n for c, n in found.names.items() if c in visible},
        {c: s for c, s in found.statuses.items() if c in visible},
        frozenset(found.targets & visible),
        found.findings[found.findings["customer_id"].isin(visible)].reset_index(drop=True),
    )


def _candidates(store: Store, study: Study, *, also: Iterable[str] = ()) -> Candidates:
    """The study's targets and everyone with a record; then those of ``also`` who are
    the study's defectors or former customers (say ``find``'s matches)."""
    target_frame = sampling.target_list(store, study)
    targets = target_frame["customer_id"].tolist()
    findings = interviews.list_findings(store, study)
    asked = list(dict.fromkeys(str(c) for c in also))
    listed = list(dict.fromkeys([*targets, *findings["customer_id"]]))
    names = {
        cid: name if isinstance(name, str) else ""
        for frame in (findings, target_frame)
        for cid, name in zip(frame["customer_id"], frame["name"], strict=True)
    }
    statuses = {
        cid: status
        for cid, status in zip(target_frame["customer_id"], target_frame["status"], strict=True)
        if isinstance(status, str)
    }
    if asked:
        with store.cursor() as cur:
            rows = cur.execute(NAMES_STATUSES, [asked, study.id]).fetchall()
        names.update((cid, name) for cid, name, _ in rows)
        statuses.update((cid, status) for cid, _, status in rows)
    more = [c for c in asked if statuses.get(c) in FOUND_STATUSES]
    return Candidates(
        tuple(dict.fromkeys([*listed, *more])),
        names,
        statuses,
        frozenset(targets),
        findings,
    )


def detected_status(store: Store, study: Study, customer_id: str) -> str | None:
    """The customer's detected status in the study (``former`` after screening), or None
    when the study's results do not hold them."""
    with store.cursor() as cur:
        rows = cur.execute(NAMES_STATUSES, [[customer_id], study.id]).fetchall()
    return rows[0][2] if rows else None


def find(store: Store, study: Study, text: str, *, limit: int = 50) -> tuple[list[str], int]:
    """The study's defectors and former customers whose id or name contains ``text`` (in
    any case), most spend lost first: at most ``limit`` ids, and how many match."""
    needle = text.strip().lower()
    if not needle:
        return [], 0
    with store.cursor() as cur:
        rows = cur.execute(
            FIND,
            {
                "sid": study.id,
                "defectors": list(detection.DEFECTOR_STATUSES),
                "needle": needle,
                "limit": int(limit),
            },
        ).fetchall()
    return [r[0] for r in rows], int(rows[0][1]) if rows else 0
