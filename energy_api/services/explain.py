"""A day's peak interval: in plant terms first (against the typical profile of that weekday, load
type and tariff period, the hours above normal, reactive and apparent energy), then, as a secondary
view, the SHAP contributions of the champion estimator (how it computes kWh from the electrical
readings, not why the plant drew more)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from energy_api.registry import ESTIMATE, LoadedBundle, estimate_features
from energy_api.services.errors import InputRuleError
from energy_assets.domain.data import schema
from energy_assets.domain.reporting import peak as plant_peak

#: The label of the secondary (SHAP) view, wherever it is shown.
SHAP_VIEW = "How the estimator computes kWh from the electrical readings (not why the plant drew more)"
#: Hours above normal named in the facts (all of them are in ``hours_above_normal``).
FACT_HOURS = 5


def stamp(loaded: LoadedBundle) -> dict[str, Any]:
    return {
        "family": loaded.family,
        "model_version": loaded.model_version,
        "data_version": loaded.data_version,
    }


def explain_peak(service: Any, day: dt.date) -> dict[str, Any]:
    """The day's peak interval explained (cached per estimator version and day; cleared on reload).

    Raises :class:`InputRuleError` (404) when the served readings hold no interval of ``day``.
    """
    estimate = service.registry.get(ESTIMATE)
    key = (estimate.model_version, day.isoformat())
    cached = service.explanations.get(key)
    if cached is None:
        cached = _compute(service, day)
        service.explanations[key] = cached
    return cached


def _compute(service: Any, day: dt.date) -> dict[str, Any]:
    from energy_assets.domain.reporting import explain as shap_explain  # shap is heavy: imported on first use

    loaded = service.registry.get(ESTIMATE)
    table, cov = service.readings_table()
    rows = table.pandas_rows(day, day)
    if rows.empty:
        raise InputRuleError(
            "date",
            f"no readings for {day}; the readings cover {cov.first_day} to {cov.last_day}",
            404,
            "query",
        )
    names = list(loaded.bundle.feature_columns)
    X = estimate_features(rows, names, service.calendar)
    peak = int(rows[schema.USAGE_KWH].to_numpy().argmax())
    shap = shap_explain.shap_contributions(loaded.bundle.model, X.iloc[[peak]], X, feature_names=names)
    contrib = shap.iloc[0]
    contributions = sorted(
        (
            {"feature": n, "value": float(X.iloc[peak][n]), "contribution_kwh": float(contrib[n])}
            for n in names
        ),
        key=lambda c: -abs(c["contribution_kwh"]),
    )
    row = rows.iloc[peak]
    plant = plant_peak.peak_in_plant_terms(table.frame, day)
    ts = pd.Series([row[schema.TIMESTAMP]])
    tf = service.tariff
    period = str(tf.tariff_period(ts).iloc[0])
    price = float(tf.price_krw_per_kwh(ts).iloc[0])
    usage = float(row[schema.USAGE_KWH])
    day_mean = float(rows[schema.USAGE_KWH].mean())
    top = contributions[0]
    facts = [
        _peak_fact(plant, day_mean),
        f"Planned load_type {row[schema.LOAD_TYPE]}; billed in the '{period}' period at {price:.2f} KRW/kWh "
        f"({usage * price:,.0f} KRW for this interval, {tf.name}, illustrative prices).",
        _hours_fact(plant),
        _reactive_fact(plant, row),
        f"{SHAP_VIEW}: the {loaded.family} estimator puts it at {float(contrib['prediction']):.2f} kWh against "
        f"{float(contrib['base_value']):.2f} kWh for the day's average interval; {top['feature']} moves it "
        f"most ({top['contribution_kwh']:+.2f} kWh).",
    ]
    return {
        "date": day,
        "timestamp": row[schema.TIMESTAMP].to_pydatetime(),
        "weekday": plant.weekday,
        "peak_interval": _interval(plant),
        "usage_kwh": usage,
        "typical_usage_kwh": plant.typical_kwh,
        "excess_kwh": plant.excess_kwh,
        "reference_days": plant.reference_days,
        "day_total_kwh": float(rows[schema.USAGE_KWH].sum()),
        "day_mean_kwh": day_mean,
        "load_type": str(row[schema.LOAD_TYPE]),
        "tariff_period": period,
        "price_krw_per_kwh": price,
        "cost_krw": usage * price,
        "co2_tco2": float(row[schema.CO2_TCO2]),
        "lagging_reactive_kvarh": float(row[schema.LAGGING_REACTIVE_KVARH]),
        "leading_reactive_kvarh": float(row[schema.LEADING_REACTIVE_KVARH]),
        "typical_lagging_reactive_kvarh": plant.typical_lagging_reactive_kvarh,
        "apparent_kvah": plant.apparent_kvah,
        "lagging_power_factor": float(row[schema.LAGGING_POWER_FACTOR]),
        "leading_power_factor": float(row[schema.LEADING_POWER_FACTOR]),
        "hours_above_normal": [_hour(h) for h in plant.hours_above_normal],
        "hours": [_hour(h) for h in plant.hours],
        "estimate_kwh": float(contrib["prediction"]),
        "base_value_kwh": float(contrib["base_value"]),
        "contributions_view": SHAP_VIEW,
        "contributions": contributions,
        "facts": facts,
        "readings_source": cov.source,
        "model": stamp(loaded),
    }


def _interval(plant: plant_peak.PeakInPlantTerms) -> str:
    return f"{plant.peak_start:%H:%M}-{plant.peak_end:%H:%M}"


def _hour(h: plant_peak.HourAgainstTypical) -> dict[str, Any]:
    return {
        "hour": h.hour,
        "usage_kwh": h.usage_kwh,
        "typical_kwh": h.typical_kwh,
        "excess_kwh": h.excess_kwh,
    }


def _span(plant: plant_peak.PeakInPlantTerms) -> str:
    days = plant.reference_days
    n = len(days)
    plural = "s" if n > 1 else ""
    where = f"{days[0]}" if n == 1 else f"{days[0]} to {days[-1]}"
    return f"median of the {n} previous {plant.weekday}{plural}, {where}"


def _peak_fact(plant: plant_peak.PeakInPlantTerms, day_mean: float) -> str:
    head = f"The peak is the interval {_interval(plant)} on {plant.weekday} {plant.day}: {plant.usage_kwh:.2f} kWh"
    ratio = (
        f"; {plant.usage_kwh / day_mean:.1f} times the day's mean of {day_mean:.2f} kWh."
        if day_mean > 0
        else "."
    )
    if plant.typical_kwh is None:
        return (
            f"{head}; no earlier {plant.weekday} within {plant_peak.LOOKBACK_WEEKS} weeks holds a reading at that "
            f"time to compare with{ratio}"
        )
    excess = plant.excess_kwh or 0.0
    share = f" ({excess / plant.typical_kwh:+.0%})" if plant.typical_kwh > 0 else ""
    return (
        f"{head} against a typical {plant.typical_kwh:.2f} kWh at that time ({_span(plant)}): "
        f"{excess:+.2f} kWh{share}{ratio}"
    )


def _hours_fact(plant: plant_peak.PeakInPlantTerms) -> str:
    if not plant.reference_days:
        return "Hours above normal: no earlier day of the same weekday to compare the day's hours with."
    rule = (
        f"more than {plant_peak.ABOVE_NORMAL_SHARE:.0%} and {plant_peak.ABOVE_NORMAL_MIN_KWH:.0f} kWh over the "
        f"typical hour, {_span(plant)}"
    )
    above = plant.hours_above_normal
    if not above:
        return f"No hour ran above normal ({rule})."
    named = ", ".join(
        f"{h.hour:02d}:00-{(h.hour + 1) % 24:02d}:00 {h.excess_kwh:+.2f} kWh" for h in above[:FACT_HOURS]
    )
    total = sum(h.excess_kwh or 0.0 for h in above)
    more = f" (largest {FACT_HOURS} shown)" if len(above) > FACT_HOURS else ""
    return (
        f"{len(above)} hour{'s' if len(above) > 1 else ''} ran above normal ({rule}), "
        f"{total:+.2f} kWh together: {named}{more}."
    )


def _reactive_fact(plant: plant_peak.PeakInPlantTerms, row: pd.Series) -> str:
    typical = (
        f" (typical {plant.typical_lagging_reactive_kvarh:.2f} kVArh at that time)"
        if plant.typical_lagging_reactive_kvarh is not None
        else ""
    )
    return (
        f"At the peak: {plant.lagging_reactive_kvarh:.2f} kVArh of lagging reactive energy{typical} and "
        f"{plant.leading_reactive_kvarh:.2f} kVArh leading; apparent energy {plant.apparent_kvah:.2f} kVAh "
        f"(power triangle with the lagging side); power factor {row[schema.LAGGING_POWER_FACTOR]:.2f} % lagging, "
        f"{row[schema.LEADING_POWER_FACTOR]:.2f} % leading."
    )
