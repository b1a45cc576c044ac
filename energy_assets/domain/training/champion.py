"""Pick the champion of a task and ship it as a self-contained, inspectable folder (no pickle).

A bundle is ``<root>/<task>/`` with ``model/`` (the family's native save: JSON, LightGBM/XGBoost text,
Cubist text), ``bundle.json`` (what it is, what it expects, how good it was, which data and code
made it), the forecast champion's ``history.parquet``, and ``manifest.json`` (every file's size and
SHA-256, written last: :mod:`energy_assets.domain.manifest`). The API checks it with
:func:`verify_bundle` and loads it with :func:`load_bundle`; nothing in it executes code on load.

The champion is chosen by VALIDATION RMSE only. The test score is reported, never used to choose:
choosing on it would make it one more thing fitted to the test window.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain import manifest
from energy_assets.domain.data import ingest, schema
from energy_assets.domain.models.estimate import Estimator, load_estimator
from energy_assets.domain.models.forecast.base import MODEL_FILE, Forecaster, load_forecaster
from energy_assets.domain.models.forecast.nowcast import (
    INTRADAY_CARD_KEY,
    IntradayForecaster,
    NowcastForecaster,
)
from energy_assets.domain.tasks import ESTIMATE, FORECAST, TASKS, VALIDATION
from energy_assets.domain.training.results import EVALUATED, EstimateResult, ForecastResult

BUNDLE_FILE = "bundle.json"
MODEL_DIR = "model"
#: The forecast champion's recent readings: what it forecasts from when a request sends no history.
HISTORY_FILE = "history.parquet"
MANIFEST_FILE = manifest.MANIFEST_FILE
BUNDLE_VERSION = 1
PACKAGE = "energy-copilot"
#: What a forecaster reads from the cleaned frame (history and the planned schedule).
FORECAST_INPUT_COLUMNS: tuple[str, ...] = (schema.TIMESTAMP, schema.USAGE_KWH, schema.LOAD_TYPE)

Result = EstimateResult | ForecastResult


class BundleError(ValueError):
    """A folder that is not a readable bundle (missing or malformed bundle.json, unknown task)."""


def pick_champion(results: Sequence[Result], task: str, *, rel_tolerance: float = 0.0) -> Result:
    """The evaluated result of ``task`` with the lowest validation RMSE (ties: first given).

    ``rel_tolerance`` (default 0: strictly the lowest) treats every result within that fraction of
    the best validation RMSE as tied and picks the smallest saved model among them: a 0.3 % edge on
    validation is noise, 90x the bytes is not. The test score never enters the choice.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {task!r}")
    if rel_tolerance < 0:
        raise ValueError(f"rel_tolerance must be >= 0, got {rel_tolerance}")
    eligible = [
        r for r in results if r.task == task and r.status == EVALUATED and r.validation_rmse is not None
    ]
    if not eligible:
        raise ValueError(f"no evaluated {task} result with a validation score to pick a champion from")
    best = min(eligible, key=lambda r: r.validation_rmse)
    if rel_tolerance == 0:
        return best
    tied = [r for r in eligible if r.validation_rmse <= best.validation_rmse * (1 + rel_tolerance)]
    return min(tied, key=lambda r: (r.model_size_bytes or 0, r.validation_rmse))


