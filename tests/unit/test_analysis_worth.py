"""The worth model against numbers worked out by hand."""

from __future__ import annotations

import pytest

from research.analysis import worth


def test_lifetime_and_value_kept_by_hand():
    # 100 customers, 20% a year, 1,000 a year each, cut 5 points, 3 years:
    # now 1000·100·(1 + .8 + .64) = 244,000; after 1000·100·(1 + .85 + .7225) = 257,250
    (w,) = worth.worth([("best_core", 100, 0.20, 1000.0)], cut=0.05, horizon_years=3)
    assert w.lifetime_years == pytest.approx(5.0)
    assert w.value_now == pytest.approx(244_000)
    assert w.value_after_cut == pytest.approx(257_250)
    assert w.value_kept == pytest.approx(13_250)
    assert w.value_kept_share == pytest.approx(13_250 / 244_000)


def test_discounting_lowers_later_years():
    (w,) = worth.worth([("general", 10, 0.5, 100.0)], cut=0.1, horizon_years=2, discount_rate=0.1)
    # now 100·10·(1 + .5/1.1); after 100·10·(1 + .6/1.1)
    assert w.value_now == pytest.approx(1000 * (1 + 0.5 / 1.1))
    assert w.value_kept == pytest.approx(1000 * 0.1 / 1.1)


def test_a_cut_below_zero_stops_at_zero_and_no_rate_means_no_lifetime():
    (w,) = worth.worth([("general", 1, 0.02, 10.0)], cut=0.05, horizon_years=2)
    assert w.value_after_cut == pytest.approx(20.0)
    (none,) = worth.worth([("general", 1, 0.0, 10.0)], cut=0.05, horizon_years=2)
    assert none.lifetime_years is None


@pytest.mark.parametrize(
    "kwargs", [{"cut": 0}, {"cut": 1.5}, {"horizon_years": 0}, {"discount_rate": 1.0}]
)
def test_the_model_refuses_meaningless_inputs(kwargs):
    with pytest.raises(ValueError):
        worth.worth([("general", 1, 0.1, 1.0)], **kwargs)


def test_a_window_rate_becomes_a_yearly_rate_without_compounding_overlaps():
    # a third of the customers defect within six months: 1 − (2/3)² = 5/9 in a year
    assert worth.yearly_from_window(1 / 3, 6) == pytest.approx(5 / 9)
    assert worth.yearly_from_window(0.2, 12) == pytest.approx(0.2)
    assert worth.yearly_from_window(None, 6) is None
