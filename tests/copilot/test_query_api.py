"""POST /query and the serving readings through a real uvicorn server: figures, coverage, 422s that
name the field and the rule, and the endpoints that now read every reading (forecast history,
/explain/peak, /health, /model/info)."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest


def test_query_answers_with_coverage(copilot_client: httpx.Client, readings: pd.DataFrame) -> None:
    body = {"metric": "usage_kwh", "span": {"start": "2018-04-01", "end": "2018-04-30"}}
    reply = copilot_client.post("/query", json=body)
    assert reply.status_code == 200, reply.text
    out = reply.json()
    start = readings["timestamp"] - pd.Timedelta(minutes=15)
    april = readings[(start >= "2018-04-01") & (start < "2018-05-01")]
    assert out["value"] == pytest.approx(april["usage_kwh"].sum())
    assert out["unit"] == "kWh" and out["coverage"]["covered"]["days"] == 30
    none = copilot_client.post("/query", json={"span": {"start": "2019-03-01", "end": "2019-03-31"}}).json()
    assert none["value"] is None and none["coverage"]["no_data"] is True
    assert none["coverage"]["available"] == {"start": "2018-01-01", "end": "2018-12-31"}
    ranked = copilot_client.post(
        "/query",
        json={
            "metric": "cost_krw",
            "span": {"start": "2018-01-01", "end": "2018-12-31"},
            "group_by": "month",
            "top": 1,
        },
    ).json()
    assert ranked["ranking"][0]["key"] == [2018, 1]


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        ({"span": {"start": "2018-02-01", "end": "2018-01-01"}}, "span", "end must not be before start"),
        (
            {"span": {"start": "2018-01-01", "end": "2018-01-31"}, "metric": "kwh; DROP"},
            "metric",
            "Input should be",
        ),
        (
            {"span": {"start": "2018-01-01", "end": "2018-01-31"}, "aggregation": "count_hours"},
            "",
            "needs a condition",
        ),
        ({"span": {"start": "2018-01-01", "end": "2018-01-31"}, "sql": "select 1"}, "sql", "Extra inputs"),
        (
            {"span": {"start": "2018-01-01", "end": "2018-01-31"}, "top": 0, "group_by": "day"},
            "top",
            "greater than",
        ),
    ],
)
def test_bad_queries_get_422_with_field_and_rule(
    copilot_client: httpx.Client, body, field: str, rule: str
) -> None:
    reply = copilot_client.post("/query", json=body)
    assert reply.status_code == 422, reply.text
    (detail, *_) = reply.json()["detail"]
    assert field in (detail["field"] or "") and rule in detail["rule"]


def test_query_is_documented_with_examples(copilot_client: httpx.Client) -> None:
    spec = copilot_client.get("/openapi.json").json()
    post = spec["paths"]["/query"]["post"]
    examples = post["requestBody"]["content"]["application/json"]["examples"]
    assert {"total", "ranking", "count", "share", "comparison"} <= set(examples)
    assert "422" in post["responses"]


def test_the_api_serves_every_reading(copilot_client: httpx.Client) -> None:
    health = copilot_client.get("/health").json()
    assert health["readings"]["loaded"] is True and set(health["models"]) == {"estimate", "forecast"}
    info = copilot_client.get("/model/info").json()["readings"]
    assert info["rows"] == 35_040 and info["first_day"] == "2018-01-01" and info["last_day"] == "2018-12-31"
    forecast = copilot_client.post("/forecast", json={"horizon": 4}).json()
    assert forecast["history_source"] == "readings" and forecast["origin"] == "2019-01-01T00:00:00"
    march = copilot_client.get("/explain/peak", params={"date": "2018-03-05"})
    assert march.status_code == 200 and "serving readings" in march.json()["readings_source"]
    missing = copilot_client.get("/explain/peak", params={"date": "2019-03-05"})
    assert missing.status_code == 404 and "2018-01-01 to 2018-12-31" in missing.json()["detail"][0]["rule"]


def test_copilot_chat_over_http_states_the_whole_data(copilot_client: httpx.Client) -> None:
    april = copilot_client.post(
        "/copilot/chat", json={"message": "¿Cuánto consumimos en abril de 2018?"}
    ).json()
    assert "2018-04-01" in april["answer"] and "2018-04-30" in april["answer"] and "kWh" in april["answer"]
    assert april["tool_calls"][0]["name"] == "query"
    later = copilot_client.post("/copilot/chat", json={"message": "What was the total in March 2019?"}).json()
    assert "2018-12-31" in later["answer"] and "kWh" not in later["answer"]
    session = april["session_id"]
    follow = copilot_client.post(
        "/copilot/chat", json={"message": "¿y el coste?", "session_id": session}
    ).json()
    assert follow["tool_calls"][0]["arguments"]["metric"] == "cost_krw"
    assert follow["tool_calls"][0]["arguments"]["span"] == {"start": "2018-04-01", "end": "2018-04-30"}
