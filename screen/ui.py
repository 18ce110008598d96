"""What every page shares: the store, the language, the current study, error display.

Kept beside app.py because it is screen code; the domain lives in ``research``.
Session-state keys are prefixed with the page they belong to (``app_`` here).
"""

from __future__ import annotations

import hashlib
import importlib
import sys
import threading
from pathlib import Path

import streamlit as st

from research.base import accounts, config, notices, permissions, studies
from research.base.accounts import Person
from research.base.errors import ResearchError
from research.base.i18n import LANGUAGES, Translator
from research.base.store import Store, connect, current_user, resolve_db_path
from research.demo.build import build_demo
from research.ledger.load import ledger_counts
from research.ledger.read import COMMON_ENCODINGS, RawTable, read_table
from screen.plain import literal
from screen.site import may_open, page_title


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    store = connect(path)
    if not studies.list_studies(store, include_archived=True) and not any(
        ledger_counts(store).values()
    ):  # a new, empty database: say what the wait is for (it takes some 20 seconds)
        lang = language()
        with st.spinner(Translator(lang)("app.building_demo"), show_time=True):
            build_demo(store, actor=current_user())
    return store


# The statistics libraries research/ imports when first asked for an interval or a test
# (statsmodels alone takes about a second), so that the command line starts fast
HEAVY_IMPORTS = (
    "statsmodels.stats.proportion",  # research/analysis/causes.py, trends.py; agreement
    "statsmodels.stats.inter_rater",  # research/findings/agreement.py
    "scipy.stats",  # research/analysis/trends.py
)


def import_heavy() -> None:
    """Import ``HEAVY_IMPORTS``, in the order a page would."""
    for name in HEAVY_IMPORTS:
        importlib.import_module(name)


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Once per app process: import the statistics libraries in the background, so that
    the first Analysis page after a start does not wait a second for them."""
    worker = threading.Thread(target=import_heavy, name="import-heavy", daemon=True)
    worker.start()
    return worker


def store() -> Store:
    """The process's one store for the configured database (built with the demo if it
    holds nothing at all)."""
    return _open_store(str(resolve_db_path()))


def language() -> str:
    """The reader's language: chosen in this session, else the configured default."""
    return st.session_state.get("app_language") or config.default_language(LANGUAGES)


def translator() -> Translator:
    """The reader's translator. Every page asks for it first, so it also guards the frame."""
    _through_the_frame()
    return Translator(language())


def _calling_page() -> str | None:
    """The file under pages/ this call comes from (None: app.py itself)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.parent.name == "pages":
            return f"pages/{path.name}"
        frame = frame.f_back
    return None


def _through_the_frame() -> None:
    """Until app.py has called st.navigation once after a server start, Streamlit serves a
    page's address (say /defectors) by running pages/defectors.py alone, without the
    frame: no sidebar, no study, no sign-in. Send such a visitor through app.py, which
    has them sign in and then opens the page that was asked for. A page run alone
    later on (as AppTest runs them) meets the same door when nobody is signed in."""
    page_file = _calling_page()
    if page_file is None:
        return
    state = st.session_state
    if state.get("app_frame_seen") and (someone := person()) is not None:
        if not may_open(someone, page_file):
            t = Translator(language())
            st.error(
                t(
                    "app.page_not_for_role",
                    role=t(f"account_role.{someone.role}"),
                    page=t(page_title(page_file)),
                )
            )
            st.stop()
        return
    state["app_deep_link"] = page_file
    # the detour through app.py drops the address's query (?study=, ?finding=, ?lang=)
    state["app_deep_link_query"] = st.query_params.to_dict()
    st.switch_page("app.py")


def mark_frame(pages: dict) -> None:
    """Called by app.py with {page file: st.Page}: the frame has run; open the page that
    was asked for by its address, if any, with the address's query."""
    st.session_state["app_frame_seen"] = True
    wanted = st.session_state.pop("app_deep_link", None)
    query = st.session_state.pop("app_deep_link_query", None) or {}
    if wanted in pages:
        st.switch_page(pages[wanted], query_params=query)


LOGIN_KEY = "app_login"  # the account this browser session signed in as


TOKEN_KEY = "app_session_token"  # its sign-in session, kept by the browser in a cookie
COOKIE = "defectors_session"


def person() -> Person | None:
    """The person signed in in this browser session, read afresh (None: nobody, or an
    account disabled since). A new session (a reload, a second tab) first tries the
    browser's sign-in cookie (screen/signin.py sets it)."""
    state = st.session_state
    if LOGIN_KEY not in state and not state.get("app_cookie_tried"):
        state["app_cookie_tried"] = True
        token = st.context.cookies.get(COOKIE)
        resumed = accounts.resume_session(store(), token)
        if resumed is not None:
            state[LOGIN_KEY], state[TOKEN_KEY] = resumed.login, token
            return resumed
    found = accounts.signed_in(store(), state.get(LOGIN_KEY))
    if found is None:
        state.pop(LOGIN_KEY, None)
    return found


