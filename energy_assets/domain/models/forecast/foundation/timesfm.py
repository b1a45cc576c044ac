"""TimesFM 2.5 (PyTorch) zero-shot through ``timesfm.TimesFM_2p5_200M_torch``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.device import select_device
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    Forecaster,
    check_horizon,
    finish_forecast,
    register_forecaster,
)
from energy_assets.domain.models.forecast.foundation.inputs import context_window, interpolate_quantiles
from energy_assets.domain.models.forecast.foundation.weights import (
    INSTALL_HINT,
    WeightsUnavailable,
    hub_offline,
    import_optional,
    weights_problem,
)
from energy_assets.domain.models.params import model_class, state

log = logging.getLogger(__name__)

#: TimesFM 2.5 returns 10 columns per step: the mean, then the 0.1 .. 0.9 deciles.
TIMESFM_DECILES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@register_forecaster
@model_class
class TimesFMForecaster(Forecaster):
    """TimesFM 2.5 (PyTorch) zero-shot through ``timesfm.TimesFM_2p5_200M_torch.from_pretrained``.

    Univariate: TimesFM's covariate path (XReg) needs JAX, which this project does not install, so
    ``future_covariates`` are not used. ``fit`` only loads the weights.
    """

    name = "timesfm"

    model_id_or_path: str = "google/timesfm-2.5-200m-pytorch"
    device: str | None = None
    context_length: int = 2048
    quantiles: Sequence[float] = DEFAULT_QUANTILES
    torch_compile: bool = False
    _model: Any = state()
    _compiled_horizon: int = state(0)

    def __post_init__(self) -> None:
        if self.context_length < 32:
            raise ValueError(f"context_length must be at least 32 intervals, got {self.context_length}")
        super().__post_init__()

    def describe(self) -> dict[str, Any]:
        return {"model_id_or_path": self.model_id_or_path, "covariates": "not used (TimesFM XReg needs JAX)"}

    @property
    def model(self) -> Any:
        """The loaded TimesFM model (loads it on first use)."""
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self) -> Any:
        import torch

        timesfm = import_optional("timesfm")
        model_cls = getattr(timesfm, "TimesFM_2p5_200M_torch", None)
        if model_cls is None:
            raise ImportError(
                f"timesfm has no TimesFM_2p5_200M_torch (needs timesfm>=2.0 with torch); {INSTALL_HINT}"
            )
        source = self.model_id_or_path
        problem = weights_problem(source)
        if problem is not None:
            raise WeightsUnavailable(source, problem)
        try:
            model = model_cls.from_pretrained(
                source, torch_compile=self.torch_compile, local_files_only=hub_offline()
            )
        except OSError as exc:
            raise WeightsUnavailable(source, f"{type(exc).__name__}: {exc}") from exc
        device = torch.device(select_device(self.device))
        # The library picks cuda:0 whenever it sees a GPU; honour the configured device instead.
        model.model.to(device)
        model.model.device = device
        model.model.device_count = 1
        self._compiled_horizon = 0
        log.info("loaded TimesFM 2.5 from %s on %s", source, device)
        return model

    def _compile(self, horizon: int) -> None:
        timesfm = import_optional("timesfm")
        if horizon <= self._compiled_horizon:
            return
        self.model.compile(
            timesfm.ForecastConfig(
                max_context=self.context_length,
                max_horizon=horizon,
                normalize_inputs=True,
                use_continuous_quantile_head=True,
                force_flip_invariance=True,
                infer_is_positive=True,
                fix_quantile_crossing=True,
            )
        )
        self._compiled_horizon = self.model.forecast_config.max_horizon

    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        """Zero-shot: loads the weights so a missing checkpoint fails here, not at the first forecast."""
        _ = self.model
        self.fitted = True
        return self

    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        check_horizon(horizon)
        origin = pd.Timestamp(origin)
        window = context_window(history, origin, self.context_length)
        target = window[schema.USAGE_KWH].to_numpy(dtype=float)
        self._compile(horizon)
        _, full = self.model.forecast(horizon=horizon, inputs=[target])
        full = np.asarray(full[0], dtype=float)[:horizon]
        mean, deciles = full[:, 0], full[:, 1:]
        quantile_values = interpolate_quantiles(TIMESFM_DECILES, deciles, self.quantiles)
        return finish_forecast(origin, mean, quantile_values, self.quantiles)
