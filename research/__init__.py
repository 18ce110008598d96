"""Defector research: the product without a screen.

Storage, import, detection, sampling, analysis, charts, reports and the CLI live
here. Nothing in this package imports streamlit, so the CLI, batch jobs and report
rendering work without a browser (tests/unit/test_import_hygiene.py checks it).
"""

__version__ = "0.1.0"
