"""The charts on screen are drawn by plotly.js's finance bundle (screen/chart.py): it must
hold every trace type the app's figures use, be the plotly.js the installed Plotly writes
figures for, and be served by the app."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

from plotly.offline import get_plotlyjs_version

from screen import chart

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "static" / chart.BUNDLE
FIGURES = ROOT / "research" / "reports" / "charts.py"


def _bundle_traces() -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', BUNDLE.read_text("utf-8")))


def _traces_the_figures_use() -> set[str]:
    """``go.Bar(...)`` and ``fig.add_bar(...)`` in the module that builds every figure."""
    used = set()
    for node in ast.walk(ast.parse(FIGURES.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name.startswith("add_") and name not in ("add_trace", "add_annotation"):
                used.add(name.removeprefix("add_"))
            elif (
                isinstance(node.func.value, ast.Name)
                and node.func.value.id == "go"
                and name not in ("Figure",)
            ):
                used.add(name.lower())
    return used


def test_the_bundle_draws_every_trace_type_the_figures_use():
    used = _traces_the_figures_use()
    assert {"bar", "scatter", "funnel"} <= used  # the reader found them
    assert used <= _bundle_traces(), used - _bundle_traces()


def test_the_bundle_is_the_plotly_js_the_installed_plotly_writes_for():
    header = BUNDLE.read_text("utf-8")[:300]
    found = re.search(r"plotly\.js \(finance - minified\) v(\d+\.\d+\.\d+)", header)
    assert found and found[1] == chart.BUNDLE_VERSION
    assert found[1].split(".")[0] == get_plotlyjs_version().split(".")[0]
    assert (ROOT / "static" / "plotly-finance.LICENSE").read_text().startswith("MIT License")


def test_the_app_serves_its_static_folder():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["enableStaticServing"] is True
    assert BUNDLE.parent == ROOT / "static" and (ROOT / "app.py").exists()  # beside app.py
