"""The demo study's call desk: a team, assignments, a week of calls and interviews.

Built on top of ``research.demo``'s study so that every desk page has content on a
fresh start: three senior managers with hours and quotas (one in Berlin, for the
overseas accounts), three phone interviewers with the targets spread over them, a
realistic call history over the last working days, screening answers, and interviews
booked for this week and the next relative to today, a few of them already held,
missed or waiting for their findings. Seeded, so the same day builds the same desk.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import numpy as np

from research.base.errors import ResearchError
from research.base.store import Store, now
from research.base.studies import Study
from research.desk import calls, scheduling, team
from research.selection import sampling

DESK_SEED = 11

MANAGERS = [  # name, email, zone, hours, quota
    (
        "周建国",
        "zhou.jianguo@huayi-lab.example.cn",
        "Asia/Shanghai",
        "mon-fri 09:00-12:00,14:00-17:30",
        15,
    ),
    (
        "Helen Xu",
        "helen.xu@huayi-lab.example.cn",
        "Asia/Shanghai",
        "mon-thu 10:00-12:00,14:00-18:00; fri 10:00-12:00",
        12,
    ),
    (
        "Stefan Berger",
        "stefan.berger@huayi-lab.example.com",
        "Europe/Berlin",
        "mon-fri 09:00-12:00,13:00-16:00",
        10,
    ),
]
INTERVIEWERS = [
    ("赵琳", "13912345678", "zhao.lin@huayi-lab.example.cn"),
    ("钱晓雯", "021-62345678", "qian.xiaowen@huayi-lab.example.cn"),
    ("Amy Chen", "+86 138 0013 8000", "amy.chen@huayi-lab.example.cn"),
]
OTHERS = [
    ("孙悦", "marketing_manager", "sun.yue@huayi-lab.example.cn"),
    ("王磊", "sales", "wang.lei@huayi-lab.example.cn"),
]
_COMPETITORS = ["迈瑞医疗", "Roche Diagnostics", "Sysmex", "安图生物", "Abbott", "迪瑞医疗"]
_PLACES = ["客户办公室", "Customer's lab", "华仪上海总部 3F", "Tencent Meeting", "Zoom"]
_NOTES = {
    "no_answer": ["响铃无人接", "No answer, tried the switchboard too"],
    "busy": ["占线", "Line busy"],
    "wrong_number": ["号码已停机", "Number belongs to someone else"],
    "refused": ["对方表示没有时间", "Not interested, polite"],
    "call_back": ["采购主任在开会，下午再打", "Asked us to call back after the audit"],
    "reached": ["已联系上采购负责人", "Spoke with the lab manager"],
    "do_not_call": ["要求不要再打电话", "Asked never to be called again"],
}


def _member(store: Store, name: str, role: str, actor: str, **details) -> team.TeamMember:
    try:
        return team.get_member(store, name)
    except ResearchError:
        return team.add_member(store, name, role, actor=actor, **details)


def _working_days_before(day, count: int) -> list:
    found, current = [], day
    while len(found) < count:
        current -= timedelta(days=1)
        if current.weekday() < 5:
            found.append(current)
    return sorted(found)


def build_desk(store: Store, study: Study, *, actor: str, seed: int = DESK_SEED) -> None:
    """Give the demo study its team, assignments, call history and bookings."""
    rng = np.random.default_rng(seed)
    managers = []
    for name, email, zone, hours, quota in MANAGERS:
        member = _member(
            store, name, "senior_manager", actor, email=email, time_zone=zone, available_hours=hours
        )
        team.add_to_study(store, study, member, actor=actor, quota=quota)
        managers.append(member)
    interviewers = []
    for name, phone, email in INTERVIEWERS:
        member = _member(store, name, "phone_interviewer", actor, phone=phone, email=email)
        team.add_to_study(store, study, member, actor=actor)
        interviewers.append(member)
    for name, role, email in OTHERS:
        team.add_to_study(store, study, _member(store, name, role, actor, email=email), actor=actor)
    calls.spread_evenly(store, study, [m.id for m in interviewers], actor=actor)

    state = calls.call_state(store, study)
    today = now().date()
    days = _working_days_before(today, 4)
    by_id = {m.id: m for m in interviewers}
    consented: list[str] = []
    for row in state.itertuples():
        if rng.random() < 0.25:
            continue  # not tried yet: today's list has fresh calls
        interviewer = (
            by_id.get(int(row.interviewer_id)) if row.interviewer_id == row.interviewer_id else None
        )
        tries = int(rng.integers(1, 4))
        outcomes = list(rng.choice(["no_answer", "busy"], tries - 1))
        final = str(
            rng.choice(
                ["reached", "no_answer", "call_back", "refused", "wrong_number", "do_not_call"],
                p=[0.56, 0.14, 0.12, 0.1, 0.04, 0.04],
            )
        )
        outcomes.append(final)
        for n, outcome in enumerate(outcomes):
            day = days[min(n + int(rng.integers(0, 2)), len(days) - 1)]
            called = datetime.combine(
                day, time(9 + int(rng.integers(0, 8)), int(rng.integers(0, 60)))
            )
            call_back = None
            if outcome == "call_back":
                due = today if rng.random() < 0.6 else today + timedelta(days=1)
                call_back = datetime.combine(due, time(int(rng.choice([10, 11, 14, 15, 16])), 0))
            note = _NOTES[outcome][int(rng.integers(0, 2))]
            calls.log_attempt(
                store,
                study,
                row.customer_id,
                outcome,
                actor=actor,
                interviewer_id=interviewer.id if interviewer else None,
                note=note,
                called_at=called,
                call_back_at=call_back,
            )
        if final == "reached":
            consented += _screen(store, study, row, rng, actor)

    if calls.do_not_call_ids(store, study):
        # a redraw fills their places with the next in line, as a team would do
        sampling.draw_sample(store, study, actor=actor)
        calls.spread_evenly(store, study, [m.id for m in interviewers], actor=actor)
    _book(store, study, consented, managers, rng, actor)


def _screen(store: Store, study: Study, row, rng, actor: str) -> list[str]:
    record = calls.ensure_screening(store, study, row.customer_id, actor=actor)
    where = str(
        rng.choice(
            ["competitor", "stopped", "competitor", "closed", "competitor"],
            p=[0.5, 0.15, 0.2, 0.05, 0.1],
        )
    )
    consent = str(rng.choice(["yes", "no", "later"], p=[0.7, 0.15, 0.15]))
    answers = {
        "tenure_years": float(rng.integers(1, 12)),
        "where_now": where,
        "competitor": str(rng.choice(_COMPETITORS)) if where == "competitor" else None,
        "still_buys_from_us": "yes" if row.status == "partial" else "no",
        "consent": consent if where != "closed" else "no",
        "preferred_mode": str(rng.choice(["face_to_face", "video", "phone"], p=[0.5, 0.35, 0.15])),
        "preferred_place": str(rng.choice(_PLACES)),
    }
    version = calls.save_notes(
        store,
        study,
        row.customer_id,
        "客户认为交货周期太长，服务工程师响应慢。"
        if rng.random() < 0.5
        else "Price was the reason given first; then slow service visits.",
        record["version"],
        actor=actor,
    )
    calls.save_answers(store, study, row.customer_id, answers, version, actor=actor)
    return [row.customer_id] if answers["consent"] == "yes" else []


_DAY_OFFSETS = (-6, 0, 7, -1, 1, 8, 0, 2, 9, -3, 3, 10, 4, 11)  # days from today


def _book(
    store: Store, study: Study, customers: list[str], managers: list, rng, actor: str
) -> None:
    """Mostly this week and the next; those already over were held, missed or still
    wait for their findings."""
    now_utc = scheduling.utcnow()
    today = now().date()
    past = datetime(2000, 1, 1)  # lets the demo put interviews before now
    over = 0
    for n, customer_id in enumerate(customers):
        manager = managers[n % len(managers)]
        day = today + timedelta(days=_DAY_OFFSETS[n % len(_DAY_OFFSETS)])
        slots = scheduling.free_slots(
            store, manager, day, days=5, length_minutes=60, step_minutes=60, now_utc=past
        )
        if not slots:
            continue
        slot = slots[int(rng.integers(0, min(len(slots), 3)))]
        mode = str(rng.choice(["face_to_face", "video", "phone"], p=[0.5, 0.35, 0.15]))
        interview = scheduling.book_interview(
            store,
            study,
            customer_id,
            manager,
            slot.replace(tzinfo=None),
            manager.time_zone,
            actor=actor,
            length_minutes=60,
            mode=mode,
            place=str(rng.choice(_PLACES)) if mode != "phone" else None,
            uid=f"{uuid.uuid5(uuid.NAMESPACE_URL, f'demo/{study.id}/{customer_id}')}@defectors",
            now_utc=past,
        )
        if interview.ends_at_utc <= now_utc:
            over += 1
            if over == 2:
                continue  # over, findings not written yet
            if over == 4:
                scheduling.mark_no_show(store, interview.id, actor=actor, now_utc=now_utc)
            else:
                scheduling.mark_done(store, interview.id, actor=manager.name, now_utc=now_utc)
