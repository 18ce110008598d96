"""The detection rule on tiny hand-computed cases.

Every study here has as-of 2025-01-01 and a window of 6 months unless said otherwise,
so the baseline period is [2024-01-01, 2024-07-01) and the recent period
[2024-07-01, 2025-01-01). The drop threshold d is 0.5: partial means recent spend
(or share of wallet) at most half of the baseline's.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from research.base import studies
from research.base.errors import ResearchError
from research.selection import detection

ACTOR = "tester"


def classify(store, study) -> dict[str, dict]:
    frame = detection.classify(store, study)
    assert frame["customer_id"].is_unique
    return {row["customer_id"]: row for row in frame.to_dict(orient="records")}


def status_of(store, study) -> dict[str, str]:
    return {cid: row["status"] for cid, row in classify(store, study).items()}


def test_periods_are_two_windows_before_the_as_of_date():
    p = detection.periods(date(2025, 1, 1), 6)
    assert (p.baseline_start, p.recent_start, p.as_of) == (
        date(2024, 1, 1),
        date(2024, 7, 1),
        date(2025, 1, 1),
    )
    p = detection.periods(date(2024, 3, 31), 1)  # month ends are clipped, not overflowed
    assert (p.baseline_start, p.recent_start) == (date(2024, 1, 31), date(2024, 2, 29))


# ---------------------------------------------------------------- every status


def test_every_status_on_hand_computed_customers(store, study, add_transactions, add_customers):
    add_transactions(
        [
            ("FULL", "2024-03-01", 100),  # baseline 100, recent 0
            ("PART", "2024-03-01", 100),
            ("PART", "2024-09-01", 40),  # 40 <= 50
            ("ACTV", "2024-03-01", 100),
            ("ACTV", "2024-09-01", 51),  # 51 > 50
            ("NEW", "2024-09-01", 10),  # recent only
            ("OLD", "2023-06-01", 500),  # before the baseline period
        ],
    )
    add_customers([("ONLYCRM", "never bought"), ("PART", "in both tables")])
    got = classify(store, study)
    assert {cid: r["status"] for cid, r in got.items()} == {
        "FULL": "full",
        "PART": "partial",
        "ACTV": "active",
        "NEW": "new",
        "OLD": "inactive",
        "ONLYCRM": "inactive",
    }
    spend = {
        cid: (float(r["baseline_spend"]), float(r["recent_spend"]), float(r["spend_lost"]))
        for cid, r in got.items()
    }
    assert spend == {
        "FULL": (100, 0, 100),
        "PART": (100, 40, 60),
        "ACTV": (100, 51, 49),
        "NEW": (0, 10, 0),
        "OLD": (0, 0, 0),
        "ONLYCRM": (0, 0, 0),
    }
    # only customers who bought in the baseline period have a value segment
    assert {cid for cid, r in got.items() if isinstance(r["segment"], str)} == {
        "FULL",
        "PART",
        "ACTV",
    }


def test_customer_with_no_transactions_is_inactive_with_nothing_computed(
    store, study, add_customers
):
    add_customers([("C1", "A")])
    row = classify(store, study)["C1"]
    assert row["status"] == "inactive"
    assert pd.isna(row["segment"]) and pd.isna(row["last_purchase"])
    assert not row["long_silence"]


# ---------------------------------------------------------------- boundaries


def test_exactly_the_threshold_is_partial(store, study, add_transactions):
    add_transactions(
        [
            ("AT", "2024-02-01", 100),
            ("AT", "2024-08-01", 50),
            ("ABOVE", "2024-02-01", 100),
            ("ABOVE", "2024-08-01", 50.01),
        ],
    )
    assert status_of(store, study) == {"AT": "partial", "ABOVE": "active"}


def test_exactly_the_threshold_is_partial_for_any_threshold(store, make_study, add_transactions):
    s = make_study("d34", drop_threshold=0.34)
    add_transactions([("X", "2024-02-01", 100), ("X", "2024-08-01", 66)])
    assert status_of(store, s) == {"X": "partial"}


def test_transaction_on_the_as_of_date_is_not_counted(store, study, add_transactions):
    add_transactions([("A", "2024-03-01", 100), ("A", "2025-01-01", 100)])
    row = classify(store, study)["A"]
    assert (row["status"], float(row["recent_spend"])) == ("full", 0)
    assert row["last_purchase"] == pd.Timestamp("2024-03-01")


def test_transaction_on_the_recent_start_counts_as_recent(store, study, add_transactions):
    add_transactions([("A", "2024-03-01", 100), ("A", "2024-07-01", 100)])
    row = classify(store, study)["A"]
    assert (float(row["baseline_spend"]), float(row["recent_spend"])) == (100, 100)
    assert row["status"] == "active"


def test_transaction_on_the_baseline_start_counts_as_baseline(store, study, add_transactions):
    add_transactions([("A", "2024-01-01", 100), ("B", "2023-12-31", 100)])
    got = classify(store, study)
    assert (float(got["A"]["baseline_spend"]), got["A"]["status"]) == (100, "full")
    assert (float(got["B"]["baseline_spend"]), got["B"]["status"]) == (0, "inactive")


def test_window_and_as_of_come_from_the_study(store, make_study, add_transactions):
    s = make_study("w3", as_of=date(2024, 7, 1), window_months=3)
    # baseline [2024-01-01, 2024-04-01), recent [2024-04-01, 2024-07-01)
    add_transactions(
        [
            ("A", "2024-03-31", 100),
            ("A", "2024-04-01", 10),
            ("B", "2024-04-01", 100),
            ("B", "2024-06-30", 1),
        ],
    )
    got = classify(store, s)
    assert (got["A"]["status"], float(got["A"]["recent_spend"])) == ("partial", 10)
    assert got["B"]["status"] == "new"


# ---------------------------------------------------------------- returns


def test_returns_are_netted_within_each_period(store, study, add_transactions):
    add_transactions(
        [
            ("RETURNED_ALL", "2024-02-01", 100),
            ("RETURNED_ALL", "2024-08-01", 30),
            ("RETURNED_ALL", "2024-09-01", -30),  # recent net 0: full
            ("ONLY_RETURN", "2024-02-01", 100),
            ("ONLY_RETURN", "2024-08-01", -10),  # recent -10
            ("NET_PART", "2024-02-01", 200),
            ("NET_PART", "2024-08-01", 100),
            ("NET_PART", "2024-08-15", -60),  # recent 40 <= 100
            ("BASE_GONE", "2024-02-01", 100),
            ("BASE_GONE", "2024-03-01", -100),
            ("BASE_GONE", "2024-08-01", 20),  # baseline net 0: new
        ],
    )
    got = classify(store, study)
    assert {c: r["status"] for c, r in got.items()} == {
        "RETURNED_ALL": "full",
        "ONLY_RETURN": "full",
        "NET_PART": "partial",
        "BASE_GONE": "new",
    }
    assert float(got["ONLY_RETURN"]["recent_spend"]) == -10
    assert float(got["ONLY_RETURN"]["spend_lost"]) == 110  # baseline 100 - recent (-10)
    assert float(got["NET_PART"]["spend_lost"]) == 160
    # a return is not a purchase: the last purchase is the last positive amount
    assert got["ONLY_RETURN"]["last_purchase"] == pd.Timestamp("2024-02-01")


# ---------------------------------------------------------------- share of wallet


def test_microscan_spend_grows_but_share_halves_is_partial(
    store, study, add_transactions, add_wallet
):
    add_transactions([("MS", "2024-03-01", 100), ("MS", "2024-09-01", 150)])
    # baseline wallet 200 (share 0.5), recent wallet 700 (share 150/700 = 0.214 <= 0.25)
    add_wallet([("MS", "2024-01-01", "2024-07-01", 200), ("MS", "2024-07-01", "2025-01-01", 700)])
    row = classify(store, study)["MS"]
    assert row["status"] == "partial"
    assert row["baseline_share"] == pytest.approx(0.5)
    assert row["recent_share"] == pytest.approx(150 / 700)
    # lost: (0.5 - 150/700) * 700 = 350 - 150
    assert float(row["spend_lost"]) == pytest.approx(200)


def test_same_customer_without_wallet_would_be_active(store, study, add_transactions):
    add_transactions([("MS", "2024-03-01", 100), ("MS", "2024-09-01", 150)])
    row = classify(store, study)["MS"]
    assert row["status"] == "active"
    assert pd.isna(row["baseline_share"]) and pd.isna(row["recent_share"])


def test_spend_falling_with_the_wallet_is_not_a_defection(
    store, study, add_transactions, add_wallet
):
    add_transactions([("W", "2024-03-01", 100), ("W", "2024-09-01", 40)])
    add_wallet(
        [("W", "2024-01-01", "2024-07-01", 200), ("W", "2024-07-01", "2025-01-01", 80)]
    )  # share 0.5 both times
    assert status_of(store, study) == {"W": "active"}


def test_share_exactly_at_the_threshold_is_partial(store, study, add_transactions, add_wallet):
    add_transactions([("W", "2024-03-01", 100), ("W", "2024-09-01", 100)])
    add_wallet(
        [("W", "2024-01-01", "2024-07-01", 200), ("W", "2024-07-01", "2025-01-01", 400)]
    )  # 0.5 -> 0.25
    assert status_of(store, study) == {"W": "partial"}


def test_wallet_made_of_monthly_estimates_covering_both_periods(
    store, study, add_transactions, add_wallet
):
    add_transactions([("M", "2024-03-01", 120), ("M", "2024-09-01", 120)])
    months = [date(2024, m, 1) for m in range(1, 13)] + [date(2025, 1, 1)]
    estimates = [("M", months[i], months[i + 1], 20 if i < 6 else 80) for i in range(12)]
    add_wallet(estimates)  # baseline wallet 120 (share 1.0), recent 480 (share 0.25)
    row = classify(store, study)["M"]
    assert row["status"] == "partial"
    assert (row["baseline_share"], row["recent_share"]) == (pytest.approx(1.0), pytest.approx(0.25))


def test_wallet_not_covering_a_whole_period_is_ignored(store, study, add_transactions, add_wallet):
    add_transactions(
        [
            ("GAP", "2024-03-01", 100),
            ("GAP", "2024-09-01", 150),
            ("SPLIT", "2024-03-01", 100),
            ("SPLIT", "2024-09-01", 40),
        ],
    )
    add_wallet(
        [
            # GAP: baseline has only Q1 of its two quarters; without the wallet: active
            ("GAP", "2024-01-01", "2024-04-01", 100),
            ("GAP", "2024-07-01", "2025-01-01", 900),
            # SPLIT: a yearly estimate lies in neither period; spend rule: 40 <= 50, partial
            ("SPLIT", "2024-01-01", "2025-01-01", 100000),
        ],
    )
    got = classify(store, study)
    assert (got["GAP"]["status"], got["SPLIT"]["status"]) == ("active", "partial")
    assert pd.isna(got["GAP"]["baseline_share"]) and pd.isna(got["SPLIT"]["recent_share"])
    assert float(got["SPLIT"]["spend_lost"]) == 60  # spend rule: 100 - 40


def test_one_ledger_serves_every_study(store, study, make_study, add_transactions, add_wallet):
    # the same lines and wallet estimates, asked by two studies with other rules
    other = make_study("other", drop_threshold=0.9)
    add_transactions([("MS", "2024-03-01", 100), ("MS", "2024-09-01", 150)])
    add_wallet([("MS", "2024-01-01", "2024-07-01", 200), ("MS", "2024-07-01", "2025-01-01", 700)])
    assert status_of(store, study) == {"MS": "partial"}  # share 0.5 -> 0.21
    assert status_of(store, other) == {"MS": "active"}  # 0.21 > (1 - 0.9) * 0.5


# ---------------------------------------------------------------- value segments


def _equal_spenders(add_transactions, s, n: int, amount=100):
    add_transactions([(f"C{i:02d}", "2024-03-01", amount) for i in range(n)])


def test_segments_by_baseline_spend_with_binary_exact_shares(store, make_study, add_transactions):
    s = make_study("quarters", best_core_pct=0.25, other_core_pct=0.25, general_pct=0.25)
    # spends 800, 700, ..., 100: the top two are best core, and so on
    add_transactions([(f"C{i}", "2024-03-01", 100 * (8 - i)) for i in range(8)])
    segments = {c: r["segment"] for c, r in classify(store, s).items()}
    assert segments == {
        "C0": "best_core",
        "C1": "best_core",
        "C2": "other_core",
        "C3": "other_core",
        "C4": "general",
        "C5": "general",
        "C6": "expendable",
        "C7": "expendable",
    }


def test_ties_are_broken_by_customer_id(store, make_study, add_transactions):
    s = make_study("ties", best_core_pct=0.25, other_core_pct=0.25, general_pct=0.25)
    add_transactions([(cid, "2024-03-01", 100) for cid in ("D", "B", "A", "C")])
    segments = {c: r["segment"] for c, r in classify(store, s).items()}
    assert segments == {"A": "best_core", "B": "other_core", "C": "general", "D": "expendable"}


# 0.1 + 0.2 is 0.30000000000000004 in floating point: the cut-offs must still put the
# customer at rank fraction exactly 0.3 into general
@pytest.mark.parametrize(
    "n, expected",
    [
        (10, {"best_core": 1, "other_core": 2, "general": 5, "expendable": 2}),
        (20, {"best_core": 2, "other_core": 4, "general": 10, "expendable": 4}),
    ],
)
def test_default_segments_are_10_20_50_20(store, study, add_transactions, n, expected):
    _equal_spenders(add_transactions, study, n)
    got = classify(store, study)
    counts = pd.Series([r["segment"] for r in got.values()]).value_counts().to_dict()
    assert counts == expected


@pytest.mark.parametrize("n, best, other, general", [(10, 1, 3, 8), (20, 2, 6, 16)])
def test_default_segments_follow_customer_id_order_on_ties(
    store, study, add_transactions, n, best, other, general
):
    """The part of the 10/20/50/20 split that holds today: the top 10% (rank fraction
    < 0.1) and the expendable 20% (rank fraction >= 0.8) in customer id order."""
    _equal_spenders(add_transactions, study, n)
    got = classify(store, study)
    order = sorted(got)
    assert [got[c]["segment"] for c in order[:best]] == ["best_core"] * best
    assert {got[c]["segment"] for c in order[best:other]} <= {"other_core"}
    assert [got[c]["segment"] for c in order[general:]] == ["expendable"] * (n - general)


def test_only_customers_with_baseline_spend_are_ranked(store, make_study, add_transactions):
    s = make_study("r", best_core_pct=0.5, other_core_pct=0.5, general_pct=0.0)
    add_transactions(
        [("A", "2024-03-01", 200), ("B", "2024-03-01", 100), ("N", "2024-09-01", 10_000)]
    )  # new: not ranked, not counted
    got = classify(store, s)
    assert (got["A"]["segment"], got["B"]["segment"]) == ("best_core", "other_core")
    assert pd.isna(got["N"]["segment"])


def test_margin_ranks_when_the_study_has_margins(store, make_study, add_transactions):
    s = make_study("m", best_core_pct=0.5, other_core_pct=0.5, general_pct=0.0)
    # X buys more but earns less: by margin Y is the more valuable customer
    add_transactions([("X", "2024-03-01", 1000, 10), ("Y", "2024-03-01", 100, 40)])
    got = classify(store, s)
    assert (got["Y"]["segment"], got["X"]["segment"]) == ("best_core", "other_core")
    assert (got["Y"]["baseline_value"], got["X"]["baseline_value"]) == (40, 10)


def test_spend_ranks_when_there_are_no_margins(store, make_study, add_transactions):
    s = make_study("nm", best_core_pct=0.5, other_core_pct=0.5, general_pct=0.0)
    add_transactions([("X", "2024-03-01", 1000), ("Y", "2024-03-01", 100)])
    got = classify(store, s)
    assert (got["X"]["segment"], got["Y"]["segment"]) == ("best_core", "other_core")
    assert got["X"]["baseline_value"] == 1000


# ---------------------------------------------------------------- long silence


def test_long_silence_flag_uses_the_customers_own_gap(store, study, add_transactions):
    add_transactions(
        [
            # purchases 10 days apart, then silence: gap 10, silent 2024-01-21 -> 2025-01-01
            ("STOPPED", "2024-01-01", 10),
            ("STOPPED", "2024-01-11", 10),
            ("STOPPED", "2024-01-21", 10),
            # gap (2024-07-01 - 2024-03-01) / 2 = 61 days; silent 184 days > 3 * 61 = 183
            ("ACTIVE_SILENT", "2024-03-01", 50),
            ("ACTIVE_SILENT", "2024-03-02", 50),
            ("ACTIVE_SILENT", "2024-07-01", 100),
            # monthly buyer: gap 30 days, silent 31 days
            *[
                ("REGULAR", d, 10)
                for d in (
                    "2024-01-06",
                    "2024-02-05",
                    "2024-03-06",
                    "2024-04-05",
                    "2024-05-05",
                    "2024-06-04",
                    "2024-07-04",
                    "2024-08-03",
                    "2024-09-02",
                    "2024-10-02",
                    "2024-11-01",
                    "2024-12-01",
                )
            ],
            ("ONCE", "2024-02-01", 10),  # one purchase day: no usual gap, no flag
        ],
    )
    got = classify(store, study)
    assert (got["STOPPED"]["usual_gap_days"], got["STOPPED"]["days_silent"]) == (10, 346)
    assert got["STOPPED"]["long_silence"]
    assert (got["ACTIVE_SILENT"]["usual_gap_days"], got["ACTIVE_SILENT"]["days_silent"]) == (
        61,
        184,
    )
    assert got["ACTIVE_SILENT"]["long_silence"]
    assert got["ACTIVE_SILENT"]["status"] == "active"  # the flag never changes the status
    assert (got["REGULAR"]["usual_gap_days"], got["REGULAR"]["days_silent"]) == (30, 31)
    assert not got["REGULAR"]["long_silence"]
    assert pd.isna(got["ONCE"]["usual_gap_days"]) and not got["ONCE"]["long_silence"]


def test_long_silence_depends_on_the_gap_multiple(store, make_study, add_transactions):
    s = make_study("k", gap_multiple=4.0)  # 184 days is not more than 4 * 61
    add_transactions([("A", "2024-03-01", 50), ("A", "2024-03-02", 50), ("A", "2024-07-01", 100)])
    assert not classify(store, s)["A"]["long_silence"]


def test_purchases_on_the_same_day_count_as_one_purchase_day(store, study, add_transactions):
    add_transactions([("A", "2024-01-01", 10), ("A", "2024-01-01", 20), ("A", "2024-01-21", 10)])
    assert classify(store, study)["A"]["usual_gap_days"] == 20


# ---------------------------------------------------------------- stored results


def test_run_detection_stores_one_row_per_customer_and_replaces_old_ones(
    store, study, add_transactions
):
    add_transactions([("A", "2024-03-01", 100), ("B", "2024-09-01", 5)])
    assert detection.run_detection(store, study, actor=ACTOR) == 2
    assert detection.run_detection(store, study, actor=ACTOR) == 2
    frame = detection.results(store, study)
    assert sorted(frame["customer_id"]) == ["A", "B"]
    assert frame.loc[frame["customer_id"] == "A", "status"].item() == "full"
    with store.cursor() as cur:
        actions = cur.execute(
            "SELECT action, actor FROM audit_log WHERE action = 'detection.run'"
        ).fetchall()
    assert actions == [("detection.run", ACTOR)] * 2


def test_results_are_sorted_by_spend_lost_and_carry_customer_details(
    store, study, add_transactions, add_customers
):
    add_customers([("A", "上海华创医院"), ("B", "Northwind Diagnostics")])
    add_transactions([("A", "2024-03-01", 100), ("B", "2024-03-01", 300)])
    detection.run_detection(store, study, actor=ACTOR)
    frame = detection.results(store, study)
    assert frame[["customer_id", "name"]].values.tolist() == [
        ["B", "Northwind Diagnostics"],
        ["A", "上海华创医院"],
    ]


def test_former_customers_are_shown_as_former_and_kept_across_runs(store, study, add_transactions):
    add_transactions([("A", "2024-03-01", 100), ("B", "2024-03-01", 100)])
    detection.run_detection(store, study, actor=ACTOR)
    detection.mark_former_customer(store, study, "A", "  closed the lab  ", actor=ACTOR)
    for _ in range(2):
        frame = detection.results(store, study).set_index("customer_id")
        assert frame.loc["A", ["status", "detected_status", "former_reason"]].tolist() == [
            "former",
            "full",
            "closed the lab",
        ]
        assert frame.loc["B", "status"] == "full"
        detection.run_detection(store, study, actor=ACTOR)
    detection.unmark_former_customer(store, study, "A", actor=ACTOR)
    assert detection.results(store, study).set_index("customer_id").loc["A", "status"] == "full"


def test_marking_a_former_customer_needs_a_reason(store, study):
    with pytest.raises(ResearchError) as info:
        detection.mark_former_customer(store, study, "A", "  ", actor=ACTOR)
    assert info.value.key == "error.former_reason_required"


def test_marking_again_replaces_the_reason(store, study, add_transactions):
    add_transactions([("A", "2024-03-01", 100)])
    detection.run_detection(store, study, actor=ACTOR)
    detection.mark_former_customer(store, study, "A", "moved", actor=ACTOR)
    detection.mark_former_customer(store, study, "A", "closed", actor=ACTOR)
    assert detection.results(store, study)["former_reason"].tolist() == ["closed"]


# ---------------------------------------------------------------- staleness


def _import(store, text: str):
    from research.ledger.load import import_file

    return import_file(store, "transactions", text.encode(), actor=ACTOR, file_name="t.csv")


def test_is_stale_and_ensure_current(clock, store, study):
    assert not detection.is_stale(store, study)  # nothing imported, nothing to compute
    clock.tick()
    _import(store, "customer_id,date,amount\nA,2024-03-01,100\n")
    assert detection.is_stale(store, study)  # data but no results
    clock.tick()
    assert detection.ensure_current(store, study, actor=ACTOR) is True
    assert not detection.is_stale(store, study)
    assert detection.ensure_current(store, study, actor=ACTOR) is False

    clock.tick()
    _import(store, "customer_id,date,amount\nA,2024-09-01,100\n")  # new data
    assert detection.is_stale(store, study)
    clock.tick()
    detection.ensure_current(store, study, actor=ACTOR)
    assert detection.results(store, study)["status"].tolist() == ["active"]

    clock.tick()
    changed = studies.update_study(store, study, actor=ACTOR, drop_threshold=0.1)  # new rules
    assert detection.is_stale(store, changed)
    clock.tick()
    assert detection.ensure_current(store, changed, actor=ACTOR) is True
    assert not detection.is_stale(store, changed)


def test_an_import_right_after_detection_makes_results_stale(store, study):
    # real time stamps, to the microsecond: an import within the same second still counts
    _import(store, "customer_id,date,amount\nA,2024-03-01,100\n")
    detection.run_detection(store, study, actor=ACTOR)
    assert not detection.is_stale(store, study)
    _import(store, "customer_id,date,amount\nB,2024-03-01,100\n")
    assert detection.is_stale(store, study)
    assert detection.ensure_current(store, study, actor=ACTOR)
    assert not detection.is_stale(store, study)


# ---------------------------------------------------------------- summaries


def _frame(rows):
    return pd.DataFrame(rows, columns=["customer_id", "status", "segment", "spend_lost"])


def test_counts_by_status_and_segment():
    frame = _frame(
        [
            ("A", "full", "best_core", 10),
            ("B", "full", "general", 5),
            ("C", "partial", "best_core", 3),
            ("D", "new", None, 0),
            ("E", "former", "general", 0),
        ]
    )
    table = detection.counts_by_status_segment(frame)
    assert list(table.index) == ["full", "partial", "new", "former", "total"]
    assert list(table.columns) == ["best_core", "general", "none", "total"]
    assert table.loc["full"].tolist() == [1, 1, 0, 2]
    assert table.loc["total"].tolist() == [2, 2, 1, 5]


def test_spend_lost_by_segment_counts_only_defectors():
    frame = _frame(
        [
            ("A", "full", "best_core", 10),
            ("B", "full", "best_core", 5),
            ("C", "partial", "general", 3),
            ("D", "active", "best_core", 100),
            ("E", "former", "general", 50),
        ]
    )
    grouped = detection.spend_lost_by_segment(frame)
    assert grouped[["segment", "status", "sum", "count"]].astype(object).values.tolist() == [
        ["best_core", "full", 15.0, 2],
        ["general", "partial", 3.0, 1],
    ]
