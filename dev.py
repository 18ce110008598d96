#!/usr/bin/env python3
"""Set everything up, then start the app or run every check.

    python3 dev.py start [--port 8502]   # venv + install, then the app on the demo study
    python3 dev.py test                  # venv + install, then every check and every test
    python3 dev.py test --fast           # the same without the browser tests (inner loop)

Only Python 3.11 and pip are needed. The virtual environment lives in .venv and is
re-installed when pyproject.toml changes. `test` runs, in order: ruff (lint and
format), the import contracts (lint-imports, see pyproject.toml) and pytest; other
arguments after `test` go to pytest. CI runs everything.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".setup-stamp"


def run(cmd: list[str], **kwargs) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kwargs)


def setup() -> None:
    if not PY.exists():
        if run([sys.executable, "-m", "venv", VENV]) != 0:
            # some distributions ship Python without ensurepip; virtualenv needs only pip
            if (
                run([sys.executable, "-m", "pip", "install", "--user", "virtualenv"]) != 0
                or run([sys.executable, "-m", "virtualenv", VENV]) != 0
            ):
                sys.exit("Could not create a virtual environment in .venv")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    steps = [
        [PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [PY, "-m", "pip", "install", "--quiet", "-e", ".[test]"],
    ]
    for step in steps:
        if run(step) != 0:
            sys.exit("Installing the project failed (see above).")
    STAMP.write_text(wanted)


def start(args: list[str]) -> int:
    setup()
    return run([BIN / "defectors", "app", *args])


def test(args: list[str]) -> int:
    setup()
    if "--fast" in args:
        args = [a for a in args if a != "--fast"] + ["-m", "not browser"]
    checks = [
        [PY, "-m", "ruff", "check", "."],
        [PY, "-m", "ruff", "format", "--check", "."],
        [BIN / "lint-imports"],
    ]
    for check in checks:
        if run(check) != 0:
            return 1
    return run([PY, "-m", "pytest", *args])


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test"}:
        print(__doc__)
        sys.exit(2)
    command, args = sys.argv[1], sys.argv[2:]
    sys.exit(start(args) if command == "start" else test(args))


if __name__ == "__main__":
    main()
