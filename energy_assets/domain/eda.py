"""Exploratory analysis that re-runs with the data: figures as PNG files and findings computed from numbers.

Every function takes the cleaned frame (or the feature table / the cleaning report), writes its figures
under ``figures_dir`` (default ``<data dir>/reports/figures``) and returns an :class:`EdaResult`: the
figure paths, the numbers it measured and findings sentences formatted from those numbers only. Nothing
here is hand-typed prose about the data, so a new year of readings changes the text with the figures.

Seasonal decomposition: MSTL (statsmodels) on the HOURLY sums of ``usage_kwh`` with daily (24) and weekly
(168) periods. The 15-minute series has the same seasonality; hourly sums keep the weekly period short
enough that MSTL's LOESS passes stay well under a second on a full year. Seasonal strength follows
Wang, Smith & Hyndman (2006): ``max(0, 1 - Var(remainder) / Var(seasonal + remainder))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.feature_selection import mutual_info_regression
from statsmodels.tsa.seasonal import MSTL
from statsmodels.tsa.stattools import acf, levinson_durbin

from energy_assets.domain import features, paths, schema, tariff

#: Numeric readings of the cleaned frame, in schema order.
NUMERIC_COLUMNS: tuple[str, ...] = (
    schema.USAGE_KWH,
    schema.LAGGING_REACTIVE_KVARH,
    schema.LEADING_REACTIVE_KVARH,
    schema.CO2_TCO2,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_POWER_FACTOR,
    schema.NSM,
)
HOURS_PER_DAY = 24
HOURS_PER_WEEK = 24 * 7
INTERVALS_PER_DAY = schema.INTERVALS_PER_DAY
INTERVALS_PER_WEEK = 7 * INTERVALS_PER_DAY
#: Rows sampled for mutual information (k-NN estimator: quadratic-ish cost, stable well before 35k rows).
MI_SAMPLE_ROWS = 6000
DEFAULT_SEED = 42
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class EdaResult:
    """One analysis: its figures, the numbers behind them, findings worded from those numbers."""

    name: str
    figures: list[Path]
    numbers: dict[str, float]
    findings: list[str]
    table: pd.DataFrame | None = field(default=None)

    def findings_markdown(self) -> str:
        return "\n".join(f"- {line}" for line in self.findings)

    def summary_frame(self) -> pd.DataFrame:
        """Numbers and findings as rows (``name``, ``value``, ``text``): what the warehouse stores."""
        rows = [(k, float(v), "") for k, v in self.numbers.items()]
        rows += [(f"finding_{i + 1}", float("nan"), text) for i, text in enumerate(self.findings)]
        return pd.DataFrame(rows, columns=["name", "value", "text"])


def figures_dir() -> Path:
    return paths.reports_dir() / "figures"


def _folder(folder: Path | None) -> Path:
    out = Path(folder) if folder is not None else figures_dir()
    out.mkdir(parents=True, exist_ok=True)
    return out


def _save(fig: plt.Figure, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _interval_start(clean: pd.DataFrame) -> pd.Series:
    """Timestamps are interval ENDS (DESIGN.md); hour/weekday belong to the interval's start."""
    return pd.to_datetime(clean[schema.TIMESTAMP]) - schema.INTERVAL


