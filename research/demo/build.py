"""Build the demo study in stage order: the company's data, detection and the target
list, then the call desk, then the interview findings."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from research.base.store import Store
from research.base.studies import Study, create_study, delete_study, get_study, list_studies
from research.demo.company import demo_as_of, write_files
from research.demo.desk import build_desk
from research.demo.findings import add_demo_findings
from research.ledger.load import import_file
from research.selection import detection, sampling

DEMO_STUDY = "demo"
DEMO_SAMPLE_SIZE = 80


def build_demo(
    store: Store,
    *,
    actor: str,
    as_of: date | None = None,
    n_customers: int = 2400,
    replace: bool = False,
) -> Study:
    """Create the study ``demo`` with the demo company's data, detection and targets.

    With ``replace`` an existing demo study is rebuilt; otherwise it is kept as it is.
    """
    existing = [s for s in list_studies(store, include_archived=True) if s.name == DEMO_STUDY]
    if existing and not replace:
        return existing[0]
    if existing:
        delete_study(store, existing[0], actor=actor)
    as_of = as_of or demo_as_of()
    study = create_study(
        store,
        DEMO_STUDY,
        as_of,
        actor=actor,
        status="screening",
        target_sample_size=DEMO_SAMPLE_SIZE,  # some 37 interviews planned (the quotas)
        description="Fictional sample company (Huayi Lab Instruments, 华仪实验仪器): "
        "demo data for trying the product.",
    )
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), as_of, n_customers)
        import_file(store, study, "customers", files.customers, actor=actor)
        import_file(store, study, "transactions", files.transactions, actor=actor)
        import_file(store, study, "wallet", files.wallet, actor=actor)
    detection.run_detection(store, study, actor=actor)
    sampling.draw_sample(store, study, actor=actor)
    stories = build_desk(store, study, actor=actor)  # calls, bookings, interviews held
    add_demo_findings(store, study, actor=actor, stories=stories)  # and their findings
    return get_study(store, DEMO_STUDY)
