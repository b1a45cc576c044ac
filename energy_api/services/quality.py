"""GET /data/quality: what the pipeline's cleaning run published (report, scorecard, quarantine, repairs)."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pandas as pd

from energy_api.services.errors import InputRuleError
from energy_assets.domain import paths
from energy_assets.domain.data import quality

MAX_LIMIT = 5000


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _cell(value.item())
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _cell(v) for k, v in row.items()} for row in frame.to_dict("records")]


def data_quality(limit: int = quality.DEFAULT_LIMIT) -> dict[str, Any]:
    """The cleaning run's published evidence, read-only from the warehouse and the reports folder.

    A warehouse locked by a pipeline run that is writing it is the service's problem of the moment: a
    ``RuntimeError`` (500 with a request id) that says to try again, never a wait on the lock.
    """
    if not 0 <= limit <= MAX_LIMIT:
        raise InputRuleError("limit", f"must be 0..{MAX_LIMIT}, got {limit}", 422, "query")
    try:
        got = quality.read_quality(paths.warehouse_path(), paths.reports_dir(), limit=limit)
    except duckdb.Error as exc:
        raise RuntimeError(
            f"the warehouse could not be read ({type(exc).__name__}); try again shortly"
        ) from exc
    return {
        "report": got.report,
        "scorecard": _records(got.scorecard),
        "quarantine": {
            "rows": got.quarantine_rows,
            "by_reason": got.quarantine_by_reason,
            "shown": _records(got.quarantine),
        },
        "repairs": {
            "rows": got.repairs_rows,
            "by_method": got.repairs_by_method,
            "shown": _records(got.repairs),
        },
        "sources": got.sources,
    }
