"""Forecasters and the rolling-origin backtest, on six weeks of the reference (small models, 1 thread)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.features.forecast import Grid
from energy_assets.domain.features.history import history_until
from energy_assets.domain.models.forecast import (
    FORECASTERS,
    MAX_HORIZON,
    LightGBMQuantileForecaster,
    SeasonalNaiveForecaster,
    WeightedEnsembleForecaster,
    XGBoostQuantileForecaster,
    conformal_offsets,
    load_forecaster,
    quantile_column,
)
from energy_assets.domain.models.forecast.backtest import (
    backtest_report,
    daily_origins,
    rolling_origin_backtest,
    scores_by_horizon,
)
from energy_assets.domain.models.forecast.base import finish_forecast
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecasters

DAY = schema.INTERVALS_PER_DAY
WEEK = 7 * DAY
SMALL = {
    "n_estimators": 60,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 20,
    "origin_step": 8,
    "horizons_per_origin": 16,
    "calibration_step": 8,
    "n_jobs": 1,
}
QUANTILE_COLUMNS = [f"q{k}0" for k in range(1, 10)]  # the nine deciles


@pytest.fixture(scope="module")
def frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """Six weeks (Jan 1 - Feb 12): 4 to train, 1 to validate, 1 to forecast."""
    return clean_reference.iloc[: 6 * WEEK].reset_index(drop=True)


@pytest.fixture(scope="module")
def train(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[: 4 * WEEK]


@pytest.fixture(scope="module")
def validation(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[4 * WEEK : 5 * WEEK]


@pytest.fixture(scope="module")
def origin(frame: pd.DataFrame) -> pd.Timestamp:
    """Midnight at the start of the sixth week (a Monday)."""
    return frame[schema.TIMESTAMP].iloc[5 * WEEK - 1]


@pytest.fixture(scope="module")
def lightgbm(train: pd.DataFrame, validation: pd.DataFrame) -> LightGBMQuantileForecaster:
    return LightGBMQuantileForecaster(**SMALL).fit(train, validation)


@pytest.fixture(scope="module")
def naive(train: pd.DataFrame) -> SeasonalNaiveForecaster:
    return SeasonalNaiveForecaster().fit(train)


def _covariates(frame: pd.DataFrame, origin: pd.Timestamp, horizon: int = DAY) -> pd.DataFrame:
    ts = frame[schema.TIMESTAMP]
    window = (ts > origin) & (ts <= origin + horizon * schema.INTERVAL)
    return frame.loc[window, [schema.TIMESTAMP, schema.LOAD_TYPE]]


def _assert_forecast_shape(forecast: pd.DataFrame, origin: pd.Timestamp, horizon: int) -> None:
    assert list(forecast.columns) == [schema.TIMESTAMP, "horizon", "mean", *QUANTILE_COLUMNS]
    assert len(forecast) == horizon
    assert forecast[schema.TIMESTAMP].iloc[0] == origin + pd.Timedelta(minutes=15)
    assert forecast[schema.TIMESTAMP].iloc[-1] == origin + horizon * pd.Timedelta(minutes=15)
    assert (forecast[schema.TIMESTAMP].diff().dropna() == pd.Timedelta(minutes=15)).all()
    assert forecast["horizon"].tolist() == list(range(1, horizon + 1))
    assert (np.diff(forecast[QUANTILE_COLUMNS].to_numpy(), axis=1) >= 0).all()  # never crossing
    assert (forecast[["mean", *QUANTILE_COLUMNS]] >= 0).all().all()
    assert forecast[["mean", *QUANTILE_COLUMNS]].notna().all().all()


def test_quantile_columns_are_named_by_percent() -> None:
    assert [quantile_column(q) for q in (0.1, 0.5, 0.9, 0.025)] == ["q10", "q50", "q90", "q2.5"]
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile_column(1.0)


def test_registry_knows_the_classical_forecasters() -> None:
    assert {"seasonal_naive", "lightgbm_quantile", "xgboost_quantile", "weighted_ensemble"} <= set(
        FORECASTERS
    )


@pytest.mark.parametrize("model_name", ["naive", "lightgbm"])
def test_day_ahead_forecast_has_96_ordered_rows(
    request: pytest.FixtureRequest, model_name: str, frame: pd.DataFrame, origin: pd.Timestamp
) -> None:
    model = request.getfixturevalue(model_name)
    forecast = model.predict(frame, origin, 96, future_covariates=_covariates(frame, origin))
    _assert_forecast_shape(forecast, origin, 96)


@pytest.mark.parametrize("model_name", ["naive", "lightgbm"])
def test_data_after_the_origin_cannot_change_a_forecast(
    request: pytest.FixtureRequest, model_name: str, frame: pd.DataFrame, origin: pd.Timestamp
) -> None:
    model = request.getfixturevalue(model_name)
    covariates = _covariates(frame, origin)
    before = model.predict(frame, origin, 96, future_covariates=covariates)
    tampered = frame.copy()
    after_origin = tampered[schema.TIMESTAMP] > origin
    tampered.loc[after_origin, schema.USAGE_KWH] = tampered.loc[after_origin, schema.USAGE_KWH] * 3 + 40
    pd.testing.assert_frame_equal(model.predict(tampered, origin, 96, future_covariates=covariates), before)
    # the same tampering before the origin does change it: the check above is not vacuous
    tampered = frame.copy()
    last_day = (tampered[schema.TIMESTAMP] <= origin) & (
        tampered[schema.TIMESTAMP] > origin - pd.Timedelta(days=7)
    )
    tampered.loc[last_day, schema.USAGE_KWH] = tampered.loc[last_day, schema.USAGE_KWH] * 3 + 40
    changed = model.predict(tampered, origin, 96, future_covariates=covariates)
    assert not np.allclose(changed["mean"], before["mean"])


def test_history_until_drops_rows_after_the_origin(frame: pd.DataFrame, origin: pd.Timestamp) -> None:
    seen = history_until(frame, origin)
    assert seen[schema.TIMESTAMP].max() == origin
    with pytest.raises(ValueError, match="no history"):
        history_until(frame, frame[schema.TIMESTAMP].min() - pd.Timedelta(days=1))


def test_seasonal_naive_is_the_value_one_week_before(
    naive: SeasonalNaiveForecaster, frame: pd.DataFrame, origin: pd.Timestamp
) -> None:
    forecast = naive.predict(frame, origin, 96)
    week_before = frame.set_index(schema.TIMESTAMP)[schema.USAGE_KWH].reindex(
        forecast[schema.TIMESTAMP] - pd.Timedelta(days=7)
    )
    np.testing.assert_allclose(forecast["mean"].to_numpy(), week_before.to_numpy())
    # quantiles come from its residuals: a real spread around the point on operating hours
    assert (forecast["q90"] - forecast["q10"]).mean() > 5.0


def test_seasonal_naive_goes_back_two_seasons_beyond_one(train: pd.DataFrame, frame: pd.DataFrame) -> None:
    daily = SeasonalNaiveForecaster(season=DAY).fit(train)
    origin = frame[schema.TIMESTAMP].iloc[3 * WEEK - 1]
    forecast = daily.predict(frame, origin, 2 * DAY)
    usage = frame.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    first, second = forecast.iloc[:DAY], forecast.iloc[DAY:]
    np.testing.assert_allclose(first["mean"], usage.reindex(first[schema.TIMESTAMP] - pd.Timedelta(days=1)))
    np.testing.assert_allclose(second["mean"], usage.reindex(second[schema.TIMESTAMP] - pd.Timedelta(days=2)))


def test_week_ahead_horizon_is_supported_and_longer_refused(
    lightgbm: LightGBMQuantileForecaster, frame: pd.DataFrame
) -> None:
    origin = frame[schema.TIMESTAMP].iloc[4 * WEEK - 1]
    forecast = lightgbm.predict(
        frame, origin, MAX_HORIZON, future_covariates=_covariates(frame, origin, MAX_HORIZON)
    )
    _assert_forecast_shape(forecast, origin, MAX_HORIZON)
    # recursive by day: the first day equals the plain day-ahead forecast
    day = lightgbm.predict(frame, origin, 96, future_covariates=_covariates(frame, origin))
    np.testing.assert_allclose(forecast["mean"].iloc[:96].to_numpy(), day["mean"].to_numpy())
    with pytest.raises(ValueError, match="horizon"):
        lightgbm.predict(frame, origin, MAX_HORIZON + 1)


def test_single_forecast_matches_features_built_on_the_whole_frame(
    lightgbm: LightGBMQuantileForecaster, frame: pd.DataFrame, origin: pd.Timestamp
) -> None:
    """predict() trims the history to a tail; training builds features on the whole frame: same numbers."""
    grid = Grid.from_frame(frame)
    origin_pos = int(np.searchsorted(grid.timestamps, origin))
    mean, _ = lightgbm._batch(grid, np.full(96, origin_pos), np.arange(1, 97))
    forecast = lightgbm.predict(frame, origin, 96, future_covariates=_covariates(frame, origin))
    np.testing.assert_allclose(forecast["mean"].to_numpy(), np.clip(mean, 0, None))


def test_short_horizon_is_the_head_of_the_day_ahead_forecast(
    lightgbm: LightGBMQuantileForecaster, frame: pd.DataFrame, origin: pd.Timestamp
) -> None:
    covariates = _covariates(frame, origin)
    day = lightgbm.predict(frame, origin, 96, future_covariates=covariates)
    head = lightgbm.predict(frame, origin, 8, future_covariates=covariates)
    _assert_forecast_shape(head, origin, 8)
    pd.testing.assert_frame_equal(head, day.iloc[:8])


def test_lightgbm_beats_the_seasonal_naive_on_a_held_out_week(
    lightgbm: LightGBMQuantileForecaster, naive: SeasonalNaiveForecaster, frame: pd.DataFrame
) -> None:
    origins = daily_origins(
        frame, frame[schema.TIMESTAMP].iloc[5 * WEEK - 1], frame[schema.TIMESTAMP].iloc[-97]
    )
    assert len(origins) == 7
    naive_results = rolling_origin_backtest(naive, frame, origins)
    report = backtest_report(rolling_origin_backtest(lightgbm, frame, origins), naive_results)
    assert report["n_origins"] == 7
    assert report["rmse"] < report["naive_rmse"]
    assert report["mase"] < 1.0
    assert 0.5 <= report["coverage_80"] <= 1.0


def test_validation_calibration_hits_80_percent(lightgbm: LightGBMQuantileForecaster) -> None:
    coverage = lightgbm.validation_coverage["interval_10_90"]
    assert abs(coverage - 0.80) <= 0.02
    assert abs(lightgbm.validation_coverage["below_q50"] - 0.5) <= 0.03


def test_conformal_offsets_widen_a_too_narrow_interval() -> None:
    rng = np.random.default_rng(0)
    actual = rng.normal(50, 10, 20_000)
    narrow = np.column_stack([np.full_like(actual, 45), np.full_like(actual, 52), np.full_like(actual, 55)])
    offsets = conformal_offsets(actual, narrow, (0.1, 0.5, 0.9))
    assert offsets["q10"] == pytest.approx(-offsets["q90"])
    lo, hi = narrow[:, 0] + offsets["q10"], narrow[:, 2] + offsets["q90"]
    assert np.mean((actual >= lo) & (actual <= hi)) == pytest.approx(0.8, abs=0.005)
    assert 52 + offsets["q50"] == pytest.approx(50, abs=0.5)


def test_finish_forecast_uncrosses_quantiles_and_clips_at_zero() -> None:
    origin = pd.Timestamp("2018-03-01 00:00")
    out = finish_forecast(
        origin, np.array([-1.0, 5.0]), np.array([[3.0, 2.0, 1.0], [-2.0, 5.0, 9.0]]), (0.1, 0.5, 0.9)
    )
    assert out[["q10", "q50", "q90"]].to_numpy().tolist() == [[1.0, 2.0, 3.0], [0.0, 5.0, 9.0]]
    assert out["mean"].tolist() == [0.0, 5.0]


@pytest.mark.parametrize("model_name", ["naive", "lightgbm"])
def test_save_load_round_trip_gives_identical_forecasts(
    request: pytest.FixtureRequest, model_name: str, frame: pd.DataFrame, origin: pd.Timestamp, tmp_path
) -> None:
    model = request.getfixturevalue(model_name)
    folder = model.save(tmp_path / model.name)
    meta = json.loads((folder / "model.json").read_text())
    assert meta["name"] == model.name
    assert not list(folder.glob("*.pkl"))
    loaded = load_forecaster(folder)
    assert type(loaded) is type(model)
    covariates = _covariates(frame, origin)
    pd.testing.assert_frame_equal(
        loaded.predict(frame, origin, 96, future_covariates=covariates),
        model.predict(frame, origin, 96, future_covariates=covariates),
    )


def test_load_forecaster_refuses_a_folder_without_model_json(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"model\.json"):
        load_forecaster(tmp_path)


def test_predict_before_fit_is_refused(frame: pd.DataFrame, origin: pd.Timestamp) -> None:
    with pytest.raises(RuntimeError, match="fit"):
        LightGBMQuantileForecaster(**SMALL).predict(frame, origin)


def test_backtest_of_the_naive_against_itself_has_mase_one(
    naive: SeasonalNaiveForecaster, frame: pd.DataFrame
) -> None:
    origins = daily_origins(frame, "2018-02-05", "2018-02-10")
    assert [o.day for o in origins] == [5, 6, 7, 8, 9, 10]
    assert all(o.hour == 0 and o.minute == 0 for o in origins)
    results = rolling_origin_backtest(naive, frame, origins)
    assert len(results) == 6 * 96
    assert {"origin", "timestamp", "horizon", "actual", "mean", "q10", "q50", "q90"} <= set(results.columns)
    actual = frame.set_index(schema.TIMESTAMP)[schema.USAGE_KWH].reindex(results[schema.TIMESTAMP])
    np.testing.assert_allclose(results["actual"].to_numpy(), actual.to_numpy())
    report = backtest_report(results, results)
    assert report["mase"] == pytest.approx(1.0)
    assert report["rmse_ratio"] == pytest.approx(1.0)
    assert report["n_origins"] == 6
    assert report["rmse"] > 1.0
    buckets = scores_by_horizon(results)
    assert buckets["n"].sum() == len(results)


def test_backtest_refuses_origins_past_the_data(naive: SeasonalNaiveForecaster, frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="runs past"):
        rolling_origin_backtest(naive, frame, [frame[schema.TIMESTAMP].iloc[-10]])


def test_report_refuses_naive_results_on_other_origins(
    naive: SeasonalNaiveForecaster, frame: pd.DataFrame
) -> None:
    a = rolling_origin_backtest(naive, frame, daily_origins(frame, "2018-02-05", "2018-02-06"))
    b = rolling_origin_backtest(naive, frame, daily_origins(frame, "2018-02-06", "2018-02-06"))
    with pytest.raises(ValueError, match="same origins"):
        backtest_report(a, b)


def test_xgboost_back_end_round_trips(
    train: pd.DataFrame, frame: pd.DataFrame, origin: pd.Timestamp, tmp_path
) -> None:
    model = XGBoostQuantileForecaster(**SMALL).fit(train)
    forecast = model.predict(frame, origin, 96, future_covariates=_covariates(frame, origin))
    _assert_forecast_shape(forecast, origin, 96)
    loaded = load_forecaster(model.save(tmp_path / "xgb"))
    pd.testing.assert_frame_equal(
        loaded.predict(frame, origin, 96, future_covariates=_covariates(frame, origin)), forecast
    )


def test_ensemble_blends_the_two_best_and_round_trips(
    train: pd.DataFrame, validation: pd.DataFrame, frame: pd.DataFrame, origin: pd.Timestamp, tmp_path
) -> None:
    candidates = [
        SeasonalNaiveForecaster(),
        LightGBMQuantileForecaster(**SMALL),
        XGBoostQuantileForecaster(**SMALL),
    ]
    ensemble = WeightedEnsembleForecaster(candidates, validation_step=48).fit(train, validation)
    assert len(ensemble.members) == 2
    assert sum(ensemble.weights) == pytest.approx(1.0)
    assert all(0.0 <= w <= 1.0 for w in ensemble.weights)
    rmse = ensemble.validation_rmse
    assert set(rmse) == {"seasonal_naive", "lightgbm_quantile", "xgboost_quantile"}
    ranked = sorted(rmse, key=rmse.get)
    assert [m.name for m in ensemble.members] == ranked[:2]
    covariates = _covariates(frame, origin)
    forecast = ensemble.predict(frame, origin, 96, future_covariates=covariates)
    _assert_forecast_shape(forecast, origin, 96)
    loaded = load_forecaster(ensemble.save(tmp_path / "ensemble"))
    pd.testing.assert_frame_equal(loaded.predict(frame, origin, 96, future_covariates=covariates), forecast)


def test_ensemble_takes_the_given_fitted_members_instead_of_training_them_again(
    train: pd.DataFrame,
    validation: pd.DataFrame,
    frame: pd.DataFrame,
    origin: pd.Timestamp,
    lightgbm: LightGBMQuantileForecaster,
    tmp_path,
) -> None:
    candidates = [SeasonalNaiveForecaster(), LightGBMQuantileForecaster(**SMALL)]
    refit = WeightedEnsembleForecaster(candidates, validation_step=48).fit(train, validation)
    # the final models as the family assets hand them over (fitted on train + validation as
    # configured), saved and loaded back
    final_naive = SeasonalNaiveForecaster().fit(train, validation)
    given = {m.name: load_forecaster(m.save(tmp_path / m.name)) for m in (lightgbm, final_naive)}
    reused = WeightedEnsembleForecaster(candidates, validation_step=48).fit(train, validation, fitted=given)
    assert all(m is given[m.name] for m in reused.members)
    assert reused.weights == refit.weights and reused.offsets == refit.offsets
    covariates = _covariates(frame, origin)
    pd.testing.assert_frame_equal(
        reused.predict(frame, origin, 96, future_covariates=covariates),
        refit.predict(frame, origin, 96, future_covariates=covariates),
    )
    # a model with other parameters is not the candidate: that member is fitted here
    other = {"lightgbm_quantile": LightGBMQuantileForecaster(**{**SMALL, "n_estimators": 20}).fit(train)}
    mixed = WeightedEnsembleForecaster(candidates, validation_step=48).fit(train, validation, fitted=other)
    assert all(m is not other["lightgbm_quantile"] for m in mixed.members)


def test_temporal_split_is_chronological_60_15_25(frame: pd.DataFrame) -> None:
    parts = splits.temporal_split(frame)
    train, validation, test = (frame[parts == name] for name in splits.TEMPORAL_PARTS)
    assert (len(train), len(validation), len(test)) == (2419, 605, 1008)
    assert train[schema.TIMESTAMP].max() < validation[schema.TIMESTAMP].min()
    assert validation[schema.TIMESTAMP].max() < test[schema.TIMESTAMP].min()


def test_evaluate_forecasters_scores_against_the_naive_on_test_origins(frame: pd.DataFrame) -> None:
    split_frame = splits.build_splits(frame)
    config = ForecastConfig(params={"lightgbm_quantile": SMALL})
    naive, boosted = evaluate_forecasters(
        frame, split_frame, ["seasonal_naive", "lightgbm_quantile"], config=config, with_ensemble=False
    )
    assert naive.metrics["test"]["mase"] == pytest.approx(1.0)
    assert boosted.metrics["test"]["rmse_ratio"] < 1.0
    assert boosted.metrics["test"]["rmse"] < naive.metrics["test"]["rmse"]
    test = frame[splits.temporal_split(frame) == splits.TEST]
    origins = boosted.test_backtest["origin"].unique()
    # every target of every origin lies in the test window, one origin per day at midnight
    assert boosted.test_backtest[schema.TIMESTAMP].min() >= test[schema.TIMESTAMP].min()
    assert len(origins) == int(boosted.metrics["test"]["n_origins"]) == 10  # 2 Feb .. 11 Feb
    assert all(pd.Timestamp(o).hour == 0 for o in origins)
