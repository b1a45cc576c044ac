"""Day-ahead forecasts of usage_kwh with quantiles: a common contract, the models and the backtest.

- :mod:`.base`: the contract (``fit``/``predict``/``save``/``load``) and the registry;
- :mod:`.naive`: the weekly seasonal naive every MASE is measured against;
- :mod:`.boosted`: LightGBM / XGBoost direct quantile models (inputs: :mod:`energy_assets.domain.features.forecast`);
- :mod:`.conformal`: the validation-window calibration of quantiles;
- :mod:`.profile_blend`: the LightGBM model blended with day-class profiles (issue 17's day-ahead model);
- :mod:`.nowcast`: the intraday nowcast (the next 4 h from the latest readings) and the served switch;
- :mod:`.ensemble`: the weighted blend of the two best;
- :mod:`.plan`: the plan derived from the calendar when the plant sends none;
- :mod:`.quantiles`: the nine deciles and the normal shape that fills them;
- :mod:`.backtest`: rolling-origin backtests and their scores;
- :mod:`.foundation`: Chronos and TimesFM adapters (optional ``foundation`` extra; not imported here, so
  the classical stack works without torch; ``load_forecaster`` imports them on demand).
"""

from energy_assets.domain.models.forecast.backtest import (
    backtest_report,
    daily_origins,
    rolling_origin_backtest,
    scores_by_horizon,
)
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    FORECASTERS,
    MAX_HORIZON,
    Forecaster,
    load_forecaster,
    quantile_column,
    register_forecaster,
)
from energy_assets.domain.models.forecast.boosted import (
    LightGBMQuantileForecaster,
    XGBoostQuantileForecaster,
)
from energy_assets.domain.models.forecast.conformal import conformal_offsets
from energy_assets.domain.models.forecast.ensemble import WeightedEnsembleForecaster
from energy_assets.domain.models.forecast.naive import SeasonalNaiveForecaster
from energy_assets.domain.models.forecast.nowcast import IntradayForecaster, NowcastForecaster
from energy_assets.domain.models.forecast.profile_blend import ProfileBlendForecaster

__all__ = [
    "DEFAULT_HORIZON",
    "DEFAULT_QUANTILES",
    "FORECASTERS",
    "MAX_HORIZON",
    "Forecaster",
    "IntradayForecaster",
    "LightGBMQuantileForecaster",
    "NowcastForecaster",
    "ProfileBlendForecaster",
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
