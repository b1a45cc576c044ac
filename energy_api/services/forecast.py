"""The champion's forecast: which history it reads, the origin rules, and the figures answers quote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from energy_api.registry import FORECAST, LoadedBundle, ModelNotLoadedError
from energy_api.services.errors import InputRuleError
from energy_assets.domain.data import schema
from energy_assets.domain.features.history import prepared
from energy_assets.domain.models.forecast.base import MEAN, quantile_column
from energy_assets.domain.models.forecast.nowcast import IntradayForecaster, NowcastForecaster

#: A week of 15-minute readings: the shortest history every forecaster can use.
MIN_HISTORY = 7 * schema.INTERVALS_PER_DAY
#: Quantiles quoted as the range of a forecast total.
LOW_Q, HIGH_Q = 0.1, 0.9


def served_history(service: Any, loaded: LoadedBundle) -> tuple[pd.DataFrame, str]:
    """The history a forecast reads when the request sends none: the serving readings, else the
    forecast bundle's own history.parquet."""
    served = service.registry.readings()
    if served is not None:
        return served.frame, "readings"
    if loaded.history is None:  # verify_bundle refuses such a bundle; kept as a server-side guard
        raise ModelNotLoadedError("the forecast champion has no history to forecast from; send `history`")
    return loaded.history, "bundle"


def request_history(rows: list[Any]) -> pd.DataFrame:
    """A request's history rows as a sorted frame; repeated timestamps are refused."""
    frame = pd.DataFrame([row.model_dump() for row in rows])
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    if frame[schema.TIMESTAMP].duplicated().any():
        raise InputRuleError("history.timestamp", "timestamps must be unique")
    return frame.sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True)


