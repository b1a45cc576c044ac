"""Liveness, what is loaded, how good it was, Prometheus metrics, and the admin reload."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response
from fastapi.concurrency import run_in_threadpool

from energy_api.generation import CONFIRM_TIMEOUT_S
from energy_api.public import scrub_paths
from energy_api.routers.deps import InputRuleError, ServiceDep
from energy_api.schemas import Health, PredictionLogStatus, ReloadResponse, TaskStatus, WorkerConfirmation

router = APIRouter(tags=["service"])


def _status(service: Any) -> dict[str, TaskStatus]:
    return {task: TaskStatus(**s) for task, s in service.registry.status().items()}


@router.get("/health", response_model=Health, summary="Liveness, which champions are loaded, what is wrong")
def health(service: ServiceDep) -> Health:
    problems = service.problems()
    log = None if service.log is None else PredictionLogStatus(**service.log.status())
    return Health(
        status="degraded" if problems else "ok",
        models=_status(service),
        readings=TaskStatus(**service.registry.readings_status()),
        problems=problems,
        generation=service.applied_generation,
        prediction_log=log,
    )


@router.get("/model/info", summary="What each loaded champion is: family, version, data, features")
def model_info(service: ServiceDep) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for task, state in service.registry.status().items():
        loaded = service.registry.peek(task)
        out[task] = {**state, **(loaded.info() if loaded is not None else {})}
    served = service.registry.readings()
    out["readings"] = {**service.registry.readings_status(), **(served.info() if served is not None else {})}
    out["tariff"] = {"name": service.tariff.name, "source": scrub_paths(str(service.tariff.source))}
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
    description="Checks the champion folder now and loads newer bundles; with several workers it answers "
    "once every worker serves the same generation (`confirmed`), or after "
    f"{CONFIRM_TIMEOUT_S:g} s saying which have not.",
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
        raise InputRuleError("X-API-Key", "send the admin key in the X-API-Key header", 401, "header")
    if not secrets.compare_digest(x_api_key.encode(), expected.encode()):
        raise InputRuleError("X-API-Key", "wrong admin key", 403, "header")
    outcome, generation = await run_in_threadpool(service.refresh_and_publish, force)
    acks = await run_in_threadpool(service.group.wait_for, generation)
    workers = {
        str(i): WorkerConfirmation(
            generation=None if a is None else a.get("generation"),
            models=None if a is None else a.get("models"),
        )
        for i, a in acks.items()
    }
    confirmed = all(w.generation is not None and w.generation >= generation for w in workers.values())
    return ReloadResponse(
        outcome=outcome,
        models=_status(service),
        generation=generation,
        confirmed=confirmed,
        workers=workers,
    )
