"""POST /copilot/chat: a question in Spanish or English, answered from tool results only."""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from energy_api.copilot.service import MAX_MESSAGE_CHARS, Copilot
from energy_api.routers.deps import ServiceDep

router = APIRouter(tags=["copilot"])
_lock = threading.Lock()


class ChatRequest(BaseModel):
    message: str = Field(
        ..., min_length=1, max_length=MAX_MESSAGE_CHARS, examples=["¿Cuánto consumimos ayer?"]
    )
    session_id: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any]
    result: dict[str, Any]


class ChatResponse(BaseModel):
    answer: str
    language: str
    tool_calls: list[ToolCall]
    session_id: str
    planner: str
    latency_ms: float


def copilot_of(service: Any) -> Copilot:
    """One copilot per app, built on first use from the environment (ENERGY_COPILOT_*, OLLAMA_HOST)."""
    with _lock:
        copilot = getattr(service, "_copilot", None)
        if copilot is None:
            copilot = Copilot.from_settings(service)
            object.__setattr__(service, "_copilot", copilot)
        return copilot


@router.post("/copilot/chat", response_model=ChatResponse, summary="Ask the copilot (Spanish or English)")
def chat(request: ChatRequest, service: ServiceDep) -> dict[str, Any]:
    return copilot_of(service).chat(request.message, request.session_id)
