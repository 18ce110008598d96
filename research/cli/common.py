"""What every command shares: the database and language context, the study option,
dates, numbers and times for people, and turning a ResearchError into a short message
and exit status 1.

``--db``, ``--lang`` and ``--study`` are the main group's options, and every command
takes them after its name too (``defectors identify --db FILE``), where people type
them first: ``shared_options`` adds them, and the one given last wins.

Only light modules load here: ``defectors --help`` pays for click and the catalogs, and
each command imports the stages it uses when it runs.
"""

from __future__ import annotations

import functools
import sys
import unicodedata
from datetime import date, datetime

import click

from research.base import config
from research.base.errors import NoDatabaseError, NothingToDoError, ResearchError, StudyChoiceError
from research.base.i18n import LANGUAGES, Translator

STUDY_ENV_VAR = config.STUDY.name
LANG_ENV_VAR = config.LANG.name


class Context:
    def __init__(self, db: str | None, lang: str, study_name: str | None = None):
        self.db = db
        self.t = Translator(lang)
        self.study_name = study_name  # the main group's --study (or $DEFECTORS_STUDY)
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
        """The study named by the command's --study, else the main group's (or
        $DEFECTORS_STUDY), else the only study that is not archived."""
        from research.base import studies

        name = (name or self.study_name or "").strip()
        if name:
            return studies.get_study(self.store, name)
        found = studies.list_studies(self.store)
        if len(found) == 1:
            return found[0]
        if found:
            raise StudyChoiceError("error.pick_study", names=", ".join(s.name for s in found))
        archived = studies.list_studies(self.store, include_archived=True)
        if archived:
            names = ", ".join(s.name for s in archived)
            raise StudyChoiceError("error.only_archived", names=names)
        raise NothingToDoError("error.no_studies")


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
    # no envvar here: $DEFECTORS_STUDY is read by the main group, so that an explicit
    # `defectors --study X cmd` is not overridden by the environment
    return click.option(
        "--study",
        "study_name",
        help="Study name (default: $DEFECTORS_STUDY, or the only study).",
    )(fn)


def _set_db(ctx: click.Context, _param, value):
    if value is not None:
        ctx.find_object(Context).db = value


def _set_lang(ctx: click.Context, _param, value):
    if value is not None:
        ctx.find_object(Context).t = Translator(value)


def shared_options(command: click.Command) -> click.Command:
    """Let ``command`` (and every command under it) take --db and --lang after its name,
    as the main group does; --study is already each study command's own option."""
    if getattr(command, "_shared_options", False):
        return command
    command._shared_options = True
    names = {opt for p in command.params for opt in getattr(p, "opts", [])}
    if "--db" not in names:
        command.params.append(
            click.Option(
                ["--db"],
                expose_value=False,
                callback=_set_db,
                help="Database file (as before the command).",
            )
        )
    if "--lang" not in names:
        command.params.append(
            click.Option(
                ["--lang"],
                type=click.Choice(sorted(LANGUAGES)),
                expose_value=False,
                callback=_set_lang,
                help="Language of the output (as before the command).",
            )
        )
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            shared_options(sub)
    return command


def human_time(value: datetime | None) -> str:
    """A timestamp to the minute, as people read it (no seconds or microseconds)."""
    return "–" if value is None else f"{value:%Y-%m-%d %H:%M}"


def human_number(value) -> str:
    """A setting or share rounded for people: 0.25620346636466357 is 0.256, 3.0 is 3."""
    if isinstance(value, float):
        return f"{round(value, 3):g}"
    return str(value)


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
