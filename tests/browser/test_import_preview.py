"""The import preview in a real browser: the failing cells and rows are marked before
the Import button, and previewing leaves no traceback in the server's log."""

from __future__ import annotations

import re

from playwright.sync_api import expect

pytestmark = __import__("pytest").mark.browser


def test_the_preview_marks_failing_rows_before_the_import(app_page, wait, server, shot, tmp_path):
    page = app_page
    log = server["folder"] / "server.log"
    log_before = log.read_text(errors="replace")
    csv = tmp_path / "orders.csv"
    csv.write_bytes(
        b"Customer ID,Order Date,Amount,Note\n"
        b"P1,2024-03-05,100,7\n"
        b"P1,2024-13-40,100,seven\n"  # not a date: row 3
        b"P2,2024-05-01,lots,\n"  # not a number: row 4
        b"P2,2024-06-01,50,2024-01-01\n"  # a column of mixed kinds, shown as text
    )
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Import data").click()
    wait(page)
    page.get_by_role("tab", name="Transactions").click()
    panel = page.get_by_role("tabpanel", name="Transactions")
    panel.locator("input[type=file]").set_input_files(str(csv))
    wait(page)
    expect(panel.get_by_text(re.compile(r"2 problems in 2 rows"))).to_be_visible(timeout=30_000)
    expect(panel.get_by_text(re.compile(r"Rows: 3, 4\."))).to_be_visible()
    # the message stands above the Import button: seen before anything is pressed
    message = panel.get_by_text(re.compile(r"2 problems in 2 rows")).bounding_box()
    button = panel.get_by_role("button", name="Import 4 rows").bounding_box()
    assert message["y"] < button["y"]
    shot(page, "import-preview")
    new_lines = log.read_text(errors="replace")[len(log_before) :]
    assert "Traceback" not in new_lines and "ArrowInvalid" not in new_lines, new_lines
    assert page.locator("[data-testid=stException]").count() == 0
