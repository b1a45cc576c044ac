"""Which readings drive an estimate: SHAP values through the model's predict function only.

The explainer is model-agnostic (shap's permutation explainer over an independent masker with a
small background sample), so the physics champion, which has no trees, is explained the same way as
LightGBM. Permutation SHAP values sum to ``prediction - mean background prediction`` per row, exact
for any model, which is what the API's ``/explain/peak`` shows. Sizes are kept small (200 rows,
100 background rows) so a summary takes seconds on a CPU.

Caveat for the triangle-based models: independent masking combines one row's reactive energy with
another row's power factor, rows no meter would produce. The physics and hybrid estimates of those
rows can be far from any real reading, so per-feature contributions of the power factors can be
large and of opposite signs; they still add up exactly to ``prediction - base_value``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_SAMPLE_ROWS = 200
DEFAULT_BACKGROUND_ROWS = 100
MEAN_ABS_SHAP = "mean_abs_shap"
FEATURE = "feature"
BASE_VALUE = "base_value"
PREDICTION = "prediction"
#: Forward+backward passes per row. Cost: rows x background x PERMUTATIONS x (2 x features + 1)
#: predictions (200 x 100 x 2 x 19 = 760k rows for 9 features: ~1 s for physics, ~1 min for Cubist).
PERMUTATIONS = 2


def _predict_fn(model: Any, feature_names: Sequence[str]) -> Callable[[np.ndarray], np.ndarray]:
    """shap passes numpy arrays; estimators select columns by name, so rebuild a frame."""
    names = list(feature_names)
    predict = model.predict if hasattr(model, "predict") else model

    def f(values: np.ndarray) -> np.ndarray:
        return np.asarray(predict(pd.DataFrame(np.asarray(values, dtype=float), columns=names)), dtype=float)

    return f


def _explainer(model: Any, background: pd.DataFrame, feature_names: Sequence[str], seed: int) -> Any:
    import shap

    masker = shap.maskers.Independent(
        background[list(feature_names)].to_numpy(dtype=float), max_samples=len(background)
    )
    return shap.explainers.Permutation(
        _predict_fn(model, feature_names), masker, feature_names=list(feature_names), seed=seed
    )


def _features_of(model: Any, X: pd.DataFrame, feature_names: Sequence[str] | None) -> list[str]:
    if feature_names is not None:
        return list(feature_names)
    names = getattr(model, "feature_names", None)
    return list(names) if names else [str(c) for c in X.columns]


def shap_summary(
    model: Any,
    X_sample: pd.DataFrame,
    feature_names: Sequence[str] | None = None,
    seed: int = 42,
    *,
    n_rows: int = DEFAULT_SAMPLE_ROWS,
    n_background: int = DEFAULT_BACKGROUND_ROWS,
) -> pd.DataFrame:
    """Mean |SHAP| per feature over up to ``n_rows`` rows of X_sample, largest first (kWh).

    ``feature_names`` defaults to the model's fitted features; background and explained rows are drawn
    from X_sample with ``seed`` (disjoint when X_sample is large enough).
    """
    names = _features_of(model, X_sample, feature_names)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X_sample))
    n_bg = min(n_background, max(len(X_sample) // 2, 1))
    background = X_sample.iloc[order[:n_bg]]
    rows = X_sample.iloc[order[n_bg : n_bg + n_rows]] if len(X_sample) > n_bg else X_sample
    values = shap_contributions(model, rows, background, feature_names=names, seed=seed)[names].to_numpy()
    summary = pd.DataFrame({FEATURE: names, MEAN_ABS_SHAP: np.abs(values).mean(axis=0)})
    return summary.sort_values(MEAN_ABS_SHAP, ascending=False, kind="stable").reset_index(drop=True)


def shap_contributions(
    model: Any,
    X_rows: pd.DataFrame,
    background: pd.DataFrame,
    *,
    feature_names: Sequence[str] | None = None,
    seed: int = 42,
) -> pd.DataFrame:
    """Per-row SHAP contributions (kWh) with ``base_value`` and ``prediction`` columns, X_rows' index.

    For each row, base_value + sum(contributions) == prediction (up to float error): the explanation
    accounts for the whole estimate.
    """
    names = _features_of(model, X_rows, feature_names)
    explainer = _explainer(model, background, names, seed)
    values = X_rows[names].to_numpy(dtype=float)
    explanation = explainer(values, max_evals=PERMUTATIONS * (2 * len(names) + 1), silent=True)
    out = pd.DataFrame(explanation.values, columns=names, index=X_rows.index)
    out[BASE_VALUE] = np.broadcast_to(np.asarray(explanation.base_values, dtype=float), (len(X_rows),))
    out[PREDICTION] = _predict_fn(model, names)(values)
    return out


def save_summary_plot(summary: pd.DataFrame, path: str | os.PathLike[str], title: str | None = None) -> None:
    """Horizontal bar chart of mean |SHAP| (PNG, Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ordered = summary.sort_values(MEAN_ABS_SHAP)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(ordered) + 1.2))
    try:
        ax.barh(ordered[FEATURE], ordered[MEAN_ABS_SHAP], color="#3b6ea5")
        ax.set_xlabel("mean |SHAP| (kWh)")
        ax.set_title(title or "What drives the usage_kwh estimate")
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)


__all__ = ["save_summary_plot", "shap_contributions", "shap_summary"]
