"""What drove a day's peak interval: SHAP contributions of the champion estimator and plain facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from energy_api.registry import ESTIMATE, LoadedBundle, estimate_features
from energy_api.services.errors import InputRuleError
from energy_assets.domain import calendar
from energy_assets.domain.data import schema


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
    ts = pd.Series([row[schema.TIMESTAMP]])
    tf = service.tariff
    period = str(tf.tariff_period(ts).iloc[0])
    price = float(tf.price_krw_per_kwh(ts).iloc[0])
    usage = float(row[schema.USAGE_KWH])
    day_mean = float(rows[schema.USAGE_KWH].mean())
    start = calendar.interval_start(row[schema.TIMESTAMP])
    top = contributions[0]
    facts = [
        f"The peak is the interval {start:%H:%M}-{row[schema.TIMESTAMP]:%H:%M}: {usage:.2f} kWh, "
        f"{usage / day_mean:.1f} times the day's mean of {day_mean:.2f} kWh."
        if day_mean > 0
        else f"The peak is the interval {start:%H:%M}-{row[schema.TIMESTAMP]:%H:%M}: {usage:.2f} kWh.",
        f"Planned load_type {row[schema.LOAD_TYPE]}; billed in the '{period}' period at {price:.2f} KRW/kWh "
        f"({usage * price:,.0f} KRW for this interval, {tf.name}, illustrative prices).",
        f"Power factor {row[schema.LAGGING_POWER_FACTOR]:.2f} % lagging with "
        f"{row[schema.LAGGING_REACTIVE_KVARH]:.2f} kVarh of lagging reactive energy; "
        f"{row[schema.LEADING_POWER_FACTOR]:.2f} % leading with {row[schema.LEADING_REACTIVE_KVARH]:.2f} kVarh.",
        f"The {loaded.family} estimator puts it at {float(contrib['prediction']):.2f} kWh against "
        f"{float(contrib['base_value']):.2f} kWh for the day's average interval; {top['feature']} moves it "
        f"most ({top['contribution_kwh']:+.2f} kWh).",
    ]
    return {
        "date": day,
        "timestamp": row[schema.TIMESTAMP].to_pydatetime(),
        "usage_kwh": usage,
        "day_total_kwh": float(rows[schema.USAGE_KWH].sum()),
        "day_mean_kwh": day_mean,
        "load_type": str(row[schema.LOAD_TYPE]),
        "tariff_period": period,
        "price_krw_per_kwh": price,
        "cost_krw": usage * price,
        "co2_tco2": float(row[schema.CO2_TCO2]),
        "lagging_reactive_kvarh": float(row[schema.LAGGING_REACTIVE_KVARH]),
        "leading_reactive_kvarh": float(row[schema.LEADING_REACTIVE_KVARH]),
        "lagging_power_factor": float(row[schema.LAGGING_POWER_FACTOR]),
        "leading_power_factor": float(row[schema.LEADING_POWER_FACTOR]),
        "estimate_kwh": float(contrib["prediction"]),
        "base_value_kwh": float(contrib["base_value"]),
        "contributions": contributions,
        "facts": facts,
        "readings_source": cov.source,
        "model": stamp(loaded),
    }
