"""Browsing the detection results in DuckDB (research/selection/browse.py) says exactly
what filtering them in pandas says (filters.ResultFilter.apply on detection.results): the
same customers, counts, spend and owners, one page at a time."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from research.base import exports, studies
from research.base.store import connect
from research.selection import browse, detection
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


def test_the_filters_above_each_narrow_the_demo_to_some_but_not_all(demo):
    """The comparisons above are about real rows: each filter but the first and the
    last keeps some customers and drops others."""
    _, _, frame = demo
    kept = [len(f.apply(frame)) for f in FILTERS]
    assert kept[0] == len(frame) and kept[-1] == 0
    assert all(0 < n < len(frame) for n in kept[1:-1]), kept