def promotion_decision(
    candidate: Result,
    current_card: Mapping[str, Any] | None,
    force: bool,
    data_version: str,
    *,
    on_window: Any | None = None,
    rescore_problem: str | None = None,
) -> tuple[bool, str]:
    """Promote when there is no champion, when forced, or when the candidate's validation RMSE is lower.

    Validation scores are comparable only on the same window. When the current champion was trained
    on other data (the history moved, so the splits did), its card's score is from another window:
    the caller scores the old bundle on the candidate's validation window
    (:mod:`energy_assets.domain.training.comparison`; ``on_window``: its ``WindowScores``) and the same
    rule (strictly lower RMSE) decides on that. A champion that cannot be scored there
    (``rescore_problem``: an unreadable bundle, columns the new features lack) is replaced.
    """
    new = candidate.validation_rmse
    if current_card is None:
        return True, f"no current champion; {candidate.family} validation RMSE {new:.4f}"
    old = (current_card.get("metrics") or {}).get(VALIDATION, {}) or {}
    old_rmse = old.get("rmse")
    old_text = f"{old_rmse:.4f}" if isinstance(old_rmse, int | float) else str(old_rmse)
    if force:
        return True, f"forced; {candidate.family} {new:.4f} replaces {current_card.get('family')} {old_text}"
    if (current_card.get("extra") or {}).get("training_data_version") != data_version:
        if on_window is None:
            problem = rescore_problem or "not scored on the new validation window"
            return (
                True,
                f"current champion was trained on other data ({problem}); {candidate.family} {new:.4f} promoted",
            )
        window = f"on the new validation window {on_window.window_start} .. {on_window.window_end}"
        if on_window.candidate_rmse < on_window.champion_rmse:
            return (
                True,
                f"{candidate.family} validation RMSE {on_window.candidate_rmse:.4f} beats "
                f"{on_window.champion_family} {on_window.champion_rmse:.4f} {window}",
            )
        return (
            False,
            f"kept {on_window.champion_family} (RMSE {on_window.champion_rmse:.4f}) over "
            f"{candidate.family} ({on_window.candidate_rmse:.4f}) {window}",
        )
    if old_rmse is None or new < old_rmse:
        return (
            True,
            f"{candidate.family} validation RMSE {new:.4f} beats {current_card.get('family')} {old_text}",
        )
    return (
        False,
        f"kept {current_card.get('family')} (validation RMSE {old_text}) over {candidate.family} ({new:.4f})",
    )


def current_card(root: str | os.PathLike[str], task: str) -> dict[str, Any] | None:
    """The ``bundle.json`` of ``task``'s champion under ``root``, None when there is none (or it is unreadable)."""
    try:
        return read_bundle_card(bundle_folder(root, task))
    except (BundleError, OSError):
        return None


def code_version(repo: str | os.PathLike[str] | None = None) -> str:
    """``git rev-parse HEAD`` of the repository (``-dirty`` when files changed), else the package version."""
    root = Path(repo) if repo is not None else Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        if head:
            return f"{head}-dirty" if dirty else head
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return f"{PACKAGE}=={importlib_metadata.version(PACKAGE)}"
    except importlib_metadata.PackageNotFoundError:
        return "unknown"


#: write_bundle's keyword arguments shadow the helpers' names; it calls them through these.
_current_code_version = code_version


def data_version(path: str | os.PathLike[str]) -> str:
    """sha256 (hex) of a raw data file, the same data version the ingest assets record."""
    return ingest.sha256_of(Path(path))


def cleaned_schema() -> list[dict[str, Any]]:
    """Column name, unit and physical range of the cleaned schema (what the inputs must look like)."""
    out = []
    for column in schema.CLEAN_COLUMNS:
        entry: dict[str, Any] = {"name": column, "unit": schema.UNITS.get(column)}
        rng = schema.RANGES.get(column)
        entry["range"] = None if rng is None else [rng.low, rng.high]
        if column == schema.LOAD_TYPE:
            entry["categories"] = list(schema.LOAD_TYPES)
        elif column == schema.WEEK_STATUS:
            entry["categories"] = list(schema.WEEK_STATUSES)
        elif column == schema.DAY_OF_WEEK:
            entry["categories"] = list(schema.DAYS_OF_WEEK)
        out.append(entry)
    return out


