"""The Analysis page: cause frequencies with their counts and intervals, and the filters
that every chart and table obeys."""

from __future__ import annotations

from datetime import date

import pytest

from research.analysis import causes
from tests.pages.sessions import chart_preloads, charts


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/analysis.py")


@pytest.fixture
def demo(app_store):
    from research.base.studies import get_study

    return get_study(app_store, "demo")


TABS = ("Causes", "Breakdowns", "Competitors", "In their words", "Quarter by quarter")
RATES = "Rates and worth"


def open_tab(page, label: str):
    """Only the open tab is drawn: open another as a click would (a rerun)."""
    page.session_state["analysis_tab"] = label
    page.run()
    assert not page.exception, [e.value for e in page.exception]
    return page


def _pareto(page):
    return charts(page)[0]["data"]


def test_causes_show_counts_shares_and_intervals(page, app_store, demo):
    table = causes.cause_table(app_store, causes.FindingsFilter((demo.id,)))
    assert table.n > 0
    bars, labels = _pareto(page)[:2]
    assert len(bars["y"]) == len(table.rows)
    first = table.rows[0]
    assert labels["text"][0].strip().startswith(f"{first.share.count} · ")
    shown = page.dataframe[0].value
    assert list(shown["findings"]) == [r.share.count for r in table.rows]
    assert shown["of"].eq(table.n).all()
    assert not page.exception


def test_a_filter_changes_every_count(page, app_store, demo):
    everyone = causes.cause_table(app_store, causes.FindingsFilter((demo.id,)))
    page.multiselect(key="analysis_segments").set_value(["best_core"]).run()
    best = causes.cause_table(app_store, causes.FindingsFilter((demo.id,), segments=("best_core",)))
    assert 0 < best.n < everyone.n
    assert page.dataframe[0].value["of"].eq(best.n).all()
    bars = _pareto(page)[0]
    assert sum(1 for _ in bars["y"]) == len(best.rows)


def test_group_view_and_chinese(page):
    page.radio(key="analysis_by").set_value("group").run()
    groups = set(page.dataframe[0].value.iloc[:, 0])
    assert groups <= {
        "Company-side (controllable)",
        "Competitor pull",
        "Customer-side (uncontrollable)",
    }
    assert "Company-side (controllable)" in groups
    page.session_state["app_language"] = "zh"
    page.run()
    assert page.title[0].value == "客户为何流失"
    assert "公司方面（可控）" in set(page.dataframe[0].value.iloc[:, 0])
    assert not page.exception


def test_no_findings_says_so(page):
    page.date_input(key="analysis_from").set_value(date(2030, 1, 1)).run()
    assert "No final interview records" in page.info[0].value


def test_rates_tab_shows_each_segment_per_quarter_and_the_worth_model(page, app_store, demo):
    from research.analysis import rates

    expected = rates.quarterly_rates(app_store, demo, rates.last_quarters(8, demo.as_of))
    assert not [d for d in page.dataframe if "rate" in d.value.columns]  # not open yet
    tables = [d.value for d in open_tab(page, RATES).dataframe]
    shown_rates = next(t for t in tables if "rate" in t.columns and "quarter" in t.columns)
    assert len(shown_rates) == len(expected) == 8 * 5
    assert list(shown_rates["customers"]) == list(expected["customers"])
    assert any("Spend kept" in " ".join(map(str, t.columns)) for t in tables)
    page.number_input(key="analysis_worth_cut").set_value(10).run()
    assert not page.exception
    assert [d.value for d in page.dataframe if "rate" in d.value.columns]  # still open


def test_only_the_open_tab_is_computed(page, monkeypatch):
    """The rates read the whole ledger: the other tabs never wait for them."""
    from research.analysis import rates

    asked = []
    real = rates.quarterly_rates
    monkeypatch.setattr(rates, "quarterly_rates", lambda *a, **k: asked.append(1) or real(*a, **k))
    for label in TABS:
        open_tab(page, label)
        assert page.get("tab")[TABS.index(label)].children  # the open one is drawn
        assert not page.get("tab")[-1].children and not asked
    open_tab(page, RATES)
    assert asked and page.get("tab")[-1].children


