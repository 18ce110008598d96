"""Every error a user can meet is headed by what went wrong ("A reason is needed"), not
"Something went wrong": each ResearchError subclass used in research/ has its own heading
key, and each message raised as a plain ResearchError has its own title, in both catalogs."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import research
from research.base import errors
from research.base.errors import ResearchError
from research.base.i18n import Translator, catalog

ROOT = Path(__file__).resolve().parents[2]
GENERIC = ResearchError.title_key


def _load_every_module() -> None:
    for module in pkgutil.walk_packages(research.__path__, "research."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)


def _subclasses() -> list[type[ResearchError]]:
    _load_every_module()
    seen, todo = [], list(ResearchError.__subclasses__())
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def _plain_raises() -> dict[str, list[str]]:
    """Message keys passed to ``ResearchError(...)`` itself anywhere in research/."""
    found: dict[str, list[str]] = {}
    for path in sorted(ROOT.joinpath("research").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
                == "ResearchError"
            ):
                first = node.args[0] if node.args else None
                key = first.value if isinstance(first, ast.Constant) else None
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(key or f"<not a constant at {where}>", []).append(where)
    return found


def test_the_scan_finds_the_plain_raises():
    keys = _plain_raises()
    assert "error.add_reason_required" in keys and "error.record_gone" in keys
    assert all(not k.startswith("<") for k in keys), "give ResearchError a literal message key"


def test_every_error_class_has_its_own_heading_in_both_catalogs():
    classes = _subclasses()
    assert errors.StudyExistsError in classes and len(classes) > 10
    lacking = []
    for cls in classes:
        for lang in ("en", "zh"):
            if cls.title_key == GENERIC or cls.title_key not in catalog(lang):
                lacking.append(f"{cls.__module__}.{cls.__name__} ({lang}): {cls.title_key}")
    assert lacking == [], "give the class a title_key with a title in en.po and zh.po"


def test_every_plain_research_error_has_its_own_title_in_both_catalogs():
    lacking = []
    for key, where in _plain_raises().items():
        title = errors.title_key_of(key)
        for lang in ("en", "zh"):
            if title is None or title not in catalog(lang):
                lacking.append(f"{key} ({lang}) raised at {where[0]}: add {title}")
    assert lacking == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_plain_error_is_headed_by_its_own_title(lang):
    t = Translator(lang)
    taken = ResearchError("error.member_exists", name="Wang")
    assert taken.heading(t) == catalog(lang)["error.title.member_exists"]
    assert taken.heading(t) != t(GENERIC)
    reason = ResearchError("error.remove_reason_required")
    assert reason.heading(t) == catalog(lang)["error.title.remove_reason_required"]


def test_a_messages_own_title_wins_over_its_class_title():
    from research.findings.interviews import FindingError

    e = FindingError("error.finding_customer_required")
    assert e.heading(Translator("en")) == "A customer is needed"
    other = FindingError("error.finding_not_found", id=1)  # no title of its own
    assert other.heading(Translator("en")) == Translator("en")(FindingError.title_key)


def test_english_titles_are_the_ones_the_issue_asked_for():
    en = Translator("en")
    assert ResearchError("error.add_reason_required").heading(en) == "A reason is needed"
    assert ResearchError("error.member_exists", name="x").heading(en) == "That name is taken"
