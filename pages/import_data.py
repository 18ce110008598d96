"""Import: bring customers, transactions and wallet estimates into the company's ledger
from CSV or Excel (no study needed: every study shares the ledger), and past findings
into the current study."""

import pandas as pd
import streamlit as st

from research.base.errors import ImportRejectedError, ResearchError
from research.ledger.checks import unknown_customers
from research.ledger.load import (
    import_history,
    ledger_counts,
    load,
    prepare,
    skipped_identical_lines,
)
from research.ledger.mapping import FIELDS, KINDS, suggest_mapping
from research.ledger.read import RawTable
from research.selection import detection
from screen import findings, ui
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.current_study()

st.title(t("import.title"))
held = ledger_counts(store)
st.caption(
    t(
        "import.intro",
        customers=t.number(held["customers"]),
        transactions=t.number(held["transactions"]),
        wallet=t.number(held["wallet"]),
    )
)
if skipped := skipped_identical_lines(store):
    st.warning(literal(skipped.render(t)))

*tabs, findings_tab = st.tabs(
    [t(f"import.kind.{kind}") for kind in KINDS] + [t("import.kind.findings")]
)
NONE = "—"

for kind, tab in zip(KINDS, tabs, strict=True):
    with tab:
        st.markdown(t(f"import.help.{kind}"))
        raw = ui.uploaded_table(f"import_file_{kind}")
        if raw is None:
            continue
        st.markdown("**" + t("import.preview") + "**")
        st.dataframe(raw.frame.head(10), width="stretch", hide_index=True)

        st.markdown("**" + t("import.mapping").replace("*", "\\*") + "**")
        columns = list(raw.frame.columns)
        suggested = suggest_mapping(kind, columns)
        mapping = {}
        grid = st.columns(3)
        for i, fld in enumerate(FIELDS[kind]):
            default = suggested.get(fld.name)
            options = [NONE, *columns]
            label = t(f"field.{fld.name}") + (" *" if fld.required else "")
            choice = grid[i % 3].selectbox(
                label,
                options,
                index=options.index(default) if default else 0,
                key=f"import_map_{kind}_{fld.name}_{raw.sha256[:8]}",
            )
            if choice != NONE:
                mapping[fld.name] = choice

        try:
            sample = prepare(
                kind,
                RawTable(raw.frame.head(20), raw.file_name, raw.sha256, raw.encoding, raw.is_excel),
                mapping,
            )
            st.markdown("**" + t("import.mapped_preview") + "**")
            preview = sample.frame.head(10).drop(
                columns=["attributes", "period_start", "period_end"], errors="ignore"
            )
            preview.columns = [t(f"field.{c}") for c in preview.columns]
            st.dataframe(
                preview.astype(object).where(preview.notna(), ""), width="stretch", hide_index=True
            )
        except ResearchError as e:
            ui.show_error(e)
            continue

        if st.button(
            t("import.run", rows=t.number(len(raw.frame))), type="primary", key=f"import_run_{kind}"
        ):
            bar = st.progress(0.0, text=t("import.checking"))
            try:
                prepared = prepare(kind, raw, mapping)
                if prepared.problems:
                    raise ImportRejectedError(
                        "import.rejected",
                        prepared.problems,
                        file=raw.file_name,
                        count=len(prepared.problems),
                    )
                notes = unknown_customers(store, kind, prepared.frame["customer_id"])
                result = load(
                    store,
                    prepared,
                    actor=ui.actor(),
                    progress=lambda f, m, bar=bar: bar.progress(
                        f, text=t("import.writing", detail=m.render(t))
                    ),
                )
            except ImportRejectedError as e:
                bar.empty()
                st.error(f"**{literal(e.heading(t))}**\n\n{literal(t(e.key, **e.values))}")
                if e.problems:
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    t("import.col.row"): p.row,
                                    t("import.col.column"): p.column,
                                    t("import.col.value"): p.value,
                                    t("import.col.reason"): p.reason.render(t),
                                }
                                for p in e.problems
                            ]
                        ),
                        width="stretch",
                        hide_index=True,
                    )
                continue
            except ResearchError as e:
                bar.empty()
                ui.show_error(e)
                continue
            if study is not None:
                bar.progress(1.0, text=t("import.detecting"))
                detection.ensure_current(store, study, actor=ui.actor())
            bar.empty()
            st.success(literal(result.summary(t)))
            for warning in (*result.warnings, *notes):
                st.warning(literal(warning.render(t)))

with findings_tab:  # past studies' findings (issue 4): they belong to a study
    if study is None:
        st.info(t("app.no_study"))
    else:
        findings.import_tab(store, study)

st.divider()
st.subheader(t("import.history"))
history = import_history(store, study)
history["kind"] = history["kind"].map(lambda k: t(f"import.kind.{k}"))
history.columns = [t(f"import.history.{c}") for c in history.columns]
st.dataframe(history, width="stretch", hide_index=True)
