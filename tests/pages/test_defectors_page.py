"""The Defectors page: table and filters, counts, chart, target list."""

from __future__ import annotations

import pytest

from research.selection import detection, sampling


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/defectors.py")


@pytest.fixture
def demo(app_store):
    from research.base.studies import get_study

    return get_study(app_store, "demo")


def test_table_shows_defectors_by_default(page, app_store, demo):
    frame = detection.results(app_store, demo)
    defectors = frame[frame["status"].isin(["full", "partial"])]
    table = page.dataframe[0].value
    assert len(table) == len(defectors)
    assert set(table["status"]) == {"Full defector", "Partial defector"}
    assert {m.label: m.value for m in page.metric}["Customers shown"] == f"{len(defectors):,}"


def test_filters_narrow_the_table(page, app_store, demo):
    page.multiselect(key="defectors_segment").set_value(["best_core"]).run()
    table = page.dataframe[0].value
    frame = detection.results(app_store, demo)
    expected = frame[frame["status"].isin(["full", "partial"]) & (frame["segment"] == "best_core")]
    assert len(table) == len(expected) > 0
    assert set(table["segment"]) == {"Best core"}

    one = expected.iloc[0]
    page.text_input(key="defectors_search").input(one["customer_id"]).run()
    assert list(page.dataframe[0].value["customer_id"]) == [one["customer_id"]]


def test_counts_and_chart(page, app_store, demo):
    frame = detection.results(app_store, demo)
    counts = page.dataframe[1].value
    assert counts.loc["Full defector", "Total"] == (frame["status"] == "full").sum()
    assert counts.loc["Total", "Total"] == len(frame)
    charts = page.get("plotly_chart")
    assert len(charts) == 1
    assert "Spend lost per value segment" in charts[0].proto.spec


def test_target_list_draw_add_remove(page, app_store, demo):
    targets = page.dataframe[2].value
    assert len(targets) == demo.target_sample_size  # the demo drew its sample

    # removing needs a reason
    on_list = targets["customer_id"].tolist()
    page.selectbox(key="targets_remove_customer").set_value(on_list[0])
    page.button(key="FormSubmitter:targets_remove_form-Remove from the list").click().run()
    assert any("Say why" in e.value for e in page.error)

    page.selectbox(key="targets_remove_customer").set_value(on_list[0])
    page.text_input(key="targets_remove_reason").input("moved abroad, cannot be reached")
    page.button(key="FormSubmitter:targets_remove_form-Remove from the list").click().run()
    assert not page.exception
    current = sampling.target_list(app_store, demo, include_removed=True)
    removed = current[current["customer_id"] == on_list[0]].iloc[0]
    assert not removed["included"] and removed["reason"] == "moved abroad, cannot be reached"
    assert removed["updated_by"] == "page-tester"

    # adding one by hand
    frame = detection.results(app_store, demo)
    outsider = frame[
        frame["status"].isin(["full", "partial"]) & ~frame["customer_id"].isin(on_list)
    ].iloc[0]["customer_id"]
    page.selectbox(key="targets_add_customer").set_value(outsider)
    page.text_input(key="targets_add_reason").input("owner asked for it")
    page.button(key="FormSubmitter:targets_add_form-Add to the list").click().run()
    assert not page.exception
    listed = sampling.target_list(app_store, demo)
    assert outsider in set(listed["customer_id"])
    assert on_list[0] not in set(listed["customer_id"])

    # redrawing keeps both hand-made changes and tops the list up to the target size
    page.button(key="targets_draw").click().run()
    listed = sampling.target_list(app_store, demo)
    assert outsider in set(listed["customer_id"])
    assert on_list[0] not in set(listed["customer_id"])
    assert len(listed) == demo.target_sample_size


def test_page_in_chinese(app, open_page):
    app.sidebar.selectbox(key="app_lang_picker").set_value("zh").run()
    page = open_page(app, "pages/defectors.py")
    assert [t.value for t in page.title] == ["流失客户"]
    assert set(page.dataframe[0].value["status"]) == {"完全流失", "部分流失"}


def test_the_page_says_what_ranked_the_segments_and_how_far_wallets_reached(page):
    captions = " ".join(c.value for c in page.caption)
    # every demo order carries a margin, and the demo's monthly wallet estimates cover
    # both periods of its as-of date (the first of a month)
    assert "Value segments ranked by baseline margin" in captions
    assert "Partial defection judged on share of wallet for" in captions
    assert not page.warning


def test_the_page_warns_when_the_share_test_applied_to_nobody(app, app_store, demo, open_page):
    from datetime import date

    from research.base.studies import update_study

    update_study(app_store, demo, actor="tester", as_of=date(2026, 11, 15))  # mid-month
    page = open_page(app, "pages/defectors.py")
    assert any("the share-of-wallet test applied to nobody" in w.value for w in page.warning)
