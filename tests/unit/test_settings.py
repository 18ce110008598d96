"""Study settings: declared once, checked on the way in, documented in README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from research.base import settings
from research.base.errors import InvalidSettingError
from research.base.i18n import Translator

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_declared_once_with_a_sane_default():
    names = [s.name for s in settings.STUDY_SETTINGS]
    assert len(names) == len(set(names))
    assert set(settings.SETTINGS_BY_NAME) == set(names)
    for s in settings.STUDY_SETTINGS:
        assert s.parse(s.default) == s.default, s.name
        assert isinstance(s.default, s.kind), s.name
        assert s.minimum is None or s.maximum is None or s.minimum <= s.maximum
        assert s.help_key == f"setting.{s.name}"


def test_defaults_are_what_the_detection_rule_documents():
    d = settings.defaults()
    assert d["window_months"] == 6
    assert d["drop_threshold"] == 0.5
    assert (d["best_core_pct"], d["other_core_pct"], d["general_pct"]) == (0.10, 0.20, 0.50)
    assert d["weight_expendable"] == 0.0  # expendable customers are not sampled by default


@pytest.mark.parametrize("setting", settings.STUDY_SETTINGS, ids=lambda s: s.name)
def test_bounds_are_inclusive_and_enforced(setting):
    if setting.minimum is not None:
        assert setting.parse(setting.minimum) == setting.minimum
        below = setting.minimum - (1 if setting.kind is int else 0.001)
        with pytest.raises(InvalidSettingError) as info:
            setting.parse(below)
        assert info.value.key == "error.setting_min"
        assert info.value.values["name"] == setting.name
    if setting.maximum is not None:
        assert setting.parse(setting.maximum) == setting.maximum
        above = setting.maximum + (1 if setting.kind is int else 0.001)
        with pytest.raises(InvalidSettingError) as info:
            setting.parse(above)
        assert info.value.key == "error.setting_max"


@pytest.mark.parametrize("value", ["six", "", None, float("nan"), float("inf")])
def test_values_that_are_not_numbers_are_refused(value):
    for name in ("window_months", "drop_threshold"):
        with pytest.raises(InvalidSettingError) as info:
            settings.SETTINGS_BY_NAME[name].parse(value)
        assert info.value.key == "error.setting_type"


def test_text_from_a_form_or_the_command_line_is_converted():
    assert settings.SETTINGS_BY_NAME["window_months"].parse("12") == 12
    assert settings.SETTINGS_BY_NAME["drop_threshold"].parse("0.3") == pytest.approx(0.3)


def test_error_messages_name_the_setting_and_the_limit():
    with pytest.raises(InvalidSettingError) as info:
        settings.validate({"window_months": 0})
    text = info.value.render(Translator("en"))
    assert "window_months" in text and "1" in text
    zh = info.value.render(Translator("zh"))
    assert "window_months" in zh and zh != text


def test_validate_returns_only_the_parsed_values_given():
    assert settings.validate({"window_months": "3", "drop_threshold": 0.25}) == {
        "window_months": 3,
        "drop_threshold": 0.25,
    }
    assert settings.validate({}) == {}


def test_unknown_settings_are_named():
    with pytest.raises(InvalidSettingError) as info:
        settings.validate({"windw_months": 3, "zzz": 1})
    assert info.value.key == "error.setting_unknown"
    assert info.value.values["names"] == "windw_months, zzz"


def test_segment_shares_may_add_up_to_exactly_one():
    # 0.1 + 0.2 + 0.7 is 1.0000000000000002 in floating point: still accepted
    assert settings.validate({"best_core_pct": 0.1, "other_core_pct": 0.2, "general_pct": 0.7})
    assert settings.validate({"best_core_pct": 0.25, "other_core_pct": 0.25, "general_pct": 0.5})


def test_segment_shares_over_one_are_refused():
    with pytest.raises(InvalidSettingError) as info:
        settings.validate({"best_core_pct": 0.3, "other_core_pct": 0.3, "general_pct": 0.5})
    assert info.value.key == "error.segment_shares"


def test_segment_share_check_counts_the_defaults_of_shares_not_given():
    # 0.10 + 0.20 (defaults) + 0.75 = 1.05
    with pytest.raises(InvalidSettingError) as info:
        settings.validate({"general_pct": 0.75})
    assert info.value.key == "error.segment_shares"
    assert settings.validate({"general_pct": 0.7}) == {"general_pct": 0.7}


def test_every_setting_has_help_in_both_languages():
    for s in settings.STUDY_SETTINGS:
        for lang in ("en", "zh"):
            t = Translator(lang)
            assert t.has(s.help_key), f"{lang}: {s.help_key}"
            assert t.has(f"field.{s.name}"), f"{lang}: field.{s.name}"


def test_readme_documents_every_setting():
    readme = ROOT / "README.md"
    assert readme.exists(), "README.md is missing: it must document every study setting"
    text = readme.read_text(encoding="utf-8")
    missing = [
        s.name
        for s in settings.STUDY_SETTINGS
        if not re.search(rf"(?<![A-Za-z0-9_]){re.escape(s.name)}(?![A-Za-z0-9_])", text)
    ]
    assert not missing, f"README.md does not mention: {', '.join(missing)}"


@pytest.mark.parametrize("value", [3.7, "6.5"])
def test_a_whole_number_setting_refuses_fractions(value):
    with pytest.raises(InvalidSettingError):
        settings.validate({"window_months": value})
    assert settings.validate({"window_months": 6.0}) == {"window_months": 6}
