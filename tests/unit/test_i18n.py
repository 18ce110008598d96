"""Both catalogs hold the same keys with the same placeholders, every key the code uses
exists, and numbers, money and dates read right in both languages."""

from __future__ import annotations

import ast
import builtins
import re
import string
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from research.analysis import overview
from research.base import i18n, settings, studies
from research.base.accounts import LEGACY_ROLE, ROLES
from research.base.errors import ResearchError
from research.base.i18n import Message, Translator, catalog
from research.findings.interviews import SATISFACTION, SATISFACTION_FIELDS
from research.ledger.load import import_history
from research.ledger.mapping import FIELDS, KINDS
from research.selection import detection

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "research" / "base" / "locales"
# the domain package, and the screens: app.py, the screen package, pages/
SOURCES = sorted(
    [
        *ROOT.joinpath("research").rglob("*.py"),
        *ROOT.glob("*.py"),
        *ROOT.joinpath("screen").glob("*.py"),
        *ROOT.joinpath("pages").glob("*.py"),
    ]
)
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ERROR_KEY = re.compile(r"^(error|import|problem|warning)\.[a-z0-9_.]+$")


def po_entries(lang: str) -> dict[str, str]:
    """Key → text; a plural entry's forms joined by new lines (so every check reads all)."""
    with (LOCALES / f"{lang}.po").open("rb") as fh:
        return {
            str(m.id[0] if m.pluralizable else m.id): "\n".join(m.string)
            if m.pluralizable
            else str(m.string)
            for m in read_po(fh)
            if m.id
        }


def plural_entries(lang: str) -> dict[str, tuple[str, ...]]:
    with (LOCALES / f"{lang}.po").open("rb") as fh:
        return {str(m.id[0]): tuple(m.string) for m in read_po(fh) if m.pluralizable}


def raw_msgids(lang: str) -> list[str]:
    text = (LOCALES / f"{lang}.po").read_text(encoding="utf-8")
    return re.findall(r'^msgid "(.+)"$', text, flags=re.M)


def placeholders(text: str) -> set[str]:
    return {
        name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name
    }


EN, ZH = po_entries("en"), po_entries("zh")


# ---------------------------------------------------------------- the catalogs


def test_catalogs_have_exactly_the_same_keys():
    assert sorted(set(EN) - set(ZH)) == [], "keys only in en.po"
    assert sorted(set(ZH) - set(EN)) == [], "keys only in zh.po"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_key_is_defined_twice_or_left_empty(lang):
    twice = [k for k, n in Counter(raw_msgids(lang)).items() if n > 1]
    assert twice == []
    entries = po_entries(lang)
    assert [k for k, v in entries.items() if not v.strip()] == []
    assert set(i18n.catalog(lang)) == set(entries)


def test_a_catalog_is_parsed_once_per_content_and_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    source = tmp_path / "en.po"
    source.write_bytes((LOCALES / "en.po").read_bytes())
    first = i18n.load_catalog(source, "en_US")
    assert first == i18n._parse(source.read_bytes(), "en_US")
    assert first["study.title"] == EN["study.title"]
    kept = list((tmp_path / "__pycache__").glob("en.*.catalog"))
    assert len(kept) == 1

    def no_parsing(*_):
        raise AssertionError("parsed again")

    with monkeypatch.context() as m:  # the same content: read from what was kept
        m.setattr(i18n, "_parse", no_parsing)
        assert i18n.load_catalog(source, "en_US") == first
    # a changed catalog is parsed anew, and the earlier content's copy goes
    text = source.read_text(encoding="utf-8")
    entry = f'msgid "study.title"\nmsgstr "{EN["study.title"]}"'
    assert entry in text
    source.write_text(text.replace(entry, 'msgid "study.title"\nmsgstr "Studie"'), encoding="utf-8")
    changed = i18n.load_catalog(source, "en_US")
    assert changed["study.title"] == "Studie"
    assert [p.name for p in (tmp_path / "__pycache__").glob("en.*.catalog")] != [
        p.name for p in kept
    ]
    assert len(list((tmp_path / "__pycache__").glob("en.*.catalog"))) == 1


