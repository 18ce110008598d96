"""A whole study in a real browser, the way a team runs it: draw the sample, call a
defector, book the interview, hold it, record the findings and mark them final, then
change the sample's seed and draw again. Nothing done is lost and every page counts the
same: the pages' figures are compared with the study's counts, read from a backup that
the running app writes on request (no other process can open its database)."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from research.analysis import overview
from research.base import backup, studies
from research.base.store import connect
from research.desk import calls, scheduling, team
from research.findings import interviews
from research.selection import detection, sampling
from tests.browser.conftest import open_signed_in, start_server, stop_server

pytestmark = pytest.mark.browser

STUDY = "whole study"
SAMPLE = 12
ACTOR = "browser-setup"


def prepare(store, demo) -> None:
    """A new study of the demo company's ledger with the demo's team, no targets yet."""
    study = studies.create_study(
        store, STUDY, demo.as_of, actor=ACTOR, target_sample_size=SAMPLE, sample_seed=7
    )
    for member in team.list_members(store, "senior_manager"):
        team.add_to_study(store, study, member, actor=ACTOR, quota=5)
    for member in team.list_members(store, "phone_interviewer"):
        team.add_to_study(store, study, member, actor=ACTOR)
    detection.run_detection(store, study, actor=ACTOR)


@pytest.fixture
def study_server(tmp_path):
    proc, log, info = start_server(tmp_path, n_customers=300, prepare=prepare)
    yield info
    stop_server(proc, log)


class Snapshot:
    """The study as stored, from a backup the app writes while it runs."""

    def __init__(self, info, name: str):
        path = backup.request_backup(info["db"], info["folder"] / f"{name}.duckdb", timeout=120)
        store = connect(path)
        try:
            study = studies.get_study(store, STUDY)
            self.counts = overview.study_counts(store, study)
            targets = sampling.target_list(store, study)
            self.targets = set(targets["customer_id"])
            state = calls.call_state(store, study)
            self.interviewer = dict(zip(state["customer_id"], state["interviewer_id"], strict=True))
            self.bookings = scheduling.list_interviews(store, study)
            records = interviews.list_findings(store, study)
            self.final = set(records.loc[records["status"] == "final", "customer_id"])
            self.names = {m.id: m.name for m in team.list_members(store)}
        finally:
            store.close()


def go(page, info, address: str, wait, **query) -> None:
    params = "&".join(f"{k}={v}" for k, v in {"study": STUDY, **query}.items())
    page.goto(f"{info['url']}/{address}?{params}")
    wait(page)
    expect(page.locator("h1").first).to_be_visible()


def metric(page, label: str) -> str:
    box = page.locator("[data-testid=stMetric]").filter(has=page.get_by_text(label, exact=True))
    return box.first.locator("[data-testid=stMetricValue]").inner_text().strip()


def no_exception(page) -> None:
    assert page.locator("[data-testid=stException]").count() == 0


def test_a_whole_study_draw_call_book_hold_record_redraw(browser, study_server, wait, shot):
    info = study_server
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    open_signed_in(page, info["url"])  # the front door first, as a colleague opening the app

    # ---- draw the sample
    go(page, info, "defectors", wait)
    page.locator(".st-key-targets_draw button").click()
    wait(page)
    expect(page.get_by_text(re.compile(rf"{SAMPLE} defectors drawn"))).to_be_visible()
    no_exception(page)
    # ---- the lead deals the targets out to the phone interviewers
    go(page, info, "team", wait)
    page.locator(".st-key-team_assign_even_go button").click()
    wait(page)
    expect(page.get_by_text(f"{SAMPLE} targets assigned.")).to_be_visible()
    no_exception(page)
    drawn = Snapshot(info, "drawn")
    assert drawn.counts.targets == SAMPLE and drawn.counts.tried == 0
    assert all(pd.notna(drawn.interviewer[c]) for c in drawn.targets), "dealt out"

    # ---- an interviewer calls the first defector on their list, reaches them, books
    go(page, info, "call_desk", wait)
    caller = drawn.names[sorted(drawn.interviewer[c] for c in drawn.targets)[0]]
    box = page.locator(".st-key-desk_interviewer")
    box.locator("input").click()
    page.get_by_role("option", name=caller, exact=True).click()
    wait(page)
    calling = page.get_by_role("heading", name=re.compile("^Calling "))
    expect(calling).to_be_visible()
    page.locator("[data-testid=stRadio]").first.get_by_text("Reached", exact=True).click()
    wait(page)
    page.get_by_role("button", name="Log call").click()
    wait(page)
    expect(page.get_by_text(re.compile(r"^Logged: Reached"))).to_be_visible()
    book = page.get_by_role("button", name="Book interview")
    if book.is_disabled():  # the first free slot is night for the defector: they asked
        page.get_by_text("They asked for this time: book it anyway").click()
        wait(page)
    book.click()
    wait(page)
    expect(page.get_by_text("Interview booked")).to_be_visible()
    no_exception(page)
    booked = Snapshot(info, "booked")
    (booking,) = booked.bookings
    who = booking.customer_id
    assert booking.status == "booked" and who in booked.targets
    assert (booked.counts.tried, booked.counts.reached, booked.counts.booked) == (1, 1, 1)

    # ---- it was held at once (earlier than booked): mark it held on the agenda
    go(page, info, "agenda", wait)
    page.locator(".st-key-agenda_done button").click()
    wait(page)
    expect(
        page.get_by_text(re.compile("^Marked as held, earlier than booked: it was booked for"))
    ).to_be_visible()

    # ---- the agenda's link opens that interview's record; record it and mark it final
    page.get_by_role("tab", name="Awaiting findings").click()
    panel = page.get_by_role("tabpanel", name="Awaiting findings")
    panel.locator("[data-testid=stExpander] summary").first.click()
    link = panel.get_by_role("link", name="Record the interview findings")
    expect(link).to_be_visible()
    wait(page)  # a link clicked while a run is under way may be superseded by that run
    link.click()
    wait(page)
    # Streamlit moves between pages in the browser's history, without a page load
    expect(page).to_have_url(re.compile(rf"interview={booking.id}"))
    page.locator(".st-key-interview_record_booking button").click()
    wait(page)
    expect(page).to_have_url(re.compile(r"finding=\d+"))
    fid = int(re.search(r"finding=(\d+)", page.url)[1])
    primary = page.locator(f".st-key-interview_{fid}_primary_code input")
    primary.click()
    primary.press_sequentially("Policy change", delay=20)
    primary.press("Enter")
    wait(page)
    page.locator(f".st-key-interview_{fid}_finalize button").click()
    wait(page)
    expect(page.get_by_text(re.compile(rf"Record #{fid} is final"))).to_be_visible()
    no_exception(page)
    shot(page, "final")
    held = Snapshot(info, "held")
    assert held.final == {who}
    assert (held.counts.interviewed, held.counts.interviews_held) == (1, 1)
    assert (held.counts.final_records, held.counts.draft_records) == (1, 0)

    # ---- a new seed, and the sample drawn again
    go(page, info, "study", wait)
    page.get_by_text("Study settings and rules").click()
    seed = page.locator(".st-key-study_sample_seed input")
    seed.fill("99")
    seed.press("Tab")
    page.get_by_role("button", name="Save settings").click()
    wait(page)
    go(page, info, "defectors", wait)
    page.locator(".st-key-targets_draw button").click()
    wait(page)
    expect(
        page.get_by_text(re.compile(r"Kept because work was done on them \(1\)"))
    ).to_be_visible()
    no_exception(page)
    redrawn = Snapshot(info, "redrawn")

    # nothing done was lost: the worked target, its interviewer, its call, booking, record
    assert who in redrawn.targets and redrawn.targets != drawn.targets
    assert redrawn.interviewer[who] == booked.interviewer[who]
    assert [(b.id, b.customer_id, b.status) for b in redrawn.bookings] == [
        (booking.id, who, "done")
    ]
    assert redrawn.final == {who}
    c = redrawn.counts
    assert (c.targets, c.tried, c.booked, c.interviewed, c.final_records) == (SAMPLE, 1, 1, 1, 1)

    # ---- and every page says the same
    go(page, info, "study", wait)
    assert metric(page, "Targets") == str(c.targets)
    assert metric(page, "Final interview records") == "1"
    assert metric(page, "Interviews held (incl. drafts)") == "1"
    no_exception(page)
    shot(page, "study")
    go(page, info, "review", wait)
    assert metric(page, "Interviews held (final records)") == "1"
    no_exception(page)
    assert "Traceback" not in (info["folder"] / "server.log").read_text()
