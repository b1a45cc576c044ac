"""The rounding rule of HTTP answers, by key (energy_api.precision), and one live answer under it."""

from __future__ import annotations

import json

import httpx
import pytest

from energy_api.precision import decimals_for, round_figures


@pytest.mark.parametrize(
    ("key", "decimals"),
    [
        ("price_krw_per_kwh", 2),
        ("cost_krw", 0),
        ("usage_kwh", 3),
        ("lagging_reactive_kvarh", 3),
        ("apparent_kvah", 3),
        ("mean", 3),
        ("q10", 3),
        ("lagging_power_factor", 2),
        ("power_factor_pct", 2),
        ("co2_t", 4),
        ("co2_tco2", 4),
        ("rmse", None),
        ("hour", None),
        ("value", None),
    ],
)
def test_decimals_by_key(key: str, decimals: int | None) -> None:
    assert decimals_for(key) == decimals


def test_round_figures_walks_dicts_and_lists() -> None:
    got = round_figures(
        {
            "total_kwh": 64158.83900000001,
            "cost_krw": 3204218.4,
            "hours": [{"usage_kwh": 1.23456, "hour": 3}],
            "quantiles": {"q90": 10.00049},
            "totals_kwh": [1.00001, 2.5],
            "rmse": 0.123456789,
            "flag": True,
        }
    )
    assert got == {
        "total_kwh": 64158.839,
        "cost_krw": 3204218,
        "hours": [{"usage_kwh": 1.235, "hour": 3}],
        "quantiles": {"q90": 10.0},
        "totals_kwh": [1.0, 2.5],
        "rmse": 0.123456789,
        "flag": True,
    }
    assert json.dumps(got["cost_krw"]) == "3204218"


def test_a_live_answer_states_figures_at_their_precision(client: httpx.Client) -> None:
    body = client.get("/explain/peak", params={"date": "2018-02-01"}, timeout=300).json()
    assert isinstance(body["cost_krw"], int)
    assert body["day_total_kwh"] == round(body["day_total_kwh"], 3)
    assert body["price_krw_per_kwh"] == round(body["price_krw_per_kwh"], 2)
    assert all(h["usage_kwh"] == round(h["usage_kwh"], 3) for h in body["hours"])
