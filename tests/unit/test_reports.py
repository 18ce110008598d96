"""Reports: their data comes from the analysis functions (same numbers), personal fields
follow the reader, typed text is escaped, and every section has its place in the
contents. The HTML itself is compared with golden files in test_report_golden.py."""

from __future__ import annotations

import re

import pytest

from research.analysis import actions, causes, checkpoint, trends
from research.analysis.causes import FindingsFilter, wilson
from research.base.i18n import Translator
from research.desk import calls
from research.reports import data as report_data
from research.reports import render
from research.reports.audience import PERSONAL_FIELDS, Audience, audience_for
from research.reports.data import (
    Assumption,
    RateSections,
    ReportError,
    SegmentRates,
    ShareMovement,
    WonBack,
    WorthModel,
)
from research.reports.make import build, format_of
from tests.unit.conftest import SCRIPT_NOTE, SCRIPT_QUOTE

TEMPLATES = render.TEMPLATES
EVERYONE = audience_for("tester")
NOBODY = Audience("guest", frozenset())


# ---------------------------------------------------------------- same numbers


def test_postmortem_shows_the_analysis_numbers(store, report_study):
    data = report_data.postmortem_data(store, report_study, "en", EVERYONE)
    filt = FindingsFilter((report_study.id,))
    assert data.causes == causes.cause_table(store, filt)
    assert data.groups == causes.cause_table(store, filt, by="group")
    assert data.control == causes.control_shares(store, filt)
    assert data.competitors.equals(causes.competitors(store, filt))
    assert data.satisfaction.equals(causes.satisfaction_profile(store, filt))
    assert data.by_segment.equals(causes.cross_tab(store, filt, "segment"))
    assert data.causes.n == 12
    assert [r.key for r in data.top_causes][:2] == ["competitor_lower_price", "staff_attitude"]
    assert data.summary.full == 8 and data.summary.partial == 4
    # verbatims per top cause are the Analysis page's, newest first
    for group in data.quotes:
        expected = causes.verbatims(store, filt, cause=group.cause).head(
            report_data.QUOTES_PER_CAUSE
        )
        assert [q.text for q in group.quotes] == list(expected["text"])
    progress = calls.progress(store, report_study)
    shown = data.method.progress
    assert (shown.funnel, shown.response_rate, shown.refusal_rate, shown.planned) == (
        progress.funnel,
        progress.response_rate,
        progress.refusal_rate,
        progress.planned,
    )
    assert data.method.interviews == 12


def test_checkpoint_shows_the_checkpoint_numbers(store, report_study):
    data = report_data.checkpoint_data(store, report_study, "en", EVERYONE)
    state = checkpoint.checkpoint(store, report_study)
    assert (data.state.planned, data.state.held) == (state.planned, state.held)
    assert data.state.ranking == state.ranking
    assert data.state.saturation == state.saturation
    assert data.team.equals(state.team)
    assert data.changes.equals(state.changes_since_previous())
    assert [r.attendees for r in data.reviews] == [SCRIPT_NOTE]


def test_quarterly_pack_shows_trends_verdicts_and_action_effects(store, report_study):
    data = report_data.quarterly_data(store, "2024q4", "en", EVERYONE)
    assert (data.quarter, data.previous) == ("2024Q4", "2024Q3")
    every = (report_study.id,)
    table = trends.quarterly_counts(store, FindingsFilter(every, None, data.end))
    assert list(data.changes) == trends.changes(table, "2024Q3", "2024Q4")
    assert data.causes == causes.cause_table(store, FindingsFilter(every, data.start, data.end))
    assert data.causes.n == 6
    # grew beyond chance, or not heard at all the quarter before
    assert {c.cause for c in data.emerging} == {"competitor_lower_price", "moved_away"}
    (effect,) = data.actions
    action = actions.list_actions(store)[0]
    assert effect.change == actions.action_effect(store, action, every).change
    assert effect.change.count_before == 4 and effect.change.count_after == 0
    assert data.rates == RateSections() and not data.rates.any


def test_a_quarter_without_an_earlier_one_has_no_verdicts(store, report_study):
    data = report_data.quarterly_data(store, "2024Q3", "en", EVERYONE)
    assert data.previous is None and data.changes == ()
    assert list(data.counts.columns) == ["2024Q3"]
    assert "No earlier quarter has interviews" in render.render_html(data)


@pytest.mark.parametrize("label", ["2024Q5", "Q3", "2024-07", "", "abcQ1"])
def test_a_quarter_must_look_like_2026q3(label):
    with pytest.raises(ReportError) as info:
        report_data.parse_quarter(label)
    assert info.value.key == "error.report_quarter"


