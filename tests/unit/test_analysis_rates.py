"""Defection rates per segment and quarter, share movement and earlier defectors now,
from small ledgers worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from research.analysis import actions, rates
from research.analysis.causes import AnalysisError
from research.base import studies
from research.selection import detection


def test_quarter_ranges():
    assert rates.quarters_between("2025Q3", "2026Q2") == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert rates.last_quarters(2, date(2026, 11, 30)) == ["2026Q2", "2026Q3"]
    with pytest.raises(AnalysisError):
        rates.quarters_between("2026Q2", "2025Q1")
    with pytest.raises(AnalysisError):
        rates.quarters_between("2026Q7", "2027Q1")


@pytest.fixture
def ledger(store, add_transactions):
    """Ten customers, window 6 months. For 2024Q4 (as-of 2025-01-01) the baseline is
    2024Q1–Q2, the recent period 2024Q3–Q4.
    A0..A3: steady (100 in each quarter). B0, B1: stop after 2024Q2 (full).
    C0: 100 → 40 a quarter (partial). D0: only from 2024Q3 (new, not in the base).
    E0: a former customer (left the category): stops, but is not counted.
    F0: 1,000 a quarter, the biggest: best core, steady."""
    rows = []
    for q_start in ("2024-01-15", "2024-04-15", "2024-07-15", "2024-10-15"):
        late = q_start >= "2024-07"
        for c in ("A0", "A1", "A2", "A3"):
            rows.append((c, q_start, 100))
        rows.append(("F0", q_start, 1000))
        if not late:
            rows += [("B0", q_start, 300), ("B1", q_start, 200), ("E0", q_start, 100)]
        rows.append(("C0", q_start, 40 if late else 100))
        if late:
            rows.append(("D0", q_start, 50))
    add_transactions(rows)
    return store


def test_rates_per_segment_by_hand(ledger, study):
    # the default study: window 6, d = 0.5, shares 10/20/50%
    detection.mark_former_customer(ledger, study, "E0", "closed", actor="t")
    frame = rates.quarterly_rates(ledger, study, ["2024Q4"]).set_index("segment")
    # base: F0 2000, B0 600, B1 400, A0..A3 200, C0 200 → 8 customers
    assert frame.loc["all", "customers"] == 8
    assert (frame.loc["all", "full"], frame.loc["all", "partial"]) == (2, 1)
    assert frame.loc["all", "rate"] == pytest.approx(3 / 8)
    # ⌈0.1·8⌉ = 1 best core (F0), ⌈0.3·8⌉ = 3: other core B0, B1 (both full)
    assert frame.loc["best_core", "customers"] == 1 and frame.loc["best_core", "rate"] == 0
    assert (frame.loc["other_core", "customers"], frame.loc["other_core", "full"]) == (2, 2)
    # F0's yearly value: 2,000 baseline over half a year
    assert frame.loc["best_core", "yearly_value"] == pytest.approx(4000)
    assert frame.loc["all", "rate_low"] < 3 / 8 < frame.loc["all", "rate_high"]


def test_a_quarter_before_anything_was_bought_has_no_base(ledger, study):
    frame = rates.quarterly_rates(ledger, study, ["2023Q1"]).set_index("segment")
    assert frame.loc["all", "customers"] == 0 and frame.loc["all", "rate"] is None


def test_scope_narrows_the_rates(ledger, study, add_customers, store):
    add_customers([("F0", "Big", {"region": "North"}), ("B0", "Gone", {"region": "North"})])
    north = studies.update_study(store, study, actor="t", scope={"region": ["North"]})
    frame = rates.quarterly_rates(store, north, ["2024Q4"]).set_index("segment")
    assert frame.loc["all", "customers"] == 2 and frame.loc["all", "full"] == 1


def test_windows_must_be_whole_quarters(store, study):
    odd = studies.update_study(store, study, actor="t", window_months=4)
    with pytest.raises(AnalysisError):
        rates.quarterly_rates(store, odd, ["2024Q4"])


def test_spend_movement_quarter_on_quarter(ledger, study):
    frame = rates.movement(ledger, study, ["2024Q3"]).set_index("quarter")
    # bought in 2024Q2: A0..A3, F0 held; C0 fell (100 → 40); B0, B1, E0 fell to nothing
    row = frame.loc["2024Q3"]
    assert (row["customers"], row["held"], row["fell"], row["rose"]) == (9, 5, 4, 0)
    assert row["fell_share"] == pytest.approx(4 / 9)
    assert row["by_share_of_wallet"] == 0


def test_earlier_defectors_now(store, study, add_transactions, add_results, record):
    # found by the study (baseline 1,000 each); by 2025 one buys fully again, one a bit
    add_results(
        study,
        [
            ("W", "full", "general", 1000, 0),
            ("P", "full", "general", 1000, 0),
            ("G", "partial", "general", 1000, 100),
        ],
    )
    record(study, "W", "price_value")
    record(study, "P", "price_value")
    record(study, "G", "staff_attitude", defection_type="partial")
    add_transactions([("W", "2025-03-01", 800), ("P", "2025-03-01", 100)])
    later = studies.create_study(store, "later", date(2025, 7, 1), actor="t")
    made = actions.add_action(store, title="Prices", owner="x", causes=["price_value"], actor="t")
    found = rates.follow_up(store, later, (study.id,))
    outcome = dict(zip(found.customers["customer_id"], found.customers["outcome"], strict=True))
    assert outcome == {"W": "won_back", "P": "partly_back", "G": "still_gone"}
    by_cause = found.by_cause.set_index("cause")
    assert by_cause.loc["price_value"].tolist() == [1, 1, 0]
    assert by_cause.loc["staff_attitude"].tolist() == [0, 0, 1]
    row = found.by_action.set_index("action_id").loc[made.id]
    assert (row["won_back"], row["partly_back"], row["still_gone"]) == (1, 1, 0)


def _no_ledger(monkeypatch):
    """Reading the ledger for the rates fails from now on, by either path."""
    monkeypatch.setattr(rates, "WINDOWS", "SELECT no_such_column FROM transactions")

    def read(*args, **kwargs):
        raise RuntimeError("no_such_column: the arrays read the ledger")

    monkeypatch.setattr(rates, "_grid", read)


def test_rates_and_movement_are_asked_of_the_ledger_once_per_version(
    ledger, study, monkeypatch, add_transactions
):
    # the page asks for both on every rerun: the second question reads no ledger
    first = rates.quarterly_rates(ledger, study, ["2024Q4"])
    moved = rates.movement(ledger, study, ["2024Q4"])
    _no_ledger(monkeypatch)
    assert rates.quarterly_rates(ledger, study, ["2024Q4"]).equals(first)
    assert rates.movement(ledger, study, ["2024Q4"]).equals(moved)
    # new lines are a new version of the ledger: asked again
    add_transactions([("N0", "2024-02-01", 500)])
    with pytest.raises(Exception, match="no_such_column"):
        rates.quarterly_rates(ledger, study, ["2024Q4"])


def test_kept_answers_follow_the_ledger(ledger, study, add_transactions):
    before = rates.quarterly_rates(ledger, study, ["2024Q4"]).set_index("segment")
    assert before.loc["all", "customers"] == 9  # E0 counts until marked
    detection.mark_former_customer(ledger, study, "E0", "closed", actor="t")
    marked = rates.quarterly_rates(ledger, study, ["2024Q4"]).set_index("segment")
    assert marked.loc["all", "customers"] == 8
    add_transactions([("N0", "2024-02-01", 500), ("N1", "2024-03-01", 5)])
    added = rates.quarterly_rates(ledger, study, ["2024Q4"]).set_index("segment")
    assert (added.loc["all", "customers"], added.loc["all", "full"]) == (10, 4)
    moved = rates.movement(ledger, study, ["2024Q2"]).set_index("quarter")
    # bought in 2024Q1: A0..A3, F0, B0, B1, C0 and the new N0, N1 (E0 is marked former)
    assert moved.loc["2024Q2", "customers"] == 10


def test_movement_needs_no_whole_quarter_window(ledger, study):
    # rates need windows of whole quarters; movement compares quarter with quarter
    odd = studies.update_study(ledger, study, actor="t", window_months=4)
    frame = rates.movement(ledger, odd, ["2024Q3"]).set_index("quarter")
    assert (frame.loc["2024Q3", "customers"], frame.loc["2024Q3", "fell"]) == (9, 4)


def test_forgetting_the_kept_answers_reads_the_ledger_again(ledger, study, monkeypatch):
    rates.quarterly_rates(ledger, study, ["2024Q4"])
    _no_ledger(monkeypatch)
    rates.quarterly_rates(ledger, study, ["2024Q4"])  # kept
    rates.forget(ledger)
    with pytest.raises(Exception, match="no_such_column"):
        rates.quarterly_rates(ledger, study, ["2024Q4"])


def test_kept_earlier_defectors_follow_new_lines_and_actions(
    store, study, add_transactions, add_results, record
):
    add_results(study, [("W", "full", "general", 1000, 0), ("G", "partial", "general", 1000, 100)])
    record(study, "W", "price_value")
    record(study, "G", "staff_attitude", defection_type="partial")
    later = studies.create_study(store, "later", date(2025, 7, 1), actor="t")
    first = rates.follow_up(store, later, (study.id,))
    assert set(first.customers["outcome"]) == {"still_gone"} and first.by_action.empty
    first.customers["outcome"] = "changed by a caller"
    again = rates.follow_up(store, later, (study.id,))
    assert set(again.customers["outcome"]) == {"still_gone"}
    add_transactions([("G", "2025-03-01", 100)])
    made = actions.add_action(store, title="Staff", owner="x", causes=["staff_attitude"], actor="t")
    now = rates.follow_up(store, later, (study.id,))
    outcome = dict(zip(now.customers["customer_id"], now.customers["outcome"], strict=True))
    assert outcome == {"W": "still_gone", "G": "partly_back"}
    row = now.by_action.set_index("action_id").loc[made.id]
    assert (row["won_back"], row["partly_back"], row["still_gone"]) == (0, 1, 0)


def _windows(cur, rows):
    cur.execute(
        "CREATE TEMP TABLE rate_windows (q INTEGER, customer_id VARCHAR,"
        " baseline DECIMAL(38, 2), recent DECIMAL(38, 2), before DECIMAL(38, 2),"
        " now DECIMAL(38, 2))"
    )
    cur.executemany("INSERT INTO rate_windows VALUES (?, ?, ?, ?, 0, 0)", rows)


CUTS = {"cut_best": 0.1, "cut_other": 0.3, "cut_general": 0.8}


@pytest.mark.parametrize("seed", range(12))
def test_cutting_near_quantiles_counts_as_ranking_everyone(store, seed, monkeypatch):
    # quarters of 1..400 customers whose baselines tie heavily, often across the cuts
    # (n = 10, 20, 30... put a cut exactly on a whole position)
    import random

    rng = random.Random(seed)
    rows = []
    for q in range(8):
        n = rng.choice([1, 2, 3, 7, 10, 20, 30, 97, 100, 400])
        levels = rng.choice([1, 2, 3, 5, 50])
        for i in range(n):
            baseline = 100 * rng.randint(1, levels)
            recent = rng.choice([0, baseline // 4, baseline])
            rows.append((q, f"C{rng.randint(0, 10**6):07d}-{i}", baseline, recent))
    cuts = dict(CUTS)
    if seed % 3 == 1:  # other shares, and an empty first cut
        cuts = {"cut_best": 0.0, "cut_other": 0.25, "cut_general": 0.75}
    with store.cursor() as cur:
        _windows(cur, rows)
        ranked = sorted(cur.execute(rates.RATES, {**cuts, "keep": 0.5}).fetchall())
        cur.execute(rates.RATE_BOUNDS, {"fractions": rates._fractions(cuts)})
        banded = sorted(cur.execute(rates.RATES_BANDED, {**cuts, "keep": 0.5}).fetchall())
        counts = cur.execute(rates.RATE_BOUNDS_COUNTS).fetchall()
        cur.execute("DROP TABLE rate_bounds")
        chosen = sorted(rates._rate_rows(cur, cuts, 0.5))
        # bounds the wrong way round leave customers between them unranked: unsafe, and
        # the numbers come from ranking everyone
        monkeypatch.setattr(rates, "BAND", -0.2)
        cur.execute(rates.RATE_BOUNDS, {"fractions": rates._fractions(cuts)})
        unsafe = cur.execute(rates.RATE_BOUNDS_COUNTS).fetchall()
        cur.execute("DROP TABLE rate_bounds")
        fallen_back = sorted(rates._rate_rows(cur, cuts, 0.5))
    assert rates._bounds_safe(counts, cuts) and banded == ranked
    assert chosen == ranked
    assert not rates._bounds_safe(unsafe, cuts) and fallen_back == ranked


def test_bounds_are_safe_only_when_no_one_outside_them_is_misplaced():
    # n = 10, cut 0.3: positions 0, 1, 2 are inside (2 / 10 < 0.3), 3 is not
    # (the other cuts take everyone: nobody above their hi, everyone at least their lo)
    cuts = {"cut_best": 0.3, "cut_other": 1.0, "cut_general": 1.0}
    assert rates._bounds_safe([(10, 3, 3, 0, 10, 0, 10)], cuts)  # position 3 is the band
    assert rates._bounds_safe([(10, 2, 4, 0, 10, 0, 10)], cuts)  # positions 2, 3 are
    assert not rates._bounds_safe([(10, 4, 5, 0, 10, 0, 10)], cuts)  # position 3 above hi
    assert not rates._bounds_safe([(10, 0, 2, 0, 10, 0, 10)], cuts)  # position 2 below lo


def _random_ledger(seed, add_transactions, add_wallet, store, study):
    """Customers with round amounts (ties in every window, often across the cuts),
    returns, quarters that sum to nothing, wallet estimates of quarters, months and
    half-years, and former customers."""
    import random

    rng = random.Random(seed)
    ids = rng.sample([f"{p}{n}" for p in ("A", "b", "C-", "Z") for n in range(300)], 80)
    lines, estimates = [], []
    for cid in ids:
        level = rng.choice([100, 200, 300, 1000, 33.33])
        for year in (2023, 2024):
            for month in range(1, 13):
                if rng.random() < 0.35:
                    amount = level * rng.choice([1, 1, 2, 0.5])
                    lines.append((cid, date(year, month, rng.randint(1, 28)), amount))
                if rng.random() < 0.04:  # a return
                    lines.append((cid, date(year, month, 15), -level))
        if seed % 4 != 3 and rng.random() < 0.5:  # some ledgers have no estimates
            for year in (2023, 2024):
                for quarter in range(4):
                    if rng.random() < 0.8:
                        start = date(year, 3 * quarter + 1, 1)
                        end = date(year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
                        estimates.append((cid, start, end, rng.choice([500, 1000, 4000])))
            estimates.append((cid, date(2024, 2, 1), date(2024, 3, 1), 300))  # a month
            estimates.append((cid, date(2023, 1, 1), date(2023, 7, 1), 9000))  # a half-year
    add_transactions(lines)
    if estimates:
        add_wallet(estimates)
    for cid in rng.sample(ids, 3):
        detection.mark_former_customer(store, study, cid, "closed", actor="t")
    settings = {
        "window_months": rng.choice([3, 6, 12]),
        "drop_threshold": rng.choice([0.5, 0.34, 0.25, 0.123457]),
    }
    if seed % 2:
        settings.update(best_core_pct=0.15, other_core_pct=0.25, general_pct=0.35)
    return studies.update_study(store, study, actor="t", **settings)


def _both_ways(store, study, quarters, monkeypatch):
    """The rates and the movement by the arrays, then by WINDOWS and its SQL."""
    by_arrays = (
        rates.quarterly_rates(store, study, quarters),
        rates.movement(store, study, quarters),
    )
    rates.forget(store)
    monkeypatch.setattr(rates, "USE_ARRAYS", False)
    by_sql = rates.quarterly_rates(store, study, quarters), rates.movement(store, study, quarters)
    monkeypatch.setattr(rates, "USE_ARRAYS", True)
    rates.forget(store)
    return by_arrays, by_sql


def _rates_by_hand(lines, former, study, quarter):
    """The rates rule for one quarter in plain Python, for comparison: exact decimal
    sums, everyone sorted."""
    from decimal import Decimal

    k = study.window_months // 3
    q = rates.quarter_index(quarter)
    baseline, recent = {}, {}
    for cid, when, amount in lines:
        qi = when.year * 4 + (when.month - 1) // 3
        if cid in former or not q - 2 * k < qi <= q:
            continue
        into = baseline if qi <= q - k else recent
        into[cid] = into.get(cid, Decimal(0)) + Decimal(str(amount)).quantize(Decimal("0.01"))
    ranked = sorted((c for c, b in baseline.items() if b > 0), key=lambda c: (-baseline[c], c))
    keep = Decimal(str(round(1 - study.drop_threshold, 6)))
    cuts = rates._cuts(study)
    found = {}
    for position, cid in enumerate(ranked):
        share = position / len(ranked)
        segment = next(
            (s for s, c in zip(detection.SEGMENTS[:3], cuts.values(), strict=True) if share < c),
            "expendable",
        )
        now = recent.get(cid, Decimal(0))
        n, f, p, spend = found.get(segment, (0, 0, 0, Decimal(0)))
        found[segment] = (
            n + 1,
            f + (now <= 0),
            p + (0 < now <= keep * baseline[cid]),
            spend + baseline[cid],
        )
    return found


@pytest.mark.parametrize("seed", range(8))
def test_the_arrays_give_the_numbers_of_the_sql_and_of_the_rule(
    store, study, add_transactions, add_wallet, monkeypatch, seed
):
    import random

    study = _random_ledger(seed, add_transactions, add_wallet, store, study)
    quarters = rates.quarters_between("2023Q3", "2024Q4")
    (rates_a, moved_a), (rates_s, moved_s) = _both_ways(store, study, quarters, monkeypatch)
    assert rates_a.equals(rates_s) and moved_a.equals(moved_s)
    # the wallet estimates were used, where there are any
    assert (moved_a["by_share_of_wallet"].sum() > 0) == (seed % 4 != 3)
    with store.cursor() as cur:
        lines = cur.execute("SELECT customer_id, date, amount FROM transactions").fetchall()
        former = {r[0] for r in cur.execute("SELECT customer_id FROM former_customers").fetchall()}
    frame = rates_a.set_index(["quarter", "segment"])
    for quarter in random.Random(seed).sample(quarters, 3):
        for segment, (n, f, p, spend) in _rates_by_hand(lines, former, study, quarter).items():
            row = frame.loc[(quarter, segment)]
            assert (row["customers"], row["full"], row["partial"]) == (n, f, p)
            years = study.window_months / 12
            assert row["yearly_value"] == float(spend) / n / years


def test_the_arrays_step_aside_where_whole_cents_could_overflow(
    store, study, add_transactions, monkeypatch
):
    # ten lines of 10¹⁶ − 0.01 in one quarter: their sum does not fit in whole cents
    from decimal import Decimal

    big = Decimal("9999999999999999.99")
    add_transactions([(f"C{i}", "2024-02-01", big) for i in range(3)])
    add_transactions([("H", "2024-02-01", big)] * 10 + [("H", "2024-08-01", 5)])
    add_transactions([(f"S{i}", "2024-03-01", 100 + i) for i in range(20)])
    used = []
    real = rates._grid
    monkeypatch.setattr(rates, "_grid", lambda *a: used.append(real(*a)) or used[-1])
    (rates_a, moved_a), (rates_s, moved_s) = _both_ways(store, study, ["2024Q4"], monkeypatch)
    assert used == [None]  # the cast failed: WINDOWS gave the numbers
    assert rates_a.equals(rates_s) and moved_a.equals(moved_s)
    assert rates_a.set_index("segment").loc["all", "customers"] == 24


@pytest.mark.parametrize("case", ["2^53 cents", "keep × spend", "cells"])
def test_the_arrays_step_aside_where_they_could_not_be_exact(
    store, study, add_transactions, monkeypatch, case
):
    from decimal import Decimal

    rows = [(f"S{i}", "2024-03-01", 100 + i) for i in range(20)]
    rows += [(f"S{i}", "2024-08-01", 40 + i) for i in range(0, 20, 3)]
    if case == "2^53 cents":  # fits in whole cents, but not exactly in a double
        big = Decimal("9999999999999999.99")
        rows += [("B", "2024-02-01", big), ("B", "2024-05-01", big)]
    elif case == "keep × spend":  # 1 − d = 0.876543: baseline × 876543 would overflow
        rows += [("B", "2024-02-01", Decimal("100000000000.01")), ("B", "2024-08-01", 10**10)]
        study = studies.update_study(store, study, actor="t", drop_threshold=0.123457)
    else:
        monkeypatch.setattr(rates, "MAX_CELLS", 20)
    add_transactions(rows)
    seen = []
    grid, arrays = rates._grid, rates._standing_by_arrays
    monkeypatch.setattr(rates, "_grid", lambda *a: seen.append(("grid", grid(*a))) or seen[-1][1])
    monkeypatch.setattr(
        rates, "_standing_by_arrays", lambda *a: seen.append(("arrays", arrays(*a))) or seen[-1][1]
    )
    rates.quarterly_rates(store, study, ["2024Q4"])
    if case == "keep × spend":
        assert [(step, found is None) for step, found in seen] == [
            ("grid", False),
            ("arrays", True),
        ]
    else:
        assert seen == [("grid", None)]
    rates.forget(store)
    (rates_a, moved_a), (rates_s, moved_s) = _both_ways(store, study, ["2024Q4"], monkeypatch)
    assert rates_a.equals(rates_s) and moved_a.equals(moved_s)
    assert rates_a.set_index("segment").loc["all", "customers"] == (20 if case == "cells" else 21)


def test_whole_cents_become_the_doubles_duckdb_makes_of_the_decimals(store):
    # what the arrays rely on below 2⁵³ cents: the sum's cast, and a division of two
    import random
    from decimal import Decimal

    rng = random.Random(7)
    cents = [rng.randint(-(10**e), 10**e) for e in range(1, 16) for _ in range(200)]
    cents.append(rates.EXACT_CENTS - 1)
    with store.cursor() as cur:
        cur.execute("CREATE TEMP TABLE money (d DECIMAL(38, 2), w DECIMAL(38, 2))")
        cur.executemany(
            "INSERT INTO money VALUES (?, ?)",
            [[Decimal(c).scaleb(-2), Decimal(abs(c) + 1).scaleb(-2)] for c in cents],
        )
        found = cur.execute("SELECT CAST(d AS DOUBLE), d / w FROM money").fetchall()
    for c, (as_double, divided) in zip(cents, found, strict=True):
        assert as_double == c / 100.0
        assert divided == (c / 100.0) / ((abs(c) + 1) / 100.0)


def test_how_many_fall_inside_a_cut_is_what_ranking_everyone_gives():
    cuts = [0.0, 0.1, 0.15, 0.2, 0.25, 0.29, 0.3, 0.35, 0.7, 0.8, 0.85, 0.9, 1.0, 0.123456789]
    for n in range(1, 300):
        for cut in cuts:
            assert rates._taken(n, cut) == sum(p / n < cut for p in range(n)), (n, cut)
