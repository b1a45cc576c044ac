"""What-if scenarios on cost and CO2: shift load, change the billing period, improve power factor.

Pure functions over a *baseline* frame (cleaned-schema rows of the window concerned, or a forecast
turned into one by :func:`baseline_from_forecast`) and a :class:`~energy_assets.domain.tariff.Tariff`.
Each returns a :class:`ScenarioResult`: baseline and scenario totals (kWh, KRW, tCO2), their deltas,
and the assumptions in plain words, so the API and the copilot can show every number with its basis.

Windows hold the intervals whose START lies in ``[start, end)``: with the data's end-of-interval
stamps, the window 10:00-12:00 holds the rows stamped 10:15 .. 12:00, the same rule the tariff bills by.

The engine never invents savings: shifting load keeps kWh and CO2 (one grid factor all day) and moves
cost only through the tariff's prices; a better power factor lowers reactive and apparent energy, not
kWh, and changes cost only through a power-factor surcharge the tariff file itself configures.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.errors import InvalidInput
from energy_assets.domain.tariff import TARIFF_PERIODS, Tariff, default_tariff

SHIFT_LOAD = "shift_load"
CHANGE_LOAD_TYPE = "change_load_type"
IMPROVE_POWER_FACTOR = "improve_power_factor"
SCENARIO_KINDS: tuple[str, ...] = (SHIFT_LOAD, CHANGE_LOAD_TYPE, IMPROVE_POWER_FACTOR)

#: The plant's load_type plan names the same three levels as KEPCO's billing periods.
LOAD_TYPE_TO_PERIOD: dict[str, str] = dict(zip(schema.LOAD_TYPES, TARIFF_PERIODS, strict=True))
SIDES: tuple[str, ...] = ("lagging", "leading")
_SIDE_COLUMNS: dict[str, tuple[str, str]] = {
    "lagging": (schema.LAGGING_REACTIVE_KVARH, schema.LAGGING_POWER_FACTOR),
    "leading": (schema.LEADING_REACTIVE_KVARH, schema.LEADING_POWER_FACTOR),
}
#: 15-minute readings: kVAh in one interval x 4 = the interval's mean apparent power in kVA.
INTERVALS_PER_HOUR = schema.INTERVALS_PER_DAY // 24
#: Forecast column holding the point forecast (see forecasting.base.MEAN).
FORECAST_MEAN = "mean"


@dataclass(frozen=True)
class TimeWindow:
    """Intervals whose start lies in ``[start, end)`` (naive plant-local clock time)."""

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start))
        object.__setattr__(self, "end", pd.Timestamp(self.end))
        if not self.start < self.end:
            raise InvalidInput("window", f"window start {self.start} must be before its end {self.end}")

    def mask(self, timestamps: pd.Series) -> np.ndarray:
        """True for rows (interval-end stamps) whose interval starts inside the window."""
        starts = calendar.interval_start_series(timestamps)
        return ((starts >= self.start) & (starts < self.end)).to_numpy()

    def overlaps(self, other: TimeWindow) -> bool:
        return self.start < other.end and other.start < self.end

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class Totals:
    """Sums over the intervals a scenario touches."""

    energy_kwh: float
    energy_charge_krw: float
    power_factor_surcharge_krw: float
    cost_krw: float
    co2_t: float
    reactive_kvarh: float | None = None
    apparent_kvah: float | None = None
    #: The highest 15-minute apparent demand in kVA: the largest interval's kVAh x 4 (the demand a
    #: transformer or a contracted kVA limit sees), with reactive energy given.
    peak_apparent_kva: float | None = None

    def minus(self, other: Totals) -> Totals:
        def diff(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else a - b

        return Totals(
            energy_kwh=self.energy_kwh - other.energy_kwh,
            energy_charge_krw=self.energy_charge_krw - other.energy_charge_krw,
            power_factor_surcharge_krw=self.power_factor_surcharge_krw - other.power_factor_surcharge_krw,
            cost_krw=self.cost_krw - other.cost_krw,
            co2_t=self.co2_t - other.co2_t,
            reactive_kvarh=diff(self.reactive_kvarh, other.reactive_kvarh),
            apparent_kvah=diff(self.apparent_kvah, other.apparent_kvah),
            peak_apparent_kva=diff(self.peak_apparent_kva, other.peak_apparent_kva),
        )


@dataclass(frozen=True)
class ScenarioResult:
    """Baseline vs scenario over the touched intervals; ``delta`` = scenario - baseline."""

    kind: str
    baseline: Totals
    scenario: Totals
    delta: Totals
    intervals: int
    assumptions: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- helpers ---------------------------------------------------------------------------------------
def baseline_from_forecast(forecast: pd.DataFrame) -> pd.DataFrame:
    """A forecast (``timestamp``, ``mean``, quantiles) as a baseline: its mean becomes usage_kwh."""
    if schema.TIMESTAMP not in forecast or FORECAST_MEAN not in forecast:
        raise ValueError(f"a forecast needs '{schema.TIMESTAMP}' and '{FORECAST_MEAN}' columns")
    return pd.DataFrame(
        {
            schema.TIMESTAMP: pd.to_datetime(forecast[schema.TIMESTAMP]),
            schema.USAGE_KWH: forecast[FORECAST_MEAN],
        }
    ).reset_index(drop=True)


def _check_baseline(baseline: pd.DataFrame, needed: tuple[str, ...]) -> pd.DataFrame:
    missing = [c for c in (schema.TIMESTAMP, schema.USAGE_KWH, *needed) if c not in baseline.columns]
    if missing:
        raise ValueError(f"the baseline needs columns {missing}")
    frame = baseline.reset_index(drop=True).copy()
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    if frame[schema.TIMESTAMP].duplicated().any():
        raise ValueError(f"the baseline has duplicate {schema.TIMESTAMP} values")
    usage = frame[schema.USAGE_KWH].to_numpy(dtype=float)
    if np.isnan(usage).any() or (usage < 0).any():
        raise ValueError(f"the baseline's {schema.USAGE_KWH} must be non-negative numbers, without gaps")
    return frame


def _rows_in(frame: pd.DataFrame, window: TimeWindow, name: str) -> np.ndarray:
    mask = window.mask(frame[schema.TIMESTAMP])
    if not mask.any():
        raise InvalidInput(name, f"{name} {window.label()} holds no interval of the baseline")
    return mask


def _tariff_words(tf: Tariff) -> list[str]:
    words = [
        f"Tariff: {tf.name} ({tf.source or 'no source given'}); the packaged prices are illustrative "
        "KEPCO 2012 defaults, override them with your own tariff file for current rates.",
        f"Emission factor: {tf.emission_factor_tco2_per_mwh:g} tCO2/MWh of active energy, the same at "
        "every hour, so CO2 follows kWh only.",
        "Billing periods are decided by the start of each 15-minute interval.",
    ]
    return words


def _surcharge_words(tf: Tariff) -> str:
    rule = tf.power_factor_surcharge
    if rule is None:
        return (
            "The tariff configures no power-factor surcharge, so power factor changes no cost here; "
            "kWh never change with power factor."
        )
    return (
        f"Power-factor surcharge from the tariff file: {rule.rate_pct_per_point:g} % of the energy charge "
        f"per point of {rule.side} power factor below {rule.threshold_pct:g} %, in the configured hours."
    )


def _totals(
    tf: Tariff,
    timestamps: pd.Series,
    usage: np.ndarray,
    energy_charge: np.ndarray | None = None,
    surcharge_pf: np.ndarray | None = None,
    reactive: np.ndarray | None = None,
) -> Totals:
    charge = tf.energy_cost_krw(timestamps, usage).to_numpy() if energy_charge is None else energy_charge
    surcharge = 0.0
    if surcharge_pf is not None:
        surcharge = float(tf.power_factor_surcharge_krw(timestamps, usage, surcharge_pf).sum())
    energy = float(np.sum(usage))
    apparent = None if reactive is None else power_triangle.apparent_kvah(usage, reactive)
    return Totals(
        energy_kwh=energy,
        energy_charge_krw=float(np.sum(charge)),
        power_factor_surcharge_krw=surcharge,
        cost_krw=float(np.sum(charge)) + surcharge,
        co2_t=float(tf.co2_t(energy)),
        reactive_kvarh=None if reactive is None else float(np.sum(reactive)),
        apparent_kvah=None if apparent is None else float(np.sum(apparent)),
        peak_apparent_kva=None if apparent is None or not len(apparent) else peak_demand_kva(apparent),
    )


def peak_demand_kva(apparent_kvah: np.ndarray) -> float:
    """The highest 15-minute apparent demand (kVA) of per-interval apparent energies (kVAh)."""
    return float(np.max(apparent_kvah)) * INTERVALS_PER_HOUR


def _result(
    kind: str, base: Totals, scen: Totals, n: int, assumptions: list[str], **details: Any
) -> ScenarioResult:
    return ScenarioResult(
        kind=kind,
        baseline=base,
        scenario=scen,
        delta=scen.minus(base),
        intervals=n,
        assumptions=assumptions,
        details=details,
    )


# --- (a) shift load --------------------------------------------------------------------------------
def shift_load(
    baseline: pd.DataFrame,
    energy_kwh: float,
    from_window: TimeWindow,
    to_window: TimeWindow,
    tariff: Tariff | None = None,
) -> ScenarioResult:
    """Move ``energy_kwh`` of production from one window to another and price the difference.

    Energy leaves the source in proportion to each interval's usage (no interval goes negative) and
    arrives spread evenly over the target's intervals; no interval may then exceed the plant's
    physical maximum (schema.RANGES). Total kWh and CO2 are unchanged: only prices differ.
    """
    tf = default_tariff() if tariff is None else tariff
    if not np.isfinite(energy_kwh) or energy_kwh <= 0:
        raise InvalidInput("energy_kwh", f"energy_kwh must be a positive number of kWh, got {energy_kwh}")
    if from_window.overlaps(to_window):
        raise InvalidInput(
            "to_window", f"the windows overlap ({from_window.label()} and {to_window.label()})"
        )
    frame = _check_baseline(baseline, ())
    src = _rows_in(frame, from_window, "from_window")
    dst = _rows_in(frame, to_window, "to_window")
    usage = frame[schema.USAGE_KWH].to_numpy(dtype=float)
    available = float(usage[src].sum())
    if energy_kwh > available + 1e-9:
        raise InvalidInput(
            "energy_kwh",
            f"energy_kwh {energy_kwh:g} exceeds the {available:.2f} kWh used in from_window {from_window.label()}",
        )
    new = usage.copy()
    new[src] = usage[src] * (1.0 - energy_kwh / available)
    per_interval = energy_kwh / int(dst.sum())
    new[dst] = usage[dst] + per_interval
    ceiling = schema.RANGES[schema.USAGE_KWH].high
    if new[dst].max() > ceiling:
        raise InvalidInput(
            "to_window",
            f"spreading {energy_kwh:g} kWh over {int(dst.sum())} intervals of to_window takes an interval to "
            f"{new[dst].max():.2f} kWh, above the plant's {ceiling:g} kWh per 15 minutes; widen to_window",
        )
    touched = src | dst
    ts = frame[schema.TIMESTAMP][touched]
    base = _totals(tf, ts, usage[touched])
    scen = _totals(tf, ts, new[touched])
    assumptions = [
        *_tariff_words(tf),
        f"{energy_kwh:g} kWh leave {from_window.label()} in proportion to each interval's usage "
        f"({int(src.sum())} intervals holding {available:.2f} kWh).",
        f"They arrive spread evenly over the {int(dst.sum())} intervals of {to_window.label()} "
        f"({per_interval:.3f} kWh each).",
        "Total kWh and CO2 are unchanged; only the price of the moved energy differs.",
    ]
    return _result(
        SHIFT_LOAD,
        base,
        scen,
        int(touched.sum()),
        assumptions,
        from_window=from_window.label(),
        to_window=to_window.label(),
        moved_kwh=float(energy_kwh),
        kwh_added_per_interval=per_interval,
    )


# --- (b) change load type / billing period ---------------------------------------------------------
def period_of(value: str) -> str:
    """A tariff period from either vocabulary: ``Maximum_Load`` or ``maximum`` -> ``maximum``."""
    if value in LOAD_TYPE_TO_PERIOD:
        return LOAD_TYPE_TO_PERIOD[value]
    if value in TARIFF_PERIODS:
        return value
    raise InvalidInput(
        "to",
        f"expected a load_type {list(schema.LOAD_TYPES)} or a tariff_period {list(TARIFF_PERIODS)}, got {value!r}",
    )


def change_load_type(
    baseline: pd.DataFrame,
    window: TimeWindow,
    target: str,
    tariff: Tariff | None = None,
) -> ScenarioResult:
    """Bill the window's intervals at another period's price (``target``: load_type or tariff_period).

    kWh and CO2 are unchanged; the price is the tariff's for the interval's season and the new period.
    """
    tf = default_tariff() if tariff is None else tariff
    period = period_of(target)
    frame = _check_baseline(baseline, ())
    rows = _rows_in(frame, window, "window")
    ts = frame[schema.TIMESTAMP][rows]
    usage = frame[schema.USAGE_KWH].to_numpy(dtype=float)[rows]
    seasons = tf.season(ts).to_numpy()
    prices = np.array([getattr(getattr(tf.prices_krw_per_kwh, s), period) for s in seasons], dtype=float)
    base = _totals(tf, ts, usage)
    scen = _totals(tf, ts, usage, energy_charge=usage * prices)
    before = tf.tariff_period(ts).value_counts().to_dict()
    assumptions = [
        *_tariff_words(tf),
        f"All {int(rows.sum())} intervals of {window.label()} are billed at the '{period}' price of their "
        f"season instead of their own period (now: {', '.join(f'{k} x{v}' for k, v in sorted(before.items()))}).",
        "kWh and CO2 are unchanged: only the price per kWh changes. The plant's load_type plan and "
        "KEPCO's billing period are separate; this assumes the billing period itself changes.",
    ]
    return _result(
        CHANGE_LOAD_TYPE,
        base,
        scen,
        int(rows.sum()),
        assumptions,
        window=window.label(),
        tariff_period=period,
        baseline_periods={str(k): int(v) for k, v in before.items()},
    )


# --- (c) improve power factor ----------------------------------------------------------------------
def improve_power_factor(
    baseline: pd.DataFrame,
    window: TimeWindow,
    target_pf_pct: float,
    side: str = "lagging",
    tariff: Tariff | None = None,
) -> ScenarioResult:
    """Raise one side's power factor to ``target_pf_pct`` where it is lower (e.g. capacitor banks).

    kWh stay the same; that side's reactive energy becomes P x tan(acos(PF)) and apparent energy
    follows the triangle. Cost moves only through the tariff's own power-factor surcharge rule.
    Intervals with no active energy keep their readings (their power factor is 0 by convention).
    """
    tf = default_tariff() if tariff is None else tariff
    if side not in SIDES:
        raise InvalidInput("side", f"side must be one of {list(SIDES)}, got {side!r}")
    pf_range = schema.RANGES[schema.LAGGING_POWER_FACTOR]
    if not np.isfinite(target_pf_pct) or not pf_range.low < target_pf_pct <= pf_range.high:
        raise InvalidInput(
            "target_pf_pct", f"target_pf_pct must be above {pf_range.low:g} and at most {pf_range.high:g}"
        )
    q_col, pf_col = _SIDE_COLUMNS[side]
    frame = _check_baseline(baseline, (*_SIDE_COLUMNS["lagging"], *_SIDE_COLUMNS["leading"]))
    rows = _rows_in(frame, window, "window")
    ts = frame[schema.TIMESTAMP][rows]
    usage = frame[schema.USAGE_KWH].to_numpy(dtype=float)[rows]
    reactive = frame[q_col].to_numpy(dtype=float)[rows]
    pf = frame[pf_col].to_numpy(dtype=float)[rows]
    improve = (pf < target_pf_pct) & (usage > 0)
    new_reactive = np.where(improve, power_triangle.reactive_from_active(usage, target_pf_pct), reactive)
    new_pf = np.where(improve, target_pf_pct, pf)
    rule = tf.power_factor_surcharge
    if rule is None:
        base_pf = scen_pf = None
    else:
        rule_col = _SIDE_COLUMNS[rule.side][1]
        base_pf = frame[rule_col].to_numpy(dtype=float)[rows]
        scen_pf = new_pf if rule.side == side else base_pf
    base = _totals(tf, ts, usage, surcharge_pf=base_pf, reactive=reactive)
    scen = _totals(tf, ts, usage, surcharge_pf=scen_pf, reactive=new_reactive)
    assumptions = [
        *_tariff_words(tf),
        f"{int(improve.sum())} of {int(rows.sum())} intervals of {window.label()} had a {side} power factor "
        f"below {target_pf_pct:g} % and are raised to it; the others keep their readings.",
        f"Active energy (kWh) and CO2 are unchanged; {side} reactive energy and apparent energy follow the "
        "power triangle (Q = P x sqrt(1 - PF^2) / PF).",
        _surcharge_words(tf),
    ]
    return _result(
        IMPROVE_POWER_FACTOR,
        base,
        scen,
        int(rows.sum()),
        assumptions,
        window=window.label(),
        side=side,
        target_pf_pct=float(target_pf_pct),
        intervals_improved=int(improve.sum()),
        surcharge_rule=None if rule is None else rule.model_dump(),
    )


# --- (d) arithmetic without a window: energy moved between periods, energy cut --------------------
def period_price(tariff: Tariff, season: str, period: str) -> float:
    """KRW/kWh of ``period`` in ``season`` (a tariff_period or a load_type name)."""
    return float(getattr(getattr(tariff.prices_krw_per_kwh, season), period_of(period)))


def move_energy(
    energy_kwh: float,
    from_period: str,
    to_period: str,
    season_weights: dict[str, float],
    tariff: Tariff | None = None,
) -> dict[str, Any]:
    """Saving of moving ``energy_kwh`` from one tariff period to another, at each season's prices.

    ``season_weights`` splits the energy between seasons (they sum to 1): a span across seasons
    moves energy in proportion to its ``from_period`` energy in each. kWh and CO2 do not change.
    """
    tf = default_tariff() if tariff is None else tariff
    if not np.isfinite(energy_kwh) or energy_kwh <= 0:
        raise ValueError(f"energy_kwh must be a positive number of kWh, got {energy_kwh}")
    total = sum(season_weights.values())
    if not season_weights or abs(total - 1.0) > 1e-9:
        raise ValueError(f"season weights must sum to 1, got {season_weights}")
    parts = []
    for season, weight in sorted(season_weights.items(), key=lambda kv: -kv[1]):
        high, low = period_price(tf, season, from_period), period_price(tf, season, to_period)
        parts.append(
            {
                "season": season,
                "share": weight,
                "share_pct": 100.0 * weight,
                "energy_kwh": energy_kwh * weight,
                "from_price_krw_per_kwh": high,
                "to_price_krw_per_kwh": low,
                "saving_krw": energy_kwh * weight * (high - low),
            }
        )
    return {
        "energy_kwh": float(energy_kwh),
        "from_period": period_of(from_period),
        "to_period": period_of(to_period),
        "saving_krw": float(sum(p["saving_krw"] for p in parts)),
        "seasons": parts,
        "delta_kwh": 0.0,
        "delta_co2_t": 0.0,
    }


def cut_energy(energy_kwh: float, price_krw_per_kwh: float, tariff: Tariff | None = None) -> dict[str, Any]:
    """What not using ``energy_kwh`` saves: energy x price in KRW and its CO2 at the grid factor."""
    tf = default_tariff() if tariff is None else tariff
    if not np.isfinite(energy_kwh) or energy_kwh <= 0:
        raise ValueError(f"energy_kwh must be a positive number of kWh, got {energy_kwh}")
    return {
        "energy_kwh": float(energy_kwh),
        "price_krw_per_kwh": float(price_krw_per_kwh),
        "saving_krw": float(energy_kwh * price_krw_per_kwh),
        "saving_co2_t": float(tf.co2_t(energy_kwh)),
    }


__all__ = [
    "CHANGE_LOAD_TYPE",
    "IMPROVE_POWER_FACTOR",
    "LOAD_TYPE_TO_PERIOD",
    "SCENARIO_KINDS",
    "SHIFT_LOAD",
    "ScenarioResult",
    "TimeWindow",
    "Totals",
    "baseline_from_forecast",
    "change_load_type",
    "cut_energy",
    "improve_power_factor",
    "move_energy",
    "period_of",
    "period_price",
    "shift_load",
]
