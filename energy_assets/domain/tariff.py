"""KEPCO time-of-use tariff: periods, prices, emission factor, loaded from a validated YAML file.

The packaged default (``energy_assets/config/tariff_kepco.yaml``) holds KEPCO Industrial (B), high
voltage A, option I energy charges as published for 2012: illustrative figures, overridable by path.
Periods are decided by the START of each 15-minute interval (see :mod:`calendar`), so the row
stamped 10:00 (interval 09:45-10:00) is billed at the 09:00 hour's period.

``tariff_period`` is KEPCO's billing period; the data's own ``load_type`` column is the plant's plan
and stays separate (on operating days the two agree; the plant also runs light whole days).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from energy_assets.domain import calendar, paths
from energy_assets.domain.data import schema

#: Billing periods, cheapest first; the index is the numeric code features use (named in the schema).
TARIFF_PERIODS: tuple[str, ...] = schema.TARIFF_PERIODS
LIGHT, MEDIUM, MAXIMUM = TARIFF_PERIODS
TARIFF_PERIOD_CODES: dict[str, int] = {p: i for i, p in enumerate(TARIFF_PERIODS)}

LightDay = Literal["sunday", "saturday", "public_holiday"]
Hour = Annotated[int, Field(ge=0, le=24)]

#: The packaged default tariff (shipped as package data with ``energy_assets``).
DEFAULT_TARIFF_PATH = Path(__file__).resolve().parents[1] / "config" / "tariff_kepco.yaml"


class TariffError(ValueError):
    """A tariff file that cannot be used; the message names the file and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _hours_of(ranges: tuple[tuple[int, int], ...]) -> list[int]:
    hours: list[int] = []
    for start, end in ranges:
        hours.extend(range(start, end) if start < end else [*range(start, 24), *range(0, end)])
    return hours


