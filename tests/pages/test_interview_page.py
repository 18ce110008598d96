"""The Interview page: open a defector, record the structured answers, mark final,
amend, second coding; the Study page's agreement panel and the Import page's
Findings tab."""

from __future__ import annotations

import pytest

from research.base import studies
from research.findings import agreement, interviews, taxonomy
from research.selection import detection, sampling
from tests.pages.sessions import SIGNED_IN_NAME


@pytest.fixture
def demo(app_store):
    return studies.get_study(app_store, "demo")


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/interview.py")


def untouched_target(store, study) -> str:
    """A target of the demo study that has no interview record yet."""
    recorded = set(interviews.list_findings(store, study)["customer_id"])
    targets = sampling.target_list(store, study)["customer_id"]
    return next(c for c in targets if c not in recorded)


def test_record_a_new_interview_through_the_form(page, app_store, demo):
    customer = untouched_target(app_store, demo)
    page.selectbox(key="interview_customer").set_value(customer).run()
    assert any("No interview recorded" in i.value for i in page.info)
    page.button(key="interview_new").click().run()
    assert not page.exception
    made = interviews.list_findings(app_store, demo, customer_id=customer)
    assert len(made) == 1 and made.iloc[0]["status"] == "draft"
    fid = int(made.iloc[0]["id"])
    p = f"interview_{fid}"
    assert page.query_params["finding"] == [str(fid)] or page.query_params["finding"] == str(fid)

    page.radio(key=f"{p}_defection_type").set_value("partial").run()
    page.radio(key=f"{p}_destination").set_value("competitor").run()
    # the primary cause pre-fills controllable and voluntary from the codebook
    page.selectbox(key=f"{p}_primary_code").set_value("policy_change").run()
    assert page.radio(key=f"{p}_controllable").value is True
    assert page.radio(key=f"{p}_voluntary").value == "involuntary"
    # ... and they stay editable
    page.radio(key=f"{p}_voluntary").set_value("voluntary").run()
    page.multiselect(key=f"{p}_secondary_codes").set_value(
        ["price_value", "competitor_lower_price"]
    ).run()
    for name, answer in zip(
        interviews.SATISFACTION_FIELDS,
        [
            "highly_satisfied",
            "fairly_satisfied",
            "no_opinion",
            "somewhat_dissatisfied",
            "very_dissatisfied",
        ],
        strict=True,
    ):
        page.radio(key=f"{p}_{name}").set_value(answer).run()
    page.selectbox(key=f"{p}_lifecycle_stage").set_value("contract_renewal").run()
    page.radio(key=f"{p}_win_back").set_value("maybe").run()
    page.button(key=f"{p}_add_quote").click().run()
    quote = interviews.get_finding(app_store, fid).quotes[0]
    page.selectbox(key=f"{p}_qcode_{quote.id}").set_value("price_value").run()
    assert not page.exception and not page.error

    stored = interviews.get_finding(app_store, fid)
    assert (stored.defection_type, stored.destination, stored.primary_code) == (
        "partial",
        "competitor",
        "policy_change",
    )
    assert stored.secondary_codes == ("price_value", "competitor_lower_price")
    assert (stored.controllable, stored.voluntary) == (True, "voluntary")
    assert [getattr(stored, n) for n in interviews.SATISFACTION_FIELDS] == [
        "highly_satisfied",
        "fairly_satisfied",
        "no_opinion",
        "somewhat_dissatisfied",
        "very_dissatisfied",
    ]
    assert (stored.lifecycle_stage, stored.win_back) == ("contract_renewal", "maybe")
    assert stored.quotes[0].code == "price_value"
    assert stored.updated_by == SIGNED_IN_NAME
    assert stored.codebook_version == 1

    page.button(key=f"{p}_finalize").click().run()
    assert any("is final" in s.value for s in page.success)
    assert interviews.get_finding(app_store, fid).final


def _open_new_draft(app, open_page, store, study):
    draft = interviews.create_finding(store, study, untouched_target(store, study), actor="x")
    app.query_params["finding"] = str(draft.id)
    return open_page(app, "pages/interview.py"), draft.id


