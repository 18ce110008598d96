"""One translation layer for every word a user sees, in English and Simplified Chinese.

Messages live in gettext catalogs (``research/base/locales/en.po`` and ``zh.po``), keyed by
a stable id such as ``study.title`` and read with Babel; numbers, percentages, money
and dates are formatted by Babel in the language's conventions (CLDR).
tests/unit/test_i18n.py checks that both catalogs have the same keys and that every
key the code uses exists.

A message with a count ("{count} interviews") is a gettext plural entry (``msgid``,
``msgid_plural`` and one ``msgstr[n]`` per plural form of the language: two in English,
one in Chinese); ``t(key, count=n)`` picks the form by the language's plural rule.
"""

from __future__ import annotations

import gettext
import hashlib
import io
import marshal
import math
import os
import sys
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.plurals import get_plural
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
)

from research.base import config

LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
_LOCALES = {"en": "en_US", "zh": "zh_Hans_CN"}
# Short units, largest first: English counts in thousands, Chinese in 万 (10^4) and 亿 (10^8).
# One table for every short figure (bars, axes, headline metrics), so a chart never shows
# "25M" beside "¥1,905.2万".
UNITS = {
    "en": ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")),
    "zh": ((10**12, "万亿"), (10**8, "亿"), (10**4, "万")),
}
CURRENCY_ENV_VAR = config.CURRENCY.name


