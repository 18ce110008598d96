"""Who is using the app: the sign-in screen and signing out.

Every browser session signs in as its own person (a local account, or single sign-on
where Streamlit's OIDC login is configured in ``.streamlit/secrets.toml``): the
server's login name is nobody. The session keeps only the login (``app_login``);
``ui.person()`` reads the account afresh on every run, so a disabled account or a
changed role takes effect at the person's next click.

A reload of the page is a new Streamlit session. So that it does not ask for the
password again, signing in starts a sign-in session (research/base/accounts.py) whose
random token the browser keeps in a cookie (SameSite=Strict, Secure over HTTPS, for
``$DEFECTORS_SESSION_HOURS``); the database stores only the token's hash. Signing out, a new
password or a disabled account ends it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from research.base import accounts, config
from research.base.errors import ResearchError
from research.demo.accounts import DEMO_PASSWORD, demo_accounts
from screen import ui
from screen.plain import literal

_COOKIE_JS = r"""
export default function({ data }) {
  if (!data || !data.name) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const age = data.value ? data.max_age : 0;
  document.cookie = `${data.name}=${encodeURIComponent(data.value || "")}; Path=/; ` +
    `Max-Age=${age}; SameSite=Strict${secure}`;
}
"""
_cookie = st.components.v2.component(
    "defectors_sign_in_cookie", html="<span></span>", js=_COOKIE_JS
)


def keep_cookie() -> None:
    """Hand the browser the session's token after signing in (or an empty one after
    signing out), once: a reload then finds the person still signed in."""
    token = st.session_state.pop("app_set_cookie", None)
    if token is not None:
        _cookie(
            data={"name": ui.COOKIE, "value": token, "max_age": int(config.session_hours() * 3600)},
            key=f"app_cookie_{len(token)}",
        )


def sso_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section."""
    try:
        return "auth" in st.secrets
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
    keep_cookie()  # the signed-out browser forgets its token
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
                state[ui.TOKEN_KEY] = state["app_set_cookie"] = accounts.start_session(
                    store, person
                )
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
    """Forget who this session is (and everything it chose), keeping the language; the
    browser's sign-in cookie no longer signs anyone in."""
    state = st.session_state
    accounts.end_session(ui.store(), state.get(ui.TOKEN_KEY))
    language = ui.language()
    for key in list(state.keys()):
        del state[key]
    state.update(
        app_language=language, app_frame_seen=True, app_cookie_tried=True, app_set_cookie=""
    )
    if sso_configured() and st.user.is_logged_in:
        st.logout()
    st.rerun()
