"""Browser sessions of the app for AppTests: each starts signed in as a demo account."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SIGNED_IN_AS = "admin"  # the demo's admin account: every page, every button
SIGNED_IN_NAME = "Demo admin"  # what its changes are recorded as


def signed_in(login: str = SIGNED_IN_AS, *, app_file: str = APP) -> AppTest:
    """A browser session of the app in which ``login`` (a demo account) has signed in.
    Signing in through the form is tested in tests/pages/test_sign_in.py; here the
    session starts signed in, as it is after that form."""
    at = AppTest.from_file(app_file, default_timeout=60)
    at.session_state["app_login"] = login
    return at


def charts(at: AppTest) -> list[dict]:
    """The figures of the charts the run drew (screen/chart.py), in page order, as Plotly's
    JSON: each with ``data`` and ``layout``, and its element key as ``key``."""
    found = []
    for element in at.get("bidi_component"):
        if element.proto.component_name != "defectors_chart":
            continue
        figure = json.loads(json.loads(element.proto.json)["figure"])
        figure["key"] = element.proto.id.rsplit("-", 1)[-1]
        found.append(figure)
    return found


def chart_preloads(at: AppTest) -> list[str]:
    """Where the run's hidden chart-bundle loaders (screen/chart.py's ``preload``) load
    the bundle from, in page order."""
    return [
        json.loads(element.proto.json)["src"]
        for element in at.get("bidi_component")
        if element.proto.component_name == "defectors_chart_preload"
    ]
