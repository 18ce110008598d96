"""Versioned records: a save applies only on the version it was made on."""

from __future__ import annotations

import pytest

from research.base import records
from research.base.records import EditConflictError
from research.base.store import connect, now


@pytest.fixture
def notes_store():
    store = connect(":memory:")
    with store.cursor() as cur:
        cur.execute(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, text VARCHAR, version INTEGER,"
            " updated_by VARCHAR, updated_at TIMESTAMP)"
        )
        cur.execute("INSERT INTO notes VALUES (1, 'first', 1, 'setup', ?)", [now()])
    return store


def save(store, text, expected, actor, own=frozenset()):
    return store.write(
        lambda cur: records.update_versioned(
            cur, "notes", {"id": 1}, {"text": text}, expected, actor, own_versions=own
        )
    )


def stored(store):
    with store.cursor() as cur:
        return cur.execute("SELECT text, version, updated_by FROM notes").fetchall()[0]


def test_a_save_on_the_current_version_applies_and_is_kept_in_history(notes_store):
    assert save(notes_store, "second", 1, "wang") == 2
    assert stored(notes_store) == ("second", 2, "wang")
    history = records.history(notes_store, "notes", "1")
    assert [(h["version"], h["data"]["text"], h["changed_by"]) for h in history] == [
        (2, "second", "wang")
    ]


def test_a_save_on_an_old_version_raises_with_both_versions(notes_store):
    save(notes_store, "wang's text", 1, "wang")
    with pytest.raises(EditConflictError) as caught:
        save(notes_store, "li's text", 1, "li")
    assert caught.value.theirs["text"] == "wang's text"
    assert caught.value.theirs["updated_by"] == "wang"
    assert caught.value.mine == {"text": "li's text"}
    assert "wang saved this record" in caught.value.render()
    assert stored(notes_store) == ("wang's text", 2, "wang")  # nothing overwritten


def test_own_saves_in_between_are_not_a_conflict(notes_store):
    v2 = save(notes_store, "a", 1, "wang")
    v3 = save(notes_store, "ab", 1, "wang", own={v2})
    assert v3 == 3 and stored(notes_store)[0] == "ab"
    # but a colleague's save in between still is
    save(notes_store, "li was here", 3, "li")
    with pytest.raises(EditConflictError):
        save(notes_store, "abc", 1, "wang", own={v2, v3})


def test_drafts_are_kept_per_author_and_field(notes_store):
    records.save_draft(notes_store, "notes", "1", "text", "li", "li's unsaved words", 1)
    records.save_draft(notes_store, "notes", "1", "text", "li", "li's unsaved words, more", 1)
    records.save_draft(notes_store, "notes", "1", "text", "wang", "wang's", 1)
    mine = records.drafts(notes_store, "notes", "1", "li")
    assert mine["text"].text == "li's unsaved words, more"
    notes_store.write(lambda cur: records.discard_drafts(cur, "notes", "1", "li"))
    assert records.drafts(notes_store, "notes", "1", "li") == {}
    assert records.drafts(notes_store, "notes", "1", "wang")["text"].text == "wang's"
