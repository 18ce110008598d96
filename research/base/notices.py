"""Notes the app shows each person once: what a migration did to their data, say.

A note is a message key with its values (``notices``); who has seen which is kept in
``notices_seen``, so a note is shown to every person once and then never again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import duckdb

from research.base.i18n import Message
from research.base.store import Store, now


@dataclass(frozen=True)
class Notice:
    id: int
    message: Message
    created_at: datetime


PENDING = """
SELECT n.id, n.key, n.detail, n.created_at FROM notices n
WHERE NOT EXISTS (SELECT 1 FROM notices_seen s WHERE s.notice_id = n.id AND s.person = ?)
ORDER BY n.id
"""


def pending(store: Store, person: str) -> list[Notice]:
    """The notes ``person`` has not seen yet, oldest first."""
    with store.cursor() as cur:
        rows = cur.execute(PENDING, [person]).fetchall()
    return [
        Notice(id_, Message(key, **(json.loads(detail) if detail else {})), created)
        for id_, key, detail, created in rows
    ]


def mark_seen(store: Store, notices: list[Notice], person: str) -> None:
    """Record that ``person`` has been shown ``notices``."""
    if not notices:
        return
    stamp = now()

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.executemany(
            "INSERT INTO notices_seen VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [[n.id, person, stamp] for n in notices],
        )

    store.write(apply)
