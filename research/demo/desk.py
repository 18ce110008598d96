"""The demo study's call desk, told as one timeline: calls, then bookings, then
interviews held (their findings follow in ``research.demo.findings``).

Built on top of ``research.demo``'s study so that every desk page has content on a
fresh start: three senior managers with hours and quotas (one in Berlin, for the
overseas accounts), three phone interviewers with the targets spread over them, and
the last weeks of a screening campaign. The calls fall on working days after the
as-of date, up to yesterday; a target reached and willing is booked with a senior
manager a few days after the call that reached them; interviews that are over were
held, except one that is still waiting for its findings and one no-show; the rest
are booked for this week and the next. About a sixth of the targets has not been
tried yet, so today's call list has fresh calls. Seeded, so the same day builds the
same desk.

What each interviewed defector will say (``research.demo.findings.STORIES``) is
chosen here, so the screening answers (where they went, to which competitor) and the
findings tell the same story.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from research.base.errors import ResearchError
from research.base.store import Store, now
from research.base.studies import Study
from research.demo.findings import STORIES, Story
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
# How the targets' calls ended, as shares of the targets; the rest were reached.
FATES = (
    ("untried", 0.15),
    ("retry", 0.07),  # no answer or busy: tried again later today
    ("call_back", 0.07),
    ("refused", 0.06),
    ("wrong_number", 0.03),
    ("do_not_call", 0.03),
)
CALL_WEEKS = 5  # at most this many weeks of calls before today
UPCOMING = (0, 1, 2, 7, 8, 9)  # the last ones willing are booked this many days from today
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
_WHERE = {"closed_bankrupt": "closed", "moved_away": "moved_away"}  # story -> screening answer
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class _Plan:
    """One target's calls, planned before anything is written."""

    customer_id: str
    chinese: bool
    partial: bool  # still buys from us, less than before
    interviewer_id: int | None
    calls: list[tuple[datetime, str]]  # (called at, outcome), oldest first
    call_back_at: datetime | None = None
    consent: str | None = None
    story: int | None = None  # index into STORIES once the target agreed to an interview


def _member(store: Store, name: str, role: str, actor: str, **details) -> team.TeamMember:
    try:
        return team.get_member(store, name)
    except ResearchError:
        return team.add_member(store, name, role, actor=actor, **details)


def _working_days(first: date, last: date) -> list[date]:
    found, current = [], first
    while current <= last:
        if current.weekday() < 5:
            found.append(current)
        current += timedelta(days=1)
    return found


def call_days(as_of: date, today: date) -> list[date]:
    """The working days the demo's calls fall on: from a week after the as-of date (or
    at most CALL_WEEKS weeks back) to yesterday. An as-of date so recent that this
    leaves fewer than ten days gives the last ten working days before today."""
    start = max(as_of + timedelta(days=7), today - timedelta(weeks=CALL_WEEKS))
    days = _working_days(start, today - timedelta(days=1))
    if len(days) < 10:
        days = _working_days(today - timedelta(days=21), today - timedelta(days=1))[-10:]
    return days


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def build_desk(store: Store, study: Study, *, actor: str, seed: int = DESK_SEED) -> dict[str, int]:
    """Give the demo study its team, assignments, call history and bookings.

    Returns, for every defector booked for an interview, the index of their story in
    ``research.demo.findings.STORIES``.
    """
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

    today = now().date()
    plans = _plan_calls(calls.call_state(store, study), call_days(study.as_of, today), today, rng)
    willing = sorted((p for p in plans if p.consent == "yes"), key=lambda p: p.calls[-1][0])
    for n, plan in enumerate(willing):
        plan.story = n % len(STORIES)
    for plan in plans:
        _log_calls(store, study, plan, actor)
        if plan.calls and plan.calls[-1][1] == "reached":
            _screen(store, study, plan, rng, actor)
    if calls.do_not_call_ids(store, study):
        # their places go to the next in line, dealt out to the interviewers: fresh calls
        sampling.draw_sample(store, study, actor=actor)
    _book(store, study, willing, managers, today, rng, actor)
    return {p.customer_id: p.story for p in willing}


def _plan_calls(state, days: list[date], today: date, rng) -> list[_Plan]:
    order = rng.permutation(len(state))
    fates: list[str] = []
    for fate, share in FATES:
        fates += [fate] * round(share * len(state))
    fates += ["reached"] * (len(state) - len(fates))
    plans = []
    for fate, i in zip(fates, order, strict=False):
        row = state.iloc[int(i)]
        interviewer = row["interviewer_id"]
        plan = _Plan(
            row["customer_id"],
            isinstance(row["name"], str) and bool(_CJK.search(row["name"])),
            row["status"] == "partial",
            int(interviewer) if interviewer == interviewer else None,
            [],
        )
        plans.append(plan)
        if fate == "untried":
            continue
        tries = int(rng.integers(1, 4))
        final = {"retry": str(rng.choice(["no_answer", "busy"]))}.get(fate, fate)
        outcomes = [str(o) for o in rng.choice(["no_answer", "busy"], tries - 1)] + [final]
        day = int(rng.integers(0, max(len(days) - 2, 1)))
        for outcome in outcomes:
            called = datetime.combine(
                days[day], time(9 + int(rng.integers(0, 8)), int(rng.integers(0, 60)))
            )
            plan.calls.append((called, outcome))
            day = min(day + int(rng.integers(1, 3)), len(days) - 1)
        if final == "call_back":
            due = today if rng.random() < 0.6 else today + timedelta(days=1)
            plan.call_back_at = datetime.combine(due, time(int(rng.choice([10, 11, 14, 15, 16]))))
        if final == "reached":
            plan.consent = str(rng.choice(["yes", "no", "later"], p=[0.78, 0.11, 0.11]))
    return plans


