"""Checks of a validated file against what the database already holds: warnings, never
rejections.

A transaction or wallet estimate for a customer ID that is not in the customer data is
imported and counted, but nobody can call that customer, and it is often a sign of an
ID written two ways: Excel drops the leading zeros of a numeric ID (00123 becomes 123),
which silently splits one customer in two. The import summary says how many rows and
IDs are affected, with examples, and which of them match a known customer once leading
zeros are removed.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from research.base.i18n import Message
from research.base.store import Store

EXAMPLES = 5

# the file's customer IDs with their row counts, against the ledger's customers
UNKNOWN_CUSTOMERS = """
WITH incoming AS (
    SELECT customer_id, sum(n) AS n FROM incoming_ids GROUP BY customer_id
),
known AS (SELECT customer_id FROM customers),
unknown AS (
    SELECT i.customer_id, i.n FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.customer_id = i.customer_id)
)
SELECT (SELECT count(*) FROM known) AS known_ids,
       (SELECT count(*) FROM unknown) AS unknown_ids,
       (SELECT coalesce(sum(n), 0) FROM unknown) AS unknown_rows,
       (SELECT list(customer_id ORDER BY n DESC, customer_id)[1:?] FROM unknown) AS examples
"""

# unknown IDs that equal a known one once leading zeros are dropped from both
ZERO_MATCHES = """
WITH incoming AS (SELECT DISTINCT customer_id FROM incoming_ids),
known AS (SELECT customer_id FROM customers),
unknown AS (
    SELECT i.customer_id FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM known k WHERE k.customer_id = i.customer_id)
),
matched AS (
    SELECT u.customer_id AS incoming_id, min(k.customer_id) AS known_id
    FROM unknown u JOIN known k
      ON ltrim(k.customer_id, '0') = ltrim(u.customer_id, '0')
    GROUP BY u.customer_id
)
SELECT count(*), min(incoming_id), arg_min(known_id, incoming_id) FROM matched
"""


def unknown_customers(store: Store, kind: str, customer_ids) -> list[Message]:
    """Warnings about the rows of a transactions or wallet file whose customer is not in
    the ledger's customer data (``customer_ids``: the file's ID column, one per row).
    Nothing for a customers file, or when every ID is known."""
    if kind not in ("transactions", "wallet") or len(customer_ids) == 0:
        return []
    # an Arrow table: DuckDB reads the Arrow-backed column as it is, no Python objects
    ids = pd.Series(customer_ids)
    to_arrow = getattr(ids.array, "__arrow_array__", None)
    ids = to_arrow() if to_arrow is not None else pa.array(ids.astype(object), from_pandas=True)
    if ids.null_count:
        ids = ids.filter(pc.is_valid(ids))
    # each ID once with its rows, counted by Arrow: DuckDB gets a table of the IDs, not
    # of the rows (a 10M-line file names perhaps a million customers)
    counts = pc.value_counts(ids)
    ids = pa.table({"customer_id": counts.field("values"), "n": counts.field("counts")})
    with store.cursor() as cur:
        cur.register("incoming_ids", ids)
        known, unknown_ids, unknown_rows, examples = cur.execute(
            UNKNOWN_CUSTOMERS, [EXAMPLES]
        ).fetchall()[0]
        zeros = cur.execute(ZERO_MATCHES).fetchall()[0] if unknown_ids else None
        cur.unregister("incoming_ids")
    if not unknown_ids:
        return []
    if not known:
        return [Message("warning.no_customers_yet", ids=f"{unknown_ids:,}")]
    shown = ", ".join(examples) + (", …" if unknown_ids > len(examples) else "")
    warnings = [
        Message(
            "warning.unknown_customers",
            rows=f"{unknown_rows:,}",
            ids=f"{unknown_ids:,}",
            examples=shown,
        )
    ]
    if zeros and zeros[0]:
        warnings.append(
            Message(
                "warning.unknown_customers_zeros",
                count=f"{zeros[0]:,}",
                incoming=zeros[1],
                known=zeros[2],
            )
        )
    return warnings
