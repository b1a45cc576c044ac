"""Day-ahead forecasts of usage_kwh with quantiles: a common contract, classical models, a backtest.

Foundation models (Chronos, TimesFM) live in :mod:`.foundation` and need the optional extra; they are
not imported here so the classical stack works without torch.
"""

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

__all__ = [
    "DEFAULT_HORIZON",
    "DEFAULT_QUANTILES",
    "FORECASTERS",
    "MAX_HORIZON",
    "Forecaster",
    "load_forecaster",
    "quantile_column",
    "register_forecaster",
]
