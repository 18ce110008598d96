"""Interview: record what a defector said, with the study's interview guide beside the form.

Every answer is saved the moment it is typed or picked (text while typing, through
autosave.py); a colleague's save of another answer is merged, of the same answer shown
side by side. "Mark final" locks a finding for the analysis; a final finding can still
be amended, and every version is kept with who and when.
"""

import pandas as pd
import streamlit as st

from research.base import permissions
from research.base.errors import ResearchError
from research.base.i18n import Translator
from research.base.records import EditConflictError
from research.desk import scheduling
from research.findings import agreement, interviews, taxonomy, wording
from research.findings.candidates import candidates, detected_status, find
from screen import desk, findings, ui
from screen.autosave import autosave_text
from screen.plain import literal

t = ui.translator()
store = ui.store()
study = ui.require_study()
actor = ui.actor()
state = st.session_state
book = taxonomy.codebook(store)
lang = t.lang


def second_coding() -> None:
    """The blind second coding, on the findings the study picked: all a second coder sees."""
    st.caption(t("second.intro"))
    if ui.may("codes.plan") and (
        due := agreement.pending(store, study)
    ):  # finals that came in another way (an import)
        c1, c2 = st.columns([3, 1], vertical_alignment="center")
        c1.info(t("second.pending", count=due))
        if c2.button(t("second.pick_now"), key="second_pick_now"):
            picked = agreement.assign(store, study, actor=actor)
            state["interview_flash"] = t("agreement.picked", count=picked)
            st.rerun()
    waiting = agreement.queue(store, study, actor.name)
    if waiting.empty:
        st.info(t("second.none", user=literal(actor.name)))
    else:
        rows = {int(r.finding_id): r for r in waiting.itertuples()}
        pick = st.selectbox(
            t("second.pick", count=len(rows)),
            list(rows),
            key="second_pick",
            format_func=lambda i: t(
                "second.line", id=i, customer=rows[i].customer_id, name=rows[i].name or ""
            ),
        )
        view = agreement.blind_view(store, pick)
        st.markdown(
            f"**{wording.field_label(t, 'defection_type')}:** "
            f"{wording.choice_label(t, 'defection_type', view.defection_type)} · "
            f"**{wording.field_label(t, 'destination')}:** "
            f"{literal(wording.choice_label(t, 'destination', view.destination))} "
            f"{literal(view.competitor)}"
        )
        if view.whys:
            st.markdown("**" + t("interview.whys") + "**")
            st.markdown("\n".join(f"{i}. {literal(w)}" for i, w in enumerate(view.whys, 1)))
        if view.quotes:
            st.markdown("**" + t("interview.quotes") + "**")
            for quote in view.quotes:
                st.markdown(f"> {literal(quote)}")
        st.markdown(f"**{wording.field_label(t, 'summary')}:** {literal(view.summary) or '–'}")
        st.markdown(
            f"**{wording.field_label(t, 'win_back_needs')}:** {literal(view.win_back_needs) or '–'}"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "question": wording.field_label(t, k),
                        "answer": wording.choice_label(t, "satisfaction", v),
                    }
                    for k, v in view.satisfaction.items()
                ]
            ),
            hide_index=True,
            column_config={"question": t("second.col.question"), "answer": t("second.col.answer")},
        )
        with st.form(f"second_form_{pick}"):
            primary = st.selectbox(
                wording.field_label(t, "primary_code"),
                findings.code_options(book),
                index=None,
                format_func=lambda c: book.full_label(c, lang),
                placeholder=t("interview.cause_hint"),
                key="second_primary",
            )
            secondary = st.multiselect(
                wording.field_label(t, "secondary_codes"),
                findings.code_options(book),
                format_func=lambda c: book.full_label(c, lang),
                placeholder=t("interview.cause_hint"),
                key="second_secondary",
                select_all=False,  # Enter would pick every code the search finds
            )
            note = st.text_input(t("second.note"), key="second_note")
            if st.form_submit_button(t("second.save"), type="primary"):
                try:
                    if primary is None:
                        raise ResearchError("error.pick_code")
                    agreement.record_second_coding(
                        store,
                        pick,
                        coder=actor,
                        primary_code=primary,
                        secondary_codes=secondary,
                        note=note,
                    )
                    state["interview_flash"] = t("second.saved", id=pick)
                    st.rerun()
                except ResearchError as e:
                    ui.show_error(e)


st.title(t("interview.title"))
if msg := state.pop("interview_flash", None):
    st.success(msg)
