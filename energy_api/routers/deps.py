"""Shared dependencies of the routers: the app's service state, the rule error, logging helpers."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any

import pydantic_core
from fastapi import Depends, Request, Response

from energy_api.precision import round_figures_except
from energy_api.prediction_log import PredictionRecord
from energy_api.registry import LoadedBundle
from energy_api.schemas import ModelStamp
from energy_api.services.errors import InputRuleError

if TYPE_CHECKING:
    from energy_api.main import Service

__all__ = ["InputRuleError", "ServiceDep", "get_service", "log_prediction", "respond", "stamp"]


async def get_service(request: Request) -> Service:
    """The app's service state. ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its
    thread pool, a thread hop per request that cost /predict more than the model itself."""
    return request.app.state.service


ServiceDep = Annotated[Any, Depends(get_service)]


def stamp(loaded: LoadedBundle) -> ModelStamp:
    return ModelStamp(
        family=loaded.family, model_version=loaded.model_version, data_version=loaded.data_version
    )


def respond(
    service: Service,
    endpoint: str,
    loaded: LoadedBundle,
    n_rows: int,
    request: Any,
    payload: dict[str, Any],
    rounded: Collection[str] = (),
) -> Response:
    """Serialise a hot endpoint's answer once, log those same bytes, and send them.

    Why not return the dict: FastAPI would validate it against ``response_model`` again and encode it
    a second time for the log; measured under load, that was a third of /predict/batch's CPU. The
    shape is still the documented one (the OpenAPI schema comes from ``response_model``, and the
    schemathesis run checks responses against it).

    Figures go out at their precision (``energy_api.precision``); ``rounded`` names top-level keys the
    endpoint has already rounded column by column with ``precision.round_column`` (/forecast's points:
    walking 96 points of ten figures each cost more CPU than the rest of the answer).
    """
    body = pydantic_core.to_json(round_figures_except(payload, rounded))
    log_prediction(service, endpoint, loaded, n_rows, request, body.decode())
    return Response(content=body, media_type="application/json")


def log_prediction(
    service: Service, endpoint: str, loaded: LoadedBundle, n_rows: int, request: Any, response: Any
) -> None:
    """Queue one record for the prediction log (no-op when the log is off); ``request`` and
    ``response`` are JSON text or JSON-serialisable values."""
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