def _log_calls(store: Store, study: Study, plan: _Plan, actor: str) -> None:
    for n, (called, outcome) in enumerate(plan.calls):
        calls.log_attempt(
            store,
            study,
            plan.customer_id,
            outcome,
            actor=actor,
            interviewer_id=plan.interviewer_id,
            note=_NOTES[outcome][0 if plan.chinese else 1],
            called_at=called,
            call_back_at=plan.call_back_at if n == len(plan.calls) - 1 else None,
        )


def _screen(store: Store, study: Study, plan: _Plan, rng, actor: str) -> None:
    """The answers of the call that reached the target; a target booked for an interview
    answers as their story goes."""
    record = calls.ensure_screening(store, study, plan.customer_id, actor=actor)
    story: Story | None = STORIES[plan.story] if plan.story is not None else None
    if story is not None:
        where = _WHERE.get(story.primary, story.destination)
        competitor = story.competitor
        text = story.zh if plan.chinese else story.en
        notes = text["whys"][0]
    else:
        where = str(rng.choice(["competitor", "stopped", "closed"], p=[0.7, 0.22, 0.08]))
        competitor = str(rng.choice(_COMPETITORS)) if where == "competitor" else None
        notes = (
            "客户认为交货周期太长，服务工程师响应慢。"
            if plan.chinese
            else "Price was the reason given first; then slow service visits."
        )
    answers = {
        "tenure_years": float(rng.integers(1, 12)),
        "where_now": where,
        "competitor": competitor,
        "still_buys_from_us": "yes" if plan.partial and where == "competitor" else "no",
        # someone whose business closed only talks to us when they agreed to the interview
        "consent": "no" if where == "closed" and story is None else plan.consent,
        "preferred_mode": str(rng.choice(["face_to_face", "video", "phone"], p=[0.5, 0.35, 0.15])),
        "preferred_place": str(rng.choice(_PLACES)),
    }
    version = calls.save_notes(
        store, study, plan.customer_id, notes, record["version"], actor=actor
    )
    calls.save_answers(store, study, plan.customer_id, answers, version, actor=actor)


def _book(
    store: Store, study: Study, willing: list[_Plan], managers: list, today: date, rng, actor: str
) -> None:
    """Each willing target meets a senior manager a few working days after the call
    that reached them (the last few: this week and next). Overseas (English-named)
    accounts go to the Berlin manager or Helen Xu, the others to 周建国 or Helen Xu,
    whoever has used less of their quota. Of the interviews that are over, the latest
    still waits for its findings and one was missed; the others were held."""
    now_utc = scheduling.utcnow()
    past = datetime(2000, 1, 1)  # lets the demo put interviews before now
    zhou, helen, stefan = managers
    turns = {True: [zhou, helen], False: [stefan, helen]}
    quota = {m.id: q for m, (*_, q) in zip(managers, MANAGERS, strict=True)}
    booked = dict.fromkeys(quota, 0)
    upcoming = dict(zip([p.customer_id for p in willing[-len(UPCOMING) :]], UPCOMING, strict=False))
    over = []
    for plan in willing:
        reached = plan.calls[-1][0].date()
        if plan.customer_id in upcoming:
            day = today + timedelta(days=upcoming[plan.customer_id])
        else:
            day = reached + timedelta(days=int(rng.integers(2, 7)))
        day = _weekday_on_or_after(max(day, reached + timedelta(days=1)))
        manager = min(turns[plan.chinese], key=lambda m: booked[m.id] / quota[m.id])
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
            plan.customer_id,
            manager,
            slot.replace(tzinfo=None),
            manager.time_zone,
            actor=actor,
            length_minutes=60,
            mode=mode,
            place=str(rng.choice(_PLACES)) if mode != "phone" else None,
            uid=f"{uuid.uuid5(uuid.NAMESPACE_URL, f'demo/{study.id}/{plan.customer_id}')}@defectors",
            now_utc=past,
        )
        booked[manager.id] += 1
        if interview.ends_at_utc <= now_utc:
            over.append(interview)
    over.sort(key=lambda i: i.starts_at_utc)
    for k, interview in enumerate(reversed(over)):
        if k == 0:
            continue  # over, findings not written yet
        if k == 2:
            scheduling.mark_no_show(store, interview.id, actor=actor, now_utc=now_utc)
        else:
            scheduling.mark_done(store, interview.id, actor=interview.manager_name, now_utc=now_utc)
