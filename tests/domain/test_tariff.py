"""KEPCO tariff: periods by interval start, prices, cost, CO2, the loader's errors, and the data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from energy_assets.domain import calendar, tariff
from energy_assets.domain.data import schema

LOAD_TYPE_TO_PERIOD = dict(zip(schema.LOAD_TYPES, tariff.TARIFF_PERIODS, strict=True))


def _stamps(*values: str) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)))


@pytest.fixture()
def default_yaml() -> dict:
    return yaml.safe_load(tariff.DEFAULT_TARIFF_PATH.read_text("utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "tariff.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    return path


def test_packaged_default_has_the_design_figures() -> None:
    tf = tariff.load_tariff()
    prices = tf.prices_krw_per_kwh
    assert (prices.summer.light, prices.spring_fall.light, prices.winter.light) == (52.30, 52.30, 57.70)
    assert (prices.summer.medium, prices.spring_fall.medium, prices.winter.medium) == (98.40, 72.50, 96.80)
    assert (prices.summer.maximum, prices.spring_fall.maximum, prices.winter.maximum) == (
        167.90,
        98.30,
        144.40,
    )
    assert tf.emission_factor_t_per_kwh == pytest.approx(schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH)
    assert tf.power_factor_surcharge is None
    assert tf.light_all_day == ("sunday", "public_holiday")
    assert tf.seasons.month_to_season() == calendar.MONTH_TO_SEASON


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2018-07-02 09:00", "light"),  # 08:45-09:00
        ("2018-07-02 09:15", "medium"),  # 09:00-09:15
        ("2018-07-02 10:00", "medium"),  # 09:45-10:00: the interval START decides
        ("2018-07-02 10:15", "maximum"),
        ("2018-07-02 12:15", "medium"),
        ("2018-07-02 13:15", "maximum"),
        ("2018-07-02 17:00", "maximum"),  # 16:45-17:00
        ("2018-07-02 17:15", "medium"),
        ("2018-07-02 23:00", "medium"),  # 22:45-23:00
        ("2018-07-02 23:15", "light"),
        ("2018-04-03 14:00", "maximum"),  # spring/fall, as summer
        ("2018-01-02 14:00", "medium"),  # winter afternoon
        ("2018-01-02 18:00", "maximum"),  # winter evening peak
        ("2018-01-02 21:00", "medium"),
        ("2018-01-02 22:30", "maximum"),
        ("2018-07-01 11:00", "light"),  # Sunday: light all day
        ("2018-09-24 11:00", "light"),  # Chuseok: light all day
        ("2018-07-07 11:00", "maximum"),  # Saturday: clock periods
    ],
)
def test_tariff_period_by_interval_start(stamp: str, expected: str) -> None:
    assert tariff.tariff_period(pd.Timestamp(stamp)) == expected


def test_tariff_period_is_vectorised_and_keeps_the_index() -> None:
    stamps = pd.Series(pd.to_datetime(["2018-07-02 10:15", "2018-07-02 02:00"]), index=[3, 9])
    assert tariff.tariff_period(stamps).to_dict() == {3: "maximum", 9: "light"}


def test_prices() -> None:
    assert tariff.price_krw_per_kwh(pd.Timestamp("2018-07-02 11:00")) == 167.90
    assert tariff.price_krw_per_kwh(pd.Timestamp("2018-01-02 02:00")) == 57.70
    assert tariff.price_krw_per_kwh(pd.Timestamp("2018-10-02 12:30")) == 72.50


def test_energy_cost_of_a_known_frame() -> None:
    stamps = _stamps("2018-07-02 11:00", "2018-07-02 02:00", "2018-04-03 10:00", "2018-12-25 11:00")
    usage = pd.Series([10.0, 20.0, 8.0, 5.0])
    cost = tariff.energy_cost_krw(stamps, usage)
    # summer maximum, summer light, spring/fall medium (09:45 start), winter holiday light
    assert cost.tolist() == pytest.approx([1679.0, 1046.0, 580.0, 288.5])
    assert cost.sum() == pytest.approx(3593.5)


def test_energy_cost_rejects_misaligned_inputs() -> None:
    with pytest.raises(ValueError, match="2 values for 1 timestamps"):
        tariff.energy_cost_krw(_stamps("2018-07-02 11:00"), [1.0, 2.0])


def test_co2() -> None:
    assert tariff.co2_t(1000.0) == pytest.approx(0.4594)
    assert tariff.co2_t(pd.Series([0.0, 2000.0])).tolist() == pytest.approx([0.0, 0.9188])


def test_surcharge_is_zero_by_default() -> None:
    surcharge = tariff.default_tariff().power_factor_surcharge_krw(
        _stamps("2018-07-02 11:00"), [10.0], [50.0]
    )
    assert surcharge.tolist() == [0.0]


def test_configured_surcharge(tmp_path: Path, default_yaml: dict) -> None:
    default_yaml["power_factor_surcharge"] = {
        "side": "lagging",
        "threshold_pct": 90,
        "hours": [[9, 23]],
        "rate_pct_per_point": 0.2,
    }
    tf = tariff.load_tariff(_write(tmp_path, default_yaml))
    stamps = _stamps("2018-07-02 11:00", "2018-07-02 11:15", "2018-07-02 02:00")
    surcharge = tf.power_factor_surcharge_krw(stamps, [10.0, 10.0, 10.0], [85.0, 95.0, 50.0])
    # 1679 KRW x 0.2 % x 5 points; PF above threshold; outside the rule's hours
    assert surcharge.tolist() == pytest.approx([16.79, 0.0, 0.0])


def test_override_file_changes_prices_and_rules(tmp_path: Path, default_yaml: dict) -> None:
    default_yaml["prices_krw_per_kwh"]["summer"]["maximum"] = 200.0
    default_yaml["light_all_day"] = []
    tf = tariff.load_tariff(_write(tmp_path, default_yaml))
    sunday = _stamps("2018-07-01 11:00")
    assert tariff.tariff_period(sunday, tf).tolist() == ["maximum"]
    assert tariff.price_krw_per_kwh(sunday, tf).tolist() == [200.0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["prices_krw_per_kwh"]["summer"].update(maximum=-1), "prices_krw_per_kwh.summer.maximum"),
        (lambda d: d["prices_krw_per_kwh"]["winter"].pop("light"), "prices_krw_per_kwh.winter.light"),
        (lambda d: d["periods"]["winter"].update(medium=[[9, 10]]), "hours \\[12, 13, 14, 15, 16, 20, 21\\]"),
        (lambda d: d["periods"]["summer"].update(maximum=[[10, 12], [12, 17]]), "hour 12 is in both medium"),
        (lambda d: d["seasons"].update(summer=[6, 7]), "missing \\[8\\]"),
        (lambda d: d.update(light_all_day=["monday"]), "light_all_day"),
        (lambda d: d.update(emission_factor_tco2_per_mwh=459.4), "emission_factor_tco2_per_mwh"),
        (lambda d: d.update(colour="blue"), "colour"),
    ],
)
def test_bad_files_name_the_field(tmp_path: Path, default_yaml: dict, edit, message: str) -> None:
    edit(default_yaml)
    with pytest.raises(tariff.TariffError, match=message):
        tariff.load_tariff(_write(tmp_path, default_yaml))


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(tariff.TariffError, match="does not exist"):
        tariff.load_tariff(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("periods: [unclosed", "utf-8")
    with pytest.raises(tariff.TariffError, match="not valid YAML"):
        tariff.load_tariff(bad)
    bad.write_text("- just a list", "utf-8")
    with pytest.raises(tariff.TariffError, match="mapping"):
        tariff.load_tariff(bad)


def test_agreement_with_the_data_load_type(clean_reference: pd.DataFrame) -> None:
    """Measured on the UCI year: the clock rule reproduces Load_Type on every operating day.

    The plant also runs 62 whole light days; KEPCO's Sunday/holiday rule explains 44 of them and
    bills light 25 days the plant worked (operating Sundays and holidays).
    """
    tf = tariff.default_tariff()
    stamps = clean_reference[schema.TIMESTAMP]
    data_period = clean_reference[schema.LOAD_TYPE].map(LOAD_TYPE_TO_PERIOD)
    clock = tf.clock_period(stamps)
    period = tf.tariff_period(stamps)
    day = calendar.interval_date(stamps)
    off_day = (data_period.eq("light") & clock.ne("light")).groupby(day).transform("any")
    operating = ~off_day
    assert day[off_day].nunique() == 62
    assert operating.sum() == 29_088
    assert (clock[operating] == data_period[operating]).mean() == 1.0
    assert (period[operating] == data_period[operating]).mean() == pytest.approx(0.9519, abs=5e-4)
    assert (period == data_period).mean() == pytest.approx(0.9313, abs=5e-4)
    kepco_light_day = tf.light_day(stamps).groupby(day).first()
    plant_off_day = off_day.groupby(day).first()
    assert (kepco_light_day & plant_off_day).sum() == 44
    assert (kepco_light_day & ~plant_off_day).sum() == 25


def test_year_cost_of_the_reference(clean_reference: pd.DataFrame) -> None:
    cost = tariff.energy_cost_krw(clean_reference[schema.TIMESTAMP], clean_reference[schema.USAGE_KWH])
    assert cost.sum() == pytest.approx(95_230_687.6, rel=1e-9)
    assert cost.sum() / clean_reference[schema.USAGE_KWH].sum() == pytest.approx(99.24, abs=0.01)
