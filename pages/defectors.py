"""Defectors: who left, how valuable they were, and whom to interview.

A company can have a million customers: the results are filtered, counted, sorted and
paged in DuckDB (research/selection/browse.py), and the page shows one page of rows,
the exact counts and the target list, never every result at once."""

import pandas as pd
import streamlit as st

from research.base import exports
from research.base.errors import InvalidSettingError, ResearchError
from research.desk import calls, scheduling
from research.reports import charts
from research.selection import browse, detection, sampling
from research.selection.filters import NO_SEGMENT, ResultFilter
from research.selection.results_file import TOTAL
from screen import ui
from screen.chart import chart
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.require_study()
if cleared := st.session_state.pop("targets_clear", None):  # a form that worked starts empty
    for field in ("customer", "reason", "find"):
        st.session_state.pop(f"targets_{cleared}_{field}", None)

st.title(t("defectors.title"))
with st.spinner(t("defectors.detecting")):
    detection.ensure_current(store, study, actor=ui.actor())
p = detection.periods(study.as_of, study.window_months)
st.caption(
    t(
        "defectors.periods",
        baseline_start=t.date(p.baseline_start),
        recent_start=t.date(p.recent_start),
        as_of=t.date(p.as_of),
        drop=t.percent(study.drop_threshold),
    )
)

st.caption(t("study.scope_line", scope=study.scope.describe(t)))
info = detection.run_info(store, study)
for level, note in info.notes() if info else []:
    (st.warning if level == "warning" else st.caption)(note.render(t))

if info is None or not info.customers:
    st.info(t("study.no_data"))
    st.stop()

# ---- filters: the results stay in DuckDB (research/selection/browse.py); what reaches
# the screen is one page of rows and the counts


def coded_filter(column, name: str, label: str, options: list, format_func, default=()) -> list:
    """A multiselect whose chips are in the reader's language. The browser keeps a
    multiselect's choice as its labels, so one widget per language
    (``defectors_<name>_<lang>``); the choice itself, as codes, lives in
    ``defectors_<name>`` and carries over when the language changes."""
    state = st.session_state
    widget = f"defectors_{name}_{t.lang}"
    state.setdefault(f"defectors_{name}", list(default))
    ui.seed_widgets(
        f"defectors_{name}_lang",
        t.lang,
        {widget: [v for v in state[f"defectors_{name}"] if v in options]},
    )
    chosen = column.multiselect(
        label, options, key=widget, format_func=format_func, placeholder=t("common.all")
    )
    state[f"defectors_{name}"] = [v for v in chosen if v in options]
    return state[f"defectors_{name}"]


SORT_LABELS = {
    "spend_lost": "field.spend_lost",
    "baseline_spend": "field.baseline_spend",
    "recent_spend": "field.recent_spend",
    "days_silent": "field.days_silent",
    "last_purchase": "field.last_purchase",
    "customer_id": "field.customer_id",
    "name": "field.name",
}
ORDER_LABELS = {"desc": "defectors.order_desc", "asc": "defectors.order_asc"}
PAGE_ROWS = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def money(label: str):
    """A money column: the reader's separators, always two decimals (the step sets them),
    wide enough for millions (the grid sizes a column by its first rows, and cut a hand-
    added 1,132,563.61 to ",132,563.61")."""
    return st.column_config.NumberColumn(label, format="localized", step=0.01, width="medium")


def turn(step: int) -> None:
    """The page control's buttons: the next or the previous page of the table."""
    st.session_state["defectors_page"] = st.session_state.get("defectors_page", 0) + step


