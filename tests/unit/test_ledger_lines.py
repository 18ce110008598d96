"""Every line counts, and none counts twice: identical lines in a file are separate
purchases; re-importing a file, or an export that overlaps an earlier one, adds only the
lines the ledger does not hold yet; a line-ID column, where a file has one, tells lines
apart."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from research.base.errors import ImportRejectedError
from research.base.i18n import Translator
from research.ledger.load import import_file, prepare
from research.ledger.read import read_table

ACTOR = "tester"


def _import(store, text: str, name: str = "t.csv"):
    return import_file(store, "transactions", text.encode("utf-8"), actor=ACTOR, file_name=name)


def _ledger(store) -> tuple[int, Decimal]:
    with store.cursor() as cur:
        return tuple(cur.execute("SELECT count(*), sum(amount) FROM transactions").fetchall()[0])


def _log(seed: int, n: int, start: str, days: int) -> pd.DataFrame:
    """A grocery-like log: n distinct purchases in `days` days from `start`, then a
    quarter of them repeated exactly (the same customer, day, item and price), some
    three times, shuffled in among the rest."""
    rng = np.random.default_rng(seed)
    base = pd.DataFrame(
        {
            "customer_id": [f"K{c:04d}" for c in rng.integers(0, 300, n)],
            "date": (
                pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D")
            ).strftime("%Y-%m-%d"),
            "product_line": rng.choice(["biscuits", "milk", "tea", "rice"], n),
            "amount": rng.choice([3.5, 7.0, 12.8, 25.0, 99.9], n),
        }
    )
    base = base.drop_duplicates().reset_index(drop=True)
    repeats = base.sample(frac=1 / 3, random_state=seed)  # a quarter of the final lines
    triples = repeats.sample(frac=0.2, random_state=seed + 1)
    log = pd.concat([base, repeats, triples]).sample(frac=1, random_state=seed + 2)
    return log.reset_index(drop=True)


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)


def test_a_log_with_a_quarter_of_its_lines_repeated_arrives_whole_and_only_once(store):
    log = _log(seed=8, n=4000, start="2024-01-01", days=180)
    repeated = log.duplicated(keep="first").sum()
    assert 0.2 < repeated / len(log) < 0.3  # about a quarter of the lines repeat exactly
    total = Decimal(str(round(log["amount"].sum(), 2)))

    first = _import(store, _csv(log), "jan-jun.csv")
    assert (first.rows_in_file, first.rows_new, first.identical_kept) == (
        len(log),
        len(log),
        repeated,
    )
    assert _ledger(store) == (len(log), total)  # every line, and the file's total

    again = _import(store, _csv(log), "jan-jun.csv")
    assert (again.rows_new, again.identical_kept) == (0, repeated)
    assert _ledger(store) == (len(log), total)

    # the next export overlaps: it repeats the last two months (with their identical
    # lines, in another order) and adds two new months
    later = _log(seed=9, n=2000, start="2024-07-01", days=60)
    overlap = log[log["date"] >= "2024-05-01"]
    second = pd.concat([overlap.sample(frac=1, random_state=1), later])
    result = _import(store, _csv(second), "may-aug.csv")
    assert result.rows_new == len(later)
    assert result.rows_in_file - result.rows_new == len(overlap)
    later_total = Decimal(str(round(later["amount"].sum(), 2)))
    assert _ledger(store) == (len(log) + len(later), total + later_total)


def test_an_overlapping_export_holding_a_line_twice_that_an_earlier_file_held_once_adds_one(
    store,
):
    _import(store, "customer_id,date,amount\nA,2024-03-05,10\nB,2024-03-05,5\n", "first.csv")
    result = _import(
        store,
        "customer_id,date,amount\nA,2024-03-05,10\nA,2024-03-05,10\nB,2024-03-05,5\n",
        "second.csv",
    )
    assert (result.rows_new, result.identical_kept) == (1, 1)
    assert _ledger(store) == (3, Decimal("25.00"))
    # a third export with the line three times adds the third, and only that
    third = _import(store, "customer_id,date,amount\n" + "A,2024-03-05,10\n" * 3, "third.csv")
    assert third.rows_new == 1
    assert _ledger(store) == (4, Decimal("35.00"))


def test_lines_differing_in_any_value_are_never_identical(store):
    result = _import(
        store,
        "customer_id,date,amount,quantity,product_line,margin\n"
        "A,2024-03-05,10,1,tea,2\n"
        "A,2024-03-05,10,2,tea,2\n"
        "A,2024-03-05,10,1,milk,2\n"
        "A,2024-03-05,10,1,tea,3\n"
        "A,2024-03-05,10,1,tea,\n"
        "A,2024-03-05,10.01,1,tea,2\n"
        "A,2024-03-06,10,1,tea,2\n"
        "a,2024-03-05,10,1,tea,2\n",
    )
    assert (result.rows_new, result.identical_kept) == (8, 0)


# ---------------------------------------------------------------- a line-ID column


def test_a_line_id_column_is_recognised_from_its_header():
    for header in ("单据编号", "单据号", "订单行号", "Order line ID", "transaction_id", "line id"):
        raw = read_table(f"客户编号,日期,金额,{header}\nA,2024-03-05,10,X1\n".encode(), "t.csv")
        assert prepare("transactions", raw).mapping["line_id"] == header


def test_with_line_ids_identical_values_under_other_ids_are_other_lines(store):
    text = "customer_id,date,amount,line id\nA,2024-03-05,10,L1\nA,2024-03-05,10,L2\n"
    assert _import(store, text).rows_new == 2
    # the same lines again, and a third identical one under a new ID
    again = _import(store, text + "A,2024-03-05,10,L3\n")
    assert again.rows_new == 1
    with store.cursor() as cur:
        ids = cur.execute("SELECT line_id FROM transactions ORDER BY 1").fetchall()
    assert ids == [("L1",), ("L2",), ("L3",)]


def test_a_line_id_already_stored_with_other_values_keeps_the_stored_line(store):
    _import(store, "customer_id,date,amount,line id\nA,2024-03-05,10,L1\n")
    result = _import(
        store, "customer_id,date,amount,line id\nA,2024-03-05,12,L1\nB,2024-03-05,1,L2\n"
    )
    assert result.rows_new == 1
    assert [(w.key, w.values) for w in result.warnings] == [
        ("warning.line_id_changed", {"count": 1, "rows": "2"})
    ]
    assert _ledger(store) == (2, Decimal("11.00"))


def test_a_line_id_repeated_in_a_file_is_a_problem_naming_both_rows(store, counts):
    before = counts()
    with pytest.raises(ImportRejectedError) as info:
        _import(
            store,
            "customer_id,date,amount,单据编号\nA,2024-03-05,10,D1\nA,2024-03-05,12,D1\n",
        )
    assert [
        (p.row, p.column, p.value, p.reason.key, p.reason.values) for p in info.value.problems
    ] == [(3, "单据编号", "D1", "problem.line_id_repeated", {"other_row": 2})]
    assert counts() == before
    assert "2" in info.value.problems[0].render(Translator("zh"))


def test_an_export_with_line_ids_overlapping_one_without_adds_only_new_lines(store):
    _import(store, "customer_id,date,amount\nA,2024-03-05,10\nB,2024-03-06,5\n", "old.csv")
    result = _import(
        store,
        "customer_id,date,amount,transaction id\n"
        "A,2024-03-05,10,T1\n"  # the line the old export held: known by its values
        "A,2024-03-05,10,T2\n"  # a second, identical purchase: new
        "B,2024-03-06,5,T3\n"
        "C,2024-03-07,7,T4\n",
        "new.csv",
    )
    assert result.rows_new == 2
    assert _ledger(store) == (4, Decimal("32.00"))
    # and the old export once more adds nothing
    assert _import(store, "customer_id,date,amount\nA,2024-03-05,10\n", "old.csv").rows_new == 0


def test_a_dry_run_says_how_many_identical_lines_would_be_kept():
    raw = read_table(b"customer_id,date,amount\nA,2024-03-05,10\nA,2024-03-05,10.00\n", "t.csv")
    prepared = prepare("transactions", raw)
    assert prepared.identical_rows == [3] and prepared.problems == []
