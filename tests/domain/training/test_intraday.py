"""The nowcast ships inside the forecast champion bundle with the switch chosen on validation: the
rule is read from the card (not from code), the bundle is refused without the nowcast's files, and
the served forecast equals the members' own forecasts with monotone deciles across the seam."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import manifest
from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.forecast import IntradayForecaster, NowcastForecaster
from energy_assets.domain.models.forecast.nowcast import INTRADAY_CARD_KEY, intraday_rule
from energy_assets.domain.training import champion, result_store
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster
from energy_assets.domain.training.intraday import evaluate_nowcast, intraday_entry, served_15min

DECILES = [f"q{k}0" for k in range(1, 10)]


@pytest.fixture(scope="module")
def frame(ten_weeks: pd.DataFrame) -> pd.DataFrame:
    return ten_weeks


@pytest.fixture(scope="module")
def config(tiny_booster: dict[str, int]) -> ForecastConfig:
    return ForecastConfig(params={"lightgbm_quantile": tiny_booster}, hourly_origin_step=12)


@pytest.fixture(scope="module")
def results(frame: pd.DataFrame, config: ForecastConfig, tiny_booster: dict[str, int]):
    split_frame = splits.build_splits(frame)
    day = evaluate_forecaster("lightgbm_quantile", frame, split_frame, config=config)
    now = evaluate_nowcast(frame, split_frame, config=config, params={**tiny_booster, "origin_step": 4})
    return day, now


def test_the_rule_is_chosen_on_validation_from_both_backtests_by_hand() -> None:
    stamps = pd.date_range("2018-03-05 09:15", periods=16, freq="15min")
    origin = pd.Timestamp("2018-03-05 09:00")
    night = pd.Timestamp("2018-03-05 03:00")
    frame = pd.DataFrame({schema.TIMESTAMP: [night, origin], schema.LOAD_TYPE: ["Light_Load", "Medium_Load"]})

    def run(at: pd.Timestamp, errors: np.ndarray) -> pd.DataFrame:
        ts = stamps - (origin - at)
        return pd.DataFrame(
            {
                "origin": at,
                schema.TIMESTAMP: ts,
                "horizon": np.arange(1, 17),
                "actual": 100.0,
                "mean": 100.0 + errors,
            }
        )

    # the nowcast wins the 15 min and 1 h bands, loses 4 h; at the Light-load origin it loses all
    day = pd.concat([run(origin, np.full(16, 3.0)), run(night, np.zeros(16))])
    now = pd.concat([run(origin, np.r_[np.full(4, 1.0), np.full(12, 5.0)]), run(night, np.ones(16))])
    rule = intraday_rule(day, now, frame, day_ahead_family="lightgbm_quantile")
    assert rule["bands"] == ["15 min", "1 h"] and rule["horizons"] == 4
    assert rule["model_dir"] == "nowcast" and rule["chosen_on"] == "validation"
    by_band = {s["band"]: s for s in rule["scores"]}
    assert by_band["4 h"]["nowcast_rmse"] == pytest.approx(5.0)
    assert by_band["4 h"]["day_ahead_rmse"] == pytest.approx(3.0)
    assert by_band["15 min"]["n_origins"] == 1  # the Light-load origin is not an operating origin


def test_the_champion_bundle_ships_the_nowcast_and_serves_the_card_rule(
    results, frame: pd.DataFrame, tmp_path
) -> None:
    day, now = results
    assert now.status == "evaluated" and isinstance(now.model, NowcastForecaster)
    assert now.metrics["validation"]["crossings"] == 0
    # only origins during the operating day (Medium/Maximum load at the origin) are scored
    loads = frame.set_index(schema.TIMESTAMP)[schema.LOAD_TYPE]
    assert (loads.reindex(now.validation_backtest["origin"].unique()) != "Light_Load").all()
    hourly = day.hourly_backtests["validation"]
    assert hourly["horizon"].max() == 16
    again = result_store.load_result(result_store.save_result(day, tmp_path / "day"))
    pd.testing.assert_frame_equal(again.hourly_backtests["validation"], hourly)

    rule = intraday_entry(day, now, frame)
    assert rule is not None and rule["scores"]
    # the card says what the served forecast scores 15 minutes ahead at those origins
    assert rule["served_15min"] == served_15min(day, now, rule, frame)
    by_nowcast = served_15min(day, now, {**rule, "horizons": 16}, frame)
    first = now.test_backtest.loc[now.test_backtest["horizon"] == 1]
    assert by_nowcast["model"] == "nowcast" and by_nowcast["published_anchor_mae"] == 4.22
    assert by_nowcast["test"]["mae"] == pytest.approx((first["actual"] - first["mean"]).abs().mean())
    assert by_nowcast["test"]["persistence_mae"] == pytest.approx(
        (first["actual"] - first["persistence"]).abs().mean()
    )
    by_day = served_15min(day, now, {**rule, "horizons": 0}, frame)
    at = hourly.loc[(hourly["horizon"] == 1) & (loads.reindex(hourly["origin"]).to_numpy() != "Light_Load")]
    assert by_day["model"] == day.family and by_day["test"] is None
    assert by_day["validation"]["mae"] == pytest.approx((at["actual"] - at["mean"]).abs().mean())
    rule = {**rule, "bands": ["15 min", "1 h", "4 h"], "horizons": 16}  # serve the whole reach
    history = frame.iloc[-35 * schema.INTERVALS_PER_DAY :].reset_index(drop=True)
    folder = champion.write_bundle(
        day,
        tmp_path / "champion",
        data_version="sha256:test",
        code_version="test",
        attachments={champion.HISTORY_FILE: history},
        companions={rule["model_dir"]: now.model},
        sections={INTRADAY_CARD_KEY: rule},
    )
    card = champion.verify_bundle(folder)
    assert card[INTRADAY_CARD_KEY]["horizons"] == 16
    served = champion.load_bundle(folder).model
    assert isinstance(served, IntradayForecaster) and served.reach == 16

    busy = history.loc[history[schema.LOAD_TYPE] == "Medium_Load", schema.TIMESTAMP].iloc[-20]
    quiet = history.loc[history[schema.LOAD_TYPE] == "Light_Load", schema.TIMESTAMP].iloc[-20]
    forecast, steps = served.predict_sourced(history, busy, 96)
    assert steps == 16
    pd.testing.assert_frame_equal(forecast.iloc[:16], now.model.predict(history, busy, 16))
    far = day.model.predict(history, busy, 96)
    pd.testing.assert_frame_equal(forecast.iloc[16:], far.iloc[16:])
    deciles = forecast[DECILES].to_numpy()
    assert (np.diff(deciles, axis=1) >= 0).all()  # monotone on every row, both sides of the seam
    # readings after the origin change nothing (the nowcast reads only readings <= origin)
    later = history.copy()
    after = later[schema.TIMESTAMP] > busy
    later.loc[after, schema.USAGE_KWH] = later.loc[after, schema.USAGE_KWH] * 3 + 40
    pd.testing.assert_frame_equal(served.predict_sourced(later, busy, 96)[0], forecast)
    quiet_forecast, quiet_steps = served.predict_sourced(history, quiet, 96)
    assert quiet_steps == 0
    pd.testing.assert_frame_equal(quiet_forecast, day.model.predict(history, quiet, 96))

    # the rule is read from the card: a card that serves the 15-min band only switches 1 interval
    path = folder / champion.BUNDLE_FILE
    edited = json.loads(path.read_text())
    edited[INTRADAY_CARD_KEY].update(bands=["15 min"], horizons=1)
    path.write_text(json.dumps(edited))
    manifest.write_manifest(folder)
    assert champion.load_bundle(folder).model.predict_sourced(history, busy, 96)[1] == 1
    # a card that names a nowcast the manifest does not list is refused before any load
    (folder / "nowcast" / "model.json").unlink()
    manifest.write_manifest(folder)
    with pytest.raises(manifest.ManifestError, match=r"intraday rule serves nowcast/model\.json"):
        champion.verify_bundle(folder)
