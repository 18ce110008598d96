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


@pytest.fixture
def answers_store():
    """A record with two answers, one of them JSON, and its first version kept."""
    store = connect(":memory:")
    with store.cursor() as cur:
        cur.execute(
            "CREATE TABLE answers (id INTEGER PRIMARY KEY, a VARCHAR, codes JSON,"
            " version INTEGER, updated_by VARCHAR, updated_at TIMESTAMP)"
        )
        cur.execute(
            "INSERT INTO answers VALUES (1, 'x', '{\"p\": 1, \"q\": 2}', 1, 'setup', ?)", [now()]
        )
    store.write(lambda cur: records.snapshot_version(cur, "answers", {"id": 1}, "answer", "setup"))
    return store


def merge(store, changes, base, actor, own=frozenset()):
    return store.write(
        lambda cur: records.merge_update(
            cur, "answers", "answer", {"id": 1}, changes, base, actor, own
        )
    )


def answers(store):
    with store.cursor() as cur:
        return cur.execute("SELECT a, codes, version FROM answers").fetchall()[0]


def test_merge_update_applies_a_change_to_another_answer_on_the_current_version(answers_store):
    assert merge(answers_store, {"codes": '{"p": 3}'}, 1, "wang") == 2
    assert merge(answers_store, {"a": "li's"}, 1, "li") == 3  # typed on version 1
    assert answers(answers_store) == ("li's", '{"p": 3}', 3)


def test_merge_update_refuses_a_change_to_the_same_answer_with_only_that_answer(answers_store):
    merge(answers_store, {"a": "wang's"}, 1, "wang")
    with pytest.raises(EditConflictError) as caught:
        merge(answers_store, {"a": "li's", "codes": "[]"}, 1, "li")
    assert caught.value.mine == {"a": "li's"}
    assert caught.value.theirs["a"] == "wang's"
    assert answers(answers_store)[0] == "wang's"
    # the caller's own saves in between are no conflict
    v3 = merge(answers_store, {"a": "wang, again"}, 2, "wang")
    assert merge(answers_store, {"a": "wang, thrice"}, 2, "wang", own={v3}) == 4


def test_json_written_in_another_key_order_is_no_change(answers_store):
    with answers_store.cursor() as cur:
        cur.execute('UPDATE answers SET codes = \'{"q": 2, "p": 1}\', version = 2')
    answers_store.write(
        lambda cur: records.snapshot_version(cur, "answers", {"id": 1}, "answer", "li")
    )
    with answers_store.cursor() as cur:
        changed = records.changed_by_others(cur, "answer", "1", ["codes", "a"], 1, 2, set())
    assert changed == []


def test_a_version_without_a_snapshot_counts_as_a_change(answers_store):
    with answers_store.cursor() as cur:
        cur.execute("UPDATE answers SET version = 2")  # no snapshot kept for version 2
        assert records.changed_by_others(cur, "answer", "1", ["a"], 1, 2, set()) == ["a"]
    with pytest.raises(EditConflictError):
        merge(answers_store, {"a": "li's"}, 1, "li")


def test_a_backup_typed_on_an_old_version_is_not_saved_over_a_newer_save(notes_store):
    """Tab B's browser backup was typed on version 3; tab A saved version 4 since. The
    backup is refused with both texts, to be chosen between; choosing "keep mine" saves it
    on version 4, and A's text stays in the history."""
    save(notes_store, "two", 1, "wang")
    save(notes_store, "three", 2, "wang")
    save(notes_store, "wang's call notes", 3, "wang")  # tab A: version 4
    with pytest.raises(EditConflictError) as caught:
        save(notes_store, "li's backup", 3, "li", own={3})  # tab B's backup, on version 3
    assert stored(notes_store) == ("wang's call notes", 4, "wang")  # nothing overwritten
    choice = records.text_choice(caught.value)
    assert (choice.field, choice.mine, choice.theirs) == (
        "text",
        "li's backup",
        "wang's call notes",
    )
    assert (choice.their_version, choice.by) == (4, "wang")
    assert save(notes_store, choice.mine, choice.their_version, "li") == 5  # keep mine
    texts = [h["data"]["text"] for h in records.history(notes_store, "notes", "1")]
    assert texts[-2:] == ["wang's call notes", "li's backup"]


def test_a_backup_of_an_answer_changed_since_is_not_merged_silently(answers_store):
    """merge_update (the interview record's save) lets other answers through but not a
    backup of the same answer made on an older version."""
    v2 = merge(answers_store, {"a": "wang's"}, 1, "wang")
    with pytest.raises(EditConflictError) as caught:
        merge(answers_store, {"a": "li's backup"}, 1, "li")
    choice = records.text_choice(caught.value)
    assert (choice.mine, choice.theirs, choice.their_version) == ("li's backup", "wang's", v2)


def test_text_choice_needs_one_text(notes_store):
    several = EditConflictError("notes", "1", {"a": "x", "b": "y"}, {"version": 2})
    assert records.text_choice(several) is None
    assert records.text_choice(several, "a").mine == "x"
    assert records.text_choice(EditConflictError("notes", "1", {"a": "x"}, {})) is None
