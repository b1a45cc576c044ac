"""Request and response models: the single schema of the API, named as in the cleaned table.

Ranges come from :data:`energy_assets.domain.data.schema.RANGES`, so a reading the cleaner would reject
is answered with 422 naming the field and the rule, never with a 500.
"""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as date_type
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import DEFAULT_HORIZON, DEFAULT_QUANTILES, MAX_HORIZON
from energy_assets.domain.tariff import TARIFF_PERIODS

_PLANT_ZONE = ZoneInfo(schema.PLANT_TIMEZONE)
#: Years the calendar (holidays, seasons) is trusted for.
FIRST_YEAR, LAST_YEAR = 2000, 2099
#: Longest history a forecast request may carry (35 days, what a bundle ships).
MAX_HISTORY_ROWS = 35 * schema.INTERVALS_PER_DAY
#: Most days one batch may span (its calendar is built per year).
MAX_BATCH_SPAN_DAYS = 366


def _grid_timestamp(value: datetime) -> datetime:
    """Interval-end stamp on the 15-minute grid, in naive plant-local time (aware input converted).

    Plain ``datetime`` arithmetic: it runs for every row of a batch, and a pandas Timestamp per
    row was a quarter of /predict/batch's CPU.
    """
    stamp = value
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(_PLANT_ZONE).replace(tzinfo=None)
    if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        raise ValueError(f"must be between {FIRST_YEAR} and {LAST_YEAR}")
    if stamp.minute % 15 or stamp.second or stamp.microsecond:
        raise ValueError("must be the END of a 15-minute interval (minutes 00, 15, 30 or 45, no seconds)")
    return stamp


def _window_time(value: datetime) -> datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(schema.PLANT_TIMEZONE).tz_localize(None)
    if not FIRST_YEAR <= stamp.year <= LAST_YEAR:
        raise ValueError(f"must be between {FIRST_YEAR} and {LAST_YEAR}")
    return stamp.to_pydatetime()


def _plant_day(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between {FIRST_YEAR} and {LAST_YEAR}")
    return value


#: A plant day in the years the calendar can represent (a day in year 909 is a client's typo, not a 500).
PlantDay = Annotated[date, AfterValidator(_plant_day)]

GridTimestamp = Annotated[
    datetime,
    AfterValidator(_grid_timestamp),
    Field(
        description="END of the 15-minute interval, plant-local time (Asia/Seoul; aware times are converted).",
        examples=["2018-03-05T10:15:00"],
    ),
]
ClockTime = Annotated[datetime, AfterValidator(_window_time), Field(description="Plant-local clock time.")]


def _ranged(column: str, description: str, example: float) -> Any:
    rng = schema.RANGES[column]
    unit = schema.UNITS[column]
    return Annotated[
        float,
        Field(
            ge=rng.low,
            le=rng.high,
            allow_inf_nan=False,
            description=f"{description} ({unit}, {rng.rule()}).",
            examples=[example],
        ),
    ]


LaggingReactive = _ranged(schema.LAGGING_REACTIVE_KVARH, "Lagging reactive energy of the interval", 23.4)
LeadingReactive = _ranged(schema.LEADING_REACTIVE_KVARH, "Leading reactive energy of the interval", 0.0)
Co2 = _ranged(schema.CO2_TCO2, "CO2 of the interval as the meter reports it, two decimals", 0.02)
LaggingPF = _ranged(schema.LAGGING_POWER_FACTOR, "Lagging power factor", 88.9)
LeadingPF = _ranged(schema.LEADING_POWER_FACTOR, "Leading power factor", 100.0)
UsageKwh = _ranged(schema.USAGE_KWH, "Active energy of the interval", 41.2)
LoadType = Literal["Light_Load", "Medium_Load", "Maximum_Load"]
assert tuple(LoadType.__args__) == schema.LOAD_TYPES  # type: ignore[attr-defined]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- estimate ------------------------------------------------------------------------------------
class Reading(_Model):
    """One interval's meter readings; the service estimates its usage_kwh."""

    timestamp: GridTimestamp
    lagging_reactive_kvarh: LaggingReactive
    leading_reactive_kvarh: LeadingReactive
    co2_tco2: Co2
    lagging_power_factor: LaggingPF
    leading_power_factor: LeadingPF
    load_type: LoadType = Field(description="The plant's planned load level of the interval.")

    # a cleaned row may be posted as it is: usage_kwh, nsm and the other columns are ignored
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "timestamp": "2018-03-05T10:15:00",
                    "lagging_reactive_kvarh": 23.4,
                    "leading_reactive_kvarh": 0.0,
                    "co2_tco2": 0.02,
                    "lagging_power_factor": 88.9,
                    "leading_power_factor": 100.0,
                    "load_type": "Maximum_Load",
                }
            ]
        },
    )


