"""Golden files: each report in each language, rendered from the small study of
tests/unit/conftest.py, is compared with the HTML kept in tests/unit/golden/reports.

What changes from run to run or release to release is scrubbed first (as coverage.py's
HTML tests do): the time the report was made, the product version, plotly.js (4.8 MB)
and the charts' Plotly JSON, which research/reports/charts.py's own tests cover. On a
difference the test writes the new HTML and a unified diff to build/golden/reports/,
for a reviewer to open. After a wanted change, accept it with:

    REPORTS_GOLDEN_UPDATE=1 .venv/bin/python -m pytest tests/unit/test_report_golden.py
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from research.reports import data as report_data
from research.reports.audience import audience_for
from research.reports.make import build
from research.reports.render import render_html

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden" / "reports"
OUTPUT = ROOT / "build" / "golden" / "reports"
UPDATE = os.environ.get("REPORTS_GOLDEN_UPDATE") == "1"

SCRUBS = [
    (re.compile(r'(<span class="generated-at">).*?(</span>)'), r"\1[when]\2"),
    (re.compile(r'(<span class="product-version">).*?(</span>)'), r"\1[version]\2"),
    (re.compile(r'(<script id="plotly-js">).*?(</script>)', re.S), r"\1[plotly.js]\2"),
    (
        re.compile(
            r"(<script>)\s*window\.PLOTLYENV.*?Plotly\.newPlot\(\s*\"([\w-]+)\".*?(</script>)", re.S
        ),
        r"\1[chart \2]\3",
    ),
]


def scrub(html: str) -> str:
    for pattern, replacement in SCRUBS:
        html = pattern.sub(replacement, html)
    return html


def test_scrubbing_keeps_everything_else():
    html = (
        '<p><span class="generated-at">Dec 1, 2026</span> <span class="product-version">0.1.0'
        '</span></p><script id="plotly-js">var Plotly = 1;</script><div id="chart-x"></div>'
        "<script>                window.PLOTLYENV=window.PLOTLYENV || {};  if (1) {"
        ' Plotly.newPlot(   "chart-x", [{"y": [1]}]) };  </script><p>kept</p>'
    )
    assert scrub(html) == (
        '<p><span class="generated-at">[when]</span> <span class="product-version">[version]'
        '</span></p><script id="plotly-js">[plotly.js]</script><div id="chart-x"></div>'
        "<script>[chart chart-x]</script><p>kept</p>"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", report_data.KINDS)
def test_report_matches_its_golden_file(store, report_study, kind, lang):
    data = build(store, kind, lang=lang, reader="reviewer", study=report_study, quarter="2024Q4")
    assert data.meta.generated_by == audience_for("reviewer").reader
    actual = scrub(render_html(data))
    name = f"{kind}.{lang}.html"
    golden = GOLDEN / name
    if UPDATE or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{golden.relative_to(ROOT)} was missing and has been written: check it")
        return
    expected = golden.read_text(encoding="utf-8")
    if actual != expected:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / name).write_text(actual, encoding="utf-8")
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile=f"actual/{name}",
            )
        )
        (OUTPUT / f"{name}.diff").write_text(diff, encoding="utf-8")
        pytest.fail(
            f"{name} differs from its golden file; see {(OUTPUT / name).relative_to(ROOT)}"
            f" and the .diff beside it (REPORTS_GOLDEN_UPDATE=1 accepts the change)"
        )
