"""Screen pieces for findings that more than one page shows: code pickers, the
second-coder agreement panel of the Study page, and the Findings tab of the Import page.

Screen code; the logic lives in research/findings/.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from research.base.errors import ImportRejectedError, ResearchError
from research.base.studies import Study
from research.findings import agreement, interviews, past_studies, taxonomy
from screen import ui
from screen.plain import literal


def code_options(book: taxonomy.Codebook, *keep: str | None) -> list[str]:
    """Active codes for a picker, plus any retired or merged code a record already has."""
    options = [c.code for c in book.active_codes()]
    for code in keep:
        if code and code not in options:
            options.append(code)
    return options


# ---------------------------------------------------------------- the Study page


def agreement_section(store, study: Study) -> None:
    """Second coder: ask for a share, agreement on the primary cause, disagreements."""
    t = ui.translator()
    book = taxonomy.codebook(store)
    st.subheader(t("agreement.title"))
    st.caption(t("agreement.intro"))
    result = agreement.agreement(store, study)

    # no buttons here: the page's own forms come first, and a choice saves at once
    def share_changed() -> None:
        share = st.session_state["study_coding_share"]
        if share is None:
            return
        try:
            picked = agreement.set_plan(store, study, share, actor=ui.actor())
            st.session_state["study_flash"] = t("agreement.picked", count=picked)
        except ResearchError as e:
            st.session_state["study_coding_error"] = e

    c1, c2 = st.columns([1, 2])
    c1.number_input(
        t("agreement.share"),
        min_value=0.05,
        max_value=1.0,
        step=0.05,
        value=result.share,
        format="%.2f",
        key="study_coding_share",
        placeholder=t("agreement.share_placeholder"),
        on_change=share_changed,
    )
    c2.caption(t("agreement.share_help"))
    if error := st.session_state.pop("study_coding_error", None):
        ui.show_error(error)
    if not result.coded:
        st.info(t("agreement.none_yet", assigned=result.assigned, count=result.assigned))
        return
    k = result.kappa
    cols = st.columns(3)
    cols[0].metric(
        t("agreement.pairs"),
        t.number(result.coded),
        help=t("agreement.pairs_help", assigned=result.assigned),
    )
    cols[1].metric(
        t("agreement.percent"),
        t.percent(result.percent),
        help=t(
            "agreement.ci", low=t.percent(result.percent_low), high=t.percent(result.percent_high)
        ),
    )
    cols[2].metric(
        t("agreement.kappa"),
        agreement.kappa_text(t, k.kappa),
        help=t("agreement.kappa_help"),
    )
    st.caption("  \n".join(literal(line) for line in result.summary_lines(t)))
    if not result.disagreements:
        st.success(t("agreement.no_disagreements"))
        return
    st.markdown("**" + t("agreement.disagreements", count=len(result.disagreements)) + "**")
    table = pd.DataFrame(
        [
            {
                "finding": d.finding_id,
                "customer": d.customer_id,
                "first": book.label(d.first_code, t.lang),
                "first_by": d.first_coder,
                "second": book.label(d.second_code, t.lang),
                "second_by": d.second_coder,
                "settled": book.label(d.settled_code, t.lang) if d.settled_code else "",
            }
            for d in result.disagreements
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "finding": t("agreement.col.finding"),
            "customer": t("field.customer_id"),
            "first": t("agreement.col.first"),
            "first_by": t("agreement.col.first_by"),
            "second": t("agreement.col.second"),
            "second_by": t("agreement.col.second_by"),
            "settled": t("agreement.col.settled"),
        },
    )
    open_ones = [d for d in result.disagreements if not d.settled_code]
    if not open_ones:
        return
    st.markdown("**" + t("agreement.settle_title") + "**")
    st.caption(t("agreement.settle_help"))
    by_id = {d.finding_id: d for d in open_ones}
    c1, c2 = st.columns(2)
    picked = c1.selectbox(
        t("agreement.col.finding"),
        list(by_id),
        key="study_settle_finding",
        format_func=lambda i: (
            f"#{i} {by_id[i].customer_id}: "
            f"{book.label(by_id[i].first_code, t.lang)} / "
            f"{book.label(by_id[i].second_code, t.lang)}"
        ),
    )

    def settle() -> None:
        code = st.session_state.get("study_settle_code")
        if code is None:
            return
        try:
            agreement.settle(store, picked, code, actor=ui.actor())
            st.session_state["study_flash"] = t("agreement.settled", id=picked)
        except ResearchError as e:
            st.session_state["study_coding_error"] = e
        st.session_state["study_settle_code"] = None

    c2.selectbox(
        t("agreement.settle_code"),
        code_options(book),
        index=None,
        format_func=lambda c: book.full_label(c, t.lang),
        placeholder=t("common.type_to_search"),
        key="study_settle_code",
        on_change=settle,
    )


# ---------------------------------------------------------------- the Import page

NEW_IN = "new:"


def import_tab(store, study: Study) -> None:
    """Past findings from a spreadsheet: columns, cause labels to codes, then load."""
    t = ui.translator()
    st.markdown(t("findings_import.help"))
    raw = ui.uploaded_table("import_file_findings")
    if raw is None:
        return
    st.dataframe(raw.frame.head(5), width="stretch", hide_index=True)

    st.markdown("**" + t("import.mapping").replace("*", "\\*") + "**")
    columns = list(raw.frame.columns)
    suggested = past_studies.suggest_mapping(columns)
    mapping = {}
    grid = st.columns(4)
    none = "—"
    for i, fld in enumerate(past_studies.FIELDS):
        default = suggested.get(fld.name)
        options = [none, *columns]
        label = findings_import_field_label(t, fld.name) + (" *" if fld.required else "")
        picked = grid[i % 4].selectbox(
            label,
            options,
            index=options.index(default) if default else 0,
            key=f"import_findings_map_{fld.name}_{raw.sha256[:8]}",
        )
        if picked != none:
            mapping[fld.name] = picked

    book = taxonomy.codebook(store)
    label_map: dict[str, str] = {}
    new_codes: list[past_studies.NewCode] = []
    try:
        first = past_studies.prepare(store, raw, mapping)
    except ResearchError as e:
        ui.show_error(e)
        return
    if first.unknown:
        st.markdown("**" + t("findings_import.map_title", count=len(first.unknown)) + "**")
        st.caption(t("findings_import.map_help"))
        targets = [*code_options(book), *(NEW_IN + g.key for g in book.groups)]

        def fmt(value: str) -> str:
            if value.startswith(NEW_IN):
                return t(
                    "findings_import.new_code_in",
                    group=book.group(value[len(NEW_IN) :]).label(t.lang),
                )
            return book.full_label(value, t.lang)

        grid = st.columns(2)
        for i, unknown in enumerate(first.unknown):
            picked = grid[i % 2].selectbox(
                t("findings_import.label_line", label=literal(unknown.label), count=unknown.count),
                targets,
                index=None,
                format_func=fmt,
                placeholder=t("common.type_to_search"),
                key=f"import_findings_label_{raw.sha256[:8]}_{i}",
            )
            if picked is None:
                continue
            if picked.startswith(NEW_IN):
                code = taxonomy.slug(unknown.label)
                while code in book.codes:
                    code += "_x"
                new_codes.append(past_studies.NewCode(unknown.label, code, picked[len(NEW_IN) :]))
            else:
                label_map[unknown.label] = picked
    try:
        prepared = past_studies.prepare(
            store, raw, mapping, label_map=label_map, new_codes=new_codes
        )
    except ResearchError as e:
        ui.show_error(e)
        return
    if prepared.unknown:
        st.warning(t("findings_import.still_unmapped", count=len(prepared.unknown)))
    preview = prepared.frame.head(8)[
        ["customer_id", "interview_date", "source_category", "primary_cause", "primary_code"]
    ].copy()
    preview["primary_code"] = preview["primary_code"].map(
        lambda c: (
            book.label(c, t.lang)
            if isinstance(c, str)
            else next((n.label for n in new_codes if n.code == c), "")
        )
    )
    preview = preview.astype(object).where(preview.notna(), "")
    st.dataframe(
        preview,
        hide_index=True,
        width="stretch",
        column_config={
            "customer_id": t("field.customer_id"),
            "interview_date": findings_import_field_label(t, "interview_date"),
            "source_category": findings_import_field_label(t, "source_category"),
            "primary_cause": findings_import_field_label(t, "primary_cause"),
            "primary_code": t("findings_import.col.code"),
        },
    )
    if st.button(
        t("findings_import.run", rows=t.number(len(prepared.frame))),
        type="primary",
        key="import_run_findings",
        disabled=bool(prepared.unknown),
    ):
        try:
            result = past_studies.load(store, study, prepared, actor=ui.actor())
        except ImportRejectedError as e:
            st.error(f"**{literal(e.heading(t))}**\n\n" + literal(e.render(t)))
            return
        except ResearchError as e:
            ui.show_error(e)
            return
        st.success(literal(result.summary(t)))
        for warning in result.warnings:
            st.warning(literal(warning.render(t)))
        counts = past_studies.counts_by_source(store, study)
        book = taxonomy.codebook(store)  # with the codes this import added
        for column in ("primary_code", "cause"):
            counts[column] = counts[column].map(
                lambda c: book.label(c, t.lang) if isinstance(c, str) else ""
            )
        st.dataframe(
            counts,
            hide_index=True,
            width="stretch",
            column_config={
                "source_category": findings_import_field_label(t, "source_category"),
                "source_reason": findings_import_field_label(t, "primary_cause"),
                "primary_code": t("findings_import.col.code"),
                "cause": t("findings_import.col.cause"),
                "findings": t("findings_import.col.count"),
            },
        )


IMPORT_FIELD_KEYS = {
    "customer_id": "field.customer_id",
    "interview_date": "finding.field.interview_date",
    "primary_cause": "findings_import.field.primary_cause",
    "secondary_causes": "findings_import.field.secondary_causes",
    "source_category": "findings_import.field.source_category",
    "verbatim": "findings_import.field.verbatim",
}


def findings_import_field_label(t, name: str) -> str:
    key = IMPORT_FIELD_KEYS.get(name) or interviews.FIELD_KEYS.get(name)
    return t(key) if key else name