class Interval(_Model):
    low_kwh: float | None = Field(description="Lower bound (kWh).")
    high_kwh: float | None = Field(description="Upper bound (kWh); null when unbounded.")


class Estimate(_Model):
    timestamp: datetime
    usage_kwh: float = Field(description="Estimated active energy of the interval (kWh).")
    interval: Interval


class ModelStamp(_Model):
    family: str
    model_version: str = Field(description="<family>@<bundle created_at>")
    data_version: str | None = Field(description="sha256 of the data the champion was trained on.")


class PredictResponse(Estimate):
    interval_method: str = Field(
        description="How the interval was derived: power_triangle_rounding_bounds (the kWh range consistent "
        "with the two-decimal readings, physics champion), test_residual_quantiles (5-95 % of the "
        "champion's test residuals) or normal_approximation_from_test_rmse (90 % band)."
    )
    model: ModelStamp


class BatchRequest(_Model):
    rows: list[Reading] = Field(
        min_length=1,
        description="Intervals to estimate, at most the service's batch limit (default 1000), unique "
        f"timestamps spanning at most {MAX_BATCH_SPAN_DAYS} days.",
    )


class BatchResponse(_Model):
    estimates: list[Estimate]
    interval_method: str
    model: ModelStamp


# --- forecast ------------------------------------------------------------------------------------
class HistoryRow(_Model):
    timestamp: GridTimestamp
    usage_kwh: UsageKwh
    load_type: LoadType


class PlannedInterval(_Model):
    timestamp: GridTimestamp
    load_type: LoadType


def _quantile_levels(levels: list[float]) -> list[float]:
    """The requested quantile levels on the served grid (0.1 steps, 0.1..0.9), sorted; an off-grid
    level (0.25, 0.05) is refused, never interpolated."""
    out = []
    for level in levels:
        on_grid = [q for q in DEFAULT_QUANTILES if abs(q - level) < 1e-9]
        if not on_grid:
            raise ValueError(
                f"{level:g} is not a served level: levels must be the deciles "
                f"{', '.join(f'{q:g}' for q in DEFAULT_QUANTILES)} (0.1 steps; off-grid levels are "
                "refused, not interpolated)"
            )
        out.append(on_grid[0])
    if len(set(out)) != len(out):
        raise ValueError("must not repeat a level")
    return sorted(out)


QuantileLevels = Annotated[list[float], AfterValidator(_quantile_levels)]


class ForecastRequest(_Model):
    origin: GridTimestamp | None = Field(
        default=None,
        description="END of the last known interval; default: the last timestamp of the history.",
    )
    horizon: int = Field(
        default=DEFAULT_HORIZON,
        ge=1,
        le=MAX_HORIZON,
        description=f"Intervals to forecast after the origin (1..{MAX_HORIZON}: up to 7 days).",
        examples=[96],
    )
    history: list[HistoryRow] | None = Field(
        default=None,
        max_length=MAX_HISTORY_ROWS,
        description="Readings up to the origin, at least 672 (7 days); default: the history shipped in "
        "the forecast bundle.",
    )
    planned_load_type: list[PlannedInterval] | None = Field(
        default=None,
        max_length=MAX_HORIZON,
        description="The plant's planned load_type for target intervals (known-future covariate).",
    )
    quantiles: QuantileLevels | None = Field(
        default=None,
        min_length=1,
        max_length=len(DEFAULT_QUANTILES),
        description="Quantile levels to answer, from the served deciles 0.1, 0.2 .. 0.9 (0.1 steps; an "
        "off-grid level such as 0.25 is answered 422, not interpolated); default: all nine. Every "
        "level costs the same: the model computes the nine deciles once and the answer keeps those "
        "asked for.",
        examples=[[0.1, 0.5, 0.9]],
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"horizon": 96}, {"horizon": 16, "quantiles": [0.1, 0.5, 0.9]}]},
    )


class ForecastPoint(_Model):
    timestamp: datetime
    horizon: int
    mean: float = Field(description="Point forecast (kWh).")
    quantiles: dict[str, float] = Field(description="Quantile forecasts (kWh) by name, e.g. q10, q50, q90.")
    model: str = Field(
        description="The model that produced this interval: `nowcast` for the first hours from an origin "
        "during the operating day (when the champion bundle's intraday rule serves it), otherwise the "
        "champion's family."
    )


