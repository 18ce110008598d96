"""Taxonomy: the codebook of failure causes: see it, add, rename, merge and retire codes.

Nothing of a past finding is lost: a merged code's findings count under the survivor
while keeping the code they were given; a retired code stays on old findings and is
only hidden for new ones. Every change raises the codebook's version.
"""

import pandas as pd
import streamlit as st

from research.base import exports
from research.base.errors import ResearchError
from research.findings import interviews, taxonomy
from screen import ui
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.current_study()
state = st.session_state
lang = t.lang

st.title(t("taxonomy.title"))
st.caption(t("taxonomy.intro"))
if msg := state.pop("taxonomy_flash", None):
    st.success(msg)

book = taxonomy.codebook(store)
counts = (
    interviews.cause_counts(store, study, include_drafts=True)
    if study is not None
    else pd.Series(dtype=int)
)
given = (
    interviews.cause_counts(store, study, by="code", include_drafts=True)
    if study is not None
    else pd.Series(dtype=int)
)

STATUS_KEYS = {
    "active": "taxonomy.status.active",
    "retired": "taxonomy.status.retired",
    "merged": "taxonomy.status.merged",
}
show_all = st.toggle(t("taxonomy.show_all"), key="taxonomy_show_all")
st.caption(t("taxonomy.version_line", version=book.version))
for group in book.groups:
    codes = [c for c in book.codes.values() if c.group_key == group.key and (show_all or c.active)]
    st.markdown(f"#### {literal(group.label(lang))}")
    if group.description_en:
        st.caption(literal(group.description_zh if lang == "zh" else group.description_en))
    table = pd.DataFrame(
        [
            {
                "code": c.code,
                "label": c.label(lang),
                "other": c.label_en if lang == "zh" else c.label_zh,
                "controllable": c.controllable,
                "can_be_involuntary": c.can_be_involuntary,
                "status": t(STATUS_KEYS[c.status])
                + (f" → {book.label(c.merged_into, lang)}" if c.merged_into else ""),
                "findings": int(counts.get(c.code, 0)) if c.active else int(given.get(c.code, 0)),
                "description": c.description(lang),
            }
            for c in codes
        ]
    )
    if table.empty:
        st.caption(t("taxonomy.empty_group"))
        continue
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=38 + 35 * len(table),
        column_config={
            "code": t("taxonomy.col.code"),
            "label": t("taxonomy.col.label"),
            "other": t("taxonomy.col.other_label"),
            "description": t("taxonomy.col.description"),
            "controllable": st.column_config.CheckboxColumn(t("taxonomy.col.controllable")),
            "can_be_involuntary": st.column_config.CheckboxColumn(
                t("taxonomy.col.can_be_involuntary")
            ),
            "status": t("taxonomy.col.status"),
            "findings": st.column_config.NumberColumn(
                t("taxonomy.col.findings"), help=t("taxonomy.col.findings_help")
            ),
        },
    )

st.download_button(
    t("taxonomy.download"),
    exports.csv_bytes(taxonomy.export_frame(book)),
    file_name=f"taxonomy-v{book.version}.csv",
    mime="text/csv",
    key="taxonomy_download",
)

st.divider()
active = [c.code for c in book.active_codes()]


def done(message: str) -> None:
    state["taxonomy_flash"] = message
    st.rerun()


add_tab, rename_tab, merge_tab, retire_tab, history_tab = st.tabs(
    [
        t("taxonomy.add"),
        t("taxonomy.rename"),
        t("taxonomy.merge"),
        t("taxonomy.retire"),
        t("taxonomy.history"),
    ]
)

