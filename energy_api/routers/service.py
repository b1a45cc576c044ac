"""Liveness, what is loaded, how good it was, Prometheus metrics, and the admin reload."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response
from fastapi.concurrency import run_in_threadpool

from energy_api.routers.deps import ServiceDep
from energy_api.schemas import Health, ReloadResponse, TaskStatus

router = APIRouter(tags=["service"])


def _status(service: Any) -> dict[str, TaskStatus]:
    return {task: TaskStatus(**s) for task, s in service.registry.status().items()}


@router.get("/health", response_model=Health, summary="Liveness and which champions are loaded")
def health(service: ServiceDep) -> Health:
    return Health(
        status="ok", models=_status(service), readings=TaskStatus(**service.registry.readings_status())
    )


@router.get("/model/info", summary="What each loaded champion is: family, version, data, features")
def model_info(service: ServiceDep) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task, state in service.registry.status().items():
        loaded = service.registry.peek(task)
        out[task] = {**state, **(loaded.info() if loaded is not None else {})}
    served = service.registry.readings()
    out["readings"] = {**service.registry.readings_status(), **(served.info() if served is not None else {})}
    out["tariff"] = {"name": service.tariff.name, "source": service.tariff.source}
    return out


@router.get("/model/metrics", summary="The champions' validation and test scores from their bundles")
def model_metrics(service: ServiceDep) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task in service.registry.status():
        loaded = service.registry.peek(task)
        if loaded is None:
            out[task] = None
            continue
        meta = loaded.metadata
        out[task] = {
            "model_version": loaded.model_version,
            "selected_by": meta.get("selected_by"),
            "metrics": meta.get("metrics"),
            "model_description": meta.get("model_description"),
        }
    return out


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def prometheus(service: ServiceDep) -> Response:
    body, content_type = service.metrics.render()
    return Response(content=body, media_type=content_type)


@router.post(
    "/admin/reload",
    response_model=ReloadResponse,
    summary="Load newer champion bundles now (header X-API-Key)",
    responses={
        401: {"description": "no key sent"},
        403: {"description": "wrong key"},
        503: {"description": "no key configured"},
    },
)
async def reload_models(
    service: ServiceDep,
    x_api_key: Annotated[str | None, Header(description="Must equal ENERGY_API_KEY.")] = None,
    force: bool = False,
) -> ReloadResponse:
    expected = service.settings.api_key
    if not expected:
        raise HTTPException(status_code=503, detail="admin endpoints are off: ENERGY_API_KEY is not set")
    if not x_api_key:
        raise HTTPException(status_code=401, detail="send the admin key in the X-API-Key header")
    if not secrets.compare_digest(x_api_key.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="wrong X-API-Key")
    outcome = await run_in_threadpool(service.registry.refresh, force)
    return ReloadResponse(outcome=outcome, models=_status(service))
