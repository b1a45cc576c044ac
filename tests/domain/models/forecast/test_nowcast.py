"""The intraday nowcast reads only readings at or before its origin; the served switch uses it at
operating-day origins for the chosen bands only; the probabilistic report against a hand count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast import (
    IntradayForecaster,
    LightGBMQuantileForecaster,
    NowcastForecaster,
    load_forecaster,
)
from energy_assets.domain.models.forecast.backtest import (
    ACTUAL,
    probabilistic_report,
    rolling_origin_backtest,
)
from energy_assets.domain.models.forecast.base import Forecaster
from energy_assets.domain.models.forecast.nowcast import intraday_bands, operating_origin

DAY = schema.INTERVALS_PER_DAY
WEEK = 7 * DAY
SMALL = {
    "n_estimators": 30,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 20,
    "calibration_step": 8,
    "n_jobs": 1,
}
MONDAY_10 = pd.Timestamp("2018-02-05 10:00")  # Medium load: an operating-day origin
MONDAY_03 = pd.Timestamp("2018-02-05 03:00")  # Light load


@pytest.fixture(scope="module")
def frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return clean_reference.iloc[: 6 * WEEK].reset_index(drop=True)


@pytest.fixture(scope="module")
def nowcast(frame: pd.DataFrame) -> NowcastForecaster:
    return NowcastForecaster(**SMALL, origin_step=4).fit(
        frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK]
    )


@pytest.fixture(scope="module")
def day_ahead(frame: pd.DataFrame) -> LightGBMQuantileForecaster:
    return LightGBMQuantileForecaster(**SMALL, origin_step=8, horizons_per_origin=16).fit(
        frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK]
    )


def test_nowcast_reads_only_readings_at_or_before_the_origin(
    nowcast: NowcastForecaster, frame: pd.DataFrame
) -> None:
    base = nowcast.predict(frame, MONDAY_10, 16)
    after = frame.copy()
    later = after[schema.TIMESTAMP] > MONDAY_10
    after.loc[later, schema.USAGE_KWH] = after.loc[later, schema.USAGE_KWH] * 3 + 50
    pd.testing.assert_frame_equal(nowcast.predict(after, MONDAY_10, 16), base)
    # the latest readings matter: the reading at the origin moves the forecast
    at = frame.copy()
    at.loc[at[schema.TIMESTAMP] == MONDAY_10, schema.USAGE_KWH] += 60.0
    assert not np.allclose(nowcast.predict(at, MONDAY_10, 16)["mean"], base["mean"])
    assert (np.diff(base[[f"q{k}0" for k in range(1, 10)]].to_numpy(), axis=1) >= 0).all()
    with pytest.raises(ValueError, match="at most 16 intervals"):
        nowcast.predict(frame, MONDAY_10, 17)
    origins = [MONDAY_03, MONDAY_10, MONDAY_10 + pd.Timedelta(hours=5, minutes=15)]
    pd.testing.assert_frame_equal(
        nowcast.predict_origins(frame, origins, 16),
        Forecaster.predict_origins(nowcast, frame, origins, 16),
        rtol=1e-12,
        atol=1e-9,
    )


def test_intraday_switches_to_the_nowcast_at_operating_origins_only(
    nowcast: NowcastForecaster, day_ahead: LightGBMQuantileForecaster, frame: pd.DataFrame, tmp_path
) -> None:
    served = IntradayForecaster(day_ahead=day_ahead, nowcast=nowcast, bands=("15 min", "1 h"))
    assert served.fitted and served.reach == 4
    assert operating_origin("Medium_Load") and not operating_origin("Light_Load")
    busy = served.predict(frame, MONDAY_10, DAY)
    near = nowcast.predict(frame, MONDAY_10, 4)
    far = day_ahead.predict(frame, MONDAY_10, DAY)
    np.testing.assert_allclose(busy["mean"].iloc[:4], near["mean"])
    np.testing.assert_allclose(busy["mean"].iloc[4:], far["mean"].iloc[4:])
    pd.testing.assert_frame_equal(
        served.predict(frame, MONDAY_03, DAY), day_ahead.predict(frame, MONDAY_03, DAY)
    )
    again = load_forecaster(served.save(tmp_path / "intraday"))
    pd.testing.assert_frame_equal(again.predict(frame, MONDAY_10, DAY), busy)
    with pytest.raises(ValueError, match="unknown horizon bands"):
        IntradayForecaster(bands=("2 h",))
    # the rule on a small validation backtest picks only bands the nowcast reaches
    origins = [MONDAY_10 + pd.Timedelta(hours=h) for h in (0, 2, 4, 24, 26)]
    chosen = intraday_bands(
        rolling_origin_backtest(day_ahead, frame, origins, 16),
        rolling_origin_backtest(nowcast, frame, origins, 16),
        frame,
    )
    assert set(chosen) <= {"15 min", "1 h", "4 h"}


def test_probabilistic_report_by_hand() -> None:
    results = pd.DataFrame(
        {
            ACTUAL: [10.0, 4.0],
            "q10": [8.0, 5.0],
            "q50": [9.0, 6.0],
            "q90": [12.0, 7.0],
        }
    )
    rep = probabilistic_report(results)
    # pinball q10: (0.1*2 + 0.9*1)/2; q50: (0.5*1 + 0.5*2)/2; q90: (0.1*2 + 0.1*3)/2 (both over)
    assert rep["pinball_q10"] == pytest.approx((0.2 + 0.9) / 2)
    assert rep["pinball_q50"] == pytest.approx((0.5 + 1.0) / 2)
    assert rep["pinball_q90"] == pytest.approx((0.2 + 0.3) / 2)
    assert rep["crps"] == pytest.approx(2 * (0.55 + 0.75 + 0.25) / 3)
    assert rep["coverage_80"] == pytest.approx(0.5)  # 10 in [8, 12]; 4 below 5
    assert rep["crossings"] == 0
    assert rep["below_q50"] == pytest.approx(0.5)


def test_the_shared_grid_path_equals_the_members_for_the_profile_blend_champion(
    nowcast: NowcastForecaster, frame: pd.DataFrame
) -> None:
    from energy_assets.domain.models.forecast import ProfileBlendForecaster

    blend = ProfileBlendForecaster(**SMALL, origin_step=16, horizons_per_origin=8).fit(
        frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK]
    )
    served = IntradayForecaster(day_ahead=blend, nowcast=nowcast, bands=("15 min", "1 h", "4 h"))
    forecast, steps = served.predict_sourced(frame, MONDAY_10, DAY)
    assert steps == 16
    pd.testing.assert_frame_equal(forecast.iloc[:16], nowcast.predict(frame, MONDAY_10, 16))
    pd.testing.assert_frame_equal(forecast.iloc[16:], blend.predict(frame, MONDAY_10, DAY).iloc[16:])
    assert (np.diff(forecast[[f"q{k}0" for k in range(1, 10)]].to_numpy(), axis=1) >= 0).all()
