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

from __future__ import annotations

import importlib
import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from energy_assets.domain import schema
from energy_assets.domain.forecasting.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    Forecaster,
    check_horizon,
    finish_forecast,
    history_until,
    register_forecaster,
)

log = logging.getLogger(__name__)

#: Sub-folder of a saved forecaster that holds fine-tuned weights in the library's native format.
WEIGHTS_DIR = "weights"
#: Known-future covariates derived from the interval START (load_type is defined by interval start).
HOUR_COVARIATE = "hour_of_day"
WEEKDAY_COVARIATE = "weekday"
LOAD_TYPE_CODE: dict[str, float] = {name: float(i) for i, name in enumerate(schema.LOAD_TYPES)}
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_TRUTHY = {"1", "true", "yes", "on"}
INSTALL_HINT = "install the foundation extra: pip install 'energy-copilot[foundation]'"


# --- availability --------------------------------------------------------------------------------
class WeightsUnavailable(Exception):
    """The checkpoint cannot be loaded here (missing folder, offline and not cached, hub unreachable).

    Carries the model id and the reason so the pipeline can report ``status: weights unavailable``.
    """

    def __init__(self, model_id: str, reason: str) -> None:
        self.model_id = str(model_id)
        self.reason = reason
        super().__init__(f"weights unavailable for {self.model_id!r}: {reason}")

    @property
    def status(self) -> str:
        """The line the leaderboard shows instead of a score."""
        return f"weights unavailable: {self.reason}"


