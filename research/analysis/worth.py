"""What cutting defections is worth: a model from the company's own numbers.

Per value segment: the yearly defection rate r, the customers N and the average yearly
spend (or margin) v per customer. A constant rate implies an expected customer lifetime
of 1 / r years. Over a horizon of H years a segment's customers bring

    v × N × Σ_{t=0}^{H−1} (1 − r)^t / (1 + i)^t

(i: a yearly discount rate, 0 by default), and cutting the rate by k points (r → r − k)
keeps the difference. The assumptions are written beside the result, because the famous
"5% fewer defections, 25–85% more profit" is one industry's model, not a law: a constant
rate, a constant yearly value per customer, no new customers, and no cost of the fix.
"""

from __future__ import annotations

from dataclasses import dataclass

ASSUMPTIONS = (
    "worth.assume.constant_rate",
    "worth.assume.constant_value",
    "worth.assume.closed_cohort",
    "worth.assume.no_cost",
    "worth.assume.discount",
)


@dataclass(frozen=True)
class SegmentWorth:
    segment: str
    customers: int
    yearly_rate: float  # r, 0..1
    yearly_value: float  # v, per customer
    cut: float  # k, in rate points (0.05 = five points)
    horizon_years: int
    discount_rate: float

    @property
    def lifetime_years(self) -> float | None:
        """Expected customer lifetime implied by the rate (1 / r); None for r = 0."""
        return 1 / self.yearly_rate if self.yearly_rate > 0 else None

    @property
    def value_now(self) -> float:
        return _cohort_value(self, self.yearly_rate)

    @property
    def value_after_cut(self) -> float:
        return _cohort_value(self, max(self.yearly_rate - self.cut, 0.0))

    @property
    def value_kept(self) -> float:
        return self.value_after_cut - self.value_now

    @property
    def value_kept_share(self) -> float | None:
        return self.value_kept / self.value_now if self.value_now else None


def _cohort_value(w: SegmentWorth, rate: float) -> float:
    survive = 1.0 - rate
    factor = 1.0 / (1.0 + w.discount_rate)
    years = sum((survive * factor) ** t for t in range(w.horizon_years))
    return w.yearly_value * w.customers * years


def yearly_from_window(rate: float | None, window_months: int) -> float | None:
    """A yearly defection rate from the rate the rule finds over a window of
    ``window_months`` (each quarter's rate in research/analysis/rates.py covers the
    study's window, and consecutive quarters' windows overlap, so they must not be
    compounded): 1 − (1 − r)^(12 / W)."""
    if rate is None or rate != rate:
        return None
    return 1.0 - (1.0 - rate) ** (12 / window_months)


def worth(
    segments: list[tuple[str, int, float, float]],
    *,
    cut: float = 0.05,
    horizon_years: int = 5,
    discount_rate: float = 0.0,
) -> list[SegmentWorth]:
    """The model per segment from (segment, customers, yearly rate, yearly value per
    customer). Raises ValueError for a cut, horizon or rate outside what the model can
    mean."""
    if not 0 < cut <= 1:
        raise ValueError("cut")
    if not 1 <= horizon_years <= 50:
        raise ValueError("horizon_years")
    if not 0 <= discount_rate < 1:
        raise ValueError("discount_rate")
    out = []
    for segment, customers, rate, value in segments:
        if not 0 <= rate <= 1:
            raise ValueError("rate")
        out.append(SegmentWorth(segment, customers, rate, value, cut, horizon_years, discount_rate))
    return out
