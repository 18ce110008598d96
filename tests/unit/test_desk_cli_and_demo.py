"""The desk's commands (team, calls export, schedule export), its labels in both
languages, and the demo study's desk."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from research.base import i18n
from research.base.store import connect
from research.base.studies import get_study
from research.cli import main
from research.demo.build import build_demo
from research.desk import calls, scheduling, team


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("desk") / "demo.duckdb"
    store = connect(path)
    build_demo(store, actor="tester", as_of=date(2026, 11, 1), n_customers=300)
    store.close()
    return path


def run(db, *args, lang="en"):
    return CliRunner().invoke(
        main, ["--db", str(db), "--lang", lang, *args], env={"DEFECTORS_USER": "cli-tester"}
    )


def test_every_desk_label_exists_in_both_languages():
    from research.desk import calendar_files  # noqa: F401 - its keys are plain t() calls

    families = [
        team.ROLE_LABELS,
        calls.OUTCOME_LABELS,
        calls.QUESTION_LABELS,
        calls.FUNNEL_LABELS,
        scheduling.STATUS_LABELS,
        scheduling.ACTION_LABELS,
        scheduling.MODE_LABELS,
        *calls.CHOICE_LABELS.values(),
    ]
    keys = {k for family in families for k in family.values()}
    for lang in ("en", "zh"):
        assert sorted(k for k in keys if k not in i18n.catalog(lang)) == []


def test_the_demo_desk_has_a_team_calls_and_bookings_this_week_and_next(demo_db):
    store = connect(demo_db)
    try:
        study = get_study(store, "demo")
        managers = team.study_team(store, study, "senior_manager")
        assert len(managers) == 3 and all(s.member.available_hours for s in managers)
        assert all(10 <= s.quota <= 25 for s in managers)
        assert len(team.study_team(store, study, "phone_interviewer")) == 3
        state = calls.call_state(store, study, include_do_not_call=True)
        assert state["interviewer_id"].notna().all()
        outcomes = set(calls.attempts(store, study)["outcome"])
        assert {"reached", "refused", "call_back"} <= outcomes
        assert (state["attempts"] == 0).any()  # fresh calls left for today
        monday = date.today() - timedelta(days=date.today().weekday())
        weeks = {
            scheduling.iso_week_of(i.start_for_manager().date())
            for i in scheduling.list_interviews(store, study)
        }
        assert scheduling.iso_week_of(monday) in weeks
        assert scheduling.iso_week_of(monday + timedelta(days=7)) in weeks
    finally:
        store.close()


def test_team_prints_csv_and_team_add_adds(demo_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(demo_db.read_bytes())
    out = run(db, "team")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "name,role,email,time_zone"
    assert "周建国,senior_manager,zhou.jianguo@huayi-lab.example.cn,Asia/Shanghai" in lines
    added = run(
        db,
        "team",
        "add",
        "高明",
        "--role",
        "senior_manager",
        "--hours",
        "mon-fri 09:00-12:00",
        "--quota",
        "14",
        "--phone",
        "021-12345678",
    )
    assert added.exit_code == 0, added.output
    assert "高明 added to the team." in added.output
    store = connect(db)
    try:
        member = team.get_member(store, "高明")
        assert (member.phone, member.created_by) == ("+86 21 1234 5678", "cli-tester")
        quotas = {s.member.name: s.quota for s in team.study_team(store, get_study(store, "demo"))}
        assert quotas["高明"] == 14
    finally:
        store.close()


def test_errors_exit_1_in_the_users_language_without_a_traceback(demo_db, tmp_path):
    db = tmp_path / "copy.duckdb"
    db.write_bytes(demo_db.read_bytes())
    bad = run(db, "team", "add", "X", "--role", "sales", "--phone", "123", lang="zh")
    assert bad.exit_code == 1
    assert "不是有效的电话号码" in bad.output and "Traceback" not in bad.output
    bad = run(
        db,
        "schedule",
        "export",
        "--manager",
        "Nobody",
        "--week",
        "2026-W48",
        "--out",
        str(tmp_path / "x.ics"),
    )
    assert bad.exit_code == 1 and "No team member called Nobody" in bad.output
    bad = run(
        db,
        "schedule",
        "export",
        "--manager",
        "周建国",
        "--week",
        "48",
        "--out",
        str(tmp_path / "x.ics"),
    )
    assert bad.exit_code == 1 and "is not an ISO week" in bad.output
    for command in (
        ["team", "--help"],
        ["team", "add", "--help"],
        ["calls", "export", "--help"],
        ["schedule", "export", "--help"],
    ):
        assert run(db, *command).exit_code == 0


def test_calls_and_schedule_export(demo_db, tmp_path):
    out = tmp_path / "calls.csv"
    done = run(demo_db, "calls", "export", "--out", str(out))
    assert done.exit_code == 0, done.output
    text = out.read_bytes().decode("utf-8-sig").splitlines()
    assert text[0].startswith("called_at,customer_id,name,contact_person,phone,interviewer")
    assert len(text) - 1 == int(done.output.split()[1])
    store = connect(demo_db)
    try:
        study = get_study(store, "demo")
        zhou = team.get_member(store, "周建国")
        first = scheduling.list_interviews(store, study, manager_id=zhou.id)[0]
    finally:
        store.close()
    week = scheduling.iso_week_of(first.start_for_manager().date())
    ics = tmp_path / "week.ics"
    done = run(
        demo_db, "schedule", "export", "--manager", "周建国", "--week", week, "--out", str(ics)
    )
    assert done.exit_code == 0, done.output
    cal = Calendar.from_ical(ics.read_bytes())
    found = cal.walk("VEVENT")
    assert len(found) >= 1
    assert f"{len(found)} interviews of 周建国 in {week}" in done.output
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert first.uid in [str(e["UID"]) for e in found]
    monday = scheduling.parse_iso_week(week)
    for event in found:
        start = event.decoded("DTSTART")
        assert start.tzinfo.key == "Asia/Shanghai"
        assert monday <= start.date() < monday + timedelta(days=7)
