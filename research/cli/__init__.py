"""The ``defectors`` command: everything a batch job or an analyst does without a browser.

One module per command group, in the order of a study (studies, ledger, selection,
desk, findings, demo, app). Each module defines its click commands; ``COMMANDS`` below
names them, and the group loads a module only when one of its commands is asked for, so
``defectors --help`` stays fast. A command parses its options, calls one or two
``research`` functions and prints what came back; a ResearchError becomes a short
message and exit status 1 (``research.cli.common.handle_errors``).
"""

from __future__ import annotations

import importlib

import click

from research.base.i18n import LANGUAGES
from research.base.store import DB_ENV_VAR, DEFAULT_DB_PATH
from research.cli.common import LANG_ENV_VAR, STUDY_ENV_VAR, Context, shared_options

# command name -> ("module:attribute", its one-line help). `--help` lists the help from
# here, so listing the commands loads none of them; tests/unit/test_cli_layout.py checks
# that each line matches the command's own docstring.
COMMANDS = {
    "demo": ("research.cli.demo:demo", "Build the demo company as the study 'demo'."),
    "studies": ("research.cli.studies:list_studies_command", "List the studies in the database."),
    "study": ("research.cli.studies:study", "Create and change studies."),
    "import": (
        "research.cli.ledger:import_command",
        "Import customers, transactions, wallet estimates or past findings from CSV or XLSX.",
    ),
    "identify": (
        "research.cli.selection:identify",
        "Classify every customer (full, partial, active, new, inactive) and segment them.",
    ),
    "targets": ("research.cli.selection:targets", "The study's list of defectors to interview."),
    "team": (
        "research.cli.desk:team_group",
        "The investigation team; without a subcommand, print it as CSV (name, role, email, time zone).",
    ),
    "calls": ("research.cli.desk:calls_group", "The call desk's log of call attempts."),
    "schedule": ("research.cli.desk:schedule_group", "Interviews with the senior managers."),
    "taxonomy": (
        "research.cli.findings:taxonomy_group",
        "The failure taxonomy (codebook): list, export and change it.",
    ),
    "findings": (
        "research.cli.findings:findings_group",
        "Interview findings: list, export, cause counts, second-coder agreement.",
    ),
    "analysis": (
        "research.cli.analysis:analysis_group",
        "Failure analysis: causes, trends, actions, defection rates and win-backs.",
    ),
    "report": (
        "research.cli.report:report_group",
        "Reports for the review meeting, as HTML or PDF files.",
    ),
    "user": (
        "research.cli.users:user_group",
        "Accounts: add, list, disable, set a password or a role.",
    ),
    "audit": (
        "research.cli.admin:audit_command",
        "The audit log: who changed what, when, old and new values.",
    ),
    "erase": (
        "research.cli.admin:erase_command",
        "Erase a customer's personal data; the anonymised findings stay in the counts.",
    ),
    "retention": (
        "research.cli.admin:retention_group",
        "Erase closed studies' personal data after a set time: set it, apply it.",
    ),
    "backup": (
        "research.cli.admin:backup_command",
        "Write a consistent copy of the database to FILE, also while the app runs.",
    ),
    "restore": (
        "research.cli.admin:restore_command",
        "Replace the database with a backup FILE (stop the app first).",
    ),
    "app": ("research.cli.app:app", "Start the app (builds the demo study on first start)."),
}


class CommandsGroup(click.Group):
    """The top-level group: commands come from ``COMMANDS`` and load when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attribute = COMMANDS[name][0].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        command.name = name
        return shared_options(command)  # --db and --lang after the command's name too

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_line) for name, (_, help_line) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=CommandsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar=DB_ENV_VAR,
    help=f"Database file (default: ${DB_ENV_VAR}, else ./{DEFAULT_DB_PATH}).",
)
@click.option(
    "--lang",
    envvar=LANG_ENV_VAR,
    type=click.Choice(sorted(LANGUAGES)),
    default="en",
    show_default=True,
    help="Language of the output.",
)
@click.option(
    "--study",
    "study_name",
    envvar=STUDY_ENV_VAR,
    help=f"Study name (default: ${STUDY_ENV_VAR}, or the only study).",
)
@click.pass_context
def main(ctx: click.Context, db: str | None, lang: str, study_name: str | None) -> None:
    """Defector research: find the customers who left, pick whom to interview, learn why."""
    ctx.obj = Context(db, lang, study_name)
