"""Commands for findings and the taxonomy: ``defectors import findings``,
``defectors taxonomy ...`` and ``defectors findings ...``.

"""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from research.base import exports
from research.base.errors import ImportRejectedError
from research.base.store import current_user
from research.cli.common import Context, handle_errors, human_time, study_option
from research.findings import agreement, interviews, past_studies, taxonomy
from research.ledger.mapping import parse_map_options
from research.ledger.read import read_table


def import_findings(
    obj: Context, file: Path, study_name, maps, codes, new_codes, dry_run: bool
) -> None:
    """``defectors import findings FILE``: check, list unknown labels, or load."""
    t = obj.t
    mapping = parse_map_options(maps)
    label_map = past_studies.parse_code_options(codes)
    additions = past_studies.parse_new_code_options(new_codes)
    raw = read_table(file)
    prepared = past_studies.prepare(
        obj.store, raw, mapping, label_map=label_map, new_codes=additions
    )
    click.echo(
        t(
            "cli.mapping",
            mapping=", ".join(f"{src} → {fld}" for fld, src in prepared.mapping.items()),
        )
    )
    if prepared.problems:
        raise ImportRejectedError(
            "import.rejected", prepared.problems, file=raw.file_name, count=len(prepared.problems)
        )
    if prepared.unknown:
        raise past_studies.UnmappedLabelsError(prepared.unknown, raw.file_name)
    if dry_run:
        click.echo(t("cli.dry_run_ok", rows=t.number(len(prepared.frame))))
        return
    result = past_studies.load(obj.store, obj.study(study_name), prepared, actor=current_user())
    for warning in result.warnings:
        click.echo(t("cli.warning", text=warning.render(t)))
    click.echo(result.summary(t))


# ---------------------------------------------------------------- defectors taxonomy


@click.group("taxonomy", invoke_without_command=True)
@click.pass_context
def taxonomy_group(ctx: click.Context) -> None:
    """The failure taxonomy (codebook): list, export and change it."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(taxonomy_list)


@taxonomy_group.command("list")
@click.option("--all", "include_inactive", is_flag=True, help="Include retired and merged codes.")
@click.pass_obj
@handle_errors
def taxonomy_list(obj: Context, include_inactive: bool = False) -> None:
    """Print the codebook by group, in the output language."""
    t = obj.t
    book = taxonomy.codebook(obj.store)
    click.echo(t("taxonomy.version_line", version=book.version))
    for group in book.groups:
        click.echo(f"\n{group.label(t.lang)}")
        for c in book.codes.values():
            if c.group_key != group.key or (not include_inactive and not c.active):
                continue
            flags = [
                t("taxonomy.flag.controllable")
                if c.controllable
                else t("taxonomy.flag.uncontrollable")
            ]
            if c.can_be_involuntary:
                flags.append(t("taxonomy.flag.can_be_involuntary"))
            if c.status == "retired":
                flags.append(t("taxonomy.status.retired"))
            if c.status == "merged":
                flags.append(t("taxonomy.merged_into", code=c.merged_into))
            click.echo(f"  {c.code:<28} {c.label(t.lang)}  [{', '.join(flags)}]")


@taxonomy_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
@handle_errors
def taxonomy_export(obj: Context, out: Path) -> None:
    """Write the whole codebook (every code, both languages) as CSV (or .xlsx)."""
    frame = taxonomy.export_frame(taxonomy.codebook(obj.store))
    exports.write(frame, out)
    click.echo(obj.t("cli.wrote", path=str(out), rows=obj.t.number(len(frame))))


@taxonomy_group.command("add")
@click.argument("code")
@click.option("--group", "group", required=True, help="company, competitor or customer.")
@click.option("--en", "label_en", required=True, help="English label.")
@click.option("--zh", "label_zh", required=True, help="Chinese label.")
@click.option("--description-en", default="")
@click.option("--description-zh", default="")
@click.option(
    "--controllable/--uncontrollable", default=None, help="Default: as the group suggests."
)
@click.option("--can-be-involuntary", is_flag=True)
@click.pass_obj
@handle_errors
def taxonomy_add(
    obj: Context,
    code,
    group,
    label_en,
    label_zh,
    description_en,
    description_zh,
    controllable,
    can_be_involuntary,
) -> None:
    """Add a code."""
    version = taxonomy.add_code(
        obj.store,
        code=code,
        group=group,
        label_en=label_en,
        label_zh=label_zh,
        description_en=description_en,
        description_zh=description_zh,
        controllable=controllable,
        can_be_involuntary=can_be_involuntary,
        actor=current_user(),
    )
    click.echo(obj.t("taxonomy.added", code=code, version=version))


@taxonomy_group.command("rename")
@click.argument("code")
@click.option("--en", "label_en", default=None, help="New English label.")
@click.option("--zh", "label_zh", default=None, help="New Chinese label.")
@click.option("--description-en", default=None)
@click.option("--description-zh", default=None)
@click.pass_obj
@handle_errors
def taxonomy_rename(obj: Context, code, label_en, label_zh, description_en, description_zh) -> None:
    """Change a code's labels or description (findings keep the code)."""
    version = taxonomy.edit_code(
        obj.store,
        code,
        actor=current_user(),
        label_en=label_en,
        label_zh=label_zh,
        description_en=description_en,
        description_zh=description_zh,
    )
    click.echo(obj.t("taxonomy.renamed", code=code, version=version))


