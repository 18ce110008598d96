"""The Taxonomy page: the codebook by group; add, rename, merge, retire and restore."""

from __future__ import annotations

import pytest

from research.base import studies
from research.findings import interviews, taxonomy
from tests.pages.sessions import SIGNED_IN_NAME


@pytest.fixture
def page(app, open_page):
    return open_page(app, "pages/taxonomy.py")


@pytest.fixture
def demo(app_store):
    return studies.get_study(app_store, "demo")


def codes_shown(page) -> set[str]:
    return {code for frame in page.dataframe[:3] for code in frame.value["code"]}


def test_the_default_taxonomy_by_group(page):
    assert [h.value for h in page.markdown if h.value.startswith("#### ")] == [
        "#### Company-side (controllable)",
        "#### Competitor pull",
        "#### Customer-side (uncontrollable)",
    ]
    company, competitor, customer = (f.value for f in page.dataframe[:3])
    assert len(company) == 12 and len(competitor) == 5 and len(customer) == 8
    row = company[company["code"] == "policy_change"].iloc[0]
    assert row["label"].startswith("Policy change") and row["other"].startswith("政策变化")
    assert bool(row["controllable"]) and bool(row["can_be_involuntary"])
    assert not customer["controllable"].any()


def test_merge_counts_findings_under_the_survivor(page, app_store, demo):
    given = interviews.cause_counts(app_store, demo, by="code", include_drafts=True)
    source, into = "competitor_promotion", "competitor_lower_price"
    assert given.get(source, 0) > 0
    page.selectbox(key="taxonomy_merge_source").set_value(source)
    page.selectbox(key="taxonomy_merge_into").set_value(into)
    page.text_input(key="taxonomy_merge_note").input("the same thing in practice")
    page.button(key="FormSubmitter:taxonomy_merge_form-Merge").click().run()
    assert not page.exception and not page.error
    assert any("merged into" in s.value for s in page.success)
    book = taxonomy.codebook(app_store)
    assert book.code(source).status == "merged" and book.resolve(source) == into
    # every finding keeps the code it was given, and counts under the survivor
    after_given = interviews.cause_counts(app_store, demo, by="code", include_drafts=True)
    assert after_given.get(source) == given.get(source)
    counted = interviews.cause_counts(app_store, demo, include_drafts=True)
    assert counted.get(into) == given.get(into, 0) + given.get(source)
    assert source not in counted
    # the merged code is gone from the list (until asked for) and the merge is recorded
    assert source not in codes_shown(page)
    history = taxonomy.changes(app_store)
    assert history.iloc[0]["action"] == "merge" and history.iloc[0]["changed_by"] == SIGNED_IN_NAME
    page.toggle(key="taxonomy_show_all").set_value(True).run()
    assert source in codes_shown(page)


def test_retire_hides_a_code_for_new_findings_only(page, app, open_page, app_store, demo):
    code = "wanted_variety"
    page.selectbox(key="taxonomy_retire_code").set_value(code)
    page.text_input(key="taxonomy_retire_reason").input("never used")
    page.button(key="FormSubmitter:taxonomy_retire_form-Retire").click().run()
    assert not page.exception and not page.error
    assert taxonomy.codebook(app_store).code(code).status == "retired"
    assert code not in codes_shown(page)

    # the interview form no longer offers it, but an old finding keeps and shows it
    frame = interviews.list_findings(app_store, demo)
    old = frame[frame["secondary_codes"].map(lambda c: code in c)].iloc[0]
    form = open_page(app, "pages/interview.py")
    form.selectbox(key="interview_customer").set_value(old["customer_id"]).run()
    secondary = form.multiselect(key=f"interview_{int(old['id'])}_secondary_codes")
    assert code in secondary.value
    new_form_options = form.selectbox(key=f"interview_{int(old['id'])}_primary_code").options
    assert not any("Wanted variety" in o and "retired" not in o for o in new_form_options)

    # restore brings it back
    page = open_page(app, "pages/taxonomy.py")
    page.selectbox(key="taxonomy_restore_code").set_value(code)
    page.button(key="FormSubmitter:taxonomy_restore_form-Restore").click().run()
    assert taxonomy.codebook(app_store).code(code).active


def test_add_and_rename(page, app_store):
    page.selectbox(key="taxonomy_add_group").set_value("company")
    page.text_input(key="taxonomy_add_en").input("Website hard to use")
    page.text_input(key="taxonomy_add_zh").input("网站不好用")
    page.button(key="FormSubmitter:taxonomy_add_form-Add code").click().run()
    assert not page.error
    book = taxonomy.codebook(app_store)
    added = book.code("website_hard_to_use")
    assert (added.group_key, added.label_zh, added.added_in_version) == (
        "company",
        "网站不好用",
        book.version,
    )

    page.selectbox(key="taxonomy_rename_code").set_value("website_hard_to_use").run()
    page.text_input(key="taxonomy_rename_en_website_hard_to_use").input("Self-service website")
    page.button(
        key="FormSubmitter:taxonomy_rename_form_website_hard_to_use-Save changes"
    ).click().run()
    assert (
        taxonomy.codebook(app_store).code("website_hard_to_use").label_en == "Self-service website"
    )
    history = page.dataframe[-1].value
    assert list(history["action"][:2]) == ["Renamed", "Added"]

    # a code without a Chinese label is refused, with the reason
    page.text_input(key="taxonomy_add_en").input("No Chinese")
    page.text_input(key="taxonomy_add_zh").input("")
    page.button(key="FormSubmitter:taxonomy_add_form-Add code").click().run()
    assert any("Chinese label" in e.value for e in page.error)


def test_page_in_chinese(app, open_page):
    app.sidebar.selectbox(key="app_lang_picker").set_value("zh").run()
    page = open_page(app, "pages/taxonomy.py")
    assert [t.value for t in page.title] == ["失误分类"]
    assert "员工态度冷漠或恶劣" in set(page.dataframe[0].value["label"])
