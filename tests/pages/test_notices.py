"""Notes for the people using the app (what a migration did to their data): shown to each
person once, at the top of whatever page they open, until they dismiss it."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest


def _note(db_path) -> None:
    from screen import ui

    with ui.store().cursor() as cur:
        cur.execute(
            "INSERT INTO notices (key, detail, created_at) VALUES ('notice.ledger_merged', ?, now())",
            [
                json.dumps(
                    {
                        "studies": 2,
                        "lines_before": 10,
                        "lines_after": 8,
                        "customer_conflicts": 1,
                        "wallet_conflicts": 0,
                        "skipped_imports": 2,
                    }
                )
            ],
        )


def _texts(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def test_a_note_is_shown_once_to_each_person(db_path, app_file, monkeypatch):
    _note(db_path)
    at = AppTest.from_file(app_file, default_timeout=60)
    at.run()
    assert not at.exception
    shown = [t for t in _texts(at) if "now form one ledger" in t]
    assert len(shown) == 1 and "10 transaction lines from 2 studies are 8 lines" in shown[0]
    assert [b.key for b in at.button if b.key == "app_notice_1"] == ["app_notice_1"]
    at.run()
    # kept for this session until dismissed (AppTest shows only a first run's frame
    # elements, so the session state tells)
    assert [n[1].key for n in at.session_state["app_notices"]] == ["notice.ledger_merged"]

    again = AppTest.from_file(app_file, default_timeout=60)  # a later session: not again
    again.run()
    assert not any("now form one ledger" in t for t in _texts(again))

    monkeypatch.setenv("DEFECTORS_USER", "another-person")  # someone else: once
    other = AppTest.from_file(app_file, default_timeout=60)
    other.session_state["app_language"] = "zh"
    other.run()
    assert any("总账" in t for t in _texts(other))
