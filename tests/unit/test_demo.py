"""The demo company: a working study at once, with every kind of defector in it."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from research.base import studies
from research.base.errors import ResearchError
from research.base.store import connect
from research.demo.build import DEMO_STUDY, build_demo
from research.demo.company import default_as_of, generate, write_files
from research.ledger.load import import_file, import_history, ledger_counts, prepare
from research.ledger.read import read_table
from research.selection import detection, sampling

AS_OF = date(2026, 11, 1)
N = 300
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def built(demo_template, copy_db, tmp_path_factory):
    """The demo built by `defectors demo --customers 300 --as-of 2026-11-01` (conftest)."""
    path = copy_db(demo_template[0], tmp_path_factory.mktemp("built") / "demo.duckdb")
    s = connect(path)
    study = studies.get_study(s, DEMO_STUDY)
    yield s, study, detection.results(s, study)
    s.close()


def test_the_demo_study_is_ready_to_use(built):
    s, study, frame = built
    assert study.name == DEMO_STUDY
    assert study.as_of == AS_OF and study.status == "screening"
    assert len(frame) == N and frame["customer_id"].is_unique
    assert not detection.is_stale(s, study)


def test_full_and_partial_defectors_in_every_segment(built):
    _, _, frame = built
    # as detected: the demo's call desk may since have found a few to be former customers
    for segment in detection.SEGMENTS:
        for status in ("full", "partial"):
            n = ((frame["segment"] == segment) & (frame["detected_status"] == status)).sum()
            assert n > 0, f"no {status} defectors in {segment}"


def test_every_other_status_occurs_too(built):
    _, _, frame = built
    assert {"active", "new", "inactive"} <= set(frame["status"])


def test_microscan_customers_bought_more_but_lost_share_of_wallet(built):
    _, _, frame = built
    share_based = frame[(frame["detected_status"] == "partial") & frame["baseline_share"].notna()]
    assert len(share_based) > 0
    grew = share_based[
        share_based["recent_spend"].astype(float) >= share_based["baseline_spend"].astype(float)
    ]
    assert len(grew) > 0, "no customer whose spend grew while their share fell"
    for row in grew.itertuples():
        assert row.recent_share <= (1 - 0.5) * row.baseline_share


def test_chinese_and_english_customer_names(built):
    _, _, frame = built
    names = frame["name"].dropna()
    assert len(names) == N
    chinese = names[names.str.contains(CJK)]
    english = names[names.str.fullmatch(r"[A-Za-z .]+")]
    assert len(chinese) > 0 and len(english) > 0
    assert len(chinese) + len(english) == N


def test_the_data_came_in_through_the_import(built):
    s, study, _ = built
    history = import_history(s, study).sort_values("kind")
    assert history["kind"].tolist() == ["customers", "transactions", "wallet"]
    assert (history["rows_new"] > 0).all()
    with s.cursor() as cur:
        # marked as the demo's own, so it is never taken for a company's data
        assert cur.execute("SELECT DISTINCT origin FROM imports").fetchall() == [("demo",)]
        customers = cur.execute(
            "SELECT count(*), count(phone), count(attributes) FROM customers"
        ).fetchall()[0]
        margins = cur.execute("SELECT count(*), count(margin) FROM transactions").fetchall()[0]
    assert customers == (N, N, N)  # the extra 签约年份 column is kept as an attribute
    assert margins[0] == margins[1] > 0


def test_a_target_list_is_drawn(built):
    s, study, frame = built
    targets = sampling.target_list(s, study)
    assert 0 < len(targets) <= study.target_sample_size
    # drawn from defectors; screening may since have found some to be former customers
    assert set(targets["status"]) <= {*detection.DEFECTOR_STATUSES, "former"}
    detected = frame.set_index("customer_id")["detected_status"]
    assert set(detected[targets["customer_id"]]) <= set(detection.DEFECTOR_STATUSES)
    assert "expendable" not in set(targets["segment"])


def test_build_demo_keeps_an_existing_demo_unless_asked(built):
    s = connect(":memory:")
    try:
        first = build_demo(s, actor="t", as_of=AS_OF, n_customers=40)
        again = build_demo(s, actor="t", as_of=date(2025, 1, 1), n_customers=40)
        assert again == first
        rebuilt = build_demo(s, actor="t", as_of=date(2025, 1, 1), n_customers=40, replace=True)
        assert rebuilt.id != first.id and rebuilt.as_of == date(2025, 1, 1)
        assert [x.name for x in studies.list_studies(s)] == ["demo"]
    finally:
        s.close()


def test_generation_is_reproducible():
    a = generate(AS_OF, n_customers=30)
    b = generate(AS_OF, n_customers=30)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_export_files_are_written_as_a_team_would_get_them(tmp_path):
    files = write_files(tmp_path, AS_OF, n_customers=30)
    customers = read_table(files.customers)
    transactions = read_table(files.transactions)
    wallet = read_table(files.wallet)
    assert customers.encoding == "gb18030"  # GBK from Excel
    assert files.transactions.read_bytes().startswith(b"\xef\xbb\xbf")
    assert transactions.encoding == "utf-8-sig"
    assert wallet.is_excel
    assert "客户编号" in customers.frame.columns and "客户编号" in wallet.frame.columns
    for kind, raw in (("customers", customers), ("transactions", transactions), ("wallet", wallet)):
        assert prepare(kind, raw).problems == []


def test_default_as_of_is_the_first_of_the_month():
    assert default_as_of(date(2026, 11, 23)) == date(2026, 11, 1)


def test_the_demo_is_never_built_beside_a_companys_data():
    s = connect(":memory:")
    try:
        import_file(
            s, "customers", b"customer_id,name\nREAL1,Real Co\n", actor="t", file_name="crm.csv"
        )
        with pytest.raises(ResearchError) as info:
            build_demo(s, actor="t", as_of=AS_OF, n_customers=20)
        assert info.value.key == "error.demo_beside_company_data"
        assert studies.list_studies(s) == []
        assert ledger_counts(s) == {"customers": 1, "transactions": 0, "wallet": 0}
    finally:
        s.close()


def test_a_rebuilt_demo_replaces_the_demo_companys_data():
    s = connect(":memory:")
    try:
        build_demo(s, actor="t", as_of=AS_OF, n_customers=40)
        build_demo(s, actor="t", as_of=date(2025, 1, 1), n_customers=30, replace=True)
        customers, tx, wallet = generate(date(2025, 1, 1), n_customers=30)
        assert ledger_counts(s) == {
            "customers": 30,
            "transactions": len(tx),
            "wallet": len(wallet),
        }
        assert len(import_history(s)) == 3  # the first build's imports are gone with its data
    finally:
        s.close()
