"""``defectors app``: start the Streamlit app on this database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from research.base.errors import ResearchError
from research.base.store import DB_ENV_VAR
from research.cli.common import Context, handle_errors


@click.command()
@click.option("--port", default=8501, show_default=True)
@click.option(
    "--address",
    default=None,
    help="Interface to listen on (default: localhost only; 0.0.0.0 for every interface, "
    "behind a reverse proxy with TLS).",
)
@click.option(
    "--headless/--browser", default=True, show_default=True, help="Do not open a browser window."
)
@click.pass_obj
@handle_errors
def app(obj: Context, port, address, headless) -> None:
    """Start the app (builds the demo study on first start)."""
    app_file = Path(__file__).resolve().parents[2] / "app.py"
    if not app_file.exists():
        raise ResearchError("error.no_app_file")
    env = dict(os.environ)
    if obj.db:
        env[DB_ENV_VAR] = obj.db
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_file),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
    ]
    if address:
        cmd += ["--server.address", address]
    host = "localhost" if address in (None, "0.0.0.0", "::") else address
    click.echo(obj.t("cli.app_url", url=f"http://{host}:{port}"))
    raise SystemExit(subprocess.call(cmd, env=env))