@pytest.mark.parametrize(
    ("name", "answer"), [("primary_code", "after_sales_service"), ("lifecycle_stage", "onboarding")]
)
def test_an_empty_value_from_a_picked_box_never_erases_the_saved_answer(
    app, open_page, app_store, demo, name, answer
):
    """Esc in a select box sends it back empty: the box cannot be cleared, and an empty
    value arriving all the same saves nothing."""
    page, fid = _open_new_draft(app, open_page, app_store, demo)
    box = page.selectbox(key=f"interview_{fid}_{name}")
    assert box.proto.required  # the browser offers no way to clear it
    box.set_value(answer).run()
    saved = interviews.get_finding(app_store, fid)
    assert getattr(saved, name) == answer

    page.selectbox(key=f"interview_{fid}_{name}").set_value(None).run()
    assert not page.exception and not page.error
    after = interviews.get_finding(app_store, fid)
    assert getattr(after, name) == answer and after.version == saved.version
    assert page.selectbox(key=f"interview_{fid}_{name}").value == answer


def test_secondary_causes_never_offer_the_primary_nor_select_all_matches(
    app, open_page, app_store, demo
):
    page, fid = _open_new_draft(app, open_page, app_store, demo)
    p = f"interview_{fid}"
    service = taxonomy.codebook(app_store).full_label("after_sales_service", "en")
    page.multiselect(key=f"{p}_secondary_codes").set_value(
        ["after_sales_service", "price_value"]
    ).run()
    secondary = page.multiselect(key=f"{p}_secondary_codes")
    assert service in secondary.options
    assert secondary.proto.select_all == 0  # no "Select all" / "Select 3 matches" for Enter
    # the primary cause leaves the secondary causes and their options
    page.selectbox(key=f"{p}_primary_code").set_value("after_sales_service").run()
    assert not page.exception and not page.error
    secondary = page.multiselect(key=f"{p}_secondary_codes")
    assert service not in secondary.options
    assert secondary.value == ["price_value"]
    assert interviews.get_finding(app_store, fid).secondary_codes == ("price_value",)


def test_a_defector_off_the_list_is_found_by_the_search_and_recorded(page, app_store, demo):
    """The picker carries the targets and those with a record; any other defector is
    found by id or name and joins it."""
    frame = detection.results(app_store, demo)
    listed = set(sampling.target_list(app_store, demo)["customer_id"])
    listed |= set(interviews.list_findings(app_store, demo)["customer_id"])
    other = frame[frame["status"].isin(["full", "partial"]) & ~frame["customer_id"].isin(listed)]
    customer = other["customer_id"].iloc[-1]

    def ids() -> list[str]:  # the picker's lines start with the customer id
        return [line.split(" ")[0] for line in page.selectbox(key="interview_customer").options]

    assert customer not in ids() and set(ids()) == listed
    page.text_input(key="interview_find").input(customer.lower()).run()
    assert not page.exception
    # the one match heads the list
    assert ids()[0] == customer and set(ids()) == listed | {customer}
    assert any("One defector or former customer matches" in c.value for c in page.caption)
    page.selectbox(key="interview_customer").set_value(customer).run()
    page.button(key="interview_new").click().run()
    assert len(interviews.list_findings(app_store, demo, customer_id=customer)) == 1
    page.text_input(key="interview_find").input("nobody is called this").run()
    assert any("No defector or former customer" in c.value for c in page.caption)
    assert page.selectbox(key="interview_customer").value == customer  # still open


def test_a_link_opens_a_defector_off_the_list(app, open_page, app_store, demo):
    frame = detection.results(app_store, demo)
    listed = set(sampling.target_list(app_store, demo)["customer_id"])
    listed |= set(interviews.list_findings(app_store, demo)["customer_id"])
    customer = frame.loc[
        frame["status"].isin(["full", "partial"]) & ~frame["customer_id"].isin(listed),
        "customer_id",
    ].iloc[0]
    app.query_params["customer"] = customer
    page = open_page(app, "pages/interview.py")
    assert page.selectbox(key="interview_customer").value == customer
    assert any("No interview recorded" in i.value for i in page.info)


def test_final_record_is_locked_until_amended_and_amendments_are_versions(page, app_store, demo):
    frame = interviews.list_findings(app_store, demo)
    row = frame[frame["status"] == "final"].iloc[0]
    fid = int(row["id"])
    page.selectbox(key="interview_customer").set_value(row["customer_id"]).run()
    p = f"interview_{fid}"
    assert page.radio(key=f"{p}_win_back").disabled
    assert any("Final since" in i.value for i in page.info)
    before = interviews.get_finding(app_store, fid)
    page.toggle(key=f"{p}_amend").set_value(True).run()
    assert not page.radio(key=f"{p}_win_back").disabled
    page.radio(key=f"{p}_win_back").set_value("no" if before.win_back != "no" else "yes").run()
    after = interviews.get_finding(app_store, fid)
    assert after.final and after.version == before.version + 1
    last = interviews.history(app_store, fid)[-1]
    assert last["changed_by"] == SIGNED_IN_NAME and "win_back" in last["changes"]


