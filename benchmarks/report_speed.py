"""How fast is a post-mortem report with many findings? A script, not a test.

    .venv/bin/python benchmarks/report_speed.py                  # 10,000 findings
    .venv/bin/python benchmarks/report_speed.py --findings 2000 --runs 3

It makes a synthetic study in a fresh DuckDB file — as many defectors as findings,
each with a final interview record (a primary and sometimes a secondary cause from the
default codebook, a competitor or none, the five satisfaction answers, an interview
date over four quarters) and one verbatim quote — written directly with DuckDB (the
point is the report, not the interview form). Then it times, in this process:

1. the post-mortem to HTML (``research.reports.make.make_report``: the report data
   from the analysis functions, then the templates, plotly.js inlined), ``--runs``
   times;
2. the post-mortem to PDF, the first time (Kaleido starts Chromium, once per process)
   and then ``--runs`` times more (charts drawn by the running browser, WeasyPrint).

Targets (issue 11): HTML under 3 s, PDF under 15 s. Ends with PASS/FAIL per target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from research.base import studies  # noqa: E402
from research.base.store import connect  # noqa: E402
from research.findings import taxonomy  # noqa: E402
from research.findings.interviews import SATISFACTION, SATISFACTION_FIELDS  # noqa: E402
from research.reports.make import make_report  # noqa: E402
from research.selection.detection import SEGMENTS  # noqa: E402

HTML_TARGET = 3.0
PDF_TARGET = 15.0
ACTOR = "benchmark"

INSERT_CUSTOMERS = """
INSERT INTO customers (customer_id, name, created_by, created_at, updated_by,
                       updated_at)
SELECT customer_id, name, ?, ?, ?, ? FROM frame
"""
INSERT_RESULTS = """
INSERT INTO detection_results (study_id, customer_id, status, segment, baseline_spend,
    recent_spend, spend_lost, long_silence, computed_by, computed_at)
SELECT study_id, customer_id, status, segment, baseline, recent, baseline - recent, FALSE, ?, ?
FROM frame
"""
INSERT_FINDINGS = """
INSERT INTO findings (study_id, customer_id, interview_date, interviewer, origin, status,
    defection_type, destination, competitor, primary_code, secondary_codes, controllable,
    voluntary, sat_product, sat_service, sat_delivery, sat_value, sat_communication,
    codebook_version, finalized_by, finalized_at, version, created_by, created_at,
    updated_by, updated_at)
SELECT study_id, customer_id, interview_date, interviewer, 'demo', 'final',
    defection_type, destination, competitor, primary_code, secondary_codes, controllable,
    'voluntary', sat_product, sat_service, sat_delivery, sat_value, sat_communication,
    1, ?, ?, 1, ?, ?, ?, ?
FROM frame
"""
INSERT_QUOTES = """
INSERT INTO finding_quotes (finding_id, position, text, code, version, created_by,
    created_at, updated_by, updated_at)
