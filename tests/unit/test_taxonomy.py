"""The codebook: the default taxonomy, and changes that never lose a past finding."""

from __future__ import annotations

import re

import pytest

from research.findings import interviews, taxonomy
from research.findings.taxonomy import TaxonomyError

ACTOR = "tester"


def test_the_default_taxonomy_is_seeded_in_three_groups(store):
    book = taxonomy.codebook(store)
    assert book.version == 1
    assert [g.key for g in book.groups] == ["company", "competitor", "customer"]
    assert [g.label_en for g in book.groups] == [
        "Company-side (controllable)",
        "Competitor pull",
        "Customer-side (uncontrollable)",
    ]
    by_group = {
        g.key: [c.code for c in book.codes.values() if c.group_key == g.key] for g in book.groups
    }
    assert len(by_group["company"]) == 12  # DESIGN.md lists twelve company-side causes
    assert by_group["competitor"] == [
        "competitor_lower_price",
        "competitor_better_product",
        "competitor_better_service",
        "competitor_promotion",
        "competitor_inducement",
    ]
    assert by_group["customer"] == [
        "moved_away",
        "business_changed",
        "integrated_upstream",
        "closed_bankrupt",
        "died",
        "needs_changed",
        "wanted_variety",
        "friend_recommendation",
    ]
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for c in book.codes.values():
        assert (
            c.label_en
            and cjk.search(c.label_zh)
            and c.description_en
            and cjk.search(c.description_zh)
        ), c.code
        assert c.active and c.added_in_version == 1
    # customer-side causes are not controllable; company decisions can push customers out
    assert not any(book.code(c).controllable for c in by_group["customer"])
    assert all(book.code(c).controllable for c in by_group["company"])
    assert {c.code for c in book.codes.values() if c.can_be_involuntary} == {
        "policy_change",
        "repositioning",
        "channel_conflict",
    }


def test_add_a_code_raises_the_version_and_checks_its_input(store):
    version = taxonomy.add_code(
        store,
        code="slow_quotes",
        group="company",
        label_en="Slow quotations",
        label_zh="报价太慢",
        actor=ACTOR,
    )
    book = taxonomy.codebook(store)
    assert version == book.version == 2
    added = book.code("slow_quotes")
    assert (added.controllable, added.can_be_involuntary, added.added_in_version) == (
        True,
        False,
        2,
    )
    assert list(book.codes)[12] == "slow_quotes"  # last of its group, before competitors
    # a customer-side code starts as not controllable
    taxonomy.add_code(
        store,
        code="retired_owner",
        group="customer",
        label_en="Owner retired",
        label_zh="老板退休",
        actor=ACTOR,
    )
    assert not taxonomy.codebook(store).code("retired_owner").controllable

    for bad in [
        dict(code="slow_quotes"),
        dict(code="Bad Code"),
        dict(label_zh=""),
        dict(group="nowhere"),
        dict(code="other", label_en="slow QUOTATIONS"),
    ]:
        values = dict(code="x_new", group="company", label_en="New", label_zh="新") | bad
        with pytest.raises(TaxonomyError):
            taxonomy.add_code(store, actor=ACTOR, **values)
    assert taxonomy.codebook(store).version == 3  # nothing recorded for the refusals


def test_rename_keeps_the_code_and_records_the_old_labels(store, study):
    f = interviews.create_finding(store, study, "C1", actor=ACTOR)
    interviews.save_field(store, f.id, "primary_code", "price_value", base_version=1, actor=ACTOR)
    version = taxonomy.rename_code(
        store, "price_value", actor="wang", label_en="Price too high", label_zh="价格太高"
    )
    book = taxonomy.codebook(store)
    assert book.label("price_value", "en") == "Price too high"
    assert book.label("price_value", "zh") == "价格太高"
    assert interviews.get_finding(store, f.id).primary_code == "price_value"
    change = taxonomy.changes(store).iloc[0]
    assert (change["version"], change["action"], change["code"], change["changed_by"]) == (
        version,
        "rename",
        "price_value",
        "wang",
    )
    assert change["detail"]["label_en"] == {
        "from": "Price / value for money",
        "to": "Price too high",
    }
    with pytest.raises(TaxonomyError):
        taxonomy.rename_code(store, "price_value", actor=ACTOR, label_en="Price too high")
    taxonomy.edit_code(store, "price_value", actor=ACTOR, can_be_involuntary=True)
    assert taxonomy.codebook(store).code("price_value").can_be_involuntary
    assert taxonomy.changes(store).iloc[0]["action"] == "edit"


