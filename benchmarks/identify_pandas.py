"""The defector rule in a plain pandas script, from Parquet files to a CSV file: what an
analyst would write instead of running ``defectors identify --out``.

    python benchmarks/identify_pandas.py transactions.parquet customers.parquet out.csv \
        --as-of 2025-01-01 [--window-months 6] [--drop 0.5] [--gap-multiple 3]

transactions.parquet has customer_id, date and amount_cents (integer cents, so sums are
exact); customers.parquet has customer_id and name. The script writes the columns of
``identify --out`` (no wallet shares, margins or former customers: the benchmark data
has none), ordered the same way. It is the comparison in benchmarks/cli_speed.py, and
written to be fast in pandas: one grouped aggregation, vectorised rules, one sort.
"""

from __future__ import annotations

import argparse
from decimal import Decimal

import numpy as np
import pandas as pd

COLUMNS = [
    "customer_id",
    "name",
    "status",
    "detected_status",
    "segment",
    "baseline_spend",
    "recent_spend",
    "baseline_share",
    "recent_share",
    "spend_lost",
    "first_purchase",
    "last_purchase",
    "days_silent",
    "long_silence",
    "former_reason",
]


def identify(tx: pd.DataFrame, customers: pd.DataFrame, args: argparse.Namespace) -> pd.DataFrame:
    asof = pd.Timestamp(args.as_of)
    b1 = asof - pd.DateOffset(months=args.window_months)
    b0 = asof - pd.DateOffset(months=2 * args.window_months)
    when, cents = tx["date"], tx["amount_cents"]
    per_row = pd.DataFrame(
        {
            "customer_id": tx["customer_id"],
            "baseline": cents.where((when >= b0) & (when < b1), 0),
            "recent": cents.where((when >= b1) & (when < asof), 0),
            "purchase": when.where((when < asof) & (cents > 0)),
        }
    )
    out = (
        per_row.groupby("customer_id", sort=False)
        .agg(
            baseline=("baseline", "sum"),
            recent=("recent", "sum"),
            first_purchase=("purchase", "min"),
            last_purchase=("purchase", "max"),
            purchase_days=("purchase", "nunique"),
        )
        .reset_index()
    )
    out = out.merge(customers, on="customer_id", how="outer")
    out[["baseline", "recent", "purchase_days"]] = (
        out[["baseline", "recent", "purchase_days"]].fillna(0).astype("int64")
    )

    baseline, recent = out["baseline"], out["recent"]
    had = baseline > 0
    keep_millionths = int(Decimal(str(round(1 - args.drop, 6))) * 1_000_000)
    out["status"] = np.select(
        [
            had & (recent <= 0),
            had & (recent * 1_000_000 <= keep_millionths * baseline),
            had,
            recent > 0,
        ],
        ["full", "partial", "active", "new"],
        "inactive",
    )
    days = out["purchase_days"]
    gap = (out["last_purchase"] - out["first_purchase"]).dt.days
    usual_gap = (gap / (days - 1)).where(days >= 2)
    out["days_silent"] = (asof - out["last_purchase"]).dt.days.astype("Int64")
    out["long_silence"] = (out["days_silent"] > args.gap_multiple * usual_gap).fillna(False)

    ranked = out.loc[had, ["baseline", "customer_id"]].sort_values(
        ["baseline", "customer_id"], ascending=[False, True]
    )
    fraction = np.arange(len(ranked)) / max(len(ranked), 1)
    cuts = [0.1, 0.3, 0.8]
    segment = np.full(len(out), None, dtype=object)
    segment[ranked.index.to_numpy()] = np.select(
        [fraction < cut for cut in cuts], ["best_core", "other_core", "general"], "expendable"
    )
    out["segment"] = segment
    out["spend_lost_cents"] = (baseline - recent).clip(lower=0)
    out = out.sort_values(["spend_lost_cents", "customer_id"], ascending=[False, True])
    return pd.DataFrame(
        {
            "customer_id": out["customer_id"],
            "name": out["name"],
            "status": out["status"],
            "detected_status": out["status"],
            "segment": out["segment"],
            "baseline_spend": out["baseline"] / 100,
            "recent_spend": out["recent"] / 100,
            "baseline_share": np.nan,
            "recent_share": np.nan,
            "spend_lost": out["spend_lost_cents"] / 100,
            "first_purchase": out["first_purchase"],
            "last_purchase": out["last_purchase"],
            "days_silent": out["days_silent"],
            "long_silence": out["long_silence"],
            "former_reason": None,
        }
    )[COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transactions")
    parser.add_argument("customers")
    parser.add_argument("out")
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--window-months", type=int, default=6)
    parser.add_argument("--drop", type=float, default=0.5)
    parser.add_argument("--gap-multiple", type=float, default=3.0)
    args = parser.parse_args()
    tx = pd.read_parquet(args.transactions, columns=["customer_id", "date", "amount_cents"])
    customers = pd.read_parquet(args.customers, columns=["customer_id", "name"])
    result = identify(tx, customers, args)
    result.to_csv(
        args.out, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d", float_format="%.2f"
    )
    print(f"wrote {len(result):,} rows to {args.out}")


if __name__ == "__main__":
    main()
