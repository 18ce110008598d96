"""``defectors studies`` and ``defectors study create|set|show|archive|unarchive|delete``:
the studies in the database, each a question asked of its one ledger (an as-of date,
rules, a scope)."""

from __future__ import annotations

import click
import pandas as pd

from research.base import studies
from research.base.errors import ResearchError
from research.base.i18n import Translator
from research.base.settings import STUDY_SETTINGS
from research.base.store import current_user
from research.cli.common import (
    Context,
    handle_errors,
    human_number,
    human_time,
    parse_date,
    study_option,
)


class StudyDeleteNotConfirmedError(ResearchError):
    title_key = "error.title.delete_needs_yes"


@click.command("studies")
@click.option("--all", "include_archived", is_flag=True, help="Include archived studies.")
@click.pass_obj
@handle_errors
def list_studies_command(obj: Context, include_archived) -> None:
    """List the studies in the database."""
    t = obj.t
    rows = studies.list_studies(obj.store, include_archived=include_archived)
    if not rows:
        click.echo(t("cli.no_studies"))
        return
    table = pd.DataFrame(
        [
            {
                t("field.name"): s.name,
                t("field.status"): t(f"study_status.{s.status}"),
                t("field.as_of"): s.as_of.isoformat(),
                t("field.window_months"): s.window_months,
                t("field.drop_threshold"): t.percent(s.drop_threshold),
                t("field.scope"): s.scope.describe(t),
                t("field.updated_at"): human_time(s.updated_at),
            }
            | ({t("field.archived_at"): human_time(s.archived_at)} if include_archived else {})
            for s in rows
        ]
    )
    click.echo(table.to_string(index=False))


@click.group()
def study() -> None:
    """Create and change studies."""


def _setting_options(fn):
    for setting in reversed(STUDY_SETTINGS):
        fn = click.option(
            f"--{setting.name.replace('_', '-')}",
            setting.name,
            type=setting.kind,
            default=None,
            help=f"{Translator()(setting.help_key)} (default {setting.default})",
        )(fn)
    return fn


def _scope_option(fn):
    return click.option(
        "--scope",
        "scope_options",
        multiple=True,
        metavar="DIMENSION=VALUE",
        help="Look only at part of the ledger: region, owner, industry or product_line "
        "(repeatable; e.g. --scope region='East China' --scope owner=张伟; DIMENSION= clears one).",
    )(fn)


@study.command("create")
@click.argument("name")
@click.option("--as-of", callback=parse_date, required=True, help="The study's as-of date.")
@click.option("--description", default=None)
@_scope_option
@_setting_options
@click.pass_obj
@handle_errors
def study_create(obj: Context, name, as_of, description, scope_options, **settings) -> None:
    """Create a study (and the database, if there is none yet)."""
    obj.may_create = True
    settings = {k: v for k, v in settings.items() if v is not None}
    created = studies.create_study(
        obj.store,
        name,
        as_of,
        actor=current_user(),
        description=description,
        scope=studies.parse_scope_options(scope_options),
        **settings,
    )
    click.echo(obj.t("cli.study_created", name=created.name))
    if not created.scope.is_whole_ledger:
        click.echo(f"{obj.t('field.scope')}: {created.scope.describe(obj.t)}")


@study.command("set")
@study_option
@click.option("--as-of", callback=parse_date, default=None)
@click.option("--status", type=click.Choice(studies.STATUSES), default=None)
@click.option("--description", default=None)
@_scope_option
@click.option("--whole-ledger", is_flag=True, help="Clear the scope: look at the whole ledger.")
@_setting_options
@click.pass_obj
@handle_errors
def study_set(obj: Context, study_name, scope_options, whole_ledger, **changes) -> None:
    """Change a study's as-of date, status, scope or settings."""
    changes = {k: v for k, v in changes.items() if v is not None}
    target = obj.study(study_name)
    if whole_ledger or scope_options:
        base = studies.Scope() if whole_ledger else target.scope
        changes["scope"] = studies.parse_scope_options(scope_options, base)
    updated = studies.update_study(obj.store, target, actor=current_user(), **changes)
    click.echo(obj.t("cli.study_updated", name=updated.name))
    if "scope" in changes:
        click.echo(f"{obj.t('field.scope')}: {updated.scope.describe(obj.t)}")


@study.command("show")
@study_option
@click.pass_obj
@handle_errors
def study_show(obj: Context, study_name) -> None:
    """Show a study's settings."""
    s = obj.study(study_name)
    t = obj.t
    click.echo(f"{t('field.name')}: {s.name}")
    click.echo(f"{t('field.status')}: {t(f'study_status.{s.status}')}")
    click.echo(f"{t('field.as_of')}: {s.as_of.isoformat()}")
    click.echo(f"{t('field.scope')}: {s.scope.describe(t)}")
    if s.archived:
        click.echo(t("cli.study_archived_line", by=s.archived_by, at=human_time(s.archived_at)))
    for name, value in s.settings().items():
        click.echo(f"{name}: {human_number(value)}")
    from research.selection.detection import data_state

    click.echo(data_state(obj.store, s).describe(t))


@study.command("archive")
@click.argument("name")
@click.pass_obj
@handle_errors
def study_archive(obj: Context, name) -> None:
    """Archive a study: kept as it is, hidden from the app's picker and from 'the only study'."""
    done = studies.archive_study(
        obj.store, studies.get_study(obj.store, name), actor=current_user()
    )
    click.echo(obj.t("cli.study_archived", name=done.name))


@study.command("unarchive")
@click.argument("name")
@click.pass_obj
@handle_errors
def study_unarchive(obj: Context, name) -> None:
    """Bring an archived study back."""
    done = studies.archive_study(
        obj.store, studies.get_study(obj.store, name), actor=current_user(), archived=False
    )
    click.echo(obj.t("cli.study_unarchived", name=done.name))


@study.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Really delete it, with everything in it.")
@click.pass_obj
@handle_errors
def study_delete(obj: Context, name, yes) -> None:
    """Delete a study and everything that belongs to it (data, calls, bookings, findings)."""
    target = studies.get_study(obj.store, name)
    if not yes:
        raise StudyDeleteNotConfirmedError("error.delete_needs_yes", name=target.name)
    studies.delete_study(obj.store, target, actor=current_user())
    click.echo(obj.t("cli.study_deleted", name=target.name))
