"""The Study page: summary, funnel, settings, new studies, language."""

from __future__ import annotations

from research.selection import detection
from tests.markdown_view import shown
from tests.pages.sessions import SIGNED_IN_NAME, charts


def create_button(app):
    return next(b for b in app.button if b.label == "Create study")


def test_study_page_shows_the_demo_summary_and_funnel(app, app_store, study_named):
    assert [t.value for t in app.title] == ["Study"]
    assert "demo" in [h.value for h in app.subheader]
    labels = [m.label for m in app.metric]
    # the study's own figures first (the call desk's and the coders' follow)
    assert labels[:5] == [
        "Customers",
        "Full defectors",
        "Partial defectors",
        "Targets",
        "Spend lost",
    ]
    frame = detection.results(app_store, study_named("demo"))
    shown = {m.label: m.value for m in app.metric}
    assert shown["Customers"] == f"{len(frame):,}"
    assert shown["Full defectors"] == f"{(frame['status'] == 'full').sum():,}"
    assert [c["key"] for c in charts(app)] == ["study_funnel"]


def test_language_switch_translates_the_page(app):
    app.sidebar.selectbox(key="app_lang_picker").set_value("zh").run()
    assert not app.exception
    assert [t.value for t in app.title] == ["研究"]
    assert "客户数" in [m.label for m in app.metric]


def test_saving_settings_reruns_detection_with_the_new_rule(app, app_store, study_named):
    before = study_named("demo")
    frame_before = detection.results(app_store, before)
    partial_before = (frame_before["status"] == "partial").sum()

    app.number_input(key="study_drop_threshold").set_value(0.2)
    app.button[0].click().run()  # the form's submit button is the first button on the page
    assert not app.exception
    after = study_named("demo")
    assert after.drop_threshold == 0.2
    assert after.updated_by == SIGNED_IN_NAME
    assert "Settings saved" in " ".join(s.value for s in app.success)
    frame_after = detection.results(app_store, after)
    # a lower threshold catches at least as many partial defectors
    assert (frame_after["status"] == "partial").sum() >= partial_before
    assert len(frame_after) == len(frame_before)


def test_bad_segment_shares_are_refused_with_a_message(app, study_named):
    app.number_input(key="study_best_core_pct").set_value(0.6)
    app.number_input(key="study_general_pct").set_value(0.6)
    app.button[0].click().run()
    assert not app.exception
    assert any("100%" in e.value for e in app.error)
    assert study_named("demo").best_core_pct == 0.10


def test_create_a_study_and_it_becomes_current(app, study_named):
    app.text_input(key="study_new_name").input("Q4 2026")
    create_button(app).click().run()
    assert not app.exception
    assert study_named("Q4 2026").created_by == SIGNED_IN_NAME
    app.run()
    # (AppTest drops sidebar widgets drawn before st.navigation on reruns; a real browser
    # keeps them, see tests/browser; so check what the page shows)
    assert "Q4 2026" in [h.value for h in app.subheader]
    # a new study asks its question of the ledger at once: no import needed
    shown = {m.label: m.value for m in app.metric}
    assert shown["Customers"] == "400"
    assert any("Scope: the whole ledger." in c.value for c in app.caption)


def test_a_scope_narrows_the_study_to_part_of_the_ledger(app, app_store, study_named):
    with app_store.cursor() as cur:
        east = cur.execute("SELECT count(*) FROM customers WHERE region = 'East China'").fetchall()[
            0
        ][0]
    box = app.multiselect(key="study_scope_region")
    assert "East China" in box.options and box.value == []
    box.set_value(["East China"])
    app.button[0].click().run()
    assert not app.exception
    assert study_named("demo").scope.region == ("East China",)
    assert any("Scope: Region: East China." in shown(c.value) for c in app.caption)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Customers"] == f"{east:,}" and 0 < east < 400
    # a scope matching nothing says so instead of showing empty charts (the demo's public
    # health customers are all in China)
    app.multiselect(key="study_scope_region").set_value(["Overseas"])
    app.multiselect(key="study_scope_industry").set_value(["Public health"])
    app.button[0].click().run()
    assert not app.exception
    assert detection.results(app_store, study_named("demo")).empty
    assert any("no data" in i.value for i in app.info)


