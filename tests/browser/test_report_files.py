"""A report as a reader opens it: the HTML file in Chromium with the network off —
every chart drawn by the inlined plotly.js, nothing fetched — and printed to pages."""

from __future__ import annotations

from datetime import date

import pytest

from research.base import studies
from research.base.store import connect
from research.demo.build import build_demo
from research.reports.make import make_report
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def screenshot(page, name: str) -> None:
    """A full-page screenshot under build/screenshots, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    store = connect(folder / "demo.duckdb")
    build_demo(store, actor="browser-setup", as_of=date(2026, 11, 1), n_customers=300)
    demo = studies.get_study(store, "demo")
    files = {}
    for kind, lang in (("postmortem", "en"), ("checkpoint", "zh"), ("quarterly", "zh")):
        path = folder / f"{kind}.{lang}.html"
        path.write_bytes(
            make_report(
                store, kind, "html", lang=lang, reader="browser", study=demo, quarter="2026Q4"
            )
        )
        files[kind] = path
    store.close()
    return files


@pytest.mark.parametrize("kind", ["postmortem", "checkpoint", "quarterly"])
def test_every_chart_renders_offline(page, report_files, kind):
    fetched = []
    page.context.set_offline(True)
    page.context.route("**/*", lambda route: (fetched.append(route.request.url), route.continue_()))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report_files[kind].as_uri())
    charts = page.locator("figure.chart")
    expected = charts.count()
    assert expected >= 1
    page.wait_for_function(
        f"document.querySelectorAll('figure.chart .main-svg').length >= {expected}", timeout=30_000
    )
    for i in range(expected):
        figure = charts.nth(i)
        assert figure.locator(".main-svg").count() >= 1
        assert figure.locator(".main-svg").first.bounding_box()["height"] > 200
    assert errors == []
    assert [u for u in fetched if not u.startswith("file://")] == []
    screenshot(page, f"report-{kind}")


def test_the_html_prints_to_pages_with_its_charts(page, report_files, tmp_path):
    page.goto(report_files["postmortem"].as_uri())
    page.wait_for_function("document.querySelectorAll('figure.chart .main-svg').length >= 5")
    page.emulate_media(media="print")
    screenshot(page, "report-postmortem-print")
    pdf = tmp_path / "printed.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    assert len(reader.pages) > 3
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Executive summary" in text and "Method appendix" in text
