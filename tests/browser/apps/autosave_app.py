"""A one-field page for proving autosave.py in a real browser (tests/browser)."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from research.base import records  # noqa: E402
from research.base.store import connect, now, resolve_db_path  # noqa: E402
from screen.autosave import autosave_text  # noqa: E402


@st.cache_resource
def store():
    s = connect(resolve_db_path())
    with s.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS harness_notes (id INTEGER PRIMARY KEY, text VARCHAR,"
            " version INTEGER, updated_by VARCHAR, updated_at TIMESTAMP)"
        )
        cur.execute(
            "INSERT INTO harness_notes VALUES (1, '', 1, 'setup', ?) ON CONFLICT DO NOTHING",
            [now()],
        )
    return s


user = st.query_params.get("user", "tester")
if login := st.query_params.get("login"):  # as the app does once someone has signed in
    st.session_state["app_login"] = login
with store().cursor() as cur:
    text, version = cur.execute("SELECT text, version FROM harness_notes WHERE id = 1").fetchall()[
        0
    ]


def save(new_text: str, base: int, own: set[int]) -> int:
    return store().write(
        lambda cur: records.update_versioned(
            cur, "harness_notes", {"id": 1}, {"text": new_text}, base, user, own_versions=own
        )
    )


once = st.query_params.get("once") == "1"
if once and not st.session_state.get("once_shown"):
    st.session_state["once_shown"] = True  # above the box on the first run only
    st.success("a message shown once")
# in columns with ?once=1, as on the call desk: a block moved by the message is rebuilt
with st.columns([3, 1])[0] if once else st.container():
    autosave_text(
        "Notes",
        key="note",
        value=text,
        version=version,
        storage_key="harness:1:text",
        on_save=save,
        labels={"typing": "typing…", "saving": "saving…", "saved": "saved", "restored": "restored"},
        disabled=st.query_params.get("locked") == "1",
    )
if gap := st.query_params.get("gap"):  # a server under load between two elements
    import time

    time.sleep(float(gap))
if error := st.session_state.get("note_error"):
    st.error(f"conflict: theirs={error.theirs['text']!r} mine={error.mine['text']!r}")
st.write(f"stored: {text!r} (version {version})")
if slow := st.query_params.get("slow"):  # a server under load: each run takes this long
    import time

    time.sleep(float(slow))
