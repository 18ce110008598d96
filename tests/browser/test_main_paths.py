"""The main paths in a real browser, as a person uses them."""

from __future__ import annotations

import re
import urllib.parse
from datetime import date

from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect

from tests.browser.conftest import open_signed_in

pytestmark = __import__("pytest").mark.browser


def test_first_session_shows_our_navigation_not_the_legacy_menu(app_page, shot):
    sidebar = app_page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_role("link", name="Study")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Import data")).to_be_visible()
    expect(sidebar.get_by_role("link", name="Defectors")).to_be_visible()
    # Streamlit's auto-discovered menu would list the page files (import_data, ...)
    assert app_page.locator("[data-testid=stSidebarNav]").count() == 0
    assert sidebar.get_by_text("import_data").count() == 0
    expect(app_page.get_by_role("heading", name="Study", exact=True)).to_be_visible()
    assert app_page.locator("[data-testid=stException]").count() == 0
    shot(app_page, "study")


def test_import_a_file_and_see_the_defectors_table(app_page, wait, server, shot, tmp_path):
    page = app_page
    # a new study; the ledger it asks of holds the demo company, whose orders all come
    # after 2020, so as of 2020-01-01 only the lines imported here count
    as_of = date(2020, 1, 1)
    new_study = page.locator("[data-testid=stForm]").filter(
        has=page.get_by_role("button", name="Create study")
    )
    new_study.get_by_label("Name").fill("Browser study")
    for part, value in (("year", "2020"), ("month", "01"), ("day", "01")):
        new_study.get_by_role("spinbutton", name=f"{part}, As-of date").click()
        page.keyboard.type(value)
    new_study.get_by_label("Name").press("Tab")
    page.get_by_role("button", name="Create study").click()
    wait(page)
    expect(page.get_by_text("Study Browser study created")).to_be_visible()

    # W = 6 months
    baseline = (as_of - relativedelta(months=9)).isoformat()
    recent = (as_of - relativedelta(months=2)).isoformat()
    csv = tmp_path / "订单.csv"
    csv.write_bytes(
        (
            f"客户编号,日期,金额\n"
            f'B1,{baseline},"￥12,000"\n'  # stopped buying: full
            f"B2,{baseline},5000\nB2,{recent},1000\n"  # fell by 80%: partial
            f"B3,{baseline},3000\nB3,{recent},2900\n"  # steady: active
            f"B4,{recent.replace('-', '/')},700\n"  # new
        ).encode("gbk")
    )
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Import data").click()
    wait(page)
    page.get_by_role("tab", name="Transactions").click()
    panel = page.get_by_role("tabpanel", name="Transactions")
    panel.locator("input[type=file]").set_input_files(str(csv))
    wait(page)
    expect(
        panel.get_by_text(re.compile(r"6 rows, 3 columns\. Text encoding: gb18030"))
    ).to_be_visible()
    panel.get_by_role("button", name="Import 6 rows").click()
    wait(page)
    expect(panel.get_by_text(re.compile(r"6 new"))).to_be_visible(timeout=30_000)
    shot(page, "imported")

    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Defectors").click()
    wait(page)
    expect(page.get_by_role("heading", name="Defectors")).to_be_visible()
    grid = page.locator("[data-testid=stDataFrame]").first
    expect(grid).to_be_visible()
    expect(page.get_by_text("Customers shown")).to_be_visible()
    metric = page.locator("[data-testid=stMetric]").filter(has_text="Customers shown")
    expect(metric).to_contain_text("2")
    expect(
        page.locator("[data-testid=stMetric]").filter(has_text="Full defectors")
    ).to_contain_text("1")
    expect(
        page.locator("[data-testid=stMetric]").filter(has_text="Partial defectors")
    ).to_contain_text("1")
    shot(page, "defectors")


def test_language_switch_to_chinese(app_page, wait, shot):
    page = app_page
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="简体中文").click()
    wait(page)
    expect(page.get_by_role("heading", name="研究", exact=True)).to_be_visible()
    expect(
        page.locator("[data-testid=stSidebar]").get_by_role("link", name="流失客户")
    ).to_be_visible()
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="流失客户").click()
    wait(page)
    expect(page.get_by_role("heading", name="流失客户", exact=True)).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    shot(page, "defectors-zh")


def test_a_page_address_opened_first_after_a_start_gets_the_whole_app(
    page, fresh_server, wait, shot
):
    # before app.py has run once, Streamlit would serve pages/defectors.py alone
    open_signed_in(page, fresh_server["url"] + "/defectors")
    expect(page.get_by_role("heading", name="Defectors", exact=True)).to_be_visible(timeout=30_000)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_role("link", name="Study")).to_be_visible()
    expect(page.get_by_text("No study yet")).to_have_count(0)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0
    # the same page, its address now carrying the study and the language
    address = urllib.parse.urlsplit(page.url)
    assert address.path.rstrip("/").endswith("/defectors")
    assert urllib.parse.parse_qs(address.query) == {"study": ["demo"], "lang": ["en"]}
    shot(page, "deep-link")
