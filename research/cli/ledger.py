"""``defectors import KIND FILE``: customers, transactions, wallet estimates into the
company's ledger (no study needed: every study shares it), and past findings into a
study (handed to ``research.cli.findings``), from CSV or Excel exports."""

from __future__ import annotations

from pathlib import Path

import click

from research.base.errors import ImportRejectedError, ResearchError
from research.base.store import current_user
from research.cli.common import STUDY_ENV_VAR, Context, handle_errors
from research.cli.findings import import_findings
from research.ledger.checks import unknown_customers
from research.ledger.load import load, prepare
from research.ledger.mapping import KINDS, parse_map_options
from research.ledger.read import RawTable, read_table


def encoding_lines(raw: RawTable, t, *, chosen: bool) -> list[str]:
    """How a CSV was decoded, and when that is a guess, how the other encodings that fit
    read the same line."""
    if raw.is_excel:
        return []
    if chosen:
        return [t("import.encoding_chosen", encoding=raw.encoding)]
    confidence = t.percent(raw.encoding_confidence or 0)
    if not raw.encoding_unsure:
        return [t("import.encoding_detected", encoding=raw.encoding, confidence=confidence)]
    lines = [t("import.encoding_unsure", encoding=raw.encoding, confidence=confidence)]
    lines.append(
        "  " + t("import.encoding_reading", encoding=raw.encoding, sample=raw.encoding_sample)
    )
    lines += [
        "  " + t("import.encoding_reading", encoding=r.encoding, sample=r.sample)
        for r in raw.encoding_alternatives
    ]
    lines.append(t("import.encoding_hint_cli", encoding=raw.encoding))
    return lines


@click.command("import")
@click.argument("kind", type=click.Choice([*KINDS, "findings"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--study",
    "study_name",
    envvar=STUDY_ENV_VAR,
    help="findings: the study (default: $DEFECTORS_STUDY, or the only study).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="SOURCE_COLUMN=FIELD",
    help="Read FIELD from SOURCE_COLUMN (repeatable), for headers not recognised.",
)
@click.option("--dry-run", is_flag=True, help="Check the file and report, write nothing.")
@click.option(
    "--encoding",
    default=None,
    metavar="NAME",
    help="Read a CSV in this text encoding (e.g. gb18030, cp1252, latin-1) instead of detecting it.",
)
@click.option(
    "--code",
    "codes",
    multiple=True,
    metavar="LABEL=CODE",
    help="findings: map a cause label to an existing code (repeatable).",
)
@click.option(
    "--new-code",
    "new_codes",
    multiple=True,
    metavar="LABEL=GROUP/CODE[/ZH_LABEL]",
    help="findings: add a code to GROUP for a cause label (repeatable).",
)
@click.pass_obj
@handle_errors
def import_command(
    obj: Context, kind, file, study_name, maps, dry_run, encoding, codes, new_codes
) -> None:
    """Import customers, transactions, wallet estimates or past findings from CSV or XLSX.

    Customers, transactions and wallet estimates go into the database's one ledger,
    which every study shares (--study is for findings only). Identical transaction
    lines are kept as separate purchases; a line already in the ledger is never added
    twice. A file with any bad row is rejected whole and nothing is written. For
    findings, cause labels that match no code are listed and nothing is written until
    each is mapped with --code or --new-code.
    """
    obj.may_create = kind != "findings" and not dry_run  # the first data may make the database
    if kind == "findings":
        return import_findings(obj, file, study_name, maps, codes, new_codes, dry_run)
    t = obj.t
    mapping = parse_map_options(maps)
    raw = read_table(file, encoding=encoding)
    for line in encoding_lines(raw, t, chosen=bool(encoding)):
        click.echo(line)
    prepared = prepare(kind, raw, mapping)
    click.echo(
        t(
            "cli.mapping",
            mapping=", ".join(f"{src} → {fld}" for fld, src in prepared.mapping.items()),
        )
    )
    if prepared.problems:
        raise ImportRejectedError(
            "import.rejected",
            prepared.problems,
            file=raw.file_name,
            count=len(prepared.problems),
        )
    if dry_run:
        # against the ledger's customers when there is a database: a dry run needs none
        try:
            notes = unknown_customers(obj.store, kind, prepared.frame["customer_id"])
        except ResearchError:
            notes = []
        for note in (*prepared.warnings, *notes):
            click.echo(t("cli.warning", text=note.render(t)))
        click.echo(t("cli.dry_run_ok", rows=t.number(len(prepared.frame))))
        if prepared.identical_rows:
            click.echo(t("cli.dry_run_identical", count=t.number(len(prepared.identical_rows))))
        return
    notes = unknown_customers(obj.store, kind, prepared.frame["customer_id"])

    def progress(fraction: float, message) -> None:
        click.echo(
            t("cli.progress", percent=t.percent(fraction), detail=message.render(t)), err=True
        )

    result = load(obj.store, prepared, actor=current_user(), progress=progress)
    for warning in (*result.warnings, *notes):
        click.echo(t("cli.warning", text=warning.render(t)))
    click.echo(result.summary(t))
