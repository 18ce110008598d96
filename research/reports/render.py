"""Reports as files: one self-contained HTML file, or a PDF for the archive.

The second step of a report (the first is research/reports/data.py): Jinja2 templates
in the repository's templates/ folder render the report data — ``base.html.j2`` holds the page,
the contents and the print styles, each report extends it, and partials start with an
underscore. Autoescaping is on for everything, so whatever a person typed (verbatims,
names, notes) is text in the report, never markup.

- HTML: the charts are interactive Plotly charts, with plotly.js written into the file
  once, so the file opens offline in any browser; print styles make it print cleanly.
- PDF: the same templates with the charts as PNG images drawn by Kaleido (Chromium),
  laid out by WeasyPrint with page numbers and a contents list that gives each
  section's page. Chinese text needs a CJK font (Debian: fonts-noto-cjk); WeasyPrint
  embeds the glyphs it uses.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from research.analysis.causes import Share
from research.analysis.checkpoint import DUE_AT
from research.base.i18n import Translator
from research.findings.taxonomy import TaxonomyError
from research.reports import charts
from research.reports.data import (
    QUOTES_PER_CAUSE,
    TOP_CAUSES,
    CheckpointData,
    PostmortemData,
    QuarterlyData,
    ReportError,
)

FORMATS = ("html", "pdf")
CHART_WIDTH = 900  # px: the charts' width in the PDF (drawn at twice that for sharpness)
CHART_HEIGHT = 420  # px: for a chart that does not set its own height
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass(frozen=True)
class Section:
    anchor: str  # the id of its heading, for the contents and links
    title_key: str


# ---------------------------------------------------------------- outlines


def outline(data) -> list[Section]:
    """The report's sections in order: only those that have something to show. The
    contents list and the body are both drawn from this list."""
    if isinstance(data, PostmortemData):
        found = [
            Section("summary", "report.section.summary"),
            Section("charts", "report.section.charts"),
            Section("causes", "report.section.causes"),
        ]
        if any(group.quotes for group in data.quotes):
            found.append(Section("verbatims", "report.section.verbatims"))
        found.append(Section("actions", "report.section.actions"))
    elif isinstance(data, CheckpointData):
        found = [
            Section("state", "report.section.state"),
            Section("ranking", "report.section.ranking"),
            Section("segments", "report.section.segments"),
        ]
        if data.team is not None:
            found.append(Section("team", "report.section.team"))
        if data.state.previous is not None:
            found.append(Section("since", "report.section.since"))
        found += [
            Section("reviews", "report.section.reviews"),
            Section("actions", "report.section.actions"),
        ]
    elif isinstance(data, QuarterlyData):
        found = [
            Section("summary", "report.section.quarter"),
            Section("trends", "report.section.trends"),
            Section("emerging", "report.section.emerging"),
            Section("actions", "report.section.actions_effect"),
        ]
        rates = data.rates
        if rates.defection_rates is not None:
            found.append(Section("defection-rates", "report.section.defection_rates"))
        if rates.share_movement is not None:
            found.append(Section("share-movement", "report.section.share_movement"))
        if rates.won_back is not None:
            found.append(Section("won-back", "report.section.won_back"))
        if rates.worth is not None:
            found.append(Section("worth", "report.section.worth"))
    else:
        raise TypeError(f"not report data: {type(data).__name__}")
    found.append(Section("method", "report.section.method"))
    return found


# ---------------------------------------------------------------- charts


def _escaped(labels: dict[str, str]) -> dict[str, str]:
    """Plotly reads a few HTML tags in chart text; a label someone typed into the
    codebook is escaped so that it shows as typed (Plotly turns entities back into
    characters when it draws)."""
    return {k: html.escape(v) for k, v in labels.items()}


def figures(data, t: Translator) -> dict[str, go.Figure]:
    """The report's charts by name, from research/reports/charts.py."""
    book = data.codebook
    codes = _escaped({code: book.label(code, t.lang) for code in book.codes})
    out: dict[str, go.Figure] = {}
    if isinstance(data, PostmortemData):
        if data.summary.customers:
            out["funnel"] = charts.study_funnel(data.summary, t)
        if not data.spend_by_segment.empty:
            out["spend"] = charts.spend_lost_by_segment(data.spend_by_segment, t)
        if data.causes.n:
            out["pareto"] = charts.cause_pareto(data.causes, codes, t)
            out["weighted"] = charts.cause_weighted(data.causes, codes, t)
            out["satisfaction"] = charts.satisfaction_profile(data.satisfaction, t)
    elif isinstance(data, CheckpointData):
        if data.state.ranking.n:
            out["pareto"] = charts.cause_pareto(data.state.ranking, codes, t)
    elif isinstance(data, QuarterlyData) and data.causes.n:
        out["pareto"] = charts.cause_pareto(data.causes, codes, t)
    return out


def _interactive(key: str, fig: go.Figure) -> Markup:
    height = fig.layout.height or CHART_HEIGHT
    snippet = pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=f"chart-{key}",
        config=PLOTLY_CONFIG,
        default_height=f"{height}px",
        default_width="100%",
    )
    # Plotly writes its JSON with <, > and / escaped, so text inside cannot end the script
    return Markup(f'<figure class="chart" data-chart="{key}">{snippet}</figure>')