def hub_offline() -> bool:
    """True when HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set, read now rather than at import."""
    return any(
        os.environ.get(var, "").strip().lower() in _TRUTHY
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _looks_like_path(name: str) -> bool:
    return (
        os.path.isabs(name)
        or name.startswith((".", "~"))
        or name.count("/") > 1
        or "\\" in name
        or os.path.exists(os.path.expanduser(name))
    )


def _local_problem(folder: Path) -> str | None:
    if not folder.is_dir():
        return f"{folder} is a file, expected a model folder"
    has_weights = any(p.is_file() and p.name.endswith(_WEIGHT_SUFFIXES) for p in folder.iterdir())
    if not has_weights:
        return f"local folder {folder} holds no weights (*.safetensors or *.bin)"
    return None


def weights_problem(model_id_or_path: str, *, cache_dir: str | os.PathLike[str] | None = None) -> str | None:
    """Why the checkpoint cannot be loaded here, or None when it can (cheap: no weight download).

    A local folder must hold a weights file. A hub id is available when its config and weights are in
    the Hugging Face cache, or, when not offline, when the hub answers that the repository has a
    config.json (one HEAD request, no retries: an unreachable hub fails in well under a second here).
    """
    name = str(model_id_or_path)
    if not name.strip():
        return "empty model id"
    if _looks_like_path(name):
        path = Path(name).expanduser()
        if not path.exists():
            return f"local path {path} does not exist"
        return _local_problem(path)

    try:
        from huggingface_hub import file_exists, try_to_load_from_cache
        from huggingface_hub.utils import validate_repo_id
    except ImportError as exc:  # pragma: no cover - huggingface_hub comes with the foundation extra
        return f"huggingface_hub is not installed ({INSTALL_HINT}): {exc}"
    try:
        validate_repo_id(name)
    except ValueError as exc:
        return f"{name!r} is neither an existing local path nor a valid Hugging Face model id ({exc})"

    cached_config = try_to_load_from_cache(name, "config.json", cache_dir=cache_dir)
    cached_weights = try_to_load_from_cache(name, "model.safetensors", cache_dir=cache_dir)
    if isinstance(cached_config, str) and isinstance(cached_weights, str):
        return None
    if hub_offline():
        return f"{name} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set"
    try:
        exists = file_exists(name, "config.json")
    except Exception as exc:  # any transport or HTTP failure means: cannot fetch from here
        return f"Hugging Face Hub unreachable for {name} ({type(exc).__name__}: {exc})"
    if not exists:
        return f"{name} has no config.json on the Hugging Face Hub"
    return None


def check_weights(model_id_or_path: str, *, cache_dir: str | os.PathLike[str] | None = None) -> str:
    """``"available"`` or ``"weights unavailable: <reason>"``: the status the pipeline records."""
    problem = weights_problem(model_id_or_path, cache_dir=cache_dir)
    return "available" if problem is None else f"weights unavailable: {problem}"


def _import_optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{module} is needed for foundation-model forecasts; {INSTALL_HINT}") from exc


# --- device ----------------------------------------------------------------------------------------
def select_device(preferred: str | None = None) -> str:
    """The torch device to run on: ``preferred``, else ENERGY_DEVICE, else cuda when present.

    ``None`` and ``"auto"`` defer to ENERGY_DEVICE (cuda|cpu). Asking for cuda on a machine without a
    usable GPU falls back to cpu (with a log line), so one config runs on a laptop, in CI and on the
    GPU box.
    """
    choice = (preferred or "auto").strip().lower()
    if choice == "auto":
        choice = (os.environ.get("ENERGY_DEVICE") or "auto").strip().lower()
    if choice not in {"auto", "cpu", "cuda"} and not choice.startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {choice!r}")
    if choice == "cpu":
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    cuda_ok = torch.cuda.is_available()
    if choice == "auto":
        return "cuda" if cuda_ok else "cpu"
    if not cuda_ok:
        log.warning("device %s requested but CUDA is not available: running on cpu", choice)
        return "cpu"
    return choice


# --- inputs ----------------------------------------------------------------------------------------
def context_window(history: pd.DataFrame, origin: pd.Timestamp, length: int) -> pd.DataFrame:
    """The last ``length`` 15-minute intervals ending at ``origin`` on a regular grid.

    Missing intervals become NaN rows (both libraries treat NaN as missing), so a gap in the feed
    shifts nothing. Raises when the window holds no usage_kwh at all.
    """
    seen = history_until(history, origin)
    origin = pd.Timestamp(origin)
    grid = pd.date_range(end=origin, periods=int(length), freq=schema.INTERVAL)
    window = (
        seen.drop_duplicates(subset=schema.TIMESTAMP, keep="last")
        .set_index(schema.TIMESTAMP)
        .reindex(grid)
        .rename_axis(schema.TIMESTAMP)
        .reset_index()
    )
    first_valid = window[schema.USAGE_KWH].first_valid_index()
    if first_valid is None:
        raise ValueError(f"no usage_kwh in the {length} intervals before {origin}")
    # Leading rows before the first reading carry no information: drop them, keep inner gaps as NaN.
    return window.loc[first_valid:].reset_index(drop=True)


def calendar_covariates(timestamps: pd.Series | pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Hour of day (fractional) and weekday (Mon=0) of each interval's START, as float arrays."""
    start = pd.DatetimeIndex(timestamps) - schema.INTERVAL
    return {
        HOUR_COVARIATE: (start.hour + start.minute / 60.0).to_numpy(dtype=float),
        WEEKDAY_COVARIATE: start.dayofweek.to_numpy(dtype=float),
    }


def load_type_codes(values: pd.Series) -> np.ndarray:
    """load_type as an ordered tariff code (Light 0 < Medium 1 < Maximum 2); unknown -> NaN."""
    return values.map(LOAD_TYPE_CODE).to_numpy(dtype=float)


def future_load_type(future_covariates: pd.DataFrame, targets: pd.DatetimeIndex) -> np.ndarray:
    """The planned load_type codes for exactly the target intervals; refuses a partial schedule."""
    missing_cols = {schema.TIMESTAMP, schema.LOAD_TYPE} - set(future_covariates.columns)
    if missing_cols:
        raise ValueError(f"future_covariates lacks column(s) {sorted(missing_cols)}")
    planned = future_covariates.drop_duplicates(subset=schema.TIMESTAMP, keep="last").set_index(
        schema.TIMESTAMP
    )
    aligned = planned[schema.LOAD_TYPE].reindex(targets)
    if aligned.isna().any():
        first = aligned.index[aligned.isna()][0]
        raise ValueError(
            f"future_covariates has no load_type for {int(aligned.isna().sum())} target interval(s), first {first}"
        )
    codes = load_type_codes(aligned)
    if np.isnan(codes).any():
        unknown = sorted(set(aligned[np.isnan(codes)]))
        raise ValueError(f"unknown load_type value(s) {unknown}; expected one of {list(schema.LOAD_TYPES)}")
    return codes


def interpolate_quantiles(levels: Sequence[float], values: np.ndarray, wanted: Sequence[float]) -> np.ndarray:
    """Quantiles at ``wanted`` from a (horizon, len(levels)) grid; flat beyond the grid's ends."""
    grid = np.asarray(levels, dtype=float)
    order = np.argsort(grid)
    grid, values = grid[order], np.asarray(values, dtype=float)[:, order]
    return np.stack([np.array([np.interp(q, grid, row) for row in values]) for q in wanted], axis=1)


# --- Chronos ---------------------------------------------------------------------------------------
@register_forecaster
class ChronosForecaster(Forecaster):
    """Chronos-Bolt or Chronos-2 through ``chronos.BaseChronosPipeline`` (the checkpoint picks which).

    Zero-shot by default. With ``finetune_steps > 0`` and a Chronos-2 checkpoint, ``fit`` runs the
    pipeline's own fine-tuning (``Chronos2Pipeline.fit``) on the history, on the GPU when there is
    one; the fine-tuned weights are saved in the library's format under ``weights/``. For Chronos-Bolt
    (no fine-tuning API) ``fit`` only loads the weights. Chronos-2 also receives hour, weekday and the
    load_type schedule as covariates (``use_covariates``).
    """

    name = "chronos"

    def __init__(
        self,
        model_id_or_path: str = "amazon/chronos-2",
        device: str | None = None,
        context_length: int = 2048,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        use_covariates: bool = True,
        finetune_steps: int = 0,
        finetune_learning_rate: float = 1e-5,
        finetune_batch_size: int = 32,
        dtype: str = "float32",
        seed: int = 0,
    ) -> None:
        super().__init__(quantiles)
        if context_length < 16:
            raise ValueError(f"context_length must be at least 16 intervals, got {context_length}")
        if finetune_steps < 0:
            raise ValueError(f"finetune_steps must be >= 0, got {finetune_steps}")
        self.model_id_or_path = str(model_id_or_path)
        self.device = device
        self.context_length = int(context_length)
        self.use_covariates = bool(use_covariates)
        self.finetune_steps = int(finetune_steps)
        self.finetune_learning_rate = float(finetune_learning_rate)
        self.finetune_batch_size = int(finetune_batch_size)
        self.dtype = dtype
        self.seed = int(seed)
        self._pipeline: Any = None
        self._weights_source: str = self.model_id_or_path
        self._finetuned = False
        self._finetune_log: dict[str, Any] = {}

    def get_params(self) -> dict[str, Any]:
        return {
            "model_id_or_path": self.model_id_or_path,
            "device": self.device,
            "context_length": self.context_length,
            "quantiles": list(self.quantiles),
            "use_covariates": self.use_covariates,
            "finetune_steps": self.finetune_steps,
            "finetune_learning_rate": self.finetune_learning_rate,
            "finetune_batch_size": self.finetune_batch_size,
            "dtype": self.dtype,
            "seed": self.seed,
        }

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
        chronos = _import_optional("chronos")
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
        chronos = _import_optional("chronos")
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
                past[schema.LOAD_TYPE] = load_type_codes(ordered[schema.LOAD_TYPE])
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
            past[schema.LOAD_TYPE] = load_type_codes(window[schema.LOAD_TYPE])
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


# --- TimesFM ---------------------------------------------------------------------------------------
#: TimesFM 2.5 returns 10 columns per step: the mean, then the 0.1 .. 0.9 deciles.
TIMESFM_DECILES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@register_forecaster
class TimesFMForecaster(Forecaster):
    """TimesFM 2.5 (PyTorch) zero-shot through ``timesfm.TimesFM_2p5_200M_torch.from_pretrained``.

    Univariate: TimesFM's covariate path (XReg) needs JAX, which this project does not install, so
    ``future_covariates`` are not used. ``fit`` only loads the weights.
    """

    name = "timesfm"

    def __init__(
        self,
        model_id_or_path: str = "google/timesfm-2.5-200m-pytorch",
        device: str | None = None,
        context_length: int = 2048,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        torch_compile: bool = False,
    ) -> None:
        super().__init__(quantiles)
        if context_length < 32:
            raise ValueError(f"context_length must be at least 32 intervals, got {context_length}")
        self.model_id_or_path = str(model_id_or_path)
        self.device = device
        self.context_length = int(context_length)
        self.torch_compile = bool(torch_compile)
        self._model: Any = None
        self._compiled_horizon = 0

    def get_params(self) -> dict[str, Any]:
        return {
            "model_id_or_path": self.model_id_or_path,
            "device": self.device,
            "context_length": self.context_length,
            "quantiles": list(self.quantiles),
            "torch_compile": self.torch_compile,
        }

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

        timesfm = _import_optional("timesfm")
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
        timesfm = _import_optional("timesfm")
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