if not ui.may("findings.write"):  # a second coder: the blind coding, and nothing else
    second_coding()
    st.stop()

# ---- who: from a link (?finding=, ?interview= a booking, ?customer=) or picked here.
# The picker lists the targets and everyone with a record; other defectors and former
# customers join it when the search below finds them or a link names them. An
# interviewer's picker holds only their own customers (research/ filters it).
LINK_KEYS = ("finding", "customer", "interview")
params = st.query_params
# an interviewer picks among their own customers: nobody else to search for
searching = permissions.level(actor, "findings.read") != "own"
searched = state.get("interview_find", "") if searching else ""
found, found_total = find(store, study, searched) if searching else ([], 0)
who = candidates(
    store,
    study,
    also=[*found, params.get("customer") or "", state.get("interview_customer") or ""],
    actor=actor,
)
names, statuses = who.names, who.statuses

link = tuple(params.get(k) for k in LINK_KEYS)
if link != state.get("interview_link"):  # a new link: follow it once
    state["interview_link"] = link
    state["interview_booking"] = None
    state["interview_link_problem"] = None
    asked_finding, asked_customer, asked_booking = link
    if asked_finding:
        linked = who.customer_of(int(asked_finding)) if asked_finding.isdigit() else None
        if linked is not None:
            state["interview_finding"] = int(asked_finding)
            state["interview_customer"] = linked
        else:
            state["interview_link_problem"] = t(
                "interview.missing_record", id=literal(asked_finding), study=literal(study.name)
            )
            state["interview_finding"] = state["interview_customer"] = None
    elif asked_booking:
        try:
            booking = scheduling.get_interview(
                store, int(asked_booking) if asked_booking.isdigit() else -1
            )
            if booking.study_id != study.id:
                raise ResearchError("error.interview_other_study", id=booking.id, study=study.name)
            state["interview_booking"] = booking.id
            state["interview_customer"] = booking.customer_id
            # that interview's record, or none yet: never an older record of the customer
            state["interview_finding"] = interviews.finding_of_interview(store, booking.id)
        except ResearchError as e:
            state["interview_link_problem"] = e
            state["interview_finding"] = state["interview_customer"] = None
    elif asked_customer in who.customers:
        state["interview_customer"] = asked_customer
        state["interview_finding"] = None
    elif asked_customer:
        state["interview_link_problem"] = t(
            "interview.missing_customer",
            customer=literal(asked_customer),
            study=literal(study.name),
        )
if (current := state.get("interview_customer")) and current not in who.customers:
    # a link's booking named them after the list was read
    who = candidates(store, study, also=[*found, current], actor=actor)
    names, statuses = who.names, who.statuses
if (problem := state.get("interview_link_problem")) is not None:
    if isinstance(problem, ResearchError):
        ui.show_error(problem)
    else:
        st.error(problem)


def forget_link() -> None:
    for k in LINK_KEYS:
        st.query_params.pop(k, None)


def customer_changed() -> None:
    state["interview_finding"] = None
    forget_link()


def show_booking(booking: scheduling.Interview) -> None:
    """The booked interview the link came from: its line, and the start of its record
    (from the booking's start on)."""
    st.info(
        t(
            "interview.booking_head",
            line=literal(desk.interview_line(booking, t)),
            manager=literal(booking.manager_name),
        )
    )
    if interviews.finding_of_interview(store, booking.id) is not None:
        return None
    st.caption(t("interview.booking_no_record"))
    why = interviews.can_record(booking)
    if why:
        st.warning(t(why, day=f"{booking.start_for_manager():%Y-%m-%d %H:%M}"))
    if st.button(
        t("interview.record_booking"), key="interview_record_booking", disabled=why is not None
    ):
        try:
            made = interviews.record_interview(store, study, booking.id, actor=actor)
        except ResearchError as e:
            ui.show_error(e)
        else:  # drawn anew: "no record yet" and this button, drawn above, go
            state["interview_finding"] = made.id
            st.rerun()


tab_record, tab_second = st.tabs([t("interview.tab_record"), t("interview.tab_second")])

