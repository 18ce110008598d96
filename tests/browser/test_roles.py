"""Signed-in people in a real browser: a viewer finds no phone number, e-mail address or
customer name on any page they can open or in any download; two interviewers signed
in at once each see their own call list; a reload keeps a person signed in and signing
out forgets them."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from research.base import backup
from research.base.store import connect
from research.desk import calls, team
from research.desk.phones import parse_phone
from tests.browser.conftest import open_signed_in, start_server, stop_server

pytestmark = pytest.mark.browser

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
MOBILE = re.compile(r"(?<![\d.])1[3-9]\d{9}(?!\d)")  # not the digits of a rate
SCRIPT = re.compile(r"<script\b.*?</script>", re.S)


@pytest.fixture(scope="module")
def roles_server(tmp_path_factory):
    """A demo server, with what is personal in it read before the app opens the file."""
    known: dict = {}

    def prepare(store, demo):
        with store.cursor() as cur:
            rows = cur.execute("SELECT name, phone, email FROM customers").fetchall()
        members = team.list_members(store)
        phones = [p for _, p, _ in rows if p] + [m.phone for m in members if m.phone]
        known["phones"] = {
            v for p in phones for v in (p, getattr(parse_phone(p), "international", None)) if v
        }
        known["emails"] = {e for *_, e in rows if e} | {m.email for m in members if m.email}
        known["names"] = {n for n, *_ in rows if n and len(n) >= 4}
        state = calls.call_state(store, demo)
        ids = {m.name: m.id for m in members}
        known["lists"] = {
            name: set(state.loc[state["interviewer_id"] == ids[name], "customer_id"])
            for name in ("赵琳", "Amy Chen")
        }

    proc, log, info = start_server(tmp_path_factory.mktemp("roles"), prepare=prepare)
    yield {**info, **known}
    stop_server(proc, log)


def _personal_in(text: str, info: dict) -> list[str]:
    """Every phone number, e-mail address and customer name of the store found in
    ``text``, and anything shaped like an e-mail address or a mobile number outside
    the scripts (an HTML report inlines plotly.js, whose licence names its authors)."""
    found = [p for p in info["phones"] if p in text]
    found += [n for n in info["names"] | info["emails"] if n in text]
    prose = SCRIPT.sub(" ", text)
    return found + EMAIL.findall(prose) + MOBILE.findall(prose)


def _downloads(page, wait) -> list[tuple[str, str]]:
    """Every download button visible now: (file name, its text)."""
    got = []
    buttons = page.locator("[data-testid=stDownloadButton] button")
    for i in range(buttons.count()):
        wait(page)
        button = buttons.nth(i)
        # the CSV of every table (its workbook holds the same masked frame) and the report
        if not button.is_visible() or not re.search(r"CSV|HTML", button.inner_text()):
            continue
        download = None
        for _ in range(3):  # a click that lands while the page reruns is lost: again
            try:
                with page.expect_download(timeout=30_000) as caught:
                    button.click()
                download = caught.value
                break
            except PlaywrightTimeoutError:
                wait(page)
        assert download is not None, f"download button {i} gave no file"
        data = open(download.path(), "rb").read()
        if download.suggested_filename.endswith(".xlsx"):
            book = load_workbook(io.BytesIO(data), read_only=True)
            text = "\n".join(
                " ".join(str(c) for c in row if c is not None)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
            )
        else:
            text = data.decode("utf-8-sig", errors="replace")
        got.append((download.suggested_filename, text))
        wait(page)
    return got


def test_a_viewer_finds_no_personal_data_on_any_page_or_download(browser, roles_server, wait, shot):
    info = roles_server
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, info["url"], "wang.lei")
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_role("link", name="Reports")).to_be_visible()
    links = [
        a.inner_text().split("\n")[-1] for a in sidebar.locator("[data-testid=stPageLink]").all()
    ]
    assert links == ["Study", "Analysis", "Reports"]  # after each link's icon
    seen, files = {}, []

    page.goto(f"{info['url']}/study")
    wait(page)
    seen["study"] = page.locator("[data-testid=stMain]").inner_text()

    page.goto(f"{info['url']}/analysis")
    wait(page)
    expect(page.get_by_role("heading", name="Why customers left")).to_be_visible()
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        wait(page)
        seen[f"analysis tab {i}"] = page.locator("[data-testid=stMain]").inner_text()
        files += _downloads(page, wait)
    shot(page, "viewer-analysis")

    page.goto(f"{info['url']}/reports")
    wait(page)
    seen["reports"] = page.locator("[data-testid=stMain]").inner_text()
    files += _downloads(page, wait)

    for address in ("defectors", "call_desk", "interview", "admin"):  # not theirs
        page.goto(f"{info['url']}/{address}")
        wait(page)
        expect(page.get_by_text("Your role (Viewer) cannot open the page").first).to_be_visible()
        seen[address] = page.locator("[data-testid=stMain]").inner_text()

    assert len(files) >= 5, [name for name, _ in files]  # every table, and the report
    assert any(name.endswith(".html") for name, _ in files)
    leaks = {where: _personal_in(text, info) for where, text in [*seen.items(), *files]}
    assert {where: found for where, found in leaks.items() if found} == {}
    assert page.locator("[data-testid=stException]").count() == 0


def test_two_interviewers_signed_in_at_once_see_their_own_call_lists(
    browser, roles_server, wait, shot
):
    info = roles_server
    zhao = browser.new_page(viewport={"width": 1440, "height": 1000})  # a browser each
    amy = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(zhao, f"{info['url']}/call_desk", "zhao.lin")
    open_signed_in(amy, f"{info['url']}/call_desk", "amy.chen")
    for page, name in ((zhao, "赵琳"), (amy, "Amy Chen")):
        page.reload()  # a reload keeps the person signed in
        wait(page)
        expect(page.get_by_text(f"Signed in as {name} (Interviewer)")).to_be_visible()
        picker = page.locator(".st-key-desk_interviewer")
        expect(picker.get_by_role("combobox")).to_have_value(name)
        picker.get_by_role("combobox").click()
        options = [o.inner_text().strip() for o in page.get_by_role("option").all()]
        page.keyboard.press("Escape")
        assert options == [name]
        target = page.locator(".st-key-desk_target").get_by_role("combobox")
        target.click()
        opened = {o.inner_text().split()[0] for o in page.get_by_role("option").all()}
        page.keyboard.press("Escape")
        assert opened and opened <= info["lists"][name], name
        shot(page, name)
    assert info["lists"]["赵琳"].isdisjoint(info["lists"]["Amy Chen"])


def test_signing_out_forgets_the_person_in_this_browser(browser, roles_server, wait):
    info = roles_server
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, info["url"], "helen.xu")
    page.locator(".st-key-app_sign_out button").click()
    wait(page)
    expect(page.locator(".st-key-signin_login input")).to_be_visible()
    page.reload()  # the cookie no longer signs anyone in
    wait(page)
    expect(page.locator(".st-key-signin_login input")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def test_three_interviewers_type_call_notes_at_once_and_keep_every_word(
    browser, roles_server, wait, shot
):
    """Several signed-in people saving at once: each types notes on their own defector
    while the others type; every note is saved as its author's and survives a reload."""
    info = roles_server
    people = {"zhao.lin": "赵琳", "qian.xiaowen": "钱晓雯", "amy.chen": "Amy Chen"}
    pages = {}
    for login in people:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        open_signed_in(page, f"{info['url']}/call_desk", login)
        expect(page.get_by_role("heading", name=re.compile("^Calling "))).to_be_visible()
        pages[login] = page
    words = {login: [f"{login} 第{n}句 line {n};" for n in range(1, 5)] for login in people}
    for n in range(4):  # in turns, a few words each: the server sees them all at once
        for login, page in pages.items():
            wait(page)  # this page's rerun after its last save has ended (see the note)
            box = page.locator("textarea").first
            box.click()
            box.press_sequentially(" " + words[login][n], delay=5)
    for login, page in pages.items():
        typed = page.locator("textarea").first.input_value()
        assert all(w in typed for w in words[login]), (login, typed)
        # what the store holds, read back after a reload (the saves of the last words may
        # still be on their way: a few tries)
        for _ in range(6):
            page.wait_for_timeout(1_000)
            page.reload()
            wait(page)
            stored = page.locator("textarea").first.input_value()
            if all(w in stored for w in words[login]):
                break
        assert all(w in stored for w in words[login]), (login, stored)
        assert not any(w in stored for other in people if other != login for w in words[other])
        assert page.locator("[data-testid=stException]").count() == 0
        shot(page, login)
    # and each note is stored as its author's (read from a backup the running app writes)
    copy = backup.request_backup(info["db"], info["folder"] / "notes.duckdb", timeout=120)
    store = connect(copy)
    try:
        with store.cursor() as cur:
            rows = cur.execute("SELECT notes, updated_by FROM screenings").fetchall()
    finally:
        store.close()
    for login, name in people.items():
        authors = {by for notes, by in rows if notes and words[login][0] in notes}
        assert authors == {name}, (login, authors)