def actor() -> Person:
    """The person acting in this session: every change a page makes is theirs. app.py
    shows the sign-in screen instead of a page until someone has signed in."""
    found = person()
    if found is None:
        st.stop()
    return found


def may(*permission_names: str) -> bool:
    """True when the signed-in person may do any of these at all (research/ still checks
    each record: this only decides what a page offers)."""
    found = person()
    return found is not None and permissions.may_any(found, *permission_names)


def current_study() -> studies.Study | None:
    name = st.session_state.get("app_study_name")
    if not name:
        return None
    try:
        return studies.get_study(store(), name)
    except ResearchError:
        return None


def reset_widgets(values: dict[str, object]) -> None:
    """Put widgets back to ``values`` ({key: value}), before they are drawn. Popping a
    widget's key is not enough in a browser: the widget keeps what it showed and sends it
    back with the next run; a value assigned here is sent to the browser and shown."""
    for key, value in values.items():
        st.session_state[key] = value


def seed_widgets(marker_key: str, marker: object, values: dict[str, object]) -> None:
    """Put widgets to ``values`` ({key: value}) before they are drawn when ``marker``
    (what the values stand for: a record's version, the picked booking, the language)
    is not the one kept under ``marker_key``, or when Streamlit has forgotten any of
    them (a widget not drawn in a run loses its value, while the marker stays).
    Otherwise the widgets keep what the person entered."""
    state = st.session_state
    if state.get(marker_key) != marker or any(key not in state for key in values):
        state[marker_key] = marker
        reset_widgets(values)


def show_error(error: ResearchError) -> None:
    t = translator()
    # the message may quote a file's cells or a person's words: shown as written
    st.error(f"**{literal(error.heading(t))}**\n\n" + literal(error.render(t)))


def sidebar() -> None:
    """Language switch and study picker; the page links come from app.py.

    The choices live in plain session-state keys (``app_language``, ``app_study_name``)
    that the pickers update, so they survive any run in which a picker is not drawn.
    """
    state = st.session_state
    state.setdefault("app_language", config.default_language(LANGUAGES))
    every = studies.list_studies(store(), include_archived=True)
    _follow_the_address(every)
    with st.sidebar:
        language_picker()
        t = translator()
        archived = {s.name for s in every if s.archived}
        shown = [s.name for s in every if state.get("app_show_archived") or not s.archived]
        if state.get("app_study_name") not in shown:
            state["app_study_name"] = shown[0] if shown else None
        if shown:
            if state.get("app_study_picker") != state["app_study_name"]:
                state["app_study_picker"] = state["app_study_name"]
            st.selectbox(
                t("app.current_study"),
                shown,
                key="app_study_picker",
                format_func=lambda n: t("app.archived_study", name=n) if n in archived else n,
                on_change=lambda: state.update(app_study_name=state["app_study_picker"]),
            )
        if archived:  # hidden from the picker unless asked for
            st.checkbox(t("app.show_archived", count=len(archived)), key="app_show_archived")
        me = actor()
        st.caption(t("app.signed_in_as", user=literal(me.name), role=t(f"account_role.{me.role}")))
        if st.button(t("app.sign_out"), key="app_sign_out"):
            from screen.signin import sign_out  # signin builds on this module

            sign_out()
    _write_the_address()


def language_picker() -> None:
    """English or Chinese, for this session (the address's ``?lang=`` picks it too)."""
    state = st.session_state
    state.setdefault("app_language", config.default_language(LANGUAGES))
    if lang := st.query_params.get("lang"):
        if lang in LANGUAGES and lang != state.get("app_address", {}).get("lang"):
            state["app_language"] = lang
    if state.get("app_lang_picker") != state["app_language"]:
        state["app_lang_picker"] = state["app_language"]
    st.selectbox(
        "Language / 语言",
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        key="app_lang_picker",
        on_change=lambda: state.update(app_language=state["app_lang_picker"]),
    )


# The address carries the reader's place: ``?study=NAME&lang=zh`` on every page (and
# ``?finding=ID`` on the interview page, which keeps its own). A reload, a bookmark or
# a link sent to a colleague opens the same study in the same language. Both ways:
# an address the session has not seen yet (opened, reloaded, followed) picks the study
# and the language; a pick in the sidebar rewrites the address. ``app_address`` holds
# what the address said when this session last read or wrote it, so a query that
# merely lags behind a pick is told apart from a new one.
ADDRESS_KEYS = ("study", "lang")


def _follow_the_address(every: list[studies.Study]) -> None:
    state = st.session_state
    seen = state.setdefault("app_address", {})
    asked = {k: st.query_params.get(k) for k in ADDRESS_KEYS}
    lang = asked["lang"]
    if lang and lang != seen.get("lang") and lang in LANGUAGES:
        state["app_language"] = lang
    name = asked["study"]
    if name and name != seen.get("study"):
        found = next((s for s in every if s.name == name), None)
        if found is None:
            state["app_address_unknown_study"] = name  # said on the page, see address_notice
        else:
            state["app_study_name"] = found.name
            if found.archived:
                state["app_show_archived"] = True


