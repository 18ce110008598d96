"""Whose clock: the defector's time zone, and whether a time is decent to meet them.

A booking is made in the senior manager's time, but the defector is the one who must
say yes to it: 14:00 in Shanghai is 23:00 the night before in Los Angeles. The desk
therefore shows every free slot in both times and warns when the interview would fall
outside 8:00–21:00 for the defector.

The defector's zone comes from their phone number first (libphonenumber's
``timezone`` data: a geographic number names one zone, a mobile or toll-free number
may name many), then from the region recorded in the customer file (a zone name such as
``Asia/Shanghai``, a city, a country or territory in English or Chinese, or one of
China's regions). When the number names several zones the region picks one of them;
when nothing settles it the zone is *unsure*, and with neither a number nor a region
it is *unknown*. The desk says so rather than guess.

China keeps one official time (Beijing time) across the country, so a Chinese number
or region means Asia/Shanghai, even though the zone database also has Asia/Urumqi.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location
from phonenumbers import timezone as phone_zones

from research.desk.phones import DEFAULT_REGION

# the hours in the defector's own time within which an interview may be proposed
DECENT_HOURS = (time(8, 0), time(21, 0))

# where a sure answer came from, and how the desk says it (translation keys)
SOURCES = ("phone", "phone_and_region", "region")
SOURCE_LABELS = {s: f"desk.zone_source.{s}" for s in SOURCES}

CHINA = ("Asia/Shanghai",)
# China's regions as customer files name them (the demo's too), in English and Chinese
_CHINA_REGIONS = {
    "china",
    "mainland china",
    "prc",
    "east china",
    "north china",
    "south china",
    "central china",
    "northeast",
    "northeast china",
    "northwest",
    "northwest china",
    "southwest",
    "southwest china",
    "中国",
    "中国大陆",
    "大陆",
    "内地",
    "华东",
    "华北",
    "华南",
    "华中",
    "东北",
    "西北",
    "西南",
}
# the provinces, regions and cities at province level, in pinyin and in Chinese
_CHINA_REGIONS |= {
    word
    for pair in (
        "beijing 北京, tianjin 天津, shanghai 上海, chongqing 重庆, hebei 河北, shanxi 山西,"
        " liaoning 辽宁, jilin 吉林, heilongjiang 黑龙江, jiangsu 江苏, zhejiang 浙江,"
        " anhui 安徽, fujian 福建, jiangxi 江西, shandong 山东, henan 河南, hubei 湖北,"
        " hunan 湖南, guangdong 广东, hainan 海南, sichuan 四川, guizhou 贵州, yunnan 云南,"
        " shaanxi 陕西, gansu 甘肃, qinghai 青海, inner mongolia 内蒙古, guangxi 广西,"
        " tibet 西藏, ningxia 宁夏, xinjiang 新疆, urumqi 乌鲁木齐, kashgar 喀什"
    ).split(", ")
    for word in pair.rsplit(" ", 1)
}
_PARTS = re.compile(r"[,，、;；/|·()（）]+")


@dataclass(frozen=True)
class DefectorZone:
    """What is known of a defector's time zone: one zone when sure, several when the
    number fits several and nothing picks one, none when nothing says."""

    zones: tuple[str, ...]
    source: str  # one of SOURCES, or "none"

    @property
    def known(self) -> bool:
        return bool(self.zones)

    @property
    def sure(self) -> bool:
        return len(self.zones) == 1

    @property
    def zone(self) -> str | None:
        """The zone when there is exactly one, else None."""
        return self.zones[0] if self.sure else None


def zones_for_phone(raw: str | None, region: str = DEFAULT_REGION) -> tuple[str, ...]:
    """The zones a valid phone number belongs to (several for a mobile or toll-free
    number of a country with several zones); () for no number or an invalid one."""
    text = raw.strip() if isinstance(raw, str) else ""  # pandas gives NaN for no number
    if not text:
        return ()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ()
    if not phonenumbers.is_valid_number(number):
        return ()
    found = tuple(z for z in phone_zones.time_zones_for_number(number) if _real(z))
    if number.country_code == 86 and found:
        return CHINA
    return _distinct(found)


def zones_for_region(region: str | None) -> tuple[str, ...]:
    """The zones a region names: a zone name, a city, a country or territory (name in
    English or Chinese, or its two-letter code), or one of China's regions; the whole
    text first, then its parts (``Berlin, Germany``). () when nothing matches."""
    text = region.strip() if isinstance(region, str) else ""
    if not text:
        return ()
    for candidate in (text, *(p.strip() for p in _PARTS.split(text))):
        found = _lookup(candidate)
        if found:
            return _distinct(found)
    return ()


def defector_zone(phone: str | None, region: str | None) -> DefectorZone:
    """The defector's zone from their number, settled or else found by their region."""
    by_phone = zones_for_phone(phone)
    by_region = zones_for_region(region)
    if len(by_phone) == 1:
        return DefectorZone(by_phone, "phone")
    if by_phone:
        both = tuple(z for z in by_phone if z in by_region)
        if len(both) == 1:
            return DefectorZone(both, "phone_and_region")
        return DefectorZone(by_phone, "phone")  # several: unsure
    if by_region:
        return DefectorZone(by_region, "region")
    return DefectorZone((), "none")


