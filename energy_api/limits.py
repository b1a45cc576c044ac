"""Request hardening: request ids and 500s, a body size cap, a JSON content-type check, CORS.

Why at the ASGI layer: FastAPI reads the whole body before validation, so a 1 GB POST would be held in
memory before pydantic could refuse it. The cap checks ``Content-Length`` first and then counts the
bytes actually received, so a chunked upload without a length (or with a false one) cannot slip past.

Every response carries ``X-Request-ID`` (the client's, when it sent a sane one). An exception no
handler claims is logged with its traceback and that id, and answered 500 with the id and no
exception text, so a client can quote the id and an operator can find the log line.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

Scope = dict[str, Any]


REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
_log = logging.getLogger("energy_api.errors")


def request_id_of(scope: Scope) -> str | None:
    return scope.get("energy_request_id")


def error_body(scope: Scope, detail: Any) -> dict[str, Any]:
    """The JSON of every error answer: ``detail`` (a list of {field, rule, ...} for 4xx) and the id."""
    return {"detail": detail, "request_id": request_id_of(scope)}


def rule_detail(field: str, rule: str, kind: str) -> list[dict[str, Any]]:
    return [{"loc": [field], "field": field, "rule": rule, "msg": rule, "type": kind}]


async def _send_json(send: Any, status: int, content: dict[str, Any], request_id: str | None) -> None:
    body = json.dumps(content).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if request_id:
        headers.append((REQUEST_ID_HEADER, request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestIdMiddleware:
    """Gives every request an id (``X-Request-ID``) and turns an unhandled exception into a logged 500."""

    def __init__(self, app: Any, on_server_error: Callable[[str], None] | None = None) -> None:
        self.app = app
        self.on_server_error = on_server_error

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(REQUEST_ID_HEADER, b"")
        request_id = given.decode() if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope["energy_request_id"] = request_id
        started = False

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0].lower() != REQUEST_ID_HEADER]
                message = {**message, "headers": [*headers, (REQUEST_ID_HEADER, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            route = getattr(scope.get("route"), "path", None) or scope.get("path", "?")
            _log.exception("request %s %s %s failed", request_id, scope.get("method"), scope.get("path"))
            if self.on_server_error is not None:
                self.on_server_error(route)
            if started:  # the answer was under way: nothing better to do than close it
                raise
            content = {
                "detail": f"internal error: the service log has the details under request id {request_id}",
                "request_id": request_id,
            }
            await _send_json(send, 500, content, request_id)


class JsonContentTypeMiddleware:
    """415 for a body sent to a JSON endpoint with another Content-Type (e.g. text/plain)."""

    def __init__(self, app: Any, json_routes: Callable[[], set[tuple[str, str]]]) -> None:
        self.app = app
        self.json_routes = json_routes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and (scope.get("method"), scope.get("path")) in self.json_routes():
            headers = dict(scope.get("headers", []))
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower().decode("latin-1")
            has_body = headers.get(b"content-length", b"0") != b"0" or b"transfer-encoding" in headers
            if (kind or has_body) and not (kind == "application/json" or kind.endswith("+json")):
                sent = kind or "none"
                rule = f"must be application/json, got {sent}"
                content = {"detail": rule_detail("Content-Type", rule, "unsupported_media_type")}
                content["request_id"] = request_id_of(scope)
                await _send_json(send, 415, content, None)
                return
        await self.app(scope, receive, send)


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

    async def _reject(self, scope: Scope, send: Any) -> None:
        detail = rule_detail("body", too_large_detail(self.max_body_bytes), "too_large")
        await _send_json(send, 413, {"detail": detail, "request_id": request_id_of(scope)}, None)

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
                    await self._reject(scope, send)
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
                await self._reject(scope, send)
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


def json_body_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation whose OpenAPI schema takes a JSON request body."""
    out = set()
    for path, operations in app.openapi().get("paths", {}).items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                out.add((method.upper(), path))
    return out


def add_hardening(
    app: FastAPI,
    *,
    max_body_bytes: int,
    cors_origins: tuple[str, ...],
    on_server_error: Callable[[str], None] | None = None,
) -> None:
    """Content-type check, body cap, request ids and 500s always; CORS only for the configured origins
    (none by default: same-origin only). Call it after the routers are included."""
    routes: set[tuple[str, str]] | None = None

    def json_routes() -> set[tuple[str, str]]:
        nonlocal routes
        if routes is None:
            routes = json_body_routes(app)
        return routes

    app.add_middleware(JsonContentTypeMiddleware, json_routes=json_routes)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key"],
            allow_credentials=False,
        )
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=max_body_bytes)
    app.add_middleware(RequestIdMiddleware, on_server_error=on_server_error)  # outermost: sees every error