def test_a_damaged_kept_catalog_or_a_folder_that_cannot_be_written_only_costs_time(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    source = tmp_path / "zh.po"
    source.write_bytes((LOCALES / "zh.po").read_bytes())
    expected = i18n.load_catalog(source, "zh_Hans_CN")
    (kept,) = (tmp_path / "__pycache__").glob("zh.*.catalog")
    kept.write_bytes(b"not a catalog")
    assert i18n.load_catalog(source, "zh_Hans_CN") == expected
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    (readonly / "zh.po").write_bytes(source.read_bytes())
    (readonly / "__pycache__").write_text("a file where the folder would be")
    assert i18n.load_catalog(readonly / "zh.po", "zh_Hans_CN") == expected


def test_nothing_is_kept_when_python_is_told_not_to_write_caches(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    source = tmp_path / "en.po"
    source.write_bytes((LOCALES / "en.po").read_bytes())
    assert i18n.load_catalog(source, "en_US")["study.title"] == EN["study.title"]
    assert not (tmp_path / "__pycache__").exists()


def test_keys_are_stable_ids():
    assert [k for k in EN if not KEY.match(k)] == []


def test_placeholders_are_the_same_in_both_languages():
    differ = {
        k: (sorted(placeholders(EN[k])), sorted(placeholders(ZH[k])))
        for k in EN
        if k in ZH and placeholders(EN[k]) != placeholders(ZH[k])
    }
    assert differ == {}


def test_every_message_formats_with_its_own_placeholders():
    broken = []
    for key in EN:
        values = {name: 1 for name in placeholders(EN[key])}
        for t in (Translator("en"), Translator("zh")):
            try:
                t(key, **values)
            except (KeyError, IndexError, ValueError) as e:
                broken.append(f"{t.lang} {key}: {e!r}")
    assert broken == []


def test_chinese_is_really_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    # short labels may stay Latin (units, codes); most messages must be translated
    words = {k: re.sub(r"\{[^}]*\}", "", v) for k, v in EN.items()}  # without placeholders
    untranslated = [k for k in EN if ZH[k] == EN[k] and re.search(r"[A-Za-z]{3}", words[k])]
    assert untranslated == []
    assert sum(1 for v in ZH.values() if cjk.search(v)) >= 0.9 * len(ZH)


# ---------------------------------------------------------------- keys the code uses


class _Uses(ast.NodeVisitor):
    """Translation keys in calls: t("k"), obj.t("k"), translator()("k"), Message("k"),
    SomeError("k"); f-string keys are kept as families (their constant prefix)."""

    def __init__(self, path: Path):
        self.path = path
        self.keys: list[tuple[str, int, set[str] | None]] = []  # key, line, keywords
        self.families: list[tuple[str, int]] = []
        self.constants: list[tuple[str, int]] = []

    def _is_translation_call(self, func: ast.expr) -> bool:
        if isinstance(func, ast.Name):
            # our errors take a message key; Python's own (AssertionError, ...) take text
            return func.id in {"t", "Message", "self"} or (
                func.id.endswith("Error") and not hasattr(builtins, func.id)
            )
        if isinstance(func, ast.Attribute):
            return func.attr == "t"
        return isinstance(func, ast.Call)  # translator()("key"), Translator("zh")("key")

    def visit_Call(self, node: ast.Call) -> None:
        if node.args and self._is_translation_call(node.func):
            first = node.args[0]
            has_star = any(k.arg is None for k in node.keywords)
            keywords = None if has_star else {k.arg for k in node.keywords}
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and KEY.match(first.value)
            ):
                self.keys.append((first.value, node.lineno, keywords))
            elif (
                isinstance(first, ast.JoinedStr)
                and first.values
                and isinstance(first.values[0], ast.Constant)
            ):
                self.families.append((first.values[0].value, node.lineno))
            elif (
                isinstance(first, ast.BinOp)
                and isinstance(first.op, ast.Add)
                and isinstance(first.left, ast.Constant)
                and isinstance(first.left.value, str)
            ):
                self.families.append((first.left.value, node.lineno))  # t("status." + s)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            self.constants.append((node.value, node.lineno))


def _scan() -> list[_Uses]:
    found = []
    for path in SOURCES:
        uses = _Uses(path)
        uses.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.append(uses)
    return found


USES = _scan()


def _where(uses: _Uses, line: int) -> str:
    return f"{uses.path.relative_to(ROOT)}:{line}"


def test_the_scan_finds_the_code():
    assert len(SOURCES) >= 15
    assert sum(len(u.keys) for u in USES) > 100  # the scan itself works


def test_every_key_used_in_the_code_exists_in_both_catalogs():
    missing = [
        f"{_where(u, line)} {key}"
        for u in USES
        for key, line, _ in u.keys
        if key not in EN or key not in ZH
    ]
    assert missing == []


def test_every_error_key_in_the_domain_package_exists():
    """Error, import, problem and warning keys wherever they appear as strings."""
    missing = [
        f"{_where(u, line)} {value}"
        for u in USES
        if "research" in u.path.parts
        for value, line in u.constants
        if ERROR_KEY.match(value) and value not in EN
    ]
    assert missing == []


def test_every_call_passes_the_placeholders_its_message_needs():
    short = []
    for u in USES:
        for key, line, keywords in u.keys:
            if keywords is None or key not in EN:
                continue  # **values: checked at run time elsewhere
            needed = placeholders(EN[key])
            if not needed <= keywords:
                short.append(f"{_where(u, line)} {key} needs {sorted(needed - keywords)}")
    assert short == []


def test_error_title_keys_exist():
    titles = {cls.title_key for cls in _error_classes()}
    assert titles and all(k.startswith("error.title.") for k in titles)
    assert sorted(k for k in titles if k not in EN or k not in ZH) == []


def _error_classes():
    seen, todo = [], [ResearchError]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def _run_time_values() -> tuple[list[str], list[str]]:
    """The import history's columns and the funnel's stage keys, as the code makes them."""
    from research.base.store import connect

    s = connect(":memory:")
    try:
        study = studies.create_study(s, "x", date(2025, 1, 1), actor="t")
        history = list(import_history(s, study).columns)
        funnel = [stage.key for stage in overview.summarise(s, study).funnel]
    finally:
        s.close()
    return history, funnel


HISTORY_COLUMNS, FUNNEL_KEYS = _run_time_values()


FIELD_NAMES = sorted(
    {s.name for s in settings.STUDY_SETTINGS}
    | {f.name for fields in FIELDS.values() for f in fields}
)

# Every family of keys the code builds at run time, with every value it can take.
FAMILIES = {
    "status.": list(detection.STATUSES),
    "segment.": [*detection.SEGMENTS, "none"],
    "study_status.": list(studies.STATUSES),
    "field.": FIELD_NAMES,
    "import.kind.": list(KINDS),
    "import.help.": list(KINDS),
    "import.history.": HISTORY_COLUMNS,
    "targets.source.": ["sample", "manual"],
    "funnel.": FUNNEL_KEYS,
    "trend.test.": ["fisher", "z"],
    "analysis.by.": ["code", "group"],
    "review.kind.": ["checkpoint", "final", "quarterly"],
    "action.status.": ["proposed", "planned", "in_progress", "done", "dropped"],
    "analysis.dimension.": ["segment", "defection_type", "competitor", "lifecycle_stage"],
    "trend.verdict.": ["fell", "rose", "none", "untestable"],
    "finding.field.": list(SATISFACTION_FIELDS),
    "finding.sat.": list(SATISFACTION),
    "report.title.": ["postmortem", "checkpoint", "quarterly"],
    "account_role.": [*ROLES, LEGACY_ROLE],
}


def test_every_key_family_built_at_run_time_is_known_here():
    unknown = sorted(
        {
            f"{_where(u, line)} {prefix}"
            for u in USES
            for prefix, line in u.families
            if prefix not in FAMILIES
        }
    )
    assert unknown == [], "add the new family and its values to FAMILIES"


@pytest.mark.parametrize("prefix", sorted(FAMILIES))
def test_every_member_of_a_key_family_exists(prefix):
    assert FAMILIES[prefix]
    missing = [prefix + v for v in FAMILIES[prefix] if prefix + v not in EN or prefix + v not in ZH]
    assert missing == []


def test_every_setting_has_its_help_and_label():
    for s in settings.STUDY_SETTINGS:
        assert s.help_key in EN and s.help_key in ZH
        assert f"field.{s.name}" in EN and f"field.{s.name}" in ZH


# ---------------------------------------------------------------- the translator


def test_translator_looks_up_and_formats():
    en, zh = Translator("en"), Translator("zh")
    assert en("status.full") == EN["status.full"]
    assert zh("status.full") == ZH["status.full"]
    assert en("import.more_problems", count=3) == EN["import.more_problems"].format(count=3)
    assert "3" in zh("import.more_problems", count=3)


def test_plural_entries_have_every_form_of_their_language_and_a_count():
    en, zh = plural_entries("en"), plural_entries("zh")
    assert "agenda.download_week" in en and set(en) == set(zh)
    assert all(len(forms) == 2 and all(forms) for forms in en.values())
    assert all(len(forms) == 1 and forms[0] for forms in zh.values())
    assert all(placeholders(EN[k]) for k in en)  # the number shows ({count}, or {n} formatted)


def test_every_use_of_a_plural_entry_passes_the_count_that_picks_its_form():
    root = Path(__file__).resolve().parents[2]
    sources = [
        (path, path.read_text(encoding="utf-8"))
        for folder in ("research", "pages", "screen", "templates")
        for path in sorted((root / folder).rglob("*"))
        if path.suffix in (".py", ".j2")
    ]
    missing = []
    for key in plural_entries("en"):
        call = re.compile(rf'\(\s*"{re.escape(key)}"((?:[^()]|\([^()]*\))*)\)')
        uses = [(path, m.group(1)) for path, text in sources for m in call.finditer(text)]
        # a key handed on to a helper (charts' titles) is checked where the helper calls t
        assert uses or any(f'"{key}"' in text for _, text in sources), f"{key} is never used"
        missing += [
            f"{path.relative_to(root)}: {key}" for path, args in uses if "count=" not in args
        ]
    assert missing == []


def test_a_count_picks_the_plural_form():
    en, zh = Translator("en"), Translator("zh")
    assert en("agenda.download_week", manager="Li", count=1) == "Li: 1 interview (.ics)"
    assert en("agenda.download_week", manager="Li", count=2) == "Li: 2 interviews (.ics)"
    assert en("agenda.download_week", manager="Li", count=0) == "Li: 0 interviews (.ics)"
    assert en("assign.done", count=1) == "1 target assigned."
    one, many = (
        zh("agenda.download_week", manager="李", count=1),
        zh("agenda.download_week", manager="李", count=7),
    )
    assert one.replace("1", "7") == many and "场访谈" in one


def test_unknown_language_falls_back_to_english_and_unknown_key_to_itself():
    assert Translator("fr").lang == "en"
    assert Translator("fr")("status.full") == EN["status.full"]
    assert Translator("zh")("no.such.key") == "no.such.key"
    assert Translator("zh").has("status.full") and not Translator("zh").has("no.such.key")


def test_status_and_segment_helpers():
    t = Translator("zh")
    assert t.status("partial") == ZH["status.partial"]
    assert t.segment("best_core") == ZH["segment.best_core"]
    for nothing in (None, "", float("nan")):  # pandas hands NaN for customers not ranked
        assert t.segment(nothing) == ZH["segment.none"]


def test_messages_render_later_in_any_language():
    m = Message("import.more_problems", count=2)
    assert m == Message("import.more_problems", count=2)
    assert m != Message("import.more_problems", count=3)
    assert m.render(Translator("zh")) == ZH["import.more_problems"].format(count=2)
    assert str(m) == EN["import.more_problems"].format(count=2)


def test_errors_render_in_both_languages():
    e = ResearchError("error.pick_study", names="a, b")
    assert str(e) == EN["error.pick_study"].format(names="a, b")
    assert e.render(Translator("zh")) == ZH["error.pick_study"].format(names="a, b")
    # a message with a title of its own is headed by it; one without, by its class's
    assert e.heading(Translator("zh")) == ZH["error.title.pick_study"]
    assert (
        ResearchError("error.no_such_message").heading(Translator("zh"))
        == ZH["error.title.generic"]
    )


# ---------------------------------------------------------------- formatting


@pytest.fixture
def yuan(monkeypatch):
    monkeypatch.delenv(i18n.CURRENCY_ENV_VAR, raising=False)


def test_money_in_both_languages(yuan):
    en, zh = Translator("en"), Translator("zh")
    assert en.money(1234.5) == "CN¥1,234.50"
    assert zh.money(1234.5) == "¥1,234.50"
    assert en.money(-1234.5) == "-CN¥1,234.50"
    assert en.money(1234.5, "USD") == "$1,234.50"
    assert zh.money(1234.5, "USD") == "US$1,234.50"
    assert en.money_short(10_500_000) == "CN¥10.5M"
    assert zh.money_short(10_500_000) == "¥1,050万"  # Chinese counts in 万 (10,000)
    assert zh.money_short(19_052_000) == "¥1,905.2万"
    assert zh.money_short(250_000_000) == "¥2.5亿"
    assert en.money_short(250_000_000) == "CN¥250M"
    assert en.money_short(-12_345) == "-CN¥12.3K"


@pytest.mark.parametrize(
    "lang, value, short",
    [
        ("en", 950, "950"),
        ("en", 12_345, "12.3K"),
        ("en", 19_052_000, "19.1M"),
        ("en", 2_500_000_000, "2.5B"),
        ("zh", 950, "950"),
        ("zh", 12_345, "1.2万"),
        ("zh", 19_052_000, "1,905.2万"),
        ("zh", 250_000_000, "2.5亿"),
        ("zh", 123_456_789_000, "1,234.6亿"),
    ],
)
def test_short_figures_use_the_languages_units(lang, value, short):
    assert Translator(lang).short(value) == short


@pytest.mark.parametrize(
    "lang, top, labels",
    [
        ("zh", 19_052_000, ["0", "500万", "1,000万", "1,500万", "2,000万"]),
        ("zh", 24_000_000, ["0", "500万", "1,000万", "1,500万", "2,000万", "2,500万"]),
        ("zh", 230_000_000, ["0", "0.5亿", "1亿", "1.5亿", "2亿", "2.5亿"]),
        ("zh", 4_200, ["0", "1,000", "2,000", "3,000", "4,000", "5,000"]),
        ("en", 0, ["0", "1", "2", "3", "4", "5"]),
        ("en", 19_052_000, ["0", "5M", "10M", "15M", "20M"]),
        ("en", 4_200, ["0", "1K", "2K", "3K", "4K", "5K"]),
    ],
)
def test_axis_ticks_share_one_unit_and_pass_the_top(lang, top, labels):
    values, text = Translator(lang).axis_ticks(top)
    assert values[0] == 0 and values[-1] >= top
    assert text == labels
    # every tick but 0 carries the unit of the largest one
    suffix = text[-1].lstrip("0123456789,.")
    assert all(label.endswith(suffix) for label in text[1:])


def test_currency_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(i18n.CURRENCY_ENV_VAR, "EUR")
    assert Translator("en").money(5) == "€5.00"


def test_numbers_and_percentages():
    for lang in ("en", "zh"):
        t = Translator(lang)
        assert t.number(1234567) == "1,234,567"
        assert t.number(1234.567, 2) == "1,234.57"
        assert t.number(-1234.5, 1) == "-1,234.5"
        assert t.percent(0.256) == "26%"
        assert t.percent(0.2567, 1) == "25.7%"


def test_dates_in_both_languages():
    assert Translator("en").date(date(2026, 11, 1)) == "Nov 1, 2026"
    assert Translator("zh").date(date(2026, 11, 1)) == "2026年11月1日"
    assert Translator("zh").date(datetime(2026, 11, 1, 13, 5)) == "2026年11月1日"
    assert Translator("zh").datetime(datetime(2026, 11, 1, 13, 5)) == "2026/11/1 13:05"
    en_dt = Translator("en").datetime(datetime(2026, 11, 1, 13, 5))
    assert en_dt.startswith("11/1/26") and "1:05" in en_dt and "PM" in en_dt


@pytest.mark.parametrize("empty", [None, float("nan")])
def test_missing_values_show_a_dash(empty):
    for lang in ("en", "zh"):
        t = Translator(lang)
        assert t.number(empty) == t.percent(empty) == t.money(empty) == "–"
        assert t.money_short(empty) == t.date(empty) == t.datetime(empty) == "–"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_bold_and_emphasis_in_the_catalogs_render_as_such(lang):
    """CommonMark closes ``**`` after punctuation only before a space or punctuation:
    "**对方时间：**周三" showed its asterisks; "**对方时间**：周三" is bold."""
    from tests.markdown_view import view

    shown = []
    for key, message in catalog(lang).items():
        for text in message if isinstance(message, tuple) else (message,):
            if "*" not in text:
                continue
            filled = re.sub(r"\{[^{}]*\}", "周三" if lang == "zh" else "Wed", text)
            seen, _ = view(filled)
            if "**" in seen or re.search(r"(?<![*\w])\*(?=\S)", seen):
                shown.append(f"{key}: {seen[:60]}")
    assert shown == []
