"""The ``defectors`` command: every command runs, prints what it did, and turns a user's
mistake into a one-line message with exit status 1 (never a traceback)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from research.base import studies
from research.base.i18n import Translator
from research.base.store import connect
from research.cli import COMMANDS, main
from research.desk import scheduling
from research.selection import detection, sampling

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-11-01"
EN, ZH = Translator("en"), Translator("zh")
# the demo study and its three earlier quarterly studies (research/demo/history.py)
DEMO_STUDIES = "demo, demo 2026Q3, demo 2026Q2, demo 2026Q1"
CLEAN_ENV = {
    "DEFECTORS_DB": None,
    "DEFECTORS_STUDY": None,
    "DEFECTORS_LANG": None,
    "DEFECTORS_USER": "tester",
    "DEFECTORS_CURRENCY": None,
}


def run(db: Path, *args: str, env: dict | None = None, lang: str | None = None):
    prefix = ["--db", str(db)] + (["--lang", lang] if lang else [])
    result = CliRunner(env=CLEAN_ENV | (env or {})).invoke(main, [*prefix, *args])
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def ok(db: Path, *args: str, **kwargs):
    result = run(db, *args, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def fails(db: Path, *args: str, **kwargs):
    result = run(db, *args, **kwargs)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip(), "an error must say what went wrong"
    return result


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "fresh.duckdb"


# ---------------------------------------------------------------- help


def _commands(group: click.Group, path=()):
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


def test_help_on_every_command_and_group(db):
    paths = list(_commands(main))
    assert {
        ("demo",),
        ("studies",),
        ("study", "create"),
        ("study", "set"),
        ("study", "show"),
        ("import",),
        ("identify",),
        ("targets", "draw"),
        ("targets", "list"),
        ("targets", "add"),
        ("targets", "remove"),
        ("targets", "export"),
        ("app",),
    } <= set(paths)
    for path in paths:
        result = ok(db, *path, "--help")
        assert "Usage:" in result.output, path
    assert not db.exists()  # help never opens the database


def test_top_level_help_lines_are_the_commands_own():
    """`defectors --help` lists COMMANDS' help lines without loading the commands; each
    must say what the command's own docstring says."""
    ctx = click.Context(main)
    for name, (_, help_line) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.get_short_help_str(limit=200) == help_line, name
    listed = CliRunner().invoke(main, ["--help"]).output
    for name, (_, help_line) in COMMANDS.items():
        assert name in listed and help_line.split()[0] in listed


def test_study_settings_are_options_with_their_help(db):
    text = ok(db, "study", "create", "--help").output
    for option in (
        "--window-months",
        "--drop-threshold",
        "--gap-multiple",
        "--sample-seed",
        "--weight-expendable",
    ):
        assert option in text


# ---------------------------------------------------------------- demo, studies, study


def test_demo_then_studies_lists_it(demo_template, demo_db):
    _, output = demo_template
    s = connect(demo_db)
    try:
        study = studies.get_study(s, "demo")
        frame = detection.results(s, study)
    finally:
        s.close()
    defectors = int(frame["status"].isin(detection.DEFECTOR_STATUSES).sum())
    assert len(frame) == 300 and defectors > 0
    assert study.as_of == date.fromisoformat(AS_OF)
    assert output.strip() == EN(
        "cli.demo_ready", name="demo", customers="300", defectors=EN.number(defectors)
    )
    listing = ok(demo_db, "studies").output
    lines = listing.strip().splitlines()
    assert EN("field.name") in lines[0] and EN("field.as_of") in lines[0]
    assert len(lines) == 2
    assert lines[1].split()[0] == "demo"
    assert AS_OF in lines[1] and EN("study_status.screening") in lines[1]


