"""Training datasets and evaluation on the real reference: sizes, physics accuracy, backtest scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import features
from energy_assets.domain.data import schema
from energy_assets.domain.device import resolve_device
from energy_assets.domain.features import splits
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate.triangle import TRIANGLE_COLUMNS
from energy_assets.domain.training.estimate import EstimateData, estimate_datasets, evaluate_estimator
from energy_assets.domain.training.forecast import (
    ForecastConfig,
    evaluate_ensemble,
    evaluate_forecaster,
    evaluate_forecasters,
    forecast_windows,
)
from energy_assets.domain.training.tracking import result_metrics, result_tags

WEEK = 7 * schema.INTERVALS_PER_DAY


@pytest.fixture(scope="module")
def feature_frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return features.build_features(clean_reference)


@pytest.fixture(scope="module")
def datasets(feature_frame: pd.DataFrame) -> dict[str, EstimateData]:
    return estimate_datasets(feature_frame, splits.build_splits(feature_frame))


@pytest.fixture(scope="module")
def ten_weeks(clean_reference: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten weeks of readings and their splits (6 / 1.5 / 2.5 weeks): enough for weekly lags."""
    frame = clean_reference.iloc[: 10 * WEEK].reset_index(drop=True)
    return frame, splits.build_splits(frame)


def test_datasets_have_the_protocol_sizes_and_no_overlap(datasets: dict[str, EstimateData]) -> None:
    temporal, paper = datasets["temporal"], datasets["paper"]
    assert temporal.sizes() == {"train": 21_024, "validation": 5_256, "test": 8_760}
    assert paper.sizes() == {"train": 26_280, "test": 8_760}
    assert paper.X_validation is None and paper.y_validation is None
    parts = [temporal.X_train.index, temporal.X_validation.index, temporal.X_test.index]
    assert temporal.X_train.index.max() < temporal.X_validation.index.min()
    assert temporal.X_validation.index.max() < temporal.X_test.index.min()
    assert len(parts[0].union(parts[1]).union(parts[2])) == schema.UCI_ROW_COUNT
    assert paper.X_train.index.intersection(paper.X_test.index).empty
    assert len(paper.X_train.index.union(paper.X_test.index)) == schema.UCI_ROW_COUNT
    # the paper's test is drawn at random across the year, not the last quarter
    assert paper.X_test.index.min() < pd.Timestamp("2018-01-08")
    for data in datasets.values():
        assert list(data.X_train.columns) == list(ESTIMATE_FEATURES)
        assert set(TRIANGLE_COLUMNS) | {schema.CO2_TCO2} <= set(data.X_train.columns)
        assert schema.USAGE_KWH not in data.X_train.columns
        assert not data.X_train.isna().any().any()
        assert (data.y_train.index == data.X_train.index).all()


def test_dataset_joins_microsecond_timestamps(feature_frame: pd.DataFrame) -> None:
    """Frames read back from polars/DuckDB carry datetime64[us]; the join must still match every row."""
    split_frame = splits.build_splits(feature_frame)
    as_us = feature_frame.astype({schema.TIMESTAMP: "datetime64[us]"})
    data = EstimateData.build(as_us, split_frame, "temporal")
    assert data.sizes() == {"train": 21_024, "validation": 5_256, "test": 8_760}


def test_dataset_refuses_unknown_protocol_and_mismatched_splits(feature_frame: pd.DataFrame) -> None:
    split_frame = splits.build_splits(feature_frame)
    with pytest.raises(ValueError, match="protocol"):
        EstimateData.build(feature_frame, split_frame, protocol="random")
    with pytest.raises(ValueError, match="splits cover"):
        EstimateData.build(feature_frame, split_frame.iloc[:100])


def test_physics_on_the_full_year(datasets: dict[str, EstimateData]) -> None:
    result = evaluate_estimator("physics", datasets)
    # measured: validation 0.0231, test 0.0232, paper_test 0.0687 kWh (anchor: CUBIST 0.2410)
    assert result.metrics["validation"]["rmse"] < 0.025
    assert result.metrics["test"]["rmse"] < 0.025
    assert result.metrics["test"]["mae"] < 0.0065
    assert result.metrics["paper_test"]["rmse"] < 0.075
    assert result.metrics["paper_test"]["n"] == 8_760
    assert result.validation_rmse == result.metrics["validation"]["rmse"]
    assert result.tuning is None and result.status == "evaluated" and result.task == "estimate"
    assert result.model_size_bytes > 0 and result.predict_us_per_row > 0
    assert result.feature_columns == (*TRIANGLE_COLUMNS, schema.CO2_TCO2)
    assert result.device == "cpu"
    logged = result_metrics(result)
    assert logged["test_rmse"] == result.metrics["test"]["rmse"]
    assert logged["paper_test_cv_pct"] == result.metrics["paper_test"]["cv_pct"]
    assert "tuning_cv_rmse" not in logged and "predict_ms_per_forecast" not in logged
    assert result_tags(result) == {
        "task": "estimate",
        "family": "physics",
        "status": "evaluated",
        "device": "cpu",
    }


def test_tree_family_is_tuned_within_its_budget(feature_frame: pd.DataFrame) -> None:
    part = feature_frame.iloc[:3_000].reset_index(drop=True)
    data = EstimateData.build(part, splits.build_splits(part), "temporal")
    result = evaluate_estimator("lightgbm", data, n_trials=1, timeout_s=20, seed=7)
    assert result.tuning is not None and result.tuning["n_trials"] == 1
    assert result.params["seed"] == 7 and result.params["n_jobs"] == 1
    assert result.metrics["paper_test"] is None  # one protocol given, one protocol scored
    # trees on 1,800 rows still beat predicting the train mean by far
    naive = float(np.sqrt(np.mean((data.y_test - data.y_train.mean()) ** 2)))
    assert result.metrics["test"]["rmse"] < naive / 3


