"""The Defectors page: table and filters, counts, chart, target list.

The table is one page of rows, filtered, counted, sorted and paged in DuckDB
(research/selection/browse.py); the tests compare what the page shows with the same
question put to every result in pandas, page by page."""

from __future__ import annotations

import json

import pytest

from research.selection import detection, sampling
from tests.pages.sessions import SIGNED_IN_NAME, charts

PAGE_ROWS = 50


def defectors(frame):
    """The defectors (the page's default filter) in the table's first order."""
    shown = frame[frame["status"].isin(["full", "partial"])]
    return shown.sort_values(["spend_lost", "customer_id"], ascending=[False, True])


def metric(page, label: str) -> str:
    return {m.label: m.value for m in page.metric}[label]


def rows_caption(page) -> str:
    return next(c.value for c in page.caption if c.value.startswith("Rows "))


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/defectors.py")


@pytest.fixture
def demo(app_store):
    from research.base.studies import get_study

    return get_study(app_store, "demo")


def test_table_shows_the_first_page_of_defectors_and_how_many_there_are(page, app_store, demo):
    expected = defectors(detection.results(app_store, demo))
    assert len(expected) > PAGE_ROWS  # the demo's defectors fill more than one page
    table = page.dataframe[0].value
    assert table["customer_id"].tolist() == expected["customer_id"].tolist()[:PAGE_ROWS]
    assert set(table["status"]) == {"Full defector", "Partial defector"}
    assert metric(page, "Customers shown") == f"{len(expected):,}"
    pages = -(-len(expected) // PAGE_ROWS)
    assert rows_caption(page) == f"Rows 1–{PAGE_ROWS} of {len(expected)} (page 1 of {pages})"


def test_the_page_control_walks_through_every_row_once(page, app_store, demo):
    expected = defectors(detection.results(app_store, demo))["customer_id"].tolist()
    assert page.button(key="defectors_previous").disabled
    seen = page.dataframe[0].value["customer_id"].tolist()
    while not page.button(key="defectors_next").disabled:
        page.button(key="defectors_next").click().run()
        seen += page.dataframe[0].value["customer_id"].tolist()
    assert seen == expected
    pages = -(-len(expected) // PAGE_ROWS)
    last = (pages - 1) * PAGE_ROWS
    assert rows_caption(page) == (
        f"Rows {last + 1}–{len(expected)} of {len(expected)} (page {pages} of {pages})"
    )
    page.button(key="defectors_previous").click().run()
    shown = page.dataframe[0].value["customer_id"].tolist()
    assert shown == expected[last - PAGE_ROWS : last]
    # another filter starts again at its first page, with its own total
    page.multiselect(key="defectors_status_en").set_value(["full"]).run()
    full = defectors(detection.results(app_store, demo))
    full = full[full["status"] == "full"]
    assert page.dataframe[0].value["customer_id"].tolist() == full["customer_id"].tolist()
    assert rows_caption(page) == f"Rows 1–{len(full)} of {len(full)} (page 1 of 1)"
    assert page.button(key="defectors_next").disabled


def test_a_sort_orders_every_row_not_just_the_page_shown(page, app_store, demo):
    frame = defectors(detection.results(app_store, demo))
    page.selectbox(key="defectors_sort").set_value("days_silent").run()
    page.button_group(key="defectors_order").set_value("asc").run()
    expected = frame.sort_values(["days_silent", "customer_id"], na_position="last")
    assert (
        page.dataframe[0].value["customer_id"].tolist()
        == (expected["customer_id"].tolist()[:PAGE_ROWS])
    )
    page.button(key="defectors_next").click().run()
    assert (
        page.dataframe[0].value["customer_id"].tolist()
        == (expected["customer_id"].tolist()[PAGE_ROWS : 2 * PAGE_ROWS])
    )
    page.selectbox(key="defectors_sort").set_value("name").run()  # back to the first page
    assert rows_caption(page).startswith("Rows 1–")
    names = page.dataframe[0].value["name"].tolist()
    assert names == sorted(frame["name"].fillna(""))[:PAGE_ROWS]


def test_filters_narrow_the_table(page, app_store, demo):
    page.multiselect(key="defectors_segment_en").set_value(["best_core"]).run()
    table = page.dataframe[0].value
    frame = detection.results(app_store, demo)
    expected = defectors(frame)
    expected = expected[expected["segment"] == "best_core"]
    assert 0 < len(expected) <= PAGE_ROWS
    assert table["customer_id"].tolist() == expected["customer_id"].tolist()
    assert set(table["segment"]) == {"Best core"}
    assert metric(page, "Customers shown") == str(len(expected))

    one = expected.iloc[0]
    page.text_input(key="defectors_search").input(one["customer_id"]).run()
    assert list(page.dataframe[0].value["customer_id"]) == [one["customer_id"]]


def test_counts_and_chart(page, app_store, demo):
    frame = detection.results(app_store, demo)
    counts = page.dataframe[1].value
    assert counts.loc["Full defector", "Total"] == (frame["status"] == "full").sum()
    # the counts are of the customers the filters show: by default the defectors
    assert counts.loc["Total", "Total"] == frame["status"].isin(["full", "partial"]).sum()
    page.multiselect(key="defectors_status_en").set_value(list(detection.STATUSES)).run()
    assert page.dataframe[1].value.loc["Total", "Total"] == len(frame)
    drawn = charts(page)
    assert len(drawn) == 1
    assert "Spend lost per value segment" in drawn[0]["layout"]["title"]["text"]


def booked_or_recorded(store, study) -> set[str]:
    """Targets with an interview (booked, held or missed) or an interview record."""
    with store.cursor() as cur:
        rows = cur.execute(
            "SELECT customer_id FROM interviews WHERE study_id = ? AND status <> 'cancelled'"
            " UNION SELECT customer_id FROM findings WHERE study_id = ?",
            [study.id, study.id],
        ).fetchall()
    return {r[0] for r in rows}


def test_target_list_draw_add_remove(page, app_store, demo):
    targets = page.dataframe[2].value
    assert len(targets) == demo.target_sample_size  # the demo drew its sample

    # removing needs a reason (a target with an interview needs more: see below)
    busy = booked_or_recorded(app_store, demo)
    on_list = [c for c in targets["customer_id"] if c not in busy]
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
    assert removed["updated_by"] == SIGNED_IN_NAME
    # shown under "Removed by hand" with the reader's words for its columns
    shown = page.dataframe[-1].value
    assert list(shown.columns) == ["Customer ID", "Name", "Reason", "Changed by", "Last changed"]
    assert "moved abroad, cannot be reached" in set(shown["Reason"])

    # adding one by hand: found by its id in the store, not picked from every defector
    frame = detection.results(app_store, demo)
    outsider = frame[
        frame["status"].isin(["full", "partial"])
        & ~frame["customer_id"].isin(targets["customer_id"])
    ].iloc[0]["customer_id"]
    assert page.selectbox(key="targets_add_customer").options == []
    page.text_input(key="targets_add_find").input(outsider.lower()).run()
    assert page.selectbox(key="targets_add_customer").value == outsider  # the one match
    page.selectbox(key="targets_add_customer").set_value(outsider)
    page.text_input(key="targets_add_reason").input("owner asked for it")
    page.button(key="FormSubmitter:targets_add_form-Add to the list").click().run()
    assert not page.exception
    listed = sampling.target_list(app_store, demo)
    assert outsider in set(listed["customer_id"])
    assert on_list[0] not in set(listed["customer_id"])
    assert page.text_input(key="targets_add_find").value == ""  # the form starts empty
    page.text_input(key="targets_add_find").input(outsider).run()
    assert page.selectbox(key="targets_add_customer").options == []  # on the list now
    assert any("No defector off the list matches" in x for x in _placeholders(page))

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


def test_removing_an_interviewed_target_shows_what_hangs_on_it_and_asks(page, app_store, demo):
    from research.desk import scheduling

    ahead = [
        i
        for i in scheduling.list_interviews(app_store, demo, statuses=("booked",))
        if i.starts_at_utc > scheduling.utcnow()
    ][0]
    page.selectbox(key="targets_remove_customer").set_value(ahead.customer_id)
    page.text_input(key="targets_remove_reason").input("not a real defector")
    page.button(key="FormSubmitter:targets_remove_form-Remove from the list").click().run()
    assert not page.exception
    assert any("Work hangs on this target" in w.value for w in page.warning)
    listing = " ".join(x.value for x in page.text)
    assert ahead.manager_name in listing and "call attempts" in listing
    assert ahead.customer_id in set(sampling.target_list(app_store, demo)["customer_id"])

    page.button(key="targets_remove_keep").click().run()  # changed their mind
    assert not page.warning and scheduling.get_interview(app_store, ahead.id).status == "booked"

    page.selectbox(key="targets_remove_customer").set_value(ahead.customer_id)
    page.text_input(key="targets_remove_reason").input("not a real defector")
    page.button(key="FormSubmitter:targets_remove_form-Remove from the list").click().run()
    page.button(key="targets_remove_confirm").click().run()
    assert not page.exception
    assert ahead.customer_id not in set(sampling.target_list(app_store, demo)["customer_id"])
    assert scheduling.get_interview(app_store, ahead.id).status == "cancelled"
    assert any("Future bookings cancelled: 1." in x.value for x in page.success)


def test_a_redraw_with_a_new_seed_keeps_the_work_and_says_so(page, app_store, demo):
    from research.base import studies
    from research.desk import calls

    worked = set(calls.attempts(app_store, demo)["customer_id"]) & set(
        sampling.target_list(app_store, demo)["customer_id"]
    )
    studies.update_study(app_store, demo, actor="page-tester", sample_seed=99)
    page.button(key="targets_draw").click().run()
    assert not page.exception
    after = set(sampling.target_list(app_store, demo)["customer_id"])
    assert worked <= after
    said = " ".join(x.value for x in page.success)
    assert f"Drawn targets kept because work was done on them: {len(worked)} (" in said
    kept_table = next(d.value for d in page.dataframe if "Why" in d.value.columns)
    assert set(kept_table["Customer ID"]) == worked  # what the draw kept, and why
    assert calls.call_state(app_store, demo)["interviewer_id"].notna().all()


def test_filters_apply_to_the_counts_and_the_chart(page, app_store, demo):
    frame = detection.results(app_store, demo)
    chart_before = charts(page)[0]
    page.multiselect(key="defectors_segment_en").set_value(["best_core"]).run()
    expected = frame[frame["status"].isin(["full", "partial"]) & (frame["segment"] == "best_core")]
    counts = page.dataframe[1].value
    assert counts.loc["Total", "Total"] == len(expected) > 0
    assert list(counts.columns) == ["Best core", "Total"]
    assert counts.loc["Full defector", "Total"] == (expected["status"] == "full").sum()
    chart_after = charts(page)[0]
    assert chart_after != chart_before

    def spend_drawn(figure: dict) -> float:
        return sum(float(v or 0) for trace in figure["data"] for v in trace["y"])

    shown_spend = expected["spend_lost"].astype(float).sum()
    assert spend_drawn(chart_after) == pytest.approx(shown_spend, rel=1e-6)
    assert spend_drawn(chart_before) > spend_drawn(chart_after)
    # a filter that matches nobody says so instead of drawing an empty chart
    page.text_input(key="defectors_search").input("no such customer anywhere").run()
    assert not page.exception
    assert any("No customers match the filters" in i.value for i in page.info)
    assert not charts(page)


def test_the_status_chips_are_in_the_readers_language(app, open_page):
    app.sidebar.selectbox(key="app_lang_picker").set_value("zh").run()
    page = open_page(app, "pages/defectors.py")
    box = page.multiselect(key="defectors_status_zh")
    assert box.value == ["full", "partial"]
    assert "完全流失" in box.options and "部分流失" in box.options
    assert not any(o in box.options for o in ("full", "partial", "Full defector"))
    assert all(o in box.options for o in ("完全流失", "部分流失"))
    chips = [o for o in box.options if any("a" <= ch.lower() <= "z" for ch in o)]
    assert chips == [], chips


def test_the_target_list_shows_each_targets_call_and_booking_state(page, app_store, demo):
    from research.desk import calls

    state = calls.call_state(app_store, demo).set_index("customer_id")
    targets = page.dataframe[2].value.set_index("customer_id")
    assert {"calls", "booking"} <= set(targets.columns)
    never = state[state["attempts"] == 0].index
    tried = state[state["attempts"] > 0].index
    held = state[state["interviewed"]].index
    upcoming = state[state["upcoming"] & ~state["interviewed"]].index
    assert len(never) and len(tried) and len(held)
    assert set(targets.loc[never, "calls"]) == {"never tried"}
    one = tried[0]
    assert targets.loc[one, "calls"].startswith(f"tried {state.loc[one, 'attempts']}×")
    assert set(targets.loc[held, "booking"]) == {"interview held"}
    for cid in upcoming:
        assert targets.loc[cid, "booking"].startswith("booked for ")
    # empty cells are empty, not "None"
    assert not (targets.astype(str) == "None").any().any()


def test_the_filter_choice_carries_over_a_language_switch_in_its_own_words(
    app, open_page, app_store, demo
):
    page = open_page(app, "pages/defectors.py")
    page.multiselect(key="defectors_status_en").set_value(["full"]).run()
    page.multiselect(key="defectors_segment_en").set_value(["best_core"]).run()
    page.session_state["app_language"] = "zh"  # as the sidebar's language picker does
    page.run()
    status = page.multiselect(key="defectors_status_zh")
    assert status.value == ["full"]
    assert "完全流失" in status.options and "Full defector" not in status.options
    assert page.multiselect(key="defectors_segment_zh").value == ["best_core"]
    frame = detection.results(app_store, demo)
    expected = frame[(frame["status"] == "full") & (frame["segment"] == "best_core")]
    assert len(page.dataframe[0].value) == len(expected) > 0
    assert set(page.dataframe[0].value["status"]) == {"完全流失"}


def _placeholders(page) -> list[str]:
    return [box.proto.placeholder for box in page.selectbox]


def test_adding_by_hand_finds_defectors_by_part_of_a_name(page, app_store, demo):
    frame = detection.results(app_store, demo)
    listed = set(sampling.target_list(app_store, demo)["customer_id"])
    addable = frame[frame["status"].isin(["full", "partial"]) & ~frame["customer_id"].isin(listed)]
    word = "医院"  # part of many Chinese hospital names
    expected = addable[addable["name"].fillna("").str.contains(word)]
    assert 1 < len(expected) <= 20
    page.text_input(key="targets_add_find").input(word).run()
    box = page.selectbox(key="targets_add_customer")
    assert set(box.options) == {
        f"{cid} {name}" for cid, name in zip(expected["customer_id"], expected["name"], strict=True)
    }
    assert box.value is None  # several: the person picks one
    assert f"{len(expected)} matches: pick one" in _placeholders(page)
    page.text_input(key="targets_add_find").input("C1").run()  # every id: the first 20
    assert len(page.selectbox(key="targets_add_customer").options) == 20
    assert any("Showing the first 20 matches" in c.value for c in page.caption)


def test_a_new_import_changes_the_counts_the_page_kept(page, app_store, demo):
    """The counts and rows are kept per version of the data: a second run reads them
    from memory, and an import (with the detection run it causes) makes the page read
    the store again."""
    from research.ledger.load import import_file

    frame = detection.results(app_store, demo)
    before = defectors(frame)
    shown_before = metric(page, "Customers shown")
    full_before = metric(page, "Full defectors")
    assert shown_before == str(len(before))
    page.run()  # nothing changed: the same numbers, kept
    assert metric(page, "Customers shown") == shown_before
    # the biggest full defector bought again in the recent period: active now
    back = before[before["status"] == "full"].iloc[0]["customer_id"]
    lines = f"customer_id,date,amount\n{back},2026-10-20,5000000\n"
    import_file(app_store, "transactions", lines.encode(), actor="tester", file_name="late.csv")
    page.run()
    assert not page.exception
    assert metric(page, "Customers shown") == str(len(before) - 1)
    assert metric(page, "Full defectors") == str(int(full_before) - 1)
    assert back not in page.dataframe[0].value["customer_id"].tolist()
    counts = page.dataframe[1].value
    assert counts.loc["Total", "Total"] == len(before) - 1


def test_the_page_never_reads_every_result(app, open_page, monkeypatch):
    """At a million customers a full read of the results costs seconds and a gigabyte:
    showing, filtering, paging, searching, drawing and adding must do without one."""
    from research.selection import filters

    def refuse(*args, **kwargs):
        raise AssertionError("read every detection result")

    monkeypatch.setattr(detection, "results", refuse)
    monkeypatch.setattr(sampling, "results", refuse, raising=False)  # were it imported there
    monkeypatch.setattr(filters.ResultFilter, "apply", refuse)
    page = open_page(app, "pages/defectors.py")
    page.button(key="defectors_next").click().run()
    page.multiselect(key="defectors_segment_en").set_value(["general"]).run()
    page.selectbox(key="defectors_sort").set_value("name").run()
    page.text_input(key="defectors_search").input("c10").run()
    page.text_input(key="targets_add_find").input("c10").run()
    page.button(key="targets_draw").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert page.dataframe[0].value["customer_id"].str.contains("C10").all()
    assert any("defectors drawn" in s.value for s in page.success)


def test_money_columns_are_wide_enough_for_millions(page):
    """The grid sizes a column by its first rows: a hand-added target of 1,132,563.61
    above smaller ones was shown as ",132,563.61". Money columns have a set width."""

    results, _, targets = page.dataframe[:3]
    for grid in (results, targets):
        config = json.loads(grid.proto.columns)
        assert config["spend_lost"]["width"] == "medium", config["spend_lost"]
