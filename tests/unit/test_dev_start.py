"""``python3 dev.py start --port N`` starts the app on that port (README: Quick start)."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def load_dev():
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_start_passes_the_port_on_to_the_app_command(monkeypatch):
    dev = load_dev()
    ran = []
    monkeypatch.setattr(dev, "setup", lambda: None)
    monkeypatch.setattr(dev, "run", lambda cmd, **kw: ran.append([str(c) for c in cmd]) or 0)
    assert dev.start(["--port", "8502"]) == 0
    assert ran == [[str(dev.BIN / "defectors"), "app", "--port", "8502"]]


def test_the_app_command_starts_streamlit_on_that_port(monkeypatch, tmp_path):
    from research.cli import main

    called = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env=None: called.append(cmd) or 0)
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.duckdb"), "app", "--port", "8502"])
    assert result.exit_code == 0, result.output
    assert "http://localhost:8502" in result.output
    cmd = called[0]
    assert cmd[cmd.index("--server.port") + 1] == "8502"


def test_the_app_listens_on_localhost_unless_told_otherwise(monkeypatch, tmp_path):
    import tomllib

    from research.cli import main

    config = tomllib.loads(
        (Path(__file__).resolve().parents[2] / ".streamlit/config.toml").read_text()
    )
    assert config["server"]["address"] == "localhost"
    called = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, env=None: called.append(cmd) or 0)
    db = str(tmp_path / "x.duckdb")
    assert CliRunner().invoke(main, ["--db", db, "app"]).exit_code == 0
    assert "--server.address" not in called[0]  # the config's localhost
    assert CliRunner().invoke(main, ["--db", db, "app", "--address", "0.0.0.0"]).exit_code == 0
    assert called[1][called[1].index("--server.address") + 1] == "0.0.0.0"
