"""The rounding rule of HTTP answers, by key (energy_api.precision), and one live answer under it."""

from __future__ import annotations

import json
import math

import httpx
import numpy as np
import pytest

from energy_api.openapi_examples import load_examples
from energy_api.precision import decimals_for, round_column, round_columns, round_figures, round_query_answer

#: Answers the rule does not apply to (energy_api.precision): /copilot/chat's tool results are its
#: answer's evidence; /metrics is Prometheus text.
UNROUNDED = {"post /copilot/chat", "get /metrics"}


#: A figure with more significant digits than this carries a binary-noise tail (30405.78 kWh is fine,
#: 30405.780000000006 is not): no rule keeps more than 3 decimals on a figure under 10 million.
NOISE_DIGITS = 10


def _long_floats(obj, where: str = ""):
    """Every float with more than NOISE_DIGITS significant digits (a binary-noise tail)."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _long_floats(value, f"{where}.{key}")
    elif isinstance(obj, list):
        for n, value in enumerate(obj):
            yield from _long_floats(value, f"{where}[{n}]")
    elif isinstance(obj, float) and float(f"{obj:.{NOISE_DIGITS}g}") != obj:
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


def test_a_query_answer_is_rounded_by_its_unit_and_echoes_the_query_as_sent() -> None:
    answer = {
        "query": {"condition": {"value": 90.123456789}},
        "unit": "KRW",
        "value": 3204218.4,
        "groups": [{"group": "2018-04", "value": 1.6, "share_pct": 12.345678}],
        "a": {"value": 10.5},
        "difference": -0.4999,
        "change_pct": 3.14159,
        "emission_factor_tco2_per_mwh": 0.4594,
    }
    assert round_query_answer(answer) == {
        "query": {"condition": {"value": 90.123456789}},
        "unit": "KRW",
        "value": 3204218,
        "groups": [{"group": "2018-04", "value": 2, "share_pct": 12.35}],
        "a": {"value": 10},
        "difference": 0,
        "change_pct": 3.14,
        "emission_factor_tco2_per_mwh": 0.4594,
    }
    assert round_query_answer({"unit": "tCO2", "value": 13.97345678})["value"] == 13.9735


def test_a_live_query_states_its_figures_at_the_unit_precision(client: httpx.Client) -> None:
    body = client.post(
        "/query",
        json={"metric": "usage_kwh", "span": {"start": "2018-01-29", "end": "2018-02-04"}, "group_by": "day"},
    ).json()
    assert body["unit"] == "kWh" and body["groups"]
    assert not list(_long_floats(body, "/query"))
    assert all(g["value"] == round(g["value"], 3) for g in body["groups"])


def _reference_round_figures(obj, decimals=None):
    """round_figures as first written (a plain recursive walk): the fast walk must answer the same."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            rule = decimals_for(str(k))
            out[k] = _reference_round_figures(
                v, rule if rule is not None else (decimals if isinstance(v, list | dict) else None)
            )
        return out
    if isinstance(obj, list):
        return [_reference_round_figures(v, decimals) for v in obj]
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return obj
        if decimals is None:
            return float(f"{obj:.6g}")
        return round(obj) if decimals == 0 else round(obj, decimals)
    return obj


def _random_answer(rng: np.random.Generator, depth: int = 0):
    keys = [
        "usage_kwh",
        "cost_krw",
        "price_krw_per_kwh",
        "mean",
        "q10",
        "q90",
        "co2_t",
        "share_pct",
        "rmse",
        "hour",
        "quantiles",
        "points",
        "residual_quantiles",
        7,
        "lagging_power_factor",
    ]
    values = [np.inf, -np.inf, np.nan, 0.0, -0.0, 0.5, 2.5, 1e-12, 1e15, 12345.6785, -31.9109999]

    def leaf():
        kind = rng.integers(6)
        if kind == 0:
            return float(values[rng.integers(len(values))])
        if kind == 1:
            return np.float64(rng.normal(0, 1000))
        if kind == 2:
            return int(rng.integers(-5, 5))
        if kind == 3:
            return bool(rng.integers(2))
        if kind == 4:
            return None if rng.integers(2) else "text"
        return float(rng.normal(0, 10) ** 3)

    if depth >= 3 or rng.random() < 0.3:
        return leaf()
    if rng.random() < 0.5:
        return [_random_answer(rng, depth + 1) for _ in range(rng.integers(0, 5))]
    picked = rng.choice(len(keys), size=rng.integers(0, 6), replace=False)
    return {keys[i]: _random_answer(rng, depth + 1) for i in picked}


