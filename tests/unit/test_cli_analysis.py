"""`defectors analysis ...`: the Analysis page's numbers as tables and CSV."""

from __future__ import annotations

import io

import pandas as pd
from click.testing import CliRunner

from research.analysis import actions, causes
from research.base import studies
from research.base.store import connect
from research.cli import main


def run(db, *args, lang="en"):
    result = CliRunner().invoke(
        main, ["--db", str(db), "--lang", lang, *args], env={"DEFECTORS_USER": "cli-tester"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_causes_as_csv_match_the_analysis(demo_db):
    store = connect(demo_db)
    demo = studies.get_study(store, "demo")
    table = causes.cause_table(store, causes.FindingsFilter((demo.id,)))
    store.close()
    frame = pd.read_csv(
        io.StringIO(run(demo_db, "analysis", "causes", "--study", "demo", "--format", "csv"))
    )
    assert list(frame["cause"]) == [r.key for r in table.rows]
    assert list(frame["findings"]) == [r.share.count for r in table.rows]
    assert frame["share_low"].round(4).tolist() == [round(r.share.low, 4) for r in table.rows]


def test_causes_table_in_chinese_names_groups(demo_db):
    output = run(demo_db, "analysis", "causes", "--by", "group", lang="zh")
    assert "公司方面（可控）" in output and "%" in output


def test_segment_filter_narrows_the_counts(demo_db):
    everyone = pd.read_csv(io.StringIO(run(demo_db, "analysis", "causes", "--format", "csv")))
    best = pd.read_csv(
        io.StringIO(run(demo_db, "analysis", "causes", "--format", "csv", "--segment", "best_core"))
    )
    assert 0 < best["of"].iloc[0] < everyone["of"].iloc[0]


def test_trends_and_actions(demo_db):
    assert "interviews" in run(demo_db, "analysis", "trends")
    store = connect(demo_db)
    actions.add_action(
        store, title="Faster answers", owner="李娜", causes=["staff_attitude"], actor="t"
    )
    store.close()
    frame = pd.read_csv(io.StringIO(run(demo_db, "analysis", "actions", "--format", "csv")))
    assert "Faster answers" in list(frame["title"])  # beside the demo's two earlier actions


def test_csv_cells_that_look_like_formulas_are_neutralised(demo_db):
    store = connect(demo_db)
    actions.add_action(
        store, title='=HYPERLINK("http://x")', owner="-1+1", causes=["price_value"], actor="t"
    )
    store.close()
    output = run(demo_db, "analysis", "actions", "--format", "csv")
    assert "'=HYPERLINK" in output and ",'-1+1," in output


def test_rates_as_csv_are_the_analysis_numbers(demo_db):
    store = connect(demo_db)
    demo = studies.get_study(store, "demo")
    from research.analysis import rates

    expected = rates.quarterly_rates(store, demo, rates.last_quarters(4, demo.as_of))
    store.close()
    frame = pd.read_csv(
        io.StringIO(run(demo_db, "analysis", "rates", "--quarters", "4", "--format", "csv"))
    )
    assert list(frame["customers"]) == list(expected["customers"])
    assert list(frame["full"]) == list(expected["full"])
    assert "won_back" in run(demo_db, "analysis", "winback", "--format", "csv")
