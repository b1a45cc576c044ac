"""POST /copilot/chat: a question in Spanish or English, answered from tool results only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from energy_api.copilot.service import MAX_MESSAGE_CHARS

router = APIRouter(tags=["copilot"])


class ChatRequest(BaseModel):
    message: str = Field(
        ..., min_length=1, max_length=MAX_MESSAGE_CHARS, examples=["¿Cuánto consumimos en abril de 2018?"]
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


@router.post("/copilot/chat", response_model=ChatResponse, summary="Ask the copilot (Spanish or English)")
def chat(body: ChatRequest, request: Request) -> dict[str, Any]:
    return request.app.state.copilot.chat(body.message, body.session_id)