def _same(a, b) -> bool:
    """Equal, NaN included, and of the same type (an int stays an int, a float a float)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def test_the_fast_walk_rounds_like_the_plain_walk_on_many_answers() -> None:
    rng = np.random.default_rng(17)
    for _ in range(1500):
        answer = _random_answer(rng)
        for decimals in (None, 0, 2, 3):
            assert _same(round_figures(answer, decimals), _reference_round_figures(answer, decimals)), answer


def test_a_column_rounds_like_round_figures_value_by_value() -> None:
    """round_column (NumPy) gives the very floats round_figures (Python's round) gives, ties and
    binary-noise cases included, to the sign of a zero."""
    rng = np.random.default_rng(18)
    ties = [k / 2000 for k in range(-4001, 4002)]  # x.xxx5 decimals: the half-way cases
    ties += [2.675, 1.0005, 0.0625, 0.125, -0.0625, 1234567.8905, 64158.83900000001, -0.0004, -0.0]
    noisy = list(rng.normal(0, 50, 20_000)) + list(rng.gamma(2.0, 30.0, 20_000).round(4))
    huge = [1e15, -3e17, 2.0**52 + 0.5, 1e300, 5e-324]
    special = [math.inf, -math.inf, math.nan]
    for key in ("mean", "q10", "usage_kwh", "share_pct", "co2_t", "cost_krw", "rmse", "price_krw_per_kwh"):
        for values in (ties, noisy, huge + special + ties[:50], [float(v) for v in noisy[:7]]):
            values = [float(v) for v in values]
            walked = round_figures({key: values})[key]
            for column in (round_column(key, values), round_column(key, np.array(values))):
                assert [repr(v) for v in column] == [repr(v) for v in walked], key
    assert round_column("mean", [1.23456, None, 2]) == [1.235, None, 2]


def test_columns_rounded_together_are_each_column_rounded_alone() -> None:
    rng = np.random.default_rng(21)
    columns = {
        "mean": rng.normal(50, 30, 96),
        "q10": np.r_[rng.normal(40, 30, 94), 0.0625, np.nan],
        "cost_krw": rng.normal(5000, 100, 96),
        "rmse": rng.random(96),
        "q90": rng.normal(60, 30, 96).round(4),
        "co2_t": rng.random(96) / 10,
        "usage_kwh": np.arange(3, dtype=float),  # another length: rounded on its own
    }
    together = round_columns(columns)
    assert list(together) == list(columns)
    for key, values in columns.items():
        assert [repr(v) for v in together[key]] == [repr(v) for v in round_column(key, values)], key


def test_batch_rows_rounded_by_column_equal_the_walked_rows() -> None:
    """/predict/batch rounds its three columns at once (routers.predict.rounded_rows): the same rows as
    walking the plain rows with round_figures: ties (x.xxx5), noise, eighths, huge values, -0.0, NaN
    and inf (bounds that are not finite are None either way); compared as JSON text (NaN != NaN)."""
    from datetime import datetime, timedelta

    from energy_api.routers.predict import _rows, rounded_rows

    rng = np.random.default_rng(17)
    n = 4_000
    columns = []
    for _ in range(3):
        values = rng.normal(40.0, 30.0, n)
        values[::7] = np.round(values[::7], 3) + 0.0005  # ties at the third decimal
        values[1::11] = rng.integers(-(10**6), 10**6, len(values[1::11])) / 8.0
        values[2::97] = 1e300
        values[4::89] = 2.0**53 + 1
        values[3::101] = -0.0
        values[5::103] = np.inf
        values[8::109] = -np.inf
        values[6::107] = np.nan
        columns.append(values)
    stamps = [datetime(2018, 3, 1) + timedelta(minutes=15 * k) for k in range(n)]
    point, low, high = columns
    got = rounded_rows(stamps, point, low, high)
    walked = round_figures({"estimates": _rows(stamps, point, low, high)})["estimates"]
    assert json.dumps(got, default=str) == json.dumps(walked, default=str)
    assert [type(r["usage_kwh"]) for r in got] == [type(r["usage_kwh"]) for r in walked]