class ForecastSource(_Model):
    """One block of consecutive horizons answered by one model."""

    model: str = Field(description="`nowcast` or the champion's family.")
    first_horizon: int
    last_horizon: int
    first_timestamp: datetime = Field(description="END of the block's first interval.")
    last_timestamp: datetime = Field(description="END of the block's last interval.")


class Observed(_Model):
    timestamp: datetime = Field(description="END of the interval.")
    usage_kwh: float


class ForecastResponse(_Model):
    origin: datetime
    horizon: int
    history_source: Literal["bundle", "request", "readings"] = Field(
        description="request: the history sent; readings: the serving readings; bundle: the forecast "
        "bundle's own history (when no serving readings are published)."
    )
    total_kwh: float = Field(description="Sum of the point forecasts (kWh).")
    points: list[ForecastPoint]
    sources: list[ForecastSource] = Field(
        description="Which model answered which horizons (the nowcast block first, when there is one)."
    )
    recent: list[Observed] = Field(
        default_factory=list,
        description="Observed readings of the day up to the origin (at most 96 intervals), for context.",
    )
    actuals: list[Observed] = Field(
        default_factory=list,
        description="For a past origin: the observed readings of the forecast's target intervals (to score "
        "the forecast against); empty for intervals after the end of the readings.",
    )
    model: ModelStamp


# --- scenarios -----------------------------------------------------------------------------------
class Window(_Model):
    """Intervals whose START lies in [start, end)."""

    start: ClockTime
    end: ClockTime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if not self.start < self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self


class _ScenarioBase(_Model):
    baseline: Literal["history", "forecast"] = Field(
        default="history",
        description="history: the readings the service holds (bundle history or readings table); "
        "forecast: the champion's forecast from `origin` for `horizon` intervals.",
    )
    origin: GridTimestamp | None = Field(default=None, description="Forecast origin (baseline=forecast).")
    horizon: int = Field(default=DEFAULT_HORIZON, ge=1, le=MAX_HORIZON)


class ShiftLoad(_ScenarioBase):
    kind: Literal["shift_load"]
    energy_kwh: float = Field(gt=0, le=200.0 * MAX_HORIZON, allow_inf_nan=False, description="kWh to move.")
    from_window: Window
    to_window: Window

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "shift_load",
                    "energy_kwh": 200,
                    "from_window": {"start": "2018-12-27T10:00:00", "end": "2018-12-27T12:00:00"},
                    "to_window": {"start": "2018-12-27T23:00:00", "end": "2018-12-28T01:00:00"},
                }
            ]
        },
    )


class ChangeLoadType(_ScenarioBase):
    kind: Literal["change_load_type"]
    window: Window
    to: Literal["Light_Load", "Medium_Load", "Maximum_Load", "light", "medium", "maximum"] = Field(
        description="New load_type or tariff_period of the window's intervals."
    )


assert set(ChangeLoadType.model_fields["to"].annotation.__args__) == {*schema.LOAD_TYPES, *TARIFF_PERIODS}  # type: ignore[union-attr]


class ImprovePowerFactor(_ScenarioBase):
    kind: Literal["improve_power_factor"]
    window: Window
    target_pf_pct: float = Field(gt=0, le=100, allow_inf_nan=False, description="Target power factor (%).")
    side: Literal["lagging", "leading"] = "lagging"


Scenario = Annotated[ShiftLoad | ChangeLoadType | ImprovePowerFactor, Field(discriminator="kind")]


class TotalsModel(_Model):
    energy_kwh: float
    energy_charge_krw: float
    power_factor_surcharge_krw: float
    cost_krw: float
    co2_t: float
    reactive_kvarh: float | None = None
    apparent_kvah: float | None = None
    peak_apparent_kva: float | None = Field(
        default=None,
        description="Highest 15-minute apparent demand (kVA): the largest interval's kVAh x 4 "
        "(power-factor what-ifs).",
    )


class ScenarioResponse(_Model):
    kind: str
    baseline_source: str
    baseline: TotalsModel
    scenario: TotalsModel
    delta: TotalsModel = Field(description="scenario - baseline")
    intervals: int
    assumptions: list[str]
    details: dict[str, Any]


# --- explain ------------------------------------------------------------------------------------
class Contribution(_Model):
    feature: str
    value: float | None
    contribution_kwh: float


