"""The accounts' commands: ``defectors user add|list|disable|passwd|role``.

The CLI runs as whoever can open the database file, so it acts as that operator (a
legacy actor with an admin's rights, research/base/accounts.py): this is how the first
admin is made. Passwords are read with a hidden prompt, or from standard input with
``--password-stdin`` for scripts; never from the command line, where ``ps`` shows them.
"""

from __future__ import annotations

import sys

import click

from research.base import accounts
from research.base.store import current_user, now
from research.cli.common import Context, handle_errors, human_time, text_table


def _password(from_stdin: bool, t) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(t("cli.user.password"), hide_input=True, confirmation_prompt=True)


@click.group("user")
def user_group() -> None:
    """Accounts: add, list, disable, set a password or a role."""


@user_group.command("add")
@click.argument("login")
@click.option("--name", "display_name", default=None, help="Display name (default: the login).")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--member-id", type=int, default=None, help="The team member this person is.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--sso",
    is_flag=True,
    help="No password: signs in only through single sign-on (the login is the e-mail).",
)
@click.pass_obj
@handle_errors
def add(
    obj: Context,
    login: str,
    display_name: str | None,
    role: str,
    member_id: int | None,
    password_stdin: bool,
    sso: bool,
) -> None:
    """Create an account (the first admin too)."""
    obj.may_create = True
    password = None if sso else _password(password_stdin, obj.t)
    person = accounts.add_user(
        obj.store,
        login,
        display_name or login,
        role,
        password,
        actor=current_user(),
        member_id=member_id,
    )
    click.echo(obj.t("cli.user.added", login=person.login, role=person.role))


@user_group.command("list")
@click.pass_obj
@handle_errors
def list_command(obj: Context) -> None:
    """Print every account: login, name, role, state, last sign-in."""
    t = obj.t
    rows = []
    for u in accounts.list_users(obj.store, actor=current_user()):
        locked = u["locked_until"] is not None and u["locked_until"] > now()
        state = "disabled" if u["disabled"] else ("locked" if locked else "active")
        rows.append(
            [u["login"], u["display_name"], u["role"], state, human_time(u["last_sign_in"])]
        )
    header = [
        t("cli.user.col.login"),
        t("cli.user.col.name"),
        t("cli.user.col.role"),
        t("cli.user.col.state"),
        t("cli.user.col.last"),
    ]
    click.echo(text_table(header, rows))


@user_group.command("disable")
@click.argument("login")
@click.option("--enable", is_flag=True, help="Enable the account again.")
@click.pass_obj
@handle_errors
def disable(obj: Context, login: str, enable: bool) -> None:
    """Disable an account (or enable it again with --enable)."""
    accounts.set_disabled(obj.store, login, not enable, actor=current_user())
    click.echo(obj.t("cli.user.enabled" if enable else "cli.user.disabled", login=login))


@user_group.command("passwd")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
@handle_errors
def passwd(obj: Context, login: str, password_stdin: bool) -> None:
    """Set a new password; this also unlocks the account."""
    password = _password(password_stdin, obj.t)
    accounts.set_password(obj.store, login, password, actor=current_user())
    click.echo(obj.t("cli.user.password_set", login=login))


@user_group.command("role")
@click.argument("login")
@click.argument("role", type=click.Choice(accounts.ROLES))
@click.pass_obj
@handle_errors
def role(obj: Context, login: str, role: str) -> None:
    """Give an account another role."""
    accounts.set_role(obj.store, login, role, actor=current_user())
    click.echo(obj.t("cli.user.role_set", login=login, role=role))