with tab_record:
    if searching:
        st.text_input(
            t("interview.find_other"),
            key="interview_find",
            placeholder=t("interview.find_placeholder"),
        )
    # a search's matches head the list (not picked: opening a record is the next step,
    # and at a million customers the search and the record together take over a second)
    listed = set(who.customers)
    picker = list(dict.fromkeys([*(c for c in found if c in listed), *who.customers]))
    if searched.strip():
        if not found_total:
            st.caption(t("interview.find_none", text=literal(searched.strip())))
        else:
            st.caption(t("interview.find_some", count=found_total, shown=len(found)))
    customer = st.selectbox(
        t("interview.customer"),
        picker,
        index=None,
        format_func=lambda cid: who.label(cid, t),
        key="interview_customer",
        placeholder=t("common.type_to_search"),
        on_change=customer_changed,
    )
    st.caption(t("interview.keyboard_hint"))
    fid = state.get("interview_finding")
    booking = None
    if state.get("interview_booking") is not None and customer:
        booking = scheduling.get_interview(store, state["interview_booking"])
        if booking.customer_id != customer:
            booking = None
    if booking is not None:
        show_booking(booking)
    if customer:
        mine = who.records_of(customer)
        ids = mine["id"].tolist()
        if fid not in ids:
            # a booking's link shows that interview's record or none, never an older one
            fid = None if booking is not None else (ids[-1] if ids else None)
        c1, c2 = st.columns([3, 1])
        if len(ids) > 1 or (booking is not None and ids and fid is None):
            rows = {int(r.id): r for r in mine.itertuples()}
            fid = c1.selectbox(
                t("interview.pick_record"),
                list(rows),
                index=ids.index(fid) if fid in ids else None,
                format_func=lambda i: t(
                    "interview.record_line",
                    id=i,
                    date=t.date(rows[i].interview_date),
                    status=wording.choice_label(t, "status", rows[i].status),
                    by=rows[i].interviewer or "",
                ),
            )
        if booking is None and c2.button(t("interview.new_record"), key="interview_new"):
            try:  # their booked interview's record, where they have one that has begun
                fid = interviews.new_record(store, study, customer, actor=actor).id
            except ResearchError as e:
                ui.show_error(e)
        state["interview_finding"] = fid
        if fid is None and booking is None:
            st.info(t("interview.no_record_yet"))
    if fid is not None and st.query_params.get("finding") != str(fid):
        forget_link()
        st.query_params["finding"] = str(fid)
        state["interview_link"] = (str(fid), None, None)


# answers picked in a select box that, once given, are changed but never cleared
PICKED_FOR_GOOD = ("primary_code", "lifecycle_stage")


def show_conflict(error: EditConflictError, name: str) -> None:
    theirs = error.theirs.get(name) if name in error.theirs else error.theirs.get("text")
    mine = error.mine.get(name) if name in error.mine else error.mine.get("text")
    st.warning(
        t(
            "interview.conflict",
            by=literal(error.theirs.get("updated_by", "?")),
            theirs=literal(display(name, theirs)),
            mine=literal(display(name, mine)),
        )
    )


def display(name: str, value) -> str:
    return wording.answer_text(t, book, name, value)


