"""The frame: a page that runs before app.py (its address opened first after a server
start) is sent through app.py and lands on the page that was asked for."""

from __future__ import annotations

from tests.pages.sessions import signed_in


def test_a_page_run_before_the_frame_lands_on_itself_inside_the_frame(db_path, app_file):
    at = signed_in(app_file=app_file)
    at.switch_page("pages/defectors.py").run()  # no run of app.py yet
    assert not at.exception
    assert [t.value for t in at.title] == ["Defectors"]
    assert at.session_state["app_frame_seen"] is True
    assert "app_deep_link" not in at.session_state
    # the frame drew the sidebar links, in the reader's language
    assert "Study" in [link.label for link in at.get("page_link")]


def _with_archived_study(db_path) -> None:
    """An older study, archived, beside the demo (before the app opens the file)."""
    from datetime import date

    from research.base import studies
    from research.base.store import connect

    s = connect(db_path)
    try:
        old = studies.create_study(s, "Q1 2025", date(2025, 1, 1), actor="t")
        studies.archive_study(s, old, actor="t")
    finally:
        s.close()


def test_an_archived_study_is_hidden_from_the_picker_unless_asked_for(db_path, app_file):
    _with_archived_study(db_path)
    at = signed_in(app_file=app_file)
    at.run()
    assert not at.exception
    picker = at.sidebar.selectbox(key="app_study_picker")
    assert picker.options == ["demo"]
    # the one archived here and the demo's three earlier quarterly studies
    assert at.sidebar.checkbox(key="app_show_archived").label == "Show archived studies (4)"

    asked = signed_in(app_file=app_file)
    asked.session_state["app_show_archived"] = True
    asked.session_state["app_study_name"] = "Q1 2025"
    asked.switch_page("pages/defectors.py").run()
    assert not asked.exception
    assert "Q1 2025 (archived)" in asked.sidebar.selectbox(key="app_study_picker").options
    assert any("This study is archived" in w.value for w in asked.warning)


def test_the_first_start_says_it_is_building_the_demo(tmp_path, monkeypatch, app_file):
    """An empty database is filled with the demo study on the first start; while that
    runs (some 20 seconds) the page says so, not only that it opens the database."""
    from unittest import mock

    import streamlit as st

    from research.base.i18n import Translator
    from screen import ui

    monkeypatch.setenv("DEFECTORS_DB", str(tmp_path / "first.duckdb"))
    ui._open_store.clear()
    said = []
    real_spinner = st.spinner

    def spinner(text="", **kw):
        said.append(text)
        return real_spinner(text, **kw)

    built = []
    with (
        mock.patch.object(st, "spinner", spinner),
        mock.patch.object(ui, "build_demo", lambda store, actor: built.append(actor)),
    ):
        at = signed_in(app_file=app_file)
        at.run()
    assert not at.exception
    assert built, "an empty database gets the demo"
    assert Translator("en")("app.building_demo") in said
    assert "about 20 seconds" in Translator("en")("app.building_demo")
    ui._open_store.clear()


def test_every_page_address_is_its_file_name():
    """Right after a server starts Streamlit knows the pages only by their files: an
    address that is not a file's name would meet "page not found" from a bookmark."""
    from pathlib import Path

    from screen.site import PAGE_FILES

    assert [address for _, _, _, address, _ in PAGE_FILES] == [
        Path(file).stem for file, *_ in PAGE_FILES
    ]


def _lazy_statistics_imports() -> set[str]:
    """The statsmodels and scipy modules research/ imports inside functions (so that the
    command line starts fast), read from its source."""
    import ast
    from pathlib import Path

    found = set()
    for path in (Path(__file__).resolve().parents[2] / "research").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found.add(inner.module)
                elif isinstance(inner, ast.Import):
                    found.update(a.name for a in inner.names)
    return {m for m in found if m.split(".")[0] in ("statsmodels", "scipy")}


def test_the_app_imports_the_statistics_libraries_in_the_background_once(
    db_path, app_file, run_python
):
    """statsmodels takes about a second to import: research/ imports it when first asked
    (the command line starts fast) and the app, once per process, in the background as
    it starts (the first Analysis page does not wait)."""

    from screen import ui

    assert _lazy_statistics_imports() == set(ui.HEAVY_IMPORTS) and ui.HEAVY_IMPORTS
    code = (  # a fresh interpreter: none of them imported before
        "import sys\n"
        f"names = {ui.HEAVY_IMPORTS!r}\n"
        "assert not any(n in sys.modules for n in names)\n"
        "from screen.ui import import_heavy\n"
        "import_heavy()\n"
        "print('MISSING', [n for n in names if n not in sys.modules])\n"
    )
    assert "MISSING []" in run_python(code)
    at = signed_in(app_file=app_file)
    at.run()
    assert not at.exception
    worker = ui.warm_up()  # the one the run started: kept for the process
    assert worker.name == "import-heavy"
    worker.join(60)
    assert not worker.is_alive() and ui.warm_up() is worker
