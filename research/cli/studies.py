"""``defectors studies`` and ``defectors study create|set|show``: the studies in the database,
each a question asked of the database's one ledger (an as-of date, rules, a scope)."""

from __future__ import annotations

import click
import pandas as pd

from research.base import studies
from research.base.i18n import Translator
from research.base.settings import STUDY_SETTINGS
from research.base.store import current_user
from research.cli.common import Context, handle_errors, parse_date, study_option


@click.command("studies")
@click.pass_obj
@handle_errors
def list_studies_command(obj: Context) -> None:
    """List the studies in the database."""
    t = obj.t
    rows = studies.list_studies(obj.store)
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
                t("field.drop_threshold"): s.drop_threshold,
                t("field.scope"): s.scope.describe(t),
                t("field.updated_at"): s.updated_at,
            }
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
    for name, value in s.settings().items():
        click.echo(f"{name}: {value}")
    from research.selection.detection import data_state

    click.echo(data_state(obj.store, s).describe(t))
