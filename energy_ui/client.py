"""The app's only road to the models: small HTTP calls to the API, with messages an operator can act on.

The UI never loads a model. Read-only answers are cached for :data:`CACHE_TTL_S` seconds so a page
re-run (every widget click) does not hit the API again; what-if and copilot calls are never cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pandas as pd
import streamlit as st

from energy_assets.domain.data import schema
from energy_ui.settings import settings

#: Seconds a read-only answer is reused (champions reload in the background every 30 s).
CACHE_TTL_S = 30
TIMEOUT_S = 60.0
#: Days the Overview page summarises by default, and at most (each day is a few API calls).
OVERVIEW_DAYS = 7
MAX_OVERVIEW_DAYS = 31


class ApiError(RuntimeError):
    """An answer the page shows instead of a result; ``status`` is None when nothing answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ApiUnavailable(ApiError):
    """Nothing answers at the configured URL (API not started, wrong port)."""


class ApiRejected(ApiError):
    """422: the request broke an input rule; ``problems`` are "field: rule" lines."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("The API refused the input: " + "; ".join(problems), 422)
        self.problems = problems


class ApiNotFound(ApiError):
    """404: no such endpoint on this API version, or no data for what was asked."""


def api_url() -> str:
    """Base URL of the API (``ENERGY_API_URL``, read on every call so tests can point elsewhere)."""
    return settings().api_url


def _problems(body: Any) -> list[str]:
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):
        out = []
        for item in detail:
            if isinstance(item, dict):
                field = item.get("field") or ".".join(str(p) for p in item.get("loc", []) if p != "body")
                out.append(f"{field or 'request'}: {item.get('msg') or item.get('rule')}")
            else:
                out.append(str(item))
        return out or ["invalid request"]
    return [str(detail)]


def call(method: str, path: str, base_url: str | None = None, **kwargs: Any) -> Any:
    """One request; JSON back, or an :class:`ApiError` that says what to do about it."""
    url = (base_url or api_url()) + path
    try:
        response = httpx.request(method, url, timeout=TIMEOUT_S, **kwargs)
    except httpx.TimeoutException as exc:
        raise ApiUnavailable(f"The API at {url} did not answer within {TIMEOUT_S:g} s ({exc}).") from exc
    except httpx.HTTPError as exc:
        raise ApiUnavailable(
            f"Cannot reach the API at {base_url or api_url()} ({type(exc).__name__}). Start it with "
            "`uvicorn energy_api.main:app` (or `make serve`) or set ENERGY_API_URL."
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {"detail": response.text}
    if response.status_code == 422:
        raise ApiRejected(_problems(body))
    if response.status_code == 404:
        raise ApiNotFound(f"{path}: {'; '.join(_problems(body))}", 404)
    if response.status_code >= 400:
        raise ApiError(
            f"The API answered {response.status_code} on {path}: {'; '.join(_problems(body))}",
            response.status_code,
        )
    return body


# --- read-only calls (cached; the base URL is part of the key) ------------------------------------
@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def health(base_url: str) -> dict[str, Any]:
    return call("GET", "/health", base_url)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def model_info(base_url: str) -> dict[str, Any]:
    return call("GET", "/model/info", base_url)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def model_metrics(base_url: str) -> dict[str, Any]:
    return call("GET", "/model/metrics", base_url)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def forecast(base_url: str, origin: str | None, horizon: int) -> dict[str, Any]:
    body: dict[str, Any] = {"horizon": horizon}
    if origin:
        body["origin"] = origin
    return call("POST", "/forecast", base_url, json=body)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def tariff_periods(base_url: str, day: str) -> dict[str, Any]:
    """GET /tariff/periods: the day's runs of one billing period under the API's tariff."""
    return call("GET", "/tariff/periods", base_url, params={"date": day})


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def explain_peak(base_url: str, day: str) -> dict[str, Any]:
    return call("GET", "/explain/peak", base_url, params={"date": day})


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def window_energy(base_url: str, day: str, start_hour: int, end_hour: int) -> float:
    """kWh the served readings hold in a clock window of ``day`` (the baseline of a /scenarios call)."""
    body = {
        "kind": "improve_power_factor",
        "window": window(date.fromisoformat(day), start_hour, end_hour),
        "target_pf_pct": 100,
    }
    return float(call("POST", "/scenarios", base_url, json=body)["baseline"]["energy_kwh"])


#: Share of a window's energy the What-if page offers to move by default (a window holds what it moves).
DEFAULT_SHIFT_SHARE = 0.5


def default_shift_kwh(window_kwh: float) -> float:
    """Half the window's energy, rounded down to 10 kWh (to 0.1 kWh below 20 kWh); 0 for an idle window."""
    half = DEFAULT_SHIFT_SHARE * max(window_kwh, 0.0)
    return float(int(half // 10) * 10) if half >= 20 else float(int(half * 10) / 10)


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def data_quality(base_url: str, limit: int = 500) -> dict[str, Any]:
    """GET /data/quality: the cleaning run's report, scorecard, quarantine and repairs."""
    return call("GET", "/data/quality", base_url, params={"limit": limit})


# --- actions (never cached) -----------------------------------------------------------------------
def scenario(base_url: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /scenarios: baseline, scenario and delta totals with the assumptions."""
    return call("POST", "/scenarios", base_url, json=body)


def copilot_chat(base_url: str, message: str, session_id: str | None = None) -> dict[str, Any]:
    """POST /copilot/chat: ``{answer, language, tool_calls: [{name, arguments, result}], session_id}``."""
    body: dict[str, Any] = {"message": message}
    if session_id:
        body["session_id"] = session_id
    return call("POST", "/copilot/chat", base_url, json=body)


# --- what the pages need, shaped from the answers -------------------------------------------------
@dataclass(frozen=True)
class HistorySpan:
    """The readings the forecast champion ships: first and last interval END."""

    first: datetime
    last: datetime

    @property
    def first_origin(self) -> datetime:
        """Earliest forecast origin: a week of readings must precede it."""
        return self.first + timedelta(days=7) - schema.INTERVAL

    def last_full_day(self) -> date:
        """Last plant day whose 96 intervals are all in the readings."""
        return (self.last - timedelta(days=1)).date()

    def last_weekday(self) -> date:
        """Last complete weekday of the readings (weekends are all light-load: dull what-ifs)."""
        day = (self.last - timedelta(days=1)).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day


def history_span(info: dict[str, Any]) -> HistorySpan:
    """From /model/info: the forecast bundle's history rows and last timestamp."""
    fc = info.get("forecast") or {}
    if not fc.get("history_end") or not fc.get("history_rows"):
        raise ApiError("The forecast champion ships no history: forecasts need a history in the request.")
    last = pd.Timestamp(fc["history_end"]).to_pydatetime()
    first = last - (int(fc["history_rows"]) - 1) * schema.INTERVAL
    return HistorySpan(first=first, last=last)


def window(day: date, start_hour: int, end_hour: int) -> dict[str, str]:
    """A clock window on ``day``; an end at or before the start means the next day (23:00-01:00)."""
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=start_hour)
    end = datetime.combine(day, datetime.min.time()) + timedelta(hours=end_hour)
    if end <= start:
        end += timedelta(days=1)
    return {"start": start.isoformat(), "end": end.isoformat()}


def forecast_frame(answer: dict[str, Any]) -> pd.DataFrame:
    """One row per forecast interval: timestamp, mean and each quantile column (q10, q50, q90...)."""
    rows = [{schema.TIMESTAMP: p["timestamp"], "mean": p["mean"], **p["quantiles"]} for p in answer["points"]]
    frame = pd.DataFrame(rows)
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    return frame


def observed_frame(answer: dict[str, Any], part: str) -> pd.DataFrame:
    """``recent`` (readings before the origin) or ``actuals`` (readings of the forecast intervals) of a
    /forecast answer as (timestamp, usage_kwh); empty when the API sends none."""
    frame = pd.DataFrame(answer.get(part) or [], columns=[schema.TIMESTAMP, schema.USAGE_KWH])
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    return frame


def forecast_vs_actual(answer: dict[str, Any]) -> pd.DataFrame:
    """Forecast intervals that have an actual reading: timestamp, q10/q50/q90 (or mean), actual, error
    (actual - point forecast, kWh) and whether the actual lies inside the 10-90 % band."""
    frame = forecast_frame(answer)
    actual = observed_frame(answer, "actuals").rename(columns={schema.USAGE_KWH: "actual_kwh"})
    joined = frame.merge(actual, on=schema.TIMESTAMP, how="inner")
    point = "q50" if "q50" in joined else "mean"
    joined["error_kwh"] = joined["actual_kwh"] - joined[point]
    if {"q10", "q90"} <= set(joined):
        joined["inside_band"] = (joined["actual_kwh"] >= joined["q10"]) & (
            joined["actual_kwh"] <= joined["q90"]
        )
    return joined


def totals_frame(answer: dict[str, Any]) -> pd.DataFrame:
    """Baseline, scenario and delta of a /scenarios answer as a table (rows: kWh, KRW, tCO2...)."""
    labels = {
        "energy_kwh": "energy (kWh)",
        "energy_charge_krw": "energy charge (KRW)",
        "power_factor_surcharge_krw": "power-factor surcharge (KRW)",
        "cost_krw": "cost (KRW)",
        "co2_t": "CO2 (t)",
        "reactive_kvarh": "reactive energy (kVarh)",
        "apparent_kvah": "apparent energy (kVAh)",
        "peak_apparent_kva": "peak 15-minute apparent demand (kVA)",
    }
    rows = []
    for key, label in labels.items():
        values = [answer[part].get(key) for part in ("baseline", "scenario", "delta")]
        if all(v is None for v in values):
            continue
        rows.append({"quantity": label, "baseline": values[0], "scenario": values[1], "delta": values[2]})
    return pd.DataFrame(rows)


def _period_windows(base_url: str, day: date) -> list[tuple[str, datetime, datetime]]:
    """The day's contiguous runs of one KEPCO period: (period, start, end), from the API's tariff."""
    answer = tariff_periods(base_url, day.isoformat())
    return [
        (run["tariff_period"], datetime.fromisoformat(run["start"]), datetime.fromisoformat(run["end"]))
        for run in answer["runs"]
    ]


@st.cache_data(ttl=CACHE_TTL_S, show_spinner=False)
def week_overview(base_url: str, last_day: str, first_day: str | None = None) -> dict[str, Any]:
    """The days ``first_day`` .. ``last_day`` (default: the :data:`OVERVIEW_DAYS` days up to
    ``last_day``), all figures priced by the API.

    Per day: /scenarios improve_power_factor over the day returns the day's kWh, cost, CO2, reactive
    and apparent energy (its baseline); per tariff period: the same call over each run of one period
    (the period is checked against the API's own count); the peak: /explain/peak per day.
    """
    end = date.fromisoformat(last_day)
    first = date.fromisoformat(first_day) if first_day else end - timedelta(days=OVERVIEW_DAYS - 1)
    if not first <= end or (end - first).days >= MAX_OVERVIEW_DAYS:
        raise ApiError(f"date range: from {first} to {end} must be 1 to {MAX_OVERVIEW_DAYS} days in order")
    days = [first + timedelta(days=n) for n in range((end - first).days + 1)]
    daily, by_period, peaks = (
        [],
        {p: {"energy_kwh": 0.0, "cost_krw": 0.0, "co2_t": 0.0} for p in schema.TARIFF_PERIODS},
        [],
    )
    for day in days:
        whole = {
            "start": f"{day.isoformat()}T00:00:00",
            "end": f"{(day + timedelta(days=1)).isoformat()}T00:00:00",
        }
        answer = scenario(base_url, {"kind": "improve_power_factor", "window": whole, "target_pf_pct": 100})
        base = answer["baseline"]
        apparent = base.get("apparent_kvah") or 0.0
        daily.append(
            {
                "day": day,
                "energy_kwh": base["energy_kwh"],
                "cost_krw": base["cost_krw"],
                "co2_t": base["co2_t"],
                "power_factor_pct": 100.0 * base["energy_kwh"] / apparent if apparent > 0 else None,
            }
        )
        for period, start, stop in _period_windows(base_url, day):
            part = scenario(
                base_url,
                {
                    "kind": "change_load_type",
                    "window": {"start": start.isoformat(), "end": stop.isoformat()},
                    "to": period,
                },
            )
            counted = part["details"].get("baseline_periods", {})
            label = period if set(counted) <= {period} else max(counted, key=counted.get)
            for key in ("energy_kwh", "cost_krw", "co2_t"):
                by_period[label][key] += part["baseline"][key]
        peaks.append(explain_peak(base_url, day.isoformat()))
    peak = max(peaks, key=lambda p: p["usage_kwh"])
    return {
        "daily": pd.DataFrame(daily),
        "by_period": pd.DataFrame([{"tariff_period": p, **v} for p, v in by_period.items()]),
        "peak": peak,
        "peaks": pd.DataFrame(
            [
                {
                    "day": p["date"],
                    "peak_end": p["timestamp"],
                    "usage_kwh": p["usage_kwh"],
                    "tariff_period": p["tariff_period"],
                    "lagging_power_factor": p["lagging_power_factor"],
                }
                for p in peaks
            ]
        ),
    }
