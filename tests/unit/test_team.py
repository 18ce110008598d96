"""Team members, available hours, a study's team and quotas, phone numbers."""

from __future__ import annotations

from datetime import time

import pytest

from research.base.errors import ResearchError
from research.desk import team
from research.desk.phones import normalise_phone, parse_phone

ACTOR = "tester"


@pytest.mark.parametrize(
    "raw, international, e164",
    [
        ("13812345678", "+86 138 1234 5678", "+8613812345678"),
        ("010-12345678", "+86 10 1234 5678", "+861012345678"),
        ("021-12345678", "+86 21 1234 5678", "+862112345678"),
        ("+86 138 1234 5678", "+86 138 1234 5678", "+8613812345678"),
        ("0755-12345678", "+86 755 1234 5678", "+8675512345678"),
        ("+1 415 555 1234", "+1 415-555-1234", "+14155551234"),
    ],
)
def test_phone_numbers_in_international_format_with_a_tel_link(raw, international, e164):
    phone = parse_phone(raw)
    assert phone.valid and phone.international == international
    assert phone.tel_link == f"tel:{e164}"


def test_bad_phone_numbers_are_kept_as_typed_but_never_linked():
    assert parse_phone("") is None and parse_phone(None) is None
    assert parse_phone(float("nan")) is None  # a customer without a number, from pandas
    bad = parse_phone("12345")
    assert (bad.valid, bad.international, bad.tel_link) == (False, "12345", None)
    assert parse_phone("call me").tel_link is None
    with pytest.raises(ResearchError) as e:
        normalise_phone("12345")
    assert e.value.key == "error.phone_invalid"


def test_hours_read_ranges_lists_numbers_and_chinese_days():
    nine_to_twelve = [(time(9), time(12))]
    assert team.parse_hours("mon-fri 09:00-12:00") == {d: nine_to_twelve for d in range(5)}
    assert team.parse_hours("1-5 9:00-12:00") == {d: nine_to_twelve for d in range(5)}
    assert team.parse_hours("周一至周五 09:00-12:00") == {d: nine_to_twelve for d in range(5)}
    assert team.parse_hours("mon,wed 10:00-11:00; sat 10:00-12:00, 14:00-15:30") == {
        0: [(time(10), time(11))],
        2: [(time(10), time(11))],
        5: [(time(10), time(12)), (time(14), time(15, 30))],
    }
    assert team.parse_hours("") == {}


def test_hours_are_written_back_grouped():
    text = "Tue 09:00-12:00; MON 9:00-12:00; wed 09:00-12:00; fri 14:00-16:00"
    assert team.format_hours(team.parse_hours(text)) == "mon-wed 09:00-12:00; fri 14:00-16:00"


@pytest.mark.parametrize(
    "text",
    [
        "whenever",
        "mon",
        "mon 12:00-09:00",
        "xyz 09:00-10:00",
        "fri-mon 09:00-10:00",
        "mon 25:00-26:00",
    ],
)
def test_hours_that_do_not_read_are_refused(text):
    with pytest.raises(ResearchError) as e:
        team.parse_hours(text)
    assert e.value.key == "error.hours_invalid"


def test_add_member_cleans_and_records_who(store):
    member = team.add_member(
        store,
        "  王芳 ",
        "senior_manager",
        actor=ACTOR,
        phone="13812345678",
        email="wang@example.cn",
        time_zone="Asia/Shanghai",
        available_hours="mon-fri 9:00-12:00",
    )
    assert (member.name, member.phone, member.available_hours, member.created_by) == (
        "王芳",
        "+86 138 1234 5678",
        "mon-fri 09:00-12:00",
        ACTOR,
    )
    assert member.hours[0] == [(time(9), time(12))]
    with pytest.raises(ResearchError) as e:
        team.add_member(store, "王芳", "sales", actor=ACTOR)
    assert e.value.key == "error.member_exists"


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"name": " "}, "error.member_name_required"),
        ({"role": "boss"}, "error.role_invalid"),
        ({"email": "not-an-email"}, "error.email_invalid"),
        ({"time_zone": "Mars/Olympus"}, "error.time_zone_invalid"),
        ({"phone": "123"}, "error.phone_invalid"),
    ],
)
def test_add_member_refuses_bad_values(store, kwargs, key):
    args = {"name": "A", "role": "sales"} | kwargs
    with pytest.raises(ResearchError) as e:
        team.add_member(store, args.pop("name"), args.pop("role"), actor=ACTOR, **args)
    assert e.value.key == key
    assert team.list_members(store) == []


def test_update_member_and_the_team_csv(store):
    member = team.add_member(store, "Li", "phone_interviewer", actor=ACTOR)
    changed = team.update_member(
        store, member, actor="boss", email="li@example.cn", time_zone="Europe/Berlin"
    )
    assert (changed.email, changed.time_zone, changed.updated_by) == (
        "li@example.cn",
        "Europe/Berlin",
        "boss",
    )
    team.add_member(store, "Zhou", "senior_manager", actor=ACTOR)
    assert team.team_csv(store) == (
        "name,role,email,time_zone\n"
        "Li,phone_interviewer,li@example.cn,Europe/Berlin\n"
        "Zhou,senior_manager,,Asia/Shanghai\n"
    )


def test_study_team_and_quotas(store, study):
    boss = team.add_member(store, "Zhou", "senior_manager", actor=ACTOR)
    caller = team.add_member(store, "Li", "phone_interviewer", actor=ACTOR)
    team.add_to_study(store, study, caller, actor=ACTOR)
    team.add_to_study(store, study, boss, actor=ACTOR)
    on = team.study_team(store, study)
    assert [(s.member.name, s.quota) for s in on] == [("Zhou", 10), ("Li", None)]
    team.set_quota(store, study, boss, 25, actor=ACTOR)
    assert team.study_team(store, study, "senior_manager")[0].quota == 25
    with pytest.raises(ResearchError) as e:
        team.set_quota(store, study, caller, 12, actor=ACTOR)
    assert e.value.key == "error.quota_not_manager"
    with pytest.raises(ResearchError) as e:
        team.set_quota(store, study, boss, 0, actor=ACTOR)
    assert e.value.key == "error.quota_range"
    team.remove_from_study(store, study, caller, actor=ACTOR)
    assert [s.member.name for s in team.study_team(store, study)] == ["Zhou"]


def test_get_member_names_the_team_when_not_found(store):
    team.add_member(store, "Li", "sales", actor=ACTOR)
    with pytest.raises(ResearchError) as e:
        team.get_member(store, "Wu")
    assert "Li" in str(e.value)