def test_demo_can_write_its_export_files(db, tmp_path):
    folder = tmp_path / "exports"
    result = ok(db, "demo", "--customers", "30", "--as-of", AS_OF, "--export-dir", str(folder))
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["customers.csv", "transactions.csv", "wallet.xlsx"]
    assert (
        EN(
            "cli.demo_files",
            folder=str(folder),
            files="customers.csv, transactions.csv, wallet.xlsx",
        )
        in result.output
    )
    # the files import as they are into a new study
    ok(db, "study", "create", "mine", "--as-of", AS_OF)
    for kind, name in (
        ("customers", "customers.csv"),
        ("transactions", "transactions.csv"),
        ("wallet", "wallet.xlsx"),
    ):
        ok(db, "import", kind, str(folder / name), "--study", "mine")
    assert len(_results_of(db, "mine")) == 0  # imported, not yet identified
    ok(db, "identify", "--study", "mine")
    assert len(_results_of(db, "mine")) == 30


def _results_of(db: Path, name: str) -> pd.DataFrame:
    s = connect(db)
    try:
        return detection.results(s, studies.get_study(s, name))
    finally:
        s.close()


def test_demo_again_keeps_the_study(demo_db):
    before = _study(demo_db)
    ok(demo_db, "demo", "--customers", "50", "--as-of", AS_OF)
    assert _study(demo_db).created_at == before.created_at


def _study(db: Path, name: str = "demo") -> studies.Study:
    s = connect(db)
    try:
        return studies.get_study(s, name)
    finally:
        s.close()


def test_no_studies_yet(db):
    connect(db).close()  # a database without studies
    assert ok(db, "studies").output.strip() == EN("cli.no_studies")


def test_study_create_set_show(db):
    assert ok(
        db, "study", "create", "Q3", "--as-of", "2025-10-01", "--window-months", "3"
    ).output.strip() == EN("cli.study_created", name="Q3")
    ok(db, "study", "set", "--drop-threshold", "0.4", "--status", "screening")
    shown = ok(db, "study", "show").output
    assert "window_months: 3" in shown and "drop_threshold: 0.4" in shown
    assert f"{EN('field.as_of')}: 2025-10-01" in shown
    assert f"{EN('field.status')}: {EN('study_status.screening')}" in shown


def test_bad_setting_is_a_message_not_a_traceback(db):
    ok(db, "study", "create", "Q3", "--as-of", "2025-10-01")
    result = fails(db, "study", "set", "--drop-threshold", "2")
    assert "drop_threshold" in result.stderr
    assert result.stderr.startswith(EN("error.title.invalid_setting") + ":")
    assert _study(db, "Q3").drop_threshold == 0.5


def test_bad_date_is_a_usage_error(db):
    result = run(db, "study", "create", "Q3", "--as-of", "next monday")
    assert result.exit_code == 2
    assert "2026-11-01" in result.output  # the message shows the expected form


def test_creating_a_study_twice_fails(db):
    ok(db, "study", "create", "Q3", "--as-of", "2025-10-01")
    result = fails(db, "study", "create", "Q3", "--as-of", "2025-10-01")
    assert "Q3" in result.stderr


# ---------------------------------------------------------------- identify


def test_identify_writes_one_row_per_customer_and_prints_counts(demo_db, tmp_path):
    out = tmp_path / "result.csv"
    result = ok(demo_db, "identify", "--as-of", AS_OF, "--out", str(out))
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"customer_id": str})
    for column in (
        "customer_id",
        "status",
        "segment",
        "baseline_spend",
        "recent_spend",
        "spend_lost",
        "last_purchase",
    ):
        assert column in frame.columns
    assert len(frame) == 300 and frame["customer_id"].is_unique
    assert set(frame["status"]) <= set(detection.STATUSES)
    assert {"full", "partial"} <= set(frame["status"])

    text = result.output
    assert (
        EN(
            "cli.identify_periods",
            baseline_start="2025-11-01",
            recent_start="2026-05-01",
            as_of=AS_OF,
        )
        in text
    )
    lines = text.splitlines()
    for status, count in frame["status"].value_counts().items():
        label = EN.status(status)
        row = next(line for line in lines if line.startswith(label))
        assert int(row.split()[-1]) == count, row
    total = next(line for line in lines if line.startswith(EN("common.total")))
    assert int(total.split()[-1]) == 300
    assert EN("cli.wrote", path=str(out), rows="300") in text


