"""The Reports page: pick a report, see its key numbers, download the HTML."""

from __future__ import annotations

import pytest

from research.analysis import causes
from research.reports import data as report_data


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/reports.py")


@pytest.fixture
def demo(app_store):
    from research.base.studies import get_study

    return get_study(app_store, "demo")


def _downloads(page):
    return {d.proto.label: d for d in page.get("download_button")}


def test_postmortem_key_numbers_and_html_download(page, app_store, demo):
    table = causes.cause_table(app_store, causes.FindingsFilter((demo.id,)))
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Interviews held (final records)"] == str(table.n)
    assert "Download HTML" in _downloads(page)
    assert "Download PDF" not in _downloads(page)  # made only when asked for
    assert page.button(key="reports_make_pdf").label == "Make the PDF"


def test_the_html_is_made_only_for_the_preview_or_the_download(page, monkeypatch):
    """Drawing the page sends the key numbers, not the whole report (megabytes at
    10,000 interviews): the HTML is rendered for the preview, or when downloaded."""
    from research.reports import render

    made = []
    real = render.render_html
    monkeypatch.setattr(render, "render_html", lambda data: made.append(1) or real(data))
    page.run()
    assert not made and "Download HTML" in _downloads(page)
    page.toggle(key="reports_preview").set_value(True).run()
    assert made and page.get("iframe")


def test_quarterly_pack_offers_the_quarters_with_interviews(page, app_store):
    page.selectbox(key="reports_kind").set_value("quarterly").run()
    assert not page.exception
    quarters = report_data.report_quarters(app_store)
    assert page.selectbox(key="reports_quarter").options == quarters
    data = report_data.quarterly_data(app_store, quarters[0], "en", _everyone())
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Interviews held (final records)"] == str(data.causes.n)


def test_checkpoint_in_chinese_with_preview(page, app_store, demo):
    page.selectbox(key="reports_kind").set_value("checkpoint").run()
    page.selectbox(key="reports_lang").set_value("zh").run()
    page.toggle(key="reports_preview").set_value(True).run()
    assert not page.exception
    from research.analysis import checkpoint

    state = checkpoint.checkpoint(app_store, demo)
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Interviews held (final records)"] == str(
        state.held
    )  # the page speaks the reader's language
    frames = page.get("iframe")
    assert frames and "中期检查评审" in frames[0].proto.srcdoc


def _everyone():
    from research.reports.audience import audience_for

    return audience_for("page-tester")


def test_the_preview_uses_no_deprecated_streamlit_call(page, monkeypatch):
    """The server log stays clean: st.components.v1.html logged a deprecation warning on
    every preview."""
    from streamlit import deprecation_util

    warned = []
    monkeypatch.setattr(
        deprecation_util,
        "show_deprecation_warning",
        lambda message, *a, **k: warned.append(message),
    )
    page.toggle(key="reports_preview").set_value(True).run()
    assert not page.exception
    assert page.get("iframe")
    assert warned == []