@st.fragment  # a filter, a sort or a page reruns this part only, not the target list
def results_view() -> None:
    """Filters, the exact counts, one page of the table, the downloads, the chart."""
    c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
    statuses = coded_filter(
        c1,
        "status",
        t("field.status"),
        list(detection.STATUSES),
        t.status,
        default=detection.DEFECTOR_STATUSES,
    )
    segments = coded_filter(
        c2,
        "segment",
        t("field.segment"),
        [*detection.SEGMENTS, NO_SEGMENT],
        lambda s: t.segment(None if s == NO_SEGMENT else s),
    )
    chosen_owners = c3.multiselect(
        t("field.owner"),
        browse.owners(store, study),
        key="defectors_owner",
        placeholder=t("common.all"),
    )
    search = c4.text_input(t("defectors.search"), key="defectors_search")
    silent_only = st.checkbox(
        t("defectors.long_silence_only", k=f"{study.gap_multiple:g}"), key="defectors_silent"
    )
    chosen = ResultFilter(
        tuple(statuses), tuple(segments), tuple(chosen_owners), search, silent_only
    )
    shown = browse.summary(store, study, chosen)

    m = st.columns(4)
    m[0].metric(t("defectors.shown"), t.number(shown.customers))
    m[1].metric(t("metric.full"), t.number(shown.of_status("full")))
    m[2].metric(t("metric.partial"), t.number(shown.of_status("partial")))
    m[3].metric(
        t("metric.spend_lost"), t.money_short(shown.spend_lost), help=t.money(shown.spend_lost)
    )

    # ---- the table: one page of the customers the filters show, in the order asked for
    s1, s2, _, s3, s4, s5 = st.columns([2, 2, 1, 1, 2, 1], vertical_alignment="bottom")
    sort = s1.selectbox(
        t("defectors.sort_by"),
        browse.SORTS,
        format_func=lambda c: t(SORT_LABELS[c]),
        key="defectors_sort",
    )
    descending = (
        s2.segmented_control(
            t("defectors.order"),
            ["desc", "asc"],
            format_func=lambda o: t(ORDER_LABELS[o]),
            default="desc",
            key="defectors_order",
        )
        != "asc"
    )
    state = st.session_state
    view = (chosen, sort, descending)
    if state.get("defectors_view") != view:  # another filter or order starts at its first page
        state["defectors_view"] = view
        state["defectors_page"] = 0
    pages = max(1, -(-shown.customers // PAGE_ROWS))
    number = min(max(int(state.get("defectors_page", 0)), 0), pages - 1)
    state["defectors_page"] = number
    rows = browse.page(
        store,
        study,
        chosen,
        sort=sort,
        descending=descending,
        offset=number * PAGE_ROWS,
        limit=PAGE_ROWS,
    ).rows

    s3.button(
        t("defectors.previous_page"),
        key="defectors_previous",
        on_click=turn,
        args=(-1,),
        disabled=number == 0,
        width="stretch",
    )
    s4.caption(
        t(
            "defectors.rows_of",
            first=t.number(number * PAGE_ROWS + 1 if shown.customers else 0),
            last=t.number(number * PAGE_ROWS + len(rows)),
            total=t.number(shown.customers),
            page=t.number(number + 1),
            pages=t.number(pages),
        )
    )
    s5.button(
        t("defectors.next_page"),
        key="defectors_next",
        on_click=turn,
        args=(1,),
        disabled=number >= pages - 1,
        width="stretch",
    )

    table = rows.assign(
        name=rows["name"].fillna(""),
        owner=rows["owner"].fillna(""),
        region=rows["region"].fillna(""),
        industry=rows["industry"].fillna(""),
        status=rows["status"].map(t.status),
        segment=rows["segment"].map(t.segment),
        baseline_spend=rows["baseline_spend"].astype(float),
        recent_spend=rows["recent_spend"].astype(float),
        spend_lost=rows["spend_lost"].astype(float),
        baseline_share=rows["baseline_share"].map(lambda v: t.percent(v) if v == v else ""),
        recent_share=rows["recent_share"].map(lambda v: t.percent(v) if v == v else ""),
    )[
        [
            "customer_id",
            "name",
            "status",
            "segment",
            "baseline_spend",
            "recent_spend",
            "baseline_share",
            "recent_share",
            "spend_lost",
            "first_purchase",
            "last_purchase",
            "days_silent",
            "long_silence",
            "owner",
            "region",
            "industry",
        ]
    ]

    st.dataframe(
        table,
        width="stretch",
        hide_index=True,
        height=min(420, 38 + 35 * max(len(table), 1)),
        column_config={
            "customer_id": t("field.customer_id"),
            "name": t("field.name"),
            "status": t("field.status"),
            "segment": t("field.segment"),
            "baseline_spend": money(t("field.baseline_spend")),
            "recent_spend": money(t("field.recent_spend")),
            "baseline_share": t("field.baseline_share"),
            "recent_share": t("field.recent_share"),
            "spend_lost": money(t("field.spend_lost")),
            "first_purchase": st.column_config.DateColumn(t("field.first_purchase")),
            "last_purchase": st.column_config.DateColumn(t("field.last_purchase")),
            "days_silent": t("field.days_silent"),
            "long_silence": t("field.long_silence"),
            "owner": t("field.owner"),
            "region": t("field.region"),
            "industry": t("field.industry"),
        },
    )
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(  # every row the filters show, made when the button is pressed
        t("defectors.download"),
        lambda view=view: browse.csv_file(store, study, view[0], sort=view[1], descending=view[2]),
        file_name=f"{study.name}-defectors.csv",
        mime="text/csv",
        key="defectors_download",
    )
    c2.download_button(
        t("defectors.download_xlsx"),
        lambda view=view: browse.xlsx_file(store, study, view[0], sort=view[1], descending=view[2]),
        file_name=f"{study.name}-defectors.xlsx",
        mime=XLSX,
        key="defectors_download_xlsx",
    )

    # ---- counts and chart: of the customers the filters show, as the table above
    st.subheader(t("defectors.counts_title"))
    if not shown.customers:
        st.info(t("defectors.none_shown"))
    else:
        st.caption(
            t(
                "defectors.counts_filtered",
                shown=t.number(shown.customers),
                of=t.number(info.customers),
            )
        )
        columns, counted = shown.table()
        st.dataframe(
            pd.DataFrame(
                [values for _, values in counted],
                index=[t("common.total") if s == TOTAL else t.status(s) for s, _ in counted],
                columns=[
                    t("common.total") if s == TOTAL else t.segment(None if s == NO_SEGMENT else s)
                    for s in columns
                ],
            ),
            width="stretch",
        )
        by_segment = pd.DataFrame(
            shown.defectors_spend_by_segment(), columns=["segment", "status", "sum", "count"]
        )
        chart(charts.spend_lost_by_segment(by_segment, t), t, key="defectors_spend_chart")


results_view()

# ---- target list
st.divider()
st.subheader(t("targets.title"))
st.caption(
    t(
        "targets.intro",
        size=study.target_sample_size,
        seed=study.sample_seed,
        best=t.percent(study.weight_best_core),
        other=t.percent(study.weight_other_core),
        general=t.percent(study.weight_general),
        expendable=t.percent(study.weight_expendable),
    )
)
if st.button(t("targets.draw"), key="targets_draw"):
    try:
        drawn = sampling.draw_sample(store, study, actor=ui.actor())
        st.session_state["targets_draw_flash"] = "  \n".join(drawn.summary(t))
        st.session_state["targets_kept"] = drawn.kept
        st.rerun()
    except ResearchError as e:
        ui.show_error(e)
if msg := st.session_state.pop("targets_draw_flash", None):  # beside the button
    st.success(msg)
if kept := st.session_state.pop("targets_kept", None):  # what the last draw kept, and why
    with st.expander(t("targets.kept_title", count=len(kept))):
        st.dataframe(
            [
                {
                    t("field.customer_id"): k.customer_id,
                    t("field.name"): k.name or "",
                    t("targets.kept_why"): k.why(t),
                }
                for k in kept
            ],
            hide_index=True,
            width="stretch",
        )

targets = sampling.target_list(store, study, include_removed=True)
on_list = targets[targets["included"]]


def call_and_booking_states(customer_ids) -> tuple[list[str], list[str]]:
    """Each target's call state (never tried / tried n times, last outcome) and booking
    state (booked for …, held), in the reader's language."""
    desk_state = calls.call_state(store, study).set_index("customer_id")
    upcoming: dict[str, scheduling.Interview] = {}
    for booked in scheduling.list_interviews(store, study, statuses=("booked",)):
        upcoming.setdefault(booked.customer_id, booked)  # the earliest booking
    called, booking = [], []
    for cid in customer_ids:
        row = desk_state.loc[cid] if cid in desk_state.index else None
        if row is None or not row["attempts"]:
            called.append(t("targets.never_tried"))
        else:
            outcome = row["last_outcome"]
            label = t(calls.OUTCOME_LABELS[outcome]) if outcome in calls.OUTCOME_LABELS else ""
            called.append(t("targets.tried_times", count=int(row["attempts"]), outcome=label))
        if row is not None and row["interviewed"]:
            booking.append(t("targets.held"))
        elif row is not None and row["upcoming"] and cid in upcoming:
            when = upcoming[cid]
            booking.append(
                t(
                    "targets.booked_for",
                    when=t.datetime(when.start_for_manager()),
                    manager=when.manager_name,
                )
            )
        else:
            booking.append("")
    return called, booking


call_col, booking_col = call_and_booking_states(on_list["customer_id"])
st.dataframe(
    on_list.assign(
        name=on_list["name"].fillna(""),
        segment=on_list["segment"].map(t.segment),
        status=on_list["status"].map(t.status),
        source=on_list["source"].map(lambda s: t(f"targets.source.{s}")),
        spend_lost=on_list["spend_lost"].astype(float),
        contact_person=on_list["contact_person"].fillna(""),
        phone=on_list["phone"].fillna(""),
        owner=on_list["owner"].fillna(""),
        reason=on_list["reason"].fillna(""),
        calls=call_col,
        booking=booking_col,
    )[
        [
            "customer_id",
            "name",
            "segment",
            "status",
            "calls",
            "booking",
            "spend_lost",
            "contact_person",
            "phone",
            "owner",
            "source",
            "reason",
        ]
    ],
    width="stretch",
    hide_index=True,
    column_config={
        "customer_id": t("field.customer_id"),
        "name": t("field.name"),
        "segment": t("field.segment"),
        "status": t("field.status"),
        "calls": t("targets.call_state"),
        "booking": t("targets.booking_state"),
        "spend_lost": money(t("field.spend_lost")),
        "contact_person": t("field.contact_person"),
        "phone": t("field.phone"),
        "owner": t("field.owner"),
        "source": t("targets.source"),
        "reason": t("targets.reason"),
    },
)
c1, c2, _ = st.columns([2, 2, 3])  # room for the buttons' words, in both languages
c1.download_button(
    t("targets.download"),
    exports.csv_bytes(on_list),
    file_name=f"{study.name}-targets.csv",
    mime="text/csv",
    key="targets_download",
)
c2.download_button(
    t("targets.download_xlsx"),
    lambda on_list=on_list: exports.xlsx_bytes(on_list),
    file_name=f"{study.name}-targets.xlsx",
    mime=XLSX,
    key="targets_download_xlsx",
)


def target_form(name: str, choices: dict, placeholder: str, submit_key: str, change, done_key: str):
    """Pick a customer of ``choices`` ({id: name}), give a reason, apply ``change``
    (sampling.add/remove_target)."""
    with st.form(f"targets_{name}_form"):  # a failed form keeps what was typed
        customer = st.selectbox(
            t("field.customer_id"),
            list(choices),
            format_func=lambda cid: f"{cid} {choices.get(cid) or ''}".strip(),
            index=None,
            key=f"targets_{name}_customer",
            placeholder=placeholder,
        )
        reason = st.text_input(t("targets.reason"), key=f"targets_{name}_reason")
        if st.form_submit_button(t(submit_key)):
            try:
                if customer is None:
                    raise InvalidSettingError("error.pick_customer")
                change(store, study, customer, reason, actor=ui.actor())
                st.session_state[f"targets_{name}_flash"] = t(
                    done_key, customer_id=literal(customer)
                )
                st.session_state["targets_clear"] = name
                st.rerun()
            except ResearchError as e:
                ui.show_error(e)
    if msg := st.session_state.pop(f"targets_{name}_flash", None):  # beside its form
        st.success(msg)


FOUND_AT_MOST = 20
add_col, remove_col = st.columns(2)
with add_col:
    st.markdown("**" + t("targets.add_title") + "**")
    # a company has too many defectors to list: the store finds a few by id or name
    wanted = st.text_input(
        t("targets.find"), key="targets_add_find", placeholder=t("targets.find_hint")
    )
    found = sampling.find_addable(store, study, wanted, limit=FOUND_AT_MOST)
    if st.session_state.get("targets_add_found_for") != wanted:  # a new search: its one match
        st.session_state["targets_add_found_for"] = wanted
        st.session_state["targets_add_customer"] = next(iter(found)) if len(found) == 1 else None
    if not wanted.strip():
        hint = t("targets.find_first")
    elif not found:
        hint = t("targets.found_none")
    else:
        hint = t("targets.found", count=len(found))
    target_form("add", found, hint, "targets.add", sampling.add_target, "cli.target_added")
    if len(found) == FOUND_AT_MOST:
        st.caption(t("targets.found_more", count=FOUND_AT_MOST))


def remove_or_ask(store, study, customer, reason, *, actor):
    """A target with bookings or interview records is removed only once confirmed."""
    try:
        sampling.remove_target(store, study, customer, reason, actor=actor)
    except sampling.TargetHasWorkError as e:
        st.session_state["targets_remove_pending"] = (customer, reason, e)
        st.rerun()


with remove_col:
    st.markdown("**" + t("targets.remove_title") + "**")
    target_form(
        "remove",
        dict(zip(on_list["customer_id"], on_list["name"].fillna(""), strict=True)),
        t("common.type_to_search"),
        "targets.remove",
        remove_or_ask,
        "cli.target_removed",
    )
    if pending := st.session_state.get("targets_remove_pending"):
        customer, reason, asked = pending
        st.warning(f"**{asked.heading(t)}**")
        st.text(asked.render(t))  # names and places come from people: shown as text
        yes, no = st.columns(2)
        if yes.button(t("targets.confirm_remove"), key="targets_remove_confirm", type="primary"):
            del st.session_state["targets_remove_pending"]
            try:
                cancelled = sampling.remove_target(
                    store, study, customer, reason, actor=ui.actor(), confirmed=True
                )
                st.session_state["targets_remove_flash"] = t(
                    "targets.removed_cancelled", customer_id=customer, count=len(cancelled)
                )
                st.rerun()
            except ResearchError as e:
                ui.show_error(e)
        if no.button(t("targets.keep"), key="targets_remove_keep"):
            del st.session_state["targets_remove_pending"]
            st.rerun()

removed = targets[~targets["included"]]
if not removed.empty:
    with st.expander(t("targets.removed_title", count=len(removed))):
        st.dataframe(
            removed[["customer_id", "name", "reason", "updated_by", "updated_at"]]
            .fillna("")
            .rename(
                columns={
                    "customer_id": t("field.customer_id"),
                    "name": t("field.name"),
                    "reason": t("targets.reason"),
                    "updated_by": t("field.updated_by"),
                    "updated_at": t("field.updated_at"),
                }
            ),
            width="stretch",
            hide_index=True,
        )
