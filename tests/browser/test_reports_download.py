"""The Reports page in a real browser: the HTML report, made only when its button is
pressed, downloads whole."""

from __future__ import annotations

from playwright.sync_api import expect

pytestmark = __import__("pytest").mark.browser


def test_the_html_report_downloads_when_asked_for(app_page, wait, server, tmp_path):
    page = app_page
    # by its address: another test may have made a newer study the current one
    page.goto(f"{server['url']}/reports?study=demo&lang=en")
    wait(page)
    button = page.get_by_role("button", name="Download HTML")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        button.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert saved.name.startswith("postmortem-demo-en") and saved.suffix == ".html"
    assert text.lstrip().lower().startswith("<!doctype html") and "</html>" in text
    assert page.locator("[data-testid=stException]").count() == 0