@taxonomy_group.command("merge")
@click.argument("source")
@click.argument("into")
@click.option("--note", default="")
@click.pass_obj
@handle_errors
def taxonomy_merge(obj: Context, source, into, note) -> None:
    """Merge SOURCE into INTO: its findings count under INTO from now on."""
    version = taxonomy.merge_codes(obj.store, source, into, actor=current_user(), note=note)
    click.echo(obj.t("taxonomy.merged", source=source, into=into, version=version))


@taxonomy_group.command("retire")
@click.argument("code")
@click.option("--reason", default="")
@click.pass_obj
@handle_errors
def taxonomy_retire(obj: Context, code, reason) -> None:
    """Hide a code for new findings (old findings keep it)."""
    version = taxonomy.retire_code(obj.store, code, actor=current_user(), reason=reason)
    click.echo(obj.t("taxonomy.retired", code=code, version=version))


@taxonomy_group.command("restore")
@click.argument("code")
@click.pass_obj
@handle_errors
def taxonomy_restore(obj: Context, code) -> None:
    """Offer a retired code for new findings again."""
    version = taxonomy.restore_code(obj.store, code, actor=current_user())
    click.echo(obj.t("taxonomy.restored", code=code, version=version))


@taxonomy_group.command("history")
@click.pass_obj
@handle_errors
def taxonomy_history(obj: Context) -> None:
    """Every change of the codebook, newest first."""
    frame = taxonomy.changes(obj.store)
    frame["changed_at"] = frame["changed_at"].map(human_time)
    click.echo(frame.to_string(index=False))


# ---------------------------------------------------------------- defectors findings


@click.group("findings")
def findings_group() -> None:
    """Interview findings: list, export, cause counts, second-coder agreement."""


def _table(obj: Context, study_name) -> pd.DataFrame:
    study = obj.study(study_name)
    frame = interviews.list_findings(obj.store, study)
    book = taxonomy.codebook(obj.store)
    frame["cause_label"] = frame["cause"].map(lambda c: book.label(c, obj.t.lang))
    frame["secondary_codes"] = frame["secondary_codes"].map(", ".join)
    return frame


@findings_group.command("list")
@study_option
@click.option("--final-only", is_flag=True)
@click.pass_obj
@handle_errors
def findings_list(obj: Context, study_name, final_only) -> None:
    """Print the study's findings."""
    frame = _table(obj, study_name)
    if final_only:
        frame = frame[frame["status"] == "final"]
    if frame.empty:
        click.echo(obj.t("findings.none"))
        return
    cols = [
        "id",
        "customer_id",
        "status",
        "interview_date",
        "interviewer",
        "defection_type",
        "primary_code",
        "cause",
        "cause_label",
        "win_back",
    ]
    click.echo(frame[cols].to_string(index=False))


@findings_group.command("export")
@study_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
@handle_errors
def findings_export(obj: Context, study_name, out: Path) -> None:
    """Write every finding (code as given and as counted now) as CSV (or .xlsx)."""
    frame = _table(obj, study_name)
    exports.write(frame, out)
    click.echo(obj.t("cli.wrote", path=str(out), rows=obj.t.number(len(frame))))


@findings_group.command("counts")
@study_option
@click.option(
    "--by",
    type=click.Choice(["cause", "code", "cause_group", "source_reason", "source_category"]),
    default="cause",
    show_default=True,
)
@click.option("--drafts", is_flag=True, help="Count drafts too.")
@click.pass_obj
@handle_errors
def findings_counts(obj: Context, study_name, by, drafts) -> None:
    """How many final findings name each primary cause."""
    counts = interviews.cause_counts(obj.store, obj.study(study_name), by=by, include_drafts=drafts)
    if counts.empty:
        click.echo(obj.t("findings.none"))
        return
    # codes and groups in the reader's language; an imported study's own labels as given
    book = taxonomy.codebook(obj.store)
    lang = obj.t.lang
    if by in ("cause", "code"):
        counts.index = [book.label(code, lang) for code in counts.index]
    elif by == "cause_group":
        groups = {g.key: g.label(lang) for g in book.groups}
        counts.index = [groups.get(key, key) for key in counts.index]
    counts.index.name = None
    click.echo(counts.to_string())


@findings_group.command("second-coding")
@study_option
@click.option("--share", type=float, required=True, help="Share of final findings, 0-1.")
@click.pass_obj
@handle_errors
def findings_second_coding(obj: Context, study_name, share) -> None:
    """Ask for a blind second coding of a share of the final findings."""
    picked = agreement.set_plan(obj.store, obj.study(study_name), share, actor=current_user())
    click.echo(obj.t("agreement.picked", count=picked))


@findings_group.command("agreement")
@study_option
@click.pass_obj
@handle_errors
def findings_agreement(obj: Context, study_name) -> None:
    """Agreement on the primary cause: percentage, Cohen's kappa, disagreements."""
    t = obj.t
    result = agreement.agreement(obj.store, obj.study(study_name))
    if not result.coded:
        click.echo(t("agreement.none"))
        return
    for line in result.summary_lines(t):
        click.echo(line)
    for d in result.disagreements:
        click.echo(
            t(
                "agreement.disagreement_line",
                id=d.finding_id,
                customer=d.customer_id,
                first=d.first_code,
                first_by=d.first_coder,
                second=d.second_code,
                second_by=d.second_coder,
                settled=d.settled_code or "–",
            )
        )
