"""Pretrained time-series foundation models (Chronos-Bolt, Chronos-2, TimesFM 2.5) as forecasters.

The adapters run the libraries' own loading and inference code on a checkpoint named by a Hugging Face
model id (``amazon/chronos-bolt-small``, ``amazon/chronos-2``, ``google/timesfm-2.5-200m-pytorch``) or by
a local folder. When the weights cannot be reached (no such folder, offline and not cached, hub
unreachable) they raise :class:`WeightsUnavailable`, so the pipeline can record "weights unavailable"
instead of a number: a foundation model is either evaluated on its real weights or not at all.

Why these models: the plant's load follows the tariff calendar and the production week, which the
pretrained models see as strong daily/weekly seasonality; Chronos-2 also takes the planned load_type
schedule and the calendar as known-future covariates and can be fine-tuned on the plant's history.

torch, ``chronos-forecasting`` and ``timesfm`` are optional (the ``foundation`` extra): they are imported
only when a model is loaded, so this module imports (and registers its forecasters) without them.
"""

from energy_assets.domain.models.forecast.foundation.chronos import ChronosForecaster
from energy_assets.domain.models.forecast.foundation.timesfm import TimesFMForecaster
from energy_assets.domain.models.forecast.foundation.weights import (
    WeightsUnavailable,
    check_weights,
    weights_problem,
)

__all__ = ["ChronosForecaster", "TimesFMForecaster", "WeightsUnavailable", "check_weights", "weights_problem"]
