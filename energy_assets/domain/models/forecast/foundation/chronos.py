"""Chronos-Bolt and Chronos-2 through ``chronos.BaseChronosPipeline``, zero-shot or fine-tuned."""

from __future__ import annotations

import logging
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
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
from energy_assets.domain.models.forecast.foundation.inputs import (
    calendar_covariates,
    context_window,
    future_load_type,
)
from energy_assets.domain.models.forecast.foundation.weights import (
    WEIGHTS_DIR,
    WeightsUnavailable,
    hub_offline,
    import_optional,
    weights_problem,
)
from energy_assets.domain.models.params import model_class, state

log = logging.getLogger(__name__)


@register_forecaster
@model_class
class ChronosForecaster(Forecaster):
    """Chronos-Bolt or Chronos-2 through ``chronos.BaseChronosPipeline`` (the checkpoint picks which).

    Zero-shot by default. With ``finetune_steps > 0`` and a Chronos-2 checkpoint, ``fit`` runs the
    pipeline's own fine-tuning (``Chronos2Pipeline.fit``) on the history, on the GPU when there is
    one; the fine-tuned weights are saved in the library's format under ``weights/``. For Chronos-Bolt
    (no fine-tuning API) ``fit`` only loads the weights. Chronos-2 also receives hour, weekday and the
    load_type schedule as covariates (``use_covariates``).
    """

    name = "chronos"

    model_id_or_path: str = "amazon/chronos-2"
    device: str | None = None
    context_length: int = 2048
    quantiles: Sequence[float] = DEFAULT_QUANTILES
    use_covariates: bool = True
    finetune_steps: int = 0
    finetune_learning_rate: float = 1e-5
    finetune_batch_size: int = 32
    dtype: str = "float32"
    seed: int = 0
    _pipeline: Any = state()
    _weights_source: str = state("")
    _finetuned: bool = state(False)
    _finetune_log: dict[str, Any] = state(factory=dict)

    def __post_init__(self) -> None:
        if self.context_length < 16:
            raise ValueError(f"context_length must be at least 16 intervals, got {self.context_length}")
        if self.finetune_steps < 0:
            raise ValueError(f"finetune_steps must be >= 0, got {self.finetune_steps}")
        super().__post_init__()
        self._weights_source = self.model_id_or_path

    def describe(self) -> dict[str, Any]:
        return {
            "model_id_or_path": self.model_id_or_path,
            "pipeline": type(self._pipeline).__name__ if self._pipeline is not None else None,
            "finetuned": self._finetuned,
            "weights_dir": WEIGHTS_DIR if self._finetuned else None,
            **self._finetune_log,
        }

    # --- loading -----------------------------------------------------------------------------------
    @property
    def pipeline(self) -> Any:
        """The loaded chronos pipeline (loads it on first use)."""
        if self._pipeline is None:
            self._pipeline = self._load_pipeline(self._weights_source)
        return self._pipeline

    def _load_pipeline(self, source: str) -> Any:
        chronos = import_optional("chronos")
        problem = weights_problem(source)
        if problem is not None:
            raise WeightsUnavailable(source, problem)
        device = select_device(self.device)
        try:
            pipeline = chronos.BaseChronosPipeline.from_pretrained(
                source, device_map=device, dtype=self.dtype, local_files_only=hub_offline()
            )
        except OSError as exc:  # transformers/huggingface_hub raise OSError subclasses for missing files
            raise WeightsUnavailable(source, f"{type(exc).__name__}: {exc}") from exc
        except (AssertionError, ValueError) as exc:
            raise ValueError(f"{source} is not a Chronos checkpoint: {exc}") from exc
        log.info("loaded %s from %s on %s", type(pipeline).__name__, source, device)
        return pipeline

    def _is_chronos2(self) -> bool:
        chronos = import_optional("chronos")
        return isinstance(self.pipeline, chronos.Chronos2Pipeline)

    # --- fit -------------------------------------------------------------------------------------
    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        """Load the weights; fine-tune a Chronos-2 checkpoint when ``finetune_steps > 0``."""
        pipeline = self.pipeline
        if self.finetune_steps > 0 and self._is_chronos2():
            self._pipeline = self._finetune(pipeline, history, validation)
            self._finetuned = True
        elif self.finetune_steps > 0:
            log.info("%s has no fine-tuning API: using it zero-shot", type(pipeline).__name__)
        self.fitted = True
        return self

    def _training_series(self, frame: pd.DataFrame) -> dict[str, Any]:
        ordered = frame.sort_values(schema.TIMESTAMP)
        item: dict[str, Any] = {"target": ordered[schema.USAGE_KWH].to_numpy(dtype=float)}
        if self.use_covariates:
            past = calendar_covariates(ordered[schema.TIMESTAMP])
            if schema.LOAD_TYPE in ordered.columns:
                past[schema.LOAD_TYPE] = calendar.load_type_codes(ordered[schema.LOAD_TYPE])
            item["past_covariates"] = past
            # None marks a covariate as known in the future without giving values (training mode).
            item["future_covariates"] = dict.fromkeys(past)
        return item

    def _finetune(self, pipeline: Any, history: pd.DataFrame, validation: pd.DataFrame | None) -> Any:
        import torch

        torch.manual_seed(self.seed)
        train = [self._training_series(history)]
        val = None
        if validation is not None and not validation.empty:
            joined = pd.concat([history, validation], ignore_index=True)
            val = [self._training_series(joined.tail(self.context_length + DEFAULT_HORIZON))]
        with tempfile.TemporaryDirectory(prefix="chronos2-finetune-") as out:
            tuned = pipeline.fit(
                inputs=train,
                prediction_length=DEFAULT_HORIZON,
                validation_inputs=val,
                context_length=min(self.context_length, pipeline.model_context_length),
                learning_rate=self.finetune_learning_rate,
                num_steps=self.finetune_steps,
                batch_size=self.finetune_batch_size,
                output_dir=out,
                remove_printer_callback=True,
                seed=self.seed,
                data_seed=self.seed,
                disable_tqdm=True,
                logging_strategy="no",
            )
        self._finetune_log = {
            "finetune_steps_done": self.finetune_steps,
            "finetune_device": str(tuned.model.device),
            "finetune_rows": len(history),
        }
        return tuned

    # --- predict -------------------------------------------------------------------------------
    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        check_horizon(horizon)
        origin = pd.Timestamp(origin)
        pipeline = self.pipeline
        window = context_window(history, origin, self.context_length)
        target = window[schema.USAGE_KWH].to_numpy(dtype=float)
        levels = list(self.quantiles)
        import torch

        # Inference is deterministic (quantile heads, eval mode): no RNG to seed here.
        with warnings.catch_warnings():
            # Both pipelines warn when the horizon exceeds their native one; they then unroll, as intended.
            warnings.filterwarnings("ignore", message="We recommend keeping prediction length")
            if self._is_chronos2():
                item = self._predict_item(window, target, origin, horizon, future_covariates)
                qs, mean = pipeline.predict_quantiles(
                    [item],
                    prediction_length=horizon,
                    quantile_levels=levels,
                    context_length=min(self.context_length, pipeline.model_context_length),
                )
                quantile_values, point = qs[0][0].numpy(), mean[0][0].numpy()
            else:
                qs, mean = pipeline.predict_quantiles(
                    torch.tensor(target, dtype=torch.float32),
                    prediction_length=horizon,
                    quantile_levels=levels,
                )
                quantile_values, point = qs[0].numpy(), mean[0].numpy()
        return finish_forecast(origin, point, quantile_values, self.quantiles)

    def _predict_item(
        self,
        window: pd.DataFrame,
        target: np.ndarray,
        origin: pd.Timestamp,
        horizon: int,
        future_covariates: pd.DataFrame | None,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {"target": target}
        if not self.use_covariates:
            return item
        targets = pd.date_range(origin + schema.INTERVAL, periods=horizon, freq=schema.INTERVAL)
        past = calendar_covariates(window[schema.TIMESTAMP])
        future = calendar_covariates(targets)
        if schema.LOAD_TYPE in window.columns:
            past[schema.LOAD_TYPE] = calendar.load_type_codes(window[schema.LOAD_TYPE])
            if future_covariates is not None:
                future[schema.LOAD_TYPE] = future_load_type(future_covariates, targets)
        item["past_covariates"] = past
        item["future_covariates"] = future
        return item

    # --- persistence ----------------------------------------------------------------------------
    def _save_artifacts(self, folder: Path) -> None:
        if self._finetuned:
            self.pipeline.save_pretrained(folder / WEIGHTS_DIR)

    def _load_artifacts(self, folder: Path) -> None:
        weights = folder / WEIGHTS_DIR
        if weights.is_dir():
            self._weights_source = str(weights)
            self._finetuned = True
            self.finetune_steps = 0  # already fine-tuned: a later fit() must not tune again
            self._pipeline = self._load_pipeline(self._weights_source)