def _image(key: str, fig: go.Figure) -> Markup:
    from research.reports.images import png

    height = int(fig.layout.height or CHART_HEIGHT)
    encoded = base64.b64encode(png(fig, CHART_WIDTH, height)).decode("ascii")
    return Markup(
        f'<figure class="chart" data-chart="{key}">'
        f'<img alt="" src="data:image/png;base64,{encoded}" '
        f'style="aspect-ratio: {CHART_WIDTH} / {height}"></figure>'
    )


@cache
def plotly_js() -> str:
    """plotly.js, to write into an HTML report once (about 4.8 MB), so it needs no network."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


# ---------------------------------------------------------------- templates


# the Jinja templates live at the top of the repository, beside app.py and pages/
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, every value: typed text is text
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = css_string
    return env


def css_string(text: str) -> Markup:
    """A CSS string literal (for generated content in the page margins): any ASCII
    character other than letters, digits and plain punctuation — quotes, backslashes,
    the < that could close the style element — and line breaks as CSS escapes."""
    out = []
    for ch in str(text):
        if ord(ch) < 128:
            plain = ch.isalnum() or ch in " .,:;()-/%"
        else:
            plain = ch not in "\u2028\u2029"
        out.append(ch if plain else f"\\{ord(ch):x} ")
    return Markup('"' + "".join(out) + '"')


def page_counter(t: Translator) -> Markup:
    """CSS content for 'Page 3 of 12' in the reader's language, from one message."""
    text = t("report.page_of", page="\0page\0", pages="\0pages\0")
    parts = []
    for piece in re.split(r"(\0pages?\0)", text):
        if piece == "\0page\0":
            parts.append("counter(page)")
        elif piece == "\0pages\0":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ".join(parts))


class Formats:
    """What the templates use to write numbers and names in the reader's language."""

    def __init__(self, t: Translator, data):
        self.t = t
        self.book = data.codebook

    def cause(self, code: str | None) -> str:
        return self.book.label(code, self.t.lang) if code else "–"

    def group(self, key: str) -> str:
        try:
            return self.book.group(key).label(self.t.lang)
        except TaxonomyError:  # a group removed since: show its key
            return key

    def share(self, share: Share) -> str:
        """'12 · 31% (18–47%)': count, share and 95% interval."""
        if share.share is None:
            return "–"
        return self.t(
            "chart.share_label",
            count=self.t.number(share.count),
            share=self.t.percent(share.share),
            low=self.t.percent(share.low),
            high=self.t.percent(share.high),
        )

    def segment(self, key) -> str:
        if key == "all":
            return self.t("common.total")
        return self.t.segment(None if key == "none" else key)

    def value(self, assumption) -> str:
        if assumption.unit == "money":
            return self.t.money(assumption.value)
        if assumption.unit == "percent":
            return self.t.percent(assumption.value, 1)
        return self.t.number(assumption.value, 2 if assumption.value % 1 else 0)


def render_html(data, *, static_charts: bool = False) -> str:
    """The report as one HTML document in the report's language. Interactive charts with
    plotly.js inlined once, or (``static_charts``, for the PDF) PNG images."""
    t = Translator(data.meta.lang)
    drawn = figures(data, t)
    draw = _image if static_charts else _interactive
    rendered = {key: draw(key, fig) for key, fig in drawn.items()}
    template = environment().get_template(f"{data.meta.kind}.html.j2")
    sections = outline(data)
    return template.render(
        data=data,
        t=t,
        f=Formats(t, data),
        sections=sections,
        has=lambda anchor: any(s.anchor == anchor for s in sections),
        limits={"quotes": QUOTES_PER_CAUSE, "causes": TOP_CAUSES, "due_at": DUE_AT},
        charts=rendered,
        plotly_js=Markup(plotly_js()) if rendered and not static_charts else None,
        for_pdf=static_charts,
        page_counter=page_counter(t),
    )


# ---------------------------------------------------------------- PDF


def check_cjk_font() -> None:
    """Raises ReportError when no Chinese font is installed: the PDF would show boxes."""
    if not shutil.which("fc-list"):
        return  # no fontconfig tools to ask; WeasyPrint will use what it finds
    found = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    if not found.strip():
        raise ReportError("error.report_no_cjk_font")


def render_pdf(data) -> bytes:
    """The report as a PDF: charts as images, page numbers, contents with page numbers.
    Raises ReportError when no CJK font or no browser to draw the charts is found."""
    from weasyprint import HTML

    check_cjk_font()
    document = render_html(data, static_charts=True)
    return HTML(string=document).write_pdf()


def render(data, fmt: str) -> bytes:
    """The report in ``fmt`` ("html" or "pdf") as bytes. Raises ReportError for an
    unknown format."""
    if fmt == "html":
        return render_html(data).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(data)
    raise ReportError("error.report_format", fmt=fmt, formats=", ".join(FORMATS))
