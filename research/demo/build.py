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
from research.demo.accounts import add_demo_accounts
from research.demo.company import demo_as_of, write_files
from research.demo.desk import build_desk
from research.demo.findings import add_demo_findings
from research.demo.history import build_history
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
    every = list_studies(store, include_archived=True)
    existing = [s for s in every if s.name == DEMO_STUDY]
    if existing and not replace:
        return existing[0]
    clear_demo_data(store, actor=actor)  # raises if the ledger holds a real company's data
    for old in every:  # the demo study and its earlier quarterly studies
        if old.name == DEMO_STUDY or old.name.startswith(f"{DEMO_STUDY} 20"):
            delete_study(store, old, actor=actor)
    as_of = as_of or demo_as_of()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(Path(tmp), as_of, n_customers)
        for kind in ("customers", "transactions", "wallet"):
            import_file(store, kind, getattr(files, kind), actor=actor, origin="demo")
    # the company's history first, so that the demo study is the newest (the current one)
    build_history(store, as_of, actor=actor)
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
    detection.run_detection(store, study, actor=actor)
    sampling.draw_sample(store, study, actor=actor)
    stories = build_desk(store, study, actor=actor)  # calls, bookings, interviews held
    add_demo_findings(store, study, actor=actor, stories=stories)  # and their findings
    add_demo_accounts(store)  # its people can sign in, one per role
    return get_study(store, DEMO_STUDY)
