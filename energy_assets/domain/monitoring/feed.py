"""Replay the held-out period as a plant feed, one day at a time, with optional drift injected.

The plant has no live connection in this project, so monitoring is exercised on the temporal TEST
period (the last 25 % of 2018, never seen by training): each day is served as if it had just
arrived from the meter. Injections reproduce the faults and changes a monitoring stack must catch,
deterministically for a given seed:

- ``co2_plus_50pct``: the CO2 channel reads 50 % high (a changed emission factor or a mis-scaled
  meter); every other reading is untouched.
- ``load_type_shift``: the plant schedules heavy work in slots that used to be light. In this plant
  ``Light_Load`` is the night (23:00-09:00) and Sunday daytime, so by default a share of ALL its
  intervals (``hours`` narrows it, e.g. ``(8, 20)`` for Sunday daytime only) become
  ``Maximum_Load`` and their energies (kWh, kVarh, CO2) are scaled by the history's
  Maximum/Light usage ratio, power factors kept: a real change of regime (a new night shift) in
  which the physics still holds but the mix does not.
- ``synthetic_outliers``: a share of ``usage_kwh`` readings multiplied by ``factor`` (meter spikes).
- ``stuck_sensor``: one reading (lagging reactive energy by default) frozen at its first value for
  part of the day (a stuck transducer or a logger repeating its last value).

A day is the plant's calendar day by interval START: the row stamped 00:00 closes the previous day
(DESIGN.md's midnight quirk), so every day has 96 rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
from energy_assets.domain.monitoring import drift

Scenario = Literal["co2_plus_50pct", "load_type_shift", "synthetic_outliers", "stuck_sensor"]
SCENARIOS: tuple[str, ...] = ("co2_plus_50pct", "load_type_shift", "synthetic_outliers", "stuck_sensor")
CLEAN = "clean"

#: Per scenario: the share of eligible rows touched and the multiplier (None: derived from data).
DEFAULT_SHARE: dict[str, float] = {
    "co2_plus_50pct": 1.0,
    "load_type_shift": 0.5,
    "synthetic_outliers": 0.1,
    "stuck_sensor": 1.0,
}
DEFAULT_FACTOR: dict[str, float | None] = {
    "co2_plus_50pct": 1.5,
    "load_type_shift": None,
    "synthetic_outliers": 3.0,
    "stuck_sensor": None,
}
#: Interval-start hours [start, end) whose Light_Load intervals the load shift may relabel.
SHIFT_HOURS: tuple[int, int] = (0, 24)
#: Interval-start hours [start, end) during which the stuck sensor repeats its first value.
STUCK_HOURS: tuple[int, int] = (6, 18)


@dataclass(frozen=True)
class Injection:
    """One drift scenario and its knobs; the same seed gives the same replayed day."""

    scenario: Scenario
    seed: int = 0
    share: float | None = None
    factor: float | None = None
    column: str = schema.LAGGING_REACTIVE_KVARH
    hours: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"scenario must be one of {SCENARIOS}, not {self.scenario!r}")
        if self.share is not None and not 0 < self.share <= 1:
            raise ValueError(f"share must be in (0, 1], got {self.share}")
        if self.factor is not None and self.factor <= 0:
            raise ValueError(f"factor must be positive, got {self.factor}")
        if self.column not in schema.MEASUREMENT_COLUMNS:
            raise ValueError(f"column must be a measurement column {schema.MEASUREMENT_COLUMNS}")

    @property
    def effective_share(self) -> float:
        return self.share if self.share is not None else DEFAULT_SHARE[self.scenario]


def _as_day(day: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(day).normalize()


def held_out_days(
    cleaned: pd.DataFrame, fractions: Sequence[float] = splits.DEFAULT_FRACTIONS
) -> list[dt.date]:
    """Complete days (96 intervals) that lie wholly in the temporal TEST split.

    On the UCI year the test split starts at 2018-10-01 18:15, so the replay covers 2018-10-02 to
    2018-12-31 (91 days).
    """
    part = splits.temporal_split(cleaned, fractions)
    day = calendar.interval_date(cleaned[schema.TIMESTAMP])
    by_day = (
        pd.DataFrame({"day": day, "test": part == splits.TEST}).groupby("day")["test"].agg(["all", "size"])
    )
    whole = by_day[(by_day["all"]) & (by_day["size"] == schema.INTERVALS_PER_DAY)]
    return [d.date() for d in whole.index]


def _rng(injection: Injection, day: pd.Timestamp) -> np.random.Generator:
    """Seeded per (seed, day), so a replayed week is the same whichever day is replayed first."""
    return np.random.default_rng([injection.seed, int(day.strftime("%Y%m%d"))])


def _start_hour(frame: pd.DataFrame) -> np.ndarray:
    return calendar.interval_start_series(frame[schema.TIMESTAMP]).dt.hour.to_numpy()


def maximum_to_light_ratio(history: pd.DataFrame) -> float:
    """Mean usage of Maximum_Load intervals over Light_Load ones in ``history`` (6.85 on 2018 up to mid-December)."""
    means = history.groupby(schema.LOAD_TYPE)[schema.USAGE_KWH].mean()
    light, maximum = means.get(schema.LOAD_TYPES[0]), means.get(schema.LOAD_TYPES[2])
    if light is None or maximum is None or not light > 0:
        raise ValueError("history needs Light_Load and Maximum_Load intervals with positive usage")
    return float(maximum / light)


def inject(
    day_frame: pd.DataFrame, injection: Injection, history: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Apply ``injection`` to one replayed day (a copy); ``history`` feeds data-derived factors."""
    out = day_frame.copy()
    day = calendar.interval_date(out[schema.TIMESTAMP]).iloc[0]
    rng = _rng(injection, day)
    share = injection.effective_share
    decimals = schema.MEASUREMENT_DECIMALS
    if injection.scenario == "co2_plus_50pct":
        factor = injection.factor or DEFAULT_FACTOR["co2_plus_50pct"]
        out[schema.CO2_TCO2] = (out[schema.CO2_TCO2] * factor).round(decimals)
    elif injection.scenario == "load_type_shift":
        start, end = injection.hours or SHIFT_HOURS
        hour = _start_hour(out)
        eligible = np.flatnonzero(
            (out[schema.LOAD_TYPE].to_numpy() == schema.LOAD_TYPES[0]) & (hour >= start) & (hour < end)
        )
        chosen = (
            rng.choice(eligible, size=round(len(eligible) * share), replace=False)
            if len(eligible)
            else eligible
        )
        factor = injection.factor or maximum_to_light_ratio(history if history is not None else day_frame)
        rows = out.index[chosen]
        out.loc[rows, schema.LOAD_TYPE] = schema.LOAD_TYPES[2]
        usage = (out.loc[rows, schema.USAGE_KWH] * factor).round(decimals)
        out.loc[rows, schema.USAGE_KWH] = usage
        # reactive energies follow from the scaled kWh at the SAME power factors (re-rounded like
        # the meter), so every row stays on the power triangle: only the regime moves
        for reactive, power_factor in (
            (schema.LAGGING_REACTIVE_KVARH, schema.LAGGING_POWER_FACTOR),
            (schema.LEADING_REACTIVE_KVARH, schema.LEADING_POWER_FACTOR),
        ):
            implied = power_triangle.reactive_from_active(
                usage.to_numpy(), out.loc[rows, power_factor].to_numpy()
            )
            scaled = out.loc[rows, reactive].to_numpy() * factor
            out.loc[rows, reactive] = np.round(np.where(np.isnan(implied), scaled, implied), decimals)
        out.loc[rows, schema.CO2_TCO2] = (usage * schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH).round(decimals)
    elif injection.scenario == "synthetic_outliers":
        factor = injection.factor or DEFAULT_FACTOR["synthetic_outliers"]
        chosen = rng.choice(len(out), size=max(1, round(len(out) * share)), replace=False)
        rows = out.index[chosen]
        out.loc[rows, schema.USAGE_KWH] = (out.loc[rows, schema.USAGE_KWH] * factor).round(decimals)
    elif injection.scenario == "stuck_sensor":
        start, end = injection.hours or STUCK_HOURS
        hour = _start_hour(out)
        window = np.flatnonzero((hour >= start) & (hour < end))
        if len(window):
            rows = out.index[window]
            frozen = (
                injection.factor
                if injection.factor is not None
                else float(out.loc[rows[0], injection.column])
            )
            out.loc[rows, injection.column] = frozen
    return out


