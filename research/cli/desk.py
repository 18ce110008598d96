"""The call desk's commands: ``defectors team``, ``defectors calls``, ``defectors schedule``.

For people who work from files: the team as CSV, the call log as CSV, a manager's
week of interviews as one calendar file. Built like every command: parse, call one or two ``research``
functions, print; a ResearchError is a short message and exit 1.
"""

from __future__ import annotations

from pathlib import Path

import click

from research.base import exports
from research.base.store import current_user
from research.cli.common import Context, handle_errors, study_option
from research.desk import calendar_files, calls, scheduling, team


@click.group("team", invoke_without_command=True)
@click.pass_context
@handle_errors
def team_group(ctx: click.Context) -> None:
    """The investigation team; without a subcommand, print it as CSV
    (name, role, email, time zone)."""
    if ctx.invoked_subcommand is None:
        obj: Context = ctx.obj
        click.echo(team.team_csv(obj.store), nl=False)


@team_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(team.ROLES), required=True)
@click.option("--phone", default=None, help="Phone number (13812345678, 010-12345678, +86 …).")
@click.option("--email", default=None)
@click.option(
    "--time-zone",
    default=team.DEFAULT_TIME_ZONE,
    show_default=True,
    help="IANA time zone, e.g. Asia/Shanghai.",
)
@click.option(
    "--hours",
    default=None,
    help="Available hours (senior managers), e.g. 'mon-fri 09:00-12:00,14:00-17:30'.",
)
@click.option(
    "--quota",
    type=int,
    default=None,
    help="Interviews this senior manager holds in the study (10-25 advised).",
)
@click.option(
    "--join/--no-join",
    default=True,
    show_default=True,
    help="Also put the member on the study's team.",
)
@study_option
@click.pass_obj
@handle_errors
def team_add(
    obj: Context, name, role, phone, email, time_zone, hours, quota, join, study_name
) -> None:
    """Add a team member (and put them on the study's team)."""
    member = team.add_member(
        obj.store,
        name,
        role,
        actor=current_user(),
        phone=phone,
        email=email,
        time_zone=time_zone,
        available_hours=hours,
    )
    click.echo(obj.t("team.added", name=member.name))
    if join:
        target = obj.study(study_name)
        team.add_to_study(obj.store, target, member, actor=current_user(), quota=quota)
        click.echo(obj.t("cli.team_joined", name=member.name, study=target.name))


@click.group("calls")
def calls_group() -> None:
    """The call desk's log of call attempts."""


@calls_group.command("export")
@study_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV file to write (UTF-8 with BOM, opens in Excel), or .xlsx for a workbook.",
)
@click.pass_obj
@handle_errors
def calls_export(obj: Context, study_name, out: Path) -> None:
    """Write every call attempt as CSV: time, customer, phone, interviewer, outcome, note."""
    target = obj.study(study_name)
    rows = exports.write(
        calls.calls_frame(obj.store, target), out, date_format=calls.CALLS_DATE_FORMAT
    )
    click.echo(obj.t("cli.wrote", path=str(out), rows=obj.t.number(rows)))


@click.group("schedule")
def schedule_group() -> None:
    """Interviews with the senior managers."""


@schedule_group.command("export")
@study_option
@click.option("--manager", required=True, help="The senior manager's name.")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W48.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Calendar file to write (.ics).",
)
@click.pass_obj
@handle_errors
def schedule_export(obj: Context, study_name, manager, week, out: Path) -> None:
    """Write one manager's interviews of one ISO week as a calendar file (.ics)."""
    target = obj.study(study_name)
    member = team.get_member(obj.store, manager)
    monday = scheduling.parse_iso_week(week)
    interviews = scheduling.week_interviews(obj.store, target, member, monday)
    out.write_bytes(calendar_files.week_calendar(interviews, member, monday, obj.t))
    click.echo(
        obj.t(
            "cli.wrote_interviews",
            path=str(out),
            count=len(interviews),
            manager=member.name,
            week=scheduling.iso_week_of(monday),
        )
    )
