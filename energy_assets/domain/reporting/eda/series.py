"""The series' structure: seasonal decomposition (MSTL) and autocorrelation.

Seasonal decomposition: MSTL (statsmodels) on the HOURLY sums of ``usage_kwh`` with daily (24) and weekly
(168) periods. The 15-minute series has the same seasonality; hourly sums keep the weekly period short
enough that MSTL's LOESS passes stay well under a second on a full year. Seasonal strength follows
Wang, Smith & Hyndman (2006): ``max(0, 1 - Var(remainder) / Var(seasonal + remainder))``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import MSTL
from statsmodels.tsa.stattools import acf, levinson_durbin

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.reporting.eda.result import EdaResult, output_folder, save_figure

HOURS_PER_DAY = 24
HOURS_PER_WEEK = 24 * 7
INTERVALS_PER_DAY = schema.INTERVALS_PER_DAY
INTERVALS_PER_WEEK = 7 * INTERVALS_PER_DAY


def hourly_usage(clean: pd.DataFrame) -> pd.Series:
    """kWh per clock hour, indexed by the hour's start (four 15-min intervals each)."""
    start = calendar.interval_start_series(clean[schema.TIMESTAMP])
    return clean[schema.USAGE_KWH].groupby(start.dt.floor("h").to_numpy()).sum().asfreq("h", fill_value=0.0)


def seasonal_strength(seasonal: np.ndarray, remainder: np.ndarray) -> float:
    """Wang-Smith-Hyndman strength in [0, 1]: share of (seasonal + remainder) variance that is seasonal."""
    denominator = np.var(seasonal + remainder)
    if denominator == 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(remainder) / denominator))


def seasonal_decomposition(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """MSTL on hourly kWh with daily and weekly periods; strength of each seasonality and of the trend."""
    out = output_folder(folder)
    series = hourly_usage(clean)
    fit = MSTL(series, periods=(HOURS_PER_DAY, HOURS_PER_WEEK), iterate=2).fit()
    seasonal = fit.seasonal
    daily = seasonal.iloc[:, 0].to_numpy()
    weekly = seasonal.iloc[:, 1].to_numpy()
    remainder = fit.resid.to_numpy()
    trend = fit.trend.to_numpy()
    numbers = {
        "daily_seasonal_strength": seasonal_strength(daily, remainder),
        "weekly_seasonal_strength": seasonal_strength(weekly, remainder),
        "trend_strength": seasonal_strength(trend, remainder),
        "daily_amplitude_kwh": float(np.ptp(daily[-HOURS_PER_WEEK:])),
        "weekly_amplitude_kwh": float(np.ptp(weekly[-HOURS_PER_WEEK:])),
        "hours": float(len(series)),
    }
    fig, axes = plt.subplots(4, 1, figsize=(11, 8), sharex=True)
    for ax, (label, values) in zip(
        axes,
        [
            ("hourly kWh", series.to_numpy()),
            ("trend", trend),
            ("daily + weekly seasonal", daily + weekly),
            ("remainder", remainder),
        ],
        strict=True,
    ):
        ax.plot(series.index, values, linewidth=0.4)
        ax.set_ylabel(label)
    axes[0].set_title("MSTL decomposition (periods 24 h and 168 h)")
    zoom, zax = plt.subplots(2, 1, figsize=(8, 4))
    zax[0].plot(range(HOURS_PER_DAY), daily[:HOURS_PER_DAY])
    zax[0].set_title("daily component, first day")
    zax[1].plot(range(HOURS_PER_WEEK), weekly[:HOURS_PER_WEEK])
    zax[1].set_title("weekly component, first week")
    findings = [
        f"MSTL on {len(series):,} hourly sums: daily seasonal strength {numbers['daily_seasonal_strength']:.2f}, "
        f"weekly {numbers['weekly_seasonal_strength']:.2f}, trend {numbers['trend_strength']:.2f} (0 none, 1 all).",
        f"The daily cycle swings {numbers['daily_amplitude_kwh']:.0f} kWh per hour peak to trough, the weekly "
        f"one {numbers['weekly_amplitude_kwh']:.0f} kWh (last week of the year).",
    ]
    figures = [save_figure(fig, out, "stl_decomposition"), save_figure(zoom, out, "stl_seasonal_components")]
    return EdaResult("seasonal_decomposition", figures, numbers, findings)


def autocorrelation(clean: pd.DataFrame, folder: Path | None = None, pacf_lags: int = 200) -> EdaResult:
    """ACF over one week of 15-minute lags and PACF over ``pacf_lags``: which lags carry the signal."""
    out = output_folder(folder)
    usage = clean[schema.USAGE_KWH].to_numpy(float)
    acf_values = acf(usage, nlags=INTERVALS_PER_WEEK, fft=True)
    # Yule-Walker PACF (statsmodels' "ywm") through Levinson-Durbin on the FFT autocorrelations: the
    # same numbers as pacf(method="ywm") to 1e-14, without its O(n x lags) direct autocovariances.
    pacf_values = levinson_durbin(acf_values[: pacf_lags + 1], pacf_lags, isacov=True)[2]
    band = 1.96 / np.sqrt(len(usage))
    fig, axes = plt.subplots(2, 1, figsize=(11, 5))
    axes[0].bar(range(len(acf_values)), acf_values, width=1.0)
    axes[0].axhline(band, color="grey", linestyle="--")
    axes[0].axhline(-band, color="grey", linestyle="--")
    axes[0].set_title("ACF, 15-minute lags up to one week")
    axes[1].bar(range(len(pacf_values)), pacf_values, width=1.0, color="#5a9e6f")
    axes[1].axhline(band, color="grey", linestyle="--")
    axes[1].axhline(-band, color="grey", linestyle="--")
    axes[1].set_title(f"PACF, up to {pacf_lags} lags")
    significant = int((np.abs(pacf_values[1:]) > band).sum())
    top = np.argsort(-np.abs(pacf_values[2:]))[:3] + 2
    numbers = {
        "acf_lag_1": float(acf_values[1]),
        "acf_lag_1_day": float(acf_values[INTERVALS_PER_DAY]),
        "acf_lag_1_week": float(acf_values[INTERVALS_PER_WEEK]),
        "pacf_lag_1": float(pacf_values[1]),
        "pacf_significant_lags": float(significant),
    }
    findings = [
        f"Autocorrelation: lag 1 (15 min) {numbers['acf_lag_1']:.2f}, one day (96) "
        f"{numbers['acf_lag_1_day']:.2f}, one week (672) {numbers['acf_lag_1_week']:.2f}.",
        f"{significant} of {pacf_lags} partial autocorrelations exceed the 95 % band; the largest beyond lag 1 "
        f"are at lags {', '.join(str(int(k)) for k in top)}.",
    ]
    return EdaResult("autocorrelation", [save_figure(fig, out, "acf_pacf")], numbers, findings)
