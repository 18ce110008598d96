"""Past studies from spreadsheets: the Telco sample imports with exactly the counts its
README gives; unknown labels are listed before anything is written; all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from research.base import studies
from research.base.errors import ImportRejectedError
from research.base.i18n import Translator
from research.base.store import connect
from research.cli import main
from research.findings import interviews, past_studies, taxonomy
from research.findings.past_studies import NewCode, UnmappedLabelsError
from research.ledger.load import import_history
from research.ledger.read import read_table

TELCO = Path(__file__).resolve().parents[3] / "shared" / "data" / "telco-sample" / "status.csv"
if not TELCO.exists():
    TELCO = Path("/work/shared/data/telco-sample/status.csv")

# The README's counts (checked there with pandas).
README_CATEGORIES = {
    "Competitor": 841,
    "Attitude": 314,
    "Dissatisfaction": 303,
    "Price": 211,
    "Other": 200,
}
README_REASONS = {
    "Competitor had better devices": 313,
    "Competitor made better offer": 311,
    "Competitor offered more data": 117,
    "Competitor offered higher download speeds": 100,
    "Attitude of support person": 220,
    "Attitude of service provider": 94,
    "Product dissatisfaction": 77,
    "Network reliability": 72,
    "Service dissatisfaction": 63,
    "Limited range of services": 37,
    "Lack of self-service on Website": 29,
    "Poor expertise of online support": 31,
    "Poor expertise of phone support": 12,
    "Price too high": 78,
    "Long distance charges": 64,
    "Extra data charges": 39,
    "Lack of affordable download/upload speed": 30,
    "Don't know": 130,
    "Moved": 46,
    "Deceased": 6,
}
# How a team might map the Telco reasons to the default taxonomy.
TELCO_MAP = {
    "Competitor had better devices": "competitor_better_product",
    "Competitor made better offer": "competitor_promotion",
    "Competitor offered more data": "competitor_better_product",
    "Competitor offered higher download speeds": "competitor_better_product",
    "Attitude of support person": "staff_attitude",
    "Attitude of service provider": "staff_attitude",
    "Product dissatisfaction": "product_quality",
    "Network reliability": "product_quality",
    "Service dissatisfaction": "after_sales_service",
    "Limited range of services": "product_fit",
    "Lack of self-service on Website": "product_fit",
    "Poor expertise of online support": "after_sales_service",
    "Poor expertise of phone support": "after_sales_service",
    "Price too high": "price_value",
    "Long distance charges": "price_value",
    "Extra data charges": "price_value",
    "Lack of affordable download/upload speed": "price_value",
    "Moved": "moved_away",
    "Deceased": "died",
}
DONT_KNOW = NewCode("Don't know", "not_known", "customer", "不清楚")


def rows(store, study) -> int:
    with store.cursor() as cur:
        return cur.execute(
            "SELECT count(*) FROM findings WHERE study_id = ?", [study.id]
        ).fetchall()[0][0]


@pytest.fixture(scope="module")
def telco():
    """The Telco sample imported once (the slowest part), for the read-only checks."""
    store = connect(":memory:")
    study = studies.create_study(store, "telco", date(2019, 10, 1), actor="tester")
    result = past_studies.import_findings(
        store, study, TELCO, actor="tester", label_map=TELCO_MAP, new_codes=[DONT_KNOW]
    )
    yield store, study, result
    store.close()


def test_the_telco_sample_imports_with_the_readme_counts(telco):
    store, study, result = telco
    assert (result.rows_in_file, result.rows_new, result.skipped_blank) == (7043, 1869, 5174)
    assert (
        interviews.cause_counts(store, study, by="source_category").to_dict() == README_CATEGORIES
    )
    assert interviews.cause_counts(store, study, by="source_reason").to_dict() == README_REASONS


def test_the_import_says_what_it_did_in_the_readers_language(telco):
    _, _, result = telco
    assert result.summary(Translator("en")) == (
        "Imported status.csv: 1,869 new findings, 0 already there, 5,174 rows without a cause"
        " skipped; new codes: not_known."
    )
    zh = Translator("zh")
    assert result.summary(zh) == zh(
        "findings_import.done",
        file="status.csv",
        new="1,869",
        existing="0",
        skipped="5,174",
        codes="not_known",
    )


def test_the_reason_filed_under_two_categories_keeps_both(telco):
    store, study, _ = telco
    frame = interviews.list_findings(store, study)
    online = frame[frame["source_reason"] == "Poor expertise of online support"]
    assert online["source_category"].value_counts().to_dict() == {
        "Other": 18,
        "Dissatisfaction": 13,
    }
    assert set(online["primary_code"]) == {"after_sales_service"}
    per_source = past_studies.counts_by_source(store, study)
    both = per_source[per_source["source_reason"] == "Poor expertise of online support"]
    assert dict(zip(both["source_category"], both["findings"], strict=True)) == {
        "Dissatisfaction": 13,
        "Other": 18,
    }


def test_mapped_codes_add_up_from_the_reasons(telco):
    store, study, _ = telco
    expected: dict[str, int] = {}
    for reason, count in README_REASONS.items():
        code = TELCO_MAP.get(reason, "not_known")
        expected[code] = expected.get(code, 0) + count
    assert interviews.cause_counts(store, study).to_dict() == expected
    assert expected["competitor_better_product"] == 313 + 117 + 100
    book = taxonomy.codebook(store)
    assert book.code("not_known").label_zh == "不清楚"
    assert book.code("not_known").group_key == "customer"


def test_imported_findings_are_final_with_the_source_kept(telco):
    store, study, _ = telco
    frame = interviews.list_findings(store, study)
    assert set(frame["status"]) == {"final"} and set(frame["origin"]) == {"import"}
    one = interviews.get_finding(store, int(frame.iloc[0]["id"]))
    assert one.source_data["Customer Status"] == "Churned"
    assert "Satisfaction Score" in one.source_data
    assert one.codebook_version == 2  # the codebook with the new code


def test_unknown_labels_are_listed_before_anything_is_written(store, study):
    with pytest.raises(UnmappedLabelsError) as caught:
        past_studies.import_findings(store, study, TELCO, actor="tester")
    labels = {u.label: u.count for u in caught.value.labels}
    # "Price too high" and the rest match no code or label of the default taxonomy
    assert labels == README_REASONS
    assert caught.value.labels[0].label == "Competitor had better devices"  # most frequent first
    text = caught.value.render()
    assert "Competitor had better devices" in text and "--code" in text
    assert rows(store, study) == 0
    assert taxonomy.codebook(store).version == 1
    # mapping all but one still writes nothing
    with pytest.raises(UnmappedLabelsError) as caught:
        past_studies.import_findings(store, study, TELCO, actor="tester", label_map=TELCO_MAP)
    assert [u.label for u in caught.value.labels] == ["Don't know"]
    assert rows(store, study) == 0


def test_reimport_adds_nothing_and_mappings_are_remembered(store, study, tmp_path):
    small = tmp_path / "small.csv"
    small.write_text(
        "Customer ID,Churn Category,Churn Reason,Product quality,Verbatim\n"
        "A1,Price,Price too high,2,Too dear\n"
        "A2,Other,Moved,非常满意,\n"
        "A3,,,,\n",
        encoding="utf-8",
    )
    first = past_studies.import_findings(
        store,
        study,
        small,
        actor="tester",
        label_map={"Price too high": "price_value", "Moved": "moved_away"},
    )
    assert (first.rows_new, first.skipped_blank) == (2, 1)
    again = past_studies.import_findings(store, study, small, actor="tester")  # remembered
    assert (again.rows_new, again.rows_existing) == (0, 2)
    frame = interviews.list_findings(store, study)
    assert dict(zip(frame["customer_id"], frame["primary_code"], strict=True)) == {
        "A1": "price_value",
        "A2": "moved_away",
    }
    a1 = interviews.get_finding(store, int(frame.iloc[0]["id"]))
    assert a1.sat_product == "somewhat_dissatisfied" and a1.quotes[0].text == "Too dear"
    a2 = interviews.get_finding(store, int(frame.iloc[1]["id"]))
    assert a2.sat_product == "highly_satisfied" and a2.quotes == ()
    history = import_history(store, study)
    assert list(history["kind"]) == ["findings", "findings"]


def test_a_file_with_a_bad_row_is_rejected_whole(store, study, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "客户编号,访谈日期,原因,服务质量\n"
        "A1,2024-03-05,价格 / 性价比,4\n"
        ",2024-03-06,搬迁,5\n"
        "A3,not a date,搬迁,maybe\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejectedError) as caught:
        past_studies.import_findings(store, study, bad, actor="tester")
    problems = [(p.row, p.column) for p in caught.value.problems]
    assert problems == [(3, "客户编号"), (4, "服务质量"), (4, "访谈日期")]
    assert rows(store, study) == 0
    # Chinese headers and Chinese code labels are recognised
    raw = read_table(bad)
    prepared = past_studies.prepare(store, raw)
    assert prepared.mapping["primary_cause"] == "原因" and prepared.unknown == []
    assert set(prepared.frame["primary_code"]) == {"price_value", "moved_away"}


def test_mapping_options_are_checked(store, tmp_path):
    assert past_studies.parse_code_options(["Price too high=price_value"]) == {
        "Price too high": "price_value"
    }
    assert past_studies.parse_new_code_options(
        ["Lack of affordable download/upload speed=company/speed_price/网速太贵"]
    ) == [NewCode("Lack of affordable download/upload speed", "speed_price", "company", "网速太贵")]
    for bad in ["no-equals", "X=company"]:
        with pytest.raises(ImportRejectedError):
            past_studies.parse_new_code_options([bad])
    raw = read_table(b"id,reason\n1,Moved\n", "x.csv")
    with pytest.raises(ImportRejectedError):
        past_studies.prepare(store, raw, label_map={"Moved": "nowhere"})
    with pytest.raises(ImportRejectedError):
        past_studies.prepare(store, raw, new_codes=[NewCode("Moved", "died", "customer")])


def test_columns_are_guessed_and_chosen_by_the_customer_import_rules(store):
    columns = ["Customer ID", "Churn Reason", "Churn_Category", "访谈日期", "Notes"]
    assert past_studies.suggest_mapping(columns) == {
        "customer_id": "Customer ID",
        "interview_date": "访谈日期",
        "primary_cause": "Churn Reason",
        "source_category": "Churn_Category",
    }
    raw = read_table(b"Customer ID,Churn Reason,Notes\nA1,Moved,went abroad\n", "x.csv")
    # a hand-made choice wins and frees its column from the guessed field
    prepared = past_studies.prepare(
        store, raw, {"primary_cause": "Notes", "summary": "Churn Reason"}
    )
    assert prepared.mapping == {
        "customer_id": "Customer ID",
        "primary_cause": "Notes",
        "summary": "Churn Reason",
    }
    for wrong, key in (
        ({"reason": "Notes"}, "import.unknown_field"),
        ({"summary": "Comments"}, "import.no_column"),
    ):
        with pytest.raises(ImportRejectedError) as caught:
            past_studies.prepare(store, raw, wrong)
        assert caught.value.key == key
    with pytest.raises(ImportRejectedError) as caught:
        past_studies.prepare(store, read_table(b"Customer ID,Notes\nA1,x\n", "y.csv"))
    assert caught.value.key == "import.missing_fields"
    assert caught.value.values["fields"] == "primary_cause"


# ---------------------------------------------------------------- the CLI


def test_cli_lists_unknown_labels_then_imports_with_mappings(tmp_path):
    db = tmp_path / "cli.duckdb"
    store = connect(db)
    studies.create_study(store, "telco", date(2019, 10, 1), actor="tester")
    store.close()
    runner = CliRunner()
    base = ["--db", str(db), "import", "findings", str(TELCO), "--study", "telco"]
    listed = runner.invoke(main, base)
    assert listed.exit_code == 1
    assert "Competitor had better devices" in listed.output and "313" in listed.output
    assert "Nothing was written" in listed.output

    options = [f"--code={label}={code}" for label, code in TELCO_MAP.items()]
    options.append("--new-code=Don't know=customer/not_known/不清楚")
    done = runner.invoke(main, [*base, *options])
    assert done.exit_code == 0, done.output
    assert "1,869 new findings" in done.output
    counts = runner.invoke(
        main, ["--db", str(db), "findings", "counts", "--study", "telco", "--by", "source_category"]
    )
    assert "Competitor         841" in counts.output
    listing = runner.invoke(main, ["--db", str(db), "taxonomy", "list", "--all"])
    assert "not_known" in listing.output and "Codebook version 2" in listing.output
    out = tmp_path / "codebook.csv"
    exported = runner.invoke(main, ["--db", str(db), "taxonomy", "export", "--out", str(out)])
    assert exported.exit_code == 0 and out.read_text(encoding="utf-8-sig").count("\n") == 27


def test_cli_taxonomy_changes(tmp_path):
    db = str(tmp_path / "tax.duckdb")
    connect(db).close()  # only study create and demo make a new database
    runner = CliRunner()
    assert (
        runner.invoke(
            main,
            [
                "--db",
                db,
                "taxonomy",
                "add",
                "slow_quotes",
                "--group",
                "company",
                "--en",
                "Slow quotations",
                "--zh",
                "报价太慢",
            ],
        ).exit_code
        == 0
    )
    merged = runner.invoke(
        main, ["--db", db, "taxonomy", "merge", "slow_quotes", "too_little_communication"]
    )
    assert merged.exit_code == 0 and "merged into" in merged.output
    retired = runner.invoke(main, ["--db", db, "--lang", "zh", "taxonomy", "retire", "died"])
    assert retired.exit_code == 0 and "已停用" in retired.output
    refused = runner.invoke(main, ["--db", db, "taxonomy", "retire", "died"])
    assert refused.exit_code == 1 and "retired or merged already" in refused.output
    shown = runner.invoke(main, ["--db", db, "--lang", "zh", "taxonomy"])
    assert "员工态度冷漠或恶劣" in shown.output and "身故" not in shown.output
