"""Are old problems solved, are new ones starting? Failure causes quarter by quarter.

Each quarter's share of a cause is the share of that quarter's final interviews (by
interview date, across the chosen studies) whose primary cause it is. A change between
two quarters is called a change only when a named test says it is unlikely to be
chance: Fisher's exact test when any expected count is under 5 (small interview
samples), else the two-proportion z-test. The verdict is written out in words, with the
test and its p-value, so the review meeting reads what the numbers support and no more.
A cause seen for the first time in the later quarter, or one that grew beyond chance,
is flagged as emerging.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from research.analysis.causes import FINDINGS_SQL, FindingsFilter, _cursor, _sql_params
from research.base.i18n import Translator

ALPHA = 0.05  # a change is "unlikely to be chance" below this p-value
FISHER_BELOW = 5  # expected count under which Fisher's exact test is used


def quarter_of(day: date) -> str:
    """'2026Q3' for any day of July–September 2026."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(label: str) -> tuple[date, date]:
    """First and last day of a quarter label like '2026Q3'. Raises ValueError."""
    year, _, q = label.strip().upper().partition("Q")
    year_n, q_n = int(year), int(q)
    if not 1 <= q_n <= 4:
        raise ValueError(label)
    start = date(year_n, 3 * (q_n - 1) + 1, 1)
    end_month = 3 * q_n
    end = date(year_n + (end_month == 12), end_month % 12 + 1, 1)
    return start, date.fromordinal(end.toordinal() - 1)


QUARTERLY_SQL = """
WITH counted AS ({findings})
SELECT year(held_on) || 'Q' || quarter(held_on) AS quarter, cause, count(*) AS findings
FROM counted
WHERE held_on IS NOT NULL AND cause IS NOT NULL
GROUP BY 1, 2
"""


def quarterly_counts(store, filt: FindingsFilter) -> pd.DataFrame:
    """Causes × quarters: how many final interviews of each quarter name each primary
    cause, with an ``interviews`` row of the quarter totals. Quarters in order."""
    with _cursor(store) as cur:
        rows = cur.execute(QUARTERLY_SQL.format(findings=FINDINGS_SQL), _sql_params(filt)).df()
    if rows.empty:
        return pd.DataFrame()
    table = rows.pivot_table(
        index="cause", columns="quarter", values="findings", aggfunc="sum", fill_value=0
    )
    table = table.reindex(columns=sorted(table.columns))
    # the most named causes first, over all the quarters shown
    order = table.sum(axis=1).sort_values(ascending=False, kind="stable").index
    table = table.loc[order]
    table.loc["interviews"] = table.sum(axis=0)
    return table.astype(int)


@dataclass(frozen=True)
class Change:
    """A cause's share in two quarters and what a test says about the difference."""

    cause: str
    before: str  # quarter label
    after: str
    count_before: int
    n_before: int
    count_after: int
    n_after: int
    test: str | None  # "fisher" | "z" | None (nothing to test)
    p_value: float | None
    emerging: bool

    @property
    def share_before(self) -> float | None:
        return self.count_before / self.n_before if self.n_before else None

    @property
    def share_after(self) -> float | None:
        return self.count_after / self.n_after if self.n_after else None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def direction(self) -> str:
        if not self.significant:
            return "none"
        return "fell" if (self.share_after or 0) < (self.share_before or 0) else "rose"

    def verdict(self, t: Translator) -> str:
        """The change in words: 'fell from 31% to 12%, unlikely to be chance (Fisher's
        exact test, p = 0.01)' or 'no detectable change with these numbers'."""
        values = {"before": t.percent(self.share_before), "after": t.percent(self.share_after)}
        if self.test is None:
            return t("trend.verdict.untestable", **values)
        values["test"] = t(f"trend.test.{self.test}")
        values["p"] = (
            "< 0.001" if self.p_value < 0.001 else f"= {self.p_value:.3f}".rstrip("0").rstrip(".")
        )
        if not self.significant:
            return t("trend.verdict.none", **values)
        return t(f"trend.verdict.{self.direction}", **values)


def compare(count_before: int, n_before: int, count_after: int, n_after: int) -> tuple:
    """(test name, p-value) for the difference of two proportions, two-sided: Fisher's
    exact test when an expected count is under 5, else the two-proportion z-test. (None,
    None) when either quarter has no interviews or the cause never or always occurs."""
    if n_before <= 0 or n_after <= 0:
        return None, None
    total = count_before + count_after
    n = n_before + n_after
    if total == 0 or total == n:
        return None, None
    expected = [
        n_before * total / n,
        n_before * (n - total) / n,
        n_after * total / n,
        n_after * (n - total) / n,
    ]
    if min(expected) < FISHER_BELOW:
        from scipy.stats import fisher_exact  # heavy: load when a test is run

        _, p = fisher_exact(
            [[count_before, n_before - count_before], [count_after, n_after - count_after]]
        )
        return "fisher", float(p)
    from statsmodels.stats.proportion import proportions_ztest

    _, p = proportions_ztest([count_before, count_after], [n_before, n_after])
    return "z", float(p)


def changes(table: pd.DataFrame, before: str, after: str) -> list[Change]:
    """Every cause's change from quarter ``before`` to ``after`` in a quarterly_counts
    table, the largest significant changes first."""
    if table.empty or before not in table.columns or after not in table.columns:
        return []
    n_before = int(table.loc["interviews", before])
    n_after = int(table.loc["interviews", after])
    earlier = [q for q in table.columns if q < after]
    out = []
    for cause in table.index.drop("interviews"):
        a, b = int(table.loc[cause, before]), int(table.loc[cause, after])
        if a == 0 and b == 0:
            continue
        test, p = compare(a, n_before, b, n_after)
        grew = test is not None and p is not None and p < ALPHA and b / n_after > a / n_before
        # first heard in ``after``: named in no quarter of the table before it
        first_time = b > 0 and int(table.loc[cause, earlier].sum()) == 0
        out.append(
            Change(cause, before, after, a, n_before, b, n_after, test, p, first_time or grew)
        )
    out.sort(
        key=lambda c: (
            not c.significant,
            -abs((c.share_after or 0) - (c.share_before or 0)),
            c.cause,
        )
    )
    return out


def latest_changes(table: pd.DataFrame) -> list[Change]:
    """Changes from the second-last quarter with interviews to the last."""
    quarters = (
        [q for q in table.columns if table.loc["interviews", q] > 0] if not table.empty else []
    )
    if len(quarters) < 2:
        return []
    return changes(table, quarters[-2], quarters[-1])
