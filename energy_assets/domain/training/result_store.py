"""Persist a training result (fitted model + scores) as a folder, and read it back.

The training assets hand results to the leaderboard and the champion through this store, so each
downstream asset reads exactly the model its input names, in the model's native format (no pickle):
``model/`` (the family's own save), ``result.json`` (every other field) and, for forecasters, the
backtests as parquet (the ensemble blends its members' validation runs).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain.models.estimate import load_estimator
from energy_assets.domain.models.forecast.base import load_forecaster
from energy_assets.domain.tasks import ESTIMATE
from energy_assets.domain.training import champion
from energy_assets.domain.training.forecast import FOUNDATION_FORECASTERS
from energy_assets.domain.training.results import EstimateResult, ForecastResult

RESULT_FILE = "result.json"
MODEL_DIR = "model"
FRAME_FIELDS = ("validation_backtest", "test_backtest", "bands")
#: Fields holding frames by split (``<field>.<split>.parquet``).
FRAME_DICT_FIELDS = ("derived_plan_backtests", "hourly_backtests")

Result = EstimateResult | ForecastResult


def save_result(result: Result, folder: str | os.PathLike[str]) -> Path:
    """Write ``folder`` atomically (temp sibling, then rename)."""
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        card: dict[str, Any] = {}
        for f in dataclasses.fields(result):
            value = getattr(result, f.name)
            if f.name == "model":
                if value is not None:
                    value.save(staging / MODEL_DIR)
            elif f.name in FRAME_FIELDS:
                if value is not None:
                    value.to_parquet(staging / f"{f.name}.parquet", index=False)
            elif f.name in FRAME_DICT_FIELDS:
                for key, frame in value.items():
                    frame.to_parquet(staging / f"{f.name}.{key}.parquet", index=False)
            else:
                card[f.name] = champion.json_safe(value)
        (staging / RESULT_FILE).write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def load_result(folder: str | os.PathLike[str]) -> Result:
    """Rebuild the result written by :func:`save_result`, with its model loaded."""
    folder = Path(folder)
    card = json.loads((folder / RESULT_FILE).read_text(encoding="utf-8"))
    model_dir = folder / MODEL_DIR
    if card["task"] == ESTIMATE:
        cls = EstimateResult
        model = load_estimator(model_dir) if model_dir.exists() else None
    else:
        cls = ForecastResult
        if model_dir.exists():
            if card["family"] in FOUNDATION_FORECASTERS:
                import energy_assets.domain.models.forecast.foundation  # noqa: F401 - registers the adapters
            model = load_forecaster(model_dir)
        else:
            model = None
    kwargs: dict[str, Any] = {"model": model}
    for f in dataclasses.fields(cls):
        if f.name == "model":
            continue
        if f.name in FRAME_FIELDS:
            path = folder / f"{f.name}.parquet"
            kwargs[f.name] = pd.read_parquet(path) if path.exists() else None
        elif f.name in FRAME_DICT_FIELDS:
            prefix = f"{f.name}."
            kwargs[f.name] = {
                p.name[len(prefix) : -len(".parquet")]: pd.read_parquet(p)
                for p in sorted(folder.glob(f"{prefix}*.parquet"))
            }
        elif f.name in card:
            value = card[f.name]
            if f.name in ("feature_columns", "quantiles") and value is not None:
                value = tuple(value)
            kwargs[f.name] = value
    return cls(**kwargs)
