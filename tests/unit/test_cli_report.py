"""`defectors report ...` on the demo database: the HTML file, the Chinese PDF (its text,
its fonts, its pages and contents), and the messages for a wrong ending or quarter.

The PDF test is the suite's one PDF: Kaleido starts Chromium once for it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from research.base import studies
from research.base.store import connect
from research.cli import main
from research.findings import interviews

SCRIPT = '<script>alert("pdf")</script> 我们 & 他们'


def run(db, *args, lang="en"):
    return CliRunner().invoke(
        main, ["--db", str(db), "--lang", lang, *args], env={"DEFECTORS_USER": "cli-tester"}
    )


def test_postmortem_html_opens_offline_with_every_chart(demo_db, tmp_path):
    out = tmp_path / "demo.html"
    result = run(demo_db, "report", "postmortem", "--study", "demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}" in result.output
    html = out.read_text(encoding="utf-8")
    assert html.count('<script id="plotly-js">') == 1
    assert "<script src=" not in html and "<link" not in html
    for chart in ("funnel", "spend", "pareto", "weighted", "satisfaction"):
        assert f'id="chart-{chart}"' in html
    assert "Executive summary" in html and "Method appendix" in html


def test_quarterly_pack_in_chinese_from_the_command(demo_db, tmp_path):
    out = tmp_path / "q.html"
    result = run(
        demo_db, "report", "quarterly", "--quarter", "2026Q4", "--out", str(out), "--lang", "zh"
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "季度失败分析报告" in html and "原因趋势与变化判断" in html


@pytest.mark.parametrize(
    "args, message",
    [
        (["postmortem", "--out", "demo.txt"], "ending in .html or .pdf"),
        (["quarterly", "--quarter", "2026Q5", "--out", "q.html"], "is not a quarter"),
        (["checkpoint", "--study", "nope", "--out", "c.html"], "nope"),
    ],
)
def test_mistakes_get_a_message_not_a_traceback(demo_db, tmp_path, args, message):
    result = run(demo_db, "report", *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_chinese_pdf_has_text_fonts_pages_and_contents(demo_db, tmp_path):
    store = connect(demo_db)
    demo = studies.get_study(store, "demo")
    # a final record's quote, tagged with the top cause: the report shows its verbatims
    from research.analysis import causes

    top = causes.cause_table(store, causes.FindingsFilter((demo.id,))).rows[0].key
    # on the newest final record: the report shows each top cause's newest quotes, and the
    # demo's newest interviews depend on the hour the test runs (its timeline ends today)
    frame = interviews.list_findings(store, demo)
    final = frame[frame["status"] == "final"].sort_values(
        ["interview_date", "id"], ascending=[False, True]
    )
    finding = int(final["id"].iloc[0])
    interviews.add_quote(store, finding, actor="t", text=SCRIPT, code=top)
    store.close()
    out = tmp_path / "demo.pdf"
    result = run(demo_db, "report", "postmortem", "--out", str(out), "--lang", "zh")
    assert result.exit_code == 0, result.output

    reader = PdfReader(out)
    assert len(reader.pages) > 1
    text = "\n".join(page.extract_text() for page in reader.pages)
    for heading in ("研究总结报告", "目录", "执行摘要", "分析图表", "方法附录", "主要流失原因"):
        assert heading in text, heading
    # the contents give each section its page: "执行摘要 ....... 1"
    first = reader.pages[0].extract_text()
    assert re.search(r"执行摘要\s*\.{5,}\s*\d+", first), first
    assert re.search(r"第 \d+ 页，共 \d+ 页", text)
    # typed script is text in the PDF too
    assert '<script>alert("pdf")</script>' in text.replace("\n", "")

    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"]
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                embedded.add(str(font["/BaseFont"]))
    assert any("CJK" in name for name in embedded), embedded
    # the charts are images in the PDF
    assert sum(len(page.images) for page in reader.pages) >= 5
