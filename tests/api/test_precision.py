"""The rounding rule of HTTP answers, by key (energy_api.precision), and one live answer under it."""

from __future__ import annotations

import json

import httpx
import pytest

from energy_api.openapi_examples import load_examples
from energy_api.precision import SIGNIFICANT_DIGITS, decimals_for, round_figures

#: Answers the rule does not apply to (energy_api.precision): /query's value has the unit of the metric
#: asked, /copilot/chat's tool results are its answer's evidence; /metrics is Prometheus text.
UNROUNDED = {"post /query", "post /copilot/chat", "get /metrics"}


def _long_floats(obj, where: str = ""):
    """Every float with more than SIGNIFICANT_DIGITS significant digits (a binary-noise tail)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _long_floats(value, f"{where}.{key}")
    elif isinstance(obj, list):
        for n, value in enumerate(obj):
            yield from _long_floats(value, f"{where}[{n}]")
    elif isinstance(obj, float) and float(f"{obj:.{SIGNIFICANT_DIGITS}g}") != obj:
        yield f"{where} = {obj!r}"


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
        ("peak_apparent_kva", 3),
        ("residual_quantiles", 3),
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
            "residual_quantiles": {"all": [-31.91099999999999, 0.47000000000000064]},
            "n": 672,
            "flag": True,
        }
    )
    assert got == {
        "total_kwh": 64158.839,
        "cost_krw": 3204218,
        "hours": [{"usage_kwh": 1.235, "hour": 3}],
        "quantiles": {"q90": 10.0},
        "totals_kwh": [1.0, 2.5],
        "rmse": 0.123457,
        "residual_quantiles": {"all": [-31.911, 0.47]},
        "n": 672,
        "flag": True,
    }
    assert json.dumps(got["cost_krw"]) == "3204218"


def test_a_live_answer_states_figures_at_their_precision(client: httpx.Client) -> None:
    body = client.get("/explain/peak", params={"date": "2018-02-01"}, timeout=300).json()
    assert isinstance(body["cost_krw"], int)
    assert body["day_total_kwh"] == round(body["day_total_kwh"], 3)
    assert body["price_krw_per_kwh"] == round(body["price_krw_per_kwh"], 2)
    assert all(h["usage_kwh"] == round(h["usage_kwh"], 3) for h in body["hours"])


def test_no_recorded_example_carries_a_long_float() -> None:
    long = [
        hit
        for key, example in load_examples().items()
        if key not in UNROUNDED
        for hit in _long_floats(example["response"], key)
    ]
    assert not long, long


def test_model_metrics_residuals_and_scores_are_rounded(client: httpx.Client) -> None:
    body = client.get("/model/metrics").json()
    assert not list(_long_floats(body, "/model/metrics"))
    residuals = body["forecast"]["model_description"]["residual_quantiles"]
    assert residuals and all(v == round(v, 3) for values in residuals.values() for v in values)