def json_safe(value: Any) -> Any:
    """Metrics and params as plain JSON (numpy scalars -> float/int; NaN is not JSON -> None)."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


def bundle_card(
    result: Result,
    *,
    data_version: str,
    code_version: str,
    feature_columns: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    created_at: str | None = None,
) -> dict[str, Any]:
    """The content of ``bundle.json`` for ``result`` (``created_at`` defaults to now, UTC)."""
    if feature_columns is None:
        if isinstance(result, EstimateResult):
            feature_columns = list(result.model.feature_names)
        else:
            feature_columns = list(FORECAST_INPUT_COLUMNS)
    card: dict[str, Any] = {
        "bundle_version": BUNDLE_VERSION,
        "task": result.task,
        "family": result.family,
        "model_dir": MODEL_DIR,
        "feature_columns": list(feature_columns),
        "target": {"name": schema.USAGE_KWH, "unit": schema.UNITS[schema.USAGE_KWH]},
        "cleaned_schema": cleaned_schema(),
        "params": result.params,
        "metrics": result.metrics,
        "fit_seconds": result.fit_seconds,
        "model_size_bytes": result.model_size_bytes,
        "device": result.device,
        "data_version": data_version,
        "code_version": code_version,
        "created_at": created_at or datetime.now(UTC).isoformat(timespec="seconds"),
        "selected_by": "lowest validation RMSE",
    }
    if isinstance(result, EstimateResult):
        card["predict_us_per_row"] = result.predict_us_per_row
        card["tuning"] = result.tuning
    else:
        card["quantiles"] = list(result.quantiles)
        card["horizon"] = result.horizon
        card["predict_ms_per_forecast"] = result.predict_ms_per_forecast
        card["model_description"] = result.model.describe() if result.model is not None else None
    card["extra"] = dict(extra or {})
    return json_safe(card)


def write_bundle(
    result: Result,
    folder: str | os.PathLike[str],
    *,
    data_version: str,
    code_version: str | None = None,
    feature_columns: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    attachments: Mapping[str, pd.DataFrame] | None = None,
    created_at: str | None = None,
    companions: Mapping[str, Forecaster] | None = None,
    sections: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``<folder>/<task>/`` atomically and return it.

    ``attachments`` are frames written beside the model as parquet (e.g. the forecast champion's
    ``history.parquet``, without which the API refuses a forecast bundle), inside the same atomic swap.
    ``companions``: more fitted models saved natively in their own sub-folder (the forecast
    champion's ``nowcast/``), listed in the manifest like the model; ``sections``: top-level card
    entries that describe them (``intraday``: the served switch, see :func:`load_bundle`).

    Everything is written into a temporary sibling first, ``manifest.json`` last; only a complete
    bundle is renamed into place, so a crash leaves either the previous bundle or the new one,
    never half of one (an existing bundle is moved aside, the new one renamed in, then the old one
    deleted).
    """
    if result.status != EVALUATED or result.model is None:
        raise ValueError(f"{result.family}: only an evaluated, fitted model can be bundled ({result.status})")
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    target = root / result.task
    card = bundle_card(
        result,
        data_version=data_version,
        code_version=code_version if code_version is not None else _current_code_version(),
        feature_columns=feature_columns,
        extra=extra,
        created_at=created_at,
    )
    clash = sorted(set(sections or {}) & set(card))
    if clash:
        raise ValueError(f"card sections {clash} would replace the card's own entries")
    card.update(json_safe(dict(sections or {})))

    def fill(staging: Path) -> None:
        result.model.save(staging / MODEL_DIR)
        for name, model in (companions or {}).items():
            model.save(staging / name)
        for name, frame in (attachments or {}).items():
            frame.to_parquet(staging / name, index=False)
        (staging / BUNDLE_FILE).write_text(
            json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        manifest.write_manifest(staging, extra={"task": result.task, "family": result.family})

    return replace_folder(target, fill)


def replace_folder(target: Path, fill: Callable[[Path], None]) -> Path:
    """Build a folder with ``fill(staging)`` in a temporary sibling, then swap it in for ``target``.

    A crash leaves either the previous folder or the new one, never half of one (an existing
    folder is moved aside, the new one renamed in, then the old one deleted). Champion bundles and
    the serving readings are published this way.
    """
    root = target.parent
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=root))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the API may run as another user
        fill(staging)
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=root))
            os.replace(target, old / target.name)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


@dataclass(frozen=True)
class Bundle:
    """A loaded champion: the model (estimator or forecaster) and its ``bundle.json``."""

    path: Path
    task: str
    family: str
    model: Estimator | Forecaster
    feature_columns: tuple[str, ...]
    metadata: dict[str, Any]

    @property
    def quantiles(self) -> tuple[float, ...] | None:
        q = self.metadata.get("quantiles")
        return None if q is None else tuple(q)