with add_tab, st.form("taxonomy_add_form"):
    c1, c2 = st.columns(2)
    group = c1.selectbox(
        t("taxonomy.col.group"),
        [g.key for g in book.groups],
        format_func=lambda g: book.group(g).label(lang),
        key="taxonomy_add_group",
    )
    code = c2.text_input(
        t("taxonomy.col.code"), key="taxonomy_add_code", help=t("taxonomy.code_help")
    )
    c1, c2 = st.columns(2)
    label_en = c1.text_input(t("taxonomy.label_en"), key="taxonomy_add_en")
    label_zh = c2.text_input(t("taxonomy.label_zh"), key="taxonomy_add_zh")
    description_en = c1.text_area(
        t("taxonomy.description_en"), key="taxonomy_add_desc_en", height=80
    )
    description_zh = c2.text_area(
        t("taxonomy.description_zh"), key="taxonomy_add_desc_zh", height=80
    )
    controllable = c1.checkbox(
        t("taxonomy.col.controllable"), value=True, key="taxonomy_add_controllable"
    )
    involuntary = c2.checkbox(t("taxonomy.col.can_be_involuntary"), key="taxonomy_add_involuntary")
    if st.form_submit_button(t("taxonomy.add_button"), type="primary"):
        try:
            version = taxonomy.add_code(
                store,
                code=code or taxonomy.slug(label_en),
                group=group,
                label_en=label_en,
                label_zh=label_zh,
                description_en=description_en,
                description_zh=description_zh,
                controllable=controllable,
                can_be_involuntary=involuntary,
                actor=ui.actor(),
            )
            for key in (
                "taxonomy_add_code",
                "taxonomy_add_en",
                "taxonomy_add_zh",
                "taxonomy_add_desc_en",
                "taxonomy_add_desc_zh",
            ):
                state.pop(key, None)  # an empty form for the next code
            done(
                t(
                    "taxonomy.added",
                    code=literal(code or taxonomy.slug(label_en)),
                    version=version,
                )
            )
        except ResearchError as e:
            ui.show_error(e)

with rename_tab:
    target = st.selectbox(
        t("taxonomy.pick_code"),
        [c.code for c in book.codes.values()],
        format_func=lambda c: book.full_label(c, lang),
        key="taxonomy_rename_code",
        placeholder=t("common.type_to_search"),
    )
    current = book.code(target)
    with st.form(f"taxonomy_rename_form_{target}"):
        c1, c2 = st.columns(2)
        new_en = c1.text_input(
            t("taxonomy.label_en"), value=current.label_en, key=f"taxonomy_rename_en_{target}"
        )
        new_zh = c2.text_input(
            t("taxonomy.label_zh"), value=current.label_zh, key=f"taxonomy_rename_zh_{target}"
        )
        new_desc_en = c1.text_area(
            t("taxonomy.description_en"),
            value=current.description_en or "",
            key=f"taxonomy_rename_desc_en_{target}",
            height=80,
        )
        new_desc_zh = c2.text_area(
            t("taxonomy.description_zh"),
            value=current.description_zh or "",
            key=f"taxonomy_rename_desc_zh_{target}",
            height=80,
        )
        new_controllable = c1.checkbox(
            t("taxonomy.col.controllable"),
            value=current.controllable,
            key=f"taxonomy_rename_controllable_{target}",
        )
        new_involuntary = c2.checkbox(
            t("taxonomy.col.can_be_involuntary"),
            value=current.can_be_involuntary,
            key=f"taxonomy_rename_involuntary_{target}",
        )
        if st.form_submit_button(t("taxonomy.rename_button"), type="primary"):
            try:
                version = taxonomy.edit_code(
                    store,
                    target,
                    actor=ui.actor(),
                    label_en=new_en,
                    label_zh=new_zh,
                    description_en=new_desc_en,
                    description_zh=new_desc_zh,
                    controllable=new_controllable,
                    can_be_involuntary=new_involuntary,
                )
                done(t("taxonomy.renamed", code=literal(target), version=version))
            except ResearchError as e:
                ui.show_error(e)

with merge_tab, st.form("taxonomy_merge_form"):
    st.caption(t("taxonomy.merge_help"))
    c1, c2 = st.columns(2)
    source = c1.selectbox(
        t("taxonomy.merge_source"),
        active,
        index=None,
        format_func=lambda c: book.full_label(c, lang),
        key="taxonomy_merge_source",
        placeholder=t("common.type_to_search"),
    )
    into = c2.selectbox(
        t("taxonomy.merge_into"),
        active,
        index=None,
        format_func=lambda c: book.full_label(c, lang),
        key="taxonomy_merge_into",
        placeholder=t("common.type_to_search"),
    )
    note = st.text_input(t("taxonomy.note"), key="taxonomy_merge_note")
    if st.form_submit_button(t("taxonomy.merge_button"), type="primary"):
        try:
            if source is None or into is None:
                raise ResearchError("error.pick_code")
            version = taxonomy.merge_codes(store, source, into, actor=ui.actor(), note=note)
            done(
                t(
                    "taxonomy.merged",
                    source=literal(book.label(source, lang)),
                    into=literal(book.label(into, lang)),
                    version=version,
                )
            )
        except ResearchError as e:
            ui.show_error(e)

