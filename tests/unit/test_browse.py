"""Browsing the detection results in DuckDB (research/selection/browse.py) says exactly
what filtering them in pandas says (filters.ResultFilter.apply on detection.results): the
same customers, counts, spend and owners, one page at a time; the answers are kept per
version of the data, and a change to what they read makes them be read again."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from research.base import exports, studies
from research.base.store import connect
from research.selection import browse, detection, sampling
from research.selection.filters import NO_SEGMENT, ResultFilter, owners


@pytest.fixture(scope="module")
def demo(demo_template, tmp_path_factory):
    from tests.conftest import _copy_db

    path = _copy_db(demo_template[0], tmp_path_factory.mktemp("browse") / "demo.duckdb")
    store = connect(path)
    study = studies.get_study(store, "demo")
    # a former customer, so that the shown status and the detected one differ
    some = detection.results(store, study)
    former = some.loc[some["status"] == "full", "customer_id"].iloc[0]
    detection.mark_former_customer(store, study, former, "left the category", actor="t")
    yield store, study, detection.results(store, study)
    store.close()


def _owner(frame: pd.DataFrame) -> str:
    return owners(frame)[0]


FILTERS = [
    ResultFilter(),
    ResultFilter(statuses=("full", "partial")),
    ResultFilter(statuses=("former",)),
    ResultFilter(segments=("best_core", NO_SEGMENT)),
    ResultFilter(statuses=("full", "partial"), long_silence_only=True),
    ResultFilter(search="c101"),  # part of an id, in any case
    ResultFilter(search="  LAB "),  # part of a name, spaces around
    ResultFilter(search="nobody has this"),
]


@pytest.mark.parametrize("filt", FILTERS, ids=lambda f: repr(f)[13:60])
def test_a_filter_shows_the_same_customers_in_duckdb_as_in_pandas(demo, filt):
    store, study, frame = demo
    expected = filt.apply(frame).sort_values(["spend_lost", "customer_id"], ascending=[False, True])
    got = browse.page(store, study, filt, limit=10_000)
    assert got.total == len(expected)
    assert got.rows["customer_id"].tolist() == expected["customer_id"].tolist()
    assert got.rows["status"].tolist() == expected["status"].tolist()
    summary = browse.summary(store, study, filt)
    assert summary.customers == len(expected)
    assert summary.of_status("full") == (expected["status"] == "full").sum()
    assert summary.spend_lost == pytest.approx(expected["spend_lost"].astype(float).sum())
    if len(expected):
        pandas_table = detection.counts_by_status_segment(expected)
        columns, rows = summary.table()
        assert columns == list(pandas_table.columns)
        assert [r[0] for r in rows] == list(pandas_table.index)
        assert [r[1] for r in rows] == pandas_table.values.tolist()
        by_segment = detection.spend_lost_by_segment(expected)
        assert [
            (s, st, round(v, 2), n) for s, st, v, n in summary.defectors_spend_by_segment()
        ] == [(str(r.segment), r.status, round(r.sum, 2), r.count) for r in by_segment.itertuples()]


def test_an_owner_filter_and_the_owners_to_choose_from(demo):
    store, study, frame = demo
    assert browse.owners(store, study) == owners(frame)
    filt = ResultFilter(owners=(_owner(frame),))
    assert browse.page(store, study, filt, limit=10_000).total == len(filt.apply(frame))


def test_pages_cover_every_customer_once_in_order(demo):
    store, study, frame = demo
    filt = ResultFilter(statuses=("full", "partial"))
    expected = filt.apply(frame)
    for sort, descending in itertools.product(("spend_lost", "name", "days_silent"), (True, False)):
        seen = []
        first = browse.page(store, study, filt, sort=sort, descending=descending, limit=17)
        assert first.pages == -(-len(expected) // 17)
        for n in range(first.pages):
            part = browse.page(
                store, study, filt, sort=sort, descending=descending, offset=17 * n, limit=17
            )
            assert len(part.rows) <= 17 and part.total == len(expected)
            seen += part.rows["customer_id"].tolist()
        assert sorted(seen) == sorted(expected["customer_id"]) and len(set(seen)) == len(seen)
        values = expected.set_index("customer_id").loc[seen, sort]
        present = values.dropna()
        assert present.is_monotonic_decreasing if descending else present.is_monotonic_increasing
        assert values.isna().sum() == 0 or values.iloc[-values.isna().sum() :].isna().all()
    with pytest.raises(ValueError):
        browse.page(store, study, filt, sort="phone; DROP TABLE customers")


def test_a_download_gets_every_matching_row_neutralised(demo, tmp_path):
    store, study, frame = demo
    filt = ResultFilter(statuses=("full",))
    path = tmp_path / "full.csv"
    with store.cursor() as cur:
        exports.copy_csv(browse.matching(cur, study, filt), path)
    written = pd.read_csv(path, encoding="utf-8-sig", dtype={"customer_id": str})
    assert written["customer_id"].tolist() == filt.apply(frame)["customer_id"].tolist()
    assert list(written.columns) == list(frame.columns)  # every column the results have


def test_the_page_downloads_are_every_matching_row_in_the_order_chosen(demo):
    import io

    store, study, frame = demo
    filt = ResultFilter(statuses=("full", "partial"))
    expected = filt.apply(frame).sort_values(["days_silent", "customer_id"], na_position="last")
    data = browse.csv_file(store, study, filt, sort="days_silent", descending=False)
    assert data.startswith(exports.BOM.encode())
    written = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"customer_id": str})
    assert written["customer_id"].tolist() == expected["customer_id"].tolist()
    assert len(written) > 50  # more than a page
    book = pd.read_excel(
        io.BytesIO(browse.xlsx_file(store, study, filt)),
        dtype={"customer_id": str},
        engine="openpyxl",
    )
    first_order = filt.apply(frame)  # the table's first order: spend lost, then id
    assert book["customer_id"].tolist() == first_order["customer_id"].tolist()


def test_the_filters_above_each_narrow_the_demo_to_some_but_not_all(demo):
    """The comparisons above are about real rows: each filter but the first and the
    last keeps some customers and drops others."""
    _, _, frame = demo
    kept = [len(f.apply(frame)) for f in FILTERS]
    assert kept[0] == len(frame) and kept[-1] == 0
    assert all(0 < n < len(frame) for n in kept[1:-1]), kept


@pytest.fixture
def private(demo_template, tmp_path):
    """A store of one's own, to change."""
    from tests.conftest import _copy_db

    store = connect(_copy_db(demo_template[0], tmp_path / "demo.duckdb"))
    yield store, studies.get_study(store, "demo")
    store.close()


