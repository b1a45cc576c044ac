"""Can a foundation model's checkpoint be loaded here? Answered cheaply, before anything loads.

A local folder must hold a weights file; a hub id must be in the Hugging Face cache or, when not
offline, answered by the hub. When the weights cannot be reached the adapters raise
:class:`WeightsUnavailable`, so the pipeline records "weights unavailable" instead of a number.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

#: Sub-folder of a saved forecaster that holds fine-tuned weights in the library's native format.
WEIGHTS_DIR = "weights"
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_TRUTHY = {"1", "true", "yes", "on"}
INSTALL_HINT = "install the foundation extra: pip install 'energy-copilot[foundation]'"


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


def import_optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{module} is needed for foundation-model forecasts; {INSTALL_HINT}") from exc
