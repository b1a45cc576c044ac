"""The expanding-window weekly refit backtest (the product's protocol, issue 17) on a tiny window:
real LightGBM/profile fits, real backtests, scored like the fixed fit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.forecast import backtest
from energy_assets.domain.models.forecast.base import DERIVED_PLAN, PLANT_PLAN
from energy_assets.domain.training import refit
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster, forecast_windows


@pytest.fixture(scope="module")
def case(ten_weeks: pd.DataFrame, tiny_booster: dict[str, int]):
    frame = ten_weeks
    split_frame = splits.build_splits(frame)
    config = ForecastConfig(max_origins=5, params={"profile_blend": {**tiny_booster, "n_estimators": 20}})
    windows = forecast_windows(frame, split_frame, config)
    result = refit.expanding_refit_backtest("profile_blend", windows, config, every=2)
    return frame, split_frame, config, windows, result


def test_blocks_cut_the_origins_in_order() -> None:
    days = list(pd.date_range("2018-01-01", periods=5, freq="D"))
    assert refit.refit_blocks(days[::-1], 2) == [days[0:2], days[2:4], days[4:5]]
    with pytest.raises(ValueError, match="every"):
        refit.refit_blocks(days, 0)


def test_each_block_is_fitted_on_everything_up_to_its_first_origin(case) -> None:
    frame, _, _, windows, result = case
    origins = windows.test_origins
    assert [f.cut for f in result.fits] == origins[::2]
    assert [f.n_origins for f in result.fits] == [2, 2, 1]
    # here the test window starts before its first 00:00 origin, so the first refit saw test rows
    assert result.fits[0].train_rows > len(windows.train)
    for fit in result.fits:
        seen = int((frame[schema.TIMESTAMP] <= fit.cut).sum())
        assert fit.validation_rows == len(windows.validation)
        assert fit.train_rows + fit.validation_rows == seen
    assert [f.train_rows for f in result.fits] == sorted(f.train_rows for f in result.fits)


def test_fixed_and_refit_are_scored_on_the_same_origins_in_both_plans(case) -> None:
    frame, split_frame, config, windows, result = case
    for key, run in result.runs.items():
        assert sorted(run[backtest.ORIGIN].unique()) == windows.test_origins, key
        assert len(run) == len(windows.test_origins) * config.horizon
    refit_run, fixed_run = result.runs[(refit.REFIT, PLANT_PLAN)], result.runs[(refit.FIXED, PLANT_PLAN)]
    assert not np.allclose(refit_run["mean"], fixed_run["mean"])
    scores = result.scores()
    assert set(scores) == {refit.REFIT, refit.FIXED}
    assert set(scores[refit.REFIT]) == {"test", "test_derived_plan"}
    # the fixed fit scores what evaluate_forecaster's test scores are
    fixed = evaluate_forecaster("profile_blend", frame, split_frame, config=config, windows=windows)
    for key in ("test", "test_derived_plan"):
        for name in ("rmse", "rmse_ratio", "mase", "coverage_80", "crossings"):
            assert scores[refit.FIXED][key][name] == pytest.approx(fixed.metrics[key][name]), (key, name)
    assert scores[refit.REFIT]["test"]["crossings"] == 0
    blocks = result.blocks()
    assert set(blocks["plan"]) == {PLANT_PLAN, DERIVED_PLAN} and len(blocks) == 6
    assert (blocks[["rmse_refit", "rmse_fixed", "rmse_naive"]] > 0).all().all()


def test_refuses_what_it_cannot_refit(case) -> None:
    _, _, config, windows, _ = case
    with pytest.raises(ValueError, match="foundation"):
        refit.expanding_refit_backtest("chronos", windows, config)
    with pytest.raises(ValueError, match="validation_rows"):
        refit.expanding_refit_backtest("seasonal_naive", windows, config, validation_rows=len(windows.frame))


def test_a_first_history_of_train_plus_validation_is_the_fixed_fit_itself(case) -> None:
    _, _, config, windows, _ = case
    last = windows.validation[schema.TIMESTAMP].max()
    origins = [last, last + pd.Timedelta(days=1)]
    result = refit.expanding_refit_backtest("profile_blend", windows, config, every=1, origins=origins)
    first = result.fits[0]
    assert (first.train_rows, first.validation_rows) == (len(windows.train), len(windows.validation))
    refit_run, fixed_run = result.runs[(refit.REFIT, PLANT_PLAN)], result.runs[(refit.FIXED, PLANT_PLAN)]
    on_first = refit_run[backtest.ORIGIN] == last
    # the first block is forecast by the fixed model itself; the second by a model a day newer
    np.testing.assert_allclose(refit_run.loc[on_first, "mean"], fixed_run.loc[on_first, "mean"])
    assert not np.allclose(refit_run.loc[~on_first, "mean"], fixed_run.loc[~on_first, "mean"])
