"""Reading the audit log: who changed what, when, from which value to which.

Every change to customers, targets, calls, bookings, findings, codes, actions and
users writes a row (``research.base.store.audit`` and ``audit_change``, inside the
change's own transaction, so a change without its row cannot be committed). This
module is the one way to read them back, with filters, for the admins' audit page and
``defectors audit``. Only admins read it (``audit.read``): it names people and holds
old values of personal fields.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from research.base.accounts import Person
from research.base.permissions import require
from research.base.store import Store

if TYPE_CHECKING:
    import pandas as pd

AUDIT_LOG = """
SELECT a.id, a.acted_at, a.actor, a.action, a.entity, a.entity_id, a.study_id,
       s.name AS study, a.detail
FROM audit_log a LEFT JOIN studies s ON s.id = a.study_id
WHERE (? IS NULL OR a.acted_at >= ?)
  AND (? IS NULL OR a.acted_at < ?)
  AND (? IS NULL OR a.actor = ?)
  AND (? IS NULL OR a.action = ? OR starts_with(a.action, ? || '.'))
  AND (? IS NULL OR a.study_id = ?)
  AND (? IS NULL OR a.entity = ?)
  AND (? IS NULL OR a.entity_id = ?)
ORDER BY a.id
"""


def _start(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time())


def audit_log(
    store: Store,
    *,
    actor: Person | str,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    by: str | None = None,
    action: str | None = None,
    study_id: int | None = None,
    entity: str | None = None,
    entity_id: str | None = None,
) -> pd.DataFrame:
    """The audit rows that match every filter given, oldest first. ``until`` is
    exclusive for a timestamp and inclusive for a date; ``action`` matches the action
    or its family ("finding" matches "finding.update"); ``by`` is who acted. Columns
    old and new hold the change's old and new values (JSON), where the row has them."""
    require(actor, "audit.read")
    end = until
    if isinstance(until, date) and not isinstance(until, datetime):
        end = _start(until + timedelta(days=1))
    start = _start(since)
    params = [
        start, start, end, end, by, by, action, action, action,
        study_id, study_id, entity, entity, entity_id, entity_id,
    ]  # fmt: skip
    with store.cursor() as cur:
        frame = cur.execute(AUDIT_LOG, params).df()
    details = [json.loads(d) if d else {} for d in frame["detail"]]
    frame["old"] = [_json(d.get("old")) if "old" in d else None for d in details]
    frame["new"] = [_json(d.get("new")) if "new" in d else None for d in details]
    return frame


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
