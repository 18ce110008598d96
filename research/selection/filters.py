"""Narrowing the detection results to the customers someone wants to look at.

A study can have thousands of customers; the Defectors page shows them filtered by
status, value segment and owner, a search in id and name, and the long-silence flag.
The filter is a value of its own so that the page only reads its widgets into one, and
any other reader of the results (an export, a report) can narrow them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

NO_SEGMENT = "none"  # the segment filter's word for customers without one (no baseline spend)


@dataclass(frozen=True)
class ResultFilter:
    """Every part left empty lets everyone through."""

    statuses: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()  # NO_SEGMENT for customers without a segment
    owners: tuple[str, ...] = ()
    search: str = ""  # part of the customer id or name, in any case
    long_silence_only: bool = False

    def apply(self, results: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``results`` (``detection.results``) that pass, in their order."""
        keep = pd.Series(True, index=results.index)
        if self.statuses:
            keep &= results["status"].isin(self.statuses)
        if self.segments:
            keep &= results["segment"].fillna(NO_SEGMENT).isin(self.segments)
        if self.owners:
            keep &= results["owner"].isin(self.owners)
        needle = self.search.strip().lower()
        if needle:
            in_id = results["customer_id"].str.lower().str.contains(needle, regex=False)
            in_name = results["name"].fillna("").str.lower().str.contains(needle, regex=False)
            keep &= in_id | in_name
        if self.long_silence_only:
            keep &= results["long_silence"].astype(bool)
        return results[keep]


def owners(results: pd.DataFrame) -> list[str]:
    """The owners to choose from, sorted; customers without one are left out."""
    return sorted(results["owner"].dropna().unique())


def search_pattern(search: str) -> str:
    """``search`` as an SQL ``ilike_escape(text, pattern, '\\')`` pattern that finds it
    anywhere in the text, in any case, as ``ResultFilter.apply`` does: spaces around
    ignored, ``%`` and ``_`` taken literally. '' for an empty search."""
    needle = search.strip()
    if not needle:
        return ""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
