"""Where models compute: ``ENERGY_DEVICE`` (``cpu``, ``cuda`` or ``auto``), read here and only here.

One reading, one meaning per library:

- unset or ``cpu``: everything on the CPU, except that a torch model left without a preference
  (``device=None``) takes the GPU when torch sees one (the foundation models are too slow on a CPU
  to be a sensible default there);
- ``cuda``: the GPU where the library can use one, else the CPU with a warning (a scheduled
  retrain must not fail on a machine without a GPU);
- ``auto``: the GPU when one is usable, silently the CPU otherwise.

"Usable" is decided per library: XGBoost by its build (``USE_CUDA``) and a visible device (cheap:
no CUDA call), torch by ``torch.cuda.is_available()``. LightGBM always runs on the CPU (its CUDA
build is not the pip wheel's).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

DEVICE_ENV = "ENERGY_DEVICE"
CPU, CUDA, AUTO = "cpu", "cuda", "auto"
CHOICES: tuple[str, ...] = (CPU, CUDA, AUTO)


def requested_device(value: str | None = None) -> str | None:
    """The configured choice (``cpu``/``cuda``/``auto``); None when nothing is set.

    ``value`` is what a caller was configured with (the pipeline's ``ComputeDevice`` resource: an
    empty string means "no preference"); ``None`` reads ENERGY_DEVICE, the only place it is read.
    Any other value is an error naming the variable.
    """
    raw = os.environ.get(DEVICE_ENV) if value is None else value
    choice = (raw or "").strip().lower()
    if not choice:
        return None
    if choice not in CHOICES:
        raise ValueError(f"{DEVICE_ENV} must be cpu, cuda or auto, not {choice!r}")
    return choice


def _torch_sees_gpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def xgboost_device(requested: str | None = None) -> str:
    """``cuda`` or ``cpu`` for every XGBoost model (estimators and the quantile forecaster)."""
    choice = requested_device(requested) or CPU
    if choice == CPU:
        return CPU
    import xgboost as xgb

    built_with_cuda = bool(xgb.build_info().get("USE_CUDA", False))
    gpu_visible = Path("/dev/nvidia0").exists() or bool(os.environ.get("CUDA_VISIBLE_DEVICES"))
    if built_with_cuda and gpu_visible:
        return CUDA
    if choice == CUDA:
        log.warning("%s=cuda but no CUDA build/GPU is available; XGBoost runs on the CPU", DEVICE_ENV)
    return CPU


def resolve_device(requested: str | None = None) -> str:
    """``cuda`` when the request (default: ENERGY_DEVICE) is cuda/auto and torch sees a GPU, else ``cpu``.

    The device a training run reports, and the default of the torch models it builds.
    """
    choice = requested_device(requested) or CPU
    if choice == CPU:
        return CPU
    return CUDA if _torch_sees_gpu() else CPU


def select_device(preferred: str | None = None, requested: str | None = None) -> str:
    """The torch device to run on: ``preferred``, else the request (default ENERGY_DEVICE), else
    cuda when present.

    ``None`` and ``"auto"`` defer to the request (none: auto). Asking for cuda on a machine without a
    usable GPU falls back to cpu (with a log line), so one config runs on a laptop, in CI and on the
    GPU box.
    """
    choice = (preferred or AUTO).strip().lower()
    if choice == AUTO:
        choice = requested_device(requested) or AUTO
    if choice not in CHOICES and not choice.startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'auto', got {choice!r}")
    if choice == CPU:
        return CPU
    try:
        import torch
    except ImportError:
        return CPU
    cuda_ok = torch.cuda.is_available()
    if choice == AUTO:
        return CUDA if cuda_ok else CPU
    if not cuda_ok:
        log.warning("device %s requested but CUDA is not available: running on cpu", choice)
        return CPU
    return choice
