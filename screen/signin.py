"""Who is using the app: the sign-in screen and signing out.

Every browser session signs in as its own person (a local account, or single sign-on
where Streamlit's OIDC login is configured in ``.streamlit/secrets.toml``): the
server's login name is nobody. The session keeps only the login (``app_login``);
``ui.person()`` reads the account afresh on every run, so a disabled account or a
changed role takes effect at the person's next click.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from research.base import accounts
from research.base.errors import ResearchError
from research.demo.accounts import DEMO_PASSWORD, demo_accounts
from screen import ui
from screen.plain import literal


def sso_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, KeyError, ResearchError):
        return False
    except Exception:  # noqa: BLE001 (Streamlit raises its own error when no file exists)
        return False


def _sso_person() -> None:
    """Someone the identity provider signed in, as the account of their e-mail address."""
    state = st.session_state
    if state.get(ui.LOGIN_KEY) or not sso_configured() or not st.user.is_logged_in:
        return
    try:
        person = accounts.single_sign_on(ui.store(), st.user.get("email"))
    except ResearchError as e:
        state["app_sign_in_error"] = e
        return
    state[ui.LOGIN_KEY] = person.login


def sign_in_screen() -> None:
    """The form, the single sign-on button where configured, and what to do when nobody
    can sign in yet; the demo's accounts are listed while they are as the demo made them."""
    _sso_person()
    if ui.person() is not None:
        st.rerun()
    state = st.session_state
    store = ui.store()
    with st.sidebar:
        ui.language_picker()
    t = ui.translator()
    st.title(t("signin.title"))
    if (error := state.pop("app_sign_in_error", None)) is not None:
        ui.show_error(error)
    if not accounts.has_accounts(store):
        st.info(t("signin.no_accounts"))
        st.code('defectors user add LOGIN --name "NAME" --role admin', language="bash")
        return
    with st.form("signin_form", clear_on_submit=False):
        login = st.text_input(t("signin.login"), key="signin_login")
        password = st.text_input(t("signin.password"), type="password", key="signin_password")
        if st.form_submit_button(t("signin.submit"), type="primary"):
            try:
                person = accounts.authenticate(store, login, password)
            except ResearchError as e:
                ui.show_error(e)
            else:
                state[ui.LOGIN_KEY] = person.login
                state.pop("signin_password", None)
                st.rerun()
    if sso_configured():
        if st.button(t("signin.sso"), key="signin_sso"):
            st.login()
        if st.user.is_logged_in:
            st.caption(t("signin.sso_as", email=literal(st.user.get("email") or "")))
            if st.button(t("signin.sso_out"), key="signin_sso_out"):
                st.logout()
    demo = demo_accounts(store)
    if demo:
        st.info(t("signin.demo", password=DEMO_PASSWORD))
        st.dataframe(
            pd.DataFrame(
                [(login, name, t(f"account_role.{role}")) for login, name, role in demo],
                columns=[t("signin.login"), t("signin.name"), t("signin.role")],
            ),
            hide_index=True,
        )


def sign_out() -> None:
    """Forget who this session is (and everything it chose), keeping the language."""
    state = st.session_state
    language = state.get("app_language", "en")
    for key in list(state.keys()):
        del state[key]
    state["app_language"] = language
    state["app_frame_seen"] = True
    if sso_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()