def test_identify_options_are_saved_to_the_study(demo_db):
    ok(demo_db, "identify", "--window-months", "3", "--drop", "0.4")
    s = _study(demo_db)
    assert (s.window_months, s.drop_threshold) == (3, 0.4)
    assert "window_months: 3" in ok(demo_db, "study", "show").output


def test_identify_in_chinese(demo_db):
    text = ok(demo_db, "identify", lang="zh").output
    assert (
        ZH(
            "cli.identify_periods",
            baseline_start="2025-11-01",
            recent_start="2026-05-01",
            as_of=AS_OF,
        )
        in text
    )
    assert ZH.status("full") in text and ZH.segment("best_core") in text
    assert EN.status("full") not in text


def test_language_from_the_environment(demo_db):
    text = ok(demo_db, "studies", env={"DEFECTORS_LANG": "zh"}).output
    assert ZH("field.name") in text and ZH("study_status.screening") in text
    assert re.search(r"[\u4e00-\u9fff]", text)


# ---------------------------------------------------------------- import


def test_import_customers_with_explicit_mapping(db, tmp_path):
    ok(db, "study", "create", "s", "--as-of", "2025-01-01")
    path = tmp_path / "kunden.csv"
    path.write_text(
        "Kundennummer,Firma,Ort\nK1,Müller GmbH,Köln\nK2,Schmidt AG,Bonn\n", encoding="utf-8"
    )
    result = ok(
        db,
        "import",
        "customers",
        str(path),
        "--map",
        "Kundennummer=customer_id",
        "--map",
        "Firma=name",
        "--study",
        "s",
    )
    assert EN("cli.mapping", mapping="Kundennummer → customer_id, Firma → name") in result.output
    assert (
        EN("import.done", file="kunden.csv", rows="2", new="2", updated="0", duplicates="0")
        in result.output
    )
    s = connect(db)
    try:
        with s.cursor() as cur:
            assert cur.execute("SELECT customer_id, name FROM customers ORDER BY 1").fetchall() == [
                ("K1", "Müller GmbH"),
                ("K2", "Schmidt AG"),
            ]
    finally:
        s.close()


def test_import_prints_progress_on_stderr(db, tmp_path):
    ok(db, "study", "create", "s", "--as-of", "2025-01-01")
    path = tmp_path / "tx.csv"
    path.write_text('客户编号,日期,金额\nC1,2024/3/5,"￥1,000"\n', encoding="gbk")
    result = ok(db, "import", "transactions", str(path))
    done = EN("cli.progress", percent="100%", detail=EN("import.progress_done"))
    assert done in result.stderr
    assert done not in result.stdout


def test_rejected_import_exits_1_with_row_numbers_and_writes_nothing(db, tmp_path):
    ok(db, "study", "create", "s", "--as-of", "2025-01-01")
    path = tmp_path / "bad.csv"
    path.write_text(
        "customer_id,date,amount\nA,2024-03-05,1\nB,yesterday,2\nC,2024-03-05,x\n", encoding="utf-8"
    )
    result = fails(db, "import", "transactions", str(path), "--study", "s")
    assert result.stderr.startswith(EN("error.title.rejected") + ":")
    assert "row 3" in result.stderr and "'yesterday'" in result.stderr
    assert "row 4" in result.stderr and "'x'" in result.stderr
    assert EN("import.rejected", file="bad.csv", count=2) in result.stderr
    s = connect(db)
    try:
        with s.cursor() as cur:
            assert cur.execute("SELECT count(*) FROM transactions").fetchall() == [(0,)]
            assert cur.execute("SELECT count(*) FROM imports").fetchall() == [(0,)]
    finally:
        s.close()