def replay_day(
    cleaned: pd.DataFrame, day: dt.date | str | pd.Timestamp, injection: Injection | None = None
) -> pd.DataFrame:
    """The 96 intervals of ``day`` as the plant would send them, drift injected if asked.

    ``cleaned`` is the cleaned frame; history before ``day`` supplies data-derived factors
    (the load shift's usage ratio), never anything from the day itself or later.
    """
    target = _as_day(day)
    day_of = calendar.interval_date(cleaned[schema.TIMESTAMP])
    frame = cleaned.loc[day_of == target, list(schema.CLEAN_COLUMNS)].reset_index(drop=True)
    if len(frame) != schema.INTERVALS_PER_DAY:
        raise ValueError(
            f"{target.date()} has {len(frame)} intervals in the data, expected {schema.INTERVALS_PER_DAY}"
        )
    if injection is None:
        return frame
    return inject(frame, injection, history=cleaned.loc[day_of < target])


def replay_days(
    cleaned: pd.DataFrame, days: Sequence[dt.date | str | pd.Timestamp], injection: Injection | None = None
) -> pd.DataFrame:
    """Several replayed days, concatenated in time order."""
    if not days:
        raise ValueError("no days to replay")
    frames = [replay_day(cleaned, d, injection) for d in sorted(_as_day(d) for d in days)]
    return pd.concat(frames, ignore_index=True)


# --- drift simulation (the evidence behind the monitor's thresholds) ------------------------------
ALL = "all"
WEEK_DAYS = 7


