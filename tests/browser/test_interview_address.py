"""A link to an interview record, opened first in a fresh page of a server nobody has
visited yet, and reloaded: the same study, the same record, in Chinese."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_signed_in

pytestmark = pytest.mark.browser


def test_an_interview_address_survives_a_reload_in_chinese(browser, fresh_server, wait):
    row = fresh_server["records"].iloc[2]
    fid, customer = int(row["id"]), row["customer_id"]
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    # a new browser signs in first (the screen in Chinese); the record opens after it,
    # and a reload keeps the person signed in
    open_signed_in(page, f"{fresh_server['url']}/interview?study=demo&finding={fid}&lang=zh")
    for attempt in ("opened", "reloaded"):
        wait(page)
        expect(page.get_by_role("heading", name="访谈记录")).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"#{fid}", exact=False).first).to_be_visible()
        picked = page.get_by_role("combobox", name="受访的流失客户")
        expect(picked).to_have_value(re.compile(re.escape(customer)))
        assert f"finding={fid}" in page.url and "lang=zh" in page.url, (attempt, page.url)
        assert "study=demo" in page.url, (attempt, page.url)
        if attempt == "opened":
            page.reload()
    page.close()
