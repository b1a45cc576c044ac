"""ONNX for the tree families (XGBoost, LightGBM): export, parity on the test split, and a measured decision.

ONNX applies to the boosted-tree estimators only. The physics estimator is a closed-form formula (no
trees), the hybrid clips physics + a LightGBM residual into the feasible interval (the clip is not in
the tree graph) and Cubist has no converter, so those are reported as "not applicable".

Precision: ONNX's ``TreeEnsembleRegressor`` (ai.onnx.ml opset 1, what onnxmltools emits) compares
and sums in float32. usage_kwh reaches ~157 kWh, where one float32 step is ~1.5e-5, so parity is judged
on the RELATIVE difference ``|onnx - native| / max(1, |native|) <= 1e-5``; the absolute maximum is
reported beside it. (onnxmltools' double-input path for LightGBM was measured wrong by over 1 kWh
here: not used.)

Decision rule: serve through ONNX only if parity holds AND onnxruntime is measurably faster, i.e. its
median per-row time over repeated timed batches beats the native one by more than ``min_speedup``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain.models.estimate.base import Estimator
from energy_assets.domain.models.estimate.trees import LightGBMEstimator, XGBoostEstimator

#: Default ONNX opset the pinned onnxmltools (1.16) supports for tree converters.
TARGET_OPSET = 15
INPUT_NAME = "input"
PARITY_TOLERANCE = 1e-5
#: ONNX must be at least 10 % faster per row to be worth a second serving path.
MIN_SPEEDUP = 1.10
TREE_FAMILIES: tuple[str, ...] = (XGBoostEstimator.name, LightGBMEstimator.name)


class NotExportable(ValueError):
    """The estimator is not a tree family ONNX applies to (physics, hybrid, cubist)."""


def to_onnx(estimator: Estimator, n_features: int | None = None):
    """The ONNX model of a fitted XGBoost/LightGBM estimator (float32 input named ``input``).

    Only the trees the native ``predict`` uses are exported (early stopping); XGBoost's converter wants
    anonymous ``f0..fn`` features, so the column order is the estimator's ``feature_names`` (what
    :func:`predict_onnx` feeds).
    """
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType

    n = n_features if n_features is not None else len(estimator.feature_names)
    types = [(INPUT_NAME, FloatTensorType([None, n]))]
    if isinstance(estimator, XGBoostEstimator) and estimator.model is not None:
        return onnxmltools.convert_xgboost(
            _xgboost_booster(estimator), initial_types=types, target_opset=TARGET_OPSET
        )
    if isinstance(estimator, LightGBMEstimator) and estimator.booster is not None:
        return onnxmltools.convert_lightgbm(
            _lightgbm_booster(estimator), initial_types=types, target_opset=TARGET_OPSET
        )
    raise NotExportable(
        f"{getattr(estimator, 'name', type(estimator).__name__)}: ONNX applies to the fitted tree families "
        f"{TREE_FAMILIES} only"
    )


def _xgboost_booster(estimator: XGBoostEstimator):
    """The trees ``predict`` uses: up to the early-stopping best iteration, features anonymised.

    XGBRegressor.predict stops at ``best_iteration`` but the booster keeps every round; exporting all of
    them was measured 0.016 kWh off on the 2018 test split.
    """
    booster = estimator.model.get_booster()
    try:
        best = estimator.model.best_iteration
    except AttributeError:  # trained without early stopping
        best = None
    if best is not None and best + 1 < booster.num_boosted_rounds():
        booster = booster[: best + 1]
    booster = booster.copy()
    booster.feature_names = None
    booster.feature_types = None
    return booster


def _lightgbm_booster(estimator: LightGBMEstimator):
    """The trees ``predict`` uses: a booster cut at ``best_iteration`` when early stopping set one."""
    import lightgbm as lgb

    best = estimator.booster.best_iteration or None
    if best is None or best >= estimator.booster.current_iteration():
        return estimator.booster
    return lgb.Booster(model_str=estimator.booster.model_to_string(num_iteration=best))


def session(model: Any, threads: int = 1):
    """An onnxruntime CPU session (single-threaded by default, like the native timing)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def predict_onnx(sess: Any, estimator: Estimator, X: pd.DataFrame) -> np.ndarray:
    features = X[list(estimator.feature_names)].to_numpy(np.float32)
    return np.asarray(sess.run(None, {INPUT_NAME: features})[0], dtype=float).ravel()


