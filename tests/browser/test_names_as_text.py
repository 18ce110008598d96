"""In a real browser: a contact person written as a Markdown image made the call desk
fetch it from a remote server (issue 8). Names and contacts from the customer data are
shown as text, and nothing is fetched from an address found in them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from research.base.store import connect
from tests.browser.conftest import open_signed_in

pytestmark = pytest.mark.browser

NAME = "![n](http://evil.example/name.png) **Big** <b>bold</b>"
CONTACT = "![c](http://evil.example/contact.png)"


def as_written(text: str, prefix: str = "") -> re.Pattern:
    """The text as shown: an invisible word joiner may sit in "http://" (screen/plain.py)."""
    pattern = re.escape(prefix + text).replace("http", "http\u2060?")
    return re.compile(pattern.replace("/", "\\/"))  # Playwright sends it as /.../


def test_markdown_in_names_is_shown_as_text_and_nothing_is_fetched(fresh_server, page, wait):
    store = connect(fresh_server["db"])  # nobody has visited: the server has not opened it
    try:
        store.write(
            lambda cur: cur.execute(
                "UPDATE customers SET name = ?, contact_person = ?", [NAME, CONTACT]
            )
        )
    finally:
        store.close()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.route(re.compile(r".*evil\.example.*"), lambda route: route.abort())

    open_signed_in(page, fresh_server["url"])
    page.locator("[data-testid=stSidebar]").get_by_role(
        "link", name="Call desk", exact=True
    ).click()
    wait(page)
    expect(page.get_by_role("heading", name=as_written(NAME, "Calling "))).to_be_visible()
    expect(page.get_by_text(as_written(CONTACT, "Contact: "))).to_be_visible()
    expect(page.get_by_text(as_written(CONTACT, "May I speak with "))).to_be_visible()
    assert page.locator("img[src*='evil.example']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
    assert not [url for url in fetched if "evil.example" in url]

    # the Defectors page finds defectors to add by a piece of their name, in the store;
    # the matches are listed as written
    page.locator("[data-testid=stSidebar]").get_by_role(
        "link", name="Defectors", exact=True
    ).click()
    wait(page)
    find = page.get_by_label("Find a defector")
    find.fill("**Big**")
    find.press("Enter")
    wait(page)
    page.locator(".st-key-targets_add_customer").get_by_role("combobox").click()
    page.keyboard.press("ArrowDown")  # opens the list even when the click only focused it
    options = page.get_by_role("option")
    expect(options.first).to_contain_text(as_written(NAME))
    assert options.count() > 1  # every customer has the name: several match
    for n in range(options.count()):  # as many as the list draws at once
        expect(options.nth(n)).to_contain_text(as_written(NAME))
    page.keyboard.press("Escape")
    assert page.locator("img[src*='evil.example']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("[data-testid=stException]").count() == 0
    assert not [url for url in fetched if "evil.example" in url]
