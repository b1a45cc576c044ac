"""The models' inputs and the data's quality: what drives usage_kwh, and what the cleaner did."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.feature_selection import mutual_info_regression

from energy_assets.domain.data import schema
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.features.forecast import DAY, FORECAST_FEATURES, Grid, training_rows
from energy_assets.domain.models.forecast.base import DEFAULT_HORIZON
from energy_assets.domain.models.params import DEFAULT_SEED
from energy_assets.domain.reporting.eda.result import EdaResult, output_folder, save_figure

#: Rows sampled for mutual information (k-NN estimator: quadratic-ish cost, stable well before 35k rows).
MI_SAMPLE_ROWS = 6000
#: Horizons drawn per daily origin for the forecast inputs' ranking (365 days x 32 = 11,680 rows).
FORECAST_HORIZONS_PER_ORIGIN = 32


def _ranked(data: pd.DataFrame, columns: Sequence[str], seed: int) -> pd.DataFrame:
    """MI and Pearson r of each column with usage_kwh, per column on the rows where it is defined
    (implied kWh is undefined at PF = 100 %, a lag before the history starts)."""
    y = data[schema.USAGE_KWH].astype(float)
    mi, pearson = [], []
    for column in columns:
        known = data[column].notna()
        x = data.loc[known, column].astype(float)
        mi.append(float(mutual_info_regression(x.to_frame(), y[known], random_state=seed)[0]))
        pearson.append(float(x.corr(y[known])) if x.std() > 0 else 0.0)
    return pd.DataFrame({"feature": list(columns), "mutual_information": mi, "pearson_r": pearson})


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    return frame.sample(rows, random_state=seed) if len(frame) > rows else frame


def forecast_input_rows(readings: pd.DataFrame, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The boosted forecasters' inputs (:data:`FORECAST_FEATURES`) and target on training rows of
    ``readings``: one origin a day, :data:`FORECAST_HORIZONS_PER_ORIGIN` random horizons each."""
    grid = Grid.from_frame(readings[[schema.TIMESTAMP, schema.USAGE_KWH, schema.LOAD_TYPE]])
    x, y = training_rows(grid, DAY, DEFAULT_HORIZON, FORECAST_HORIZONS_PER_ORIGIN, seed)
    return pd.DataFrame(x, columns=list(FORECAST_FEATURES)).assign(**{schema.USAGE_KWH: y})


def feature_ranking(
    feature_table: pd.DataFrame,
    folder: Path | None = None,
    columns: Sequence[str] | None = None,
    sample_rows: int = MI_SAMPLE_ROWS,
    seed: int = DEFAULT_SEED,
) -> EdaResult:
    """Mutual information and |Pearson r| with usage_kwh of what the models read, for both tasks.

    By default: the estimate families' inputs (:data:`ESTIMATE_FEATURES`, columns of the feature
    table) on sampled rows of the table, and the boosted forecasters' inputs
    (:data:`FORECAST_FEATURES`) on sampled training rows built from the table's readings
    (:func:`forecast_input_rows`). ``columns`` ranks those columns of the table instead. MI catches
    the non-linear triangle (usage vs power factor) that Pearson misses; it is estimated on a fixed
    random sample of ``sample_rows`` rows for speed.
    """
    out = output_folder(folder)
    estimate_columns = list(columns) if columns is not None else list(ESTIMATE_FEATURES)
    data = _sample(
        feature_table[[*estimate_columns, schema.USAGE_KWH]].dropna(subset=[schema.USAGE_KWH]),
        sample_rows,
        seed,
    )
    parts = [
        _ranked(data, estimate_columns, seed).assign(
            estimate_input=lambda t: t["feature"].isin(ESTIMATE_FEATURES), forecast_input=False
        )
    ]
    forecast_rows = 0
    if columns is None:
        forecast = _sample(forecast_input_rows(feature_table, seed), sample_rows, seed)
        forecast_rows = len(forecast)
        parts.append(
            _ranked(forecast, FORECAST_FEATURES, seed).assign(estimate_input=False, forecast_input=True)
        )
    table = (
        pd.concat(parts, ignore_index=True)
        .sort_values("mutual_information", ascending=False, kind="stable")
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
    if forecast_rows:
        numbers["forecast_sample_rows"] = float(forecast_rows)
    findings = [
        f"Estimate inputs ranked by mutual information: {', '.join(estimate_top)}.",
        f"Forecast inputs ranked by mutual information: {', '.join(forecast_top)}.",
        f"By |Pearson r| the top feature is {by_pearson['feature'].iloc[0]} "
        f"(r = {by_pearson['pearson_r'].iloc[0]:.3f}); MI on {len(data):,} sampled rows"
        + (f" and {forecast_rows:,} sampled forecast training rows." if forecast_rows else "."),
    ]
    return EdaResult("feature_ranking", [save_figure(fig, out, "feature_ranking")], numbers, findings, table)


def data_quality_summary(report_table: pd.DataFrame, folder: Path | None = None) -> EdaResult:
    """The cleaning report (``metric``, ``key``, ``value`` rows) as counts and a bar chart."""
    out = output_folder(folder)
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
        "data_quality_summary", [save_figure(fig, out, "data_quality_summary")], numbers, findings, by_key
    )
