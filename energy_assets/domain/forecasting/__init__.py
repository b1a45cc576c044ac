"""Day-ahead forecasts of usage_kwh with quantiles: a common contract, classical models, a backtest.

Foundation models (Chronos, TimesFM) live in :mod:`.foundation` and need the optional extra; they are
not imported here so the classical stack works without torch (``load_forecaster`` imports it on demand).
"""

from energy_assets.domain.forecasting.backtest import (
    backtest_report,
    daily_origins,
    rolling_origin_backtest,
    scores_by_horizon,
)
from energy_assets.domain.forecasting.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    FORECASTERS,
    MAX_HORIZON,
    Forecaster,
    load_forecaster,
    quantile_column,
    register_forecaster,
)
from energy_assets.domain.forecasting.classical import (
    LightGBMQuantileForecaster,
    SeasonalNaiveForecaster,
    WeightedEnsembleForecaster,
    XGBoostQuantileForecaster,
    conformal_offsets,
)

__all__ = [
    "DEFAULT_HORIZON",
    "DEFAULT_QUANTILES",
    "FORECASTERS",
    "MAX_HORIZON",
    "Forecaster",
    "LightGBMQuantileForecaster",
    "SeasonalNaiveForecaster",
    "WeightedEnsembleForecaster",
    "XGBoostQuantileForecaster",
    "backtest_report",
    "conformal_offsets",
    "daily_origins",
    "load_forecaster",
    "quantile_column",
    "register_forecaster",
    "rolling_origin_backtest",
    "scores_by_horizon",
]
