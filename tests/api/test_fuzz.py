"""Schemathesis against the live OpenAPI spec: whatever the input, the service never answers 5xx,
and every 4xx names the field and the rule (with a request id).

Driven through hypothesis directly (schemathesis' pytest plugin does not run under pytest 9.2),
a bounded number of generated requests per operation.
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import LiveServer

EXAMPLES_PER_OPERATION = 15


def _unnamed(operation: object, response: object) -> list[str]:
    """Problems with a 4xx body: every item of ``detail`` must carry a field and a rule."""
    try:
        body = response.json()  # type: ignore[attr-defined]
    except ValueError:
        return [f"{operation}: {response.status_code} is not JSON"]  # type: ignore[attr-defined]
    detail = body.get("detail") if isinstance(body, dict) else None
    if not isinstance(detail, list) or not detail or not body.get("request_id"):
        return [f"{operation}: {body}"]
    return [f"{operation}: {item}" for item in detail if not (item.get("field") and item.get("rule"))]


def test_no_server_errors(live: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    seen = []
    unnamed: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def no_5xx(case: schemathesis.Case) -> None:
            response = case.call_and_validate(checks=[not_a_server_error])
            if 400 <= response.status_code < 500:
                unnamed.extend(_unnamed(f"{case.method} {case.path}", response))

        no_5xx()
    text = httpx.get(f"{live.url}/metrics").text
    fuzzed = [
        x
        for x in text.splitlines()
        if x.startswith("energy_api_requests_total{") and 'route="/scenarios"' in x
    ]
    assert sum(float(x.rsplit(" ", 1)[1]) for x in fuzzed) >= EXAMPLES_PER_OPERATION
    assert not any('status="5' in x for x in text.splitlines() if x.startswith("energy_api_requests_total{"))
    assert not unnamed, "\n".join(unnamed[:10])
    assert {
        "POST /predict",
        "POST /predict/batch",
        "POST /forecast",
        "POST /scenarios",
        "GET /explain/peak",
    } <= set(seen)
