"""What a threshold means: false alarms among clean photos, in words."""

from __future__ import annotations

import pytest

from dropletcleaner.core.ml.flag_rates import (
    NEAR_BAND,
    band_share,
    describe_threshold,
    expected_false_alarms,
    false_positive_rate,
    fpr_curve,
    near_band,
    near_threshold,
    one_in,
)


def _metrics() -> dict[str, object]:
    return {"fpr_curve": {"thresholds": [0.5, 0.9, 0.95], "fpr": [0.1, 0.02, 0.005]}}


def test_curve_records_the_share_of_clean_photos_at_or_above_each_threshold() -> None:
    curve = fpr_curve([0.1, 0.2, 0.96, 0.99], thresholds=[0.5, 0.97])
    assert curve == {"thresholds": [0.5, 0.97], "fpr": [0.5, 0.25], "photos": 4}


def test_rate_is_interpolated_between_recorded_thresholds() -> None:
    metrics = _metrics()
    rate = false_positive_rate(metrics, 0.925)
    assert rate is not None and abs(rate - 0.0125) < 1e-9
    assert false_positive_rate({}, 0.9) is None
    assert false_positive_rate({"fpr_curve": {"thresholds": [0.5], "fpr": [0.1]}}, 0.5) is None


def test_threshold_is_described_in_a_photographers_numbers() -> None:
    assert describe_threshold(_metrics(), 0.95) == "at 0.95, about 1 in 200 clean photos is flagged"
    assert one_in(0.0001) == "fewer than 1 in 1,000"
    assert one_in(0.05) == "about 1 in 20"
    assert describe_threshold({}, 0.9) is None


def test_expected_false_alarms_scale_with_the_library() -> None:
    assert (
        expected_false_alarms(_metrics(), 0.95, 1200)
        == "≈ 6 false alarms expected in your 1,200 photos"
    )
    assert expected_false_alarms(_metrics(), 0.95, 100) == (
        "fewer than 1 false alarm expected in your 100 photos"
    )
    assert (
        expected_false_alarms(_metrics(), 0.95, 200)
        == "≈ 1 false alarm expected in your 200 photos"
    )


def test_near_threshold_is_a_band_on_both_sides() -> None:
    assert near_threshold(0.9 - NEAR_BAND, 0.9) and near_threshold(0.95, 0.9)
    assert not near_threshold(0.79, 0.9) and not near_threshold(0.2, 0.9)


def test_the_band_above_is_as_wide_in_odds_as_the_band_below() -> None:
    assert near_band(0.5) == pytest.approx((0.4, 0.6))
    low, high = near_band(0.94)
    assert low == pytest.approx(0.84) and high == pytest.approx(0.979, abs=1e-3)
    # Not every flagged photo: real drops at 0.99 are not "uncertain" at 0.94.
    assert not near_threshold(0.99, 0.94) and near_threshold(0.96, 0.94)
    assert near_band(0.05) == pytest.approx((0.0, 0.15)) and near_band(1.0)[1] == 1.0


def test_expected_false_alarms_never_exceed_the_photos_flagged() -> None:
    # The curve expects 0.005 * 3,000 = 15 here, but only 5 photos are flagged.
    assert expected_false_alarms(_metrics(), 0.95, 3000, flagged=5) == (
        "≈ 5 false alarms expected in your 3,000 photos"
    )
    assert expected_false_alarms(_metrics(), 0.95, 3000, flagged=40) == (
        "≈ 15 false alarms expected in your 3,000 photos"
    )


def test_band_share_is_the_clean_photos_scored_between_two_thresholds() -> None:
    share = band_share(_metrics(), 0.9, 0.95)
    assert share is not None and abs(share - 0.015) < 1e-9
    assert band_share({}, 0.9, 0.95) is None
