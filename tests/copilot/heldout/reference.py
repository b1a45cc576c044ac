"""Independent expected answers for the held-out copilot set.

Plain pandas + numpy + PyYAML + ``holidays`` over the RAW UCI CSV and the tariff YAML read as a file.
Nothing here imports energy_assets or energy_api: the figures are a second, separate implementation
of the meanings in the copilot contract (docs/copilot.md, "what questions mean"):

- readings are stamped at the interval END; every calendar notion (day, hour, weekday, month, season,
  tariff period) is that of the interval START; the CSV's ``00:00`` row closes the previous day;
- tariff period by season and start hour, every interval of a ``light_all_day`` day is light;
- power factor energy-weighted (100 P / sqrt(P^2 + Q^2) over the sums) unless the plain mean is asked;
- the forecast champion of the eval service is the weekly seasonal naive.

A case's expectation is a structured spec (see ``questions.yaml``); :func:`expect` turns it into an
:class:`Expected`: the figures (value + unit), labels and ISO dates an answer must show, and the
markers (partial, no data, decline, no kWh saving) the grader checks.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import holidays
import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[3]
CSV_NAME = "steel_industry_data.csv"
CSV_CANDIDATES = (ROOT / "data" / "raw" / CSV_NAME, ROOT.parent / "shared" / "data" / CSV_NAME)
TARIFF_PATH = ROOT / "energy_assets" / "config" / "tariff_kepco.yaml"
INTERVAL = pd.Timedelta(minutes=15)
WEEK_INTERVALS = 7 * 96

RAW_COLUMNS = {
    "Usage_kWh": "usage_kwh",
    "Lagging_Current_Reactive.Power_kVarh": "lagging_reactive_kvarh",
    "Leading_Current_Reactive_Power_kVarh": "leading_reactive_kvarh",
    "CO2(tCO2)": "co2_tco2",
    "Lagging_Current_Power_Factor": "lagging_power_factor",
    "Leading_Current_Power_Factor": "leading_power_factor",
    "Load_Type": "load_type",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
UNITS = {
    "usage_kwh": "kWh",
    "cost_krw": "KRW",
    "co2_t": "tCO2",
    "co2_measured": "tCO2",
    "lagging_reactive_kvarh": "kVArh",
    "leading_reactive_kvarh": "kVArh",
    "lagging_pf": "%",
    "leading_pf": "%",
}
#: Two ranked values this close (+ 0.1 %) are a (near) tie: the ranking case would be ambiguous.
TIE_ABS = {"kWh": 0.5, "KRW": 0.5, "tCO2": 0.01, "kVArh": 0.5, "%": 0.05}
#: Holidays named in words -> a fragment of the `holidays` package's (English) KR names.
HOLIDAY_NAMES = {
    "chuseok": "chuseok",
    "seollal": "korean new year",
    "christmas": "christmas",
    "childrens_day": "children's day",
    "liberation_day": "liberation day",
    "independence_movement_day": "independence movement day",
    "hangul_day": "hangul day",
    "buddhas_birthday": "buddha's birthday",
    "memorial_day": "memorial day",
    "national_foundation_day": "national foundation day",
    "new_years_day": "new year's day",
}


class SpecError(ValueError):
    """A case's spec is malformed, or its expected answer would be ambiguous (a tie)."""


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    what: str = ""
    #: a difference / saving / change: matched on its absolute value (the sign is said in words)
    signless: bool = False


@dataclass(frozen=True)
class Label:
    type: str  # weekday | month | hour | time | date | load_type | period
    value: Any
    what: str = ""


@dataclass
class Expected:
    figures: list[Figure] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    #: covered spans, each (first ISO day, last ISO day); both must appear as ISO dates
    spans: list[tuple[str, str]] = field(default_factory=list)
    partial: bool = False
    no_data: bool = False
    decline: bool = False
    no_saving_kwh: bool = False
    #: for reports: what the reference computed, in words
    notes: list[str] = field(default_factory=list)


def find_csv() -> Path:
    for path in CSV_CANDIDATES:
        if path.exists():
            return path
    raise FileNotFoundError(f"{CSV_NAME} is in neither {CSV_CANDIDATES[0]} nor {CSV_CANDIDATES[1]}")


