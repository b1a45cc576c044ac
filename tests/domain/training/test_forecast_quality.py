"""The profile_blend family scored like the others: both plan regimes, probabilistic scores, bands
by horizon against the naive and persistence, in the leaderboard, the result store and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.features import splits
from energy_assets.domain.models.forecast import ProfileBlendForecaster
from energy_assets.domain.reporting import forecast_quality
from energy_assets.domain.training import leaderboard, result_store
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster
from energy_assets.domain.training.tracking import result_metrics


@pytest.fixture(scope="module")
def result(ten_weeks: pd.DataFrame, tiny_booster: dict[str, int]):
    frame = ten_weeks
    config = ForecastConfig(max_origins=3, params={"profile_blend": tiny_booster}, hourly_origin_step=12)
    return evaluate_forecaster("profile_blend", frame, splits.build_splits(frame), config=config)


def test_profile_blend_is_scored_in_both_plan_regimes(result) -> None:
    assert result.status == "evaluated" and isinstance(result.model, ProfileBlendForecaster)
    assert set(result.metrics) == {"validation", "test", "validation_derived_plan", "test_derived_plan"}
    for key, scores in result.metrics.items():
        assert scores["crossings"] == 0, key
        assert 0 <= scores["coverage_50"] <= scores["coverage_80"] <= 1
        pinball = [scores[f"pinball_q{k}0"] for k in range(1, 10)]
        assert scores["crps"] == pytest.approx(2 * np.mean(pinball))
        assert scores["rmse_ratio"] == pytest.approx(scores["rmse"] / scores["naive_rmse"])
        assert scores["rmse_ratio_persistence"] == pytest.approx(scores["rmse"] / scores["persistence_rmse"])
    assert "test_derived_plan_crps" in result_metrics(result)  # the MLflow run records both regimes
    everything = result.bands
    assert set(zip(everything["split"], everything["plan"], everything["origins"], strict=True)) == {
        (s, p, o) for s in ("validation", "test") for p in ("plant", "derived") for o in ("daily", "hourly")
    }
    hourly = everything[everything["origins"] == "hourly"]
    assert set(hourly["origin_hour"].dropna()) == {0.0, 12.0}
    pooled = hourly[hourly["origin_hour"].isna()]
    assert (pooled.groupby(["split", "plan"])["n_origins"].max() <= 6).all()  # 3 days x 2 hours
    bands = everything[everything["origins"] == "daily"]
    assert list(bands["band"].unique()) == ["15 min", "1 h", "4 h", "12 h", "24 h"]
    run = result.test_backtest
    first = run[run["horizon"] == 1]
    row = bands[(bands["split"] == "test") & (bands["plan"] == "plant") & (bands["band"] == "15 min")].iloc[0]
    assert row["persistence_mae"] == pytest.approx(np.mean(np.abs(first["actual"] - first["persistence"])))
    assert row["mase"] == pytest.approx(
        np.mean(np.abs(first["actual"] - first["mean"]))
        / np.mean(np.abs(first["actual"] - first["seasonal_naive"]))
    )


def test_leaderboard_store_and_figures_carry_the_new_scores(result, tmp_path) -> None:
    board = leaderboard.leaderboard_rows([], [result], cubist_anchor=None)
    assert list(zip(board["split"], board["plan"], strict=True)) == [
        ("validation", "plant"),
        ("test", "plant"),
        ("validation", "derived"),
        ("test", "derived"),
    ]
    assert board["crps"].notna().all() and (board["crossings"] == 0).all()
    assert "test, derived plan" in leaderboard.to_markdown(board)
    again = result_store.load_result(result_store.save_result(result, tmp_path / "pb"))
    pd.testing.assert_frame_equal(again.bands, result.bands)
    assert sorted(again.derived_plan_backtests) == ["test", "validation"]
    pd.testing.assert_frame_equal(again.derived_plan_backtests["test"], result.derived_plan_backtests["test"])
    table = leaderboard.band_rows([again])
    assert (table["model"] == "profile_blend").all() and len(table[table["origins"] == "daily"]) == 20
    band_png = forecast_quality.band_figure(table, tmp_path)
    hourly_png = forecast_quality.band_figure(table, tmp_path, origins="hourly")
    assert hourly_png.name == "forecast_horizon_bands_hourly.png" and hourly_png.exists()
    reliability_png = forecast_quality.reliability_figure([again], tmp_path)
    assert band_png.read_bytes()[:4] == b"\x89PNG" and reliability_png.read_bytes()[:4] == b"\x89PNG"
    points = forecast_quality.reliability_points([again])
    assert list(points["level"]) == pytest.approx([k / 10 for k in range(1, 10)])
