"""The call desk in a real browser: notes saved while typing survive a reload, a call is
logged, an interview booked and its invitation downloaded and read back; the agenda,
team and study pages show the desk's work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from research.base.i18n import Translator
from research.desk import calls
from tests.browser.conftest import open_signed_in

pytestmark = pytest.mark.browser


def sidebar_link(page, name):
    return page.locator("[data-testid=stSidebar]").get_by_role("link", name=name, exact=True)


def no_exception(page):
    assert page.locator("[data-testid=stException]").count() == 0


def test_work_a_call_log_it_book_and_download_the_invitation(app_page, wait, shot, tmp_path):
    page = app_page
    sidebar_link(page, "Call desk").click()
    wait(page)
    expect(page.get_by_role("heading", name="Call desk", exact=True)).to_be_visible()
    expect(page.get_by_text("My calls today")).to_be_visible()
    expect(page.get_by_text("Screening script")).to_be_visible()
    calling = page.get_by_role("heading", name=re.compile("^Calling "))
    expect(calling).to_be_visible()
    who = calling.inner_text()
    tel = page.locator("a[href^='tel:+']").first
    expect(tel).to_be_visible()
    no_exception(page)
    shot(page, "desk")

    # notes typed during the call are saved without leaving the field, and survive a reload
    notes = page.locator("textarea").first
    notes.click()
    notes.press_sequentially("嫌交货太慢 delivery too slow", delay=15)
    expect(page.get_by_text(re.compile(r"Saved · last by Demo admin"))).to_be_visible(
        timeout=15_000
    )
    page.reload()
    wait(page)
    expect(page.get_by_role("heading", name=who, exact=True)).to_be_visible()
    expect(page.locator("textarea").first).to_have_value(
        "嫌交货太慢 delivery too slow", timeout=15_000
    )

    # log the call: reached
    page.locator("[data-testid=stRadio]").first.get_by_text("Reached", exact=True).click()
    wait(page)
    note = page.get_by_label("Note", exact=True)
    note.fill("spoke with the lab manager")
    note.press("Enter")
    wait(page)
    page.get_by_role("button", name="Log call").click()
    wait(page)
    expect(page.get_by_text(re.compile(r"^Logged: Reached"))).to_be_visible()
    no_exception(page)

    # book the interview in the first free slot the manager has
    slot_box = page.locator("[data-testid=stSelectbox]").filter(has_text="Free slot")
    slot_text = slot_box.get_by_role("combobox").input_value()
    page.get_by_role("button", name="Book interview").click()
    wait(page)
    expect(page.get_by_text(re.compile(r"^Booked with "))).to_be_visible()
    # the form closed; the booking shows in both zones with its invitation
    expect(page.get_by_role("button", name="Book interview")).to_have_count(0)
    expect(page.get_by_text("Interview booked")).to_be_visible()
    expect(page.get_by_text(re.compile("When, defector's time:"))).to_be_visible()
    no_exception(page)
    shot(page, "booked")

    with page.expect_download() as info:
        page.get_by_role("button", name="Invitation (.ics)").first.click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".ics"
    cal = Calendar.from_ical(saved.read_bytes())
    (event,) = cal.walk("VEVENT")
    start = event.decoded("DTSTART")
    zone = str(event["DTSTART"].params["TZID"])
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == [zone]
    assert zone in slot_text  # the slot was offered in the manager's zone
    assert f"{start:%H:%M}" in slot_text
    assert event.decoded("DTEND") - start == timedelta(minutes=60)
    assert str(cal["METHOD"]) == "REQUEST" and int(event["SEQUENCE"]) == 0


def test_notes_typed_on_through_the_pages_reruns_keep_every_word(browser, server, wait, shot):
    """An interviewer just signed in types notes with the pauses of a conversation. Each
    pause saves, and the first run after it no longer carries what the sign-in showed
    once (the cookie's component): the words typed on still land, in order, and are
    stored."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, f"{server['url']}/call_desk", "zhao.lin")
    expect(page.get_by_role("heading", name=re.compile("^Calling "))).to_be_visible()
    target = page.locator(".st-key-desk_target input").input_value()  # "C10083 name"
    notes = page.locator("textarea").first
    notes.click()
    page.keyboard.press("End")
    before = notes.input_value()
    typed = ""
    for n in range(4):
        words = f" 第{n}句 point {n};"
        page.keyboard.type(words, delay=30)  # wherever the focus is, as a person types
        typed += words
        page.wait_for_timeout(900)
    expect(notes).to_have_value(before + typed)
    expect(notes).to_be_focused()
    expect(page.get_by_text(re.compile(r"Saved · last by 赵琳"))).to_be_visible(timeout=15_000)
    page.wait_for_timeout(1_000)
    page.reload()  # the address keeps the open target (?customer=)
    wait(page)
    expect(page.locator(".st-key-desk_target input")).to_have_value(target)
    expect(page.locator("textarea").first).to_have_value(before + typed, timeout=15_000)
    no_exception(page)
    shot(page, "notes-kept")
    page.close()


def test_agenda_team_and_study_pages_show_the_desk(app_page, wait, shot):
    page = app_page
    sidebar_link(page, "Agenda").click()
    wait(page)
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    page.get_by_role("tab", name="This week").click()
    panel = page.get_by_role("tabpanel", name="This week")
    panel.locator("[data-testid=stExpander] summary").first.click()
    expect(panel.get_by_text("Value segment").first).to_be_visible()
    no_exception(page)
    shot(page, "agenda")

    sidebar_link(page, "Team").click()
    wait(page)
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    no_exception(page)
    shot(page, "team")

    sidebar_link(page, "Study").click()
    wait(page)
    expect(page.get_by_text("Calls and interviews")).to_be_visible()
    expect(page.get_by_text(re.compile("Checkpoint review"))).to_be_visible()
    no_exception(page)
    shot(page, "study")


def test_the_desk_in_chinese(app_page, wait, shot):
    page = app_page
    page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
    page.get_by_role("option", name="简体中文").click()
    wait(page)
    sidebar_link(page, "电话访谈台").click()
    wait(page)
    expect(page.get_by_role("heading", name="电话访谈台", exact=True)).to_be_visible()
    expect(page.get_by_text("筛选话术")).to_be_visible()
    no_exception(page)
    shot(page, "desk-zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_outcome_labels_are_whole_at_1280_px(app_page, wait, shot, lang):
    """Every call outcome's label shows in full (no text wider or taller than its box),
    and the call-back date appears only for a call-back."""
    t = Translator(lang)
    page = app_page
    page.set_viewport_size({"width": 1280, "height": 900})
    if lang == "zh":
        page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
        page.get_by_role("option", name="简体中文").click()
        wait(page)
    sidebar_link(page, t("desk.title")).click()
    wait(page)
    radio = page.locator("[data-testid=stRadio]").first
    expect(radio).to_be_visible()
    options = radio.locator("[data-testid=stRadioOption]")
    texts = [x.strip() for x in options.all_inner_texts()]
    assert texts == [t(calls.OUTCOME_LABELS[o]) for o in calls.OUTCOMES]
    cut = radio.evaluate(
        """(radio) => [...radio.querySelectorAll('[data-testid=stRadioOption], [data-testid=stRadioOption] p')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
            .map(e => e.innerText)"""
    )
    assert cut == []
    expect(page.get_by_text(t("desk.call_back_day"), exact=True)).to_have_count(0)
    options.nth(calls.OUTCOMES.index("call_back")).click()
    wait(page)
    expect(page.get_by_text(t("desk.call_back_day"), exact=True)).to_be_visible()
    no_exception(page)
    shot(page, f"outcomes-{lang}")


def previous_calls(page) -> int:
    """The count in "Previous calls (n)" (no such expander before the first call)."""
    found = page.get_by_text(re.compile(r"^Previous calls \(\d+\)$"))
    if found.count() == 0:
        return 0
    return int(re.search(r"\((\d+)\)", found.first.inner_text())[1])


def test_a_logged_call_clears_its_form_and_cannot_be_logged_twice(browser, server, wait):
    """Once a call is logged the outcome and the note are empty in the browser, and stay
    empty through the next run (a widget whose key is merely dropped on the server gets
    its value back from the browser): a second click has nothing to log."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, f"{server['url']}/call_desk", "amy.chen")
    expect(page.get_by_role("heading", name=re.compile("^Calling "))).to_be_visible()
    radio = page.locator(".st-key-desk_outcome")
    note = page.locator(".st-key-desk_note input")
    log = page.get_by_role("button", name="Log call")
    expect(radio.locator("input:checked")).to_have_count(0)
    expect(log).to_be_disabled()  # no outcome picked: nothing to log
    before = previous_calls(page)

    radio.get_by_text("No answer", exact=True).click()
    wait(page)
    note.fill("rang twice, no voicemail")
    note.press("Enter")
    wait(page)
    expect(log).to_be_enabled()
    log.click()
    wait(page)
    expect(page.get_by_text(re.compile(r"^Logged: No answer"))).to_be_visible()
    expect(page.get_by_text(f"Previous calls ({before + 1})", exact=True)).to_be_visible()
    expect(radio.locator("input:checked")).to_have_count(0)
    expect(note).to_have_value("")
    expect(log).to_be_disabled()

    # the next run (any widget, here the interview's length) keeps it empty
    page.locator(".st-key-desk_length input").fill("45")
    page.locator(".st-key-desk_length input").press("Enter")
    wait(page)
    expect(radio.locator("input:checked")).to_have_count(0)
    expect(note).to_have_value("")
    expect(log).to_be_disabled()
    expect(page.get_by_text(f"Previous calls ({before + 1})", exact=True)).to_be_visible()
    no_exception(page)
    page.close()


def test_a_reload_or_a_shared_link_opens_the_same_customer(browser, server, wait, shot):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, f"{server['url']}/call_desk", "amy.chen")
    target = page.locator(".st-key-desk_target input")
    first = target.input_value()
    target.click()
    options = [o.inner_text().strip() for o in page.get_by_role("option").all()]
    other = next(o for o in options if o != first)
    page.get_by_role("option", name=other, exact=True).click()
    wait(page)
    expect(target).to_have_value(other)
    customer = other.split()[0]
    assert f"customer={customer}" in page.url
    heading = page.get_by_role("heading", name=re.compile("^Calling ")).inner_text()

    page.reload()
    wait(page)
    expect(target).to_have_value(other)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    no_exception(page)

    # the address sent to a colleague: the admin, whose own list is another's
    shared = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(shared, page.url)
    expect(shared.locator(".st-key-desk_target input")).to_have_value(other)
    expect(shared.locator(".st-key-desk_interviewer input")).to_have_value("Amy Chen")
    no_exception(shared)
    shot(shared, "shared-link")
    shared.close()
    page.close()