def record_form(f: interviews.Finding) -> None:
    """The interview form for finding ``f`` (left) and the interview guide (right)."""
    prefix = f"interview_{f.id}"
    own = state.setdefault(f"{prefix}_own", set())
    locked = f.final and not state.get(f"{prefix}_amend", False)

    # widgets show the stored answers whenever the record moved on (a save, a colleague)
    widgets = {
        "interview_date": f.interview_date,
        "defection_type": f.defection_type,
        "destination": f.destination,
        "primary_code": f.primary_code,
        "secondary_codes": list(f.secondary_codes),
        "controllable": f.controllable,
        "voluntary": f.voluntary,
        "lifecycle_stage": f.lifecycle_stage,
        "win_back": f.win_back,
        **{name: getattr(f, name) for name in interviews.SATISFACTION_FIELDS},
    }
    # ... and whenever Streamlit has forgotten them (another record was open)
    ui.seed_widgets(
        f"{prefix}_seen",
        f.version,
        {f"{prefix}_{name}": value for name, value in widgets.items()}
        | {f"{prefix}_qcode_{q.id}": q.code for q in f.quotes},
    )
    state[f"{prefix}_base"] = f.version

    def save(name: str) -> None:
        value = state[f"{prefix}_{name}"]
        if value is None and name in PICKED_FOR_GOOD:
            # these boxes cannot be cleared: an empty value (Esc in the box) erases nothing
            state[f"{prefix}_{name}"] = getattr(f, name)
            return
        try:
            if name == "primary_code":
                version = interviews.set_primary_cause(
                    store,
                    f.id,
                    value,
                    base_version=state[f"{prefix}_base"],
                    actor=actor,
                    own_versions=own,
                )
            else:
                version = interviews.save_field(
                    store,
                    f.id,
                    name,
                    value,
                    base_version=state[f"{prefix}_base"],
                    actor=actor,
                    own_versions=own,
                )
            own.add(version)
            state.pop(f"{prefix}_error", None)
        except EditConflictError as e:
            state[f"{prefix}_error"] = (name, e)
            state[f"{prefix}_seen"] = None  # show the stored answer again
        except ResearchError as e:
            state[f"{prefix}_error"] = (name, e)

    def saver(name: str):
        def on_save(text: str, base: int, widget_own: set[int]) -> int:
            version = interviews.save_field(
                store,
                f.id,
                name,
                text,
                base_version=base,
                actor=actor,
                own_versions=own | widget_own,
            )
            own.add(version)
            return version

        return on_save

    status_labels = {
        "typing": t("autosave.typing"),
        "saving": t("autosave.saving"),
        "saved": t("autosave.saved"),
        "restored": t("autosave.restored"),
    }

    def text_box(name: str, *, height: int = 68, placeholder: str = "") -> None:
        key = f"{prefix}_{name}"
        if locked:  # Streamlit's own disabled boxes: a final record looks locked
            locked_text(
                wording.field_label(t, name), getattr(f, name) or "", key, f.version, height
            )
            return
        autosave_text(
            wording.field_label(t, name),
            key=key,
            value=getattr(f, name) or "",
            version=f.version,
            storage_key=f"finding:{f.id}:{name}",
            on_save=saver(name),
            labels=status_labels,
            height=height,
            placeholder=placeholder,
            disabled=locked,
        )
        if isinstance(error := state.get(f"{key}_error"), EditConflictError):
            show_conflict(error, name)

    def radio(name: str, options, group: str | None = None, **kwargs) -> None:
        st.radio(
            wording.field_label(t, name),
            options,
            index=None,
            horizontal=True,
            key=f"{prefix}_{name}",
            on_change=save,
            args=(name,),
            disabled=locked,
            format_func=lambda v: wording.choice_label(t, group or name, v),
            **kwargs,
        )

    form_col, guide_col = st.columns([3, 2], gap="large")
    with form_col:
        head = t(
            "interview.record_head",
            id=f.id,
            customer=literal(f.customer_id),
            name=literal(names.get(f.customer_id, "")),
            status=wording.choice_label(t, "status", f.status),
        )
        st.subheader(head)
        if not f.final and interviews.is_empty(store, f.id):
            if st.button(
                t("interview.discard"),
                key=f"{prefix}_discard",
                icon=":material/delete:",
                help=t("interview.discard_help"),
            ):
                try:
                    interviews.discard_finding(store, f.id, actor=actor)
                    state["interview_finding"] = None
                    st.query_params.pop("finding", None)
                    state["interview_link"] = (None, None, None)
                    state["interview_flash"] = t("interview.discarded", id=f.id)
                    st.rerun()
                except ResearchError as e:
                    ui.show_error(e)
        # the targets' and the found customers' statuses are on hand; anyone else's is read
        detected = statuses.get(f.customer_id) or detected_status(store, study, f.customer_id)
        st.caption(
            t(
                "interview.record_meta",
                version=f.version,
                by=literal(f.updated_by),
                at=t.datetime(f.updated_at),
                book=f.codebook_version or "–",
                detected=t.status(detected) if detected else "–",
            )
        )
        if f.final:
            st.info(
                t(
                    "interview.final_note",
                    by=literal(f.finalized_by or "?"),
                    at=t.datetime(f.finalized_at),
                )
            )
            st.toggle(t("interview.amend"), key=f"{prefix}_amend")
        if isinstance(pair := state.get(f"{prefix}_error"), tuple):
            name, error = pair
            if isinstance(error, EditConflictError):
                show_conflict(error, name)
            else:
                ui.show_error(error)

        c1, c2 = st.columns(2)
        c1.date_input(
            wording.field_label(t, "interview_date"),
            key=f"{prefix}_interview_date",
            on_change=save,
            args=("interview_date",),
            disabled=locked,
            value=None,
            format="YYYY-MM-DD",
        )
        with c2:
            text_box("interviewer", height=38)
        radio("defection_type", interviews.DEFECTION_TYPES)
        c1, c2 = st.columns([1, 1])
        with c1:
            radio("destination", interviews.DESTINATIONS)
        with c2:
            text_box("competitor", height=38, placeholder=t("interview.competitor_hint"))

        st.markdown("#### " + t("interview.causes"))
        # Streamlit marks a required box "(required)" in English alone: its label says so
        # in the reader's language instead
        st.html("<style>[data-testid=stWidgetLabelRequired] { display: none; }</style>")
        st.selectbox(
            wording.field_label(t, "primary_code") + t("interview.required_mark"),
            findings.code_options(book, f.primary_code),
            index=None,
            format_func=lambda c: book.full_label(c, lang),
            key=f"{prefix}_primary_code",
            on_change=save,
            args=("primary_code",),
            disabled=locked,
            placeholder=t("interview.cause_hint"),
            required=True,  # changed, never cleared: Esc must not erase the saved cause
            help=literal(book.code(f.primary_code).description(lang))
            if f.primary_code in book.codes
            else None,
        )
        # the primary cause is never a secondary one; and no "Select all matches" that
        # Enter would pick with every code the search finds
        secondary_key = f"{prefix}_secondary_codes"
        state[secondary_key] = [c for c in state[secondary_key] if c != f.primary_code]
        st.multiselect(
            wording.field_label(t, "secondary_codes"),
            [c for c in findings.code_options(book, *f.secondary_codes) if c != f.primary_code],
            format_func=lambda c: book.full_label(c, lang),
            key=secondary_key,
            on_change=save,
            args=("secondary_codes",),
            disabled=locked,
            placeholder=t("interview.cause_hint"),
            select_all=False,
        )
        c1, c2 = st.columns(2)
        with c1:
            st.radio(
                wording.field_label(t, "controllable"),
                [True, False],
                index=None,
                horizontal=True,
                key=f"{prefix}_controllable",
                on_change=save,
                args=("controllable",),
                disabled=locked,
                format_func=lambda v: t("interview.yes") if v else t("interview.no"),
            )
        with c2:
            radio("voluntary", interviews.VOLUNTARY)
        st.caption(t("interview.prefill_note"))

        st.markdown("#### " + t("interview.whys"))
        st.caption(t("interview.whys_help"))
        for name in interviews.WHY_FIELDS:
            text_box(name, height=38)

        st.markdown("#### " + t("interview.satisfaction"))
        for name in interviews.SATISFACTION_FIELDS:
            radio(name, interviews.SATISFACTION, "satisfaction")
        st.selectbox(
            wording.field_label(t, "lifecycle_stage") + t("interview.required_mark"),
            interviews.LIFECYCLE_STAGES,
            index=None,
            key=f"{prefix}_lifecycle_stage",
            on_change=save,
            args=("lifecycle_stage",),
            disabled=locked,
            format_func=lambda v: wording.choice_label(t, "lifecycle_stage", v),
            placeholder=t("common.type_to_search"),
            required=True,  # changed, never cleared: Esc must not erase the saved stage
        )

        st.markdown("#### " + t("interview.quotes"))
        for q in f.quotes:
            quote_row(f, q, locked, status_labels)
        if st.button(t("interview.add_quote"), key=f"{prefix}_add_quote", disabled=locked):
            interviews.add_quote(store, f.id, actor=actor)
            st.rerun()

        st.markdown("#### " + t("interview.outcome"))
        text_box("summary", height=110)
        radio("win_back", interviews.WIN_BACK)
        text_box("win_back_needs", height=68)

        if not f.final:
            missing = f.missing_for_final()
            if st.button(t("interview.finalize"), type="primary", key=f"{prefix}_finalize"):
                if missing:
                    st.error(
                        t(
                            "interview.missing",
                            fields=", ".join(wording.field_label(t, m) for m in missing),
                        )
                    )
                else:
                    try:
                        interviews.finalize(store, f.id, actor=actor)
                        agreement.assign(store, study, actor=actor)  # the plan's share of finals
                        state["interview_flash"] = t("interview.finalized", id=f.id)
                        st.rerun()
                    except ResearchError as e:
                        ui.show_error(e)
            st.caption(t("interview.draft_note"))
        with st.expander(t("interview.history")):
            history_table(f)

    with guide_col:
        guide_panel(status_labels)


