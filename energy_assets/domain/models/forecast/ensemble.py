"""The weighted ensemble of the two forecasters with the best out-of-sample validation RMSE."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.backtest import rolling_origin_backtest
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    MEAN,
    PLANT_PLAN,
    Forecaster,
    finish_forecast,
    finish_forecasts,
    load_forecaster,
    quantile_column,
    register_forecaster,
)
from energy_assets.domain.models.forecast.boosted import _BoostedQuantileForecaster
from energy_assets.domain.models.forecast.conformal import conformal_offsets
from energy_assets.domain.models.params import model_class, not_a_param, state


@register_forecaster
@model_class
class WeightedEnsembleForecaster(Forecaster):
    """Convex blend of the two candidates with the lowest validation RMSE.

    Selection, weight and calibration use OUT-OF-SAMPLE validation forecasts: each candidate is first
    trained on ``history`` alone (no refit). The weight minimises the blend's squared error on the
    validation origins (closed form, clipped to [0, 1]); quantiles are blended with the same weight and
    conformally shifted on that window. The two chosen members are then fitted as configured (which
    for the boosted models means calibrate on validation, then refit on history + validation), unless
    ``fit`` is handed them already fitted that way (``fitted``: the family assets' final models).
    """

    name: ClassVar[str] = "weighted_ensemble"

    candidates: Sequence[Forecaster] = not_a_param(())
    quantiles: Sequence[float] = DEFAULT_QUANTILES
    validation_step: int = 32
    members: list[Forecaster] = state(factory=list)
    weights: list[float] = state(factory=list)
    offsets: dict[str, float] = state(factory=dict)
    validation_rmse: dict[str, float] = state(factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.candidates = list(self.candidates)
        self.offsets = {quantile_column(q): 0.0 for q in self.quantiles}

    def describe(self) -> dict[str, Any]:
        return {
            "members": [m.name for m in self.members],
            "weights": self.weights,
            "validation_rmse": self.validation_rmse,
            "conformal_offsets_kwh": self.offsets,
        }

    def fit(
        self,
        history: pd.DataFrame,
        validation: pd.DataFrame | None = None,
        fitted: Mapping[str, Forecaster] | None = None,
    ) -> Self:
        """Choose the members and weights on ``validation``; ``fitted``: candidates already fitted as
        configured on this ``history`` and ``validation`` (by name; e.g. the models the family assets
        trained), used as the members instead of fitting them again. One is only taken if it is
        fitted and has the candidate's parameters, so it is the model ``twin().fit(history,
        validation)`` would give (the training is seeded); any other is fitted here."""
        if validation is None or len(validation) == 0:
            raise ValueError(f"{self.name}: needs a validation window to choose members and weights")
        if len(self.candidates) < 2:
            raise ValueError(f"{self.name}: needs at least two candidate forecasters")
        names = [c.name for c in self.candidates]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: candidate names must differ, got {names}")
        frame = pd.concat([history, validation], ignore_index=True)
        ts = validation[schema.TIMESTAMP]
        origins = list(
            pd.date_range(
                ts.min() - schema.INTERVAL,
                ts.max() - DEFAULT_HORIZON * schema.INTERVAL,
                freq=self.validation_step * schema.INTERVAL,
            )
        )
        runs = {}
        for candidate in self.candidates:
            probe = candidate
            if isinstance(candidate, _BoostedQuantileForecaster):
                probe = candidate.twin(refit_on_validation=False)
                probe.fit(history, validation)  # calibrated on validation, trained on history only
            else:
                probe = candidate.twin().fit(history)
            runs[candidate.name] = rolling_origin_backtest(probe, frame, origins, horizon=DEFAULT_HORIZON)
        self.validation_rmse = {
            name: float(np.sqrt(np.mean((r["actual"] - r[MEAN]) ** 2))) for name, r in runs.items()
        }
        best = sorted(self.candidates, key=lambda m: self.validation_rmse[m.name])[:2]
        a, b = runs[best[0].name], runs[best[1].name]
        actual = a["actual"].to_numpy()
        diff = (a[MEAN] - b[MEAN]).to_numpy()
        denom = float(np.dot(diff, diff))
        w = 1.0 if denom == 0 else float(np.clip(np.dot(actual - b[MEAN].to_numpy(), diff) / denom, 0, 1))
        self.weights = [w, 1.0 - w]
        blended = np.column_stack(
            [
                w * a[quantile_column(q)].to_numpy() + (1 - w) * b[quantile_column(q)].to_numpy()
                for q in self.quantiles
            ]
        )
        self.offsets = conformal_offsets(actual, blended, self.quantiles)
        self.members = [self._final(m, history, validation, fitted or {}) for m in best]
        self.fitted = True
        return self

    @staticmethod
    def _final(
        candidate: Forecaster,
        history: pd.DataFrame,
        validation: pd.DataFrame,
        fitted: Mapping[str, Forecaster],
    ) -> Forecaster:
        """The member for ``candidate``: its fitted model from ``fitted`` when that is the same model
        (same class, parameters and quantiles, fitted), else ``candidate`` fitted as configured."""
        given = fitted.get(candidate.name)
        if (
            given is not None
            and type(given) is type(candidate)
            and given.fitted
            and given.params() == candidate.params()
        ):
            return given
        return candidate.twin().fit(history, validation)

    def set_prediction_threads(self, threads: int) -> None:
        for member in self.members:
            member.set_prediction_threads(threads)

    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        self._require_fitted()
        forecasts = [m.predict(history, origin, horizon, future_covariates) for m in self.members]
        mean = sum(w * f[MEAN].to_numpy() for w, f in zip(self.weights, forecasts, strict=True))
        qv = np.column_stack(
            [
                sum(
                    w * f[quantile_column(q)].to_numpy() for w, f in zip(self.weights, forecasts, strict=True)
                )
                + self.offsets[quantile_column(q)]
                for q in self.quantiles
            ]
        )
        return finish_forecast(pd.Timestamp(origin), mean, qv, self.quantiles)

    def predict_origins(
        self,
        frame: pd.DataFrame,
        origins: Sequence[pd.Timestamp],
        horizon: int = DEFAULT_HORIZON,
        plan: str = PLANT_PLAN,
    ) -> pd.DataFrame:
        """The members' (vectorised) forecasts blended as :meth:`predict` blends them."""
        self._require_fitted()
        runs = [m.predict_origins(frame, origins, horizon, plan) for m in self.members]
        mean = sum(w * r[MEAN].to_numpy() for w, r in zip(self.weights, runs, strict=True))
        qv = np.column_stack(
            [
                sum(w * r[quantile_column(q)].to_numpy() for w, r in zip(self.weights, runs, strict=True))
                + self.offsets[quantile_column(q)]
                for q in self.quantiles
            ]
        )
        return finish_forecasts(origins, horizon, mean, qv, self.quantiles)

    def _save_artifacts(self, folder: Path) -> None:
        names = []
        for k, member in enumerate(self.members):
            member.save(folder / f"member_{k}")
            names.append(member.name)
        state = {
            "members": names,
            "weights": self.weights,
            "offsets": self.offsets,
            "validation_rmse": self.validation_rmse,
        }
        (folder / "ensemble.json").write_text(json.dumps(state, indent=2))

    def _load_artifacts(self, folder: Path) -> None:
        state = json.loads((folder / "ensemble.json").read_text())
        self.members = [load_forecaster(folder / f"member_{k}") for k in range(len(state["members"]))]
        self.weights = [float(w) for w in state["weights"]]
        self.offsets = {k: float(v) for k, v in state["offsets"].items()}
        self.validation_rmse = state["validation_rmse"]
