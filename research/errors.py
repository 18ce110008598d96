"""One error family for everything a user can cause or fix.

Each error carries a short ``title`` for the screen and a ``message`` that says what
went wrong and what to do next. Pages show both; the CLI prints both and exits 1.
Driver errors are wrapped with ``raise ... from e`` so the cause stays in the log.
"""

from __future__ import annotations


class ResearchError(Exception):
    """Base class: a problem the user can understand and act on."""

    title = "Something went wrong"

    def __init__(self, message: str, *, title: str | None = None):
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title


class DatabaseLockedError(ResearchError):
    title = "Database in use"


class StudyNotFoundError(ResearchError):
    title = "No such study"


class StudyExistsError(ResearchError):
    title = "Study already exists"


class InvalidSettingError(ResearchError):
    title = "Invalid setting"


class WriteConflictError(ResearchError):
    title = "Edited by someone else"


class ImportRejectedError(ResearchError):
    """A file failed validation; nothing of it was written.

    ``problems`` holds every row problem found (row, column, value, reason);
    ``message`` lists the first fifty and counts the rest.
    """

    title = "File rejected"

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []
