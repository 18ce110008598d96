"""The domain package never imports streamlit, so the CLI and batch jobs run without it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import research

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

CHECK = r"""
import importlib, json, pkgutil, sys
import research
names = ["research"] + sorted(
    m.name for m in pkgutil.walk_packages(research.__path__, "research.")
    if m.name != "research.__main__")
culprits = []
for name in names:
    importlib.import_module(name)
    if "streamlit" in sys.modules and not culprits:
        culprits.append(name)
print(json.dumps({"imported": names, "first_culprit": culprits[0] if culprits else None,
                  "streamlit_loaded": "streamlit" in sys.modules}))
"""


def _submodules() -> set[str]:
    return {m.name for m in pkgutil.walk_packages(research.__path__, "research.")}


def test_no_research_module_imports_streamlit(subprocess_env):
    done = subprocess.run(
        [PYTHON, "-c", CHECK],
        cwd=ROOT,
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["first_culprit"] is None, f"{report['first_culprit']} imports streamlit"
    assert report["streamlit_loaded"] is False
    # every module was really imported, including the CLI, charts and the demo
    expected = {"research"} | (_submodules() - {"research.__main__"})
    assert set(report["imported"]) == expected
    for name in (
        "research.cli",
        "research.reports.charts",
        "research.demo.build",
        "research.base.store",
        "research.ledger.load",
        "research.selection.detection",
        "research.selection.sampling",
        "research.base.i18n",
    ):
        assert name in report["imported"]
