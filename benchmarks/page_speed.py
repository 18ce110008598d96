"""How fast does each page answer at company scale, in a real browser? A script, not a test.

    .venv/bin/python benchmarks/page_speed.py                      # 1M customers, 10M lines
    .venv/bin/python benchmarks/page_speed.py --customers 2000 --lines 20000 --runs 1
    .venv/bin/python benchmarks/page_speed.py --workdir build/scale  # keep the store for reruns

It builds the store through the product itself, as a company would: the export files
(benchmarks/import_speed.py's generator: Chinese headers, a quarter exact repeats) are
imported with ``defectors import``, a study is created and identified, a team is added
and the sample drawn with the CLI, and 10,000 final interview records are added (as
benchmarks/analysis_speed.py does). Each step's time is printed; with --workdir a second
run reuses the store.

Then it starts the app on that store (``streamlit run app.py``), drives Debian's
Chromium (never a downloaded browser) and prints, for every page's first visit in a
fresh tab, by the page's own clock from the start of the navigation: when its title was
drawn, when its content was (PAGES: the title, or the Defectors target list, or the
Analysis page's first chart) and when it was complete (every table and chart drawn, the
run finished); for a second visit through the sidebar, the time until it is drawn and
idle; the time of each interaction it finds (a filter, a
search, a sort, the next page of a table), and the app's resident memory with three
pages open. Targets (issue "The app at company scale"): first paint under 2 s, every
interaction under 1 s, under 1 GB resident.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for path in (str(ROOT), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from import_speed import MAP, defectors_command, write_files  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
STUDY = "scale"
BENCH_LOGIN, BENCH_PASSWORD = "bench", "benchmark-password"
AS_OF = "2026-01-01"
FIRST_PAINT_TARGET = 2.0
INTERACTION_TARGET = 1.0
MEMORY_TARGET_MB = 1024
# (address, its link in the sidebar, the page's content: what must be drawn on screen
# for the page to have painted what it is for: a title, Defectors' target list, the
# Analysis page's first chart)
TABLE_DRAWN = "[data-testid=stDataFrame] canvas"
CHART_DRAWN = ".defectors-chart .main-svg"  # screen/chart.py
PAGES = [
    ("study", "Study", "h1"),
    ("import_data", "Import data", "h1"),
    ("defectors", "Defectors", TABLE_DRAWN),
    ("team", "Team", "h1"),
    ("call_desk", "Call desk", "h1"),
    ("agenda", "Agenda", "h1"),
    ("interview", "Interview", "h1"),
    ("taxonomy", "Taxonomy", "h1"),
    ("analysis", "Analysis", CHART_DRAWN),
    ("review", "Review", "h1"),
    ("reports", "Reports", "h1"),
]


# ------------------------------------------------------------------ building the store


def cli(db: Path, *args: str) -> float:
    """Run one defectors command to its end; its wall time."""
    env = dict(os.environ, DEFECTORS_USER="benchmark")
    started = time.perf_counter()
    done = subprocess.run(
        [*defectors_command(), "--db", str(db), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"defectors {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def build(workdir: Path, lines: int, customers: int, findings: int, sample: int) -> Path:
    db = workdir / "scale.duckdb"
    if db.exists():
        print(f"reusing {db.name} (delete it to build anew)", flush=True)
        return db
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()
    customers_csv, tx_csv, _ = write_files(workdir, lines, customers, seed=7)
    steps.append((f"export files written ({lines:,} lines)", time.perf_counter() - started))
    steps.append(
        (
            "study created",
            cli(
                db, "study", "create", STUDY, "--as-of", AS_OF, "--target-sample-size", str(sample)
            ),
        )
    )
    steps.append(("customers imported", cli(db, "import", "customers", str(customers_csv))))
    steps.append(("transactions imported", cli(db, "import", "transactions", str(tx_csv), *MAP)))
    steps.append(("identify", cli(db, "identify", "--study", STUDY)))
    for name, role, extra in (
        (
            "周建国",
            "senior_manager",
            ["--hours", "mon-fri 09:00-12:00,14:00-17:30", "--quota", "25"],
        ),
        ("Grace Lin", "senior_manager", ["--hours", "mon-fri 10:00-16:00", "--quota", "25"]),
        ("王磊", "phone_interviewer", []),
        ("李娜", "phone_interviewer", []),
    ):
        cli(db, "team", "add", name, "--role", role, *extra, "--study", STUDY)
    steps.append(("sample drawn", cli(db, "targets", "draw", "--study", STUDY)))
    started = time.perf_counter()
    add_findings(db, findings)
    steps.append((f"{findings:,} final findings added", time.perf_counter() - started))
    for name, seconds in steps:
        print(f"  {name:<44}{seconds:8.1f} s", flush=True)
    for leftover in (customers_csv, tx_csv, workdir / "overlap.csv"):
        leftover.unlink(missing_ok=True)
    return db


def add_account(db: Path) -> None:
    """The benchmark's admin account (kept when the store is reused)."""
    done = subprocess.run(
        [*defectors_command(), "--db", str(db), "user", "add", BENCH_LOGIN, "--role", "admin"]
        + ["--password-stdin"],
        input=BENCH_PASSWORD + "\n",
        env=dict(os.environ, DEFECTORS_USER="benchmark"),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 and "taken" not in done.stdout + done.stderr:
        raise RuntimeError(done.stdout + done.stderr)


def sign_in(page, url: str) -> None:
    """Sign in on the app's sign-in screen; the browser keeps the sign-in (a cookie) for
    every later tab of the same context."""
    page.goto(address(url, "study"))
    page.locator(".st-key-signin_login input").fill(BENCH_LOGIN, timeout=180_000)
    page.locator(".st-key-signin_password input").fill(BENCH_PASSWORD)
    page.locator("[data-testid=stFormSubmitButton] button").click()
    page.wait_for_selector(".st-key-app_sign_out", timeout=180_000)
    deadline = time.monotonic() + 60
    while not any(c["name"] == "defectors_session" for c in page.context.cookies()):
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not hand the browser its sign-in")
        page.wait_for_timeout(100)


def add_findings(db: Path, total: int) -> None:
    from analysis_speed import add_findings as insert_findings

    from research.base import studies
    from research.base.store import connect

    store = connect(db)
    try:
        study = studies.get_study(store, STUDY)
        insert_findings(store, [study.id], total, seed=11)
    finally:
        store.close()


# ------------------------------------------------------------------ the app and the browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(db: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, DEFECTORS_DB=str(db), DEFECTORS_USER="benchmark")
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
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the app did not start:\n" + log.read_text())


def resident_mb(pid: int) -> float:
    """Resident memory of the app process and its children, in MB."""
    total = 0
    for candidate in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found]


