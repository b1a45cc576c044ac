"""What-if arithmetic over a span of the readings (no clock window needed), and recommendations.

- move_energy: E kWh from tariff period X to Y in a season, month or range, at that season's
  prices; a span across seasons splits E by its period-X energy per season.
- move_hours: N hours of period-X load = N x the span's mean energy per period-X hour (x the days
  that have period-X hours, "each day"), then as move_energy.
- cut_energy: E kWh not used saves E x price (named period and season, else the span's average
  price) and E / 1000 x the emission factor.
- power_factor: raise one side's power factor to T % over the span (the what-if engine's
  improve_power_factor): reactive energy before and after, apparent energy change, 0 kWh saved.
- recommend: the span's maximum-period energy, what moving all of it to the light period saves,
  and its energy-weighted lagging power factor.

The prices and the per-interval physics come from :mod:`energy_assets.domain.what_if`.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from energy_assets.domain import what_if
from energy_assets.domain.query.engine import coverage
from energy_assets.domain.query.spec import Season, Span, TariffPeriod
from energy_assets.domain.query.table import ReadingsTable


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioSpec(_Model):
    """One span-level what-if. ``span`` defaults to the whole readings; ``season`` fixes the prices."""

    kind: Literal["move_energy", "move_hours", "cut_energy", "power_factor"]
    kwh: float | None = Field(None, gt=0, le=1e9, allow_inf_nan=False, description="Energy moved or cut.")
    hours: float | None = Field(None, gt=0, le=8784, allow_inf_nan=False, description="move_hours: hours.")
    from_period: TariffPeriod | None = None
    to_period: TariffPeriod | None = None
    period: TariffPeriod | None = Field(None, description="cut_energy: the period whose price applies.")
    season: Season | None = Field(
        None,
        description="move_energy, cut_energy: the prices of this season; move_hours: only this season's days "
        "of the span.",
    )
    span: Span | None = None
    each_day: bool = Field(False, description="move_hours: the hours are moved on every day of the span.")
    target_pf_pct: float | None = Field(None, gt=0, le=100, allow_inf_nan=False)
    side: Literal["lagging", "leading"] = "lagging"

    @model_validator(mode="after")
    def _needs(self) -> ScenarioSpec:
        need = {
            "move_energy": ("kwh", "from_period", "to_period"),
            "move_hours": ("hours", "from_period", "to_period"),
            "cut_energy": ("kwh",),
            "power_factor": ("target_pf_pct",),
        }[self.kind]
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.kind} needs {', '.join(missing)}")
        if self.from_period is not None and self.from_period == self.to_period:
            raise ValueError("from_period and to_period must differ")
        return self


def _span(table: ReadingsTable, span: Span | None) -> tuple[Span, bool]:
    if span is not None:
        return span, False
    cov = table.coverage
    return Span(start=cov.first_day, end=cov.last_day), True


def _period_energy(frame: pl.DataFrame, period: str) -> dict[str, float]:
    part = frame.filter(pl.col("tariff_period") == period)
    sums = part.group_by("season").agg(pl.col("usage_kwh").sum())
    return {str(s): float(v) for s, v in sums.iter_rows() if v > 0}


def _weights(energy: dict[str, float]) -> dict[str, float]:
    total = sum(energy.values())
    return {s: v / total for s, v in energy.items()}


class NoData(ValueError):
    """The span holds no readings (the answer names what is available)."""


def run(table: ReadingsTable, spec: ScenarioSpec) -> dict[str, Any]:
    """The scenario's figures, assumptions and coverage (``coverage`` is None when prices alone
    decide: a named season with an explicit energy)."""
    tf = table.tariff
    out: dict[str, Any] = {"kind": spec.kind, "emission_factor_tco2_per_mwh": tf.emission_factor_tco2_per_mwh}
    prices_only = spec.season is not None and spec.kind in ("move_energy", "cut_energy")
    if spec.kind == "cut_energy" and spec.period is not None and spec.season is None and spec.span is None:
        prices_only = False
    span, whole = _span(table, spec.span)
    cov = None if prices_only else coverage(table, span)
    out["coverage"] = cov
    out["whole_data"] = whole and not prices_only
    if cov is not None and cov["no_data"]:
        out["no_data"] = True
        return out
    frame = None if prices_only else table.rows(span.start, span.end)
    if spec.kind == "move_energy":
        assert spec.kwh is not None and spec.from_period and spec.to_period
        if spec.season is not None:
            weights = {spec.season: 1.0}
        else:
            assert frame is not None
            energy = _period_energy(frame, spec.from_period)
            if not energy:
                raise ValueError(f"the span has no {spec.from_period}-period energy to move")
            weights = _weights(energy)
        out.update(what_if.move_energy(spec.kwh, spec.from_period, spec.to_period, weights, tf))
    elif spec.kind == "move_hours":
        assert spec.hours is not None and spec.from_period and spec.to_period and frame is not None
        if spec.season is not None:
            frame = frame.filter(pl.col("season") == spec.season)
        part = frame.filter(pl.col("tariff_period") == spec.from_period)
        if part.height == 0:
            raise ValueError(f"the span has no {spec.from_period}-period hours")
        per_hour = float(part["usage_kwh"].sum()) / (part.height * 0.25)
        days = int(part["day"].n_unique())
        energy_moved = spec.hours * per_hour * (days if spec.each_day else 1)
        weights = _weights(_period_energy(frame, spec.from_period))
        out.update(what_if.move_energy(energy_moved, spec.from_period, spec.to_period, weights, tf))
        out.update({"kwh_per_hour": per_hour, "hours": spec.hours, "days_with_period": days})
    elif spec.kind == "cut_energy":
        assert spec.kwh is not None
        if spec.period is not None:
            if spec.season is not None:
                price = what_if.period_price(tf, spec.season, spec.period)
                out["price_basis"] = {"period": spec.period, "season": spec.season}
            else:
                assert frame is not None
                energy = _period_energy(frame, spec.period)
                if not energy:
                    raise ValueError(f"the span has no {spec.period}-period energy")
                weights = _weights(energy)
                price = sum(w * what_if.period_price(tf, s, spec.period) for s, w in weights.items())
                out["price_basis"] = {"period": spec.period, "seasons": weights}
        else:
            assert frame is not None
            kwh = float(frame["usage_kwh"].sum())
            price = float(frame["cost_krw"].sum()) / kwh if kwh > 0 else 0.0
            out["price_basis"] = {"average_of_span": True, "span_kwh": kwh}
        out.update(what_if.cut_energy(spec.kwh, price, tf))
    else:
        assert spec.target_pf_pct is not None
        rows = table.pandas_rows(span.start, span.end)
        window = what_if.TimeWindow(pd.Timestamp(span.start), pd.Timestamp(span.end) + pd.Timedelta(days=1))
        result = what_if.improve_power_factor(rows, window, spec.target_pf_pct, spec.side, tf)
        base, scen = result.baseline, result.scenario
        assert base.reactive_kvarh is not None and scen.reactive_kvarh is not None
        assert base.apparent_kvah is not None and scen.apparent_kvah is not None
        out.update(
            {
                "side": spec.side,
                "target_pf_pct": spec.target_pf_pct,
                "reactive_before_kvarh": base.reactive_kvarh,
                "reactive_after_kvarh": scen.reactive_kvarh,
                "reactive_change_kvarh": scen.reactive_kvarh - base.reactive_kvarh,
                "apparent_before_kvah": base.apparent_kvah,
                "apparent_after_kvah": scen.apparent_kvah,
                "apparent_change_kvah": scen.apparent_kvah - base.apparent_kvah,
                "energy_kwh": base.energy_kwh,
                "delta_kwh": scen.energy_kwh - base.energy_kwh,
                "delta_cost_krw": scen.cost_krw - base.cost_krw,
                "delta_co2_t": scen.co2_t - base.co2_t,
                "intervals": result.intervals,
                "intervals_improved": result.details["intervals_improved"],
                "surcharge_configured": tf.power_factor_surcharge is not None,
            }
        )
    return out


def recommend(table: ReadingsTable, span: Span) -> dict[str, Any]:
    """Maximum-period energy of the span, the saving of moving all of it to light, and the power factor."""
    tf = table.tariff
    cov = coverage(table, span)
    out: dict[str, Any] = {"coverage": cov, "emission_factor_tco2_per_mwh": tf.emission_factor_tco2_per_mwh}
    if cov["no_data"]:
        out["no_data"] = True
        return out
    frame = table.rows(span.start, span.end)
    energy = _period_energy(frame, "maximum")
    total = sum(energy.values())
    saving = sum(
        e * (what_if.period_price(tf, s, "maximum") - what_if.period_price(tf, s, "light"))
        for s, e in energy.items()
    )
    p = float(frame["usage_kwh"].sum())
    q = float(frame["lagging_reactive_kvarh"].sum())
    out.update(
        {
            "maximum_kwh": total,
            "shift_saving_krw": float(saving),
            "seasons": {
                s: {
                    "maximum_kwh": e,
                    "maximum_price_krw_per_kwh": what_if.period_price(tf, s, "maximum"),
                    "light_price_krw_per_kwh": what_if.period_price(tf, s, "light"),
                }
                for s, e in energy.items()
            },
            "lagging_pf": 100.0 * p / (p**2 + q**2) ** 0.5 if p > 0 else 0.0,
            "usage_kwh": p,
            "lagging_reactive_kvarh": q,
        }
    )
    return out


__all__ = ["NoData", "ScenarioSpec", "recommend", "run"]
