"""Request and response examples for every endpoint of the OpenAPI schema (Swagger UI and ReDoc show them).

The examples in ``openapi_examples.json`` are real answers: recorded from the test champion of
``tests/api`` (January-February 2018 readings) with every list cut to its first three items, so they
are shorter than a live answer but have its shape and figures. ``tests/api/test_openapi_examples.py``
validates every response example against the endpoint's response model and fails when a path has no
example, so a schema change that the examples no longer match is caught.

Where a route already declares its own request examples (``/scenarios``, ``/query``, the models'
``json_schema_extra``) those are kept; the recorded request fills only the paths that had none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI

EXAMPLES_FILE = Path(__file__).with_name("openapi_examples.json")
#: Endpoints that answer something other than JSON.
MEDIA_TYPES = {"/metrics": "text/plain"}


def load_examples() -> dict[str, dict[str, Any]]:
    """``{"<method> <path>": {"request": body or None, "response": answer}}``."""
    return json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))


def with_examples(spec: dict[str, Any], examples: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``spec`` with each recorded example set on its operation's 200 answer and, when the operation
    takes a body without an example, on its request body."""
    for key, example in examples.items():
        method, path = key.split(" ", 1)
        operation = spec.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        ok = next((code for code in responses if code.startswith("2")), "200")  # e.g. 202 for /readings
        answer = responses.setdefault(ok, {"description": "Successful Response"})
        media = answer.setdefault("content", {}).setdefault(MEDIA_TYPES.get(path, "application/json"), {})
        media["example"] = example["response"]
        body = operation.get("requestBody")
        if body is not None and example.get("request") is not None:
            content = body.setdefault("content", {}).setdefault("application/json", {})
            if not content.get("examples") and not content.get("example"):
                content["example"] = example["request"]
    return spec


def add_examples(app: FastAPI) -> None:
    """Build the app's OpenAPI schema (once, on first request) with the recorded examples."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_examples(build(), load_examples())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
