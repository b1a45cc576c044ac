"""Figures of the forecast leaderboard: skill by horizon band, and the reliability of the deciles.

- :func:`band_figure`: RMSE / weekly seasonal naive and MAE / persistence per horizon band (15 min
  .. 24 h), one line per model, on the test window with the plant's plan and with the derived plan,
  at the daily 00:00 origins or at the hourly ones.
- :func:`reliability_figure`: the share of test actuals at or below each forecast quantile against
  its level (a calibrated forecaster lies on the diagonal), one line per model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from energy_assets.domain.models.forecast.base import DERIVED_PLAN, PLANT_PLAN
from energy_assets.domain.reporting.eda.result import output_folder, plt, save_figure
from energy_assets.domain.tasks import TEST
from energy_assets.domain.training.results import EVALUATED, ForecastResult

BAND_FIGURE = "forecast_horizon_bands"
RELIABILITY_FIGURE = "forecast_reliability"


def band_figure(
    bands: pd.DataFrame, folder: Path | None = None, split: str = TEST, origins: str = "daily"
) -> Path | None:
    """The band table's ``split`` rows of ``origins`` (``daily`` 00:00 or ``hourly``, all hours
    pooled) drawn per plan regime; None when it has none."""
    if bands.empty or "band" not in bands:
        return None
    part = bands[bands["split"] == split]
    if "origins" in part:
        part = part[part["origins"] == origins]
    if "origin_hour" in part:
        part = part[part["origin_hour"].isna()]
    if part.empty:
        return None
    order = list(dict.fromkeys(part["band"]))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    for col, plan in enumerate((PLANT_PLAN, DERIVED_PLAN)):
        for row, (metric, label) in enumerate(
            (("rmse_ratio", "RMSE / seasonal naive"), ("mae_ratio_persistence", "MAE / persistence"))
        ):
            ax = axes[row][col]
            for model, rows in part[part["plan"] == plan].groupby("model", sort=False):
                if metric in rows:
                    values = rows.set_index("band").reindex(order)[metric]
                    ax.plot(range(len(order)), values.to_numpy(dtype=float), marker="o", label=model)
            ax.axhline(1.0, color="grey", lw=0.8, ls="--")
            ax.set_title(f"{split}, {origins} origins, {plan} plan")
            ax.set_ylabel(label)
            ax.set_xticks(range(len(order)), order)
    axes[0][0].legend(fontsize=7)
    name = BAND_FIGURE if origins == "daily" else f"{BAND_FIGURE}_{origins}"
    return save_figure(fig, output_folder(folder), name)


def reliability_points(results: Sequence[ForecastResult], split: str = TEST) -> pd.DataFrame:
    """(model, level, share of actuals at or below the quantile) from each result's ``below_q..``."""
    rows = []
    for result in results:
        scores = result.metrics.get(split) or {}
        if result.status != EVALUATED:
            continue
        for key, share in scores.items():
            if key.startswith("below_q"):
                rows.append(
                    {"model": result.family, "level": int(key[len("below_q") :]) / 100, "share": share}
                )
    return pd.DataFrame(rows, columns=["model", "level", "share"])


def reliability_figure(
    results: Sequence[ForecastResult], folder: Path | None = None, split: str = TEST
) -> Path | None:
    points = reliability_points(results, split)
    if points.empty:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls="--", label="calibrated")
    for model, rows in points.groupby("model", sort=False):
        rows = rows.sort_values("level")
        ax.plot(rows["level"], rows["share"], marker="o", label=model)
    ax.set_xlabel("quantile level")
    ax.set_ylabel(f"share of {split} actuals at or below")
    ax.set_xticks(np.round(np.arange(0.1, 1.0, 0.1), 1))
    ax.set_title(f"Reliability of the deciles ({split}, plant plan)")
    ax.legend(fontsize=7)
    return save_figure(fig, output_folder(folder), RELIABILITY_FIGURE)
