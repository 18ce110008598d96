"""The Review page: the checkpoint view, saving a review, and improvement actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from research.analysis import actions, checkpoint


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/review.py")


@pytest.fixture
def demo(app_store):
    from research.base.studies import get_study

    return get_study(app_store, "demo")


def test_checkpoint_shows_plan_and_progress(page, app_store, demo):
    state = checkpoint.checkpoint(app_store, demo)
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Interviews planned"] == str(state.planned)
    assert metrics["Interviews held (final records)"] == str(state.held)
    segments = page.dataframe[0].value
    assert list(segments["planned"]) == list(state.segments["planned"])


def test_a_review_needs_attendees_and_is_kept(page, app_store, demo):
    page.text_area[0].input("Wrong numbers on the list")
    page.button[0].click().run()  # the form's submit button
    assert "attended" in page.error[0].value
    assert checkpoint.list_reviews(app_store, demo) == []
    page.text_input[0].input("周建国, 李娜")
    page.text_area[0].input("Wrong numbers on the list")
    page.button[0].click().run()
    kept = checkpoint.list_reviews(app_store, demo)
    assert [r.attendees for r in kept] == ["周建国, 李娜"]
    assert kept[0].process_problems == "Wrong numbers on the list"


def test_an_action_is_added_and_put_into_effect(page, app_store):
    texts = [w for w in page.text_input if w.label in ("What will change", "Owner")]
    texts[0].input("Call back within a day")
    texts[1].input("李娜")
    page.multiselect[-1].set_value(["staff_attitude"])
    page.button[-1].click().run()
    assert not page.exception
    # besides the demo's two earlier actions
    made = [a for a in actions.list_actions(app_store) if a.title.startswith("Call back")]
    assert [(a.title, a.owner, a.causes) for a in made] == [
        ("Call back within a day", "李娜", ("staff_attitude",))
    ]
    effective = [w for w in page.date_input if w.label == "Took effect on"][-1]  # the new one
    effective.set_value(date(2026, 7, 1))
    update = [b for b in page.button if b.label == "Update"][-1]
    update.click().run()
    assert actions.get_action(app_store, made[0].id).effective_from == date(2026, 7, 1)


def test_a_failed_review_keeps_what_was_typed_and_a_saved_one_clears(page, app_store, demo):
    page.text_area[0].input("Wrong numbers on the list")
    page.text_area[2].input("Check the numbers first")
    page.button[0].click().run()
    assert page.error[0].value.startswith("**Attendees are needed**")  # not "Something…"
    assert page.text_area[0].value == "Wrong numbers on the list"  # still there to fix
    assert page.text_area[2].value == "Check the numbers first"
    page.text_input[0].input("李娜")
    held = next(d for d in page.date_input if d.key == "review_held_on")
    held.set_value(date.today() - timedelta(days=3))
    page.selectbox(key="review_kind").set_value(list(checkpoint.REVIEW_KINDS)[-1])
    page.button[0].click().run()
    kept = checkpoint.list_reviews(app_store, demo)
    assert [(r.attendees, r.held_on) for r in kept] == [("李娜", date.today() - timedelta(days=3))]
    assert page.text_input[0].value == "" and page.text_area[0].value == ""
    # the date and the kind are assigned back to their defaults, as the browser then shows
    assert page.session_state["review_held_on"] == date.today()
    assert page.session_state["review_kind"] == next(iter(checkpoint.REVIEW_KINDS))
    assert next(d for d in page.date_input if d.key == "review_held_on").value == date.today()
    assert not page.warning  # no "set through the Session State API" warning
    assert [s.value for s in page.success] == ["Review saved."]


def test_a_failed_action_keeps_what_was_typed(page, app_store):
    before = len(actions.list_actions(app_store))
    title = next(w for w in page.text_input if w.label == "What will change")
    title.input("Call back within a day")
    page.button[-1].click().run()  # no cause named
    assert len(actions.list_actions(app_store)) == before
    assert [e.value.split("\n")[0] for e in page.error] == ["**An owner is needed**"]
    assert next(w for w in page.text_input if w.label == "What will change").value == (
        "Call back within a day"
    )


def _action_field(page, label):
    return next(w for w in [*page.text_input, *page.text_area] if w.label == label)


def test_an_added_action_empties_the_form_says_so_and_a_second_click_adds_nothing(page, app_store):
    before = len(actions.list_actions(app_store))
    _action_field(page, "What will change").input("Call back within a day")
    _action_field(page, "Owner").input("李娜")
    _action_field(page, "Details").input("Within 24 hours of the complaint")
    page.multiselect[-1].set_value(["staff_attitude"])
    page.button[-1].click().run()
    assert not page.exception and not page.error
    assert len(actions.list_actions(app_store)) == before + 1
    assert [s.value for s in page.success] == ["Action added: Call back within a day."]
    for label in ("What will change", "Owner", "Details"):
        field = _action_field(page, label)
        # empty, and sent to the browser as empty: a widget whose key is merely dropped
        # keeps showing (and sends back) what was typed
        assert field.value == "" and field.proto.set_value, label
    causes = page.multiselect[-1]
    assert causes.value == [] and causes.proto.set_value
    page.button[-1].click().run()  # the same click again: nothing to add
    assert len(actions.list_actions(app_store)) == before + 1
    assert page.error and not page.success
