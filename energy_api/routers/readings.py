"""Readings in from a meter gateway: a validated batch becomes one file in the pipeline's inbox.

The API never writes the warehouse: the batch is checked against the cleaned schema's names and
ranges (422 naming row and field), written atomically to the inbox (``ENERGY_INBOX_DIR``) as Parquet,
and the pipeline's inbox sensor ingests it through the same cleaner as any exported file. The file's
name carries the span and a digest of the rows, so posting the same batch again writes nothing new.
"""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter

from energy_api.routers.deps import InputRuleError, ServiceDep
from energy_api.schemas import ReadingsAccepted, ReadingsBatch
from energy_assets.domain.data import ingest, schema
from energy_assets.domain.live import inbox

router = APIRouter(tags=["readings"])


@router.post(
    "/readings",
    response_model=ReadingsAccepted,
    status_code=202,
    summary="Deliver a batch of meter readings to the pipeline's inbox",
)
def post_readings(batch: ReadingsBatch, service: ServiceDep) -> ReadingsAccepted:
    """Accepted (202) once the batch is a file in the inbox; the pipeline ingests it within a sensor tick."""
    limit = service.settings.max_batch
    if len(batch.rows) > limit:
        raise InputRuleError("rows", f"at most {limit} rows per batch, got {len(batch.rows)}")
    seen: dict[object, int] = {}
    for index, row in enumerate(batch.rows):
        if row.timestamp in seen:
            raise InputRuleError(
                f"rows.{index}.timestamp",
                f"repeats the interval of rows.{seen[row.timestamp]} ({row.timestamp.isoformat()}); "
                "one row per interval",
            )
        seen[row.timestamp] = index
    frame = pd.DataFrame([row.model_dump() for row in batch.rows])
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    folder = service.settings.inbox_dir
    before = set(p.name for p in folder.iterdir()) if folder.is_dir() else set()
    path = inbox.write_delivery(folder, frame, prefix="api")
    return ReadingsAccepted(
        file=path.name,
        rows=len(frame),
        first_timestamp=frame[schema.TIMESTAMP].min().to_pydatetime(),
        last_timestamp=frame[schema.TIMESTAMP].max().to_pydatetime(),
        sha256=ingest.sha256_of(path),
        duplicate=path.name in before,
    )
