"""Schemathesis against the live OpenAPI spec: whatever the input, the service never answers 5xx.

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


def test_no_server_errors(live: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    seen = []
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
            case.call_and_validate(checks=[not_a_server_error])

        no_5xx()
    text = httpx.get(f"{live.url}/metrics").text
    fuzzed = [
        x
        for x in text.splitlines()
        if x.startswith("energy_api_requests_total{") and 'route="/scenarios"' in x
    ]
    assert sum(float(x.rsplit(" ", 1)[1]) for x in fuzzed) >= EXAMPLES_PER_OPERATION
    assert not any('status="5' in x for x in text.splitlines() if x.startswith("energy_api_requests_total{"))
    assert {
        "POST /predict",
        "POST /predict/batch",
        "POST /forecast",
        "POST /scenarios",
        "GET /explain/peak",
    } <= set(seen)