def quote_row(f: interviews.Finding, q: interviews.Quote, locked: bool, labels: dict) -> None:
    prefix = f"interview_{f.id}"
    own = state.setdefault(f"{prefix}_q{q.id}_own", set())

    def on_save(text: str, base: int, widget_own: set[int]) -> int:
        version = interviews.save_quote(
            store,
            q.id,
            {"text": text},
            base_version=base,
            actor=actor,
            own_versions=own | widget_own,
        )
        own.add(version)
        return version

    def tag_changed() -> None:
        try:
            own.add(
                interviews.save_quote(
                    store,
                    q.id,
                    {"code": state[f"{prefix}_qcode_{q.id}"]},
                    base_version=q.version,
                    actor=actor,
                    own_versions=own,
                )
            )
        except ResearchError as e:
            state[f"{prefix}_error"] = ("code", e)
            state[f"{prefix}_seen"] = None

    c1, c2, c3 = st.columns([5, 3, 1], vertical_alignment="bottom")
    with c1:
        key = f"{prefix}_quote_{q.id}"
        if locked:
            locked_text(t("interview.quote", n=q.position), q.text, key, q.version, 52)
        else:
            autosave_text(
                t("interview.quote", n=q.position),
                key=key,
                value=q.text,
                version=q.version,
                storage_key=f"finding_quote:{q.id}",
                on_save=on_save,
                labels=labels,
                height=52,
                placeholder=t("interview.quote_hint"),
            )
        if isinstance(error := state.get(f"{key}_error"), EditConflictError):
            show_conflict(error, "text")
    c2.selectbox(
        t("interview.quote_code"),
        findings.code_options(book, q.code),
        index=None,
        format_func=lambda c: book.label(c, lang, with_status=True),
        key=f"{prefix}_qcode_{q.id}",
        on_change=tag_changed,
        disabled=locked,
        placeholder=t("interview.quote_code_hint"),
    )
    if c3.button(
        t("interview.remove_quote"),
        key=f"{prefix}_qremove_{q.id}",
        disabled=locked,
        help=t("interview.remove_quote_help"),
    ):
        interviews.remove_quote(store, q.id, actor=actor)
        st.rerun()


