"""Build the demo study in stage order: the company's data, detection and the target
list, then the call desk, then the interview findings.

The demo company's data goes into the database's one ledger, so it is built only into a
database whose ledger holds no other company's data (a new one, or one holding only the
demo's): the fictional company must never mix with a real one."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from research.base.store import Store
from research.base.studies import Study, create_study, delete_study, get_study, list_studies
from research.demo.company import demo_as_of, write_files
from research.demo.desk import build_desk
from research.demo.findings import add_demo_findings
from research.ledger.load import clear_demo_data, import_file
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

    With ``replace`` an existing demo study is rebuilt, with the demo company's data;
    otherwise it is kept as it is. Raises ResearchError when the ledger holds data that
    is not the demo's.
    """
    existing = [s for s in list_studies(store, include_archived=True) if s.name == DEMO_STUDY]
    if existing and not replace:
        return existing[0]
    clear_demo_data(store, actor=actor)  # raises if the ledger holds a real company's data
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
        for kind in ("customers", "transactions", "wallet"):
            import_file(store, kind, getattr(files, kind), actor=actor, origin="demo")
    detection.run_detection(store, study, actor=actor)
    sampling.draw_sample(store, study, actor=actor)
    stories = build_desk(store, study, actor=actor)  # calls, bookings, interviews held
    add_demo_findings(store, study, actor=actor, stories=stories)  # and their findings
    return get_study(store, DEMO_STUDY)