# Streamlit marks its app element with the script's state (running, notRunning); this
# counts the runs that have finished, so that a wait can tell a new run from an old one.
COUNT_RUNS = """
window.__runsDone = 0;
new MutationObserver((changes) => {
  for (const change of changes) {
    if (change.target.getAttribute('data-test-script-state') === 'notRunning') {
      window.__runsDone += 1;
    }
  }
}).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
"""
SETTLED = """
([after]) => {
  const app = document.querySelector('[data-testid=stApp]');
  const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
  if (!idle || window.__runsDone <= after) { window.__idleSince = null; return false; }
  window.__idleSince = window.__idleSince || performance.now();
  return performance.now() - window.__idleSince >= 150;
}
"""


# The page's own clock (milliseconds from the start of the navigation), kept as the page
# is drawn: its title, its content (PAGES), the moment the last of its tables and charts
# was drawn, and the moment its last run finished. A first visit reports these rather
# than the time a poll from this script notices them.
PAINT = """
(contentByPage) => {
  window.__paint = {};
  const content = contentByPage[location.pathname.split('/').filter(Boolean).pop()] || 'h1';
  const look = () => {
    const p = window.__paint, now = performance.now();
    const main = document.querySelector('[data-testid=stMain]');
    if (!main) return;
    if (p.title === undefined && main.querySelector('h1')) p.title = now;
    if (p.content === undefined && main.querySelector(content)) p.content = now;
    const undrawn = (box, inside) =>
      [...main.querySelectorAll(box)].filter(
        (e) => e.getClientRects().length && !e.querySelector(inside)).length;  // shown ones
    const pending = undrawn('.defectors-chart', '.main-svg')
      + undrawn('[data-testid=stDataFrame]', 'canvas');
    if (pending === 0 && (p.pending === undefined || p.pending > 0)) p.drawn = now;
    p.pending = pending;
    const app = document.querySelector('[data-testid=stApp]');
    const idle = app && app.getAttribute('data-test-script-state') === 'notRunning';
    if (idle && !p.wasIdle) p.idle = now;
    p.wasIdle = idle;
  };
  new MutationObserver(look).observe(document, {childList: true, subtree: true, attributes: true});
}
"""


def paint_script() -> str:
    import json

    return f"({PAINT.strip()})({json.dumps({path: content for path, _, content in PAGES})});"


