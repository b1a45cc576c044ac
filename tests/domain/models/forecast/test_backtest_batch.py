"""Vectorised backtests equal the served path: predict_origins == predict() from each origin, in
both plan regimes, at origins across the day; and the backtest's baselines and band scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast import (
    LightGBMQuantileForecaster,
    ProfileBlendForecaster,
    SeasonalNaiveForecaster,
    WeightedEnsembleForecaster,
    load_forecaster,
)
from energy_assets.domain.models.forecast.backtest import (
    ACTUAL,
    HORIZON_BANDS,
    PERSISTENCE,
    SEASONAL_NAIVE,
    band_report,
    band_report_by_hour,
    hourly_origins,
    rolling_origin_backtest,
)
from energy_assets.domain.models.forecast.base import DERIVED_PLAN, PLAN_REGIMES, PLANT_PLAN, Forecaster

DAY = schema.INTERVALS_PER_DAY
WEEK = 7 * DAY
SMALL = {
    "n_estimators": 40,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 20,
    "origin_step": 8,
    "horizons_per_origin": 16,
    "calibration_step": 8,
    "n_jobs": 1,
}


@pytest.fixture(scope="module")
def frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return clean_reference.iloc[: 6 * WEEK].reset_index(drop=True)


@pytest.fixture(scope="module")
def lightgbm(frame: pd.DataFrame) -> LightGBMQuantileForecaster:
    return LightGBMQuantileForecaster(**SMALL).fit(frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK])


@pytest.fixture(scope="module")
def profile_blend(frame: pd.DataFrame) -> ProfileBlendForecaster:
    return ProfileBlendForecaster(**SMALL).fit(frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK])


@pytest.fixture(scope="module")
def naive(frame: pd.DataFrame) -> SeasonalNaiveForecaster:
    return SeasonalNaiveForecaster().fit(frame.iloc[: 4 * WEEK])


def _origins(frame: pd.DataFrame) -> list[pd.Timestamp]:
    """Origins across the day in the sixth week, among them a Sunday (derived plan: off)."""
    day0 = frame[schema.TIMESTAMP].iloc[5 * WEEK - 1]  # Monday 5 Feb 2018 00:00
    hours = [0, 9, 13.25, 23, 24 * 4 + 8.5, 24 * 6 + 10]
    return [day0 + pd.Timedelta(hours=h) for h in hours]


def _loop(model: Forecaster, frame: pd.DataFrame, origins: list, horizon: int, plan: str) -> pd.DataFrame:
    return Forecaster.predict_origins(model, frame, origins, horizon, plan)


@pytest.mark.parametrize("plan", PLAN_REGIMES)
@pytest.mark.parametrize("name", ["naive", "lightgbm", "profile_blend"])
def test_vectorised_forecasts_equal_the_per_origin_path(
    request: pytest.FixtureRequest, frame: pd.DataFrame, name: str, plan: str
) -> None:
    model = request.getfixturevalue(name)
    origins = _origins(frame)
    batch = model.predict_origins(frame, origins, DAY, plan)
    loop = _loop(model, frame, origins, DAY, plan)
    pd.testing.assert_frame_equal(batch, loop, check_exact=False, rtol=1e-12, atol=1e-9)
    short = model.predict_origins(frame, origins, 8, plan)  # a short horizon plans the whole day too
    pd.testing.assert_frame_equal(short, _loop(model, frame, origins, 8, plan), rtol=1e-12, atol=1e-9)


def test_the_plan_regimes_differ_where_the_calendar_misreads_the_plant(
    lightgbm: LightGBMQuantileForecaster, frame: pd.DataFrame
) -> None:
    # Sunday 14 Jan 2018 operated (Medium at 09:00): the derived plan calls it off
    sunday = pd.Timestamp("2018-01-14 00:00")
    assert frame.loc[
        frame[schema.TIMESTAMP] == sunday + pd.Timedelta(hours=9, minutes=15), schema.LOAD_TYPE
    ].iloc[0] != ("Light_Load")
    plant = lightgbm.predict_origins(frame, [sunday], DAY, PLANT_PLAN)
    derived = lightgbm.predict_origins(frame, [sunday], DAY, DERIVED_PLAN)
    midday = slice(40, 80)
    assert plant["mean"].iloc[midday].mean() > derived["mean"].iloc[midday].mean() + 5


def test_ensemble_batch_equals_its_per_origin_blend(
    frame: pd.DataFrame, lightgbm: LightGBMQuantileForecaster, naive: SeasonalNaiveForecaster
) -> None:
    ensemble = WeightedEnsembleForecaster(
        [LightGBMQuantileForecaster(**SMALL), SeasonalNaiveForecaster()], validation_step=64
    ).fit(frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK])
    origins = _origins(frame)[:3]
    for plan in PLAN_REGIMES:
        pd.testing.assert_frame_equal(
            ensemble.predict_origins(frame, origins, DAY, plan),
            _loop(ensemble, frame, origins, DAY, plan),
            rtol=1e-12,
            atol=1e-9,
        )


def test_backtest_baselines_and_band_scores(frame: pd.DataFrame, naive: SeasonalNaiveForecaster) -> None:
    origins = _origins(frame)[:4]
    run = rolling_origin_backtest(naive, frame, origins, DAY)
    usage = frame.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    np.testing.assert_array_equal(run[PERSISTENCE], usage.reindex(run["origin"]).to_numpy())
    np.testing.assert_array_equal(
        run[SEASONAL_NAIVE], usage.reindex(run[schema.TIMESTAMP] - pd.Timedelta(days=7))
    )
    bands = band_report(run)
    assert bands["band"].tolist() == [b[0] for b in HORIZON_BANDS]
    # the naive scored against itself: ratio 1 in every band; persistence by hand on the first band
    np.testing.assert_allclose(bands["rmse_ratio"], 1.0)
    np.testing.assert_allclose(bands["mase"], 1.0)
    first = run[run["horizon"] == 1]
    by_hand = np.sqrt(np.mean((first[ACTUAL] - first[PERSISTENCE]) ** 2))
    assert bands.loc[0, "persistence_rmse"] == pytest.approx(by_hand)
    assert bands.loc[0, "n"] == len(origins) and bands["n"].sum() == len(run)


def test_profile_blend_deciles_round_trip_and_blend(
    profile_blend: ProfileBlendForecaster, frame: pd.DataFrame, tmp_path
) -> None:
    origin = _origins(frame)[0]
    forecast = profile_blend.predict(frame, origin, DAY)
    deciles = [f"q{k}0" for k in range(1, 10)]
    assert list(forecast.columns) == [schema.TIMESTAMP, "horizon", "mean", *deciles]
    assert (np.diff(forecast[deciles].to_numpy(), axis=1) >= 0).all()
    assert sorted(profile_blend.models) == ["mean", "q10", "q90"]  # three boosters serve nine deciles
    again = load_forecaster(profile_blend.save(tmp_path / "pb"))
    pd.testing.assert_frame_equal(again.predict(frame, origin, DAY), forecast)
    # the blend moves the LightGBM mean towards the class profiles
    plain = LightGBMQuantileForecaster(**SMALL).fit(frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK])
    assert not np.allclose(plain.predict(frame, origin, DAY)["mean"], forecast["mean"])


def test_hourly_origins_and_band_scores_by_origin_hour(
    frame: pd.DataFrame, naive: SeasonalNaiveForecaster
) -> None:
    window = frame.iloc[5 * WEEK : 5 * WEEK + 2 * DAY]
    origins = hourly_origins(frame, window, DAY, hours=[0, 6, 13])
    assert origins == sorted(origins) and {o.hour for o in origins} == {0, 6, 13}
    assert all(o + pd.Timedelta(days=1) <= window[schema.TIMESTAMP].max() for o in origins)
    run = rolling_origin_backtest(naive, frame, origins, DAY)
    table = band_report_by_hour(run)
    pooled = table[table["origin_hour"].isna()]
    assert len(pooled) == len(HORIZON_BANDS)
    assert sorted(table["origin_hour"].dropna().unique()) == [0.0, 6.0, 13.0]
    at6 = table[(table["origin_hour"] == 6) & (table["band"] == "15 min")].iloc[0]
    part = run[(run["origin"].dt.hour == 6) & (run["horizon"] == 1)]
    assert at6["mae"] == pytest.approx(np.mean(np.abs(part[ACTUAL] - part["mean"])))


def test_refit_from_the_calibrated_probe_equals_a_full_fit(frame: pd.DataFrame) -> None:
    train, validation = frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK]
    probe = ProfileBlendForecaster(**SMALL, refit_on_validation=False).fit(train, validation)
    full = ProfileBlendForecaster(**SMALL).fit(train, validation)
    refit = probe.refit(train, validation)
    assert refit.offsets == full.offsets and refit.refit_on_validation
    origin = _origins(frame)[1]
    pd.testing.assert_frame_equal(refit.predict(frame, origin, DAY), full.predict(frame, origin, DAY))
