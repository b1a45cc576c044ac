"""Emitting a stored value with its checks.

``MaterializeResult(value=polars_frame)`` trips Dagster's type check (it compares the value with a
sentinel, which polars evaluates element-wise), so value-carrying assets yield an ``Output``
followed by their check results.
"""

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg


def emit(
    value: Any,
    *,
    metadata: Mapping[str, Any],
    checks: Iterable[dg.AssetCheckResult] = (),
    output_name: str = "result",
    data_version: dg.DataVersion | None = None,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    yield dg.Output(value, output_name=output_name, metadata=dict(metadata), data_version=data_version)
    yield from checks
