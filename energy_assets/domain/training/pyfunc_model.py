"""MLflow "model from code" for the families without an MLflow flavour (physics, hybrid, Cubist, the
seasonal naive, the boosted quantile forecasters, the ensemble): MLflow copies this file into the
logged model and runs it on load; nothing is pickled. The model's artifact ``model`` is the family's
own folder (the same files a champion bundle ships), loaded by the family's loader.

An estimator predicts kWh for each feature row; a forecaster takes a cleaned-schema history
(``timestamp``, ``usage_kwh``, ``load_type``) and forecasts the day after its last timestamp.
"""

from __future__ import annotations

from typing import Any

import mlflow
import pandas as pd


class FamilyModel(mlflow.pyfunc.PythonModel):
    """pyfunc over a family folder; ``model_config["task"]`` says estimate or forecast."""

    def load_context(self, context: Any) -> None:
        from energy_assets.domain.models.estimate import load_estimator
        from energy_assets.domain.models.forecast.base import load_forecaster

        self.task = (context.model_config or {}).get("task", "estimate")
        folder = context.artifacts["model"]
        self.model = load_estimator(folder) if self.task == "estimate" else load_forecaster(folder)

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None):
        if self.task == "estimate":
            return self.model.predict(model_input)
        history = model_input.assign(timestamp=pd.to_datetime(model_input["timestamp"]))
        reach = getattr(self.model, "max_horizon", 96)  # the nowcast forecasts at most 4 h
        horizon = int((params or {}).get("horizon", min(96, reach)))
        return self.model.predict(history, history["timestamp"].max(), horizon)


mlflow.models.set_model(FamilyModel())
