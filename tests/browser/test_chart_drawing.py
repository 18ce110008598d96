"""Charts in a real browser, drawn by the finance bundle the app serves (screen/chart.py):
every kind the app shows is drawn, the first chart does not wait for the others, and a
chart follows its column's width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_funnel_and_the_bars_are_drawn_and_follow_the_width(app_page, wait, server):
    page = app_page
    page.goto(f"{server['url']}/study?study=demo&lang=en")
    wait(page)
    funnel = page.locator(".defectors-chart").first
    expect(funnel.locator(".funnellayer .point").first).to_be_attached(timeout=30_000)
    assert page.evaluate("window.Plotly.version").startswith("4.")
    # the bundle came from the app's static folder, once, as JavaScript
    loaded = page.evaluate(
        "performance.getEntriesByType('resource').filter(r => r.name.includes("
        "'/app/static/plotly-finance.min.js')).length"
    )
    assert loaded == 1
    wide = funnel.bounding_box()["width"]
    page.set_viewport_size({"width": 900, "height": 1000})
    page.wait_for_function(  # a narrower window: the chart is drawn anew to fit
        "document.querySelector('.defectors-chart .main-svg').getBoundingClientRect().width"
        f" < {wide - 200}",
        timeout=10_000,
    )

    title_top = page.locator("h1").first.bounding_box()["y"]
    page.goto(f"{server['url']}/analysis?study=demo&lang=en")
    wait(page)
    # the frame's early loader of the bundle (screen/chart.preload) shows nothing and
    # takes no room: the title stands where it stands on every page
    expect(page.locator(".defectors-chart-preload")).to_be_attached()
    assert page.locator(".stElementContainer:has(.defectors-chart-preload)").bounding_box() is None
    assert page.locator("h1").first.bounding_box()["y"] == title_top
    boxes = page.locator(".defectors-chart")
    expect(boxes).to_have_count(2, timeout=30_000)
    for n in range(2):
        expect(boxes.nth(n).locator(".barlayer .point").first).to_be_attached(timeout=30_000)
    assert page.get_by_text("The chart could not be drawn").count() == 0
    loaded = page.evaluate(  # the loader and the two charts shared one load
        "performance.getEntriesByType('resource').filter(r => r.name.includes("
        "'/app/static/plotly-finance.min.js')).length"
    )
    assert loaded == 1
    assert page.locator("[data-testid=stException]").count() == 0
