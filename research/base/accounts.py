"""Local accounts: who may sign in, with which role, and who is acting.

The product holds customers' names, phone numbers and what they said in confidence,
and several people write to it at once, so every change must say which person made it
and every person may do only what their role allows (research/base/permissions.py).
A ``Person`` is that acting person: the research functions that take ``actor=`` accept
one, and write its display name into the rows and the audit log.

Passwords are hashed with Argon2id (argon2-cffi, its recommended parameters); a login
fails the same way whether the login or the password was wrong. After
``MAX_FAILED_ATTEMPTS`` failures in a row an account is locked for ``LOCK_MINUTES``.
The first admin is created from the CLI (``defectors user add``), which runs as
whoever can open the database file.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from research.base import config
from research.base.errors import ResearchError
from research.base.store import Store, audit_change, now

ROLES = ("admin", "lead", "interviewer", "coder", "viewer")
# A plain name passed as ``actor``: the CLI, which runs as whoever can open the database
# file (and so could change it anyway), and the demo's build. It may do everything an
# admin may. The app's pages pass the signed-in Person (screen/signin.py).
LEGACY_ROLE = "legacy"
# The password hash of an account that signs in only through single sign-on: no
# password matches it (argon2 cannot read it, so verifying it fails).
SSO_ONLY = "!single-sign-on"
MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# verified against when the login is unknown, so that a wrong login takes as long as
# a wrong password and does not tell which logins exist: the hash of "not a password of
# anyone", written out because hashing it at import took a seventh of a second of every
# command's start-up (tests/unit/test_cli_start_up.py checks that it has the hasher's
# parameters, so that verifying it takes as long as verifying a real one)
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$vW9Atte4AksyK02OQ/Ch7g"
    "$2uomRS5QHSJf9NyIf7tQmA6azZ+4NCQ+qNeR+1BWVyg"
)


class AuthenticationError(ResearchError):
    title_key = "error.title.sign_in"


class PermissionDeniedError(ResearchError):
    title_key = "error.title.not_allowed"


class AccountError(ResearchError):
    title_key = "error.title.account"


@dataclass(frozen=True)
class Person:
    """The person acting: ``name`` goes into created_by, updated_by and the audit log."""

    name: str
    role: str
    user_id: int | None = None
    login: str | None = None
    member_id: int | None = None  # the team member this person is (call lists, bookings)

    @property
    def is_legacy(self) -> bool:
        return self.role == LEGACY_ROLE


def as_person(actor: Person | str) -> Person:
    """``actor`` as a Person. A plain name is a legacy actor with an admin's rights (the
    CLI and the demo's build; the pages pass the signed-in Person)."""
    if isinstance(actor, Person):
        return actor
    if not isinstance(actor, str) or not actor.strip():
        raise PermissionDeniedError("error.no_actor")
    return Person(name=actor, role=LEGACY_ROLE)


def actor_name(actor: Person | str) -> str:
    """The name written into rows for ``actor``."""
    return as_person(actor).name


def _login(login: str) -> str:
    return (login or "").strip().lower()


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError("error.password_short", minimum=MIN_PASSWORD_LENGTH)
    return _hasher.hash(password)


USER_COLUMNS = (
    "id, login, display_name, role, member_id, failed_attempts, locked_until, disabled,"
    " last_sign_in, created_by, created_at, updated_by, updated_at"
)
USER_BY_LOGIN = """
SELECT id, login, display_name, role, member_id, password_hash, failed_attempts, locked_until,
       disabled
FROM users WHERE login = ?
"""
USER_ROW = f"SELECT {USER_COLUMNS} FROM users WHERE login = ?"
LIST_USERS = f"SELECT {USER_COLUMNS} FROM users ORDER BY login"
INSERT_USER = """
INSERT INTO users (login, display_name, role, password_hash, member_id, created_by,
                   created_at, updated_by, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
"""
FAILED_SIGN_IN = "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?"
GOOD_SIGN_IN = (
    "UPDATE users SET failed_attempts = 0, locked_until = NULL, last_sign_in = ? WHERE id = ?"
)
REHASH = "UPDATE users SET password_hash = ? WHERE id = ?"
SET_USER_COLUMN = {
    column: f"UPDATE users SET {column} = ?, updated_by = ?, updated_at = ? WHERE login = ?"
    for column in ("password_hash", "role", "disabled", "member_id")
}
UNLOCK_USER = "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE login = ?"
START_SESSION = (
    "INSERT INTO sign_in_sessions (token_hash, login, created_at, expires_at) VALUES (?, ?, ?, ?)"
)
SESSION_LOGIN = """
SELECT login FROM sign_in_sessions WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?
"""
END_SESSION = "UPDATE sign_in_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL"
END_SESSIONS_OF = "UPDATE sign_in_sessions SET ended_at = ? WHERE login = ? AND ended_at IS NULL"
ANY_USER = "SELECT 1 FROM users WHERE NOT disabled LIMIT 1"
COUNT_ADMINS = "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND login <> ?"