def test_seasonal_naive_scores_mase_one(ten_weeks: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, split_frame = ten_weeks
    config = ForecastConfig(max_origins=3)
    result = evaluate_forecaster("seasonal_naive", frame, split_frame, config=config)
    assert result.status == "evaluated" and result.task == "forecast"
    for split in ("validation", "test"):
        scores = result.metrics[split]
        assert scores["mase"] == pytest.approx(1.0)
        assert scores["rmse_ratio"] == pytest.approx(1.0)
        assert scores["n_origins"] == 3
        assert 0.0 <= scores["coverage_80"] <= 1.0
        assert scores["rmse"] > 5  # a weekly naive misses by many kWh on this plant
    assert result.test_backtest["origin"].nunique() == 3
    assert len(result.test_backtest) == 3 * config.horizon
    assert result.predict_ms_per_forecast > 0 and result.model_size_bytes > 0


def test_windows_put_origins_inside_their_window(ten_weeks: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, split_frame = ten_weeks
    windows = forecast_windows(frame, split_frame, ForecastConfig())
    horizon = schema.INTERVALS_PER_DAY * schema.INTERVAL
    assert windows.validation_origins[0] >= windows.validation[schema.TIMESTAMP].min() - schema.INTERVAL
    assert windows.validation_origins[-1] + horizon <= windows.validation[schema.TIMESTAMP].max()
    assert windows.test_origins[0] >= windows.test[schema.TIMESTAMP].min() - schema.INTERVAL
    assert all(o.hour == 0 and o.minute == 0 for o in windows.test_origins)
    assert len(windows.test_origins) == len(set(windows.test_origins)) >= 10


def test_foundation_model_without_weights_is_not_scored(
    ten_weeks: tuple[pd.DataFrame, pd.DataFrame], tmp_path
) -> None:
    frame, split_frame = ten_weeks
    config = ForecastConfig(params={"chronos": {"model_id_or_path": str(tmp_path / "no-such-model")}})
    result = evaluate_forecaster("chronos", frame, split_frame, config=config)
    assert result.status.startswith("weights unavailable: ")
    assert "does not exist" in result.status
    assert result.metrics == {"validation": None, "test": None}
    assert result.model is None and result.fit_seconds is None and result.validation_rmse is None
    assert result_metrics(result) == {}
    assert result_tags(result)["status"] == result.status


def test_ensemble_blends_the_two_best(ten_weeks: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    frame, split_frame = ten_weeks
    small = {"n_estimators": 30, "origin_step": 16, "horizons_per_origin": 8, "n_jobs": 1}
    config = ForecastConfig(max_origins=3, params={"lightgbm_quantile": small})
    results = evaluate_forecasters(
        frame, split_frame, ["seasonal_naive", "lightgbm_quantile"], config=config, with_ensemble=True
    )
    naive, boosted, ensemble = results
    assert ensemble.family == "weighted_ensemble" and ensemble.status == "evaluated"
    assert sorted(m.name for m in ensemble.model.members) == ["lightgbm_quantile", "seasonal_naive"]
    assert sum(ensemble.model.weights) == pytest.approx(1.0)
    # the members are the families' own final models, not trained a second time
    assert {id(m) for m in ensemble.model.members} == {id(naive.model), id(boosted.model)}
    # the blend's validation score comes from the members' out-of-sample validation forecasts
    assert ensemble.metrics["validation"]["n_origins"] == 3
    assert ensemble.metrics["validation"]["naive_mae"] == pytest.approx(naive.metrics["validation"]["mae"])
    assert ensemble.validation_rmse <= max(naive.validation_rmse, boosted.validation_rmse) + 1e-9
    alone = evaluate_ensemble([naive], frame, split_frame, config=config)
    assert alone.status.startswith("not evaluated") and alone.metrics["test"] is None


def test_device_follows_energy_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENERGY_DEVICE", raising=False)
    assert resolve_device() == "cpu"
    monkeypatch.setenv("ENERGY_DEVICE", "cuda")
    torch = pytest.importorskip("torch")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device() == expected


def test_shap_explains_the_physics_estimate(datasets: dict[str, EstimateData], tmp_path) -> None:
    from energy_assets.domain.reporting import explain

    data = datasets["temporal"]
    model = evaluate_estimator("physics", data).model
    summary = explain.shap_summary(model, data.X_test, seed=3, n_rows=60, n_background=40)
    assert list(summary[explain.FEATURE]) != [] and set(summary[explain.FEATURE]) == set(model.feature_names)
    assert summary[explain.MEAN_ABS_SHAP].is_monotonic_decreasing
    # kWh comes from reactive energy and power factor; CO2 only narrows the rounding box
    assert summary[explain.FEATURE].iloc[0] != schema.CO2_TCO2
    assert summary.set_index(explain.FEATURE)[explain.MEAN_ABS_SHAP][schema.LAGGING_REACTIVE_KVARH] > 1.0
    rows = data.X_test.iloc[:5]
    contributions = explain.shap_contributions(model, rows, data.X_train.iloc[:50])
    total = contributions[list(model.feature_names)].sum(axis=1) + contributions[explain.BASE_VALUE]
    np.testing.assert_allclose(total, contributions[explain.PREDICTION], atol=1e-6)
    np.testing.assert_allclose(contributions[explain.PREDICTION], model.predict(rows))
    explain.save_summary_plot(summary, tmp_path / "shap.png")
    assert (tmp_path / "shap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