def locked_text(label: str, text: str, key: str, version: int, height: int) -> None:
    """A text answer of a final record, shown in a disabled box (one key per version, so
    an amendment shows its new text)."""
    if height < 68:  # Streamlit's text areas are at least 68 px
        st.text_input(label, text, disabled=True, key=f"{key}_locked_{version}")
    else:
        st.text_area(label, text, disabled=True, height=height, key=f"{key}_locked_{version}")


def history_table(f: interviews.Finding) -> None:
    st.dataframe(
        wording.history_table(store, f.id, t, book),
        hide_index=True,
        width="stretch",
        column_config={
            "version": t("interview.col.version"),
            "by": t("interview.col.by"),
            "at": t("interview.col.at"),
            "what": t("interview.col.what"),
        },
    )


GUIDE_LABELS = {"en": "interview.guide_en", "zh": "interview.guide_zh"}


def guide_panel(labels: dict) -> None:
    st.markdown("#### " + t("interview.guide"))
    defaults = {code: Translator(code)("interview.guide_default") for code in ("en", "zh")}
    text, _ = interviews.guide(store, study, lang, defaults[lang])
    with st.container(border=True, height=560):
        # the default guide is ours, in Markdown; a study's own guide is a person's text
        st.markdown(text if text == defaults[lang] else literal(text))
    with st.expander(t("interview.guide_edit")):
        st.caption(t("interview.guide_edit_help"))
        for code in ("en", "zh"):
            current, version = interviews.guide(store, study, code, defaults[code])
            own = state.setdefault(f"interview_guide_{code}_own", set())

            def on_save(value: str, base: int, widget_own: set[int], code=code, own=own) -> int:
                version = interviews.save_guide(
                    store,
                    study,
                    code,
                    value,
                    base_version=base,
                    actor=actor,
                    own_versions=own | widget_own,
                )
                own.add(version)
                return version

            key = f"interview_guide_{code}"
            autosave_text(
                t(GUIDE_LABELS[code]),
                key=key,
                value=current,
                version=version,
                storage_key=f"guide:{study.id}:{code}",
                on_save=on_save,
                labels=labels,
                height=260,
            )
            if isinstance(error := state.get(f"{key}_error"), EditConflictError):
                show_conflict(error, "text")


with tab_record:
    if (fid := state.get("interview_finding")) is not None:
        try:
            record_form(interviews.get_finding(store, fid))
        except ResearchError as e:
            ui.show_error(e)

# ---- second coding: blind, on the findings the study picked
with tab_second:
    second_coding()
