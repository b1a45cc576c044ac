"""A day's peak interval in plant terms: against the plant's own typical profile, not a model.

The reference is the plant itself. For the peak interval of ``day`` (the interval with the highest
``usage_kwh``; the first one on a tie) the *typical* usage is the median usage at the same slot
(interval start time) over the ``reference_days`` most recent earlier days with the same weekday
that hold a reading at that slot, at most ``LOOKBACK_WEEKS`` back (4 by default: the previous four Thursdays for a Thursday). The
same reference days give a typical hourly profile (median of each day's hourly kWh), and an hour of
``day`` *ran above normal* when its kWh exceed the typical hour by more than
``max(ABOVE_NORMAL_MIN_KWH, ABOVE_NORMAL_SHARE * typical)``.

At the peak interval the reactive energy is read from the meter (lagging and leading kVArh) and the
apparent energy comes from the power triangle, ``S = sqrt(P^2 + Q^2)`` with Q the lagging reactive
energy (the side the lagging power factor is computed from; :mod:`energy_assets.domain.power_triangle`).

Nothing here knows about HTTP: the API's ``/explain/peak`` service formats these figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import schema

REFERENCE_DAYS = 4
#: Reference days are looked for this many weeks back at most (gaps in the readings are skipped).
LOOKBACK_WEEKS = 12
#: An hour ran above normal when it exceeds the typical hour by more than this share of it ...
ABOVE_NORMAL_SHARE = 0.10
#: ... and by more than this many kWh (so a near-idle hour at 2 kWh against 1.5 is not "above normal").
ABOVE_NORMAL_MIN_KWH = 5.0
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class HourAgainstTypical:
    hour: int  # 0-23, plant-local hour of the intervals' start
    usage_kwh: float
    typical_kwh: float | None  # None when no reference day holds all four intervals of that hour
    excess_kwh: float | None


@dataclass(frozen=True)
class PeakInPlantTerms:
    day: dt.date
    weekday: str
    peak_start: pd.Timestamp
    peak_end: pd.Timestamp  # the readings' timestamp (END of the interval)
    usage_kwh: float
    typical_kwh: float | None  # median at that slot over the reference days; None without any
    reference_days: list[dt.date]  # oldest first
    lagging_reactive_kvarh: float
    leading_reactive_kvarh: float
    apparent_kvah: float
    typical_lagging_reactive_kvarh: float | None
    hours: list[HourAgainstTypical] = field(default_factory=list)

    @property
    def excess_kwh(self) -> float | None:
        return None if self.typical_kwh is None else self.usage_kwh - self.typical_kwh

    @property
    def hours_above_normal(self) -> list[HourAgainstTypical]:
        """The hours that ran above normal (see the module docstring), largest excess first."""
        above = [h for h in self.hours if h.typical_kwh is not None and runs_above_normal(h)]
        return sorted(above, key=lambda h: (-(h.excess_kwh or 0.0), h.hour))


def runs_above_normal(hour: HourAgainstTypical) -> bool:
    if hour.typical_kwh is None or hour.excess_kwh is None:
        return False
    return hour.excess_kwh > max(ABOVE_NORMAL_MIN_KWH, ABOVE_NORMAL_SHARE * hour.typical_kwh)


def _by_start(frame: pd.DataFrame) -> pd.DataFrame:
    starts = calendar.interval_start_series(frame[schema.TIMESTAMP]).reset_index(drop=True)
    out = frame.reset_index(drop=True).copy()
    out["_start"] = starts
    out["_day"] = starts.dt.normalize()
    return out


def peak_in_plant_terms(
    frame: pd.DataFrame, day: dt.date, *, reference_days: int = REFERENCE_DAYS
) -> PeakInPlantTerms:
    """The peak interval of ``day`` against the typical profile of the same weekday (module docstring).

    ``frame`` holds cleaned readings (any span that includes ``day`` and, ideally, the weeks before).
    Raises ``ValueError`` naming ``day`` when the frame holds no interval of it.
    """
    if reference_days < 1:
        raise ValueError(f"reference_days must be at least 1, got {reference_days}")
    lo = pd.Timestamp(day) - pd.Timedelta(weeks=LOOKBACK_WEEKS)
    stamps = pd.to_datetime(frame[schema.TIMESTAMP])
    window = frame[(stamps > lo) & (stamps <= pd.Timestamp(day) + pd.Timedelta(days=1, minutes=15))]
    rows = _by_start(window)
    target = pd.Timestamp(day)
    today = rows[rows["_day"] == target].sort_values("_start", kind="stable")
    if today.empty:
        raise ValueError(f"day: the readings hold no interval of {day}")
    peak = today.iloc[int(today[schema.USAGE_KWH].to_numpy(dtype=float).argmax())]
    slot = peak["_start"] - target

    earlier = rows[(rows["_day"] < target) & (rows["_day"].dt.dayofweek == target.dayofweek)]
    at_slot = earlier[earlier["_start"] - earlier["_day"] == slot]
    ref_days = sorted(at_slot["_day"].unique())[-reference_days:]
    ref_at_slot = at_slot[at_slot["_day"].isin(ref_days)]
    typical = float(np.median(ref_at_slot[schema.USAGE_KWH])) if len(ref_at_slot) else None
    typical_q = float(np.median(ref_at_slot[schema.LAGGING_REACTIVE_KVARH])) if len(ref_at_slot) else None

    hours = _hours(today, earlier[earlier["_day"].isin(ref_days)])
    usage = float(peak[schema.USAGE_KWH])
    lagging = float(peak[schema.LAGGING_REACTIVE_KVARH])
    return PeakInPlantTerms(
        day=day,
        weekday=WEEKDAY_NAMES[target.dayofweek],
        peak_start=pd.Timestamp(peak["_start"]),
        peak_end=pd.Timestamp(peak[schema.TIMESTAMP]),
        usage_kwh=usage,
        typical_kwh=typical,
        reference_days=[pd.Timestamp(d).date() for d in ref_days],
        lagging_reactive_kvarh=lagging,
        leading_reactive_kvarh=float(peak[schema.LEADING_REACTIVE_KVARH]),
        apparent_kvah=float(power_triangle.apparent_kvah(usage, lagging)),
        typical_lagging_reactive_kvarh=typical_q,
        hours=hours,
    )


def _hours(today: pd.DataFrame, reference: pd.DataFrame) -> list[HourAgainstTypical]:
    """Each hour of the day against the median over the reference days of that hour's kWh.

    A reference day counts for an hour only when it holds that hour's four intervals.
    """
    day_hours = today.groupby(today["_start"].dt.hour)[schema.USAGE_KWH].sum()
    typical: dict[int, float] = {}
    if not reference.empty:
        grouped = reference.groupby([reference["_day"], reference["_start"].dt.hour])[schema.USAGE_KWH]
        sums, counts = grouped.sum(), grouped.count()
        complete = sums[counts == 4]
        if not complete.empty:
            typical = complete.groupby(level=1).median().to_dict()
    out = []
    for hour, kwh in day_hours.items():
        t = typical.get(int(hour))
        out.append(
            HourAgainstTypical(
                hour=int(hour),
                usage_kwh=float(kwh),
                typical_kwh=None if t is None else float(t),
                excess_kwh=None if t is None else float(kwh) - float(t),
            )
        )
    return out


__all__ = [
    "ABOVE_NORMAL_MIN_KWH",
    "ABOVE_NORMAL_SHARE",
    "LOOKBACK_WEEKS",
    "REFERENCE_DAYS",
    "HourAgainstTypical",
    "PeakInPlantTerms",
    "peak_in_plant_terms",
    "runs_above_normal",
]
