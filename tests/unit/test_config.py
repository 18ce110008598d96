"""The operator's configuration: declared once (research/base/config.py), documented in
README, and nothing read from the environment that is not declared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from research.base import config

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_in_the_readme_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    for setting in config.CONFIG:
        row = next((r for r in rows if r.startswith(f"| `{setting.name}`")), None)
        assert row is not None, f"README's Configuration table lacks {setting.name}"
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1:3] == [setting.where, setting.default], row


def test_the_code_reads_no_environment_variable_it_does_not_declare():
    declared = {s.name for s in config.CONFIG if s.where == config.ENVIRONMENT}
    files = [ROOT / "app.py"] + [
        path for folder in ("research", "screen", "pages") for path in (ROOT / folder).rglob("*.py")
    ]
    used = {
        v
        for path in files
        for v in re.findall(r"(?<=[\"$])DEFECTORS_[A-Z_]+", path.read_text("utf-8"))
    }
    assert used <= declared, sorted(used - declared)


@pytest.mark.parametrize(
    ("value", "hours"), [(None, 12.0), ("8", 8.0), ("0.5", 0.5), ("-3", 12.0), ("soon", 12.0)]
)
def test_a_sign_in_lasts_the_configured_hours_or_the_default(monkeypatch, value, hours):
    if value is None:
        monkeypatch.delenv("DEFECTORS_SESSION_HOURS", raising=False)
    else:
        monkeypatch.setenv("DEFECTORS_SESSION_HOURS", value)
    assert config.session_hours() == hours


def test_a_new_session_starts_in_the_configured_language(monkeypatch):
    monkeypatch.setenv("DEFECTORS_LANG", "zh")
    assert config.default_language({"en": "English", "zh": "中文"}) == "zh"
    monkeypatch.setenv("DEFECTORS_LANG", "fr")
    assert config.default_language({"en": "English", "zh": "中文"}) == "en"
