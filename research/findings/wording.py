"""How a finding reads in the reader's language: its questions, its answers, its history.

The interview form, the conflict notices and the history of edits all turn stored
values (``somewhat_dissatisfied``, ``["price_value"]``, ``True``) into words; the
reports will too. The words are chosen here once, from the translation keys in
``interviews.FIELD_KEYS`` and ``interviews.CHOICE_KEYS`` and the codebook's labels, so
that every screen says the same thing for the same answer.
"""

from __future__ import annotations

import json

import pandas as pd

from research.base.i18n import Translator
from research.base.store import Store
from research.findings import interviews, taxonomy

NOTHING = "–"
HISTORY_COLUMNS = ("version", "by", "at", "what")
_LINE_LENGTH = 120  # one change in the history, cut to this many characters


def choice_label(t: Translator, group: str, value: str | None) -> str:
    """The translated label of a choice (defection type, satisfaction, stage, ...)."""
    if value is None or (isinstance(value, float) and value != value):
        return NOTHING
    key = interviews.CHOICE_KEYS[group].get(value)
    return t(key) if key else str(value)


def field_label(t: Translator, name: str) -> str:
    """The translated question of an answer (``sat_value``: "Value for money")."""
    key = interviews.FIELD_KEYS.get(name)
    return t(key) if key else name


def answer_text(t: Translator, book: taxonomy.Codebook, name: str, value) -> str:
    """One answer as words: codes by their label, choices translated, yes/no, "–" for none."""
    if value is None or value == "":
        return NOTHING
    if name in ("primary_code", "code"):
        return book.label(value, t.lang)
    if name == "secondary_codes":
        codes = json.loads(value) if isinstance(value, str) else list(value)
        return ", ".join(book.label(c, t.lang) for c in codes) or NOTHING
    if name == "controllable":
        return t("interview.yes") if value in (True, "true", "True") else t("interview.no")
    group = "satisfaction" if name.startswith("sat_") else name
    if group in interviews.CHOICE_KEYS:
        return choice_label(t, group, value)
    return str(value)


def _change_text(t: Translator, book: taxonomy.Codebook, name: str, after) -> str:
    if name.startswith("quote_"):
        number, _, part = name.partition(".")
        label = t("interview.quote", n=number.removeprefix("quote_"))
        if part == "removed":
            return t("interview.history_quote_removed", quote=label)
        return f"{label}: {answer_text(t, book, part, after)}"[:_LINE_LENGTH]
    return f"{field_label(t, name)}: {answer_text(t, book, name, after)}"[:_LINE_LENGTH]


def history_table(
    store: Store, finding_id: int, t: Translator, book: taxonomy.Codebook
) -> pd.DataFrame:
    """Every saved version of a finding and its quotes, oldest first, one row each:
    ``version`` (as text, "" for a quote's own versions), ``by``, ``at`` (as the reader writes
    dates) and ``what`` changed, in words ("Primary cause: Price / value for money")."""
    rows = []
    for h in interviews.history(store, finding_id):
        if h["created"] and h["record"] == "finding":
            what = t("interview.history_created")
        else:
            what = "; ".join(
                _change_text(t, book, name, after) for name, (_, after) in h["changes"].items()
            )
        rows.append(
            {
                "version": str(h["version"] or ""),  # text: a quote's own versions have none
                "by": h["changed_by"],
                "at": t.datetime(pd.Timestamp(h["changed_at"]).to_pydatetime()),
                "what": what,
            }
        )
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
