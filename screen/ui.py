"""What every page shares: the store, the language, the current study, error display.

Kept beside app.py because it is screen code; the domain lives in ``research``.
Session-state keys are prefixed with the page they belong to (``app_`` here).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit as st

from research.base import studies
from research.base.errors import ResearchError
from research.base.i18n import LANGUAGES, Translator
from research.base.store import Store, connect, current_user, resolve_db_path
from research.demo.build import build_demo
from research.ledger.read import read_table


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    store = connect(path)
    if not studies.list_studies(store, include_archived=True):  # a new, empty database
        build_demo(store, actor=current_user())
    return store


def store() -> Store:
    """The process's one store for the configured database (built with the demo if empty)."""
    return _open_store(str(resolve_db_path()))


def translator() -> Translator:
    """The reader's translator. Every page asks for it first, so it also guards the frame."""
    _through_the_frame()
    return Translator(st.session_state.get("app_language", "en"))


def _through_the_frame() -> None:
    """Until app.py has called st.navigation once after a server start, Streamlit serves a
    page's address (say /defectors) by running pages/defectors.py alone, without the
    frame: no sidebar, no study. Send such a visitor through app.py, which then opens
    the page that was asked for."""
    if st.session_state.get("app_frame_seen"):
        return
    page_file = next(
        (Path(f.filename) for f in inspect.stack()[1:] if Path(f.filename).parent.name == "pages"),
        None,
    )
    if page_file is not None:
        st.session_state["app_deep_link"] = f"pages/{page_file.name}"
    st.switch_page("app.py")


def mark_frame(pages: dict) -> None:
    """Called by app.py with {page file: st.Page}: the frame has run; open the page that
    was asked for by its address, if any."""
    st.session_state["app_frame_seen"] = True
    wanted = st.session_state.pop("app_deep_link", None)
    if wanted in pages:
        st.switch_page(pages[wanted])


def actor() -> str:
    return current_user()


def current_study() -> studies.Study | None:
    name = st.session_state.get("app_study_name")
    if not name:
        return None
    try:
        return studies.get_study(store(), name)
    except ResearchError:
        return None


def show_error(error: ResearchError) -> None:
    t = translator()
    st.error(f"**{error.heading(t)}**\n\n" + error.render(t).replace("\n", "  \n"))


def sidebar() -> None:
    """Language switch and study picker; the page links come from app.py.

    The choices live in plain session-state keys (``app_language``, ``app_study_name``)
    that the pickers update, so they survive any run in which a picker is not drawn.
    """
    state = st.session_state
    state.setdefault("app_language", "en")
    with st.sidebar:
        if state.get("app_lang_picker") != state["app_language"]:
            state["app_lang_picker"] = state["app_language"]
        st.selectbox(
            "Language / 语言",
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            key="app_lang_picker",
            on_change=lambda: state.update(app_language=state["app_lang_picker"]),
        )
        t = translator()
        every = studies.list_studies(store(), include_archived=True)
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
        st.caption(t("app.signed_in_as", user=actor()))


def uploaded_table(key: str):
    """A file uploader and the file read as text columns, with what was read shown;
    None until a readable file is chosen (a file that cannot be read is reported)."""
    t = translator()
    upload = st.file_uploader(t("import.choose_file"), type=["csv", "txt", "xlsx"], key=key)
    if upload is None:
        return None
    try:
        raw = read_table(upload.getvalue(), upload.name)
    except ResearchError as e:
        show_error(e)
        return None
    st.caption(
        t(
            "import.file_info",
            rows=t.number(len(raw.frame)),
            columns=len(raw.frame.columns),
            encoding=raw.encoding or "Excel",
        )
    )
    return raw


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