def load_readings(path: Path | None = None) -> pd.DataFrame:
    """The raw CSV with the midnight quirk fixed: ``stamp`` (interval end) and ``start``."""
    raw = pd.read_csv(path or find_csv(), encoding="utf-8-sig")
    stamp = pd.to_datetime(raw["date"], format="%d/%m/%Y %H:%M")
    midnight = (stamp.dt.hour == 0) & (stamp.dt.minute == 0)
    stamp = stamp + pd.to_timedelta(midnight.astype(int), unit="D")
    frame = raw.rename(columns=RAW_COLUMNS)[list(RAW_COLUMNS.values())].copy()
    frame.insert(0, "stamp", stamp)
    frame = frame.sort_values("stamp").reset_index(drop=True)
    if frame["stamp"].duplicated().any():
        raise ValueError("duplicate timestamps after the midnight fix")
    return frame


class Tariff:
    """The tariff YAML, read as a plain file."""

    def __init__(self, path: Path = TARIFF_PATH) -> None:
        doc = yaml.safe_load(path.read_text("utf-8"))
        self.season_of = {m: s for s, months in doc["seasons"].items() for m in months}
        self.periods = doc["periods"]
        self.prices = {s: {p: float(v) for p, v in d.items()} for s, d in doc["prices_krw_per_kwh"].items()}
        self.light_all_day = set(doc.get("light_all_day") or [])
        self.ef_t_per_kwh = float(doc["emission_factor_tco2_per_mwh"]) / 1000.0

    def hour_period(self, season: str, hour: int) -> str:
        for period, ranges in self.periods[season].items():
            for a, b in ranges:
                inside = (a <= hour < b) if a < b else (hour >= a or hour < b)
                if inside:
                    return period
        raise ValueError(f"hour {hour} has no period in {season}")

    def price(self, season: str, period: str) -> float:
        return self.prices[season][period]


