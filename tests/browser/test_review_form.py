"""The Review page's form in a real browser: a saved review empties the form, its date
and kind included (a widget whose key is merely dropped on the server keeps what the
browser shows and sends it back)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_signed_in

pytestmark = pytest.mark.browser


def test_a_saved_review_empties_the_form_date_and_kind_included(browser, fresh_server, wait):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, f"{fresh_server['url']}/review?study=demo&lang=en")
    form = page.locator("[data-testid=stForm]").filter(has_text="Save the review")
    held = page.locator(".st-key-review_held_on input")
    today = held.input_value()
    held.fill("2026-01-05")
    held.press("Enter")
    expect(held).to_have_value("2026-01-05")
    page.keyboard.press("Escape")  # the calendar closed
    page.locator(".st-key-review_kind input").click()
    page.get_by_role("option", name="Final review").click()
    expect(page.locator(".st-key-review_kind input")).to_have_value("Final review")
    page.locator(".st-key-review_attendees input").fill("李娜")
    form.get_by_role("button", name="Save the review").click()
    wait(page)
    expect(page.get_by_text("Review saved.")).to_be_visible()
    expect(page.locator(".st-key-review_attendees input")).to_have_value("")
    expect(held).to_have_value(today)
    expect(page.locator(".st-key-review_kind input")).to_have_value("Checkpoint review")
    page.close()