class HourAgainstTypical(_Model):
    hour: int = Field(description="Plant-local hour of the intervals' start (0-23).")
    usage_kwh: float = Field(description="The day's kWh in that hour.")
    typical_kwh: float | None = Field(
        description="Median of that hour's kWh over the reference days (null when none holds the whole hour)."
    )
    excess_kwh: float | None = Field(description="usage_kwh - typical_kwh.")


class PeakExplanation(_Model):
    date: date
    timestamp: datetime = Field(description="END of the day's peak interval.")
    weekday: str = Field(description="The day's weekday (the reference days share it).")
    peak_interval: str = Field(description="Start-end of the peak interval, plant-local (HH:MM-HH:MM).")
    usage_kwh: float
    typical_usage_kwh: float | None = Field(
        description="Typical kWh at the peak's slot: median over reference_days at the same interval start "
        "(null when no earlier same-weekday day within 12 weeks holds that slot)."
    )
    excess_kwh: float | None = Field(description="usage_kwh - typical_usage_kwh.")
    reference_days: list[date] = Field(
        description="The up to 4 most recent earlier days of the same weekday with a reading at that slot, "
        "oldest first."
    )
    day_total_kwh: float
    day_mean_kwh: float
    load_type: str
    tariff_period: str
    price_krw_per_kwh: float
    cost_krw: float
    co2_tco2: float
    lagging_reactive_kvarh: float
    leading_reactive_kvarh: float
    typical_lagging_reactive_kvarh: float | None = Field(
        description="Median lagging kVArh at the peak's slot over the reference days."
    )
    apparent_kvah: float = Field(
        description="Apparent energy at the peak, sqrt(usage_kwh^2 + lagging_reactive_kvarh^2) (power triangle)."
    )
    lagging_power_factor: float
    leading_power_factor: float
    hours_above_normal: list[HourAgainstTypical] = Field(
        description="Hours more than 10 % and 5 kWh above their typical kWh, largest excess first."
    )
    hours: list[HourAgainstTypical] = Field(description="Every hour of the day against its typical kWh.")
    estimate_kwh: float = Field(description="The champion estimator's kWh for the peak interval.")
    base_value_kwh: float = Field(description="Mean estimate over the day's intervals (SHAP baseline).")
    contributions_view: str = Field(description="What the SHAP contributions are (the secondary view).")
    contributions: list[Contribution] = Field(
        description="Secondary view: SHAP contributions (kWh) of the champion estimator, largest first. "
        "They say how the estimator computes kWh from the electrical readings, not why the plant drew more."
    )
    facts: list[str] = Field(
        description="Sentences, plant terms first: the peak against the typical profile, load type and "
        "tariff, the hours above normal, reactive and apparent energy; last the estimator's (SHAP) view."
    )
    readings_source: str
    model: ModelStamp


# --- data quality --------------------------------------------------------------------------------
class QuarantineOrRepairs(_Model):
    rows: int = Field(description="Rows in the published table.")
    by_reason: dict[str, int] | None = Field(default=None, description="Quarantined rows per reason code.")
    by_method: dict[str, int] | None = Field(default=None, description="Repaired cells per method.")
    shown: list[dict[str, Any]] = Field(description="The first rows (up to ``limit``), as published.")


class DataQualityResponse(_Model):
    report: dict[str, Any] | None = Field(
        description="The cleaning run's report (rows in/out, quarantined by reason, cells repaired by method, "
        "imputed by column, missing intervals); null before the first run."
    )
    scorecard: list[dict[str, Any]] = Field(
        description="The cleaning scorecard: per dirty source, rows recovered and match with the reference."
    )
    quarantine: QuarantineOrRepairs
    repairs: QuarantineOrRepairs
    sources: list[str] = Field(description="What was read: the report file and the warehouse tables found.")


# --- service -------------------------------------------------------------------------------------
class TaskStatus(_Model):
    loaded: bool
    model_version: str | None
    last_error: str | None = Field(
        description="Why the newest candidate bundle was refused (the previous champion keeps serving)."
    )
    refused_code: str | None = Field(
        default=None,
        description="Short code of that refusal: manifest_missing, file_missing, size_mismatch, "
        "checksum_mismatch, unlisted_file, bundle_unreadable, probe_crashed, probe_failed, "
        "probe_timeout, load_failed, wrong_task.",
    )
    last_checked: str | None