@dataclass(frozen=True)
class TheirTime:
    """An interview's start and end in the defector's zone, and whether it is decent."""

    start: datetime  # aware, in the defector's zone
    end: datetime
    outside_hours: bool

    @property
    def zone(self) -> str:
        return str(self.start.tzinfo)


def outside_decent_hours(start: datetime, end: datetime) -> bool:
    """True unless the whole interview lies within 8:00–21:00 of one day (wall clock)."""
    first, last = DECENT_HOURS
    if end.date() != start.date():  # runs past midnight
        return True
    return start.time() < first or end.time() > last


def their_time(start: datetime, length_minutes: int, zone: DefectorZone) -> TheirTime | None:
    """``start`` (aware, or naive UTC) in the defector's zone; None unless the zone is sure."""
    if not zone.sure:
        return None
    aware = start if start.tzinfo else start.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo(zone.zones[0]))
    end = local + timedelta(minutes=length_minutes)
    return TheirTime(local, end, outside_decent_hours(local, end))


# ---------------------------------------------------------------- the region's words


def _distinct(zones: tuple[str, ...]) -> tuple[str, ...]:
    """One zone for each different clock: zones whose offsets agree in January and in
    July (Europe/Berlin and Europe/Busingen) are one, the first named kept."""
    year = datetime.now(UTC).year
    seen: dict[tuple, str] = {}
    for zone in zones:
        clock = tuple(
            datetime(year, month, 15, 12, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
            for month in (1, 7)
        )
        seen.setdefault(clock, zone)
    return tuple(seen.values())


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _real(zone: str) -> bool:
    return zone in _zone_names()


def _lookup(text: str) -> tuple[str, ...]:
    if text.casefold() in _CHINA_REGIONS:
        return CHINA
    return _words().get(text.casefold(), ()) or ((text,) if _real(text) else ())


@functools.cache
def _words() -> dict[str, tuple[str, ...]]:
    """Lower-case words that name zones: zone names, cities, countries and codes."""
    words: dict[str, tuple[str, ...]] = {}
    territory_zones: dict[str, list[str]] = get_global("territory_zones")
    canonical = sorted(
        {z for zones in territory_zones.values() for z in zones if _real(z)},
    )
    for zone in canonical:
        words.setdefault(zone.casefold(), (zone,))
        words.setdefault(zone.rsplit("/", 1)[-1].replace("_", " ").casefold(), (zone,))
        for locale in ("en_US", "zh_Hans_CN"):
            city = get_timezone_location(zone, locale=locale, return_city=True)
            words.setdefault(city.casefold(), (zone,))
    for locale in ("en_US", "zh_Hans_CN"):
        names = Locale.parse(locale).territories
        for code, zones in territory_zones.items():
            real = CHINA if code == "CN" else tuple(z for z in zones if _real(z))
            if not real or not code.isalpha():
                continue
            words.setdefault(code.casefold(), real)
            if code in names:
                words.setdefault(names[code].casefold(), real)
    return words