def test_a_search_takes_percent_and_underscore_literally(private):
    store, study = private
    frame = detection.results(store, study)
    one, two = frame["customer_id"].iloc[:2]
    store.write(
        lambda cur: cur.executemany(
            "UPDATE customers SET name = ? WHERE customer_id = ?",
            [["50%_OFF Lab", one], ["a\\b clinic", two]],
        )
    )
    frame = detection.results(store, study)
    for search in ("%_off", "50%", "_", "%", "a\\b", "\\"):
        filt = ResultFilter(search=search)
        expected = filt.apply(frame)["customer_id"].tolist()
        assert expected, search  # each finds the renamed customers, not everyone
        assert len(expected) < len(frame)
        got = browse.page(store, study, filt, limit=10_000)
        assert got.rows["customer_id"].tolist() == expected, search


def test_answers_are_kept_until_what_they_read_changes(private):
    """A second question reads nothing (the same answer comes back); a former-customer
    mark, a customer's new name and a detection run each make the next question read the
    store; a call logged, which the results do not depend on, does not."""
    from research.desk import calls

    store, study = private
    filt = ResultFilter(statuses=("full", "partial"))
    first = browse.summary(store, study, filt)
    rows = browse.page(store, study, filt)
    assert browse.summary(store, study, filt) is first
    assert browse.page(store, study, filt) is rows
    assert browse.owners(store, study) == browse.owners(store, study)

    target = sampling.target_list(store, study)["customer_id"].iloc[0]
    calls.log_attempt(store, study, target, "no_answer", actor="tester")
    assert browse.summary(store, study, filt) is first

    gone = rows.rows["customer_id"].iloc[0]
    detection.mark_former_customer(store, study, gone, "closed down", actor="tester")
    marked = browse.summary(store, study, filt)
    assert marked.customers == first.customers - 1
    assert gone not in browse.page(store, study, filt).rows["customer_id"].tolist()

    store.write(
        lambda cur: cur.execute(
            "UPDATE customers SET name = ?, updated_at = now() WHERE customer_id = ?",
            ["Renamed Holdings", rows.rows["customer_id"].iloc[1]],
        )
    )
    assert browse.page(store, study, filt).rows["name"].iloc[0] == "Renamed Holdings"
    assert browse.summary(store, study, ResultFilter(search="renamed holdings")).customers == 1

    detection.unmark_former_customer(store, study, gone, actor="tester")
    assert browse.summary(store, study, filt) == first
    detection.run_detection(store, study, actor="tester")
    again = browse.summary(store, study, filt)
    assert again is not first and again == first