def run_forecast(
    loaded: LoadedBundle,
    history: pd.DataFrame,
    origin: pd.Timestamp | None,
    horizon: int,
    planned: pd.DataFrame | None = None,
    source: str = "bundle",
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The champion's forecast (:func:`run_sourced_forecast` without the sources)."""
    result, origin, _ = run_sourced_forecast(loaded, history, origin, horizon, planned, source)
    return result, origin


#: One block of a forecast: (model, first horizon, last horizon).
Source = tuple[str, int, int]


def forecast_sources(loaded: LoadedBundle, nowcast_steps: int, horizon: int) -> list[Source]:
    """Which model answered which horizons: the nowcast for the first ``nowcast_steps`` (the bundle
    card's intraday rule decided them), the champion's family for the rest."""
    blocks: list[Source] = []
    if nowcast_steps > 0:
        blocks.append((NowcastForecaster.name, 1, nowcast_steps))
    if nowcast_steps < horizon:
        blocks.append((loaded.family, nowcast_steps + 1, horizon))
    return blocks


def run_sourced_forecast(
    loaded: LoadedBundle,
    history: pd.DataFrame,
    origin: pd.Timestamp | None,
    horizon: int,
    planned: pd.DataFrame | None = None,
    source: str = "bundle",
) -> tuple[pd.DataFrame, pd.Timestamp, list[Source]]:
    """The champion's forecast and its sources; the origin must lie inside the history, a week after
    its start.

    Every forecaster here reads the same slot a week earlier, so less than a week of readings up to
    the origin is refused instead of answered from missing lags. A bundle with an intraday rule
    serves an :class:`IntradayForecaster` (built by ``load_bundle`` from its card): at an origin
    during the operating day its first hours come from the nowcast, which the sources say.
    """
    ready = prepared(history)  # a served history: its stamps sorted and searched, not scanned
    if ready is not None and (origin is None or pd.Timestamp(origin).tzinfo is None):
        first, last = ready.first, ready.last
    else:
        stamps = history[schema.TIMESTAMP].to_numpy()
        first, last, ready = pd.Timestamp(stamps.min()), pd.Timestamp(stamps.max()), None
    origin = last if origin is None else pd.Timestamp(origin)
    if not first <= origin <= last:
        raise InputRuleError("origin", f"must lie within the history, {first} to {last}")
    seen = ready.end(origin) if ready is not None else int(np.count_nonzero(stamps <= origin.to_datetime64()))
    if seen < MIN_HISTORY:
        raise InputRuleError(
            "history" if source == "request" else "origin",
            f"needs at least {MIN_HISTORY} intervals (7 days) of history up to the origin, got {seen}",
        )
    model = loaded.bundle.model
    try:
        if isinstance(model, IntradayForecaster):
            result, steps = model.predict_sourced(history, origin, horizon, future_covariates=planned)
        else:
            result, steps = model.predict(history, origin, horizon, future_covariates=planned), 0
    except ValueError as exc:
        if source != "request":  # the service's own history: its fault, answered 500 and logged
            raise RuntimeError(f"forecasting from the {source} history failed: {exc}") from exc
        raise InputRuleError("history", str(exc)) from exc
    values = [result[c].to_numpy(dtype=float) for c in result.columns if c != schema.TIMESTAMP]
    if not all(np.isfinite(v).all() for v in values):
        rule = "the forecast has gaps: the history lacks readings the model needs before the origin"
        if source != "request":
            raise RuntimeError(f"{rule} (the {source} history)")
        raise InputRuleError("history", rule)
    return result, origin, forecast_sources(loaded, steps, horizon)


#: Intervals of observed readings before the origin a /forecast answer carries (a day: the context).
RECENT_INTERVALS = 96


def _stamps(values: pd.Series) -> pd.DatetimeIndex:
    """Timestamps as an index, parsing only text: ``pd.to_datetime`` of a column that already holds
    datetimes still walks it to decide on caching (9 ms on a year of readings, measured)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or np.issubdtype(values.dtype, np.datetime64):
        return pd.DatetimeIndex(values)
    return pd.DatetimeIndex(pd.to_datetime(values))


def wall_datetimes(values: np.ndarray) -> list[datetime] | None:
    """Naive ``datetime64[ns]`` stamps as ``datetime`` objects by NumPy, or None (callers then use
    pandas) when one is NaT or not a whole microsecond (which ``datetime`` cannot hold).

    Why: ``to_pydatetime`` and ``Series.tolist`` (``pd.Timestamp``) cost ten times as much, and
    pydantic serialises a ``pd.Timestamp`` at twice the cost of a ``datetime`` (the same text)."""
    if values.dtype != np.dtype("datetime64[ns]"):
        return None
    ns = values.view(np.int64)
    if (ns == np.iinfo(np.int64).min).any() or (ns % 1000).any():
        return None
    return values.astype("datetime64[us]").tolist()


def _instant(stamp: pd.Timestamp) -> np.datetime64:
    """A timestamp as datetime64[ns] (UTC when aware), comparable with :func:`observed_readings`' index."""
    return (
        (stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp).as_unit("ns").to_datetime64()
    )


def observed_readings(
    history: pd.DataFrame, origin: pd.Timestamp, targets: pd.Series
) -> dict[str, tuple[list[datetime], np.ndarray]]:
    """:func:`observed_around` as columns: for ``recent`` and ``actuals``, their timestamps (as
    ``datetime``) and usage_kwh (what /forecast rounds column by column before it builds the rows)."""
    ready = prepared(history)
    if ready is not None:  # a served history: sorted naive stamps and usage, prepared at load
        tz, index, usage = None, ready.stamps, ready.usage
    else:
        parsed = _stamps(history[schema.TIMESTAMP])
        tz = parsed.tz  # searched as UTC instants when aware, given back in their zone
        index = parsed.as_unit("ns").asi8.view("datetime64[ns]")
        usage = history[schema.USAGE_KWH].to_numpy(dtype=float)
        if len(index) > 1 and not (index[1:] >= index[:-1]).all():  # served/request histories are sorted
            order = np.argsort(index, kind="stable")
            index, usage = index[order], usage[order]
    end = int(index.searchsorted(_instant(pd.Timestamp(origin)), side="right"))
    recent_idx = np.arange(max(0, end - RECENT_INTERVALS), end)
    wanted = _stamps(targets).as_unit("ns").asi8.view("datetime64[ns]")
    found = index.searchsorted(wanted)
    inside = found < len(index)
    found = found[inside][index[found[inside]] == wanted[inside]]
    actual_idx = np.unique(found[found >= end])

    def column(idx: np.ndarray) -> tuple[list[datetime], np.ndarray]:
        fast = wall_datetimes(index[idx]) if tz is None else None
        if fast is not None:
            return fast, usage[idx]
        moments = pd.DatetimeIndex(index[idx])
        moments = moments if tz is None else moments.tz_localize("UTC").tz_convert(tz)
        return moments.to_pydatetime().tolist(), usage[idx]

    return {"recent": column(recent_idx), "actuals": column(actual_idx)}


def observed_around(history: pd.DataFrame, origin: pd.Timestamp, targets: pd.Series) -> dict[str, list]:
    """What the readings hold around a forecast: the day before the origin (``recent``) and, for a past
    origin, the readings of the forecast's own target intervals (``actuals``; empty for the future).

    Why binary search: the served history is the whole of the readings (a year and more), and masks
    and a set look-up over it on every request cost twice the forecast itself (17.7 ms against 10.5 ms
    of model CPU on the 2018 year); a sorted history needs two ``searchsorted`` calls instead.
    """
    return {
        name: [{"timestamp": t, "usage_kwh": u} for t, u in zip(moments, values.tolist(), strict=True)]
        for name, (moments, values) in observed_readings(history, origin, targets).items()
    }


def forecast_figures(
    service: Any, origin: pd.Timestamp | None, horizon: int, keep_after: pd.Timestamp | None = None
) -> dict[str, Any]:
    """The champion's forecast from ``origin`` (default: the end of the readings) with the figures
    an answer states: horizon, total, peak interval, cost, CO2, 10-90 % range, model version.

    ``keep_after`` keeps only the intervals that end after it (a day after tomorrow: the forecast runs
    from the end of the readings, and the answer covers that day alone)."""
    loaded = service.registry.get(FORECAST)
    history, source = served_history(service, loaded)
    result, origin = run_forecast(loaded, history, origin, horizon, source=source)
    if keep_after is not None:
        result = result[result[schema.TIMESTAMP] > keep_after].reset_index(drop=True)
        horizon = len(result)
    ts = result[schema.TIMESTAMP]
    mean = result[MEAN].to_numpy(dtype=float)
    peak = int(mean.argmax())
    tf = service.tariff
    total = float(mean.sum())
    last = pd.Timestamp(history[schema.TIMESTAMP].max())
    start = origin if keep_after is None else max(origin, pd.Timestamp(keep_after))
    out: dict[str, Any] = {
        "origin": start.isoformat(),
        "model_origin": origin.isoformat(),
        "end": pd.Timestamp(ts.iloc[-1]).isoformat(),
        "horizon_intervals": horizon,
        "intervals": horizon,
        "horizon_hours": horizon / 4,
        "backtest": bool(origin < last),
        "history_source": source,
        "history_end": last.isoformat(),
        "total_kwh": total,
        "peak_kwh": float(mean[peak]),
        "peak_interval_end": pd.Timestamp(ts.iloc[peak]).isoformat(),
        "peak_interval_start": (pd.Timestamp(ts.iloc[peak]) - schema.INTERVAL).isoformat(),
        "cost_krw": float(tf.energy_cost_krw(ts, mean).sum()),
        "co2_t": float(tf.co2_t(total)),
        "model_version": loaded.model_version,
        "family": loaded.family,
    }
    quantiles = loaded.bundle.model.quantiles
    if LOW_Q in quantiles and HIGH_Q in quantiles:
        out["total_q10_kwh"] = float(result[quantile_column(LOW_Q)].sum())
        out["total_q90_kwh"] = float(result[quantile_column(HIGH_Q)].sum())
    return out
