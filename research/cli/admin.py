"""The operators' commands: ``defectors audit``, ``defectors erase``, ``defectors
retention``, ``defectors backup`` and ``defectors restore``.

They act as the operator who runs them (research/base/accounts.py: a legacy actor).
"""

from __future__ import annotations

import sys

import click

from research.base import exports
from research.base.store import current_user
from research.cli.common import Context, handle_errors, parse_date, study_option, text_table


@click.command("audit")
@click.option("--since", callback=parse_date, help="From this day (2026-11-01).")
@click.option("--until", callback=parse_date, help="Up to and including this day.")
@click.option("--by", default=None, help="Only what this person did.")
@click.option("--action", default=None, help="An action or its family: finding, user.role …")
@click.option("--entity", default=None, help="A kind of record: user, findings, call_attempt …")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.option("--out", default=None, help="Write to this file (.csv or .xlsx) instead.")
@study_option
@click.pass_obj
@handle_errors
def audit_command(obj: Context, since, until, by, action, entity, fmt, out, study_name) -> None:
    """The audit log: who changed what, when, old and new values."""
    from research.base.audit_trail import audit_log

    study_id = obj.study(study_name).id if study_name else None
    frame = audit_log(
        obj.store,
        actor=current_user(),
        since=since,
        until=until,
        by=by,
        action=action,
        study_id=study_id,
        entity=entity,
    )
    frame = frame[["acted_at", "actor", "action", "entity", "entity_id", "study", "old", "new"]]
    if out:
        exports.write(frame, out)
        click.echo(obj.t("cli.audit.written", count=len(frame), path=out))
    elif fmt == "csv":
        sys.stdout.write(exports.csv_text(frame, date_format="%Y-%m-%d %H:%M:%S"))
    else:
        rows = [
            [f"{r.acted_at:%Y-%m-%d %H:%M}", r.actor, r.action, str(r.entity_id or ""), r.new or ""]
            for r in frame.itertuples()
        ]
        header = [
            obj.t("cli.audit.col.when"),
            obj.t("cli.audit.col.who"),
            obj.t("cli.audit.col.action"),
            obj.t("cli.audit.col.record"),
            obj.t("cli.audit.col.new"),
        ]
        click.echo(text_table(header, rows))
