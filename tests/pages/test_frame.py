"""The frame: a page that runs before app.py (its address opened first after a server
start) is sent through app.py and lands on the page that was asked for."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def test_a_page_run_before_the_frame_lands_on_itself_inside_the_frame(db_path, app_file):
    at = AppTest.from_file(app_file, default_timeout=60)
    at.switch_page("pages/defectors.py").run()  # no run of app.py yet
    assert not at.exception
    assert [t.value for t in at.title] == ["Defectors"]
    assert at.session_state["app_frame_seen"] is True
    assert "app_deep_link" not in at.session_state
    # the frame drew the sidebar links, in the reader's language
    assert "Study" in [link.label for link in at.get("page_link")]