@dataclass(frozen=True)
class ScenarioOutcome:
    """One replayed window (first and last plant day): clean or injected, the verdict, the champion's error."""

    scenario: str
    window_start: str
    window_end: str
    detected: bool
    retrain_requested: bool
    max_psi: float
    max_psi_feature: str
    rmse_before: float | None
    rmse_after: float | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SimulationReport:
    """Detection per scenario on one window, and the false-alarm rate over clean windows."""

    outcomes: tuple[ScenarioOutcome, ...]
    clean_windows: int
    false_alarms: int
    baseline_rmse: float | None
    thresholds: dict[str, object]

    @property
    def false_alarm_rate(self) -> float | None:
        return None if self.clean_windows == 0 else self.false_alarms / self.clean_windows

    def to_frame(self) -> pd.DataFrame:
        rows = [
            {
                "scenario": o.scenario,
                "window": f"{o.window_start} .. {o.window_end}",
                "detected": o.detected,
                "retrain_requested": o.retrain_requested,
                "max_psi": round(o.max_psi, 3),
                "max_psi_feature": o.max_psi_feature,
                "rmse_before_kwh": None if o.rmse_before is None else round(o.rmse_before, 4),
                "rmse_after_kwh": None if o.rmse_after is None else round(o.rmse_after, 4),
                "reasons": "; ".join(o.reasons),
            }
            for o in self.outcomes
        ]
        return pd.DataFrame(rows)

    def to_markdown(self) -> str:
        rate = self.false_alarm_rate
        tail = (
            f"\n\nFalse alarms on clean replays: {self.false_alarms}/{self.clean_windows}"
            + ("" if rate is None else f" ({rate:.0%})")
            + (
                f"; baseline (train) RMSE {self.baseline_rmse:.4f} kWh"
                if self.baseline_rmse is not None
                else ""
            )
        )
        return self.to_frame().to_markdown(index=False) + tail


def _windows(days: Sequence[dt.date], length: int) -> list[list[dt.date]]:
    """Non-overlapping windows of ``length`` consecutive held-out days, latest last."""
    return [list(days[i : i + length]) for i in range(0, len(days) - length + 1, length)]


def simulate_drift(
    cleaned: pd.DataFrame,
    scenario: str = ALL,
    days: int = WEEK_DAYS,
    seed: int = 0,
    *,
    champion: Any | None = None,
    thresholds: drift.DriftThresholds | None = None,
    clean_replays: int = 0,
    window_index: int = -2,
    fractions: Sequence[float] = splits.DEFAULT_FRACTIONS,
) -> SimulationReport:
    """Replay one clean window and the same window with each injected scenario; judge each.

    The reference is the temporal TRAIN split; the window is the ``window_index``-th run of
    ``days`` held-out days (default: the second-to-last week, because the last one is the
    Christmas week, a real regime change of its own). ``clean_replays`` > 0 also replays that many
    clean windows across the test period (latest first) and counts false alarms. ``champion``
    defaults to the physics estimator (nothing to learn); pass a loaded bundle to use it.
    """
    chosen = list(SCENARIOS) if scenario == ALL else [scenario]
    unknown = [s for s in chosen if s not in SCENARIOS]
    if unknown:
        raise ValueError(f"scenario must be {ALL!r} or one of {SCENARIOS}, not {scenario!r}")
    limits = thresholds or drift.DriftThresholds()
    train = cleaned.loc[splits.temporal_split(cleaned, fractions) == splits.TRAIN]
    if champion is None:
        champion = PowerTriangleEstimator().fit(train)
    predictor = drift.champion_predictor(champion)
    reference = drift.monitoring_frame(train, predictor)
    windows = _windows(held_out_days(cleaned, fractions), days)
    if not windows:
        raise ValueError(f"the held-out period has fewer than {days} complete days")
    window = windows[window_index]

    def judge(name: str, injection: Injection | None) -> drift.DriftVerdict:
        current = drift.monitoring_frame(replay_days(cleaned, window, injection), predictor)
        return drift.evaluate_drift(reference, current, limits)

    clean_verdict = judge(CLEAN, None)
    outcomes = []
    for name in [CLEAN, *chosen]:
        verdict = clean_verdict if name == CLEAN else judge(name, Injection(name, seed=seed))  # type: ignore[arg-type]
        outcomes.append(
            ScenarioOutcome(
                scenario=name,
                window_start=window[0].isoformat(),
                window_end=window[-1].isoformat(),
                detected=verdict.drift,
                retrain_requested=verdict.drift,
                max_psi=verdict.max_psi,
                max_psi_feature=verdict.max_psi_feature,
                rmse_before=clean_verdict.rolling_rmse,
                rmse_after=verdict.rolling_rmse,
                reasons=tuple(verdict.reasons),
            )
        )
    false_alarms = 0
    replayed = windows[::-1][:clean_replays]
    for clean_window in replayed:
        current = drift.monitoring_frame(replay_days(cleaned, clean_window), predictor)
        false_alarms += drift.evaluate_drift(reference, current, limits).drift
    return SimulationReport(
        outcomes=tuple(outcomes),
        clean_windows=len(replayed),
        false_alarms=int(false_alarms),
        baseline_rmse=clean_verdict.baseline_rmse,
        thresholds=dict(clean_verdict.thresholds),
    )
