"""Request hardening: a body size cap (413 before the JSON is parsed) and CORS from configuration.

Why at the ASGI layer: FastAPI reads the whole body before validation, so a 1 GB POST would be held in
memory before pydantic could refuse it. The cap checks ``Content-Length`` first and then counts the
bytes actually received, so a chunked upload without a length (or with a false one) cannot slip past.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

Scope = dict[str, Any]


def too_large_detail(limit: int) -> str:
    return (
        f"request body exceeds the limit of {limit} bytes (ENERGY_MAX_BODY_BYTES); "
        "send fewer rows per request"
    )


class BodySizeLimitMiddleware:
    """Answers 413 with a JSON ``detail`` when a request body is larger than ``max_body_bytes``."""

    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def _reject(self, send: Any) -> None:
        body = json.dumps({"detail": too_large_detail(self.max_body_bytes)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_body_bytes:
                    await self._reject(send)
                    return
        # Read the body here (FastAPI buffers it anyway) so a chunked upload is capped as well.
        chunks: list[bytes] = []
        received = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # client went away: let the app see it
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                await self._reject(send)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def add_hardening(app: FastAPI, *, max_body_bytes: int, cors_origins: tuple[str, ...]) -> None:
    """Body cap always; CORS only for the configured origins (none by default: same-origin only)."""
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
            allow_credentials=False,
        )
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=max_body_bytes)
