"""The ``defectors`` command: everything a batch job or an analyst does without a browser.

Each command parses its options, calls one or two ``research`` functions and prints
what came back; a ResearchError becomes a short message and exit status 1.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pandas as pd

from research import demo as demo_mod
from research import detection, ingest, sampling, studies
from research.errors import ImportRejectedError, NothingToDoError, ResearchError
from research.i18n import LANGUAGES, Translator
from research.settings import STUDY_SETTINGS
from research.store import DB_ENV_VAR, DEFAULT_DB_PATH, Store, connect, current_user

STUDY_ENV_VAR = "DEFECTORS_STUDY"
LANG_ENV_VAR = "DEFECTORS_LANG"


class Context:
    def __init__(self, db: str | None, lang: str):
        self.db = db
        self.t = Translator(lang)
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = connect(self.db)
        return self._store

    def study(self, name: str | None) -> studies.Study:
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
    return click.option("--study", "study_name", envvar=STUDY_ENV_VAR,
                        help="Study name (default: $DEFECTORS_STUDY, or the only study).")(fn)


def parse_date(_ctx, _param, value):
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-01") from e


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar=DB_ENV_VAR,
              help=f"Database file (default: ${DB_ENV_VAR}, else ./{DEFAULT_DB_PATH}).")
@click.option("--lang", envvar=LANG_ENV_VAR, type=click.Choice(sorted(LANGUAGES)), default="en",
              show_default=True, help="Language of the output.")
@click.pass_context
def main(ctx: click.Context, db: str | None, lang: str) -> None:
    """Defector research: find the customers who left, pick whom to interview, learn why."""
    ctx.obj = Context(db, lang)


# the call desk's commands: team, calls, schedule (research/desk_cli.py)
from research import desk_cli  # noqa: E402

desk_cli.register(main)


@main.command()
@click.option("--as-of", callback=parse_date, help="As-of date (default: first of this month).")
@click.option("--customers", "n_customers", default=2400, show_default=True,
              help="How many demo customers.")
@click.option("--replace", is_flag=True, help="Rebuild the demo study if it exists.")
@click.option("--export-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also write the demo's export files (CSV, XLSX) here, to try the import.")
@click.pass_obj
@handle_errors
def demo(obj: Context, as_of, n_customers, replace, export_dir) -> None:
    """Build the demo company as the study 'demo'."""
    t = obj.t
    if export_dir:
        files = demo_mod.write_files(export_dir, as_of or demo_mod.default_as_of(), n_customers)
        click.echo(t("cli.demo_files", folder=str(export_dir),
                     files=", ".join(p.name for p in vars(files).values())))
    study = demo_mod.build_demo(obj.store, actor=current_user(), as_of=as_of,
                                n_customers=n_customers, replace=replace)
    frame = detection.results(obj.store, study)
    click.echo(t("cli.demo_ready", name=study.name, customers=t.number(len(frame)),
                 defectors=t.number(frame["status"].isin(detection.DEFECTOR_STATUSES).sum())))


@main.command("studies")
@click.pass_obj
@handle_errors
def list_studies_command(obj: Context) -> None:
    """List the studies in the database."""
    t = obj.t
    rows = studies.list_studies(obj.store)
    if not rows:
        click.echo(t("cli.no_studies"))
        return
    table = pd.DataFrame([{
        t("field.name"): s.name, t("field.status"): t(f"study_status.{s.status}"),
        t("field.as_of"): s.as_of.isoformat(), t("field.window_months"): s.window_months,
        t("field.drop_threshold"): s.drop_threshold, t("field.updated_at"): s.updated_at,
    } for s in rows])
    click.echo(table.to_string(index=False))


@main.group()
def study() -> None:
    """Create and change studies."""


def _setting_options(fn):
    for setting in reversed(STUDY_SETTINGS):
        fn = click.option(f"--{setting.name.replace('_', '-')}", setting.name, type=setting.kind,
                          default=None,
                          help=f"{Translator()(setting.help_key)} (default {setting.default})")(fn)
    return fn


@study.command("create")
@click.argument("name")
@click.option("--as-of", callback=parse_date, required=True, help="The study's as-of date.")
@click.option("--description", default=None)
@_setting_options
@click.pass_obj
@handle_errors
def study_create(obj: Context, name, as_of, description, **settings) -> None:
    """Create a study."""
    settings = {k: v for k, v in settings.items() if v is not None}
    created = studies.create_study(obj.store, name, as_of, actor=current_user(),
                                   description=description, **settings)
    click.echo(obj.t("cli.study_created", name=created.name))


@study.command("set")
@study_option
@click.option("--as-of", callback=parse_date, default=None)
@click.option("--status", type=click.Choice(studies.STATUSES), default=None)
@click.option("--description", default=None)
@_setting_options
@click.pass_obj
@handle_errors
def study_set(obj: Context, study_name, **changes) -> None:
    """Change a study's as-of date, status or settings."""
    changes = {k: v for k, v in changes.items() if v is not None}
    updated = studies.update_study(obj.store, obj.study(study_name), actor=current_user(), **changes)
    click.echo(obj.t("cli.study_updated", name=updated.name))


