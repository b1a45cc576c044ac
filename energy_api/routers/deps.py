"""Shared dependencies of the routers: the app's service state, the rule error, logging helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request

from energy_api.prediction_log import PredictionRecord
from energy_api.registry import LoadedBundle
from energy_api.schemas import ModelStamp

if TYPE_CHECKING:
    from energy_api.main import Service


class InputRuleError(ValueError):
    """A request that breaks a rule the schema cannot express (batch limit, unique timestamps)."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


def get_service(request: Request) -> Service:
    return request.app.state.service


ServiceDep = Annotated[Any, Depends(get_service)]


def stamp(loaded: LoadedBundle) -> ModelStamp:
    return ModelStamp(
        family=loaded.family, model_version=loaded.model_version, data_version=loaded.data_version
    )


def log_prediction(
    service: Service, endpoint: str, loaded: LoadedBundle, n_rows: int, request: Any, response: Any
) -> None:
    """Queue one record for the prediction log (no-op when the log is off)."""
    if service.log is None:
        return
    service.log.append(
        PredictionRecord(
            endpoint=endpoint,
            task=loaded.task,
            family=loaded.family,
            model_version=loaded.model_version,
            data_version=loaded.data_version,
            code_version=loaded.metadata.get("code_version"),
            n_rows=n_rows,
            request=request,
            response=response,
        )
    )