def _empty_looking(value) -> bool:
    import pandas as pd

    if isinstance(value, str):
        return value.strip() in ("None", "nan", "NaN", "NaT", "<NA>", "–")
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def test_empty_cells_are_empty_and_money_has_two_decimals(page):
    """The demo has verbatims without a competitor and quarters without a yearly spend:
    those cells are empty, never "None", "nan" or a dash; money is exact to the fen."""
    import re

    tables = [d.value for label in (*TABS, RATES) for d in open_tab(page, label).dataframe]
    money_columns = {"spend_lost", "yearly_value", "Yearly spend per customer", "Spend kept"}
    seen_blank = seen_money = 0
    for table in tables:
        for column in table.columns:
            values = list(table[column])
            shown_as_text = table[column].dtype == object or str(table[column].dtype) == "str"
            if shown_as_text:
                assert not [v for v in values if _empty_looking(v)], (column, values[:5])
                seen_blank += sum(v == "" for v in values)
            if column in money_columns:
                for value in values:
                    assert value == "" or re.fullmatch(r"-?CN¥[\d,]+\.\d\d", value), value
                    seen_money += value != ""
    assert seen_blank > 0 and seen_money > 0  # the demo has both, so the test looks at them


def test_table_downloads_hold_numbers_under_the_readers_headers(page, app_store, demo, monkeypatch):
    """The CSV and Excel files of the Causes, Competitors and Rates tables: money and
    shares as numbers a spreadsheet can sum (not the screen's "CN¥1,273,627.07"), every
    header in the reader's words."""
    from research.base import exports
    from research.base.i18n import Translator

    t = Translator("en")
    files = []
    real = exports.csv_bytes
    monkeypatch.setattr(exports, "csv_bytes", lambda frame: files.append(frame) or real(frame))
    page.run()
    causes_file = files[-1]
    table = causes.cause_table(app_store, causes.FindingsFilter((demo.id,))).frame()
    assert list(causes_file.columns) == [
        t("analysis.col.cause"),
        t("analysis.col.findings"),
        t("analysis.col.of"),
        t("analysis.col.share"),
        t("analysis.col.low"),
        t("analysis.col.high"),
        t("analysis.col.spend_lost"),
        t("analysis.col.spend_share"),
    ]
    spend = causes_file[t("analysis.col.spend_lost")]
    assert spend.dtype == float
    assert list(spend) == [round(float(v), 2) for v in table["spend_lost"]]
    shares = causes_file[t("analysis.col.share")]
    assert shares.dtype == float and shares.between(0, 1).all()
    assert list(shares) == [round(float(v), 4) for v in table["share"]]

    open_tab(page, "Competitors")
    competitors_file = files[-1]
    assert list(competitors_file.columns) == [
        t("analysis.col.competitor"),
        t("analysis.col.findings"),
        t("analysis.col.spend_lost"),
        t("analysis.col.causes"),
    ]
    assert competitors_file[t("analysis.col.spend_lost")].dtype == float

    open_tab(page, RATES)
    rates_file = files[-1]
    assert t("analysis.col.yearly_value") in rates_file.columns
    assert rates_file[t("analysis.col.rate")].dtype == float
    assert set(rates_file[t("field.segment")]) <= {
        t("common.total"),
        *map(t.segment, SEGMENT_CODES),
    }


SEGMENT_CODES = ("best_core", "other_core", "general", "expendable")


def test_the_rates_tab_says_how_its_rule_differs_from_the_studys_count(page):
    """Quarter-end rates judge a partial defection by spend, not share of wallet, and
    ignore the segment filter: the tab says so, so that a number unlike the Study
    page's is not a mystery."""
    open_tab(page, RATES)
    captions = " ".join(c.value for c in page.caption)
    assert "share of wallet is not used" in captions
    assert "value-segment filter above does not apply" in captions


def test_the_chart_bundle_is_asked_for_first_on_analysis_only(db_path):
    """Opened at its address, the Analysis page gets the bundle's loader from the frame
    before its own elements (screen/site.CHARTS_FIRST: a chart is its content); a page
    whose content is a table gets none (an early load would delay its table)."""
    from screen.chart import BUNDLE, BUNDLE_VERSION
    from tests.pages.sessions import signed_in

    def opened_at(page_file: str):
        at = signed_in()
        at.switch_page(page_file).run()  # a session's first run: the address's page
        assert not at.exception, [e.value for e in at.exception]
        return at

    analysis = opened_at("pages/analysis.py")
    assert analysis.title[0].value == "Why customers left"
    assert chart_preloads(analysis) == [f"/app/static/{BUNDLE}?v={BUNDLE_VERSION}"]
    first = next(iter(analysis.main.children.values()))
    assert first.type == "bidi_component"  # before the title and the filters
    assert first.proto.component_name == "defectors_chart_preload"
    for other in ("pages/defectors.py", "pages/study.py", "pages/review.py"):
        assert chart_preloads(opened_at(other)) == [], other