def test_a_new_import_and_its_detection_run_change_the_kept_counts(private):
    from research.ledger.load import import_file

    store, study = private
    filt = ResultFilter(statuses=("full",))
    before = browse.summary(store, study, filt)
    back = browse.page(store, study, filt).rows["customer_id"].iloc[0]
    recent = detection.periods(study.as_of, study.window_months).recent_start
    lines = f"customer_id,date,amount\n{back},{recent.isoformat()},9000000\n"
    import_file(store, "transactions", lines.encode(), actor="tester", file_name="late.csv")
    assert detection.ensure_current(store, study, actor="tester")
    after = browse.summary(store, study, filt)
    assert after.customers == before.customers - 1
    fresh = filt.apply(detection.results(store, study))
    assert after.customers == len(fresh) and back not in set(fresh["customer_id"])
    assert browse.page(store, study, filt, limit=10_000).rows["customer_id"].tolist() == (
        fresh["customer_id"].tolist()
    )


@pytest.mark.parametrize("search", ["c10", "C1002", "医院", "  LAB ", "nobody has this", "%"])
def test_finding_a_customer_to_add_by_hand_agrees_with_the_full_list(demo, search):
    store, study, frame = demo
    targets = sampling.target_list(store, study, include_removed=True)
    with store.cursor() as cur:
        never = {r[0] for r in cur.execute(sampling.DO_NOT_CALL, [study.id]).fetchall()}
    assert never  # the demo has people who asked never to be called again
    everyone = set(sampling.addable(frame, targets)) - never
    expected = set(ResultFilter(search=search).apply(frame)["customer_id"]) & everyone
    found = sampling.find_addable(store, study, search, limit=10_000)
    assert set(found) == expected
    names = dict(zip(frame["customer_id"], frame["name"].fillna(""), strict=True))
    assert found == {cid: names[cid] for cid in found}
    few = sampling.find_addable(store, study, search, limit=3)
    assert list(few) == list(found)[:3]


def test_finding_puts_the_id_itself_first_and_never_lists_targets_or_former(private):
    store, study = private
    frame = detection.results(store, study)
    with store.cursor() as cur:
        never = {r[0] for r in cur.execute(sampling.DO_NOT_CALL, [study.id]).fetchall()}
    addable = [
        c for c in sampling.addable(frame, sampling.target_list(store, study)) if c not in never
    ]
    wanted, bigger = addable[-1], addable[0]  # by spend lost: the least and the most
    store.write(
        lambda cur: cur.execute(
            "UPDATE customers SET name = ? WHERE customer_id = ?", [f"ex-{wanted} group", bigger]
        )
    )
    found = list(sampling.find_addable(store, study, wanted.lower()))
    assert found == [wanted, bigger]  # the id itself first, then by spend lost
    on_list = sampling.target_list(store, study)["customer_id"].iloc[0]
    assert on_list not in sampling.find_addable(store, study, on_list)
    former = frame.loc[frame["status"] == "former", "customer_id"].iloc[0]
    assert former not in sampling.find_addable(store, study, former)
    assert sampling.find_addable(store, study, "   ") == {}
