"""Import: bring customers, transactions and wallet estimates into the company's ledger
from CSV or Excel (no study needed: every study shares the ledger), and past findings
into the current study."""

import pandas as pd
import streamlit as st

from research.base.errors import MAX_PROBLEMS_SHOWN, ImportRejectedError, ResearchError
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

PREVIEW_ROWS = 10
ROW_COLUMN = t("import.col.row")
FAILING = "background-color: #fdd8d8; color: #8a1212"  # a cell that will fail the import


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text a person reads (dates as dates, blanks empty): a column of
    mixed types goes to the browser as text, never through a failing Arrow conversion."""

    def cell(value) -> str:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat() if value == value.normalize() else str(value)
        return str(value)

    return pd.DataFrame(
        {c: [cell(v) for v in frame[c].tolist()] for c in frame.columns},
        index=frame.index,
    ).astype(str)


def checked_file(kind: str, raw: RawTable, mapping: dict):
    """Every row of the file mapped and checked (``prepare``), once per file and mapping."""
    key = ("import_checked", kind, raw.sha256, tuple(sorted(mapping.items())))
    cache = st.session_state.setdefault("import_checked", {})
    if key not in cache:
        cache.clear()  # one file at a time is enough
        cache[key] = prepare(kind, raw, mapping)
    return cache[key]


def marked_preview(raw: RawTable, problems: list) -> None:
    """The file's first rows and every row that will fail, the failing cells marked, then
    the failing rows' numbers with the reasons: all before the Import button."""
    st.markdown("**" + t("import.preview") + "**")
    bad_cells = {(p.row, p.column) for p in problems}
    bad_rows = sorted({p.row for p in problems})
    rows = list(range(2, min(len(raw.frame), PREVIEW_ROWS) + 2)) + bad_rows[:50]
    rows = sorted(set(rows))
    shown = as_text(raw.frame.iloc[[r - 2 for r in rows]])
    shown.insert(0, ROW_COLUMN, [str(r) for r in rows])

    def mark(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            [
                [FAILING if (int(row), column) in bad_cells else "" for column in frame.columns]
                for row in frame[ROW_COLUMN]
            ],
            index=frame.index,
            columns=frame.columns,
        )

    st.dataframe(shown.style.apply(mark, axis=None), width="stretch", hide_index=True)
    if not problems:
        st.caption(t("import.preview_clean", rows=t.number(len(raw.frame))))
        return
    st.error(
        t(
            "import.preview_problems",
            count=t.number(len(problems)),
            rows=t.number(len(bad_rows)),
            listed=", ".join(str(r) for r in bad_rows[:20]) + (" …" if len(bad_rows) > 20 else ""),
        )
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("import.col.row"): str(p.row),
                    t("import.col.column"): p.column,
                    t("import.col.value"): p.value,
                    t("import.col.reason"): p.reason.render(t),
                }
                for p in problems[: MAX_PROBLEMS_SHOWN * 4]
            ]
        ),
        width="stretch",
        hide_index=True,
    )


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
            checked = checked_file(kind, raw, mapping)
        except ResearchError as e:
            st.markdown("**" + t("import.preview") + "**")
            st.dataframe(as_text(raw.frame.head(10)), width="stretch", hide_index=True)
            ui.show_error(e)
            continue
        marked_preview(raw, checked.problems)
        st.markdown("**" + t("import.mapped_preview") + "**")
        preview = checked.frame.head(10).drop(
            columns=["attributes", "period_start", "period_end"], errors="ignore"
        )
        money = [f.name for f in FIELDS[kind] if f.kind == "money" and f.name in preview]
        preview = as_text(preview)
        for column in money:  # money always shows two decimals
            preview[column] = [f"{float(v):,.2f}" if v else "" for v in preview[column]]
        preview.columns = [t(f"field.{c}") for c in preview.columns]
        st.dataframe(preview, width="stretch", hide_index=True)

        if st.button(
            t("import.run", rows=t.number(len(raw.frame))), type="primary", key=f"import_run_{kind}"
        ):
            bar = st.progress(0.0, text=t("import.checking"))
            try:
                prepared = checked_file(kind, raw, mapping)
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
