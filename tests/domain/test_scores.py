"""Scores on examples small enough to compute by hand."""

from __future__ import annotations

import math

import pytest

from energy_assets.domain import scores


def test_rmse_mae_cv_by_hand() -> None:
    y, p = [1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 1.0, 4.0]
    # errors 0, 1, -2, 0 -> MSE 5/4, MAE 3/4; mean target 2.5
    assert scores.rmse(y, p) == pytest.approx(math.sqrt(1.25))
    assert scores.mae(y, p) == pytest.approx(0.75)
    assert scores.cv_pct(y, p) == pytest.approx(math.sqrt(1.25) / 2.5 * 100)


def test_regression_report_bundles_the_scores() -> None:
    rep = scores.regression_report([10.0, 20.0], [11.0, 17.0])
    assert rep == pytest.approx(
        {
            "rmse": math.sqrt(5.0),
            "mae": 2.0,
            "cv_pct": math.sqrt(5.0) / 15 * 100,
            "max_abs_error": 3.0,
            "n": 2,
        }
    )


def test_mase_against_naive() -> None:
    y = [10.0, 12.0, 14.0]
    model = [11.0, 12.0, 13.0]  # MAE 2/3
    naive = [8.0, 10.0, 12.0]  # MAE 2
    assert scores.mase(y, model, naive) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="naive"):
        scores.mase(y, model, y)


def test_coverage_counts_bounds_inclusive() -> None:
    y = [1.0, 2.0, 3.0, 4.0]
    assert scores.coverage(y, [0.0, 2.0, 3.5, 0.0], [1.0, 5.0, 5.0, 3.0]) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="lower bound above upper"):
        scores.coverage(y, [2.0, 2.0, 2.0, 2.0], [1.0, 5.0, 5.0, 5.0])


def test_pinball_loss_by_hand() -> None:
    # q = 0.9: under-forecast by 2 costs 0.9*2 = 1.8, over-forecast by 1 costs 0.1*1 = 0.1
    assert scores.pinball_loss([10.0, 10.0], [8.0, 11.0], 0.9) == pytest.approx((1.8 + 0.1) / 2)
    # at the median the loss is half the MAE
    assert scores.pinball_loss([1.0, 5.0], [2.0, 2.0], 0.5) == pytest.approx(0.5 * 2.0)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        scores.pinball_loss([1.0], [1.0], 1.0)


def test_bad_inputs_fail_loudly() -> None:
    with pytest.raises(ValueError, match="1 values and y_pred 2"):
        scores.rmse([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        scores.mae([1.0, float("nan")], [1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        scores.rmse([], [])
    with pytest.raises(ValueError, match="mean target is 0"):
        scores.cv_pct([0.0, 0.0], [1.0, -1.0])


def test_crps_from_quantiles_by_hand() -> None:
    # one point, actual 10, quantiles 0.25/0.5/0.75 at 8, 9, 12:
    # pinball 0.25*2 = 0.5, 0.5*1 = 0.5, (1-0.75)*2 = 0.5 -> CRPS ~ 2/3 * (0.5+0.5+0.5) = 1.0
    levels = [0.25, 0.5, 0.75]
    assert scores.crps_from_quantiles([10.0], [[8.0, 9.0, 12.0]], levels) == pytest.approx(1.0)
    # two points: the second forecast exact everywhere -> half of the first point's CRPS
    got = scores.crps_from_quantiles([10.0, 5.0], [[8.0, 9.0, 12.0], [5.0, 5.0, 5.0]], levels)
    assert got == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"q_pred must be \(1, 3\)"):
        scores.crps_from_quantiles([10.0], [[8.0, 9.0]], levels)


def test_crossings_reliability_and_central_interval_by_hand() -> None:
    qv = [[1.0, 2.0, 3.0], [1.0, 0.5, 3.0], [3.0, 2.0, 1.0]]
    assert scores.quantile_crossings(qv) == 2
    assert scores.quantile_crossings([[1.0, 1.0, 2.0]]) == 0  # ties are not crossings
    deciles = [k / 10 for k in range(1, 10)]
    row = [[float(k) for k in range(1, 10)]]  # q10 = 1 ... q90 = 9
    assert scores.reliability([4.5], row, deciles) == pytest.approx({q: float(q >= 0.5) for q in deciles})
    lo, hi = scores.central_interval(row, deciles, 0.5)  # q25 = 2.5, q75 = 7.5 (interpolated)
    assert (lo[0], hi[0]) == pytest.approx((2.5, 7.5))
    lo, hi = scores.central_interval(row, deciles, 0.8)  # q10, q90 exactly
    assert (lo[0], hi[0]) == (1.0, 9.0)
    with pytest.raises(ValueError, match="do not span the central 90%"):
        scores.central_interval(row, deciles, 0.9)
