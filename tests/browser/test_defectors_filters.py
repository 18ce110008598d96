"""The Defectors page's filter chips in a real browser: after a language switch they
speak the new language (the browser keeps a multiselect's choice as its labels)."""

from __future__ import annotations

from playwright.sync_api import expect

pytestmark = __import__("pytest").mark.browser


def test_status_chips_follow_the_language(app_page, wait, shot):
    page = app_page
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_role("link", name="Defectors").click()
    wait(page)
    status = page.locator("[data-testid=stMultiSelect]").first
    expect(status).to_contain_text("Full defector", timeout=30_000)
    sidebar.locator("[data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="简体中文").click()
    wait(page)
    expect(page.get_by_role("heading", name="流失客户", exact=True)).to_be_visible()
    status = page.locator("[data-testid=stMultiSelect]").first
    expect(status).to_contain_text("完全流失")
    expect(status).to_contain_text("部分流失")
    expect(status).not_to_contain_text("Full defector")
    expect(status).not_to_contain_text("Partial defector")
    assert page.locator("[data-testid=stException]").count() == 0
    shot(page, "defectors-zh-chips")