def test_rejected_import_in_chinese(db, tmp_path):
    ok(db, "study", "create", "s", "--as-of", "2025-01-01")
    path = tmp_path / "bad.csv"
    path.write_text("customer_id,date,amount\nB,yesterday,2\n", encoding="utf-8")
    result = fails(db, "import", "transactions", str(path), lang="zh")
    assert ZH("import.rejected", file="bad.csv", count=1) in result.stderr
    assert "第 2 行" in result.stderr


def test_dry_run_checks_and_writes_nothing(db, tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\nA,2024-03-05,1\nB,2024-03-06,2\n", encoding="utf-8")
    result = ok(db, "import", "transactions", str(path), "--dry-run")
    assert EN("cli.dry_run_ok", rows="2") in result.output
    path.write_text("customer_id,date,amount\nA,soon,1\n", encoding="utf-8")
    assert "row 2" in fails(db, "import", "transactions", str(path), "--dry-run").stderr


def test_bad_map_option_is_a_message(db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = fails(db, "import", "customers", str(path), "--map", "nonsense")
    assert "nonsense" in result.stderr


# ---------------------------------------------------------------- targets


def _targets(db: Path, **kwargs) -> pd.DataFrame:
    s = connect(db)
    try:
        return sampling.target_list(s, studies.get_study(s, "demo"), **kwargs)
    finally:
        s.close()


def _worked(db: Path) -> set[str]:
    """Targets of the demo with calls, screening answers, bookings or findings."""
    s = connect(db)
    try:
        with s.cursor() as cur:
            frame = cur.execute(sampling.WORK, [studies.get_study(s, "demo").id]).df()
    finally:
        s.close()
    frame = frame[(frame["source"] == "sample") & ~frame["do_not_call"]]
    has_work = (frame[["calls", "bookings", "findings"]].sum(axis=1) > 0) | frame["screened"]
    return set(frame.loc[has_work, "customer_id"])


def _booked(db: Path) -> set[str]:
    s = connect(db)
    try:
        with s.cursor() as cur:
            rows = cur.execute(
                "SELECT customer_id FROM interviews WHERE status <> 'cancelled'"
                " UNION SELECT customer_id FROM findings"
            ).fetchall()
    finally:
        s.close()
    return {r[0] for r in rows}


def _results(db: Path) -> pd.DataFrame:
    s = connect(db)
    try:
        return detection.results(s, studies.get_study(s, "demo"))
    finally:
        s.close()


def test_targets_draw_list_add_remove_export(demo_db, tmp_path):
    worked = _worked(demo_db)
    assert len(worked) > 12  # the demo's call desk has been busy
    drawn = ok(demo_db, "targets", "draw", "--size", "12", "--seed", "5").output
    s = _study(demo_db)
    assert (s.target_sample_size, s.sample_seed) == (12, 5)
    lines = drawn.strip().splitlines()
    assert lines[0].startswith(EN.segment("best_core") + ":")
    # every target with work on it stays, so nothing new is drawn for 12 places
    assert sum(int(re.search(r": (\d+) ", line)[1]) for line in lines[:4]) == 0
    assert lines[4] == EN("targets.drawn", count=0)
    assert lines[5].startswith(
        EN(
            "targets.draw_kept", count=len(worked), calls=0, screened=0, bookings=0, findings=0
        ).split("(")[0]
    )
    for cid in worked:
        assert any(line.startswith(f"  {cid} ") for line in lines)
    on_list = _targets(demo_db)
    assert set(on_list["customer_id"]) == worked
    on_list = on_list[~on_list["customer_id"].isin(_booked(demo_db))]

    listing = ok(demo_db, "targets", "list").output
    for cid in on_list["customer_id"]:
        assert cid in listing

    results = _results(demo_db)
    outsider = results.loc[results["status"] == "active", "customer_id"].iloc[0]
    assert ok(demo_db, "targets", "add", outsider, "--reason", "key account").output.strip() == EN(
        "cli.target_added", customer_id=outsider
    )
    leaving = on_list["customer_id"].iloc[0]
    assert ok(demo_db, "targets", "remove", leaving, "--reason", "refused").output.strip() == EN(
        "cli.target_removed", customer_id=leaving
    )
    now_on = set(_targets(demo_db)["customer_id"])
    assert outsider in now_on and leaving not in now_on
    everything = ok(demo_db, "targets", "list", "--all").output
    assert leaving in everything and "refused" in everything and "key account" in everything

    out = tmp_path / "targets.csv"
    result = ok(demo_db, "targets", "export", "--out", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    exported = pd.read_csv(out, encoding="utf-8-sig", dtype={"customer_id": str})
    assert set(exported["customer_id"]) == now_on
    assert EN("cli.wrote", path=str(out), rows=str(len(now_on))) in result.output


def test_removing_a_booked_target_needs_force_and_prints_what_hangs_on_it(demo_db):
    s = connect(demo_db)
    try:
        study = studies.get_study(s, "demo")
        with s.cursor() as cur:
            cid, manager = cur.execute(
                "SELECT i.customer_id, m.name FROM interviews i"
                " JOIN team_members m ON m.id = i.manager_id"
                " WHERE i.status = 'booked' AND i.starts_at_utc > ?"
                " ORDER BY i.starts_at_utc LIMIT 1",
                [scheduling.utcnow()],
            ).fetchall()[0]
        assert cid in set(sampling.target_list(s, study)["customer_id"])
    finally:
        s.close()
    refused = fails(demo_db, "targets", "remove", cid, "--reason", "out of scope")
    assert refused.stderr.startswith(EN("error.title.target_has_work") + ":")
    assert manager in refused.stderr and EN("cli.force_hint") in refused.stderr
    in_chinese = fails(demo_db, "targets", "remove", cid, "--reason", "x", lang="zh").stderr
    assert in_chinese.startswith(ZH("error.title.target_has_work") + ":")
    assert ZH("cli.force_hint") in in_chinese
    assert cid in set(_targets(demo_db)["customer_id"])
    done = ok(demo_db, "targets", "remove", cid, "--reason", "out of scope", "--force")
    assert done.output.strip() == EN("targets.removed_cancelled", customer_id=cid, count=1)
    assert cid not in set(_targets(demo_db)["customer_id"])


def test_targets_errors_are_messages(demo_db):
    assert "NOBODY" in fails(demo_db, "targets", "add", "NOBODY", "--reason", "x").stderr
    result = fails(demo_db, "targets", "remove", "NOBODY", "--reason", "x")
    assert result.stderr.startswith(EN("error.title.not_on_list") + ":")
    assert run(demo_db, "targets", "add", "C10001").exit_code == 2  # --reason is required


def test_targets_list_with_nothing_drawn(db):
    ok(db, "study", "create", "s", "--as-of", "2025-01-01")
    assert ok(db, "targets", "list").output.strip() == EN("cli.no_targets")


def test_drawing_with_no_defectors_is_a_message(db):
    ok(db, "study", "create", "s", "--as-of", "2025-01-01")
    assert EN("error.no_defectors") in fails(db, "targets", "draw").stderr


# ---------------------------------------------------------------- choosing the study


def test_unknown_study(demo_db):
    result = fails(demo_db, "identify", "--study", "nope")
    assert result.stderr.strip() == EN("error.title.no_study") + ": " + EN(
        "error.study_not_found", name="nope", known=DEMO_STUDIES
    )


def test_several_studies_need_study(demo_db):
    ok(demo_db, "study", "create", "second", "--as-of", "2025-01-01")
    result = fails(demo_db, "identify")
    assert "--study" in result.stderr and "demo" in result.stderr and "second" in result.stderr
    ok(demo_db, "study", "show", "--study", "second")
    assert "second" in ok(demo_db, "study", "show", env={"DEFECTORS_STUDY": "second"}).output


def test_no_study_at_all(db):
    connect(db).close()  # a database without studies
    assert EN("error.no_studies") in fails(db, "identify").stderr


def test_errors_in_chinese(demo_db):
    result = fails(demo_db, "identify", "--study", "nope", lang="zh")
    assert result.stderr.strip() == ZH("error.title.no_study") + ": " + ZH(
        "error.study_not_found", name="nope", known=DEMO_STUDIES
    )


def test_database_held_by_another_process(tmp_path):
    """Run as a real process, as a user would while the app holds the file."""
    path = tmp_path / "held.duckdb"
    held = connect(path)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "research", "--db", str(path), "studies"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={**_child_env()},
        )
    finally:
        held.close()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == EN("error.title.locked") + ": " + EN(
        "error.locked", path=str(path)
    )


def _child_env() -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("DEFECTORS_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_targets_list_speaks_the_users_language(demo_db):
    listing = ok(demo_db, "targets", "list", lang="zh").output
    header = listing.splitlines()[0]
    for key in ("field.customer_id", "field.segment", "field.status", "targets.source"):
        assert ZH(key) in header
    assert ZH.segment("best_core") in listing
    assert "best_core" not in listing and "sample" not in listing


def test_a_file_that_cannot_be_written_is_a_message(demo_db, tmp_path):
    missing = tmp_path / "no such folder" / "out.csv"
    result = fails(demo_db, "targets", "export", "--out", str(missing))
    assert result.stderr.startswith(EN("error.title.file") + ":")
    assert str(missing) in result.stderr
    assert fails(demo_db, "identify", "--out", str(missing)).stderr.startswith(
        EN("error.title.file") + ":"
    )


def test_findings_counts_name_codes_and_groups_in_the_readers_language(demo_db):
    from research.findings import interviews, taxonomy

    store = connect(demo_db)
    study = studies.get_study(store, "demo")
    by_group = interviews.cause_counts(store, study, by="cause_group")
    book = taxonomy.codebook(store)
    store.close()
    zh_groups = {g.key: g.label("zh") for g in book.groups}
    output = ok(
        demo_db, "findings", "counts", "--study", "demo", "--by", "cause_group", lang="zh"
    ).output
    for key, count in by_group.items():
        assert re.search(re.escape(zh_groups[key]) + r"\s+" + str(count), output)
        assert key not in output


# ---------------------------------------------------------------- issue 9: where options go


def invoke(*args: str, env: dict | None = None):
    """The command exactly as typed, no options put in front."""
    result = CliRunner(env=CLEAN_ENV | (env or {})).invoke(main, list(args))
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_db_lang_and_study_work_after_the_command_too(demo_db):
    after = invoke("identify", "--db", str(demo_db))
    assert after.exit_code == 0, after.output
    assert EN.status("full") in after.output
    in_chinese = invoke("targets", "list", "--db", str(demo_db), "--lang", "zh")
    assert in_chinese.exit_code == 0, in_chinese.output
    assert ZH("field.customer_id") in in_chinese.output
    shown = invoke("study", "show", "--study", "demo", "--db", str(demo_db), "--lang", "zh")
    assert shown.exit_code == 0 and ZH("field.as_of") in shown.output
    # before the command, as ever; the one given last wins
    assert invoke("--db", str(demo_db), "--study", "demo", "identify").exit_code == 0
    assert invoke(
        "--lang", "zh", "--db", str(demo_db), "studies", "--lang", "en"
    ).output.startswith(EN("field.name"))
    wrong = invoke("--db", str(demo_db), "--study", "nope", "targets", "list")
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("Study not found: ")
    assert "demo" in wrong.stderr  # the names that exist
    assert (
        invoke("--db", str(demo_db), "--study", "nope", "identify", "--study", "demo").exit_code
        == 0
    )
    explicit = invoke(
        "--db", str(demo_db), "--study", "demo", "study", "show", env={"DEFECTORS_STUDY": "nope"}
    )
    assert explicit.exit_code == 0, explicit.stderr  # an explicit --study beats the environment


def test_every_command_takes_db_and_lang_after_its_name():
    ctx = click.Context(main)
    for path in _commands(main):
        if not path:
            continue
        command = main.get_command(ctx, path[0])
        for name in path[1:]:
            command = command.get_command(ctx, name)
        options = {o for p in command.params for o in getattr(p, "opts", [])}
        assert {"--db", "--lang"} <= options, path


def test_choosing_a_study_says_what_is_wrong_with_a_proper_title(demo_db):
    ok(demo_db, "study", "create", "second", "--as-of", "2025-01-01")
    several = fails(demo_db, "identify")
    assert several.stderr.startswith(EN("error.title.pick_study") + ":")
    assert EN("error.title.nothing_to_do") not in several.stderr
    missing = fails(demo_db, "identify", "--study", "nope")
    assert missing.stderr.startswith(EN("error.title.no_study") + ":")
    assert EN("error.title.no_study") == "Study not found"
    assert ok(demo_db, "study", "show", "--study", "SECOND ").output.startswith(
        f"{EN('field.name')}: second"
    )


def test_printed_shares_and_times_are_rounded_for_people(db):
    ok(db, "study", "create", "Q3", "--as-of", "2025-10-01")
    ok(db, "study", "set", "--drop-threshold", "0.25620346636466357")
    shown = ok(db, "study", "show").output
    assert "drop_threshold: 0.256\n" in shown and "0.2562034" not in shown
    listing = ok(db, "studies").output
    assert "26%" in listing and "0.2562" not in listing
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d\s*$", listing)  # to the minute
    assert not re.search(r"\d\d:\d\d:\d\d", listing)
    history = ok(db, "taxonomy", "history").output
    assert not re.search(r"\d\d:\d\d:\d\d", history)


def test_study_archive_unarchive_and_delete(demo_db):
    ok(demo_db, "study", "create", "other", "--as-of", "2025-01-01")
    assert ok(demo_db, "study", "archive", "demo").output.strip() == EN(
        "cli.study_archived", name="demo"
    )
    assert [line.split()[0] for line in ok(demo_db, "studies").output.splitlines()[1:]] == ["other"]
    everything = ok(demo_db, "studies", "--all").output
    assert "demo" in everything and EN("field.archived_at") in everything
    # the only study that is not archived is the one commands use
    assert "other" in ok(demo_db, "study", "show").output
    assert "demo" in ok(demo_db, "study", "show", "--study", "demo").output
    assert "Archived on" in ok(demo_db, "study", "show", "--study", "demo").output
    ok(demo_db, "study", "archive", "other")
    only_archived = fails(demo_db, "identify")
    assert only_archived.stderr.startswith(EN("error.title.pick_study") + ":")
    assert "unarchive" in only_archived.stderr
    ok(demo_db, "study", "unarchive", "other")

    refused = fails(demo_db, "study", "delete", "demo")
    assert refused.stderr.startswith(EN("error.title.delete_needs_yes") + ":")
    assert "--yes" in refused.stderr
    assert "demo" in ok(demo_db, "studies", "--all").output
    done = ok(demo_db, "study", "delete", "demo", "--yes")
    assert done.output.strip() == EN("cli.study_deleted", name="demo")
    left = ok(demo_db, "studies", "--all").output.splitlines()[1:]
    # the demo study is gone; "other" and the demo's earlier studies ("demo 2026Q3") stay
    assert not [line for line in left if re.match(r"\s*demo\s+(?!\d{4}Q\d)", line)]
    assert any(line.strip().startswith("other") for line in left)
    assert fails(demo_db, "study", "delete", "demo", "--yes").stderr.startswith(
        EN("error.title.no_study")
    )
