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


@click.command("erase")
@click.argument("customer_id")
@click.option("--reason", default=None, help="Why (a request's reference); kept in the audit log.")
@click.pass_obj
@handle_errors
def erase_command(obj: Context, customer_id: str, reason: str | None) -> None:
    """Erase a customer's personal data; the anonymised findings stay in the counts."""
    from research.findings.erasure import erase_customer

    report = erase_customer(obj.store, customer_id, current_user(), reason=reason)
    click.echo(obj.t("cli.erase.done", customer_id=customer_id, count=report.total))


@click.group("retention")
def retention_group() -> None:
    """Erase closed studies' personal data after a set time: set it, apply it."""


@retention_group.command("set")
@click.argument("days", type=int, required=False)
@study_option
@click.pass_obj
@handle_errors
def retention_set(obj: Context, days: int | None, study_name: str | None) -> None:
    """Erase the study's personal data DAYS after it closes (no DAYS: keep it)."""
    from research.findings.erasure import set_retention

    study = set_retention(obj.store, obj.study(study_name), days, actor=current_user())
    if days is None:
        click.echo(obj.t("cli.retention.keep", study=study.name))
    else:
        click.echo(obj.t("cli.retention.set", study=study.name, days=days))


@retention_group.command("apply")
@click.pass_obj
@handle_errors
def retention_apply(obj: Context) -> None:
    """Erase the personal data of every closed study whose time is over (run daily)."""
    from research.findings.erasure import apply_retention

    done = apply_retention(obj.store, actor=current_user())
    if not done:
        click.echo(obj.t("cli.retention.none"))
    for name, report in done.items():
        click.echo(
            obj.t(
                "cli.retention.done",
                study=name,
                customers=len(report.customer_ids),
                count=report.total,
            )
        )


@click.command("backup")
@click.argument("file")
@click.pass_obj
@handle_errors
def backup_command(obj: Context, file: str) -> None:
    """Write a consistent copy of the database to FILE, also while the app runs."""
    from research.base import backup
    from research.base.errors import DatabaseLockedError
    from research.base.store import resolve_db_path

    try:
        store = obj.store
    except DatabaseLockedError:  # the app holds it: ask the app
        done = backup.request_backup(resolve_db_path(obj.db), file)
        click.echo(obj.t("cli.backup.via_app", path=str(done)))
        return
    done = backup.backup(store, file)
    click.echo(obj.t("cli.backup.done", path=str(done)))


@click.command("restore")
@click.argument("file")
@click.pass_obj
@handle_errors
def restore_command(obj: Context, file: str) -> None:
    """Replace the database with a backup FILE (stop the app first)."""
    from research.base import backup
    from research.base.store import audit, connect, resolve_db_path

    path = resolve_db_path(obj.db)
    kept = backup.restore(file, path)
    store = connect(path, serve_requests=False)  # brings an older backup's schema up to date
    try:
        store.write(lambda cur: audit(cur, None, current_user(), "store.restore", {"from": file}))
    finally:
        store.close()
    click.echo(obj.t("cli.restore.done", db=str(path), path=file))
    if kept:
        click.echo(obj.t("cli.restore.kept", path=str(kept)))
