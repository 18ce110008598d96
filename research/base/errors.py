"""One error family for everything a user can cause or fix.

An error carries a message key and its values, so the screen and the CLI show it in
the user's language (``error.render(t)``, ``error.heading(t)``); ``str(error)`` is the
English text, for logs. The message says what went wrong and what to do next. Driver
errors are wrapped with ``raise ... from e`` so the cause stays in the log.
"""

from __future__ import annotations

MAX_PROBLEMS_SHOWN = 50  # an import's problems listed in full; the rest are counted


class ResearchError(Exception):
    """Base class: a problem the user can understand and act on."""

    title_key = "error.title.generic"

    def __init__(self, key: str, **values):
        self.key = key
        self.values = values
        super().__init__(self.render())

    def render(self, t=None) -> str:
        return _translator(t)(self.key, **self.values)

    def heading(self, t=None) -> str:
        """The message's own title (``error.title.<name>`` for ``error.<name>``, such as
        "A reason is needed") where the catalogs have one, else the family's title."""
        t = _translator(t)
        own = ".".join(("error", "title", self.key.removeprefix("error.")))
        return t(own) if t.has(own) else t(self.title_key)


def _translator(t):
    if t is not None:
        return t
    from research.base.i18n import Translator  # late: i18n reads catalogs, errors must stay light

    return Translator("en")


class DatabaseLockedError(ResearchError):
    title_key = "error.title.locked"


class NoDatabaseError(ResearchError):
    """The database file does not exist, and the command does not create one."""

    title_key = "error.title.no_database"


class StudyNotFoundError(ResearchError):
    title_key = "error.title.no_study"


class StudyChoiceError(ResearchError):
    """Several studies (or only archived ones) and none named: say which."""

    title_key = "error.title.pick_study"


class StudyExistsError(ResearchError):
    title_key = "error.title.study_exists"


class InvalidSettingError(ResearchError):
    title_key = "error.title.invalid_setting"


class WriteConflictError(ResearchError):
    title_key = "error.title.conflict"


class NothingToDoError(ResearchError):
    title_key = "error.title.nothing_to_do"


class ImportRejectedError(ResearchError):
    """A file failed validation or could not be read; nothing of it was written.

    ``problems`` holds every row problem found (row, column, value, reason key).
    """

    title_key = "error.title.rejected"

    def __init__(self, key: str, problems: list | None = None, **values):
        self.problems = problems or []
        super().__init__(key, **values)

    def render(self, t=None) -> str:
        t = _translator(t)
        text = t(self.key, **self.values)
        if not self.problems:
            return text

        lines = [text]
        lines += ["  " + p.render(t) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        rest = len(self.problems) - MAX_PROBLEMS_SHOWN
        if rest > 0:
            lines.append("  " + t("import.more_problems", count=rest))
        return "\n".join(lines)
