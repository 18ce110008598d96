"""Real-browser fixtures: the app served by Streamlit, driven by Debian's Chromium.

The browser is never downloaded: Playwright is pointed at /usr/bin/chromium. Where
it is missing, browser tests are skipped on a developer machine and fail in CI
(CI=true), where .ci/run installs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from research.base.store import connect
from research.demo.accounts import DEMO_PASSWORD
from research.demo.build import build_demo
from research.demo.company import write_files
from research.findings import interviews

ROOT = Path(__file__).resolve().parents[2]
# A page on a busy 2-core machine can take longer than Playwright's 5 s to redraw after
# a rerun; 20 s keeps the tests about behaviour, not about the machine's load.
expect.set_options(timeout=20_000)
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "build" / "screenshots"  # pytest-playwright empties test-results/


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 1440, "height": 1000},
        "accept_downloads": True,
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, n_customers: int = 400, prepare=None):
    """Serve the app on a fresh small demo database in ``folder``; returns (process, info).
    ``prepare(store, demo_study)``, if given, adds to the database before the app opens it
    (while the app runs, no other process can open the file)."""
    db = folder / "browser.duckdb"
    store = connect(db)
    demo = build_demo(
        store, actor="browser-setup", as_of=date(2026, 11, 1), n_customers=n_customers
    )
    if prepare is not None:
        prepare(store, demo)
    records = interviews.list_findings(store, demo)
    interviewed = records.loc[records["status"] == "final", "customer_id"].tolist()
    store.close()
    port = _free_port()
    env = {**os.environ, "DEFECTORS_DB": str(db), "DEFECTORS_USER": "browser-tester"}
    log = open(folder / "server.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("the app did not start: " + (folder / "server.log").read_text())
    # who has a final interview record (the demo's timeline follows today's date)
    return (
        proc,
        log,
        {
            "url": url,
            "db": db,
            "folder": folder,
            "interviewed": interviewed,
            "records": records,  # the demo study's interview records (id, customer_id, ...)
        },
    )


def stop_server(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """One app server for the session, on its own copy of a small demo database."""
    proc, log, info = start_server(tmp_path_factory.mktemp("server"))
    yield info
    stop_server(proc, log)


@pytest.fixture
def fresh_server(tmp_path):
    """A server nobody has visited yet (the first request after a start is special)."""
    proc, log, info = start_server(tmp_path, n_customers=150)
    yield info
    stop_server(proc, log)


@pytest.fixture
def shot(request):
    """Save a full-page screenshot under build/screenshots for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS / f"{request.node.name}-{name}.png"
        charts = page.locator(".defectors-chart").count()
        if charts:
            page.wait_for_function(
                f"document.querySelectorAll('.defectors-chart .main-svg').length >= {charts}",
                timeout=30_000,
            )
        # Streamlit scrolls its main block, not the document: grow the viewport to fit it
        size = page.viewport_size
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 8000)})
        page.wait_for_timeout(1500)  # data grids redraw after a resize
        page.screenshot(path=str(path))
        page.set_viewport_size(size)
        return path

    return take


def wait_for_app(page) -> None:
    """Streamlit is idle: the page has rendered and no script is running. Streamlit marks
    its app element with the script's state (``data-test-script-state``: initial,
    running, notRunning); the status widget this once read is hidden in this app."""
    page.wait_for_selector("[data-testid=stApp]", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=60_000,
    )
    page.wait_for_timeout(300)


SIGN_IN_AS = "admin"  # the demo's admin account (research/demo/accounts.py)


def sign_in(page, login: str = SIGN_IN_AS, password: str = DEMO_PASSWORD) -> None:
    """Sign in on the sign-in screen the app shows a new browser, in either language;
    the page that was asked for opens after it. The browser keeps the sign-in (a
    cookie), so its reloads and later pages need no second sign-in."""
    wait_for_app(page)
    page.locator(".st-key-signin_login input").fill(login)
    page.locator(".st-key-signin_password input").fill(password)
    page.locator("[data-testid=stFormSubmitButton] button").click()
    page.wait_for_selector(".st-key-app_sign_out", timeout=60_000)
    wait_for_app(page)
    # the browser keeps the sign-in once the page has handed it its cookie (a component
    # mounted after the run): a page opened before that would ask again
    for _ in range(300):
        if any(c["name"] == "defectors_session" for c in page.context.cookies()):
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the app never handed the browser its sign-in cookie")


def open_signed_in(page, url: str, login: str = SIGN_IN_AS) -> None:
    """A new browser opens ``url`` and signs in as ``login``."""
    page.goto(url)
    sign_in(page, login)


@pytest.fixture
def app_page(page, server):
    open_signed_in(page, server["url"])
    page.wait_for_selector("h1", timeout=60_000)
    return page


@pytest.fixture
def wait():
    return wait_for_app


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("exports")
    write_files(folder, date(2026, 11, 1), n_customers=150)
    return folder
