"""The Analysis page in a real browser: a filter changes the charts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

pytestmark = __import__("pytest").mark.browser


def _bar_count(page) -> int:
    """Bars of the first chart (the causes), as Plotly drew them."""
    return page.evaluate(
        "document.querySelectorAll('.defectors-chart')[0]"
        ".querySelectorAll('.barlayer .point').length"
    )


def test_a_segment_filter_changes_the_charts(app_page, wait, shot):
    page = app_page
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Analysis").click()
    wait(page)
    title = page.locator(".gtitle").first
    expect(title).to_have_text(re.compile(r"failure causes in \d+ interviews"), timeout=30_000)
    before_title, before_bars = title.text_content(), _bar_count(page)
    n_before = int(re.search(r"in (\d+) interviews", before_title)[1])
    assert before_bars > 0
    shot(page, "all")

    page.get_by_label("Value segment").click()
    page.get_by_role("option", name="Best core").click()
    page.keyboard.press("Escape")
    wait(page)
    expect(title).not_to_have_text(before_title, timeout=30_000)
    n_after = int(re.search(r"in (\d+) interviews", title.text_content())[1])
    assert 0 < n_after < n_before
    assert page.locator("[data-testid=stException]").count() == 0
    shot(page, "best-core")


def test_the_rates_tab_is_drawn_when_opened(app_page, wait, server, shot):
    """Only the open tab is computed: opening the rates tab reruns the page and draws it."""
    page = app_page
    page.goto(f"{server['url']}/analysis?study=demo&lang=en")  # whichever study is current
    wait(page)
    rates = page.get_by_role("tabpanel", name="Rates and worth")
    expect(page.get_by_role("tab", name="Causes")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Rates and worth").click()
    wait(page)
    expect(rates.locator(".defectors-chart")).to_have_count(1, timeout=30_000)
    expect(rates.locator(".defectors-chart .scatterlayer .trace").first).to_be_attached()
    expect(rates.get_by_text("Share of wallet (or spend) quarter on quarter")).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    shot(page, "rates")
