"""Figures in HTTP answers rounded to their precision: the rule, by the field's name (its unit).

The readings carry two decimals; a computed figure is stated one decimal finer where it is energy, in
whole won where it is money, and so on. The rule goes by the JSON key (its unit suffix), in order:

| key | decimals | e.g. |
|---|---|---|
| ``price_krw_per_kwh`` (and any ``*_per_kwh``) | 2 | 144.40 KRW/kWh |
| ``*_krw`` | 0 (an integer) | 3204218 |
| ``*_kwh``, ``*_kvarh``, ``*_kvah``, ``*_kva``, ``mean``, quantiles ``q10``..``q90`` | 3 | 64158.839 |
| ``*_pct``, ``*_power_factor``, ``power_factor_pct`` | 2 | 91.73 |
| ``*_t``, ``*_tco2``, ``co2_t`` | 4 (0.1 kg) | 13.9734 |
| ``residual_quantiles`` (kWh residuals per load type, lists) | 3 | -31.911 |
| any other float (scores such as rmse, the SHAP feature ``value``) | 6 significant digits | 0.0986152 |

Integers (counts) are never touched.

Applied to the answers of /predict, /predict/batch, /forecast, /scenarios, /tariff/periods,
/explain/peak, /data/quality, /forecast/day-ahead and /health//model/*, after validation (the schema's types do not change).
/query's ``value`` (and ``difference``, and each group's ``value``) carries the unit of the metric asked,
so it is rounded by that ``unit`` (:data:`UNIT_DECIMALS`: kWh 3, KRW 0, tCO2 4, % 2 ...), the rest by
key, and the echoed ``query`` is left as sent. Not applied to /copilot/chat (its tool results are the
evidence of the written answer; the answer text rounds its own figures). The services
themselves keep full precision: the copilot and the tests compute from them.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection
from typing import Any

import numpy as np
import pydantic_core
from fastapi.responses import JSONResponse

_QUANTILE = re.compile(r"^q\d{1,2}$")


def decimals_for(key: str) -> int | None:
    """Decimals of a figure under ``key`` (None: left as it is)."""
    if key.endswith("_per_kwh"):
        return 2
    if key.endswith("_krw"):
        return 0
    if (
        key.endswith(("_kwh", "_kvarh", "_kvah", "_kva"))
        or key in ("mean", "residual_quantiles")
        or _QUANTILE.match(key)
    ):
        return 3
    if key.endswith(("_pct", "power_factor")):
        return 2
    if key.endswith(("_t", "_tco2")):
        return 4
    return None


#: Significant digits of a float no unit rule covers (a score, a ratio): no binary-noise tails.
SIGNIFICANT_DIGITS = 6


def _round(value: float, decimals: int | None) -> float | int:
    if not math.isfinite(value):
        return value
    if decimals is None:
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return round(value) if decimals == 0 else round(value, decimals)


#: :func:`decimals_for` per key, cached: an answer repeats the same few keys (a 24 h forecast holds
#: 96 points of ten figures each), and the suffix tests and the quantile pattern cost more than the
#: rounding itself (measured: 4.4 ms of a /forecast's 15 ms of server CPU went to this walk).
_rule = functools.lru_cache(maxsize=4096)(decimals_for)


def round_figures(obj: Any, decimals: int | None = None) -> Any:
    """``obj`` (JSON-like) with every float rounded by :func:`decimals_for` of the key it sits under
    (lists and mappings inherit their key: ``hours[].usage_kwh``, ``quantiles.q10``,
    ``residual_quantiles.all[]``); a float under no rule keeps :data:`SIGNIFICANT_DIGITS`."""
    if isinstance(obj, dict):
        return _round_dict(obj, decimals)
    if isinstance(obj, list):
        return _round_list(obj, decimals)
    if isinstance(obj, float):
        return _round(obj, decimals)
    return obj


def _round_dict(obj: dict[Any, Any], decimals: int | None) -> dict[Any, Any]:
    # the walk of round_figures, with its dispatch inlined (this is the per-figure loop of every answer)
    out = {}
    for k, v in obj.items():
        rule = _rule(k if type(k) is str else str(k))
        if isinstance(v, float):
            # finite (v - v is 0.0) with a decimal rule: the usual figure, rounded here directly
            out[k] = round(v, rule) if rule and v - v == 0.0 else _round(v, rule)
        elif isinstance(v, dict):
            out[k] = _round_dict(v, decimals if rule is None else rule)
        elif isinstance(v, list):
            out[k] = _round_list(v, decimals if rule is None else rule)
        else:
            out[k] = v
    return out


def _round_list(obj: list[Any], decimals: int | None) -> list[Any]:
    out = []
    for v in obj:
        if isinstance(v, float):
            out.append(round(v, decimals) if decimals and v - v == 0.0 else _round(v, decimals))
        elif isinstance(v, dict):
            out.append(_round_dict(v, decimals))
        elif isinstance(v, list):
            out.append(_round_list(v, decimals))
        else:
            out.append(v)
    return out


#: Beyond this |value x 10^decimals| a float is left to Python's round (no fraction to speak of).
_VECTOR_LIMIT = 2.0**50


def round_column(key: str, values: Any) -> list[Any]:
    """``values`` (one column of an answer, e.g. a forecast's ``q10`` or ``mean`` per point, a list or
    a float array) as :func:`round_figures` rounds floats under ``key``: the same values, as a list.

    For an endpoint that builds many rows from a few columns: rounding a column at once costs a
    fraction of walking every row's dict afterwards (the answer then goes out with ``rounded`` keys,
    see ``energy_api.routers.deps.respond``). A float column with a decimal rule is rounded in NumPy,
    exactly as Python's ``round(x, n)`` does: ``k / 10^n`` with ``k`` an integer is the double nearest
    to the decimal ``k * 10^-n`` (one correctly rounded division), and ``rint(x * 10^n)`` picks the
    same ``k`` as Python's exact decimal rounding unless ``x * 10^n`` lies within rounding error of a
    half (or is huge, or not finite): those few values are rounded by Python itself.
    """
    rule = _rule(key)
    array = values if isinstance(values, np.ndarray) else None
    if array is None and values and all(type(v) is float for v in values):
        array = np.array(values, dtype=float)
    if array is None or array.dtype != np.float64 or not rule:
        listed = values.tolist() if isinstance(values, np.ndarray) else values  # Python floats
        return [_round(v, rule) if isinstance(v, float) else v for v in listed]
    return _round_array(array, rule)


def round_columns(columns: dict[str, np.ndarray]) -> dict[str, list[Any]]:
    """:func:`round_column` of each named float column, the columns under one rule rounded in one
    NumPy pass (a forecast's mean and nine deciles: one pass instead of ten)."""
    groups: dict[int | None, list[str]] = {}
    for key in columns:
        groups.setdefault(_rule(key), []).append(key)
    out: dict[str, list[Any]] = {}
    for rule, keys in groups.items():
        arrays = [columns[k] for k in keys]
        same = len({a.shape for a in arrays}) == 1 and all(a.dtype == np.float64 for a in arrays)
        if not rule or not same or arrays[0].ndim != 1:
            out.update((k, round_column(k, columns[k])) for k in keys)
            continue
        flat = _round_array(np.concatenate(arrays), rule)
        n = len(arrays[0])
        out.update((k, flat[i * n : (i + 1) * n]) for i, k in enumerate(keys))
    return {k: out[k] for k in columns}


def _round_array(array: np.ndarray, rule: int) -> list[float]:
    """A float64 array rounded to ``rule`` (> 0) decimals as Python's round would (see round_column)."""
    scale = 10.0**rule
    scaled = array * scale
    whole = np.rint(scaled)
    out = whole / scale
    with np.errstate(invalid="ignore"):
        fraction = np.abs(scaled - np.trunc(scaled))
        doubtful = ~(np.abs(fraction - 0.5) > 1e-12 * np.maximum(1.0, np.abs(scaled)))
        doubtful |= ~(np.abs(scaled) < _VECTOR_LIMIT)
    listed = out.tolist()
    for i in np.flatnonzero(doubtful).tolist():
        listed[i] = _round(float(array[i]), rule)
    return listed


def round_figures_except(obj: dict[str, Any], rounded: Collection[str]) -> dict[str, Any]:
    """:func:`round_figures` of a top-level answer whose ``rounded`` keys the endpoint has already
    rounded column by column (:func:`round_column`); they are passed through, in their place."""
    if not rounded:
        return round_figures(obj)
    rest = _round_dict({k: v for k, v in obj.items() if k not in rounded}, None)
    return {k: obj[k] if k in rounded else rest[k] for k in obj}


#: Decimals of a /query figure by the answer's ``unit`` (as :func:`decimals_for` by key suffix).
UNIT_DECIMALS: dict[str, int] = {"kWh": 3, "kVArh": 3, "kVAh": 3, "KRW": 0, "tCO2": 4, "%": 2, "h": 2}
#: /query keys that hold a figure in the answer's unit.
UNIT_KEYS = ("value", "difference")


def round_query_answer(answer: Any) -> Any:
    """A /query answer with its figures rounded: ``value``/``difference`` anywhere (top level, groups,
    ``a``/``b``) by the answer's ``unit``, other floats by :func:`round_figures`, ``query`` as sent."""
    if not isinstance(answer, dict):
        return round_figures(answer)
    unit = UNIT_DECIMALS.get(str(answer.get("unit")))

    def walk(obj: Any, key: str) -> Any:
        if isinstance(obj, dict):
            return {k: v if k == "query" else walk(v, str(k)) for k, v in obj.items()}
        if isinstance(obj, list):
            return [walk(v, key) for v in obj]
        if isinstance(obj, float):
            return _round(obj, unit if key in UNIT_KEYS and unit is not None else decimals_for(key))
        return obj

    return walk(answer, "")


class RoundedJSONResponse(JSONResponse):
    """The routers' answer class: the validated content with :func:`round_figures` applied."""

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(round_figures(content))


class QueryJSONResponse(JSONResponse):
    """/query's answer class: the validated content with :func:`round_query_answer` applied."""

    def render(self, content: Any) -> bytes:
        return pydantic_core.to_json(round_query_answer(content))


__all__ = [
    "SIGNIFICANT_DIGITS",
    "UNIT_DECIMALS",
    "QueryJSONResponse",
    "RoundedJSONResponse",
    "decimals_for",
    "round_column",
    "round_columns",
    "round_figures",
    "round_figures_except",
    "round_query_answer",
]