def painted(page) -> dict[str, float]:
    """Seconds from the start of the navigation: the title, the content, and complete (the
    last table or chart drawn and the run finished), once everything is drawn."""
    try:
        page.wait_for_function(
            "() => window.__paint && window.__paint.pending === 0 && window.__paint.wasIdle"
            " && window.__paint.content !== undefined",
            timeout=120_000,
            polling=50,
        )
    except Exception as e:
        state = page.evaluate("() => window.__paint")
        raise RuntimeError(f"{page.url} was not drawn completely: {state}") from e
    p = page.evaluate("() => window.__paint")
    return {
        "title": p["title"] / 1000,
        "content": p["content"] / 1000,
        "complete": max(p["drawn"], p["idle"]) / 1000,
    }


def runs_done(page) -> int:
    return page.evaluate("() => window.__runsDone || 0")


def settled(page, after: int, timeout: float = 180_000) -> None:
    """A script run that finished after ``after`` runs, and nothing running for 150 ms
    (a page may rerun itself once, as the frame does when it opens an address)."""
    page.evaluate("() => { window.__idleSince = null; }")
    page.wait_for_function(SETTLED, arg=[after], timeout=timeout, polling=25)


def drawn(page, selector: str, after: int = 0) -> None:
    settled(page, after)
    page.wait_for_selector(selector, timeout=120_000)


def timed(page, action: Callable[[], None]) -> float:
    """Seconds from the action until the run it caused has finished and the page is idle."""
    before = runs_done(page)
    started = time.perf_counter()
    action()
    settled(page, before)
    return time.perf_counter() - started


def address(url: str, page_path: str, **query: str) -> str:
    return f"{url}/{page_path}?" + urllib.parse.urlencode({"study": STUDY, **query})


def interactions(page) -> list[tuple[str, Callable[[], None]]]:
    """The interactions the issue names, on the Defectors page, as far as the page offers
    them (a name not found is reported as not measured)."""
    found: list[tuple[str, Callable[[], None]]] = []
    status = page.get_by_label("Status")
    if status.count():

        def filter_status() -> None:
            status.first.click()
            page.get_by_role("option").first.click()
            page.keyboard.press("Escape")  # close the list, as a person would

        found.append(("Defectors: a status filter", filter_status))
    sort = page.get_by_label("Sort by")
    if sort.count():

        def sort_by() -> None:
            sort.first.click()
            page.get_by_role("option").nth(1).click()

        found.append(("Defectors: sort by another column", sort_by))
    next_page = page.get_by_role("button", name="Next page")
    if next_page.count():
        found.append(("Defectors: next page of the table", lambda: next_page.first.click()))
    # last: a search for one customer leaves no next page
    search = page.get_by_label("Search ID or name")
    if search.count():

        def search_id() -> None:
            search.first.fill("C0000042")
            search.first.press("Enter")

        found.append(("Defectors: search a customer ID + Enter", search_id))
    return found


def analysis_interactions(page) -> list[tuple[str, Callable[[], None]]]:
    """A filter on the Analysis page, then opening its rates tab (the ledger's one pass,
    kept per version of the ledger: the first opening after a start computes it)."""

    def segment() -> None:
        page.get_by_label("Value segment").click()
        page.get_by_role("option", name="Best core").click()
        page.keyboard.press("Escape")

    return [
        ("Analysis: a segment filter", segment),
        (
            "Analysis: open the rates tab",
            lambda: page.get_by_role("tab", name="Rates and worth").click(),
        ),
        (
            "Analysis: back to the causes tab",
            lambda: page.get_by_role("tab", name="Causes").click(),
        ),
    ]


def interview_interactions(page) -> list[tuple[str, Callable[[], None]]]:
    """Finding a defector off the picker's list by id on the Interview page."""

    def find() -> None:
        box = page.locator(".st-key-interview_find input")
        box.fill("C0000042")
        box.press("Enter")

    return [("Interview: find a customer ID + Enter", find)]


def call_desk_interactions(page) -> list[tuple[str, Callable[[], None]]]:
    """Another interviewer's calls, then another target, on the Call desk (as far as the
    page offers them)."""
    found: list[tuple[str, Callable[[], None]]] = []
    for key, name in (
        ("desk_interviewer", "Call desk: another interviewer's calls"),
        ("desk_target", "Call desk: open another target"),
    ):
        box = page.locator(f".st-key-{key}")
        if box.count():

            def pick(box=box) -> None:
                box.click()
                page.get_by_role("option").nth(1).click()

            found.append((name, pick))
    return found


# page address -> the interactions measured on it, in order
INTERACTIONS = {
    "defectors": interactions,
    "analysis": analysis_interactions,
    "interview": interview_interactions,
    "call_desk": call_desk_interactions,
}