def test_merge_counts_findings_under_the_survivor_and_keeps_the_given_code(store, study):
    for cid, code in [
        ("C1", "competitor_promotion"),
        ("C2", "competitor_promotion"),
        ("C3", "competitor_lower_price"),
    ]:
        f = interviews.create_finding(store, study, cid, actor=ACTOR)
        interviews.save_fields(
            store,
            f.id,
            {"primary_code": code, "defection_type": "full"},
            base_version=1,
            actor=ACTOR,
        )
        interviews.finalize(store, f.id, actor=ACTOR)
    taxonomy.merge_codes(
        store,
        "competitor_promotion",
        "competitor_lower_price",
        actor="li",
        note="one cause in practice",
    )
    book = taxonomy.codebook(store)
    assert book.code("competitor_promotion").status == "merged"
    assert book.resolve("competitor_promotion") == "competitor_lower_price"
    assert interviews.cause_counts(store, study).to_dict() == {"competitor_lower_price": 3}
    assert interviews.cause_counts(store, study, by="code").to_dict() == {
        "competitor_promotion": 2,
        "competitor_lower_price": 1,
    }
    assert "competitor_promotion" not in [c.code for c in book.active_codes()]
    change = taxonomy.changes(store).iloc[0]
    assert (change["action"], change["code"], change["detail"]["into"], change["changed_by"]) == (
        "merge",
        "competitor_promotion",
        "competitor_lower_price",
        "li",
    )
    # merges chain: a later merge of the survivor carries the earlier findings along
    taxonomy.merge_codes(store, "competitor_lower_price", "price_value", actor=ACTOR)
    assert interviews.cause_counts(store, study).to_dict() == {"price_value": 3}
    with pytest.raises(TaxonomyError):
        taxonomy.merge_codes(store, "price_value", "price_value", actor=ACTOR)
    with pytest.raises(TaxonomyError):
        taxonomy.merge_codes(store, "died", "competitor_promotion", actor=ACTOR)


def test_retire_hides_for_new_findings_and_keeps_history(store, study):
    f = interviews.create_finding(store, study, "C1", actor=ACTOR)
    v = interviews.save_field(
        store, f.id, "primary_code", "wanted_variety", base_version=1, actor=ACTOR
    )
    taxonomy.retire_code(store, "wanted_variety", actor=ACTOR, reason="too vague")
    book = taxonomy.codebook(store)
    assert "wanted_variety" not in [c.code for c in book.active_codes()]
    assert book.label("wanted_variety", "en", with_status=True) == "Wanted variety (retired)"
    # the old finding keeps it and can still be saved with it
    interviews.save_field(store, f.id, "summary", "kept", base_version=v, actor=ACTOR)
    assert interviews.get_finding(store, f.id).primary_code == "wanted_variety"
    # a new finding cannot pick it
    other = interviews.create_finding(store, study, "C2", actor=ACTOR)
    with pytest.raises(interviews.FindingError):
        interviews.save_field(
            store, other.id, "primary_code", "wanted_variety", base_version=1, actor=ACTOR
        )
    taxonomy.restore_code(store, "wanted_variety", actor=ACTOR)
    assert taxonomy.codebook(store).code("wanted_variety").active
    assert list(taxonomy.changes(store)["action"][:2]) == ["restore", "retire"]


def test_findings_record_the_codebook_version_they_were_coded_under(store, study):
    f = interviews.create_finding(store, study, "C1", actor=ACTOR)
    assert f.codebook_version == 1
    taxonomy.add_code(
        store, code="new_one", group="company", label_en="New", label_zh="新", actor=ACTOR
    )
    interviews.save_field(store, f.id, "primary_code", "new_one", base_version=1, actor=ACTOR)
    assert interviews.get_finding(store, f.id).codebook_version == 2


def test_lookup_matches_codes_and_labels_in_both_languages(store):
    book = taxonomy.codebook(store)
    assert book.lookup("died") == "died"
    assert book.lookup("  moved   AWAY ") == "moved_away"
    assert book.lookup("搬迁") == "moved_away"
    assert book.lookup("Moved") is None
    assert book.lookup("Moved", {"moved": "moved_away"}) == "moved_away"
    assert taxonomy.slug("Don't know") == "don_t_know"
    assert taxonomy.slug("3 things") == "code_3_things"


def test_export_lists_every_code_in_both_languages(store):
    taxonomy.retire_code(store, "died", actor=ACTOR)
    frame = taxonomy.export_frame(taxonomy.codebook(store))
    assert len(frame) == 25
    assert frame.loc[frame["code"] == "died", "status"].item() == "retired"
    assert len(taxonomy.export_frame(taxonomy.codebook(store), include_inactive=False)) == 24