def test_report_quarters_are_those_with_interviews(store, report_study):
    assert report_data.report_quarters(store) == ["2024Q4", "2024Q3"]


# ---------------------------------------------------------------- who sees what


def test_every_reader_sees_everything_until_accounts_exist():
    assert audience_for("anyone").personal_fields == frozenset(PERSONAL_FIELDS)
    with pytest.raises(KeyError):
        EVERYONE.sees("phone")  # not a field a report has: a typo must not pass


def test_hidden_personal_fields_are_left_out_of_the_data_and_the_html(store, report_study):
    post = report_data.postmortem_data(store, report_study, "en", NOBODY)
    quotes = [q for group in post.quotes for q in group.quotes]
    assert quotes and all(q.customer_id is None and q.customer_name is None for q in quotes)
    assert all(a.owner is None for a in post.actions)
    check = report_data.checkpoint_data(store, report_study, "en", NOBODY)
    assert check.team is None and check.state.team.empty
    assert all(r.attendees is None and r.decisions is None for r in check.reviews)
    assert check.state.previous.attendees == ""
    for data in (post, check):
        text = render.render_html(data).replace(render.plotly_js(), "")
        for personal in ("客户00 Ltd", "C00", "李娜", "周建国", "Grace Lin", "Wrong numbers"):
            assert personal not in text, personal
    shown = render.render_html(report_data.checkpoint_data(store, report_study, "en", EVERYONE))
    assert "Grace Lin" in shown and "Wrong numbers on the list" in shown


# ---------------------------------------------------------------- escaping


def test_typed_text_is_text_in_the_html(store, report_study):
    post = render.render_html(report_data.postmortem_data(store, report_study, "en", EVERYONE))
    check = render.render_html(report_data.checkpoint_data(store, report_study, "en", EVERYONE))
    assert "&lt;script&gt;alert(&#34;quote&#34;)&lt;/script&gt; Tom &amp; Jerry" in post
    assert "&lt;b&gt;bold&lt;/b&gt;" in post
    assert "Lab instruments, 2024 &lt;i&gt;pilot&lt;/i&gt;" in post
    assert "Call back within a day &lt;now&gt;" in post
    assert "&lt;img src=x onerror=alert(1)&gt;" in check
    for text in (post, check):
        assert SCRIPT_QUOTE not in text and "<img src=x" not in text and "<i>pilot" not in text
        # the only scripts are plotly.js, the charts and the print helper
        scripts = re.findall(r"<script[^>]*>", text)
        assert scripts.count('<script id="plotly-js">') == 1
        assert all(s in ('<script id="plotly-js">', "<script>") for s in scripts)
        assert "alert(" not in "".join(re.findall(r"<script>(.*?)</script>", text, re.S))


def test_css_strings_cannot_close_the_style_element():
    quoted = render.css_string('</style><script>alert(1)</script> "x" \\')
    assert "<" not in quoted and ">" not in quoted and '"x"' not in quoted
    assert quoted.startswith('"') and quoted.endswith('"')
    assert str(render.page_counter(Translator("zh"))) == (
        '"第 " counter(page) " 页，共 " counter(pages) " 页"'
    )


# ---------------------------------------------------------------- contents and sections


def _anchors(html: str) -> tuple[list[str], set[str]]:
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.S).group(0)
    return re.findall(r'href="#([^"]+)"', toc), set(re.findall(r'<section[^>]* id="([^"]+)"', html))


@pytest.mark.parametrize("kind", report_data.KINDS)
def test_the_contents_list_every_section_and_only_those(store, report_study, kind):
    data = build(store, kind, lang="zh", reader="t", study=report_study, quarter="2024Q4")
    html = render.render_html(data)
    listed, sections = _anchors(html)
    assert listed == [s.anchor for s in render.outline(data)]
    assert set(listed) == sections
    assert listed[-1] == "method"
    assert '<html lang="zh-Hans">' in html


