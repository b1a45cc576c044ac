"""Every 4xx names the field and the rule; server faults are 5xx with a request id; 415; the power
triangle; no server path or exception text in public answers; docs pages that work offline.

Before (issue 15): 17 of 56 bad-input answers did not name the field, text/plain bodies got 422,
readings that contradict each other got 200, every ValueError (server-side ones included) became a
422 blaming the client, and /docs loaded its JavaScript from a CDN.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from energy_api.settings import Settings
from energy_assets.domain.data import schema
from energy_assets.domain.models.estimate.triangle import check_triangle
from tests.api.conftest import API_KEY, LiveServer, start_server

GOOD = {
    "timestamp": "2018-01-10T10:15:00",
    "lagging_reactive_kvarh": 23.4,
    "leading_reactive_kvarh": 0.0,
    "co2_tco2": 0.02,
    "lagging_power_factor": 88.9,
    "leading_power_factor": 100.0,
    "load_type": "Maximum_Load",
}
WINDOW = {"start": "2018-01-20T10:00:00", "end": "2018-01-20T12:00:00"}
NIGHT = {"start": "2018-01-20T23:00:00", "end": "2018-01-21T01:00:00"}


def _history_rows(history: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    part = history.iloc[-n:]
    return [
        {"timestamp": t.isoformat(), "usage_kwh": float(u), "load_type": lt}
        for t, u, lt in zip(
            part[schema.TIMESTAMP], part[schema.USAGE_KWH], part[schema.LOAD_TYPE], strict=True
        )
    ]


def bad_requests(history: pd.DataFrame) -> list[tuple[str, str, dict[str, Any], int, str]]:
    """(name, method path, httpx kwargs, expected status, expected field) for hand-made bad inputs."""
    rows = _history_rows(history, 800)
    dup = rows[:700] + rows[699:700]
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("no body", "POST /predict", {}, 422, "body"),
        (
            "not JSON",
            "POST /predict",
            {"content": b"{oops", "headers": {"content-type": "application/json"}},
            422,
            "body",
        ),
        ("JSON list", "POST /predict", {"json": [GOOD]}, 422, "body"),
        (
            "text/plain",
            "POST /predict",
            {"content": json.dumps(GOOD), "headers": {"content-type": "text/plain"}},
            415,
            "Content-Type",
        ),
        ("form", "POST /forecast", {"data": {"horizon": "4"}}, 415, "Content-Type"),
        (
            "missing timestamp",
            "POST /predict",
            {"json": {k: v for k, v in GOOD.items() if k != "timestamp"}},
            422,
            "timestamp",
        ),
        (
            "missing load_type",
            "POST /predict",
            {"json": {k: v for k, v in GOOD.items() if k != "load_type"}},
            422,
            "load_type",
        ),
        (
            "negative kvarh",
            "POST /predict",
            {"json": GOOD | {"lagging_reactive_kvarh": -1}},
            422,
            "lagging_reactive_kvarh",
        ),
        (
            "kvarh too big",
            "POST /predict",
            {"json": GOOD | {"leading_reactive_kvarh": 201}},
            422,
            "leading_reactive_kvarh",
        ),
        (
            "pf over 100",
            "POST /predict",
            {"json": GOOD | {"lagging_power_factor": 100.5}},
            422,
            "lagging_power_factor",
        ),
        ("co2 too big", "POST /predict", {"json": GOOD | {"co2_tco2": 5}}, 422, "co2_tco2"),
        ("string number", "POST /predict", {"json": GOOD | {"co2_tco2": "lots"}}, 422, "co2_tco2"),
        (
            "off-grid time",
            "POST /predict",
            {"json": GOOD | {"timestamp": "2018-01-10T10:07:00"}},
            422,
            "timestamp",
        ),
        (
            "year 1900",
            "POST /predict",
            {"json": GOOD | {"timestamp": "1900-01-10T10:15:00"}},
            422,
            "timestamp",
        ),
        ("not a date", "POST /predict", {"json": GOOD | {"timestamp": "yesterday"}}, 422, "timestamp"),
        ("bad load_type", "POST /predict", {"json": GOOD | {"load_type": "Heavy"}}, 422, "load_type"),
        (
            "leading pf 0 with kvarh",
            "POST /predict",
            {"json": GOOD | {"leading_power_factor": 0, "leading_reactive_kvarh": 5}},
            422,
            "lagging_reactive_kvarh",
        ),
        (
            "200 kvarh at pf 100",
            "POST /predict",
            {"json": GOOD | {"lagging_reactive_kvarh": 200, "lagging_power_factor": 100}},
            422,
            "lagging_reactive_kvarh",
        ),
        ("batch empty", "POST /predict/batch", {"json": {"rows": []}}, 422, "rows"),
        ("batch not a list", "POST /predict/batch", {"json": {"rows": GOOD}}, 422, "rows"),
        ("batch missing rows", "POST /predict/batch", {"json": {}}, 422, "rows"),
        (
            "batch too many",
            "POST /predict/batch",
            {
                "json": {
                    "rows": [
                        GOOD
                        | {
                            "timestamp": f"2018-01-{1 + i // 96:02d}T{(i % 96) // 4:02d}:{(i % 4) * 15:02d}:00"
                        }
                        for i in range(1, 202)
                    ]
                }
            },
            422,
            "rows",
        ),
        ("batch duplicate", "POST /predict/batch", {"json": {"rows": [GOOD, GOOD]}}, 422, "rows.timestamp"),
        (
            "batch span",
            "POST /predict/batch",
            {"json": {"rows": [GOOD, GOOD | {"timestamp": "2020-01-10T10:15:00"}]}},
            422,
            "rows.timestamp",
        ),
        (
            "batch bad row",
            "POST /predict/batch",
            {"json": {"rows": [GOOD | {"co2_tco2": -1}]}},
            422,
            "rows.0.co2_tco2",
        ),
        (
            "batch triangle",
            "POST /predict/batch",
            {
                "json": {
                    "rows": [
                        GOOD,
                        GOOD
                        | {
                            "timestamp": "2018-01-10T10:30:00",
                            "leading_power_factor": 0,
                            "leading_reactive_kvarh": 9,
                        },
                    ]
                }
            },
            422,
            "rows.1.lagging_reactive_kvarh",
        ),
        ("horizon 0", "POST /forecast", {"json": {"horizon": 0}}, 422, "horizon"),
        ("horizon 673", "POST /forecast", {"json": {"horizon": 673}}, 422, "horizon"),
        ("horizon text", "POST /forecast", {"json": {"horizon": "soon"}}, 422, "horizon"),
        ("origin off grid", "POST /forecast", {"json": {"origin": "2018-01-20T10:01:00"}}, 422, "origin"),
        ("origin outside", "POST /forecast", {"json": {"origin": "2018-06-01T00:00:00"}}, 422, "origin"),
        ("origin too early", "POST /forecast", {"json": {"origin": "2018-01-02T00:00:00"}}, 422, "origin"),
        ("short history", "POST /forecast", {"json": {"history": rows[-96:]}}, 422, "history"),
        ("history duplicate", "POST /forecast", {"json": {"history": dup}}, 422, "history.timestamp"),
        (
            "history bad usage",
            "POST /forecast",
            {"json": {"history": [rows[0] | {"usage_kwh": -3}]}},
            422,
            "history.0.usage_kwh",
        ),
        ("history gap", "POST /forecast", {"json": {"history": rows[:-672] + rows[-600:]}}, 422, "history"),
        (
            "planned bad",
            "POST /forecast",
            {"json": {"planned_load_type": [{"timestamp": "2018-02-05T00:15:00", "load_type": "x"}]}},
            422,
            "planned_load_type.0.load_type",
        ),
        ("forecast extra", "POST /forecast", {"json": {"horizon": 4, "colour": "red"}}, 422, "colour"),
        ("scenario no kind", "POST /scenarios", {"json": {"window": WINDOW}}, 422, "kind"),
        (
            "scenario bad kind",
            "POST /scenarios",
            {"json": {"kind": "teleport", "window": WINDOW}},
            422,
            "kind",
        ),
        (
            "shift zero",
            "POST /scenarios",
            {"json": {"kind": "shift_load", "energy_kwh": 0, "from_window": WINDOW, "to_window": NIGHT}},
            422,
            "shift_load.energy_kwh",
        ),
        (
            "shift too much",
            "POST /scenarios",
            {"json": {"kind": "shift_load", "energy_kwh": 99999, "from_window": WINDOW, "to_window": NIGHT}},
            422,
            "energy_kwh",
        ),
        (
            "shift overlap",
            "POST /scenarios",
            {"json": {"kind": "shift_load", "energy_kwh": 10, "from_window": WINDOW, "to_window": WINDOW}},
            422,
            "to_window",
        ),
        (
            "window reversed",
            "POST /scenarios",
            {
                "json": {
                    "kind": "change_load_type",
                    "window": {"start": WINDOW["end"], "end": WINDOW["start"]},
                    "to": "light",
                }
            },
            422,
            "change_load_type.window",
        ),
        (
            "window no data",
            "POST /scenarios",
            {
                "json": {
                    "kind": "change_load_type",
                    "window": {"start": "2018-07-01T10:00:00", "end": "2018-07-01T12:00:00"},
                    "to": "light",
                }
            },
            422,
            "window",
        ),
        (
            "bad to",
            "POST /scenarios",
            {"json": {"kind": "change_load_type", "window": WINDOW, "to": "free"}},
            422,
            "change_load_type.to",
        ),
        (
            "pf target 0",
            "POST /scenarios",
            {"json": {"kind": "improve_power_factor", "window": WINDOW, "target_pf_pct": 0}},
            422,
            "improve_power_factor.target_pf_pct",
        ),
        (
            "bad side",
            "POST /scenarios",
            {"json": {"kind": "improve_power_factor", "window": WINDOW, "target_pf_pct": 95, "side": "up"}},
            422,
            "improve_power_factor.side",
        ),
        ("explain no date", "GET /explain/peak", {}, 422, "date"),
        ("explain bad date", "GET /explain/peak", {"params": {"date": "2018-13-40"}}, 422, "date"),
        ("explain no data", "GET /explain/peak", {"params": {"date": "2019-06-01"}}, 404, "date"),
        ("reload no key", "POST /admin/reload", {}, 401, "X-API-Key"),
        ("reload wrong key", "POST /admin/reload", {"headers": {"X-API-Key": "nope"}}, 403, "X-API-Key"),
        ("unknown path", "GET /nowhere", {}, 404, "path"),
        ("wrong method", "GET /predict", {}, 405, "method"),
        ("chat empty", "POST /copilot/chat", {"json": {"message": ""}}, 422, "message"),
        (
            "chat bad session",
            "POST /copilot/chat",
            {"json": {"message": "hola", "session_id": "../../etc"}},
            422,
            "session_id",
        ),
        (
            "too large",
            "POST /predict/batch",
            {"content": b"[" + b" " * 2_000_000 + b"]", "headers": {"content-type": "application/json"}},
            413,
            "body",
        ),
    ]
    return cases


def check_4xx(response: httpx.Response) -> list[dict[str, Any]]:
    """The shape every 4xx must have: a list of {field, rule} (both non-empty) and a request id."""
    body = response.json()
    assert body.get("request_id") and response.headers["x-request-id"] == body["request_id"], body
    detail = body["detail"]
    assert isinstance(detail, list) and detail, body
    for item in detail:
        assert isinstance(item.get("field"), str) and item["field"], body
        assert isinstance(item.get("rule"), str) and item["rule"], body
    return detail


def test_every_hand_made_bad_input_names_field_and_rule(client: httpx.Client, history: pd.DataFrame) -> None:
    wrong = []
    cases = bad_requests(history)
    for name, target, kwargs, status, field in cases:
        method, path = target.split(" ")
        response = client.request(method, path, **kwargs)
        if response.status_code != status:
            wrong.append(f"{name}: {response.status_code} {response.text[:200]}")
            continue
        fields = [item["field"] for item in check_4xx(response)]
        if field not in fields:
            wrong.append(f"{name}: fields {fields}, expected {field}")
    assert len(cases) >= 56
    assert not wrong, "\n".join(wrong)


def test_contradictory_readings_get_422_naming_the_fields(client: httpx.Client) -> None:
    answer = client.post("/predict", json=GOOD | {"leading_power_factor": 0, "leading_reactive_kvarh": 5})
    detail = check_4xx(answer)
    assert {d["field"] for d in detail} == {
        "lagging_reactive_kvarh",
        "lagging_power_factor",
        "leading_reactive_kvarh",
        "leading_power_factor",
    }
    assert "cannot hold on both sides" in detail[0]["rule"]
    answer = client.post("/predict", json=GOOD | {"lagging_reactive_kvarh": 200, "lagging_power_factor": 100})
    detail = check_4xx(answer)
    assert {d["field"] for d in detail} == {"lagging_reactive_kvarh", "lagging_power_factor"}
    assert "more than the 200 kWh" in detail[0]["rule"]


def test_no_reading_of_the_real_year_is_refused_by_the_triangle(clean_reference: pd.DataFrame) -> None:
    check = check_triangle(clean_reference)
    assert int(check.conflicts.sum()) == 0


def test_a_server_fault_is_a_500_with_a_request_id_not_a_422(
    champion_root: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A readings table that lost its columns is the service's fault: before, a 422 blamed the client."""
    broken = tmp_path / "readings.csv"
    broken.write_text("when,what\n1,2\n")
    server = start_server(
        Settings(champion_dir=champion_root, prediction_log=None, reload_interval_s=0, readings_table=broken)
    )
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            body = {"kind": "change_load_type", "window": WINDOW, "to": "light"}
            answer = c.post("/scenarios", json=body, headers={"X-Request-ID": "trace-123"})
            assert answer.status_code == 500
            assert answer.json() == {
                "detail": "internal error: the service log has the details under request id trace-123",
                "request_id": "trace-123",
            }
            assert answer.headers["x-request-id"] == "trace-123"
            assert "readings.csv lacks the cleaned columns" in caplog.text and "trace-123" in caplog.text
            assert str(tmp_path) not in answer.text
            assert 'energy_api_server_errors_total{route="/scenarios"} 1.0' in c.get("/metrics").text
    finally:
        server.stop()


def test_public_answers_carry_no_server_path(live: LiveServer, client: httpx.Client) -> None:
    root = str(live.settings.champion_dir)
    for path in ("/model/info", "/health", "/metrics", "/model/metrics"):
        text = client.get(path).text
        assert root not in text and "/tmp/" not in text, path
    info = client.get("/model/info").json()
    assert "path" not in info["estimate"] and info["estimate"]["bundle"] == "estimate"
    assert not re.search(r'"/[A-Za-z]', json.dumps(info["tariff"]))


def test_docs_pages_use_packaged_assets_only(client: httpx.Client) -> None:
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assert "http://" not in html and "https://" not in html.replace("https://github.com", ""), page
        for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', html):
            got = client.get(asset)
            assert got.status_code == 200 and len(got.content) > 1000, asset
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_admin_key_header_is_named(client: httpx.Client) -> None:
    answer = client.post("/admin/reload", headers={"X-API-Key": "wrong"})
    assert answer.status_code == 403 and check_4xx(answer)[0]["loc"] == ["header", "X-API-Key"]
    assert client.post("/admin/reload", headers={"X-API-Key": API_KEY}).status_code == 200