def authenticate(store: Store, login: str, password: str, *, at: datetime | None = None) -> Person:
    """The Person signing in. Raises AuthenticationError for a wrong login or password,
    a disabled account, or an account locked after too many failures."""
    at = at or now()
    key = _login(login)

    def apply(cur: duckdb.DuckDBPyConnection) -> tuple[Person | None, str | None]:
        rows = cur.execute(USER_BY_LOGIN, [key]).fetchall()
        if not rows:
            _verify(_DUMMY_HASH, password or "")
            return None, "error.sign_in_failed"
        uid, login_, name, role, member_id, pw_hash, failed, locked_until, disabled = rows[0]
        if locked_until is not None and locked_until > at:
            return None, "error.account_locked"
        if not _verify(pw_hash, password or ""):
            failed += 1
            until = None
            if failed >= MAX_FAILED_ATTEMPTS:
                until = at + timedelta(minutes=LOCK_MINUTES)
                audit_change(cur, None, login_, "user.locked", "user", login_, None, str(until))
                failed = 0
            cur.execute(FAILED_SIGN_IN, [failed, until, uid])
            return None, "error.sign_in_failed"
        if disabled:
            return None, "error.account_disabled"
        if _hasher.check_needs_rehash(pw_hash):
            cur.execute(REHASH, [_hasher.hash(password), uid])
        cur.execute(GOOD_SIGN_IN, [at, uid])
        audit_change(cur, None, name, "user.sign_in", "user", login_, None, None)
        return Person(name, role, uid, login_, member_id), None

    person, error = store.write(apply)
    if error == "error.account_locked":
        raise AuthenticationError(error, minutes=LOCK_MINUTES)
    if error:
        raise AuthenticationError(error)
    return person