SELECT f.id, 0, frame.quote, frame.primary_code, 1, ?, ?, ?, ?
FROM frame JOIN findings f ON f.study_id = frame.study_id AND f.customer_id = frame.customer_id
"""


def make_study(path: Path, n: int, seed: int = 7):
    """A study with ``n`` defectors, each with a final interview record and a quote."""
    store = connect(path)
    study = studies.create_study(store, "benchmark", date(2026, 10, 1), actor=ACTOR)
    book = taxonomy.codebook(store)
    codes = [c.code for c in book.active_codes()]
    rng = np.random.default_rng(seed)
    stamp = datetime(2026, 10, 1, 12)
    competitors = [f"Competitor {i:02d}" for i in range(20)] + ["新锐仪器", "华测科技"]
    primary = rng.choice(codes, n)
    frame = pd.DataFrame(
        {
            "study_id": study.id,
            "customer_id": [f"B{i:06d}" for i in range(n)],
            "name": [f"客户 {i} Ltd" for i in range(n)],
            "status": rng.choice(["full", "partial"], n),
            "segment": rng.choice(SEGMENTS, n),
            "baseline": rng.integers(1_000, 500_000, n).astype(float),
            "interview_date": [
                date(2025, 10, 1) + timedelta(days=int(d)) for d in rng.integers(0, 365, n)
            ],
            "interviewer": rng.choice(["张伟", "Grace Lin", "王磊", "李娜"], n),
            "defection_type": rng.choice(["full", "partial"], n),
            "primary_code": primary,
            "secondary_codes": [
                json.dumps([str(rng.choice(codes))]) if rng.random() < 0.4 else "[]"
                for _ in range(n)
            ],
            "controllable": [book.codes[c].controllable for c in primary],
        }
    )
    frame["recent"] = frame["baseline"] * rng.uniform(0, 0.5, n)
    has_competitor = rng.random(n) < 0.6
    frame["competitor"] = np.where(has_competitor, rng.choice(competitors, n), None)
    frame["destination"] = np.where(has_competitor, "competitor", "stopped")
    for field in SATISFACTION_FIELDS:
        frame[field] = rng.choice(SATISFACTION, n)
    frame["quote"] = [
        f"第{i}位客户：交货总是晚两周，打电话也没人回。We waited {i % 9 + 2} weeks."
        for i in range(n)
    ]

    def write(cur) -> None:
        cur.register("frame", frame)
        cur.execute(INSERT_CUSTOMERS, [ACTOR, stamp, ACTOR, stamp])
        cur.execute(INSERT_RESULTS, [ACTOR, stamp])
        cur.execute(INSERT_FINDINGS, [ACTOR, stamp, ACTOR, stamp, ACTOR, stamp])
        cur.execute(INSERT_QUOTES, [ACTOR, stamp, ACTOR, stamp])
        cur.unregister("frame")

    store.write(write)
    return store, studies.get_study(store, "benchmark")


def timed(fn) -> tuple[float, bytes]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lang", default="zh", choices=["en", "zh"])
    args = parser.parse_args()

    # other processes on a shared 2-core machine slow every figure: say how busy it was
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        store, study = make_study(Path(tmp) / "bench.duckdb", args.findings)
        print(f"{args.findings:,} findings written in {time.perf_counter() - started:.1f} s")

        def report(fmt: str):
            return lambda: make_report(
                store, "postmortem", fmt, lang=args.lang, reader=ACTOR, study=study
            )

        report("html")()  # load the analysis and template modules once, untimed
        html = [timed(report("html")) for _ in range(args.runs)]
        first_pdf = timed(report("pdf"))
        pdf = [timed(report("pdf")) for _ in range(args.runs)]
        (Path(tmp) / "bench.pdf").write_bytes(pdf[-1][1])
        from pypdf import PdfReader

        pages = len(PdfReader(Path(tmp) / "bench.pdf").pages)
        store.close()

    print(f"load average after: {os.getloadavg()[0]:.1f}")
    html_s = statistics.median(t for t, _ in html)
    pdf_s = statistics.median(t for t, _ in pdf)
    print(
        f"HTML: median {html_s:.2f} s of {args.runs} ({min(t for t, _ in html):.2f}–"
        f"{max(t for t, _ in html):.2f}), {len(html[0][1]) / 1e6:.1f} MB"
    )
    print(f"PDF, first in the process (starts Chromium): {first_pdf[0]:.2f} s")
    print(
        f"PDF: median {pdf_s:.2f} s of {args.runs} ({min(t for t, _ in pdf):.2f}–"
        f"{max(t for t, _ in pdf):.2f}), {len(pdf[0][1]) / 1e6:.1f} MB, {pages} pages"
    )
    ok_html = html_s < HTML_TARGET
    ok_pdf = max(first_pdf[0], pdf_s) < PDF_TARGET
    print(f"{'PASS' if ok_html else 'FAIL'} HTML < {HTML_TARGET:g} s")
    print(f"{'PASS' if ok_pdf else 'FAIL'} PDF < {PDF_TARGET:g} s (first and median)")
    return 0 if ok_html and ok_pdf else 1


if __name__ == "__main__":
    sys.exit(main())
