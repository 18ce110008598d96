"""Notes for the people using the app (what a migration did to their data): shown to each
person once, at the top of whatever page they open, until they dismiss it."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.pages.sessions import signed_in


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


def test_a_note_is_shown_once_to_each_person(db_path, app_file):
    _note(db_path)
    at = signed_in(app_file=app_file)
    at.run()
    assert not at.exception
    shown = [t for t in _texts(at) if "now form one ledger" in t]
    assert len(shown) == 1 and "10 transaction lines from 2 studies are 8 lines" in shown[0]
    assert [b.key for b in at.button if b.key == "app_notice_1"] == ["app_notice_1"]
    at.run()
    # kept for this session until dismissed (AppTest shows only a first run's frame
    # elements, so the session state tells)
    assert [n[1].key for n in at.session_state["app_notices"]] == ["notice.ledger_merged"]

    again = signed_in(app_file=app_file)  # a later session: not again
    again.run()
    assert not any("now form one ledger" in t for t in _texts(again))

    other = signed_in("helen.xu", app_file=app_file)  # someone else: once
    other.session_state["app_language"] = "zh"
    other.run()
    assert any("总账" in t for t in _texts(other))