def visit(context, url: str, page: tuple[str, str, str], timings: dict) -> None:
    """The page's first visit in a fresh tab, then a second visit through the page links
    after another page."""
    page_path, title, selector = page
    print(f"  {page_path}", flush=True)
    tab = context.new_page()
    tab.goto(address(url, page_path))
    drawn(tab, selector)
    for what, seconds in painted(tab).items():
        timings.setdefault(f"{page_path}: first visit, {what}", []).append(seconds)
    other = "study" if page_path != "study" else "import_data"
    tab.goto(address(url, other))
    drawn(tab, "h1")
    link = tab.locator("[data-testid=stSidebar]").get_by_role("link", name=title, exact=True)
    before = runs_done(tab)
    started = time.perf_counter()
    link.first.click()
    drawn(tab, selector, after=before)
    timings.setdefault(f"{page_path}: second visit", []).append(time.perf_counter() - started)
    tab.close()


def drive(
    url: str, app_pid: int, runs: int, pages: list[str]
) -> tuple[dict[str, list[float]], float]:
    from playwright.sync_api import sync_playwright

    timings: dict[str, list[float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
            ],
        )
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.add_init_script(COUNT_RUNS)
        context.add_init_script(paint_script())
        warm = context.new_page()  # the first session after a start builds caches
        sign_in(warm, url)
        drawn(warm, "h1")
        warm.close()
        chosen = [p for p in PAGES if p[0] in pages]
        for run in range(runs):
            for page in chosen:
                visit(context, url, page, timings)
            for page_path, _, selector in chosen:
                if page_path not in INTERACTIONS:
                    continue
                tab = context.new_page()
                tab.goto(address(url, page_path))
                drawn(tab, selector)
                for name, action in INTERACTIONS[page_path](tab):
                    timings.setdefault(name, []).append(timed(tab, action))
                tab.close()
            print(f"  run {run + 1} of {runs} done", flush=True)
        # three pages open at once, as three colleagues would have them
        tabs = []
        for page_path, _, selector in (PAGES[2], PAGES[4], PAGES[8]):
            tab = context.new_page()
            tab.goto(address(url, page_path))
            drawn(tab, selector)
            tabs.append(tab)
        memory = resident_mb(app_pid)
        browser.close()
    return timings, memory


def target_of(name: str) -> float | None:
    """A first visit's target is on its content (its title and what the page is for);
    the title alone and the complete drawing are printed beside it."""
    if "first visit" in name:
        return FIRST_PAINT_TARGET if name.endswith("content") else None
    return FIRST_PAINT_TARGET if "second visit" in name else INTERACTION_TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=400, help="target sample size")
    parser.add_argument("--runs", type=int, default=3, help="visits of each page (median)")
    parser.add_argument("--workdir", type=Path, help="keep the store here (default: a temp dir)")
    parser.add_argument(
        "--pages",
        default=",".join(p[0] for p in PAGES),
        help="the page addresses to visit, comma-separated (default: every page)",
    )
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return run(args, args.workdir)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="page-speed-") as tmp:
        return run(args, Path(tmp))


def run(args: argparse.Namespace, workdir: Path) -> int:
    print(
        f"Page benchmark: {args.customers:,} customers, {args.lines:,} lines, "
        f"{args.findings:,} findings; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    db = build(workdir, args.lines, args.customers, args.findings, args.sample)
    add_account(db)  # every browser signs in
    log = workdir / "app.log"
    proc, url = start_app(db, log)
    try:
        timings, memory = drive(url, proc.pid, args.runs, args.pages.split(","))
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    print("\n" + "=" * 88)
    failures = 0
    for name, values in timings.items():
        target = target_of(name)
        median = statistics.median(values)
        ok = target is None or median < target
        failures += not ok
        verdict = "    " if target is None else "PASS" if ok else "FAIL"
        print(
            f"{verdict}  {name:<48}median {median:6.2f} s"
            f"   ({min(values):.2f}–{max(values):.2f}, n={len(values)}"
            + (f"; target < {target:.0f} s)" if target is not None else ")")
        )
    ok = memory < MEMORY_TARGET_MB
    failures += not ok
    print(
        f"{'PASS' if ok else 'FAIL'}  app resident memory, three pages open      {memory:,.0f} MB"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    tracebacks = log.read_text().count("Traceback")
    print(f"tracebacks in the app's log: {tracebacks}")
    print("=" * 88)
    return 1 if failures or tracebacks else 0


if __name__ == "__main__":
    sys.exit(main())
