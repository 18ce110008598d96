"""Detection details: what ranks the segments, overlapping wallet estimates, a share test
that applied to nobody, how segment sizes round, a study's scope, and what the stored
results were computed on.

As in test_detection.py: as-of 2025-01-01, window 6 months, so the baseline period is
[2024-01-01, 2024-07-01) and the recent period [2024-07-01, 2025-01-01).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from research.base import studies
from research.base.i18n import Translator
from research.ledger.load import import_file
from research.selection import detection

ACTOR = "tester"


def classify(store, study) -> dict[str, dict]:
    frame = detection.classify(store, study)
    return {row["customer_id"]: row for row in frame.to_dict(orient="records")}


def note_keys(store, study) -> list[tuple[str, str]]:
    return [(level, m.key) for level, m in detection.run_info(store, study).notes()]


# ---------------------------------------------------------------- margin or spend


def test_a_big_spender_without_margins_is_not_made_expendable(store, make_study, add_transactions):
    s = make_study("m", best_core_pct=0.5, other_core_pct=0.0, general_pct=0.0)
    add_transactions(
        [
            ("BIG", "2024-03-01", 100_000),  # no margin on the line
            ("SMALL", "2024-03-01", 100, 40),
        ]
    )
    got = classify(store, s)
    assert (got["BIG"]["segment"], got["SMALL"]["segment"]) == ("best_core", "expendable")
    assert got["BIG"]["baseline_value"] == 100_000  # ranked by spend
    detection.run_detection(store, s, actor=ACTOR)
    info = detection.run_info(store, s)
    assert (info.ranked_by, info.margin_incomplete, info.ranked) == ("spend", 1, 2)
    assert note_keys(store, s) == [("info", "detection.ranked_by_spend_incomplete")]
    text = detection.run_info(store, s).notes()[0][1].render(Translator("en"))
    assert "1 of the 2 ranked customers" in text


def test_one_line_without_margin_among_a_customers_lines_makes_margins_incomplete(
    store, make_study, add_transactions
):
    s = make_study("m", best_core_pct=0.5, other_core_pct=0.5, general_pct=0.0)
    add_transactions(
        [
            ("X", "2024-03-01", 1000, 10),
            ("X", "2024-04-01", 1000),  # this baseline line has no margin
            ("Y", "2024-03-01", 100, 40),
        ]
    )
    detection.run_detection(store, s, actor=ACTOR)
    info = detection.run_info(store, s)
    assert (info.ranked_by, info.margin_incomplete) == ("spend", 1)
    assert classify(store, s)["X"]["segment"] == "best_core"


def test_margins_rank_where_every_ranked_customers_baseline_lines_have_one(
    store, make_study, add_transactions
):
    s = make_study("m", best_core_pct=0.5, other_core_pct=0.5, general_pct=0.0)
    add_transactions(
        [
            ("X", "2024-03-01", 1000, 10),
            ("Y", "2024-03-01", 100, 40),
            ("X", "2024-09-01", 500),  # recent lines are not ranked on: no margin needed
            ("NEW", "2024-10-01", 900),  # not ranked (no baseline spend)
            ("GONE", "2024-02-01", 50),  # baseline net 0: not ranked either
            ("GONE", "2024-02-02", -50),
        ]
    )
    got = classify(store, s)
    assert (got["Y"]["segment"], got["X"]["segment"]) == ("best_core", "other_core")
    detection.run_detection(store, s, actor=ACTOR)
    assert detection.run_info(store, s).ranked_by == "margin"
    assert note_keys(store, s) == [("info", "detection.ranked_by_margin")]


def test_without_any_margin_the_run_says_spend_ranks(store, study, add_transactions):
    add_transactions([("A", "2024-03-01", 10)])
    detection.run_detection(store, study, actor=ACTOR)
    assert note_keys(store, study) == [("info", "detection.ranked_by_spend")]


# ---------------------------------------------------------------- overlapping wallet estimates


def test_a_quarter_and_its_months_do_not_fill_a_gap_or_count_twice(
    store, study, add_transactions, add_wallet
):
    # 2024 is a leap year: Q1 has 91 days, twice that is the 182 days of the baseline
    # period. Q1 and its three months added up to a "complete" baseline wallet while Q2
    # had no estimate at all.
    add_transactions([("GAP", "2024-03-01", 100), ("GAP", "2024-09-01", 150)])
    add_wallet(
        [
            ("GAP", "2024-01-01", "2024-04-01", 300),
            ("GAP", "2024-01-01", "2024-02-01", 100),
            ("GAP", "2024-02-01", "2024-03-01", 100),
            ("GAP", "2024-03-01", "2024-04-01", 100),
            ("GAP", "2024-07-01", "2025-01-01", 900),
        ]
    )
    row = classify(store, study)["GAP"]
    assert pd.isna(row["baseline_share"])  # Q2 is not covered: no share of wallet
    assert row["status"] == "active"  # the spend rule: 150 > 50


def test_overlapping_estimates_count_once_by_the_finer_periods(
    store, study, add_transactions, add_wallet
):
    add_transactions([("W", "2024-03-01", 120), ("W", "2024-09-01", 120)])
    add_wallet(
        [
            ("W", "2024-01-01", "2024-04-01", 999),  # Q1, set aside: its months count
            ("W", "2024-01-01", "2024-02-01", 20),
            ("W", "2024-02-01", "2024-03-01", 20),
            ("W", "2024-03-01", "2024-04-01", 20),
            ("W", "2024-04-01", "2024-07-01", 180),  # Q2
            ("W", "2024-07-01", "2025-01-01", 480),  # H2
            ("W", "2024-01-01", "2025-01-01", 5000),  # the year, set aside too
        ]
    )
    row = classify(store, study)["W"]
    assert row["baseline_share"] == pytest.approx(120 / 240)  # 20 + 20 + 20 + 180
    assert row["recent_share"] == pytest.approx(120 / 480)
    assert row["status"] == "partial"  # 0.25 <= 0.5 × 0.5
    detection.run_detection(store, study, actor=ACTOR)
    info = detection.run_info(store, study)
    assert (info.wallet_set_aside, info.wallet_customers, info.share_customers) == (2, 1, 1)
    assert ("info", "detection.wallet_set_aside") in note_keys(store, study)


def test_the_import_reports_estimates_that_overlap(store):
    first = import_file(
        store,
        "wallet",
        b"customer_id,period,wallet\nA,2024-Q1,300\nB,2024-Q1,10\n",
        actor=ACTOR,
        file_name="q.csv",
    )
    assert first.warnings == ()
    months = import_file(
        store,
        "wallet",
        b"customer_id,period,wallet\nA,2024-01,100\nA,2024-02,100\n",
        actor=ACTOR,
        file_name="m.csv",
    )
    assert [(w.key, w.values) for w in months.warnings] == [
        ("warning.wallet_overlap", {"count": 1, "examples": "A 2024-Q1"})
    ]


# ---------------------------------------------------------------- a share test for nobody


def test_the_run_says_when_wallet_data_applied_to_nobody(
    store, make_study, add_transactions, add_wallet
):
    add_transactions([("M", "2024-03-01", 120), ("M", "2024-09-20", 120)])
    months = [date(2024, m, 1) for m in range(1, 13)] + [date(2025, 1, 1)]
    add_wallet([("M", months[i], months[i + 1], 20) for i in range(12)])
    on_boundary = make_study("on", as_of=date(2025, 1, 1))
    off_boundary = make_study("off", as_of=date(2025, 1, 15))  # periods start mid-month
    for s in (on_boundary, off_boundary):
        detection.run_detection(store, s, actor=ACTOR)
    on, off = detection.run_info(store, on_boundary), detection.run_info(store, off_boundary)
    assert (on.wallet_customers, on.share_customers) == (1, 1)
    assert (off.wallet_customers, off.share_customers) == (1, 0)
    assert ("info", "detection.share_applied") in note_keys(store, on_boundary)
    assert ("warning", "detection.share_applied_to_nobody") in note_keys(store, off_boundary)
    for t in (Translator("en"), Translator("zh")):
        assert "1" in dict((m.key, m) for _, m in off.notes())[
            "detection.share_applied_to_nobody"
        ].render(t)


def test_no_wallet_data_no_wallet_note(store, study, add_transactions):
    add_transactions([("A", "2024-03-01", 10)])
    detection.run_detection(store, study, actor=ACTOR)
    keys = [k for _, k in note_keys(store, study)]
    assert not [k for k in keys if "share" in k or "wallet" in k]


# ---------------------------------------------------------------- how segment sizes round


def test_fifteen_customers_give_2_best_core_3_other_core_7_general_3_expendable(
    store, study, add_transactions
):
    # rank r of n is in a segment while (r - 1) / n is below its cumulative share: the
    # first ceil(0.1 × 15) = 2 are best core, up to ceil(0.3 × 15) = 5 core, up to
    # ceil(0.8 × 15) = 12 core or general
    add_transactions([(f"C{i:02d}", "2024-03-01", 1500 - 100 * i) for i in range(15)])
    got = classify(store, study)
    ordered = [got[f"C{i:02d}"]["segment"] for i in range(15)]
    assert ordered == ["best_core"] * 2 + ["other_core"] * 3 + ["general"] * 7 + ["expendable"] * 3


@pytest.mark.parametrize("n", [1, 2, 3, 7, 9, 11, 15, 19, 21, 99, 101])
def test_segment_sizes_are_the_ceiling_of_the_cumulative_shares(store, study, add_transactions, n):
    add_transactions([(f"C{i:03d}", "2024-03-01", 10_000 - i) for i in range(n)])
    counts = pd.Series([r["segment"] for r in classify(store, study).values()]).value_counts()
    best, core, ranked_general = (-(-n * p // 10) for p in (1, 3, 8))  # ceil(n × p / 10)
    assert counts.get("best_core", 0) == best
    assert counts.get("other_core", 0) == core - best
    assert counts.get("general", 0) == ranked_general - core
    assert counts.get("expendable", 0) == n - ranked_general


# ---------------------------------------------------------------- a study's scope


def _scoped_ledger(add_customers, add_transactions):
    add_customers(
        [
            ("E1", "East one", {"region": "East China", "owner": "张伟", "industry": "Hospital"}),
            ("E2", "East two", {"region": "East China", "owner": "李娜", "industry": "Pharma"}),
            ("N1", "North one", {"region": "North China", "owner": "张伟", "industry": "Hospital"}),
        ]
    )
    add_transactions(
        [
            ("E1", "2024-03-01", 100),
            ("E1", "2024-09-01", 20),
            ("E2", "2024-03-01", 100),
            ("N1", "2024-03-01", 100),
            ("X9", "2024-03-01", 100),  # no customer record: region unknown
        ]
    )


def test_a_scope_narrows_customers_by_region_owner_and_industry(
    store, make_study, add_customers, add_transactions
):
    _scoped_ledger(add_customers, add_transactions)
    whole = make_study("whole")
    east = make_study("east", scope={"region": ["East China"]})
    east_zhang = make_study("ez", scope={"region": ["East China"], "owner": ["张伟"]})
    hospitals = make_study("h", scope={"industry": ["Hospital"]})
    assert set(classify(store, whole)) == {"E1", "E2", "N1", "X9"}
    assert set(classify(store, east)) == {"E1", "E2"}
    assert set(classify(store, east_zhang)) == {"E1"}
    assert set(classify(store, hospitals)) == {"E1", "N1"}


def test_a_product_line_scope_counts_only_those_lines(
    store, make_study, add_customers, add_transactions
):
    add_customers([("A", "Alpha")])

    def insert(cur):
        cur.executemany(
            "INSERT INTO transactions (line_key, customer_id, date, amount, product_line,"
            " created_by, created_at) VALUES (?, 'A', ?, ?, ?, 't', now())",
            [
                ["r1#1", date(2024, 3, 1), 100, "Reagents"],
                ["a1#1", date(2024, 3, 1), 1000, "Analysers"],
                ["r2#1", date(2024, 9, 1), 100, "Reagents"],
            ],
        )

    store.write(insert)
    reagents = make_study("r", scope={"product_line": ["Reagents"]})
    analysers = make_study("a", scope={"product_line": ["Analysers"]})
    whole = make_study("w")
    got = {s.name: classify(store, s)["A"] for s in (reagents, analysers, whole)}
    assert {k: (float(r["baseline_spend"]), float(r["recent_spend"])) for k, r in got.items()} == {
        "r": (100, 100),
        "a": (1000, 0),
        "w": (1100, 100),
    }
    assert (got["r"]["status"], got["a"]["status"], got["w"]["status"]) == (
        "active",
        "full",
        "partial",
    )
    detection.run_detection(store, reagents, actor=ACTOR)
    assert detection.run_info(store, reagents).transactions == 2


def test_a_scope_is_stored_with_the_study_and_changing_it_makes_results_stale(
    clock, store, make_study, add_customers, add_transactions
):
    _scoped_ledger(add_customers, add_transactions)
    s = make_study("s", scope={"region": ["East China"], "owner": []})
    assert s.scope == studies.Scope(region=("East China",))
    detection.run_detection(store, s, actor=ACTOR)
    clock.tick()
    assert not detection.is_stale(store, s)
    changed = studies.update_study(store, s, actor=ACTOR, scope={"region": ["North China"]})
    assert studies.get_study(store, "s").scope.region == ("North China",)
    assert detection.is_stale(store, changed)
    clock.tick()
    detection.ensure_current(store, changed, actor=ACTOR)
    assert detection.results(store, changed)["customer_id"].tolist() == ["N1"]


# ---------------------------------------------------------------- what the results stand on


def test_stored_results_record_the_import_they_saw_and_say_when_newer_data_arrived(
    clock, store, study
):
    def load(name, text):
        clock.tick()
        import_file(store, "transactions", text.encode(), actor=ACTOR, file_name=name)

    load("q1.csv", "customer_id,date,amount\nA,2024-03-01,100\n")
    clock.tick()
    detection.run_detection(store, study, actor=ACTOR)
    state = detection.data_state(store, study)
    assert not state.stale and state.seen_import["file_name"] == "q1.csv"
    assert "q1.csv" in state.describe(Translator("en"))
    assert detection.run_info(store, study).transactions == 1

    load("q2.csv", "customer_id,date,amount\nA,2024-09-01,100\n")
    state = detection.data_state(store, study)
    assert state.stale and state.newer_imports == 1
    for t in (Translator("en"), Translator("zh")):
        assert "q2.csv" in state.describe(t)
    # another study, created after both imports, sees them as well
    other = studies.create_study(store, "later", date(2025, 1, 1), actor=ACTOR)
    assert detection.is_stale(store, other)
    detection.ensure_current(store, other, actor=ACTOR)
    assert detection.data_state(store, other).seen_import["file_name"] == "q2.csv"
