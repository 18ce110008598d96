"""AppTest fixtures: every test gets its own copy of a small demo database."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from research.base import studies
from research.base.store import connect
from research.demo.build import build_demo
from tests.pages.sessions import signed_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    store = connect(path)
    build_demo(store, actor="tester", as_of=AS_OF, n_customers=400)
    store.close()
    return path


@pytest.fixture
def db_path(demo_db_template, tmp_path, monkeypatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_template, path)
    monkeypatch.setenv("DEFECTORS_DB", str(path))
    monkeypatch.setenv("DEFECTORS_USER", "page-tester")
    return path


@pytest.fixture
def app_file() -> str:
    return APP


@pytest.fixture
def app(db_path) -> AppTest:
    """The app on the demo study, signed in as the demo's admin, first run done."""
    at = signed_in()
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def open_page():
    def run(at: AppTest, page: str) -> AppTest:
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


@pytest.fixture
def study_named(db_path):
    """Read a study through the app's own store (the app holds the file open)."""
    from screen import ui

    return lambda name: studies.get_study(ui.store(), name)


@pytest.fixture
def app_store(app):
    from screen import ui

    return ui.store()