with retire_tab:
    with st.form("taxonomy_retire_form"):
        st.caption(t("taxonomy.retire_help"))
        code = st.selectbox(
            t("taxonomy.pick_code"),
            active,
            index=None,
            format_func=lambda c: book.full_label(c, lang),
            key="taxonomy_retire_code",
            placeholder=t("common.type_to_search"),
        )
        reason = st.text_input(t("taxonomy.reason"), key="taxonomy_retire_reason")
        if st.form_submit_button(t("taxonomy.retire_button"), type="primary"):
            try:
                if code is None:
                    raise ResearchError("error.pick_code")
                version = taxonomy.retire_code(store, code, actor=ui.actor(), reason=reason)
                done(t("taxonomy.retired", code=literal(book.label(code, lang)), version=version))
            except ResearchError as e:
                ui.show_error(e)
    retired = [c.code for c in book.codes.values() if c.status == "retired"]
    if retired:
        with st.form("taxonomy_restore_form"):
            code = st.selectbox(
                t("taxonomy.restore_pick"),
                retired,
                format_func=lambda c: book.full_label(c, lang),
                key="taxonomy_restore_code",
            )
            if st.form_submit_button(t("taxonomy.restore_button")):
                try:
                    version = taxonomy.restore_code(store, code, actor=ui.actor())
                    done(
                        t(
                            "taxonomy.restored",
                            code=literal(book.label(code, lang)),
                            version=version,
                        )
                    )
                except ResearchError as e:
                    ui.show_error(e)

ACTION_KEYS = {
    "seed": "taxonomy.action.seed",
    "add": "taxonomy.action.add",
    "rename": "taxonomy.action.rename",
    "edit": "taxonomy.action.edit",
    "merge": "taxonomy.action.merge",
    "retire": "taxonomy.action.retire",
    "restore": "taxonomy.action.restore",
}
DETAIL_KEYS = {
    "label_en": "taxonomy.label_en",
    "label_zh": "taxonomy.label_zh",
    "description_en": "taxonomy.description_en",
    "description_zh": "taxonomy.description_zh",
    "controllable": "taxonomy.col.controllable",
    "can_be_involuntary": "taxonomy.col.can_be_involuntary",
    "into": "taxonomy.merge_into",
    "note": "taxonomy.note",
    "reason": "taxonomy.reason",
    "group": "taxonomy.col.group",
    "source": "taxonomy.source",
}


def detail_text(detail: dict | None) -> str:
    """A change record in words: 'English label: old → new; Merged into: …'."""
    parts = []
    for key, value in (detail or {}).items():
        if value in ("", None):
            continue
        if isinstance(value, dict) and "to" in value:
            value = f"{value.get('from')} → {value.get('to')}"
        elif key == "into":
            value = book.label(value, lang)
        elif key == "group" and value in {g.key for g in book.groups}:
            value = book.group(value).label(lang)
        parts.append(f"{t(DETAIL_KEYS[key]) if key in DETAIL_KEYS else key}: {value}")
    return "; ".join(parts)


with history_tab:
    changes = taxonomy.changes(store)
    changes["action"] = changes["action"].map(lambda a: t(ACTION_KEYS.get(a, a)))
    changes["code"] = changes["code"].map(
        lambda c: book.label(c, lang) if isinstance(c, str) else ""
    )
    changes["detail"] = changes["detail"].map(detail_text)
    st.dataframe(
        changes,
        hide_index=True,
        width="stretch",
        column_config={
            "version": t("interview.col.version"),
            "action": t("taxonomy.col.action"),
            "code": t("taxonomy.col.code"),
            "detail": t("taxonomy.col.detail"),
            "changed_by": t("interview.col.by"),
            "changed_at": t("interview.col.at"),
        },
    )