def _verify(pw_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(pw_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _require_admin(actor: Person | str) -> Person:
    from research.base.permissions import require  # permissions builds on Person

    return require(actor, "users.manage")


def add_user(
    store: Store,
    login: str,
    display_name: str,
    role: str,
    password: str | None,
    *,
    actor: Person | str,
    member_id: int | None = None,
) -> Person:
    """Create an account. Raises AccountError for a taken login, an unknown role or a
    short password; PermissionDeniedError unless ``actor`` is an admin. ``password``
    None: the person signs in only through single sign-on (their login is the e-mail
    address the identity provider gives)."""
    who = _require_admin(actor)
    key = _login(login)
    name = (display_name or "").strip() or key
    if not key:
        raise AccountError("error.login_empty")
    if role not in ROLES:
        raise AccountError("error.role_unknown", role=role, roles=", ".join(ROLES))
    pw_hash = SSO_ONLY if password is None else hash_password(password)

    def apply(cur: duckdb.DuckDBPyConnection) -> int:
        if cur.execute(USER_ROW, [key]).fetchall():
            raise AccountError("error.login_taken", login=key)
        stamp = now()
        uid = cur.execute(
            INSERT_USER, [key, name, role, pw_hash, member_id, who.name, stamp, who.name, stamp]
        ).fetchall()[0][0]
        new = {"login": key, "display_name": name, "role": role, "member_id": member_id}
        audit_change(cur, None, who.name, "user.add", "user", key, None, new)
        return uid

    uid = store.write(apply)
    return Person(name, role, uid, key, member_id)


def list_users(store: Store, *, actor: Person | str) -> list[dict]:
    """Every account, without password hashes (admins only)."""
    _require_admin(actor)
    with store.cursor() as cur:
        cur.execute(LIST_USERS)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def get_person(store: Store, login: str) -> Person:
    """The Person of an account (for the CLI and tests; signing in is ``authenticate``)."""
    with store.cursor() as cur:
        rows = cur.execute(USER_BY_LOGIN, [_login(login)]).fetchall()
    if not rows:
        raise AccountError("error.no_such_user", login=_login(login))
    uid, login_, name, role, member_id, *_ = rows[0]
    return Person(name, role, uid, login_, member_id)


def signed_in(store: Store, login: str | None) -> Person | None:
    """The Person a session signed in as, read afresh on every page run, so that a role
    changed or an account disabled by an admin takes effect at the person's next click.
    None when there is no such account any more, or it is disabled."""
    if not login:
        return None
    with store.cursor() as cur:
        rows = cur.execute(USER_BY_LOGIN, [_login(login)]).fetchall()
    if not rows or rows[0][8]:  # gone, or disabled
        return None
    uid, login_, name, role, member_id, *_ = rows[0]
    return Person(name, role, uid, login_, member_id)


def single_sign_on(store: Store, email: str | None) -> Person:
    """The Person for someone the identity provider vouched for: the account whose login
    is their e-mail address. Single sign-on proves who someone is; the account says what
    they may do, so an admin adds it first (``defectors user add EMAIL --sso``).
    Raises AuthenticationError when there is no such account or it is disabled."""
    key = _login(email or "")
    if not key:
        raise AuthenticationError("error.sso_no_email")
    person = signed_in(store, key)
    if person is None:
        raise AuthenticationError("error.sso_no_account", login=key)

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(GOOD_SIGN_IN, [now(), person.user_id])
        audit_change(cur, None, person.name, "user.sign_in", "user", key, None, "sso")

    store.write(apply)
    return person


def start_session(store: Store, person: Person, *, hours: float | None = None) -> str:
    """A new sign-in session for ``person``: the token the browser keeps (in a cookie)
    so that a reload of the page does not ask them to sign in again."""
    token = secrets.token_urlsafe(32)
    stamp = now()
    hours = hours or config.session_hours()  # $DEFECTORS_SESSION_HOURS, a working day

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        cur.execute(
            START_SESSION, [_token_hash(token), person.login, stamp, stamp + timedelta(hours=hours)]
        )

    store.write(apply)
    return token


def resume_session(store: Store, token: str | None, *, at: datetime | None = None) -> Person | None:
    """The Person of a session token, while the session is neither ended nor expired and
    the account is enabled; else None."""
    if not isinstance(token, str) or not token:
        return None
    with store.cursor() as cur:
        rows = cur.execute(SESSION_LOGIN, [_token_hash(token), at or now()]).fetchall()
    return signed_in(store, rows[0][0]) if rows else None


def end_session(store: Store, token: str | None) -> None:
    """Sign out: the token no longer signs anyone in."""
    if token:
        store.write(lambda cur: cur.execute(END_SESSION, [now(), _token_hash(token)]))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def has_accounts(store: Store) -> bool:
    """True once anyone can sign in (the first admin is made with the CLI)."""
    with store.cursor() as cur:
        return bool(cur.execute(ANY_USER).fetchall())


def _change(store: Store, login: str, actor: Person | str, column: str, value, action: str):
    who = as_person(actor)
    key = _login(login)
    if not (column == "password_hash" and who.login == key):  # anyone may change their own
        who = _require_admin(actor)

    def apply(cur: duckdb.DuckDBPyConnection) -> None:
        rows = cur.execute(USER_ROW, [key]).fetchall()
        if not rows:
            raise AccountError("error.no_such_user", login=key)
        old = dict(zip(USER_COLUMNS.replace(" ", "").split(","), rows[0], strict=True))
        if column in ("role", "disabled") and old["role"] == "admin":
            leaving = (column == "role" and value != "admin") or (column == "disabled" and value)
            if leaving and cur.execute(COUNT_ADMINS, [key]).fetchall()[0][0] == 0:
                raise AccountError("error.last_admin")
        cur.execute(SET_USER_COLUMN[column], [value, who.name, now(), key])
        if column == "password_hash" or (column == "disabled" and value):
            cur.execute(END_SESSIONS_OF, [now(), key])  # signed out everywhere
        if column == "password_hash":
            cur.execute(UNLOCK_USER, [key])
            audit_change(cur, None, who.name, action, "user", key, None, None)
        else:
            audit_change(cur, None, who.name, action, "user", key, old[column], value)

    store.write(apply)


def set_password(store: Store, login: str, password: str, *, actor: Person | str) -> None:
    """A new password (admins for anyone, everyone for themselves); unlocks the account."""
    _change(store, login, actor, "password_hash", hash_password(password), "user.password")


def set_role(store: Store, login: str, role: str, *, actor: Person | str) -> None:
    if role not in ROLES:
        raise AccountError("error.role_unknown", role=role, roles=", ".join(ROLES))
    _change(store, login, actor, "role", role, "user.role")


def set_disabled(store: Store, login: str, disabled: bool, *, actor: Person | str) -> None:
    """Disable (or enable again) an account; the last admin cannot be disabled."""
    _change(store, login, actor, "disabled", bool(disabled), "user.disable")


def set_member(store: Store, login: str, member_id: int | None, *, actor: Person | str) -> None:
    """Link the account to the team member it is (an interviewer's own call list)."""
    _change(store, login, actor, "member_id", member_id, "user.member")
