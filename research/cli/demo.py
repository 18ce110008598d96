"""``defectors demo``: the demo company, to try the product on a ready study."""

from __future__ import annotations

from pathlib import Path

import click

from research.base.store import current_user
from research.cli.common import Context, handle_errors, parse_date
from research.demo.build import build_demo
from research.demo.company import demo_as_of, write_files
from research.selection import detection


@click.command()
@click.option(
    "--as-of",
    callback=parse_date,
    help="As-of date (default: the first of the month six weeks ago or earlier).",
)
@click.option(
    "--customers", "n_customers", default=2400, show_default=True, help="How many demo customers."
)
@click.option("--replace", is_flag=True, help="Rebuild the demo study if it exists.")
@click.option(
    "--export-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the demo's export files (CSV, XLSX) here, to try the import.",
)
@click.pass_obj
@handle_errors
def demo(obj: Context, as_of, n_customers, replace, export_dir) -> None:
    """Build the demo company as the study 'demo'."""
    obj.may_create = True
    t = obj.t
    if export_dir:
        files = write_files(export_dir, as_of or demo_as_of(), n_customers)
        click.echo(
            t(
                "cli.demo_files",
                folder=str(export_dir),
                files=", ".join(p.name for p in vars(files).values()),
            )
        )
    study = build_demo(
        obj.store, actor=current_user(), as_of=as_of, n_customers=n_customers, replace=replace
    )
    frame = detection.results(obj.store, study)
    click.echo(
        t(
            "cli.demo_ready",
            name=study.name,
            customers=t.number(len(frame)),
            defectors=t.number(frame["status"].isin(detection.DEFECTOR_STATUSES).sum()),
        )
    )
