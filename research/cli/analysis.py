"""``defectors analysis causes|trends|actions|rates|winback``: the Analysis page's numbers for people
who work from files. Each prints a table, or CSV with ``--format csv``; the rows are
the same the app shows, from the same functions."""

from __future__ import annotations

import click
import pandas as pd

from research.analysis import actions, causes, rates, trends
from research.base import exports, studies
from research.cli.common import Context, handle_errors, parse_date, study_option
from research.findings import taxonomy
from research.selection.detection import SEGMENTS


def _emit(obj: Context, frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        frame = frame.round(
            {
                c: 4
                for c in (
                    "share",
                    "share_low",
                    "share_high",
                    "spend_share",
                    "before",
                    "after",
                    "p_value",
                    "rate",
                    "rate_low",
                    "rate_high",
                )
                if c in frame
            }
            | ({"spend_lost": 2} if "spend_lost" in frame else {})
        )
        click.echo(exports.csv_text(frame), nl=False)
    elif frame.empty:
        click.echo(obj.t("cli.nothing_found"))
    else:
        click.echo(frame.to_string(index=False))


def _filter(obj: Context, study_name, all_studies, start, end, segments) -> causes.FindingsFilter:
    if all_studies:
        ids = tuple(s.id for s in studies.list_studies(obj.store, include_archived=True))
    else:
        ids = (obj.study(study_name).id,)
    return causes.FindingsFilter(ids, start, end, tuple(segments))


def filter_options(fn):
    fn = click.option(
        "--segment",
        "segments",
        multiple=True,
        type=click.Choice([*SEGMENTS, "none"]),
        help="Only defectors of this value segment (repeatable).",
    )(fn)
    fn = click.option("--until", "end", callback=parse_date, help="Interviews until this date.")(fn)
    fn = click.option("--from", "start", callback=parse_date, help="Interviews from this date.")(fn)
    fn = click.option("--all-studies", is_flag=True, help="Count the findings of every study.")(fn)
    fn = study_option(fn)
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True
    )(fn)


@click.group("analysis")
def analysis_group() -> None:
    """Failure analysis: causes, trends, actions, defection rates and win-backs."""


@analysis_group.command("causes")
@filter_options
@click.option("--by", type=click.Choice(causes.BY_OPTIONS), default="code", show_default=True)
@click.option("--with-secondary", is_flag=True, help="Count secondary causes too.")
@click.pass_obj
@handle_errors
def causes_command(
    obj: Context, fmt, study_name, all_studies, start, end, segments, by, with_secondary
) -> None:
    """How many final interviews name each cause: share, 95% interval, spend lost."""
    filt = _filter(obj, study_name, all_studies, start, end, segments)
    table = causes.cause_table(obj.store, filt, by=by, with_secondary=with_secondary)
    frame = table.frame()
    book = taxonomy.codebook(obj.store)
    if by == "code":
        frame.insert(1, "label", frame["cause"].map(lambda c: book.label(c, obj.t.lang)))
    else:
        groups = {g.key: g.label(obj.t.lang) for g in book.groups}
        frame.insert(1, "label", frame["cause"].map(lambda g: groups.get(g, g)))
    if fmt == "table":
        for column in ("share", "share_low", "share_high", "spend_share"):
            frame[column] = frame[column].map(obj.t.percent)
        frame["spend_lost"] = frame["spend_lost"].map(lambda v: obj.t.number(v, 2))
        if table.small_sample:
            click.echo(obj.t("chart.small_sample", n=table.n, count=table.n), err=True)
    _emit(obj, frame, fmt)


@analysis_group.command("trends")
@filter_options
@click.pass_obj
@handle_errors
def trends_command(obj: Context, fmt, study_name, all_studies, start, end, segments) -> None:
    """Each cause quarter by quarter, and the latest change with its test and verdict."""
    filt = _filter(obj, study_name, all_studies, start, end, segments)
    table = trends.quarterly_counts(obj.store, filt)
    if table.empty:
        _emit(obj, pd.DataFrame(), fmt)
        return
    frame = table.reset_index().rename(columns={"index": "cause"})
    _emit(obj, frame, fmt)
    if fmt == "table":
        for change in trends.latest_changes(table):
            flag = f"[{obj.t('analysis.emerging')}] " if change.emerging else ""
            click.echo(
                f"{flag}{change.cause} ({change.before} → {change.after}): {change.verdict(obj.t)}"
            )


@analysis_group.command("actions")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.pass_obj
@handle_errors
def actions_command(obj: Context, fmt) -> None:
    """Every improvement action, and its causes before and after it took effect."""
    ids = tuple(s.id for s in studies.list_studies(obj.store, include_archived=True))
    rows = []
    for action in actions.list_actions(obj.store):
        change = actions.action_effect(obj.store, action, ids).change
        rows.append(
            {
                "id": action.id,
                "title": action.title,
                "owner": action.owner,
                "status": action.status,
                "due_date": action.due_date,
                "effective_from": action.effective_from,
                "causes": ", ".join(action.causes),
                "before": change.share_before if change else None,
                "after": change.share_after if change else None,
                "test": change.test if change else None,
                "p_value": change.p_value if change else None,
                "verdict": change.verdict(obj.t) if change else "",
            }
        )
    _emit(obj, pd.DataFrame(rows), fmt)


@analysis_group.command("rates")
@study_option
@click.option(
    "--quarters",
    "count",
    type=int,
    default=8,
    show_default=True,
    help="How many whole quarters, up to the study's as-of date.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.pass_obj
@handle_errors
def rates_command(obj: Context, study_name, count, fmt) -> None:
    """Defection rate per value segment per quarter, by the study's rules and scope."""
    study = obj.study(study_name)
    frame = rates.quarterly_rates(obj.store, study, rates.last_quarters(count, study.as_of))
    if fmt == "table":
        for column in ("rate", "rate_low", "rate_high"):
            frame[column] = frame[column].map(lambda v: obj.t.percent(v, 1))
        frame["yearly_value"] = frame["yearly_value"].map(lambda v: obj.t.number(v, 2))
    _emit(obj, frame, fmt)


@analysis_group.command("winback")
@filter_options
@click.pass_obj
@handle_errors
def winback_command(obj: Context, fmt, study_name, all_studies, start, end, segments) -> None:
    """Defectors interviewed earlier: won back, partly back or still gone, per cause."""
    filt = _filter(obj, study_name, all_studies, start, end, segments)
    study = (
        obj.study(study_name)
        if not all_studies
        else max(studies.list_studies(obj.store, include_archived=True), key=lambda s: s.as_of)
    )
    found = rates.follow_up(obj.store, study, filt.study_ids)
    _emit(obj, found.by_cause, fmt)
