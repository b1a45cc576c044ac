"""The readings themselves: statistics, distributions, correlations, profiles by hour and period, CO2."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from energy_assets.domain import calendar, tariff
from energy_assets.domain.data import schema
from energy_assets.domain.reporting.eda.result import EdaResult, output_folder, save_figure


def descriptive_statistics(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """count/mean/std/quantiles per reading, totals of energy and CO2, and the idle share."""
    out = output_folder(folder)
    table = clean[list(schema.NUMERIC_COLUMNS)].describe().T
    table["skew"] = clean[list(schema.NUMERIC_COLUMNS)].skew()
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
        "descriptive_statistics", [save_figure(fig, out, "descriptive_statistics")], numbers, findings, table
    )


def distributions(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """Histograms of the target and the readings that drive it; how bimodal the target is."""
    out = output_folder(folder)
    columns = [c for c in schema.NUMERIC_COLUMNS if c != schema.NSM]
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
    return EdaResult("distributions", [save_figure(fig, out, "distributions")], numbers, findings)


def correlation_heatmap(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """Pearson correlations among the readings; which one tracks usage_kwh best."""
    out = output_folder(folder)
    corr = clean[list(schema.NUMERIC_COLUMNS)].corr()
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
    return EdaResult(
        "correlation_heatmap", [save_figure(fig, out, "correlation_heatmap")], numbers, findings, corr
    )


# --- consumption profiles ---------------------------------------------------------------------------
def consumption_profiles(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """Mean kWh by hour of day and weekday, energy by load type and by KEPCO tariff period."""
    out = output_folder(folder)
    start = calendar.interval_start_series(clean[schema.TIMESTAMP])
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
    axes[1].bar([d[:3] for d in schema.DAYS_OF_WEEK], by_weekday.to_numpy(), color="#5a9e6f")
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
        "consumption_profiles", [save_figure(fig, out, "consumption_profiles")], numbers, findings, table
    )


def co2_vs_usage(clean: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """CO2 against usage: the implied emission factor and how exactly CO2 follows usage."""
    out = output_folder(folder)
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
    return EdaResult("co2_vs_usage", [save_figure(fig, out, "co2_vs_usage")], numbers, findings)