class Reference:
    """The readings with their calendar, and every expectation kind of the held-out set."""

    def __init__(self, readings: pd.DataFrame | None = None, tariff: Tariff | None = None) -> None:
        self.tariff = tariff or Tariff()
        raw = load_readings() if readings is None else readings
        self.frame = self._calendar(raw)
        self.days = sorted(set(self.frame["day"]))
        self.first_day, self.last_day = self.days[0], self.days[-1]
        self.day_set = set(self.days)

    # --- calendar ---------------------------------------------------------------------------------
    @cached_property
    def kr_holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("KR", years=range(2016, 2021))

    def is_light_day(self, day: dt.date) -> bool:
        rules = self.tariff.light_all_day
        return (
            ("sunday" in rules and day.weekday() == 6)
            or ("saturday" in rules and day.weekday() == 5)
            or ("public_holiday" in rules and day in self.kr_holidays)
        )

    def day_type(self, day: dt.date) -> str:
        if day in self.kr_holidays:
            return "public_holiday"
        return "weekend" if day.weekday() >= 5 else "weekday"

    def _calendar(self, raw: pd.DataFrame) -> pd.DataFrame:
        frame = raw.copy()
        start = frame["stamp"] - INTERVAL
        frame["start"] = start
        frame["day"] = start.dt.date
        frame["hour"] = start.dt.hour
        frame["weekday"] = start.dt.weekday
        frame["month"] = start.dt.month
        frame["year"] = start.dt.year
        iso = start.dt.isocalendar()
        frame["iso_week"] = list(zip(iso["year"].astype(int), iso["week"].astype(int), strict=True))
        frame = self._periods(frame)
        frame["cost_krw"] = frame["usage_kwh"] * frame["price"]
        return frame

    def _periods(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["season"] = frame["start"].dt.month.map(self.tariff.season_of)
        light = {d: self.is_light_day(d) for d in set(frame["start"].dt.date)}
        frame["day_type"] = frame["start"].dt.date.map({d: self.day_type(d) for d in light})
        frame["period"] = [
            "light" if light[d] else self.tariff.hour_period(s, h)
            for d, s, h in zip(frame["start"].dt.date, frame["season"], frame["start"].dt.hour, strict=True)
        ]
        frame["price"] = [
            self.tariff.price(s, p) for s, p in zip(frame["season"], frame["period"], strict=True)
        ]
        return frame

    @property
    def today(self) -> dt.date:
        """The day of the last reading (its interval start)."""
        return self.last_day

    # --- spans ------------------------------------------------------------------------------------
    def requested_days(self, spec: Any) -> list[dt.date]:
        """The days a period spec names, whether or not the data holds them."""
        if isinstance(spec, dt.date):
            return [spec]
        if isinstance(spec, str):
            return [dt.date.fromisoformat(spec)]
        if isinstance(spec, list | tuple) and len(spec) == 2:
            a, b = (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in spec)
            if b < a:
                raise SpecError(f"span {spec} ends before it starts")
            return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
        if not isinstance(spec, dict):
            raise SpecError(f"not a period: {spec!r}")
        if "holiday" in spec:
            fragment = HOLIDAY_NAMES[spec["holiday"]]
            year = int(spec["year"])
            days = sorted(
                d for d, name in self.kr_holidays.items() if d.year == year and fragment in name.lower()
            )
            if not days:
                raise SpecError(f"no {spec['holiday']} in {year}")
            return days
        if "relative" in spec:
            return self.requested_days(self.relative(spec["relative"], spec.get("n")))
        year = int(spec.get("year", self.today.year))
        if "quarter" in spec:
            q = int(spec["quarter"])
            return self.requested_days(self._months(year, 3 * q - 2, 3 * q))
        if "half" in spec:
            h = int(spec["half"])
            return self.requested_days(self._months(year, 6 * h - 5, 6 * h))
        if "month" in spec:
            m = int(spec["month"])
            return self.requested_days(self._months(year, m, m))
        if "season" in spec:  # the season's months of that year (winter: Jan-Feb and Nov-Dec)
            months = [m for m, s in self.tariff.season_of.items() if s == spec["season"]]
            return [d for m in sorted(months) for d in self.requested_days({"month": m, "year": year})]
        if set(spec) == {"year"}:
            return self.requested_days([dt.date(year, 1, 1), dt.date(year, 12, 31)])
        raise SpecError(f"not a period: {spec!r}")

    @staticmethod
    def _months(year: int, first: int, last: int) -> tuple[dt.date, dt.date]:
        end = dt.date(year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
        return dt.date(year, first, 1), end

    def relative(self, word: str, n: int | None = None) -> tuple[dt.date, dt.date]:
        """The contract's relative periods, against ``today``."""
        t = self.today
        monday = t - dt.timedelta(days=t.weekday())
        if word == "today":
            return t, t
        if word == "yesterday":
            return t - dt.timedelta(days=1), t - dt.timedelta(days=1)
        if word == "this_week":
            return monday, monday + dt.timedelta(days=6)
        if word in ("last_week", "weeks_ago"):
            k = 1 if word == "last_week" else int(n or 0)
            first = monday - dt.timedelta(weeks=k)
            return first, first + dt.timedelta(days=6)
        if word == "this_month":
            return self._months(t.year, t.month, t.month)
        if word == "last_month":
            y, m = (t.year, t.month - 1) if t.month > 1 else (t.year - 1, 12)
            return self._months(y, m, m)
        if word == "last_days":
            return t - dt.timedelta(days=int(n or 0) - 1), t
        if word == "this_year":
            return dt.date(t.year, 1, 1), dt.date(t.year, 12, 31)
        if word == "last_year":
            return dt.date(t.year - 1, 1, 1), dt.date(t.year - 1, 12, 31)
        raise SpecError(f"unknown relative period {word!r}")

    def covered(self, spec: Any) -> tuple[list[dt.date], bool]:
        """(the days of the period that hold readings, whether the period is only partly covered)."""
        wanted = self.requested_days(spec)
        days = [d for d in wanted if d in self.day_set]
        return days, len(days) < len(wanted)

    def rows(
        self, spec: Any, where: dict[str, Any] | None = None
    ) -> tuple[pd.DataFrame, list[dt.date], bool]:
        days, partial = self.covered(spec)
        if not days:
            raise SpecError(f"period {spec!r} holds no reading: write the case as kind no_data")
        frame = self.frame[self.frame["day"].isin(set(days))]
        return self.filter(frame, where), days, partial

    def filter(self, frame: pd.DataFrame, where: dict[str, Any] | None) -> pd.DataFrame:
        if not where:
            return frame
        mask = np.ones(len(frame), dtype=bool)
        for key, value in where.items():
            values = value if isinstance(value, list) else [value]
            if key in ("tariff_period", "load_type", "day_type", "season"):
                col = {"tariff_period": "period"}.get(key, key)
                mask &= frame[col].isin(values).to_numpy()
            elif key == "weekday":
                codes = [v if isinstance(v, int) else WEEKDAYS.index(str(v).capitalize()) for v in values]
                mask &= frame["weekday"].isin(codes).to_numpy()
            elif key == "hours":  # [from, to) start hours, wrapping past midnight when from > to
                a, b = value
                h = frame["hour"].to_numpy()
                mask &= ((h >= a) & (h < b)) if a < b else ((h >= a) | (h < b))
            else:
                raise SpecError(f"unknown filter {key!r}")
        out = frame[mask]
        if out.empty:
            raise SpecError(f"the filter {where} keeps no reading")
        return out

    # --- metrics ----------------------------------------------------------------------------------
    def total(self, frame: pd.DataFrame, metric: str) -> float:
        if metric == "usage_kwh":
            return float(frame["usage_kwh"].sum())
        if metric == "cost_krw":
            return float(frame["cost_krw"].sum())
        if metric == "co2_t":
            return float(frame["usage_kwh"].sum()) * self.tariff.ef_t_per_kwh
        if metric == "co2_measured":
            return float(frame["co2_tco2"].sum())
        if metric in ("lagging_reactive_kvarh", "leading_reactive_kvarh"):
            return float(frame[metric].sum())
        raise SpecError(f"{metric} has no total")

    def power_factor(self, frame: pd.DataFrame, side: str, plain: bool = False) -> float:
        if plain:
            return float(frame[f"{side}_power_factor"].mean())
        p = float(frame["usage_kwh"].sum())
        q = float(frame[f"{side}_reactive_kvarh"].sum())
        return 100.0 * p / math.hypot(p, q) if p > 0 else 0.0

    def aggregate(self, frame: pd.DataFrame, metric: str, agg: str = "sum", condition: Any = None) -> float:
        if metric in ("lagging_pf", "leading_pf"):
            side = metric.split("_")[0]
            if agg in ("weighted", "sum"):
                return self.power_factor(frame, side)
            if agg == "plain_mean":
                return self.power_factor(frame, side, plain=True)
            raise SpecError(f"power factor cannot be aggregated by {agg}")
        if agg == "sum":
            return self.total(frame, metric)
        if agg in ("count_intervals", "count_hours"):
            n = int(self.condition_mask(frame, condition).sum())
            return float(n) if agg == "count_intervals" else n * 0.25
        keys = {
            "daily_mean": ["day"],
            "weekly_mean": ["iso_week"],
            "monthly_mean": ["year", "month"],
            "hourly_mean": ["day", "hour"],
        }
        if agg in keys:
            groups = frame.groupby(keys[agg], sort=True)
            return float(np.mean([self.total(g, metric) for _, g in groups]))
        if agg == "interval_mean":
            return self.total(frame, metric) / len(frame)
        raise SpecError(f"unknown aggregation {agg!r}")

    @staticmethod
    def condition_mask(frame: pd.DataFrame, condition: dict[str, Any]) -> np.ndarray:
        if not condition:
            raise SpecError("a count needs a condition")
        col, op, value = condition["column"], condition["op"], float(condition["value"])
        x = frame[col].to_numpy(dtype=float)
        ops = {"<": x < value, "<=": x <= value, ">": x > value, ">=": x >= value}
        return ops[op]

    # --- expectation kinds ------------------------------------------------------------------------
    def expect(self, spec: dict[str, Any]) -> Expected:
        kind = spec.get("kind")
        handler = getattr(self, f"_x_{kind}", None)
        if handler is None:
            raise SpecError(f"unknown expectation kind {kind!r}")
        return handler(spec)

    @staticmethod
    def _span(days: list[dt.date]) -> tuple[str, str]:
        return days[0].isoformat(), days[-1].isoformat()

    def _data(self, spec: dict[str, Any], key: str = "span") -> tuple[pd.DataFrame, Expected]:
        frame, days, partial = self.rows(spec[key], spec.get("where"))
        out = Expected(spans=[self._span(days)], partial=partial)
        return frame, out

    def _x_figures(self, spec: dict[str, Any]) -> Expected:
        frame, out = self._data(spec)
        metrics = spec["metric"] if isinstance(spec["metric"], list) else [spec["metric"]]
        agg = spec.get("agg", "sum")
        for metric in metrics:
            value = self.aggregate(frame, metric, agg, spec.get("condition"))
            if agg == "count_intervals":
                unit = "intervals"
            elif agg == "count_hours":
                unit = "h"
            else:
                unit = UNITS[metric]
            out.figures.append(Figure(value, unit, f"{metric} {agg}"))
        return out

    def _x_share(self, spec: dict[str, Any]) -> Expected:
        frame, out = self._data(spec)
        metric = spec.get("metric", "usage_kwh")
        part = self.filter(frame, spec["part"])
        whole = self.total(frame, metric)
        out.figures.append(Figure(100.0 * self.total(part, metric) / whole, "%", f"share of {metric}"))
        return out

    def group_values(self, frame: pd.DataFrame, metric: str, by: str, agg: str) -> pd.Series:
        col = {"tariff_period": "period"}.get(by, by)
        values = {}
        for key, group in frame.groupby(col, sort=True):
            if agg == "mean":
                day_based = by in ("weekday", "month", "day", "day_type", "season", "iso_week")
                inner = "daily_mean" if day_based else "hourly_mean"
                if by not in ("hour",) and not day_based:
                    raise SpecError(f"'on average' is not defined for groups by {by}")
                values[key] = self.aggregate(group, metric, inner)
            else:
                values[key] = self.aggregate(group, metric, agg)
        return pd.Series(values)

    def _label(self, by: str, key: Any) -> Label:
        if by == "weekday":
            return Label("weekday", int(key))
        if by == "month":
            return Label("month", int(key))
        if by == "hour":
            return Label("hour", int(key))
        if by == "day":
            return Label("date", key.isoformat())
        if by == "load_type":
            return Label("load_type", str(key))
        if by == "tariff_period":
            return Label("period", str(key))
        raise SpecError(f"no label for groups by {by}")

    def _x_ranking(self, spec: dict[str, Any]) -> Expected:
        frame, out = self._data(spec)
        metric, by = spec.get("metric", "usage_kwh"), spec["by"]
        agg = spec.get("agg", "weighted" if metric.endswith("_pf") else "sum")
        values = self.group_values(frame, metric, by, agg)
        descending = spec.get("order", "desc") == "desc"
        ordered = values.sort_values(ascending=not descending, kind="mergesort")
        n = int(spec.get("n", 1))
        if len(ordered) > n:
            edge, nxt = float(ordered.iloc[n - 1]), float(ordered.iloc[n])
            if abs(edge - nxt) <= 0.001 * abs(edge) + TIE_ABS[UNITS[metric]]:
                raise SpecError(f"ranking (near) tie at rank {n}: {edge} vs {nxt}")
        for key, value in ordered.iloc[:n].items():
            out.labels.append(self._label(by, key))
            out.figures.append(Figure(float(value), UNITS[metric], f"{by}={key}"))
        return out

    def _x_comparison(self, spec: dict[str, Any]) -> Expected:
        metric, agg = spec.get("metric", "usage_kwh"), spec.get("agg", "sum")
        fa, da, pa = self.rows(spec["a"], spec.get("where"))
        fb, db, pb = self.rows(spec["b"], spec.get("where"))
        if pa or pb:
            raise SpecError("a comparison case must name two fully covered periods")
        a, b = self.aggregate(fa, metric, agg), self.aggregate(fb, metric, agg)
        unit = UNITS[metric]
        out = Expected(spans=[self._span(da), self._span(db)])
        out.figures += [
            Figure(a, unit, "A"),
            Figure(b, unit, "B"),
            Figure(b - a, unit, "B - A", signless=True),
            Figure(100.0 * (b - a) / a, "%", "change vs A", signless=True),
        ]
        return out

    def _x_peak(self, spec: dict[str, Any]) -> Expected:
        frame, out = self._data(spec)
        top = frame["usage_kwh"].max()
        at = frame[frame["usage_kwh"] == top]
        if len(at) > 1:
            raise SpecError(f"the peak {top} kWh occurs {len(at)} times in {spec['span']}")
        start = at["start"].iloc[0]
        out.figures.append(Figure(float(top), "kWh", "peak 15-min kWh"))
        out.labels += [Label("date", start.date().isoformat()), Label("time", f"{start:%H:%M}")]
        return out

    # --- what-if arithmetic -----------------------------------------------------------------------
    def _season_of_spec(self, spec: dict[str, Any]) -> str | None:
        if "season" in spec:
            return str(spec["season"])
        return None

    def _x_move_energy(self, spec: dict[str, Any]) -> Expected:
        e, src, dst = float(spec["kwh"]), spec["from"], spec["to"]
        season = self._season_of_spec(spec)
        if season is not None:
            return self._moved(e, src, dst, {season: 1.0}, spans=[])
        frame, days, _ = self.rows(spec["span"])
        weights = self._period_energy_weights(frame, src)
        return self._moved(e, src, dst, weights, spans=[self._span(days)] if len(weights) > 1 else [])

    def _period_energy_weights(self, frame: pd.DataFrame, period: str) -> dict[str, float]:
        part = frame[frame["period"] == period]
        if part.empty:
            raise SpecError(f"no {period} energy in the span")
        per_season = part.groupby("season")["usage_kwh"].sum()
        return {s: float(v / per_season.sum()) for s, v in per_season.items()}

    def _moved(
        self, e: float, src: str, dst: str, weights: dict[str, float], spans: list[tuple[str, str]]
    ) -> Expected:
        p = self.tariff.price
        saving = sum(e * w * (p(s, src) - p(s, dst)) for s, w in weights.items())
        out = Expected(spans=spans)
        out.figures.append(Figure(saving, "KRW", f"saving moving {e:g} kWh {src}->{dst}", signless=True))
        if len(weights) == 1:
            (s,) = weights
            out.figures += [
                Figure(p(s, src), "KRW", f"price {s} {src}"),
                Figure(p(s, dst), "KRW", f"price {s} {dst}"),
            ]
        out.notes.append(f"weights {weights}")
        return out

    def _x_move_hours(self, spec: dict[str, Any]) -> Expected:
        n, src, dst = float(spec["hours"]), spec["from"], spec["to"]
        frame, days, _ = self.rows(spec["span"])
        part = frame[frame["period"] == src]
        if part.empty:
            raise SpecError(f"no {src} hours in the span")
        per_hour = float(part["usage_kwh"].sum()) / (len(part) * 0.25)
        e = n * per_hour
        if spec.get("each_day"):
            e *= part["day"].nunique()
        weights = self._period_energy_weights(frame, src)
        out = self._moved(e, src, dst, weights, spans=[self._span(days)])
        out.notes.append(f"moved energy {e:.2f} kWh ({per_hour:.3f} kWh per {src} hour)")
        return out

    def _x_cut_energy(self, spec: dict[str, Any]) -> Expected:
        e = float(spec["kwh"])
        out = Expected()
        if "period" in spec:
            season = self._season_of_spec(spec)
            if season is None:
                frame, _, _ = self.rows(spec["span"])
                seasons = set(frame["season"])
                if len(seasons) != 1:
                    raise SpecError("a cut in a named period needs one season")
                (season,) = seasons
            price = self.tariff.price(season, spec["period"])
        else:
            span = spec.get("span", [self.first_day, self.last_day])
            frame, days, _ = self.rows(span)
            price = float(frame["cost_krw"].sum() / frame["usage_kwh"].sum())
            out.spans.append(self._span(days))
            out.notes.append(f"average price {price:.4f} KRW/kWh")
        out.figures += [
            Figure(e * price, "KRW", f"cost of {e:g} kWh"),
            Figure(e * self.tariff.ef_t_per_kwh, "tCO2", f"CO2 of {e:g} kWh"),
        ]
        return out

    def _pf_scenario(self, frame: pd.DataFrame, target: float, side: str) -> dict[str, float]:
        p = frame["usage_kwh"].to_numpy(dtype=float)
        q = frame[f"{side}_reactive_kvarh"].to_numpy(dtype=float)
        pf = frame[f"{side}_power_factor"].to_numpy(dtype=float)
        raise_it = (p > 0) & (pf < target)
        q_new = np.where(raise_it, p * math.tan(math.acos(target / 100.0)), q)
        return {
            "before": float(q.sum()),
            "after": float(q_new.sum()),
            "kvah_change": float(np.hypot(p, q_new).sum() - np.hypot(p, q).sum()),
        }

    def _x_pf_improve(self, spec: dict[str, Any]) -> Expected:
        frame, out = self._data(spec)
        r = self._pf_scenario(frame, float(spec["target"]), spec.get("side", "lagging"))
        out.no_saving_kwh = True
        out.figures.append(Figure(r["after"] - r["before"], "kVArh", "reactive change", signless=True))
        if not spec.get("change_only"):
            out.figures += [
                Figure(r["before"], "kVArh", "reactive before"),
                Figure(r["after"], "kVArh", "reactive after"),
                Figure(r["kvah_change"], "kVAh", "apparent change", signless=True),
            ]
        return out

    def _window_rows(self, window: list[str]) -> pd.DataFrame:
        a, b = pd.Timestamp(window[0]), pd.Timestamp(window[1])
        rows = self.frame[(self.frame["start"] >= a) & (self.frame["start"] < b)]
        if rows.empty:
            raise SpecError(f"window {window} holds no reading")
        return rows

    def _x_shift_window(self, spec: dict[str, Any]) -> Expected:
        """v1 day-level shift: E leaves the source window in proportion to usage, arrives evenly."""
        e = float(spec["kwh"])
        src, dst = self._window_rows(spec["from"]), self._window_rows(spec["to"])
        available = float(src["usage_kwh"].sum())
        if e > available:
            raise SpecError(f"{e} kWh exceeds the {available} kWh of the source window")
        per = e / len(dst)
        if (dst["usage_kwh"] + per).max() > 157.18:
            raise SpecError("the shift would exceed the plant's maximum per interval")
        removed = float((src["usage_kwh"] * (e / available) * src["price"]).sum())
        added = float((per * dst["price"]).sum())
        out = Expected(labels=[Label("date", src["day"].iloc[0].isoformat())])
        out.figures.append(Figure(added - removed, "KRW", "cost change", signless=True))
        return out

    def _x_rebill_window(self, spec: dict[str, Any]) -> Expected:
        rows = self._window_rows(spec["window"])
        new_price = rows["season"].map(lambda s: self.tariff.price(s, spec["to"]))
        delta = float((rows["usage_kwh"] * (new_price - rows["price"])).sum())
        out = Expected(labels=[Label("date", rows["day"].iloc[0].isoformat())])
        out.figures.append(Figure(delta, "KRW", "cost change", signless=True))
        return out

    def _x_recommend(self, spec: dict[str, Any]) -> Expected:
        frame, out = self._data({"span": spec.get("span", self.today.isoformat())})
        top = frame[frame["period"] == "maximum"]
        energy = float(top["usage_kwh"].sum())
        p = self.tariff.price
        saving = float(
            sum(
                (top["season"] == s).mul(top["usage_kwh"]).sum() * (p(s, "maximum") - p(s, "light"))
                for s in set(top["season"])
            )
        )
        out.figures += [
            Figure(energy, "kWh", "maximum-period energy"),
            Figure(saving, "KRW", "saving moving it to light", signless=True),
            Figure(self.power_factor(frame, "lagging"), "%", "energy-weighted lagging PF"),
        ]
        return out

    # --- forecasts --------------------------------------------------------------------------------
    def forecast_frame(self, start: str, hours: int) -> pd.DataFrame:
        """The weekly seasonal naive: each target gets the reading k weeks earlier, k = ceil(h / week)."""
        last_stamp = self.frame["stamp"].iloc[-1]
        if start in ("end", "tomorrow"):
            origin = last_stamp if start == "end" else pd.Timestamp(self.today + dt.timedelta(days=1))
        else:
            origin = pd.Timestamp(start)
        steps = np.arange(1, int(hours) * 4 + 1)
        targets = origin + pd.to_timedelta(steps * 15, unit="min")
        weeks = np.ceil(steps / WEEK_INTERVALS).astype(int)
        sources = targets - pd.to_timedelta(weeks * WEEK_INTERVALS * 15, unit="min")
        history = self.frame[self.frame["stamp"] <= min(origin, last_stamp)].set_index("stamp")["usage_kwh"]
        values = history.reindex(sources).to_numpy(dtype=float)
        if np.isnan(values).any():
            raise SpecError(f"the forecast from {origin} lacks history a week before some targets")
        out = pd.DataFrame({"stamp": targets, "usage_kwh": values})
        return self._periods(out.assign(start=out["stamp"] - INTERVAL)).assign(origin=origin)

    def _x_forecast(self, spec: dict[str, Any]) -> Expected:
        fc = self.forecast_frame(str(spec.get("start", "end")), int(spec.get("hours", 24)))
        total = float(fc["usage_kwh"].sum())
        cost = float((fc["usage_kwh"] * fc["price"]).sum())
        origin = fc["origin"].iloc[0]
        out = Expected(labels=[Label("date", origin.date().isoformat(), "horizon start")])
        out.figures += [
            Figure(total, "kWh", "forecast total"),
            Figure(float(fc["usage_kwh"].max()), "kWh", "forecast peak 15-min"),
            Figure(cost, "KRW", "forecast cost"),
            Figure(total * self.tariff.ef_t_per_kwh, "tCO2", "forecast CO2"),
        ]
        return out

    # --- no figures -------------------------------------------------------------------------------
    def _x_no_data(self, spec: dict[str, Any]) -> Expected:
        if "span" in spec:
            days, _ = self.covered(spec["span"])
            if days:
                raise SpecError(f"{spec['span']} holds readings: not a no_data case")
        out = Expected(no_data=True)  # the grader checks the available span (first and last day)
        out.notes.append(f"available {self.first_day} .. {self.last_day}")
        return out

    def _x_decline(self, spec: dict[str, Any]) -> Expected:
        return Expected(decline=True)


def expected_for(ref: Reference, spec: dict[str, Any]) -> Expected:
    """One turn's expectation; the YAML gives a spec or a list of specs (all must hold)."""
    specs = spec if isinstance(spec, list) else [spec]
    merged = Expected()
    for one in specs:
        e = ref.expect(one)
        merged.figures += e.figures
        merged.labels += e.labels
        merged.spans += [s for s in e.spans if s not in merged.spans]
        merged.partial |= e.partial
        merged.no_data |= e.no_data
        merged.decline |= e.decline
        merged.no_saving_kwh |= e.no_saving_kwh
        merged.notes += e.notes
    return merged


SET_PATH = Path(__file__).resolve().parent / "questions.yaml"
LANGS = ("es", "en")


def load_cases(path: Path = SET_PATH) -> list[dict[str, Any]]:
    """The cases of a held-out set file, checked for shape (not for figures)."""
    doc = yaml.safe_load(Path(path).read_text("utf-8"))
    cases = doc["cases"]
    seen = set()
    for case in cases:
        cid = case.get("id")
        if not cid or cid in seen:
            raise SpecError(f"case id {cid!r} is missing or repeated")
        seen.add(cid)
        if case.get("lang") not in LANGS or not case.get("category") or not case.get("turns"):
            raise SpecError(f"{cid}: needs lang (es|en), category and turns")
        for i, turn in enumerate(case["turns"]):
            if not str(turn.get("q", "")).strip():
                raise SpecError(f"{cid} turn {i}: empty question")
            graded = turn.get("graded") or i == len(case["turns"]) - 1
            if graded and "expect" not in turn:
                raise SpecError(f"{cid} turn {i}: a graded turn needs an expect spec")
    return cases


__all__ = [
    "LANGS",
    "SET_PATH",
    "Expected",
    "Figure",
    "Label",
    "Reference",
    "SpecError",
    "Tariff",
    "expected_for",
    "find_csv",
    "load_cases",
    "load_readings",
]
