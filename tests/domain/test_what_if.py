"""What-if engine: the numbers follow the tariff's prices and the power triangle, nothing else."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.tariff import PowerFactorSurcharge, default_tariff
from energy_assets.domain.what_if import (
    TimeWindow,
    baseline_from_forecast,
    change_load_type,
    improve_power_factor,
    period_of,
    shift_load,
)

# Tuesday 2 January 2018 (winter, not a holiday): 10-12 is maximum (144.40), 23-09 light (57.70)
DAY = pd.Timestamp("2018-01-02")
WINTER_MAX, WINTER_MEDIUM, WINTER_LIGHT = 144.40, 96.80, 57.70


def _day_frame(usage: float = 40.0) -> pd.DataFrame:
    ts = pd.date_range(DAY + schema.INTERVAL, periods=2 * schema.INTERVALS_PER_DAY, freq=schema.INTERVAL)
    n = len(ts)
    lag_pf = np.full(n, 80.0)
    return pd.DataFrame(
        {
            schema.TIMESTAMP: ts,
            schema.USAGE_KWH: np.full(n, usage),
            schema.LAGGING_REACTIVE_KVARH: usage * np.sqrt(1 - 0.8**2) / 0.8,
            schema.LEADING_REACTIVE_KVARH: np.zeros(n),
            schema.LAGGING_POWER_FACTOR: lag_pf,
            schema.LEADING_POWER_FACTOR: np.full(n, 100.0),
        }
    )


def _window(h0: float, h1: float, day: pd.Timestamp = DAY) -> TimeWindow:
    return TimeWindow(day + pd.Timedelta(hours=h0), day + pd.Timedelta(hours=h1))


def test_window_holds_intervals_by_their_start() -> None:
    frame = _day_frame()
    mask = _window(10, 12).mask(frame[schema.TIMESTAMP])
    stamps = frame[schema.TIMESTAMP][mask]
    assert len(stamps) == 8
    assert stamps.iloc[0] == DAY + pd.Timedelta(hours=10, minutes=15)
    assert stamps.iloc[-1] == DAY + pd.Timedelta(hours=12)
    with pytest.raises(ValueError, match="before its end"):
        _window(12, 10)


def test_shift_from_maximum_to_light_saves_the_price_gap_and_keeps_kwh_and_co2() -> None:
    result = shift_load(_day_frame(), 50.0, _window(10, 12), _window(23, 25))
    assert result.delta.energy_kwh == pytest.approx(0.0, abs=1e-9)
    assert result.delta.co2_t == pytest.approx(0.0, abs=1e-12)
    assert result.delta.cost_krw == pytest.approx(-50.0 * (WINTER_MAX - WINTER_LIGHT))
    assert result.baseline.energy_kwh == pytest.approx(16 * 40.0)
    assert result.details["kwh_added_per_interval"] == pytest.approx(50.0 / 8)
    assert any("spread evenly" in a for a in result.assumptions)
    assert any("illustrative KEPCO 2012" in a for a in result.assumptions)
    assert any("0.4594 tCO2/MWh" in a for a in result.assumptions)


def test_shift_checks_source_energy_windows_and_plant_maximum() -> None:
    frame = _day_frame()
    with pytest.raises(ValueError, match=r"exceeds the 320\.00 kWh"):
        shift_load(frame, 400.0, _window(10, 12), _window(23, 25))
    with pytest.raises(ValueError, match="overlap"):
        shift_load(frame, 10.0, _window(10, 12), _window(11, 13))
    with pytest.raises(ValueError, match="holds no interval"):
        shift_load(frame, 10.0, _window(10, 12), _window(10, 12, DAY + pd.Timedelta(days=9)))
    with pytest.raises(ValueError, match="above the plant's 200"):
        shift_load(_day_frame(150.0), 1000.0, _window(10, 12), _window(23, 23.5))
    with pytest.raises(ValueError, match="positive"):
        shift_load(frame, -1.0, _window(10, 12), _window(23, 25))


def test_change_load_type_reprices_at_the_new_period() -> None:
    frame = _day_frame()
    by_load_type = change_load_type(frame, _window(10, 12), "Medium_Load")
    by_period = change_load_type(frame, _window(10, 12), "medium")
    assert by_load_type.delta.cost_krw == pytest.approx(320.0 * (WINTER_MEDIUM - WINTER_MAX))
    assert by_period.scenario == by_load_type.scenario
    assert by_load_type.delta.energy_kwh == 0.0 and by_load_type.delta.co2_t == 0.0
    assert by_load_type.details["baseline_periods"] == {"maximum": 8}
    with pytest.raises(ValueError, match="expected a load_type"):
        period_of("Peak_Load")


def test_improve_power_factor_changes_reactive_not_kwh_and_no_cost_without_a_rule() -> None:
    result = improve_power_factor(_day_frame(), _window(9, 23), 95.0)
    n = 56
    assert result.details["intervals_improved"] == n
    assert result.delta.energy_kwh == 0.0
    assert result.delta.cost_krw == 0.0
    assert result.delta.co2_t == 0.0
    q_before = 40.0 * 0.6 / 0.8
    q_after = 40.0 * np.sqrt(1 - 0.95**2) / 0.95
    assert result.delta.reactive_kvarh == pytest.approx(n * (q_after - q_before))
    assert result.baseline.apparent_kvah == pytest.approx(n * 40.0 / 0.8)
    assert result.scenario.apparent_kvah == pytest.approx(n * 40.0 / 0.95)
    # apparent POWER at the peak 15 minutes: kVAh of one interval x 4
    assert result.baseline.peak_apparent_kva == pytest.approx(4 * 40.0 / 0.8)
    assert result.scenario.peak_apparent_kva == pytest.approx(4 * 40.0 / 0.95)
    assert result.delta.peak_apparent_kva == pytest.approx(4 * 40.0 * (1 / 0.95 - 1 / 0.8))
    assert any("no power-factor surcharge" in a for a in result.assumptions)
    with pytest.raises(ValueError, match="target_pf_pct"):
        improve_power_factor(_day_frame(), _window(9, 23), 120.0)


def test_improve_power_factor_saves_only_the_configured_surcharge() -> None:
    rule = PowerFactorSurcharge(side="lagging", threshold_pct=90, hours=((9, 23),), rate_pct_per_point=0.2)
    tariff = default_tariff().model_copy(update={"power_factor_surcharge": rule})
    result = improve_power_factor(_day_frame(), _window(10, 12), 95.0, tariff=tariff)
    # 8 maximum-period intervals of 40 kWh, 10 points below 90 % at 0.2 % per point
    expected = 8 * 40.0 * WINTER_MAX * 0.2 / 100 * 10
    assert result.baseline.power_factor_surcharge_krw == pytest.approx(expected)
    assert result.scenario.power_factor_surcharge_krw == 0.0
    assert result.delta.cost_krw == pytest.approx(-expected)
    assert result.delta.energy_charge_krw == 0.0
    leading = improve_power_factor(_day_frame(), _window(10, 12), 95.0, side="leading", tariff=tariff)
    assert leading.delta.cost_krw == 0.0


def test_scenarios_on_the_reference_and_a_forecast(clean_reference: pd.DataFrame) -> None:
    day = clean_reference.iloc[96 : 3 * 96]
    result = shift_load(day, 30.0, _window(10, 12), _window(23, 25))
    in_window = day[schema.USAGE_KWH].iloc[40:48].sum()  # 10:15 .. 12:00 of 2 January
    assert result.delta.cost_krw == pytest.approx(-30.0 * (WINTER_MAX - WINTER_LIGHT))
    assert in_window > 30.0
    forecast = pd.DataFrame(
        {schema.TIMESTAMP: day[schema.TIMESTAMP], "mean": day[schema.USAGE_KWH], "q10": 0.0}
    )
    base = baseline_from_forecast(forecast)
    assert list(base.columns) == [schema.TIMESTAMP, schema.USAGE_KWH]
    assert change_load_type(base, _window(10, 12), "light").delta.cost_krw == pytest.approx(
        in_window * (WINTER_LIGHT - WINTER_MAX)
    )