def read_bundle_card(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse and check ``bundle.json`` (no model loading: cheap, for listings and health checks)."""
    path = Path(folder) / BUNDLE_FILE
    if not path.is_file():
        raise BundleError(f"{BUNDLE_FILE} is missing")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{BUNDLE_FILE} is not valid JSON ({type(exc).__name__})") from exc
    if not isinstance(card, dict):
        raise BundleError(f"{BUNDLE_FILE} is not a JSON object")
    for key in ("task", "family", "feature_columns", "model_dir"):
        if key not in card:
            raise BundleError(f"{BUNDLE_FILE} has no '{key}' entry")
    if card["task"] not in TASKS:
        raise BundleError(f"{BUNDLE_FILE}: unknown task {card['task']!r}")
    return card


def load_bundle(folder: str | os.PathLike[str]) -> Bundle:
    """Load ``<root>/<task>/`` written by :func:`write_bundle` (the model through its family's loader)."""
    path = Path(folder)
    card = read_bundle_card(path)
    model_dir = path / card["model_dir"]
    model: Estimator | Forecaster
    model = load_estimator(model_dir) if card["task"] == ESTIMATE else load_forecaster(model_dir)
    rule = intraday_rule_of(card)
    if rule is not None and isinstance(model, Forecaster):
        nowcast = load_forecaster(path / rule["model_dir"])
        if not isinstance(nowcast, NowcastForecaster):
            raise BundleError(f"{rule['model_dir']}/ holds a {nowcast.name!r} forecaster, not a nowcast")
        model = IntradayForecaster.from_rule(model, nowcast, rule)
    return Bundle(
        path=path,
        task=card["task"],
        family=card["family"],
        model=model,
        feature_columns=tuple(card["feature_columns"]),
        metadata=card,
    )


def intraday_rule_of(card: Mapping[str, Any]) -> dict[str, Any] | None:
    """The forecast card's served intraday switch (``intraday``, written by the champion asset from
    :func:`~energy_assets.domain.models.forecast.nowcast.intraday_rule`); None when the bundle has
    none or its rule serves the nowcast at no horizon."""
    rule = card.get(INTRADAY_CARD_KEY)
    if card.get("task") != FORECAST or not isinstance(rule, dict):
        return None
    if not rule.get("bands") or not isinstance(rule.get("model_dir"), str):
        return None
    return rule


def required_files(task: str) -> tuple[str, ...]:
    """Files a bundle of ``task`` must list in its manifest besides the model's own."""
    return (BUNDLE_FILE, HISTORY_FILE) if task == FORECAST else (BUNDLE_FILE,)


def verify_bundle(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a bundle folder without loading its model: manifest, card and required files.

    Returns ``bundle.json``'s content. Raises :class:`manifest.ManifestError` (its ``code`` says
    which check failed) or :class:`BundleError`; messages name files relative to the bundle, so
    they can be shown to API clients.
    """
    path = Path(folder)
    found = manifest.verify_manifest(path, required=(BUNDLE_FILE,))
    card = read_bundle_card(path)
    needed = required_files(card["task"])
    missing = [name for name in needed if name not in found["files"]]
    if missing:
        raise manifest.ManifestError("file_missing", f"a {card['task']} bundle needs {missing[0]}")
    model_dir = f"{card['model_dir'].rstrip('/')}/"
    if not any(name.startswith(model_dir) for name in found["files"]):
        raise manifest.ManifestError("file_missing", f"the manifest lists no file under {model_dir}")
    rule = intraday_rule_of(card)
    if rule is not None:
        nowcast_file = f"{rule['model_dir'].rstrip('/')}/{MODEL_FILE}"
        if nowcast_file not in found["files"]:
            raise manifest.ManifestError(
                "file_missing", f"the card's intraday rule serves {nowcast_file}, which the manifest lacks"
            )
    return card


def bundle_folder(root: str | os.PathLike[str], task: str) -> Path:
    """Where :func:`write_bundle` puts ``task``'s champion under ``root``."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {task!r}")
    return Path(root) / task


__all__ = [
    "BUNDLE_FILE",
    "HISTORY_FILE",
    "MANIFEST_FILE",
    "Bundle",
    "BundleError",
    "bundle_card",
    "bundle_folder",
    "cleaned_schema",
    "code_version",
    "data_version",
    "intraday_rule_of",
    "load_bundle",
    "pick_champion",
    "read_bundle_card",
    "replace_folder",
    "required_files",
    "verify_bundle",
    "write_bundle",
]