def _write_the_address() -> None:
    state = st.session_state
    now = {"study": state.get("app_study_name"), "lang": state["app_language"]}
    for k, value in now.items():
        if value is None:
            st.query_params.pop(k, None)
        elif st.query_params.get(k) != value:
            st.query_params[k] = value
    state["app_address"] = now


def address_notice() -> None:
    """Said at the top of the page once: the address named a study that does not exist."""
    name = st.session_state.pop("app_address_unknown_study", None)
    if name is not None:
        t = translator()
        current = st.session_state.get("app_study_name")
        st.error(
            literal(t("app.unknown_study", name=name))
            + (" " + literal(t("app.showing_study", name=current)) if current else "")
        )


def page_query(**values) -> dict[str, str]:
    """The query of a link to another page: the reader's study and language, and
    ``values`` (say ``finding=12``), so the link opens the same place in a new tab too."""
    state = st.session_state
    query = {"study": state.get("app_study_name"), "lang": language()}
    query.update({k: str(v) for k, v in values.items()})
    return {k: v for k, v in query.items() if v is not None}


def show_notices() -> None:
    """Notes for this person that they have not seen (what a migration did, say): shown
    at the top of the page until dismissed in this session, and never in a later one."""
    state = st.session_state
    if "app_notices" not in state:
        found = notices.pending(store(), actor().name)
        notices.mark_seen(store(), found, actor().name)
        state["app_notices"] = [(n.id, n.message) for n in found]
    t = translator()
    for notice_id, message in list(state["app_notices"]):
        box = st.container(border=True)
        box.info(literal(message.render(t)))
        if box.button(t("app.notice_dismiss"), key=f"app_notice_{notice_id}"):
            state["app_notices"] = [n for n in state["app_notices"] if n[0] != notice_id]
            st.rerun()


def uploaded_table(key: str) -> RawTable | None:
    """A file uploader and the file read as text columns, with what was read shown;
    None until a readable file is chosen (a file that cannot be read is reported).

    A CSV's text encoding is shown with how sure detection was; where it is a guess,
    the readings that fit are shown line by line, with a choice of encoding (kept per
    file, in ``{key}_encoding_<file hash>``), before anything is imported."""
    t = translator()
    upload = st.file_uploader(t("import.choose_file"), type=["csv", "txt", "xlsx"], key=key)
    if upload is None:
        return None
    data = upload.getvalue()
    picker_key = f"{key}_encoding_{hashlib.sha256(data).hexdigest()[:12]}"
    chosen = st.session_state.get(picker_key) or None
    try:
        raw = read_table(data, upload.name, encoding=chosen)
    except ResearchError as e:
        show_error(e)
        if chosen:  # a choice that does not fit: let them take another
            _encoding_picker(picker_key, None)
        return None
    if raw.is_excel:
        encoding = t("import.excel_file")
    elif chosen:
        encoding = t("import.encoding_chosen", encoding=raw.encoding)
    else:
        encoding = t(
            "import.encoding_detected",
            encoding=raw.encoding,
            confidence=t.percent(raw.encoding_confidence or 0),
        )
    st.caption(
        t(
            "import.file_info",
            rows=t.number(len(raw.frame)),
            columns=len(raw.frame.columns),
            encoding=encoding,
        )
    )
    if raw.encoding_unsure:
        readings = [(raw.encoding, raw.encoding_sample)] + [
            (r.encoding, r.sample) for r in raw.encoding_alternatives
        ]
        st.warning(
            literal(
                t(
                    "import.encoding_unsure",
                    encoding=raw.encoding,
                    confidence=t.percent(raw.encoding_confidence or 0),
                )
            )
            + "\n\n"
            + "\n".join(
                "- " + literal(t("import.encoding_reading", encoding=e, sample=s))
                for e, s in readings
            )
            + "\n\n"
            + literal(t("import.encoding_hint_app"))
        )
    if raw.encoding_unsure or chosen:
        _encoding_picker(picker_key, raw)
    return raw


def _encoding_picker(key: str, raw: RawTable | None) -> None:
    """Detected (None) or one of the common encodings; the file is read again with it."""
    t = translator()
    detected = raw.encoding if raw is not None and not st.session_state.get(key) else None
    st.selectbox(
        t("import.encoding_pick"),
        [None, *COMMON_ENCODINGS],
        format_func=lambda e: (
            t("import.encoding_auto", encoding=detected or "…") if e is None else e
        ),
        key=key,
    )


def select_study(name: str) -> None:
    """Make ``name`` the current study from the next run on."""
    st.session_state["app_study_name"] = name


def require_study() -> studies.Study:
    """The current study, or stop the page with a hint to create one."""
    study = current_study()
    if study is None:
        st.info(translator()("app.no_study"))
        st.stop()
    if study.archived:
        st.warning(translator()("app.study_is_archived", by=study.archived_by or ""))
    return study