def test_a_link_opens_the_record_and_draft_needs_the_required_answers(
    app, open_page, app_store, demo
):
    customer = untouched_target(app_store, demo)
    draft = interviews.create_finding(app_store, demo, customer, actor="someone")
    interviews.save_field(
        app_store, draft.id, "defection_type", None, base_version=1, actor="someone"
    )
    app.query_params["finding"] = str(draft.id)
    page = open_page(app, "pages/interview.py")
    assert page.selectbox(key="interview_customer").value == customer
    page.button(key=f"interview_{draft.id}_finalize").click().run()
    assert any("Defection type" in e.value and "Primary cause" in e.value for e in page.error)
    assert not interviews.get_finding(app_store, draft.id).final


def test_a_colleagues_answer_to_the_same_question_is_shown_not_overwritten(page, app_store, demo):
    customer = untouched_target(app_store, demo)
    page.selectbox(key="interview_customer").set_value(customer).run()
    page.button(key="interview_new").click().run()
    fid = int(interviews.list_findings(app_store, demo, customer_id=customer).iloc[0]["id"])
    p = f"interview_{fid}"
    # a colleague picks the stage after this page was drawn
    current = interviews.get_finding(app_store, fid)
    interviews.save_field(
        app_store, fid, "lifecycle_stage", "delivery", base_version=current.version, actor="wang"
    )
    page.selectbox(key=f"{p}_lifecycle_stage").set_value("onboarding").run()
    assert any(
        "wang saved a different answer" in w.value
        and "Delivery" in w.value
        and "Onboarding" in w.value
        for w in page.warning
    )
    assert interviews.get_finding(app_store, fid).lifecycle_stage == "delivery"
    # a colleague's answer to another question merges without a word
    current = interviews.get_finding(app_store, fid)
    interviews.save_field(
        app_store, fid, "win_back", "yes", base_version=current.version, actor="wang"
    )
    page.radio(key=f"{p}_sat_value").set_value("no_opinion").run()
    stored = interviews.get_finding(app_store, fid)
    assert (stored.win_back, stored.sat_value) == ("yes", "no_opinion")


def test_second_coding_is_blind_and_feeds_the_agreement(page, app_store, demo):
    waiting = agreement.queue(app_store, demo, SIGNED_IN_NAME)
    assert not waiting.empty  # the demo picked more than its coder did
    fid = int(page.selectbox(key="second_pick").value)
    first = interviews.get_finding(app_store, fid)
    shown = " ".join(m.value for m in page.markdown)
    assert first.summary in shown
    # blind: the first coder's cause is nowhere on the tab
    assert "second_primary" in [s.key for s in page.selectbox]
    # no "Select all matches" that Enter would pick with every code the search finds
    assert page.multiselect(key="second_secondary").proto.select_all == 0
    before = agreement.agreement(app_store, demo)
    page.selectbox(key="second_primary").set_value(first.primary_code)
    page.button(key=f"FormSubmitter:second_form_{fid}-Save second coding").click().run()
    assert not page.exception and not page.error
    after = agreement.agreement(app_store, demo)
    assert (after.coded, after.agreed) == (before.coded + 1, before.agreed + 1)


def _draft_ready_for_final(store, study) -> int:
    f = interviews.create_finding(store, study, untouched_target(store, study), actor="someone")
    interviews.save_fields(
        store,
        f.id,
        {"defection_type": "full", "primary_code": "price_value"},
        base_version=1,
        actor="someone",
    )
    return f.id


def _make_picks_due(store, study) -> int:
    """Final findings that came in without the page (as an import does), until the
    study's plan wants more of them picked for a second coding."""
    while agreement.pending(store, study) == 0:
        interviews.finalize(store, _draft_ready_for_final(store, study), actor="someone")
    return agreement.pending(store, study)


def _written(store) -> tuple[int, ...]:
    with store.cursor() as cur:
        return tuple(
            cur.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("audit_log", "second_codings", "findings", "record_versions")
        )


