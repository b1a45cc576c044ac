"""Every endpoint documents a request example (when it takes a body) and a response example; the
response examples are real answers that still validate against the response models."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from energy_api.main import create_app
from energy_api.openapi_examples import load_examples
from energy_api.settings import Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    return create_app(Settings(champion_dir=tmp_path_factory.mktemp("no-champion")))


def _request_example(spec: dict, body: dict) -> bool:
    content = body["content"]["application/json"]
    if content.get("example") is not None or content.get("examples"):
        return True
    ref = content.get("schema", {}).get("$ref", "")
    return bool(ref and spec["components"]["schemas"][ref.split("/")[-1]].get("examples"))


def test_every_path_has_its_examples(app) -> None:
    spec = app.openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ok = next(code for code in operation["responses"] if code.startswith("2"))
            media = operation["responses"][ok].get("content") or {}
            if not any(m.get("example") is not None or m.get("examples") for m in media.values()):
                missing.append(f"{method.upper()} {path}: response")
            if "requestBody" in operation and not _request_example(spec, operation["requestBody"]):
                missing.append(f"{method.upper()} {path}: request")
    assert not missing, missing
    assert len(spec["paths"]) >= 14


def _api_routes(routes: list) -> list[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI keeps those as one route each)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif (included := getattr(route, "original_router", None)) is not None:
            found.extend(_api_routes(included.routes))
    return found


def test_response_examples_match_the_response_models(app) -> None:
    """The app's own routes (every router it mounts, none listed by hand here)."""
    examples = load_examples()
    routes = {
        f"{method.lower()} {route.path}": route
        for route in _api_routes(app.routes)
        for method in route.methods
    }
    assert set(examples) <= set(routes), set(examples) - set(routes)
    checked = 0
    for key, example in examples.items():
        model = routes[key].response_model
        if model is not None:
            TypeAdapter(model).validate_python(example["response"])
            checked += 1
    assert checked >= 10
