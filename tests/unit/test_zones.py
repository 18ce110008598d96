"""The defector's time zone from the phone number or the region, and the 8:00–21:00 window."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from research.desk import zones
from research.desk.zones import DefectorZone, defector_zone, their_time, zones_for_phone


@pytest.mark.parametrize(
    "phone",
    [
        "0991-4567890",  # an Urumqi landline: China keeps Beijing time
        "+86 991 456 7890",
        "021-12345678",  # Shanghai
        "13812345678",  # a mobile number, no area
    ],
)
def test_a_chinese_number_is_beijing_time(phone):
    found = defector_zone(phone, None)
    assert found == DefectorZone(("Asia/Shanghai",), "phone")
    assert found.sure and found.zone == "Asia/Shanghai"


def test_a_geographic_us_number_names_its_zone():
    assert zones_for_phone("+1 415 555 1234") == ("America/Los_Angeles",)
    assert defector_zone("+1 212 555 1234", "Overseas").zone == "America/New_York"


def test_a_number_of_several_zones_is_settled_by_the_region_or_left_unsure():
    several = zones_for_phone("+1 800 555 1234")  # toll-free: anywhere in the plan
    assert len(several) > 3 and "America/Los_Angeles" in several
    settled = defector_zone("+1 800 555 1234", "Los Angeles")
    assert settled == DefectorZone(("America/Los_Angeles",), "phone_and_region")
    unsure = defector_zone("+1 800 555 1234", "Overseas")
    assert unsure.known and not unsure.sure and unsure.zone is None
    assert unsure.source == "phone"
    # a region that does not pick one of the number's zones leaves it unsure too
    assert not defector_zone("+1 800 555 1234", "United States").sure


@pytest.mark.parametrize("phone", [None, float("nan"), "", "12", "not a number", "+86 123"])
def test_a_number_without_a_zone_falls_back_to_the_region(phone):
    assert zones_for_phone(phone) == ()
    assert defector_zone(phone, "East China") == DefectorZone(("Asia/Shanghai",), "region")
    assert defector_zone(phone, "德国") == DefectorZone(("Europe/Berlin",), "region")
    assert defector_zone(phone, "Berlin, Germany").zone == "Europe/Berlin"
    nothing = defector_zone(phone, None)
    assert nothing == DefectorZone((), "none")
    assert not nothing.known and nothing.zone is None
    assert defector_zone(phone, "Overseas") == DefectorZone((), "none")
    assert defector_zone(phone, float("nan")) == DefectorZone((), "none")  # pandas' no region


@pytest.mark.parametrize(
    ("region", "zone"),
    [
        ("华东", "Asia/Shanghai"),
        ("Southwest", "Asia/Shanghai"),
        ("新疆", "Asia/Shanghai"),
        ("Urumqi", "Asia/Shanghai"),
        ("Japan", "Asia/Tokyo"),
        ("纽约", "America/New_York"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("gb", "Europe/London"),
    ],
)
def test_regions_in_english_and_chinese(region, zone):
    assert zones.zones_for_region(region) == (zone,)


def _shanghai(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 10, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("start", "length", "outside"),
    [
        ((7, 30), 60, True),  # starts before 8:00
        ((21, 30), 30, True),  # starts after 21:00
        ((8, 0), 60, False),
        ((20, 0), 60, False),  # ends at 21:00 exactly
        ((20, 30), 60, True),  # runs past 21:00
        ((23, 30), 60, True),  # runs past midnight
    ],
)
def test_the_decent_hours_window_in_the_defectors_time(start, length, outside):
    shanghai = DefectorZone(("Asia/Shanghai",), "phone")
    seen = their_time(_shanghai(*start), length, shanghai)
    assert seen.outside_hours is outside
    assert (seen.start.hour, seen.start.minute) == start


def test_their_time_converts_a_managers_slot():
    los_angeles = DefectorZone(("America/Los_Angeles",), "phone")
    # 14:00 in Shanghai on 10 Nov is 22:00 on 9 Nov in Los Angeles: too late
    seen = their_time(_shanghai(14), 60, los_angeles)
    assert (seen.start.day, seen.start.hour) == (9, 22)
    assert seen.zone == "America/Los_Angeles" and seen.outside_hours
    # 07:30 local for them is refused too, while 9:00 is fine
    assert their_time(_shanghai(23, 30), 60, los_angeles).outside_hours  # 07:30 there
    assert not their_time(_shanghai(1), 60, los_angeles).outside_hours  # 09:00 there
    # naive times are UTC, as the store keeps them
    naive = their_time(datetime(2026, 11, 10, 6, 0), 60, los_angeles)
    assert naive.start == datetime(2026, 11, 10, 6, 0, tzinfo=UTC)


def test_no_time_is_claimed_for_an_unknown_or_unsure_zone():
    assert their_time(_shanghai(10), 60, DefectorZone((), "none")) is None
    unsure = defector_zone("+1 800 555 1234", None)
    assert their_time(_shanghai(10), 60, unsure) is None
