"""One way in for the Reports page and ``defectors report``: which report, about what,
in which language and format, for whom. Both call ``make_report`` so that a file made
by a scheduled job and one downloaded from the app are the same file."""

from __future__ import annotations

from pathlib import Path

from research.base.i18n import LANGUAGES
from research.base.store import Store
from research.base.studies import Study
from research.reports import data as report_data
from research.reports.audience import audience_for
from research.reports.data import KINDS, ReportError
from research.reports.render import FORMATS, render


def build(
    store: Store,
    kind: str,
    *,
    lang: str,
    reader: str,
    study: Study | None = None,
    quarter: str | None = None,
):
    """The report's data: a study for the post-mortem and the checkpoint review, a
    quarter ('2026Q3') for the quarterly pack. Raises ReportError for an unknown kind,
    a missing study or a malformed quarter."""
    if kind not in KINDS:
        raise ReportError("error.report_kind", kind=kind, kinds=", ".join(KINDS))
    lang = lang if lang in LANGUAGES else "en"
    audience = audience_for(reader)
    if kind == "quarterly":
        if not quarter:
            raise ReportError("error.report_quarter", quarter="")
        return report_data.quarterly_data(store, quarter, lang, audience)
    if study is None:
        raise ReportError("error.report_study")
    if kind == "postmortem":
        return report_data.postmortem_data(store, study, lang, audience)
    return report_data.checkpoint_data(store, study, lang, audience)


def format_of(path: str | Path) -> str:
    """'html' or 'pdf' from a file name. Raises ReportError for any other ending."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "htm":
        suffix = "html"
    if suffix not in FORMATS:
        raise ReportError("error.report_out", example="report.html")
    return suffix


def make_report(
    store: Store,
    kind: str,
    fmt: str,
    *,
    lang: str,
    reader: str,
    study: Study | None = None,
    quarter: str | None = None,
) -> bytes:
    """The report as the bytes of an HTML or PDF file (see ``build`` and
    research.reports.render.render for what it raises)."""
    if fmt == "pdf":
        from research.reports.images import warm_up

        warm_up()  # Chromium starts while the numbers are gathered
    data = build(store, kind, lang=lang, reader=reader, study=study, quarter=quarter)
    return render(data, fmt)
