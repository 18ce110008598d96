"""A manager records a complete interview in a real browser, closes the tab, opens the
app again and finds every answer as it was typed or picked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_signed_in

pytestmark = pytest.mark.browser

WHYS = [
    "The minimum order went up",
    "Head office wanted bigger orders",
    "Logistics cost per order was the only measure",
    "Nobody asked small labs",
    "Pricing policy ignores customer size",
]
SATISFACTION = {
    "Product quality": "Highly satisfied",
    "Service quality": "Fairly satisfied",
    "Delivery / logistics": "No opinion",
    "Value for money": "Somewhat dissatisfied",
    "Communication": "Very dissatisfied",
}


def widget(page, fid: int, name: str):
    return page.locator(f".st-key-interview_{fid}_{name}")


def text_area(page, fid: int, name: str):
    return page.locator(f".st-key-_autosave_interview_{fid}_{name} textarea")


def pick(page, container, text: str, wait) -> None:
    """Type into a select box and take the first match, as a keyboard user does."""
    container.locator("input").click()
    container.locator("input").press_sequentially(text, delay=20)
    container.locator("input").press("Enter")
    wait(page)


def choose(page, container, label: str, wait) -> None:
    container.get_by_text(label, exact=True).click()
    wait(page)


def type_text(page, area, text: str, wait) -> None:
    area.click()
    area.press_sequentially(text, delay=5)
    area.press("Tab")  # on to the next answer; the text was sent while typing anyway
    wait(page)


def start_a_record(page, wait) -> int:
    """On the Interview page: pick the first defector on the target list, start a new
    record; its id (from the address)."""
    page.locator(".st-key-interview_customer input").click()
    page.get_by_role("option").first.click()
    wait(page)
    page.locator(".st-key-interview_new button").click()
    wait(page)
    page.wait_for_url(re.compile(r"finding=\d+"))
    return int(re.search(r"finding=(\d+)", page.url)[1])


def test_record_a_complete_interview_close_the_tab_and_find_every_answer(
    browser, server, wait, shot
):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    # the app's front door first: on a freshly started server Streamlit runs a page file
    # on its own (without app.py) when a session's first URL names it
    open_signed_in(page, server["url"])
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Interview").click()
    wait(page)
    expect(page.get_by_role("heading", name="Interview", exact=True)).to_be_visible()

    # pick a defector on the target list (type to search), start a new record
    fid = start_a_record(page, wait)
    assert page.locator("[data-testid=stException]").count() == 0

    choose(page, widget(page, fid, "defection_type"), "Partial defector", wait)
    choose(page, widget(page, fid, "destination"), "To a competitor", wait)
    type_text(page, text_area(page, fid, "competitor"), "Pioneer Scientific", wait)
    pick(page, widget(page, fid, "primary_code"), "Policy change", wait)
    # pre-filled from the codebook
    expect(widget(page, fid, "controllable").get_by_role("radio", name="Yes")).to_be_checked()
    expect(
        widget(page, fid, "voluntary").get_by_role("radio", name="Involuntary (pushed out by us)")
    ).to_be_checked()
    pick(page, widget(page, fid, "secondary_codes"), "Lower price", wait)
    for i, why in enumerate(WHYS, 1):
        type_text(page, text_area(page, fid, f"why_{i}"), why, wait)
    for name, (label, answer) in zip(
        ["sat_product", "sat_service", "sat_delivery", "sat_value", "sat_communication"],
        SATISFACTION.items(),
        strict=True,
    ):
        expect(widget(page, fid, name)).to_contain_text(label)
        choose(page, widget(page, fid, name), answer, wait)
    pick(page, widget(page, fid, "lifecycle_stage"), "Routine ordering", wait)
    page.locator(f".st-key-interview_{fid}_add_quote button").click()
    wait(page)
    quote = page.locator(f"[class*='st-key-_autosave_interview_{fid}_quote_'] textarea")
    type_text(page, quote, "我们是个小实验室，放不下那么多货。", wait)
    quote_tag = page.locator(f"[class*='st-key-interview_{fid}_qcode_']")
    pick(page, quote_tag, "Policy change", wait)
    type_text(
        page,
        text_area(page, fid, "summary"),
        "Pushed out by the new minimum order value; involuntary.",
        wait,
    )
    choose(page, widget(page, fid, "win_back"), "Maybe", wait)
    type_text(
        page, text_area(page, fid, "win_back_needs"), "An exception to the minimum order", wait
    )
    expect(text_area(page, fid, "win_back_needs")).to_have_value(
        "An exception to the minimum order"
    )
    page.wait_for_timeout(1500)  # the last debounce
    shot(page, "recorded")
    assert page.locator("[data-testid=stException]").count() == 0
    page.close()

    # a new tab on the app: the Interview page, the same defector
    again = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(again, server["url"] + f"/interview?finding={fid}")
    expect(
        widget(again, fid, "defection_type").get_by_role("radio", name="Partial defector")
    ).to_be_checked()
    expect(
        widget(again, fid, "destination").get_by_role("radio", name="To a competitor")
    ).to_be_checked()
    expect(text_area(again, fid, "competitor")).to_have_value("Pioneer Scientific")
    expect(widget(again, fid, "primary_code").get_by_role("combobox")).to_have_value(
        re.compile("Policy change")
    )
    expect(widget(again, fid, "secondary_codes")).to_contain_text("Lower price")
    expect(widget(again, fid, "controllable").get_by_role("radio", name="Yes")).to_be_checked()
    expect(
        widget(again, fid, "voluntary").get_by_role("radio", name="Involuntary (pushed out by us)")
    ).to_be_checked()
    for i, why in enumerate(WHYS, 1):
        expect(text_area(again, fid, f"why_{i}")).to_have_value(why)
    for name, answer in zip(
        ["sat_product", "sat_service", "sat_delivery", "sat_value", "sat_communication"],
        SATISFACTION.values(),
        strict=True,
    ):
        expect(widget(again, fid, name).get_by_role("radio", name=answer)).to_be_checked()
    expect(widget(again, fid, "lifecycle_stage").get_by_role("combobox")).to_have_value(
        "Routine ordering"
    )
    expect(
        again.locator(f"[class*='st-key-_autosave_interview_{fid}_quote_'] textarea")
    ).to_have_value("我们是个小实验室，放不下那么多货。")
    expect(
        again.locator(f"[class*='st-key-interview_{fid}_qcode_']").get_by_role("combobox")
    ).to_have_value(re.compile("Policy change"))
    expect(text_area(again, fid, "summary")).to_have_value(
        "Pushed out by the new minimum order value; involuntary."
    )
    expect(widget(again, fid, "win_back").get_by_role("radio", name="Maybe")).to_be_checked()
    expect(text_area(again, fid, "win_back_needs")).to_have_value(
        "An exception to the minimum order"
    )
    shot(again, "reopened")

    # mark it final: the form locks, and the page says so
    again.locator(f".st-key-interview_{fid}_finalize button").click()
    wait(again)
    expect(again.get_by_text(f"Record #{fid} is final")).to_be_visible()
    expect(widget(again, fid, "win_back").get_by_role("radio", name="Maybe")).to_be_disabled()
    again.close()


def test_taxonomy_page_in_chinese(app_page, wait, shot):
    page = app_page
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="简体中文").click()
    wait(page)
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="失误分类").click()
    wait(page)
    expect(page.get_by_role("heading", name="失误分类")).to_be_visible()
    expect(page.get_by_text("公司方面（可控）")).to_be_visible()
    shot(page, "taxonomy")
    assert page.locator("[data-testid=stException]").count() == 0


def test_study_agreement_and_a_chinese_interview_record(app_page, server, wait, shot):
    page = app_page
    # the server is shared: another test may have made a newer study the current one
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").nth(1).click()
    page.get_by_role("option", name="demo", exact=True).click()
    wait(page)
    expect(page.get_by_text("Second coder: agreement on the primary cause")).to_be_visible()
    expect(page.get_by_text("Cohen's kappa").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"Disagreements to settle \(\d+\)"))).to_be_visible()
    page.get_by_text("Second coder: agreement on the primary cause").scroll_into_view_if_needed()
    wait(page)
    shot(page, "study-agreement")

    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="简体中文").click()
    wait(page)
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="访谈记录").click()
    wait(page)
    box = page.locator(".st-key-interview_customer")
    box.locator("input").click()
    box.locator("input").press_sequentially(server["interviewed"][0], delay=20)
    box.locator("input").press("Enter")
    wait(page)
    expect(page.get_by_role("heading", name="五个为什么")).to_be_visible()
    expect(page.get_by_role("heading", name="访谈提纲")).to_be_visible()
    assert page.locator("[data-testid=stException]").count() == 0
    # a required answer says so in Chinese; Streamlit's English "(required)" is not shown
    expect(page.get_by_text("主要原因（必填）")).to_be_visible()
    english = page.get_by_text("(required)")
    assert english.count() > 0  # Streamlit's mark is there, and hidden
    for n in range(english.count()):
        expect(english.nth(n)).to_be_hidden()
    shot(page, "interview-zh")
    page.get_by_role("tab", name="二次编码").click()
    wait(page)
    expect(page.get_by_text("盲法二次编码")).to_be_visible()
    shot(page, "second-coding-zh")


def test_import_past_findings_mapping_an_unknown_label(app_page, wait, shot, tmp_path):
    page = app_page
    past = tmp_path / "past-study.csv"
    past.write_text(
        "Customer ID,Churn Category,Churn Reason\n"
        "T1,Price,Price too high\nT2,Other,Moved\nT3,Price,Price too high\n",
        encoding="utf-8",
    )
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Import data").click()
    wait(page)
    page.get_by_role("tab", name="Findings").click()
    panel = page.get_by_role("tabpanel", name="Findings")
    panel.locator("input[type=file]").set_input_files(str(past))
    wait(page)
    expect(panel.get_by_text("2 cause label(s) not in the codebook")).to_be_visible()
    expect(panel.get_by_role("button", name="Import 3 findings")).to_be_disabled()
    for label, code in [
        ("“Price too high” (2 rows)", "Price / value"),
        ("“Moved” (1 rows)", "Moved away"),
    ]:
        box = panel.locator("[data-testid=stSelectbox]").filter(has_text=label)
        box.locator("input").click()
        box.locator("input").press_sequentially(code, delay=20)
        box.locator("input").press("Enter")
        wait(page)
    panel.get_by_role("button", name="Import 3 findings").click()
    wait(page)
    expect(panel.get_by_text(re.compile(r"3 new findings"))).to_be_visible(timeout=30_000)
    shot(page, "findings-imported")
    assert page.locator("[data-testid=stException]").count() == 0


def test_esc_keeps_the_primary_cause_and_enter_adds_one_secondary_cause(browser, server, wait):
    """Esc in the primary cause's box erases nothing; typing in the secondary causes and
    pressing Enter adds the first match only, never the primary cause."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, server["url"])
    page.locator("[data-testid=stSidebar]").get_by_role("link", name="Interview").click()
    wait(page)
    fid = start_a_record(page, wait)

    primary = widget(page, fid, "primary_code")
    pick(page, primary, "After-sales", wait)
    combobox = primary.get_by_role("combobox")
    expect(combobox).to_have_value(re.compile("After-sales service"))
    combobox.click()  # the list opens, the box has the focus
    combobox.press("Escape")
    combobox.press("Escape")
    wait(page)
    page.wait_for_timeout(500)
    expect(combobox).to_have_value(re.compile("After-sales service"))

    secondary = widget(page, fid, "secondary_codes")
    pick(page, secondary, "service", wait)
    page.keyboard.press("Escape")
    wait(page)
    expect(secondary).to_contain_text(re.compile("service", re.IGNORECASE))  # one match
    expect(secondary).not_to_contain_text("After-sales service")
    assert page.locator("[data-testid=stException]").count() == 0
    page.close()

    again = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(again, server["url"] + f"/interview?finding={fid}")
    expect(widget(again, fid, "primary_code").get_by_role("combobox")).to_have_value(
        re.compile("After-sales service")
    )
    expect(widget(again, fid, "secondary_codes")).not_to_contain_text("After-sales service")
    again.close()