def test_the_study_says_what_its_results_stand_on_and_when_newer_data_came(
    app, app_store, study_named, open_page
):
    from research.ledger.load import import_file

    assert any("on the ledger as of the import of" in c.value for c in app.caption)
    import_file(
        app_store,
        "transactions",
        b"customer_id,date,amount\nC10001,2026-10-15,100\n",
        actor="tester",
        file_name="october.csv",
    )
    page = open_page(app, "pages/study.py")
    assert any("Newer data had arrived, so detection ran again" in i.value for i in page.info)
    assert any("october.csv" in c.value for c in page.caption)
    assert not detection.is_stale(app_store, study_named("demo"))


def test_the_new_study_form_clears_after_creation_and_says_so_beside_it(app, study_named):
    app.text_input(key="study_new_name").input("Spring")
    app.text_input(key="study_new_description").input("Why the clinics left")
    create_button(app).click().run()
    assert not app.exception
    assert study_named("Spring").description == "Why the clinics left"
    assert app.text_input(key="study_new_name").value == ""
    assert app.text_input(key="study_new_description").value == ""
    # the message stands after the form that caused it, not at the top of the page
    assert any("Study Spring created" in s.value for s in app.success)
    order = [(e.type, getattr(e, "key", None), str(getattr(e, "value", ""))) for e in app.main]
    form_at = next(i for i, e in enumerate(order) if e[1] == "study_new_name")
    message_at = next(i for i, e in enumerate(order) if "Study Spring created" in e[2])
    assert message_at > form_at


def test_a_name_that_differs_only_in_case_or_spaces_is_refused_and_kept(app, app_store):
    from research.base import studies

    before = len(studies.list_studies(app_store, include_archived=True))
    app.text_input(key="study_new_name").input("DEMO ")
    app.text_input(key="study_new_description").input("typed with care")
    create_button(app).click().run()
    assert not app.exception
    assert [e.value for e in app.error] and "Study already exists" in app.error[0].value
    assert len(studies.list_studies(app_store, include_archived=True)) == before
    # a failed form keeps what was typed
    assert app.text_input(key="study_new_name").value == "DEMO "
    assert app.text_input(key="study_new_description").value == "typed with care"


def test_an_empty_study_hides_the_desk_and_coder_sections(app, open_page):
    app.text_input(key="study_new_name").input("Empty one")
    create_button(app).click().run()
    page = open_page(app, "pages/study.py")
    assert "Empty one" in [h.value for h in page.subheader]
    headers = [h.value for h in page.subheader]
    assert "Calls and interviews" not in headers
    assert not any(h.startswith("Second coder") for h in headers)
    assert any("No target list yet" in i.value for i in page.info)
    labels = [m.label for m in page.metric]
    assert "Tried" not in labels and "Interviews held (incl. drafts)" not in labels


def test_the_demo_shows_interviews_held_and_final_records_apart(app, app_store, study_named):
    from research.analysis import checkpoint, overview

    counts = overview.study_counts(app_store, study_named("demo"))
    shown_metrics = {m.label: m.value for m in app.metric}
    assert shown_metrics["Interviews held (incl. drafts)"] == str(counts.interviews_held)
    assert shown_metrics["Final interview records"] == str(counts.final_records)
    assert shown_metrics["Targets"] == str(counts.targets)
    assert shown_metrics["Tried"] == str(counts.tried)
    # the review page counts the same final records
    assert checkpoint.checkpoint(app_store, study_named("demo")).held == counts.final_records


def test_deleting_asks_first_and_says_what_will_go(app, app_store, study_named):
    from research.base import studies
    from research.base.errors import StudyNotFoundError

    demo = study_named("demo")
    held = studies.contents(app_store, demo)
    app.button(key="study_delete").click().run()
    assert not app.exception
    warning = " ".join(w.value for w in app.warning)
    assert "Delete the study demo?" in warning
    assert f"{held['targets']} targets" in warning
    assert f"{held['records']} interview records" in warning
    study_named("demo")  # nothing deleted yet
    app.button(key="study_delete_no").click().run()
    assert not any("Delete the study" in w.value for w in app.warning)
    app.button(key="study_delete").click().run()
    app.button(key="study_delete_yes").click().run()
    assert not app.exception
    try:
        study_named("demo")
        raise AssertionError("the study is still there")
    except StudyNotFoundError:
        pass
    with app_store.cursor() as cur:
        left = cur.execute("SELECT count(*) FROM findings WHERE study_id = ?", [demo.id])
        assert left.fetchall()[0][0] == 0


def test_archiving_from_the_page(app, study_named):
    app.button(key="study_archive").click().run()
    assert not app.exception
    assert study_named("demo").archived
    assert any("Study demo archived" in s.value for s in app.success)
