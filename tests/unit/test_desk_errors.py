"""The desk's errors are titled by what went wrong, in both languages."""

from __future__ import annotations

from datetime import datetime

import pytest

from research.base.errors import ResearchError
from research.base.i18n import Translator, catalog
from research.desk import calls, errors, phones
from research.desk.errors import DeskError


def test_every_title_exists_in_both_catalogs_and_every_titled_key_too():
    for lang in ("en", "zh"):
        known = catalog(lang)
        assert [k for k in errors.TITLES if k not in known] == []
        titles = {*errors.TITLES.values(), errors.GENERAL_TITLE}
        assert sorted(t for t in titles if t not in known) == []


def test_a_desk_error_is_a_research_error_titled_by_its_key():
    error = DeskError("error.call_back_time_required")
    assert isinstance(error, ResearchError)
    assert error.heading() == "A call-back time is needed"
    assert error.heading(Translator("zh")) == "需要回电时间"
    # a message with a title of its own keeps it; one without gets the desk's general title
    assert DeskError("error.assign_column", column="x").heading() == "Cannot assign that way"
    assert DeskError("error.no_such_desk_message").heading() == "Not saved"
    # the title follows the message, whichever class carries it
    assert ResearchError("error.call_back_time_required").heading() == error.heading()


def test_the_desk_raises_titled_errors(store, study):
    with pytest.raises(DeskError) as caught:
        calls.log_attempt(store, study, "nobody", "call_back", actor="t", call_back_at=None)
    assert caught.value.heading() == "A call-back time is needed"
    with pytest.raises(DeskError) as caught:
        calls.log_attempt(
            store, study, "nobody", "reached", actor="t", called_at=datetime(2026, 1, 1)
        )
    assert caught.value.heading() == "Customer not found"
    with pytest.raises(DeskError) as caught:
        phones.normalise_phone("12")
    assert caught.value.heading() == "Phone number not valid"
