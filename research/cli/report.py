"""``defectors report postmortem|checkpoint|quarterly``: the review meeting's reports
as files, so a scheduled job can make the quarterly pack. The file's ending chooses the
format (.html: self-contained with interactive charts; .pdf: for the archive); the
report's language is ``--lang``. The same function makes the Reports page's downloads
(research.reports.make)."""

from __future__ import annotations

from pathlib import Path

import click

from research.base.i18n import LANGUAGES, Translator
from research.cli.common import Context, handle_errors, study_option


def _options(fn):
    fn = click.option(
        "--lang",
        "report_lang",
        type=click.Choice(sorted(LANGUAGES)),
        default=None,
        help="Language of the report (default: the command's --lang).",
    )(fn)
    return click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, writable=True),
        help="The file to write: FILE.html or FILE.pdf.",
    )(fn)


def _write(obj: Context, kind: str, out: str, report_lang: str | None, **subject) -> None:
    from research.base.store import current_user
    from research.reports.make import format_of, make_report

    fmt = format_of(out)  # before any work: a wrong ending fails at once
    lang = report_lang or obj.t.lang
    content = make_report(obj.store, kind, fmt, lang=lang, reader=current_user(), **subject)
    Path(out).write_bytes(content)
    t: Translator = obj.t
    click.echo(t("cli.report_wrote", path=out, size=f"{t.number(len(content) / 1e6, 1)} MB"))


@click.group("report")
def report_group() -> None:
    """Reports for the review meeting, as HTML or PDF files."""


@report_group.command("postmortem")
@study_option
@_options
@click.pass_obj
@handle_errors
def postmortem(obj: Context, study_name, out, report_lang) -> None:
    """The study post-mortem: summary, charts, verbatims, actions, method."""
    _write(obj, "postmortem", out, report_lang, study=obj.study(study_name))


@report_group.command("checkpoint")
@study_option
@_options
@click.pass_obj
@handle_errors
def checkpoint(obj: Context, study_name, out, report_lang) -> None:
    """The checkpoint review: where the study stands, causes so far, reviews held."""
    _write(obj, "checkpoint", out, report_lang, study=obj.study(study_name))


@report_group.command("quarterly")
@click.option("--quarter", required=True, help="The quarter, like 2026Q3.")
@_options
@click.pass_obj
@handle_errors
def quarterly(obj: Context, quarter, out, report_lang) -> None:
    """The quarterly failure-analysis pack across every study."""
    _write(obj, "quarterly", out, report_lang, quarter=quarter)
