"""Replaying the held-out period as a plant feed, drift injections, and the drift simulation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.monitoring import drift, feed

DAY = "2018-12-17"  # a Monday of the test period


def test_held_out_days_are_the_complete_test_days(clean_reference):
    days = feed.held_out_days(clean_reference)
    assert (days[0], days[-1], len(days)) == (dt.date(2018, 10, 2), dt.date(2018, 12, 31), 91)


def test_a_replayed_day_is_the_96_intervals_starting_that_day(clean_reference):
    day = feed.replay_day(clean_reference, DAY)
    assert list(day.columns) == list(schema.CLEAN_COLUMNS)
    assert len(day) == 96
    assert day[schema.TIMESTAMP].iloc[0] == pd.Timestamp("2018-12-17 00:15")
    assert day[schema.TIMESTAMP].iloc[-1] == pd.Timestamp("2018-12-18 00:00")  # closes the 17th
    expected = clean_reference[
        clean_reference[schema.TIMESTAMP].between("2018-12-17 00:15", "2018-12-18 00:00")
    ]
    pd.testing.assert_frame_equal(day, expected.reset_index(drop=True))
    with pytest.raises(ValueError, match="0 intervals"):
        feed.replay_day(clean_reference, "2019-03-01")


def test_co2_plus_50pct_scales_co2_only(clean_reference):
    clean = feed.replay_day(clean_reference, DAY)
    hit = feed.replay_day(clean_reference, DAY, feed.Injection("co2_plus_50pct"))
    np.testing.assert_allclose(hit[schema.CO2_TCO2], (clean[schema.CO2_TCO2] * 1.5).round(2))
    untouched = [c for c in schema.CLEAN_COLUMNS if c != schema.CO2_TCO2]
    pd.testing.assert_frame_equal(hit[untouched], clean[untouched])
    assert (drift.consistency_flags(hit)[drift.CO2_CONSISTENT] == "no").sum() > 20


def test_load_type_shift_moves_light_to_maximum_on_the_triangle(clean_reference):
    clean = feed.replay_day(clean_reference, DAY)
    hit = feed.replay_day(clean_reference, DAY, feed.Injection("load_type_shift", seed=3))
    moved = (clean[schema.LOAD_TYPE] == "Light_Load") & (hit[schema.LOAD_TYPE] == "Maximum_Load")
    assert (clean[schema.LOAD_TYPE] == "Light_Load").sum() == 40
    assert moved.sum() == 20  # half of the day's light intervals
    assert (hit[schema.LOAD_TYPE] != clean[schema.LOAD_TYPE]).sum() == 20
    history = clean_reference[clean_reference[schema.TIMESTAMP] <= "2018-12-17 00:00"]
    ratio = feed.maximum_to_light_ratio(history)
    assert ratio == pytest.approx(6.846, abs=1e-3)
    np.testing.assert_allclose(
        hit.loc[moved, schema.USAGE_KWH], (clean.loc[moved, schema.USAGE_KWH] * ratio).round(2)
    )
    pd.testing.assert_series_equal(hit[schema.LAGGING_POWER_FACTOR], clean[schema.LAGGING_POWER_FACTOR])
    flags = drift.consistency_flags(hit)
    assert (flags[drift.TRIANGLE_CONSISTENT] == "yes").all()  # a regime change, not a broken meter
    assert (flags[drift.CO2_CONSISTENT] == "yes").mean() > 0.95
    again = feed.replay_day(clean_reference, DAY, feed.Injection("load_type_shift", seed=3))
    other = feed.replay_day(clean_reference, DAY, feed.Injection("load_type_shift", seed=4))
    pd.testing.assert_frame_equal(hit, again)
    assert not hit.equals(other)


def test_synthetic_outliers_multiply_a_share_of_usage(clean_reference):
    clean = feed.replay_day(clean_reference, DAY)
    hit = feed.replay_day(clean_reference, DAY, feed.Injection("synthetic_outliers", seed=1))
    changed = hit[schema.USAGE_KWH] != clean[schema.USAGE_KWH]
    assert changed.sum() <= 10 and changed.sum() >= 8  # 10 rows drawn; a 0 kWh reading stays 0
    np.testing.assert_allclose(
        hit.loc[changed, schema.USAGE_KWH], (clean.loc[changed, schema.USAGE_KWH] * 3).round(2)
    )
    assert (drift.consistency_flags(hit)[drift.TRIANGLE_CONSISTENT] == "no").sum() == changed.sum()


def test_stuck_sensor_freezes_lagging_reactive_from_06_to_18(clean_reference):
    clean = feed.replay_day(clean_reference, DAY)
    hit = feed.replay_day(clean_reference, DAY, feed.Injection("stuck_sensor"))
    start = (hit[schema.TIMESTAMP] - schema.INTERVAL).dt.hour
    window = (start >= 6) & (start < 18)
    assert window.sum() == 48
    frozen = hit.loc[window, schema.LAGGING_REACTIVE_KVARH]
    assert (
        frozen.nunique() == 1 and frozen.iloc[0] == clean.loc[window, schema.LAGGING_REACTIVE_KVARH].iloc[0]
    )
    pd.testing.assert_frame_equal(hit[~window], clean[~window])


def test_injection_rejects_unknown_scenarios_and_bad_knobs():
    with pytest.raises(ValueError, match="scenario"):
        feed.Injection("meteor")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="share"):
        feed.Injection("synthetic_outliers", share=1.5)
    with pytest.raises(ValueError, match="column"):
        feed.Injection("stuck_sensor", column=schema.LOAD_TYPE)


def test_simulation_detects_every_scenario_and_not_the_clean_week(clean_reference):
    report = feed.simulate_drift(clean_reference, clean_replays=13)
    table = report.to_frame().set_index("scenario")
    assert list(table.index) == ["clean", *feed.SCENARIOS]
    assert not table.loc["clean", "detected"]
    assert table.loc[list(feed.SCENARIOS), "detected"].all()
    assert table.loc[list(feed.SCENARIOS), "retrain_requested"].all()
    assert table.loc["co2_plus_50pct", "max_psi_feature"] == drift.CO2_CONSISTENT
    assert table.loc["load_type_shift", "max_psi_feature"] == schema.LOAD_TYPE
    # what the physics champion feels: nothing from CO2 or a consistent regime change, a lot from bad meters
    before = table.loc["clean", "rmse_after_kwh"]
    assert before < 0.05
    assert table.loc["co2_plus_50pct", "rmse_after_kwh"] == pytest.approx(before, abs=1e-3)
    assert table.loc["synthetic_outliers", "rmse_after_kwh"] > 10
    assert table.loc["stuck_sensor", "rmse_after_kwh"] > 10
    # 13 clean weeks of the test period: only the Christmas week (holiday: all-light days) alarms
    assert (report.clean_windows, report.false_alarms) == (13, 1)
    assert "False alarms on clean replays: 1/13" in report.to_markdown()


def test_simulation_of_one_scenario_on_a_chosen_week(clean_reference):
    report = feed.simulate_drift(clean_reference, "co2_plus_50pct", days=7, seed=5, window_index=0)
    assert [o.scenario for o in report.outcomes] == ["clean", "co2_plus_50pct"]
    assert (report.outcomes[0].window_start, report.outcomes[0].window_end) == ("2018-10-02", "2018-10-08")
    assert [o.detected for o in report.outcomes] == [False, True]
    assert report.clean_windows == 0 and report.false_alarm_rate is None
    with pytest.raises(ValueError, match="scenario"):
        feed.simulate_drift(clean_reference, "meteor")
