"""Emitting a stored value with its checks, and metadata people can read.

``MaterializeResult(value=polars_frame)`` trips Dagster's type check (it compares the value with a
sentinel, which polars evaluates element-wise), so value-carrying assets yield an ``Output``
followed by their check results.
"""

import math
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg

#: Significant digits of a figure shown in the Dagster UI (scores, seconds, sizes).
SIGNIFICANT_DIGITS = 4
#: Units of the figures whose names do not say it: error scores are in kWh per 15-minute interval.
KWH_SCORES = ("rmse", "mae", "pinball")
#: Text longer than this is shown as markdown (the metadata table cuts plain text at one line).
LONG_TEXT = 80


def rounded(value: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``value`` to ``digits`` significant digits (0.023456789 -> 0.02346); NaN and inf unchanged."""
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{digits}g}")


def with_unit(key: str) -> str:
    """``validation_rmse`` -> ``validation_rmse_kwh``; keys that already name a unit are kept."""
    return f"{key}_kwh" if key.rsplit("_", 1)[-1] in KWH_SCORES else key


def readable(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """Metadata as the UI should show it: floats rounded, kWh scores named with their unit, long
    text as markdown (shown whole)."""
    out: dict[str, Any] = {}
    for key, value in metadata.items():
        if isinstance(value, float) and not isinstance(value, bool):
            out[with_unit(key)] = dg.MetadataValue.float(rounded(value))
        elif isinstance(value, str) and len(value) > LONG_TEXT:
            out[key] = dg.MetadataValue.md(value)
        else:
            out[key] = value
    return out


def emit(
    value: Any,
    *,
    metadata: Mapping[str, Any],
    checks: Iterable[dg.AssetCheckResult] = (),
    output_name: str = "result",
    data_version: dg.DataVersion | None = None,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    with warnings.catch_warnings():  # Output(data_version=) is beta; dagster is pinned (see policies)
        warnings.simplefilter("ignore", dg.BetaWarning)
        output = dg.Output(value, output_name=output_name, metadata=dict(metadata), data_version=data_version)
    yield output
    yield from checks