# --- descriptive statistics and distributions -------------------------------------------------------
def descriptive_statistics(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """count/mean/std/quantiles per reading, totals of energy and CO2, and the idle share."""
    out = _folder(folder)
    table = clean[list(NUMERIC_COLUMNS)].describe().T
    table["skew"] = clean[list(NUMERIC_COLUMNS)].skew()
    usage = clean[schema.USAGE_KWH]
    total_mwh = float(usage.sum() / 1000)
    co2_total = float(clean[schema.CO2_TCO2].sum())
    idle_share = float((usage < 5).mean() * 100)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.axis("off")
    shown = table[["mean", "std", "min", "50%", "max", "skew"]].round(3)
    ax.table(cellText=shown.to_numpy(), rowLabels=shown.index, colLabels=shown.columns, loc="center")
    ax.set_title("Descriptive statistics of the cleaned readings")
    numbers = {
        "rows": float(len(clean)),
        "total_usage_mwh": total_mwh,
        "total_co2_t": co2_total,
        "mean_usage_kwh": float(usage.mean()),
        "median_usage_kwh": float(usage.median()),
        "max_usage_kwh": float(usage.max()),
        "idle_share_pct": idle_share,
        "usage_skew": float(usage.skew()),
    }
    findings = [
        f"{len(clean):,} intervals; {total_mwh:,.1f} MWh and {co2_total:,.2f} tCO2 in total.",
        f"usage_kwh: mean {numbers['mean_usage_kwh']:.2f} kWh, median {numbers['median_usage_kwh']:.2f} kWh, "
        f"max {numbers['max_usage_kwh']:.2f} kWh (skew {numbers['usage_skew']:.2f}).",
        f"{idle_share:.1f} % of intervals draw under 5 kWh (the plant idling).",
    ]
    return EdaResult(
        "descriptive_statistics", [_save(fig, out, "descriptive_statistics")], numbers, findings, table
    )


def distributions(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """Histograms of the target and the readings that drive it; how bimodal the target is."""
    out = _folder(folder)
    columns = [c for c in NUMERIC_COLUMNS if c != schema.NSM]
    fig, axes = plt.subplots(2, 3, figsize=(11, 6))
    for ax, column in zip(axes.ravel(), columns, strict=True):
        ax.hist(clean[column], bins=60, color="#3b6ea8")
        ax.set_title(column)
    usage = clean[schema.USAGE_KWH]
    working = usage[usage >= 5]
    numbers = {
        "working_median_usage_kwh": float(working.median()),
        "p95_usage_kwh": float(usage.quantile(0.95)),
        "lagging_pf_below_90_pct": float((clean[schema.LAGGING_POWER_FACTOR] < 90).mean() * 100),
    }
    findings = [
        f"The target is bimodal: idle intervals below 5 kWh, working ones with median "
        f"{numbers['working_median_usage_kwh']:.1f} kWh; 95th percentile {numbers['p95_usage_kwh']:.1f} kWh.",
        f"Lagging power factor is below 90 % in {numbers['lagging_pf_below_90_pct']:.1f} % of intervals "
        "(the KEPCO surcharge threshold).",
    ]
    return EdaResult("distributions", [_save(fig, out, "distributions")], numbers, findings)


def correlation_heatmap(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """Pearson correlations among the readings; which one tracks usage_kwh best."""
    out = _folder(folder)
    corr = clean[list(NUMERIC_COLUMNS)].corr()
    fig, ax = plt.subplots(figsize=(7, 6))
    im = ax.imshow(corr.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(len(corr)), corr.columns, rotation=45, ha="right")
    ax.set_yticks(range(len(corr)), corr.columns)
    for i in range(len(corr)):
        for j in range(len(corr)):
            ax.text(j, i, f"{corr.iat[i, j]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax)
    ax.set_title("Pearson correlation")
    with_usage = corr[schema.USAGE_KWH].drop(schema.USAGE_KWH)
    ranked = with_usage.abs().sort_values(ascending=False).index
    numbers = {f"corr_usage_{k}": float(v) for k, v in with_usage.items()}
    findings = [
        f"{ranked[0]} correlates most with usage_kwh (r = {with_usage[ranked[0]]:.3f}), then {ranked[1]} "
        f"(r = {with_usage[ranked[1]]:.3f}); the weakest is {ranked[-1]} (r = {with_usage[ranked[-1]]:.3f}).",
    ]
    return EdaResult("correlation_heatmap", [_save(fig, out, "correlation_heatmap")], numbers, findings, corr)


# --- consumption profiles ---------------------------------------------------------------------------
def consumption_profiles(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """Mean kWh by hour of day and weekday, energy by load type and by KEPCO tariff period."""
    out = _folder(folder)
    start = _interval_start(clean)
    usage = clean[schema.USAGE_KWH]
    by_hour = usage.groupby(start.dt.hour).mean()
    by_weekday = usage.groupby(start.dt.dayofweek).mean().reindex(range(7))
    by_load = usage.groupby(clean[schema.LOAD_TYPE]).sum().reindex(list(schema.LOAD_TYPES)).fillna(0.0)
    periods = tariff.tariff_period(clean[schema.TIMESTAMP])
    by_period = usage.groupby(periods).sum()
    total = float(usage.sum())
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].bar(by_hour.index, by_hour.to_numpy(), color="#3b6ea8")
    axes[0].set(title="Mean kWh per interval by hour", xlabel="hour (interval start)")
    axes[1].bar([d[:3] for d in WEEKDAYS], by_weekday.to_numpy(), color="#5a9e6f")
    axes[1].set(title="Mean kWh per interval by weekday")
    axes[2].bar(by_load.index, by_load.to_numpy() / 1000, color="#c06c3e")
    axes[2].set(title="Energy by load type (MWh)")
    weekend = float(by_weekday.iloc[5:].mean())
    weekday = float(by_weekday.iloc[:5].mean())
    max_load_share = float(by_load.get(schema.LOAD_TYPES[-1], 0.0) / total * 100)
    max_period_share = float(by_period.get(tariff.MAXIMUM, 0.0) / total * 100)
    numbers = {
        "peak_hour": float(by_hour.idxmax()),
        "peak_hour_mean_kwh": float(by_hour.max()),
        "trough_hour": float(by_hour.idxmin()),
        "weekday_mean_kwh": weekday,
        "weekend_mean_kwh": weekend,
        "weekend_to_weekday_ratio": weekend / weekday if weekday else float("nan"),
        "maximum_load_energy_share_pct": max_load_share,
        "maximum_tariff_energy_share_pct": max_period_share,
        **{f"energy_share_{k.lower()}_pct": float(v / total * 100) for k, v in by_load.items()},
    }
    findings = [
        f"{max_load_share:.1f} % of the energy is drawn in {schema.LOAD_TYPES[-1]} intervals and "
        f"{max_period_share:.1f} % in KEPCO maximum-price periods.",
        f"The busiest hour starts at {int(numbers['peak_hour']):02d}:00 ({numbers['peak_hour_mean_kwh']:.1f} kWh "
        f"per interval); the quietest at {int(numbers['trough_hour']):02d}:00.",
        f"Weekends draw {numbers['weekend_to_weekday_ratio'] * 100:.0f} % of a weekday's mean "
        f"({weekend:.1f} vs {weekday:.1f} kWh per interval).",
    ]
    table = pd.DataFrame({"load_type": by_load.index, "energy_mwh": by_load.to_numpy() / 1000})
    return EdaResult(
        "consumption_profiles", [_save(fig, out, "consumption_profiles")], numbers, findings, table
    )


def co2_vs_usage(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """CO2 against usage: the implied emission factor and how exactly CO2 follows usage."""
    out = _folder(folder)
    usage = clean[schema.USAGE_KWH].to_numpy(float)
    co2 = clean[schema.CO2_TCO2].to_numpy(float)
    slope = float(np.dot(usage, co2) / np.dot(usage, usage))
    residual = co2 - slope * usage
    r2 = float(1 - residual.var() / co2.var()) if co2.var() > 0 else float("nan")
    distinct = int(pd.Series(co2).nunique())
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(usage, co2, s=2, alpha=0.3, color="#3b6ea8")
    grid = np.linspace(0, usage.max(), 50)
    ax.plot(grid, slope * grid, color="#c03e3e", label=f"{slope * 1000:.4f} tCO2/MWh")
    ax.set(xlabel=schema.USAGE_KWH, ylabel=schema.CO2_TCO2, title="CO2 vs usage")
    ax.legend()
    numbers = {
        "implied_factor_t_per_kwh": slope,
        "r2_through_origin": r2,
        "distinct_co2_values": float(distinct),
        "documented_factor_t_per_kwh": schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH,
    }
    findings = [
        f"CO2 follows usage with an implied factor of {slope * 1000:.4f} tCO2/MWh (documented "
        f"{schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH * 1000:.4f}); R^2 {r2:.3f} through the origin.",
        f"co2_tco2 takes only {distinct} distinct values: stored with {schema.MEASUREMENT_DECIMALS} decimals "
        "(tCO2), it is a coarse proxy of usage.",
    ]
    return EdaResult("co2_vs_usage", [_save(fig, out, "co2_vs_usage")], numbers, findings)


# --- time-series structure --------------------------------------------------------------------------
def hourly_usage(clean: pd.DataFrame) -> pd.Series:
    """kWh per clock hour, indexed by the hour's start (four 15-min intervals each)."""
    start = _interval_start(clean)
    return clean[schema.USAGE_KWH].groupby(start.dt.floor("h").to_numpy()).sum().asfreq("h", fill_value=0.0)


def seasonal_strength(seasonal: np.ndarray, remainder: np.ndarray) -> float:
    """Wang-Smith-Hyndman strength in [0, 1]: share of (seasonal + remainder) variance that is seasonal."""
    denominator = np.var(seasonal + remainder)
    if denominator == 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(remainder) / denominator))


def seasonal_decomposition(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """MSTL on hourly kWh with daily and weekly periods; strength of each seasonality and of the trend."""
    out = _folder(folder)
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
    figures = [_save(fig, out, "stl_decomposition"), _save(zoom, out, "stl_seasonal_components")]
    return EdaResult("seasonal_decomposition", figures, numbers, findings)


def autocorrelation(clean: pd.DataFrame, folder: Path | None = None, pacf_lags: int = 200) -> EdaResult:
    """ACF over one week of 15-minute lags and PACF over ``pacf_lags``: which lags carry the signal."""
    out = _folder(folder)
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
    return EdaResult("autocorrelation", [_save(fig, out, "acf_pacf")], numbers, findings)


# --- feature ranking --------------------------------------------------------------------------------
def feature_ranking(
    feature_table: pd.DataFrame,
    folder: Path | None = None,
    columns: Sequence[str] | None = None,
    sample_rows: int = MI_SAMPLE_ROWS,
    seed: int = DEFAULT_SEED,
) -> EdaResult:
    """Mutual information and |Pearson r| of each model input with usage_kwh, for both tasks' inputs.

    MI catches the non-linear triangle (usage vs power factor) that Pearson misses. Rows with an
    incomplete lag history are dropped; MI is estimated on a fixed random sample for speed.
    """
    out = _folder(folder)
    cols = (
        list(columns)
        if columns is not None
        else list(dict.fromkeys((*features.ESTIMATE_FEATURES, *features.FORECAST_FEATURES)))
    )
    data = feature_table[[*cols, schema.USAGE_KWH]].dropna(subset=[schema.USAGE_KWH])
    if len(data) > sample_rows:
        data = data.sample(sample_rows, random_state=seed)
    y = data[schema.USAGE_KWH].astype(float)
    mi, pearson = [], []
    for column in cols:
        # per column, on the rows where it is defined (implied kWh is undefined at PF = 100 %)
        known = data[column].notna()
        x = data.loc[known, column].astype(float)
        mi.append(float(mutual_info_regression(x.to_frame(), y[known], random_state=seed)[0]))
        pearson.append(float(x.corr(y[known])) if x.std() > 0 else 0.0)
    table = (
        pd.DataFrame({"feature": cols, "mutual_information": mi, "pearson_r": pearson})
        .assign(
            estimate_input=lambda t: t["feature"].isin(features.ESTIMATE_FEATURES),
            forecast_input=lambda t: t["feature"].isin(features.FORECAST_FEATURES),
        )
        .sort_values("mutual_information", ascending=False)
        .reset_index(drop=True)
    )
    top = table.head(15).iloc[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    axes[0].barh(top["feature"], top["mutual_information"], color="#3b6ea8")
    axes[0].set_title("Mutual information with usage_kwh (nats)")
    axes[1].barh(top["feature"], top["pearson_r"].abs(), color="#c06c3e")
    axes[1].set_title("|Pearson r| with usage_kwh")
    forecast_top = table[table["forecast_input"]].head(3)["feature"].tolist()
    estimate_top = table[table["estimate_input"]].head(3)["feature"].tolist()
    by_pearson = table.reindex(table["pearson_r"].abs().sort_values(ascending=False).index)
    numbers = {f"mi_{r.feature}": float(r.mutual_information) for r in table.itertuples()}
    numbers["sample_rows"] = float(len(data))
    findings = [
        f"Estimate inputs ranked by mutual information: {', '.join(estimate_top)}.",
        f"Forecast inputs ranked by mutual information: {', '.join(forecast_top)}.",
        f"By |Pearson r| the top feature is {by_pearson['feature'].iloc[0]} "
        f"(r = {by_pearson['pearson_r'].iloc[0]:.3f}); MI on {len(data):,} sampled rows.",
    ]
    return EdaResult("feature_ranking", [_save(fig, out, "feature_ranking")], numbers, findings, table)


# --- data quality -----------------------------------------------------------------------------------
def data_quality_summary(report_table: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """The cleaning report (``metric``, ``key``, ``value`` rows) as counts and a bar chart."""
    out = _folder(folder)
    scalar = report_table[report_table["key"] == ""].set_index("metric")["value"]

    def _count(name: str) -> float:
        try:
            return float(scalar.get(name, "nan"))
        except ValueError:
            return float("nan")

    counts = {
        name: _count(name)
        for name in (
            "rows_in",
            "rows_out",
            "rows_quarantined",
            "cells_repaired",
            "cells_imputed",
            "missing_intervals",
            "midnight_rows_moved_to_next_day",
        )
    }
    by_key = report_table[report_table["key"] != ""].copy()
    by_key["count"] = pd.to_numeric(by_key["value"], errors="coerce")
    fig, ax = plt.subplots(figsize=(8, 3.6))
    labels = [*counts, *(f"{m}:{k}" for m, k in zip(by_key["metric"], by_key["key"], strict=True))]
    values = [*counts.values(), *by_key["count"].fillna(0).tolist()]
    ax.barh(labels, values, color="#3b6ea8")
    ax.set_xscale("symlog")
    ax.set_title("Cleaning: rows and cells by outcome")
    rows_in = counts["rows_in"]
    kept = counts["rows_out"] / rows_in * 100 if rows_in else float("nan")
    findings = [
        f"{counts['rows_out']:,.0f} of {rows_in:,.0f} rows kept ({kept:.2f} %), "
        f"{counts['rows_quarantined']:,.0f} quarantined.",
        f"{counts['cells_repaired']:,.0f} cells repaired, {counts['cells_imputed']:,.0f} imputed, "
        f"{counts['missing_intervals']:,.0f} missing 15-minute intervals, "
        f"{counts['midnight_rows_moved_to_next_day']:,.0f} midnight rows moved to the next day.",
    ]
    numbers = {**counts, "rows_kept_pct": kept}
    return EdaResult(
        "data_quality_summary", [_save(fig, out, "data_quality_summary")], numbers, findings, by_key
    )


__all__ = [
    "EdaResult",
    "autocorrelation",
    "co2_vs_usage",
    "consumption_profiles",
    "correlation_heatmap",
    "data_quality_summary",
    "descriptive_statistics",
    "distributions",
    "feature_ranking",
    "figures_dir",
    "hourly_usage",
    "seasonal_decomposition",
    "seasonal_strength",
]