def test_opening_the_page_writes_nothing_and_picks_wait_for_an_action(
    app, open_page, app_store, demo
):
    due = _make_picks_due(app_store, demo)
    before = _written(app_store)
    page = open_page(app, "pages/interview.py")
    page.selectbox(key="interview_customer").set_value(untouched_target(app_store, demo)).run()
    assert not page.exception
    assert _written(app_store) == before
    assert any(f"{due} final record(s)" in i.value for i in page.info)
    page.button(key="second_pick_now").click().run()
    assert not page.exception
    assert agreement.pending(app_store, demo) == 0
    assert _written(app_store)[1] == before[1] + due
    assert any(f"{due} more interview" in s.value and "picked" in s.value for s in page.success)


def test_marking_final_on_the_page_picks_for_the_second_coding(app, open_page, app_store, demo):
    _make_picks_due(app_store, demo)
    draft = _draft_ready_for_final(app_store, demo)
    app.query_params["finding"] = str(draft)
    page = open_page(app, "pages/interview.py")
    page.button(key=f"interview_{draft}_finalize").click().run()
    assert not page.exception
    assert interviews.get_finding(app_store, draft).final
    assert agreement.pending(app_store, demo) == 0


def test_study_page_shows_agreement_and_settles_a_disagreement(app, open_page, app_store, demo):
    page = open_page(app, "pages/study.py")
    assert page.number_input(key="study_coding_share").value == pytest.approx(0.3)
    result = agreement.agreement(app_store, demo)
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Coded twice"] == str(result.coded)
    assert metrics["Agreement"] == f"{round(100 * result.agreed / result.coded)}%"
    assert metrics["Cohen's kappa"] == f"{result.kappa.kappa:.2f}"
    table = page.dataframe[-1].value  # the disagreements
    assert len(table) == len(result.disagreements) >= 1
    d = result.disagreements[0]
    page.selectbox(key="study_settle_finding").set_value(d.finding_id).run()
    page.selectbox(key="study_settle_code").set_value(d.second_code).run()
    assert not page.exception
    assert any(f"record #{d.finding_id} settled" in s.value for s in page.success)
    settled = agreement.agreement(app_store, demo)
    assert [x.settled_code for x in settled.disagreements if x.finding_id == d.finding_id] == [
        d.second_code
    ]
    # the measured agreement does not change by settling; the finding is amended
    assert (settled.coded, settled.agreed) == (result.coded, result.agreed)
    assert interviews.get_finding(app_store, d.finding_id).primary_code == d.second_code


def test_import_page_has_a_findings_tab(app, open_page):
    page = open_page(app, "pages/import_data.py")
    assert "Findings" in [tab.label for tab in page.tabs]
    assert any("earlier defector study" in m.value for m in page.markdown)


def test_study_page_asks_for_second_coding(app, open_page, app_store, demo):
    page = open_page(app, "pages/study.py")
    before = agreement.agreement(app_store, demo).assigned
    page.number_input(key="study_coding_share").set_value(0.6).run()
    assert not page.exception
    after = agreement.agreement(app_store, demo)
    assert after.share == pytest.approx(0.6) and after.assigned > before
    assert any("more interview" in s.value and "picked" in s.value for s in page.success)


def test_back_on_a_record_after_another_one_its_answers_are_shown_again(page, app_store, demo):
    """A record's boxes are not drawn while another record is open, and Streamlit forgets
    their values: back on it (say after discarding an empty new record) the form shows
    its stored answers again, not blanks and not an error."""
    frame = interviews.list_findings(app_store, demo)
    row = frame[(frame["status"] == "final") & frame["secondary_codes"].map(bool)].iloc[0]
    fid, customer = int(row["id"]), row["customer_id"]
    stored = interviews.get_finding(app_store, fid)
    page.selectbox(key="interview_customer").set_value(customer).run()
    p = f"interview_{fid}"
    assert page.date_input(key=f"{p}_interview_date").value == stored.interview_date
    page.button(key="interview_new").click().run()  # a new, empty record of the customer
    assert not page.exception
    new = int(interviews.list_findings(app_store, demo, customer_id=customer).iloc[-1]["id"])
    assert new != fid
    page.button(key=f"interview_{new}_discard").click().run()
    assert not page.exception, [e.value for e in page.exception]
    assert page.session_state["interview_finding"] in (None, fid)
    page.selectbox(key="interview_customer").set_value(customer).run()
    assert not page.exception, [e.value for e in page.exception]
    assert page.date_input(key=f"{p}_interview_date").value == stored.interview_date
    assert page.selectbox(key=f"{p}_primary_code").value == stored.primary_code
    assert page.multiselect(key=f"{p}_secondary_codes").value == list(stored.secondary_codes)