def save_onnx(model: Any, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(model.SerializeToString())
    return out


def _median_us_per_row(predict, X: pd.DataFrame, repeats: int) -> float:
    predict(X)  # warm-up: first-call allocations are not serving cost
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(X)
        times.append(time.perf_counter() - start)
    return float(np.median(times) / len(X) * 1e6)


@dataclass(frozen=True)
class OnnxDecision:
    """Parity and timing of one family, and whether to serve it through ONNX."""

    family: str
    rows: int
    max_abs_diff: float
    max_rel_diff: float
    parity_ok: bool
    native_us_per_row: float
    onnx_us_per_row: float
    speedup: float
    serve_onnx: bool
    reason: str
    onnx_size_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_onnx(
    estimator: Estimator,
    X_test: pd.DataFrame,
    *,
    model: Any = None,
    repeats: int = 7,
    batch_rows: int | None = None,
    min_speedup: float = MIN_SPEEDUP,
    tolerance: float = PARITY_TOLERANCE,
) -> OnnxDecision:
    """Export, check parity on ``X_test`` and time native vs onnxruntime on the same rows;
    ``model``: the estimator's ONNX model when the caller already converted it (:func:`to_onnx`),
    so a decision and the saved file come from one conversion."""
    model = to_onnx(estimator) if model is None else model
    sess = session(model)
    native = estimator.predict(X_test)
    onnx_pred = predict_onnx(sess, estimator, X_test)
    diff = np.abs(onnx_pred - native)
    rel = diff / np.maximum(1.0, np.abs(native))
    parity = bool(rel.max() <= tolerance)
    X_timed = X_test if batch_rows is None else X_test.iloc[:batch_rows]
    native_us = _median_us_per_row(estimator.predict, X_timed, repeats)
    onnx_us = _median_us_per_row(lambda X: predict_onnx(sess, estimator, X), X_timed, repeats)
    speedup = native_us / onnx_us if onnx_us > 0 else float("inf")
    serve = parity and speedup >= min_speedup
    if not parity:
        reason = f"parity fails (max relative diff {rel.max():.2e} > {tolerance:.0e}): serve native"
    elif serve:
        reason = f"ONNX {speedup:.2f}x faster ({onnx_us:.2f} vs {native_us:.2f} µs/row): serve through ONNX"
    else:
        reason = (
            f"ONNX not measurably faster ({speedup:.2f}x, {onnx_us:.2f} vs {native_us:.2f} µs/row, "
            f"needs {min_speedup:.2f}x): serve native"
        )
    return OnnxDecision(
        family=estimator.name,
        rows=len(X_test),
        max_abs_diff=float(diff.max()),
        max_rel_diff=float(rel.max()),
        parity_ok=parity,
        native_us_per_row=native_us,
        onnx_us_per_row=onnx_us,
        speedup=float(speedup),
        serve_onnx=serve,
        reason=reason,
        onnx_size_bytes=len(model.SerializeToString()),
    )


def champion_applicability(family: str) -> str:
    """Why ONNX does or does not apply to a champion family (for the model card and the README)."""
    if family in TREE_FAMILIES:
        return f"{family} is a tree family: exported to ONNX and measured"
    return (
        f"{family} champion has no exportable tree ensemble (physics formula / clipped hybrid / Cubist "
        f"rules): ONNX applies to the tree families {', '.join(TREE_FAMILIES)} only"
    )


__all__ = [
    "MIN_SPEEDUP",
    "PARITY_TOLERANCE",
    "TREE_FAMILIES",
    "NotExportable",
    "OnnxDecision",
    "champion_applicability",
    "evaluate_onnx",
    "predict_onnx",
    "save_onnx",
    "session",
    "to_onnx",
]