@study.command("show")
@study_option
@click.pass_obj
@handle_errors
def study_show(obj: Context, study_name) -> None:
    """Show a study's settings."""
    s = obj.study(study_name)
    t = obj.t
    click.echo(f"{t('field.name')}: {s.name}")
    click.echo(f"{t('field.status')}: {t(f'study_status.{s.status}')}")
    click.echo(f"{t('field.as_of')}: {s.as_of.isoformat()}")
    for name, value in s.settings().items():
        click.echo(f"{name}: {value}")


@main.command("import")
@click.argument("kind", type=click.Choice([*ingest.KINDS, "findings"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@study_option
@click.option("--map", "maps", multiple=True, metavar="SOURCE_COLUMN=FIELD",
              help="Read FIELD from SOURCE_COLUMN (repeatable), for headers not recognised.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, write nothing.")
@click.option("--code", "codes", multiple=True, metavar="LABEL=CODE",
              help="findings: map a cause label to an existing code (repeatable).")
@click.option("--new-code", "new_codes", multiple=True, metavar="LABEL=GROUP/CODE[/ZH_LABEL]",
              help="findings: add a code to GROUP for a cause label (repeatable).")
@click.pass_obj
@handle_errors
def import_command(obj: Context, kind, file, study_name, maps, dry_run, codes, new_codes) -> None:
    """Import customers, transactions, wallet estimates or past findings from CSV or XLSX.

    A file with any bad row is rejected whole and nothing is written. For findings,
    cause labels that match no code are listed and nothing is written until each is
    mapped with --code or --new-code.
    """
    if kind == "findings":
        return findings_cli.import_findings(obj, file, study_name, maps, codes, new_codes, dry_run)
    t = obj.t
    mapping = ingest.parse_map_options(maps)
    raw = ingest.read_table(file)
    prepared = ingest.prepare(kind, raw, mapping)
    click.echo(t("cli.mapping", mapping=", ".join(f"{src} → {fld}" for fld, src in prepared.mapping.items())))
    if dry_run:
        if prepared.problems:
            raise ImportRejectedError("import.rejected", prepared.problems, file=raw.file_name,
                                      count=len(prepared.problems))
        click.echo(t("cli.dry_run_ok", rows=t.number(len(prepared.frame))))
        return
    target = obj.study(study_name)

    def progress(fraction: float, message) -> None:
        click.echo(t("cli.progress", percent=t.percent(fraction), detail=message.render(t)), err=True)

    result = ingest.load(obj.store, target, prepared, actor=current_user(), progress=progress)
    for warning in result.warnings:
        click.echo(t("cli.warning", text=warning.render(t)))
    click.echo(t("import.done", file=result.file_name, rows=t.number(result.rows_in_file),
                 new=t.number(result.rows_new), updated=t.number(result.rows_updated),
                 duplicates=t.number(len(result.duplicate_rows))))


@main.command()
@study_option
@click.option("--as-of", callback=parse_date, default=None,
              help="As-of date (default: the study's). Saved to the study.")
@click.option("--window-months", type=int, default=None, help="Window W in months (default 6).")
@click.option("--drop", "drop_threshold", type=float, default=None,
              help="Drop threshold d for partial defection (default 0.5).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one row per customer to this CSV file.")
@click.pass_obj
@handle_errors
def identify(obj: Context, study_name, as_of, window_months, drop_threshold, out) -> None:
    """Classify every customer (full, partial, active, new, inactive) and segment them.

    Options given here are saved to the study, so the app shows the same result.
    """
    t = obj.t
    target = obj.study(study_name)
    changes = {k: v for k, v in {"as_of": as_of, "window_months": window_months,
                                 "drop_threshold": drop_threshold}.items() if v is not None}
    if changes:
        target = studies.update_study(obj.store, target, actor=current_user(), **changes)
    detection.run_detection(obj.store, target, actor=current_user())
    frame = detection.results(obj.store, target)
    p = detection.periods(target.as_of, target.window_months)
    click.echo(t("cli.identify_periods", baseline_start=p.baseline_start.isoformat(),
                 recent_start=p.recent_start.isoformat(), as_of=p.as_of.isoformat()))
    counts = detection.counts_by_status_segment(frame)
    counts.index = [t.status(s) if s != "total" else t("common.total") for s in counts.index]
    counts.columns = [t.segment(s if s != "none" else None) if s != "total" else t("common.total")
                      for s in counts.columns]
    click.echo(counts.to_string())
    if out:
        export = frame[["customer_id", "name", "status", "detected_status", "segment",
                        "baseline_spend", "recent_spend", "baseline_share", "recent_share",
                        "spend_lost", "first_purchase", "last_purchase", "days_silent",
                        "long_silence", "former_reason"]]
        export.to_csv(out, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
        click.echo(t("cli.wrote", path=str(out), rows=t.number(len(export))))


@main.group()
def targets() -> None:
    """The study's list of defectors to interview."""


@targets.command("draw")
@study_option
@click.option("--size", type=int, default=None, help="Target sample size (saved to the study).")
@click.option("--seed", type=int, default=None, help="Sample seed (saved to the study).")
@click.pass_obj
@handle_errors
def targets_draw(obj: Context, study_name, size, seed) -> None:
    """Draw the sample per segment, keeping every change made by hand."""
    t = obj.t
    target = obj.study(study_name)
    changes = {k: v for k, v in {"target_sample_size": size, "sample_seed": seed}.items()
               if v is not None}
    if changes:
        target = studies.update_study(obj.store, target, actor=current_user(), **changes)
    detection.ensure_current(obj.store, target, actor=current_user())
    draws = sampling.draw_sample(obj.store, target, actor=current_user())
    for d in draws:
        click.echo(t("cli.segment_draw", segment=t.segment(d.segment), drawn=d.drawn,
                     available=d.available))


@targets.command("list")
@study_option
@click.option("--all", "include_removed", is_flag=True, help="Include removed customers.")
@click.pass_obj
@handle_errors
def targets_list(obj: Context, study_name, include_removed) -> None:
    """Print the target list."""
    t = obj.t
    frame = sampling.target_list(obj.store, obj.study(study_name), include_removed=include_removed)
    if frame.empty:
        click.echo(t("cli.no_targets"))
        return
    shown = pd.DataFrame({
        t("field.customer_id"): frame["customer_id"], t("field.name"): frame["name"].fillna(""),
        t("field.segment"): frame["segment"].map(t.segment), t("field.status"): frame["status"].map(t.status),
        t("field.spend_lost"): frame["spend_lost"].map(t.number),
        t("targets.source"): frame["source"].map(lambda s: t(f"targets.source.{s}")),
        t("targets.on_list"): frame["included"].map(lambda v: t("common.yes") if v else t("common.no")),
        t("targets.reason"): frame["reason"].fillna(""),
    })
    click.echo(shown.to_string(index=False))


@targets.command("add")
@click.argument("customer_id")
@click.option("--reason", required=True)
@study_option
@click.pass_obj
@handle_errors
def targets_add(obj: Context, customer_id, reason, study_name) -> None:
    """Add a customer to the target list by hand."""
    sampling.add_target(obj.store, obj.study(study_name), customer_id, reason, actor=current_user())
    click.echo(obj.t("cli.target_added", customer_id=customer_id))


@targets.command("remove")
@click.argument("customer_id")
@click.option("--reason", required=True)
@study_option
@click.pass_obj
@handle_errors
def targets_remove(obj: Context, customer_id, reason, study_name) -> None:
    """Take a customer off the target list (the reason is kept)."""
    sampling.remove_target(obj.store, obj.study(study_name), customer_id, reason,
                           actor=current_user())
    click.echo(obj.t("cli.target_removed", customer_id=customer_id))


@targets.command("export")
@study_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
@handle_errors
def targets_export(obj: Context, study_name, out) -> None:
    """Write the target list as CSV (UTF-8 with BOM, opens in Excel)."""
    frame = sampling.target_list(obj.store, obj.study(study_name))
    out.write_bytes(sampling.export_csv(frame))
    click.echo(obj.t("cli.wrote", path=str(out), rows=obj.t.number(len(frame))))


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--headless/--browser", default=True, show_default=True,
              help="Do not open a browser window.")
@click.pass_obj
@handle_errors
def app(obj: Context, port, headless) -> None:
    """Start the app (builds the demo study on first start)."""
    app_file = Path(__file__).resolve().parent.parent / "app.py"
    if not app_file.exists():
        raise ResearchError("error.no_app_file")
    env = dict(os.environ)
    if obj.db:
        env[DB_ENV_VAR] = obj.db
    cmd = [sys.executable, "-m", "streamlit", "run", str(app_file), "--server.port", str(port),
           "--server.headless", str(headless).lower()]
    click.echo(obj.t("cli.app_url", url=f"http://localhost:{port}"))
    raise SystemExit(subprocess.call(cmd, env=env))


# Interview findings and the failure taxonomy (issue 4): `defectors taxonomy ...`,
# `defectors findings ...`; the module adds its commands to `main`.
from research import findings_cli  # noqa: E402
