"""Exploratory analysis that re-runs with the data: figures as PNG files and findings computed from numbers.

Every function takes the cleaned frame (or the feature table / the cleaning report), writes its figures
under ``figures_dir`` (default ``<data dir>/reports/figures``) and returns an :class:`EdaResult`: the
figure paths, the numbers it measured and findings sentences formatted from those numbers only. Nothing
here is hand-typed prose about the data, so a new year of readings changes the text with the figures.


- :mod:`.readings`: the readings (statistics, distributions, correlations, profiles, CO2);
- :mod:`.series`: the series (MSTL decomposition, ACF/PACF);
- :mod:`.inputs`: what drives usage_kwh among the models' inputs, and the data-quality report.
"""

from energy_assets.domain.reporting.eda.inputs import data_quality_summary, feature_ranking
from energy_assets.domain.reporting.eda.readings import (
    co2_vs_usage,
    consumption_profiles,
    correlation_heatmap,
    descriptive_statistics,
    distributions,
)
from energy_assets.domain.reporting.eda.result import EdaResult, figures_dir
from energy_assets.domain.reporting.eda.series import (
    autocorrelation,
    hourly_usage,
    seasonal_decomposition,
    seasonal_strength,
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
