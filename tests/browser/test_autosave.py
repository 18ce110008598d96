"""autosave.py in a real browser: text is saved while typing, survives a reload, and a
second tab's save is caught instead of overwritten."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from research.base.store import connect

pytestmark = pytest.mark.browser

HARNESS = Path(__file__).parent / "apps" / "autosave_app.py"


@pytest.fixture
def harness(tmp_path):
    db = tmp_path / "harness.duckdb"
    connect(db).close()
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(HARNESS),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        env={**os.environ, "DEFECTORS_DB": str(db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


def notes(page):
    return page.locator("textarea")


def test_text_is_saved_while_typing_without_leaving_the_field(page, harness, wait):
    page.goto(harness)
    wait(page)
    notes(page).click()
    notes(page).press_sequentially("客户说价格太高 price too high", delay=20)
    # no blur, no Ctrl+Enter: the page still shows that it was stored
    expect(page.get_by_text("stored: '客户说价格太高 price too high' (version 2)")).to_be_visible(
        timeout=10_000
    )
    page.reload()
    wait(page)
    expect(notes(page)).to_have_value("客户说价格太高 price too high")


def test_text_typed_just_before_a_reload_is_restored_and_saved(page, harness, wait):
    page.goto(harness)
    wait(page)
    notes(page).click()
    notes(page).press_sequentially("typed, then the tab crashed", delay=5)
    page.reload()  # at once: the debounced send never left the browser
    wait(page)
    expect(notes(page)).to_have_value("typed, then the tab crashed")
    expect(page.get_by_text("stored: 'typed, then the tab crashed'")).to_be_visible(timeout=10_000)


def test_a_colleagues_save_is_shown_not_overwritten(browser, harness, wait):
    first = browser.new_page()
    second = browser.new_page()
    first.goto(harness + "?user=wang")
    second.goto(harness + "?user=li")
    wait(first)
    wait(second)
    notes(first).click()
    notes(first).press_sequentially("Wang's notes", delay=10)
    expect(first.get_by_text('stored: "Wang\'s notes" (version 2)')).to_be_visible(timeout=10_000)
    # the second tab still shows version 1 and types on top of it
    notes(second).click()
    notes(second).press_sequentially("Li's notes", delay=10)
    expect(second.get_by_text('conflict: theirs="Wang\'s notes" mine="Li\'s notes"')).to_be_visible(
        timeout=10_000
    )
    first.reload()
    wait(first)
    expect(notes(first)).to_have_value("Wang's notes")  # nothing overwritten
    # and the second tab still holds Li's words
    expect(notes(second)).to_have_value("Li's notes")