def _check_ranges(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    for start, end in ranges:
        if start == end:
            raise ValueError(f"hour range [{start}, {end}] is empty; use [from, to) with from != to")
        if start == 24:
            raise ValueError(f"hour range [{start}, {end}] starts at 24; hours start at 0-23")
    return ranges


HourRanges = tuple[tuple[Hour, Hour], ...]


class SeasonMonths(_Frozen):
    summer: tuple[Annotated[int, Field(ge=1, le=12)], ...]
    spring_fall: tuple[Annotated[int, Field(ge=1, le=12)], ...]
    winter: tuple[Annotated[int, Field(ge=1, le=12)], ...]

    @model_validator(mode="after")
    def _partition(self) -> SeasonMonths:
        months = [m for s in calendar.SEASONS for m in getattr(self, s)]
        missing = sorted(set(range(1, 13)) - set(months))
        repeated = sorted({m for m in months if months.count(m) > 1})
        if missing or repeated:
            raise ValueError(
                f"every month 1-12 must belong to exactly one season; missing {missing}, repeated {repeated}"
            )
        return self

    def month_to_season(self) -> dict[int, str]:
        return {m: s for s in calendar.SEASONS for m in getattr(self, s)}


class SeasonPeriods(_Frozen):
    """Hour ranges of each period in one season, by interval start."""

    light: HourRanges
    medium: HourRanges
    maximum: HourRanges

    @field_validator("light", "medium", "maximum")
    @classmethod
    def _ranges(cls, value: HourRanges) -> HourRanges:
        return _check_ranges(value)

    @model_validator(mode="after")
    def _cover_day(self) -> SeasonPeriods:
        owner: dict[int, str] = {}
        for period in TARIFF_PERIODS:
            for hour in _hours_of(getattr(self, period)):
                if hour in owner:
                    raise ValueError(f"hour {hour} is in both {owner[hour]} and {period}")
                owner[hour] = period
        missing = sorted(set(range(24)) - set(owner))
        if missing:
            raise ValueError(f"hours {missing} belong to no period; every hour 0-23 needs one")
        return self

    def hour_table(self) -> list[str]:
        """Period of each hour 0-23."""
        table = [""] * 24
        for period in TARIFF_PERIODS:
            for hour in _hours_of(getattr(self, period)):
                table[hour] = period
        return table


class SeasonalPeriods(_Frozen):
    summer: SeasonPeriods
    spring_fall: SeasonPeriods
    winter: SeasonPeriods


class PeriodPrices(_Frozen):
    light: Annotated[float, Field(gt=0)]
    medium: Annotated[float, Field(gt=0)]
    maximum: Annotated[float, Field(gt=0)]


class SeasonalPrices(_Frozen):
    summer: PeriodPrices
    spring_fall: PeriodPrices
    winter: PeriodPrices


class PowerFactorSurcharge(_Frozen):
    """Optional contract rule: a surcharge on the energy charge of intervals with a low power factor.

    Applied per interval whose start hour is in ``hours``: ``energy charge x rate_pct_per_point / 100
    x (threshold_pct - power factor)`` when the chosen side's power factor is below the threshold.
    It never changes kWh: improving power factor saves this surcharge, not energy.
    """

    side: Literal["lagging", "leading"] = "lagging"
    threshold_pct: Annotated[float, Field(gt=0, le=100)]
    hours: HourRanges
    rate_pct_per_point: Annotated[float, Field(ge=0)]

    @field_validator("hours")
    @classmethod
    def _ranges(cls, value: HourRanges) -> HourRanges:
        if not value:
            raise ValueError("at least one hour range is needed")
        return _check_ranges(value)


class Tariff(_Frozen):
    """A time-of-use tariff: who pays what, when, and how much CO2 a kWh carries."""

    name: str
    source: str = ""
    currency: str = "KRW"
    seasons: SeasonMonths
    periods: SeasonalPeriods
    light_all_day: tuple[LightDay, ...] = ()
    prices_krw_per_kwh: SeasonalPrices
    emission_factor_tco2_per_mwh: Annotated[float, Field(gt=0, le=2)]
    power_factor_surcharge: PowerFactorSurcharge | None = None

    @property
    def emission_factor_t_per_kwh(self) -> float:
        return self.emission_factor_tco2_per_mwh / 1000.0

    def season(self, timestamps: calendar.Timestamps) -> pd.Series:
        """Season of each interval (by the month of its start), as this tariff defines them."""
        return self._season_of_starts(calendar.interval_start_series(timestamps))

    def _season_of_starts(self, starts: pd.Series) -> pd.Series:
        return starts.dt.month.map(self.seasons.month_to_season())

    def light_day(self, timestamps: calendar.Timestamps) -> pd.Series:
        """True where the interval's day is billed light all day (``light_all_day`` rule)."""
        days = calendar.interval_date(timestamps)
        out = pd.Series(False, index=days.index)
        if "sunday" in self.light_all_day:
            out |= days.dt.dayofweek == calendar.SUNDAY
        if "saturday" in self.light_all_day:
            out |= days.dt.dayofweek == calendar.SATURDAY
        if "public_holiday" in self.light_all_day and len(days):
            out |= calendar.is_holiday(days)
        return out

    def clock_period(self, timestamps: calendar.Timestamps) -> pd.Series:
        """Period by season and hour only, ignoring the ``light_all_day`` rule."""
        starts = calendar.interval_start_series(timestamps)
        seasons = self._season_of_starts(starts)
        hours = starts.dt.hour.to_numpy()
        out = pd.Series(np.full(len(starts), LIGHT, dtype=object), index=starts.index)
        for name in calendar.SEASONS:
            table = np.asarray(getattr(self.periods, name).hour_table(), dtype=object)
            mask = (seasons == name).to_numpy()
            out[mask] = table[hours[mask]]
        return out.where(starts.notna())

    def tariff_period(self, timestamps: calendar.Timestamps) -> pd.Series:
        """KEPCO period (``light``/``medium``/``maximum``) of each interval, by its start."""
        period = self.clock_period(timestamps)
        return period.mask(self.light_day(timestamps).to_numpy() & period.notna().to_numpy(), LIGHT)

    def period_runs(self, day: dt.date) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
        """The day's contiguous runs of one billing period: ``(period, start, end)`` by interval start."""
        start = pd.Timestamp(day)
        ends = pd.Series(
            pd.date_range(start + schema.INTERVAL, periods=schema.INTERVALS_PER_DAY, freq=schema.INTERVAL)
        )
        runs: list[tuple[str, pd.Timestamp, pd.Timestamp]] = []
        for end, period in zip(ends, self.tariff_period(ends), strict=True):
            if runs and runs[-1][0] == period:
                runs[-1] = (period, runs[-1][1], end)
            else:
                runs.append((period, end - schema.INTERVAL, end))
        return runs

    def price_krw_per_kwh(self, timestamps: calendar.Timestamps) -> pd.Series:
        """Energy charge (KRW/kWh) of each interval."""
        period = self.tariff_period(timestamps)
        seasons = self.season(timestamps).to_numpy()
        lookup = {
            (s, p): getattr(getattr(self.prices_krw_per_kwh, s), p)
            for s in calendar.SEASONS
            for p in TARIFF_PERIODS
        }
        values = [lookup.get((s, p), np.nan) for s, p in zip(seasons, period.to_numpy(), strict=True)]
        return pd.Series(values, index=period.index, dtype=float)

    def energy_cost_krw(self, timestamps: calendar.Timestamps, usage_kwh: Any) -> pd.Series:
        """Energy charge (KRW) of each interval: its kWh times its period's price."""
        price = self.price_krw_per_kwh(timestamps)
        return price * _aligned(usage_kwh, price.index)

    def co2_t(self, usage_kwh: Any) -> Any:
        """Emissions (tCO2) of the given active energy at this tariff's grid factor."""
        if isinstance(usage_kwh, pd.Series):
            return usage_kwh.astype(float) * self.emission_factor_t_per_kwh
        if np.ndim(usage_kwh) == 0:
            return float(usage_kwh) * self.emission_factor_t_per_kwh
        return np.asarray(usage_kwh, dtype=float) * self.emission_factor_t_per_kwh

    def power_factor_surcharge_krw(
        self, timestamps: calendar.Timestamps, usage_kwh: Any, power_factor_pct: Any
    ) -> pd.Series:
        """Surcharge (KRW) per interval under the optional power-factor rule; zeros when it is absent."""
        cost = self.energy_cost_krw(timestamps, usage_kwh)
        rule = self.power_factor_surcharge
        if rule is None:
            return pd.Series(0.0, index=cost.index)
        hours = calendar.interval_start_series(timestamps).dt.hour
        in_hours = hours.isin(_hours_of(rule.hours)).to_numpy()
        pf = _aligned(power_factor_pct, cost.index)
        shortfall = np.clip(rule.threshold_pct - pf, 0.0, None)
        return (cost * rule.rate_pct_per_point / 100.0 * shortfall).where(in_hours, 0.0)


def _aligned(values: Any, index: pd.Index) -> pd.Series:
    """Values as a float Series on ``index`` (by position: callers pass parallel columns)."""
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        array = np.full(len(index), float(array))
    if len(array) != len(index):
        raise ValueError(f"got {len(array)} values for {len(index)} timestamps")
    return pd.Series(array, index=index)


def _format_error(path: Path, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"field '{field}': {item['msg']}")
    return f"invalid tariff file {path}: " + "; ".join(lines)


def load_tariff(path: str | Path | None = None) -> Tariff:
    """Read and validate a tariff YAML; ``None`` gives the packaged KEPCO default.

    Raises :class:`TariffError` naming the file and the offending field, so a bad edit fails at load
    time instead of as a wrong bill.
    """
    source = DEFAULT_TARIFF_PATH if path is None else paths.resolve(path)
    if not source.is_file():
        raise TariffError(f"tariff file {source} does not exist")
    text = source.read_text("utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TariffError(f"tariff file {source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise TariffError(f"tariff file {source} must be a mapping of fields, got {type(data).__name__}")
    try:
        return Tariff.model_validate(data)
    except ValidationError as exc:
        raise TariffError(_format_error(source, exc)) from exc


@lru_cache(maxsize=1)
def default_tariff() -> Tariff:
    """The packaged default, read once per process."""
    return load_tariff()


def _resolve(tariff: Tariff | None) -> Tariff:
    return default_tariff() if tariff is None else tariff


def _scalar_or_series(timestamps: Any, result: pd.Series) -> Any:
    return result.iloc[0] if calendar.is_scalar_time(timestamps) else result


def tariff_period(timestamps: Any, tariff: Tariff | None = None) -> Any:
    """KEPCO period of each interval (data timestamps = interval ends); a scalar gives a str."""
    return _scalar_or_series(timestamps, _resolve(tariff).tariff_period(timestamps))


def price_krw_per_kwh(timestamps: Any, tariff: Tariff | None = None) -> Any:
    """Energy charge (KRW/kWh) of each interval; a scalar timestamp gives a float."""
    return _scalar_or_series(timestamps, _resolve(tariff).price_krw_per_kwh(timestamps))


def energy_cost_krw(timestamps: Any, usage_kwh: Any, tariff: Tariff | None = None) -> Any:
    """Energy charge (KRW) of each interval; a scalar timestamp gives a float."""
    return _scalar_or_series(timestamps, _resolve(tariff).energy_cost_krw(timestamps, usage_kwh))


def co2_t(usage_kwh: Any, tariff: Tariff | None = None) -> Any:
    """Emissions (tCO2) of active energy at the tariff's grid factor (default 0.4594 t/MWh)."""
    return _resolve(tariff).co2_t(usage_kwh)