@cache
def catalog(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Key → message; a plural entry's message is its forms, in the catalog's order."""
    source = resources.files("research.base.locales").joinpath(f"{lang}.po")
    if isinstance(source, Path):
        return load_catalog(source, _LOCALES[lang])
    with source.open("rb") as fh:  # a package not on disk: parsed each time
        return _parse(fh.read(), _LOCALES[lang])


def load_catalog(source: Path, locale: str) -> dict[str, str | tuple[str, ...]]:
    """The catalog in ``source``, parsed once per content: Babel's parser takes 10-20 ms
    of every command's start, so the parsed catalog is kept beside the file in
    ``__pycache__`` (as Python keeps compiled modules, and not when Python is told not
    to), under a name made of the content's hash. A changed catalog gets a new name;
    where the folder cannot be written, the catalog is parsed each time."""
    data = source.read_bytes()
    digest = hashlib.blake2b(data, digest_size=12).hexdigest()
    folder = source.parent / "__pycache__"
    prefix = f"{source.stem}.{sys.implementation.cache_tag}."
    kept = folder / f"{prefix}{digest}.catalog"
    try:
        found = marshal.loads(kept.read_bytes())
        if isinstance(found, dict):
            return found
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not kept yet, or unreadable: parse and keep it anew
    found = _parse(data, locale)
    if sys.dont_write_bytecode:  # PYTHONDONTWRITEBYTECODE: no caches beside the sources
        return found
    try:
        folder.mkdir(exist_ok=True)
        for old in folder.glob(f"{prefix}*.catalog"):  # an earlier content's
            old.unlink(missing_ok=True)
        partial = kept.with_name(f"{kept.name}.{os.getpid()}.partial")
        partial.write_bytes(marshal.dumps(found))
        os.replace(partial, kept)  # whole or not at all, for a process reading it now
    except OSError:
        pass  # a folder we may not write: parsed again next time
    return found


def _parse(data: bytes, locale: str) -> dict[str, str | tuple[str, ...]]:
    from babel.messages.pofile import read_po  # only when a catalog is not kept yet

    po = read_po(io.BytesIO(data), locale=locale)
    found: dict[str, str | tuple[str, ...]] = {}
    for m in po:
        if m.id and m.pluralizable:
            found[str(m.id[0])] = tuple(str(s) for s in m.string)
        elif m.id and m.string:
            found[str(m.id)] = str(m.string)
    return found


@cache
def _plural_index(lang: str):
    """The language's gettext plural rule: count → index of the form."""
    return gettext.c2py(get_plural(_LOCALES[lang]).plural_expr)


def currency() -> str:
    return os.environ.get(CURRENCY_ENV_VAR) or config.CURRENCY.default


class Translator:
    """``t = Translator("zh"); t("study.title")``; formatting helpers beside it."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE):
        self.lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        self.locale = Locale.parse(_LOCALES[self.lang])

    def __call__(self, key: str, **values) -> str:
        lang = self.lang if catalog(self.lang).get(key) else DEFAULT_LANGUAGE
        text = catalog(lang).get(key) or key
        if isinstance(text, tuple):  # a plural entry: the form for ``count``
            count = values.get("count", 0)
            index = _plural_index(lang)(abs(int(count)) if count == count else 0)
            text = text[min(index, len(text) - 1)]
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in catalog(self.lang)

    def number(self, value, digits: int = 0) -> str:
        if value is None or value != value:  # NaN
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value, digits: int = 0) -> str:
        if value is None or value != value:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=self.locale)

    def money(self, value, code: str | None = None) -> str:
        if value is None or value != value:
            return "–"
        return format_currency(
            float(value), code or currency(), locale=self.locale, format_type="standard"
        )

    def money_short(self, value, code: str | None = None) -> str:
        """Money in a few characters, for headline figures and bars: CN¥10.5M, ¥1,905.2万."""
        if value is None or value != value:
            return "–"
        sign = "-" if value < 0 else ""
        return sign + self.currency_symbol(code) + self.short(abs(value))

    def currency_symbol(self, code: str | None = None) -> str:
        return get_currency_symbol(code or currency(), locale=self.locale)

    def unit_for(self, value) -> tuple[int, str]:
        """The short unit ``value`` is written in: (10**4, "万") for 12,345 in Chinese,
        (1, "") below the smallest unit."""
        for size, suffix in UNITS[self.lang]:
            if abs(value) >= size:
                return size, suffix
        return 1, ""

    def short(self, value, unit: tuple[int, str] | None = None, digits: int = 1) -> str:
        """A number in its short unit with grouping and at most ``digits`` decimals:
        1.2K, 19.1M; 1.2万, 1,905.2万, 2.5亿. ``unit`` fixes the unit (an axis writes every
        tick in the unit of its largest, e.g. 500万 … 2,500万)."""
        if value is None or value != value:
            return "–"
        size, suffix = unit or self.unit_for(value)
        pattern = "#,##0" + ("." + "#" * digits if digits else "")
        return format_decimal(value / size, format=pattern, locale=self.locale) + suffix

    def axis_ticks(self, top: float, count: int = 5) -> tuple[list[float], list[str]]:
        """Round tick values from 0 past ``top`` (about ``count`` of them) and their labels,
        all in the unit of the largest tick, for an axis of money or counts."""
        top = max(float(top), count) if top and top == top and top > 0 else count
        raw = top / count
        magnitude = 10 ** math.floor(math.log10(raw))
        step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
        n = math.ceil(top / step - 1e-9)
        values = [i * step for i in range(n + 1)]
        unit = self.unit_for(values[-1])
        return values, [self.short(v, unit, digits=2) if v else "0" for v in values]

    def date(self, value: date | datetime | None) -> str:
        if value is None or value != value:
            return "–"
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: datetime | None) -> str:
        if value is None or value != value:
            return "–"
        return format_datetime(value, format="short", locale=self.locale)

    def status(self, status: str) -> str:
        return self(f"status.{status}")

    def segment(self, segment: str | None) -> str:
        # pandas gives NaN, not None, for a customer without a segment (not ranked)
        if not isinstance(segment, str) or not segment:
            segment = "none"
        return self(f"segment.{segment}")


class Message:
    """A message to show later, in whatever language the reader uses."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, **values):
        self.key = key
        self.values = values

    def render(self, t: Translator | None = None) -> str:
        return (t or Translator())(self.key, **self.values)

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.key, self.values) == (other.key, other.values)

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {self.values!r})"

    __str__ = render
