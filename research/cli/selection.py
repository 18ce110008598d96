"""``defectors identify`` and ``defectors targets ...``: who left, and whom to interview.

``identify`` loads neither pandas nor the sampling code: it runs detection in DuckDB,
prints the counts and has DuckDB write the file (research.selection.results_file), so
that a whole run on millions of transactions costs little more than the detection.
The ``targets`` commands import what they need when they run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from research.base import exports, studies
from research.base.store import current_user
from research.cli.common import Context, handle_errors, parse_date, study_option, text_table
from research.selection import detection, results_file


@click.command()
@study_option
@click.option(
    "--as-of",
    callback=parse_date,
    default=None,
    help="As-of date (default: the study's). Saved to the study.",
)
@click.option("--window-months", type=int, default=None, help="Window W in months (default 6).")
@click.option(
    "--drop",
    "drop_threshold",
    type=float,
    default=None,
    help="Drop threshold d for partial defection (default 0.5).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write one row per customer to this CSV file (or .xlsx workbook).",
)
@click.pass_obj
@handle_errors
def identify(obj: Context, study_name, as_of, window_months, drop_threshold, out) -> None:
    """Classify every customer (full, partial, active, new, inactive) and segment them.

    Options given here are saved to the study, so the app shows the same result.
    """
    t = obj.t
    target = obj.study(study_name)
    changes = {
        k: v
        for k, v in {
            "as_of": as_of,
            "window_months": window_months,
            "drop_threshold": drop_threshold,
        }.items()
        if v is not None
    }
    if changes:
        target = studies.update_study(obj.store, target, actor=current_user(), **changes)
    detection.run_detection(obj.store, target, actor=current_user())
    p = detection.periods(target.as_of, target.window_months)
    click.echo(
        t(
            "cli.identify_periods",
            baseline_start=p.baseline_start.isoformat(),
            recent_start=p.recent_start.isoformat(),
            as_of=p.as_of.isoformat(),
        )
    )
    click.echo(f"{t('field.scope')}: {target.scope.describe(t)}")
    columns, rows = results_file.count_table(results_file.counts(obj.store, target))

    def label(value: str, of) -> str:
        return t("common.total") if value == results_file.TOTAL else of(value)

    header = ["", *(label(c, lambda s: t.segment(None if s == "none" else s)) for c in columns)]
    body = [[label(status, t.status), *map(str, values)] for status, values in rows]
    click.echo(text_table(header, body))
    for level, note in detection.run_info(obj.store, target).notes():
        text = note.render(t)
        click.echo(t("cli.warning", text=text) if level == "warning" else text)
    if out:
        written = results_file.write(obj.store, target, out)
        click.echo(t("cli.wrote", path=str(out), rows=t.number(written)))


@click.group()
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
    changes = {
        k: v for k, v in {"target_sample_size": size, "sample_seed": seed}.items() if v is not None
    }
    if changes:
        target = studies.update_study(obj.store, target, actor=current_user(), **changes)
    from research.selection import sampling

    detection.ensure_current(obj.store, target, actor=current_user())
    result = sampling.draw_sample(obj.store, target, actor=current_user())
    for d in result:
        click.echo(
            t(
                "cli.segment_draw",
                segment=t.segment(d.segment),
                drawn=d.drawn,
                available=d.available,
            )
        )
    for line in result.summary(t):
        click.echo(line)
    for k in result.kept:
        click.echo(
            t("cli.kept_line", customer_id=k.customer_id, name=k.name or "", reasons=k.why(t))
        )


@targets.command("list")
@study_option
@click.option("--all", "include_removed", is_flag=True, help="Include removed customers.")
@click.pass_obj
@handle_errors
def targets_list(obj: Context, study_name, include_removed) -> None:
    """Print the target list."""
    import pandas as pd

    from research.selection import sampling

    t = obj.t
    frame = sampling.target_list(obj.store, obj.study(study_name), include_removed=include_removed)
    if frame.empty:
        click.echo(t("cli.no_targets"))
        return
    shown = pd.DataFrame(
        {
            t("field.customer_id"): frame["customer_id"],
            t("field.name"): frame["name"].fillna(""),
            t("field.segment"): frame["segment"].map(t.segment),
            t("field.status"): frame["status"].map(t.status),
            t("field.spend_lost"): frame["spend_lost"].map(t.number),
            t("targets.source"): frame["source"].map(lambda s: t(f"targets.source.{s}")),
            t("targets.on_list"): frame["included"].map(
                lambda v: t("common.yes") if v else t("common.no")
            ),
            t("targets.reason"): frame["reason"].fillna(""),
        }
    )
    click.echo(shown.to_string(index=False))


@targets.command("add")
@click.argument("customer_id")
@click.option("--reason", required=True)
@study_option
@click.pass_obj
@handle_errors
def targets_add(obj: Context, customer_id, reason, study_name) -> None:
    """Add a customer to the target list by hand."""
    from research.selection import sampling

    sampling.add_target(obj.store, obj.study(study_name), customer_id, reason, actor=current_user())
    click.echo(obj.t("cli.target_added", customer_id=customer_id))


@targets.command("remove")
@click.argument("customer_id")
@click.option("--reason", required=True)
@click.option(
    "--force",
    is_flag=True,
    help="Remove a target with bookings or interview records too (a future booking is cancelled).",
)
@study_option
@click.pass_obj
@handle_errors
def targets_remove(obj: Context, customer_id, reason, force, study_name) -> None:
    """Take a customer off the target list (the reason is kept)."""
    from research.selection import sampling

    t = obj.t
    try:
        cancelled = sampling.remove_target(
            obj.store,
            obj.study(study_name),
            customer_id,
            reason,
            actor=current_user(),
            confirmed=force,
        )
    except sampling.TargetHasWorkError as e:
        click.echo(f"{e.heading(t)}: {e.render(t)}\n{t('cli.force_hint')}", err=True)
        sys.exit(1)
    if cancelled:
        click.echo(t("targets.removed_cancelled", customer_id=customer_id, count=len(cancelled)))
    else:
        click.echo(t("cli.target_removed", customer_id=customer_id))


@targets.command("export")
@study_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
@handle_errors
def targets_export(obj: Context, study_name, out) -> None:
    """Write the target list as CSV (UTF-8 with BOM, opens in Excel) or .xlsx."""
    from research.selection import sampling

    frame = sampling.target_list(obj.store, obj.study(study_name))
    exports.write(frame, out)
    click.echo(obj.t("cli.wrote", path=str(out), rows=obj.t.number(len(frame))))