def test_rate_sections_appear_only_with_data(store, report_study):
    plain = render.render_html(report_data.quarterly_data(store, "2024Q4", "en", EVERYONE))
    for anchor in ("defection-rates", "share-movement", "won-back", "worth"):
        assert f'id="{anchor}"' not in plain and f'href="#{anchor}"' not in plain
    rates = RateSections(
        defection_rates=SegmentRates(
            ("2024Q3", "2024Q4"), (("best_core", (wilson(2, 40), wilson(5, 41))),)
        ),
        share_movement=(ShareMovement("2024Q4", wilson(30, 200), wilson(55, 200)),),
        won_back=(WonBack("general", wilson(3, 12), 45_000.0),),
        worth=WorthModel(
            assumptions=(Assumption("report.worth_assumptions", 0.05, "percent"),),
            results=(Assumption("report.worth_results", 1_250_000.0, "money"),),
        ),
    )
    data = report_data.quarterly_data(store, "2024Q4", "en", EVERYONE, rates=rates)
    html = render.render_html(data)
    listed, sections = _anchors(html)
    assert listed[-5:] == ["defection-rates", "share-movement", "won-back", "worth", "method"]
    assert {"defection-rates", "share-movement", "won-back", "worth"} <= sections
    assert "5 · 12% (5%–26%)" in html  # 5 of 41 with its Wilson interval
    assert "CN¥45,000.00" in html and "5.0%" in html and "CN¥1,250,000.00" in html


def test_rate_sections_hook_is_empty_until_rates_exist(store, report_study):
    assert report_data.rate_sections(store, "2024Q4", (report_study.id,)) == RateSections()


def test_chinese_report_reads_chinese(store, report_study):
    html = render.render_html(report_data.postmortem_data(store, report_study, "zh", EVERYONE))
    for heading in ("执行摘要", "目录", "流失客户的原话", "方法附录", "主要流失原因"):
        assert heading in html
    assert "Executive summary" not in html


def test_plotly_js_is_inlined_once_and_every_chart_has_its_place(store, report_study):
    html = render.render_html(report_data.postmortem_data(store, report_study, "en", EVERYONE))
    assert html.count(render.plotly_js()[:200]) == 1
    assert "<script src=" not in html and "<link" not in html and 'src="http' not in html
    for key in ("funnel", "spend", "pareto", "weighted", "satisfaction"):
        assert f'<div id="chart-{key}"' in html
        assert f'Plotly.newPlot(                        "chart-{key}"' in html


# ---------------------------------------------------------------- every word in both languages


def test_every_key_the_templates_use_is_in_both_catalogs():
    from tests.unit.test_i18n import EN, ZH

    used, families = set(), set()
    for path in TEMPLATES.glob("*.j2"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([a-z0-9_.]+)"\s*[,)]', text))
        families |= set(re.findall(r'\bt\("([a-z0-9_.]+\.)"\s*~', text))
    used |= {s.title_key for s in _every_section()}
    assert len(used) > 80
    assert sorted(k for k in used if k not in EN or k not in ZH) == []
    members = {
        "report.title.": report_data.KINDS,
        "report.worked.": ("yes", "no", "unknown"),
        "action.status.": actions.STATUSES,
        "review.kind.": checkpoint.REVIEW_KINDS,
        "study_status.": ("planning", "screening", "interviewing", "review", "closed"),
        "progress.": calls.FUNNEL_STAGES,
    }
    assert families == set(members)
    missing = [p + v for p, values in members.items() for v in values if p + v not in EN]
    assert missing == []


def _every_section():
    import inspect

    source = inspect.getsource(render.outline)
    return [render.Section(a, k) for a, k in re.findall(r'Section\("([^"]+)", "([^"]+)"\)', source)]


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize("name, fmt", [("a.html", "html"), ("B.PDF", "pdf"), ("c.htm", "html")])
def test_the_file_ending_chooses_the_format(name, fmt):
    assert format_of(name) == fmt


@pytest.mark.parametrize("name", ["report.txt", "report", "report.pdf.zip"])
def test_other_endings_are_refused(name):
    with pytest.raises(ReportError) as info:
        format_of(name)
    assert info.value.key == "error.report_out"


def test_unknown_kind_and_missing_study_are_refused(store, report_study):
    with pytest.raises(ReportError) as info:
        build(store, "annual", lang="en", reader="t")
    assert info.value.key == "error.report_kind"
    with pytest.raises(ReportError) as info:
        build(store, "postmortem", lang="en", reader="t")
    assert info.value.key == "error.report_study"
    with pytest.raises(ReportError) as info:
        render.render(report_data.quarterly_data(store, "2024Q4", "en", EVERYONE), "docx")
    assert info.value.key == "error.report_format"


def test_a_study_report_without_actions_says_where_the_other_studies_actions_are(
    store, report_study
):
    """A post-mortem or checkpoint shows the actions its study decided; when there are
    none it says that of the study, not that no action exists (the Review page and the
    quarterly report list those of the other studies)."""
    from dataclasses import replace

    for make in (report_data.postmortem_data, report_data.checkpoint_data):
        html = render.render_html(replace(make(store, report_study, "en", EVERYONE), actions=()))
        assert "This study has not decided an improvement action yet." in html
        assert "No improvement action has been recorded yet." not in html