class PredictionLogStatus(_Model):
    state: Literal["ok", "degraded"]
    pending_records: int
    written_records: int
    write_errors: int
    dropped_records: int
    last_error: str | None
    last_error_at: str | None


class Health(_Model):
    status: Literal["ok", "degraded"] = Field(
        description="ok, or degraded when a candidate bundle was refused or prediction-log writes fail "
        "(the service still answers; `problems` says what is wrong)."
    )
    models: dict[str, TaskStatus]
    readings: TaskStatus | None = Field(
        None,
        description="The serving readings (every cleaned reading, published next to the champions); "
        "when not loaded, data answers read the forecast bundle's history.",
    )
    problems: list[str] = Field(default_factory=list)
    generation: int = Field(default=0, description="Champion generation this worker applied.")
    prediction_log: PredictionLogStatus | None = None


class WorkerConfirmation(_Model):
    generation: int | None
    models: dict[str, str | None] | None


class ReloadResponse(_Model):
    outcome: dict[str, str]
    models: dict[str, TaskStatus]
    generation: int = Field(default=0, description="The champion generation every worker now serves.")
    confirmed: bool = Field(
        default=True, description="True when every worker confirmed the generation before this answer."
    )
    workers: dict[str, WorkerConfirmation] = Field(default_factory=dict)


class TariffRun(_Model):
    tariff_period: str = Field(description="KEPCO billing period: light, medium or maximum.")
    start: datetime = Field(description="Start of the run's first interval (plant-local clock time).")
    end: datetime = Field(description="End of the run's last interval.")


class TariffDay(_Model):
    date: date_type
    tariff: str = Field(description="Name of the configured tariff.")
    runs: list[TariffRun] = Field(description="The day's contiguous runs of one billing period, in order.")


# --- readings in (a meter gateway) ---------------------------------------------------------------
class MeterReading(_Model):
    """One interval as the meter gateway measured it, in the cleaned schema's names and ranges; ``nsm``,
    ``week_status`` and ``day_of_week`` follow from the timestamp and may be left out."""

    timestamp: GridTimestamp
    usage_kwh: UsageKwh
    lagging_reactive_kvarh: LaggingReactive
    leading_reactive_kvarh: LeadingReactive
    co2_tco2: Co2
    lagging_power_factor: LaggingPF
    leading_power_factor: LeadingPF
    load_type: LoadType = Field(description="The plant's planned load level of the interval.")


class ReadingsBatch(_Model):
    rows: list[MeterReading] = Field(
        min_length=1,
        description="Intervals measured, unique timestamps, at most the service's batch limit (default 1000).",
        examples=[
            [
                {
                    "timestamp": "2025-03-05T10:15:00",
                    "usage_kwh": 41.2,
                    "lagging_reactive_kvarh": 23.4,
                    "leading_reactive_kvarh": 0.0,
                    "co2_tco2": 0.02,
                    "lagging_power_factor": 86.9,
                    "leading_power_factor": 100.0,
                    "load_type": "Maximum_Load",
                }
            ]
        ],
    )


class ReadingsAccepted(_Model):
    file: str = Field(description="Name of the file written to the inbox (the ingest run's partition).")
    rows: int
    first_timestamp: datetime
    last_timestamp: datetime
    sha256: str = Field(description="SHA-256 of the file: with its name, the ingest run's key.")
    duplicate: bool = Field(description="True when the same batch was already in the inbox (ingested once).")


# --- the day-ahead forecast on demand ------------------------------------------------------------
class DayAheadRequest(_Model):
    day: PlantDay | None = Field(
        default=None,
        description="Target plant day (YYYY-MM-DD); default the day after the readings' last complete day.",
    )
    planned_load_type: list[PlannedInterval] | None = Field(
        default=None,
        description="The plant's plan for some or all of the day's intervals; the derived plan fills the rest.",
    )


class DayAheadInterval(_Model):
    target_timestamp: datetime
    horizon: int
    mean: float = Field(description="Point forecast (kWh).")
    quantiles: dict[str, float] = Field(description="Quantile forecasts (kWh) by name, q10..q90.")
    planned_load_type: LoadType
    plan_source: Literal["plan_file", "derived"] = Field(
        description="plan_file: the plan sent; derived: the calendar's plan."
    )


class DayAheadResponse(_Model):
    day: date
    issued_at: datetime
    total_kwh: float
    model: ModelStamp
    data_version: str = Field(description="Version of the readings up to the origin it was issued from.")
    intervals: list[DayAheadInterval]
