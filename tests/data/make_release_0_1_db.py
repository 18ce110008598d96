"""Write tests/data/release_0_1_ledger.sql: the data of a database made by release 0.1,
where every study had its own customers, transactions and wallet estimates and an
import skipped identical transaction lines as "duplicate rows".

The SQL holds only the rows (INSERT statements); the test applies the schema of that
release first (migrations 0001-0004, which never change), loads these rows, and then
lets the current code migrate the database (tests/unit/test_ledger_migration.py).

The rows must come from release 0.1's own code, so run this script with that code on
the import path, from the repository root:

    git archive 4cf83c5 | tar -x -C /tmp/release-0.1
    PYTHONPATH=/tmp/release-0.1 .venv/bin/python tests/data/make_release_0_1_db.py

What it builds: two studies (Q1 and Q2 2025) that imported overlapping files:
- customers: C1 in both with another name and phone (a conflict; Q2's is newer), C2
  the same in both, C3 only in Q1, C4 only in Q2;
- transactions: Q1's file holds two lines twice or three times (3 lines skipped), Q2's
  file shares two lines with Q1's and holds one of them twice (1 line skipped);
- wallet estimates: 2025-Q1 for C1 in both with different values;
- detection results, a target list and a former customer in each study.
"""

from __future__ import annotations

import sys
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from research.base.store import connect
from research.base.studies import create_study
from research.ledger import load
from research.ledger.load import import_file
from research.selection import detection, sampling

OUT = Path(__file__).with_name("release_0_1_ledger.sql")
ACTOR = "release-0.1"

FILES = {
    "Q1 2025": [
        (
            "customers",
            "customers_q1.csv",
            "customer_id,name,phone,region,owner,signed\n"
            "C1,Alpha Lab,021-1111,East China,张伟,2019\n"
            "C2,Beta Clinic,010-2222,North China,李娜,2020\n"
            "C3,Gamma Pharma,,South China,张伟,\n",
        ),
        (
            "transactions",
            "transactions_q1.csv",
            "customer_id,date,amount,product_line\n"
            "C1,2024-10-05,100,Reagents\n"
            "C1,2024-10-05,100,Reagents\n"
            "C1,2024-11-05,250,Analysers\n"
            "C2,2024-12-01,80,Reagents\n"
            "C2,2024-12-01,80,Reagents\n"
            "C2,2024-12-01,80,Reagents\n"
            "C3,2024-09-15,40,Consumables\n"
            "C1,2025-02-10,120,Reagents\n",
        ),
        (
            "wallet",
            "wallet_q1.csv",
            "customer_id,period,wallet\nC1,2024-Q4,1000\nC1,2025-Q1,1200\n",
        ),
    ],
    "Q2 2025": [
        (
            "customers",
            "customers_q2.csv",
            "customer_id,name,phone,region,owner,signed\n"
            "C1,Alpha Laboratory,021-9999,East China,张伟,\n"
            "C2,Beta Clinic,010-2222,North China,李娜,2020\n"
            "C4,Delta University,027-4444,Central China,王磊,2021\n",
        ),
        (
            "transactions",
            "transactions_q2.csv",
            "customer_id,date,amount,product_line\n"
            "C1,2025-02-10,120,Reagents\n"
            "C2,2024-12-01,80,Reagents\n"
            "C2,2024-12-01,80,Reagents\n"
            "C4,2025-03-03,500,Analysers\n"
            "C4,2025-05-20,300,Reagents\n"
            "C1,2025-05-02,90,Reagents\n",
        ),
        (
            "wallet",
            "wallet_q2.csv",
            "customer_id,period,wallet\nC1,2025-Q1,1300\nC1,2025-Q2,1250\n",
        ),
    ],
}
AS_OF = {"Q1 2025": date(2025, 4, 1), "Q2 2025": date(2025, 7, 1)}

TABLES = (
    "studies",
    "customers",
    "transactions",
    "wallet_estimates",
    "imports",
    "detection_results",
    "former_customers",
    "target_list",
    "audit_log",
)
SEQUENCES = {"study_id_seq": "studies", "import_id_seq": "imports", "audit_id_seq": "audit_log"}


def literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def build():
    store = connect(":memory:")
    for name, files in FILES.items():
        study = create_study(store, name, AS_OF[name], actor=ACTOR, target_sample_size=2)
        for kind, file_name, text in files:
            time.sleep(0.01)  # every import its own time stamp
            import_file(store, study, kind, text.encode("utf-8"), actor=ACTOR, file_name=file_name)
        detection.run_detection(store, study, actor=ACTOR)
        sampling.draw_sample(store, study, actor=ACTOR)
        detection.mark_former_customer(store, study, "C3", "closed the lab", actor=ACTOR)
    return store


def dump(store) -> str:
    lines = [
        "-- Rows of a database made by release 0.1 (commit 4cf83c5), written by",
        "-- tests/data/make_release_0_1_db.py with that release's code. Load them into the",
        "-- schema of migrations 0001-0004.",
    ]
    with store.cursor() as cur:
        for table in TABLES:
            result = cur.execute(f"SELECT * FROM {table} ORDER BY ALL")
            columns = [d[0] for d in result.description]
            for row in result.fetchall():
                values = ", ".join(literal(v) for v in row)
                lines.append(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values});")
        for sequence, table in SEQUENCES.items():
            top = cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchall()[0][0]
            lines.append(f"SELECT count(nextval('{sequence}')) FROM range({top});")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if "study_id" not in getattr(load, "INSERT_TRANSACTIONS", ""):
        sys.exit("Run this with release 0.1's code on PYTHONPATH (see the docstring).")
    OUT.write_text(dump(build()), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
