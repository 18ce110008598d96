"""`defectors user`: the first admin from the CLI, passwords from standard input."""

from __future__ import annotations

from click.testing import CliRunner

from research.base import accounts
from research.base.store import connect
from research.cli import main

ENV = {"DEFECTORS_DB": None, "DEFECTORS_STUDY": None, "DEFECTORS_USER": "operator"}


def run(db, *args, stdin=None):
    return CliRunner(env=ENV).invoke(main, ["--db", str(db), *args], input=stdin)


def test_first_admin_then_users_from_the_cli(tmp_path):
    db = tmp_path / "team.duckdb"
    made = run(
        db, "user", "add", "root", "--role", "admin", "--password-stdin", stdin="a long secret\n"
    )
    assert made.exit_code == 0, made.output
    assert "root" in made.output
    added = run(
        db,
        "user",
        "add",
        "ivan",
        "--name",
        "Ivan",
        "--role",
        "interviewer",
        "--password-stdin",
        stdin="another secret\n",
    )
    assert added.exit_code == 0, added.output
    assert run(db, "user", "role", "ivan", "lead").exit_code == 0
    assert run(db, "user", "disable", "ivan").exit_code == 0
    listed = run(db, "user", "list").output
    assert "root" in listed and "ivan" in listed and "disabled" in listed and "lead" in listed
    assert "another secret" not in listed
    short = run(db, "user", "passwd", "ivan", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "at least" in short.output
    assert (
        run(db, "user", "passwd", "ivan", "--password-stdin", stdin="fresh long one\n").exit_code
        == 0
    )
    assert run(db, "user", "disable", "ivan", "--enable").exit_code == 0
    store = connect(db)
    try:
        person = accounts.authenticate(store, "ivan", "fresh long one")
        assert (person.name, person.role) == ("Ivan", "lead")
        with store.cursor() as cur:
            actors = {
                r[0]
                for r in cur.execute(
                    "SELECT actor FROM audit_log WHERE action LIKE 'user.%' AND action <> 'user.sign_in'"
                ).fetchall()
            }
        assert actors == {"operator"}
    finally:
        store.close()


def test_a_hidden_prompt_asks_twice(tmp_path):
    db = tmp_path / "team.duckdb"
    result = run(
        db, "user", "add", "root", "--role", "admin", stdin="a long secret\na long secret\n"
    )
    assert result.exit_code == 0, result.output
    assert "a long secret" not in result.output  # never echoed


def test_list_shows_a_locked_account_until_its_lock_is_over(tmp_path):
    db = tmp_path / "team.duckdb"
    run(db, "user", "add", "bo", "--role", "viewer", "--password-stdin", stdin="a long secret\n")
    store = connect(db)
    try:
        for _ in range(accounts.MAX_FAILED_ATTEMPTS):
            try:
                accounts.authenticate(store, "bo", "wrong wrong wrong")
            except accounts.AuthenticationError:
                pass
    finally:
        store.close()
    assert "locked" in run(db, "user", "list").output
    store = connect(db)
    try:
        store.write(
            lambda cur: cur.execute("UPDATE users SET locked_until = now() - INTERVAL 1 MINUTE")
        )
    finally:
        store.close()
    listed = run(db, "user", "list").output
    assert "locked" not in listed and "active" in listed


def test_a_single_sign_on_account_needs_no_password_and_opens_with_none(tmp_path):
    db = tmp_path / "sso.duckdb"
    made = run(db, "user", "add", "Wang.Fang@example.cn", "--role", "viewer", "--sso")
    assert made.exit_code == 0, made.output  # no prompt: standard input is empty
    store = connect(db)
    try:
        assert accounts.single_sign_on(store, "wang.fang@example.cn").role == "viewer"
        for password in ("", "!single-sign-on", accounts.SSO_ONLY):
            try:
                accounts.authenticate(store, "wang.fang@example.cn", password)
            except accounts.AuthenticationError:
                continue
            raise AssertionError(f"{password!r} opened a single-sign-on account")
    finally:
        store.close()
