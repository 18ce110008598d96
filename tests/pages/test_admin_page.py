"""The Admin page: accounts, the audit log and retention, through the page as an admin
uses it (research/ refuses everyone else: tests/unit/test_accounts.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from research.base import accounts, studies
from research.base.store import now
from research.findings import erasure
from tests.pages.sessions import SIGNED_IN_NAME, signed_in


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/admin.py")


def _submit(at, form: str):
    next(b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}")).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_accounts_table_lists_every_account_without_a_password(page):
    shown = page.dataframe[0].value
    assert {"admin", "zhou.jianguo", "wang.lei"} <= set(shown["login"])
    assert not any("hash" in c or "password" in c for c in shown.columns)


def test_an_admin_adds_an_account_that_can_then_sign_in(page, app_store):
    page.text_input(key="admin_new_login").input("li.na")
    page.text_input(key="admin_new_name").input("李娜")
    page.selectbox(key="admin_new_role").set_value("interviewer")
    page.text_input(key="admin_new_password").input("a long enough secret")
    _submit(page, "admin_add_user")
    assert any("Account li.na added" in s.value for s in page.success)
    person = accounts.authenticate(app_store, "li.na", "a long enough secret")
    assert (person.name, person.role) == ("李娜", "interviewer")


def test_a_short_password_is_refused_and_nothing_is_added(page, app_store):
    page.text_input(key="admin_new_login").input("short.pw")
    page.text_input(key="admin_new_password").input("short")
    _submit(page, "admin_add_user")
    assert any("too short" in e.value for e in page.error)
    assert "short.pw" not in [u["login"] for u in accounts.list_users(app_store, actor="t")]


def test_changing_a_role_and_disabling_an_account(page, app_store):
    page.selectbox(key="admin_chosen").set_value("qian.xiaowen").run()
    page.selectbox(key="admin_role_qian.xiaowen").set_value("lead")
    _submit(page, "admin_role_form")
    assert accounts.get_person(app_store, "qian.xiaowen").role == "lead"
    page.button(key="admin_disable_qian.xiaowen").click().run()
    assert accounts.signed_in(app_store, "qian.xiaowen") is None  # disabled


def test_the_last_admin_cannot_be_disabled_from_the_page(page, app_store):
    page.selectbox(key="admin_chosen").set_value("admin").run()
    page.button(key="admin_disable_admin").click().run()
    assert any("last admin" in e.value for e in page.error)
    assert accounts.signed_in(app_store, "admin") is not None


def test_the_audit_log_shows_who_changed_what_and_filters(page):
    page.text_input(key="admin_new_login").input("audited")
    page.text_input(key="admin_new_password").input("a long enough secret")
    _submit(page, "admin_add_user")
    page.text_input(key="admin_action").input("user").run()
    log = page.dataframe[1].value
    added = log[log["action"] == "user.add"]
    assert set(added.loc[added["entity_id"] == "audited", "actor"]) == {SIGNED_IN_NAME}
    assert set(log["action"].str.split(".").str[0]) == {"user"}  # the filter holds
    # the whole log downloads as CSV and Excel
    assert len([b for b in page.get("download_button") if "admin_audit" in b.proto.id]) == 2


def test_a_study_due_for_erasure_is_erased_from_the_page(page, app_store, study_named):
    demo = study_named("demo")
    studies.update_study(app_store, demo, actor="t", status="closed")
    erasure.set_retention(app_store, study_named("demo"), 0, actor="t")
    page.run()
    assert any("due for erasure" in w.value and "demo" in w.value for w in page.warning)
    page.button(key="admin_retention_apply").click().run()
    assert not page.exception
    assert erasure.retention(app_store, study_named("demo"))[2] is not None  # erased at
    assert not erasure.due_for_erasure(app_store, at=now() + timedelta(days=1))


def test_a_study_lead_sets_retention_on_the_study_page(db_path, study_named):
    at = signed_in("zhou.jianguo")
    at.run()
    at.number_input(key="study_retention_days").set_value(180)
    _submit(at, "study_settings")
    from screen import ui

    assert erasure.retention(ui.store(), study_named("demo"))[0] == 180


def test_an_admin_erases_a_customer_from_the_page_after_confirming(page, app_store):
    from research.findings.erasure import erased_ids

    with app_store.cursor() as cur:
        customer_id, name = cur.execute(
            "SELECT customer_id, name FROM customers WHERE name IS NOT NULL ORDER BY 1 LIMIT 1"
        ).fetchall()[0]
    page.text_input(key="admin_erase_customer").input(customer_id)
    page.text_input(key="admin_erase_reason").input("request 42")
    _submit(page, "admin_erase")
    assert customer_id not in erased_ids(app_store)  # not without the tick
    assert any("cannot be undone" in w.value for w in page.warning)
    page.checkbox(key="admin_erase_sure").check()
    _submit(page, "admin_erase")
    assert customer_id in erased_ids(app_store)
    with app_store.cursor() as cur:
        assert (
            cur.execute(
                "SELECT name FROM customers WHERE customer_id = ?", [customer_id]
            ).fetchall()[0][0]
            != name
        )
