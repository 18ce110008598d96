"""What every command shares: the database and language context, the study option,
dates, and turning a ResearchError into a short message and exit status 1.

Only light modules load here: ``defectors --help`` pays for click and the catalogs, and
each command imports the stages it uses when it runs.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from datetime import date

import click

from research.base.errors import NoDatabaseError, NothingToDoError, ResearchError
from research.base.i18n import Translator

STUDY_ENV_VAR = "DEFECTORS_STUDY"
LANG_ENV_VAR = "DEFECTORS_LANG"


class Context:
    def __init__(self, db: str | None, lang: str):
        self.db = db
        self.t = Translator(lang)
        self._store = None  # opened on first use: `--help` needs no database
        # only the commands that create data (study create, demo) may create the file:
        # any other command on a mistyped --db would leave an empty database behind
        self.may_create = False

    @property
    def store(self):
        if self._store is None:
            from research.base.store import connect, resolve_db_path

            path = resolve_db_path(self.db)
            if not self.may_create and not path.exists():
                raise NoDatabaseError("error.no_database", path=str(path))
            self._store = connect(path)
        return self._store

    def study(self, name: str | None):
        from research.base import studies

        if name:
            return studies.get_study(self.store, name)
        found = studies.list_studies(self.store)
        if len(found) == 1:
            return found[0]
        if not found:
            raise NothingToDoError("error.no_studies")
        raise NothingToDoError("error.pick_study", names=", ".join(s.name for s in found))


def handle_errors(fn):
    """Turn a ResearchError into 'Title: message' on stderr and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        t = ctx.find_object(Context).t if ctx.find_object(Context) else Translator()
        try:
            return fn(*args, **kwargs)
        except ResearchError as e:
            click.echo(f"{e.heading(t)}: {e.render(t)}", err=True)
            sys.exit(1)
        except OSError as e:  # a file that cannot be written or read: say which, no traceback
            detail = e.strerror or str(e)
            message = t("error.file", path=e.filename, detail=detail) if e.filename else detail
            click.echo(f"{t('error.title.file')}: {message}", err=True)
            sys.exit(1)

    return wrapper


def study_option(fn):
    return click.option(
        "--study",
        "study_name",
        envvar=STUDY_ENV_VAR,
        help="Study name (default: $DEFECTORS_STUDY, or the only study).",
    )(fn)


def parse_date(_ctx, _param, value):
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01") from e


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """Columns padded to line up in a terminal, Chinese characters counted two wide; the
    first column left-aligned, the others right-aligned (counts)."""

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    table = [header, *rows]
    widths = [max(width(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [row[0] + " " * (widths[0] - width(row[0]))]
        cells += [" " * (widths[i] - width(c)) + c for i, c in enumerate(row[1:], 1)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
