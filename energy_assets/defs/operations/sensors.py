"""Sensors of live operations: each waits for one thing and says so in its description.

``inbox_sensor`` waits for files in the inbox. Its cursor remembers every file it has requested a run
for (name, size, mtime, SHA-256), so a file is hashed again only when its size or mtime changed and a
delivery (name + SHA-256, the run key) is ingested once; a new name becomes a new partition of
``inbox_files`` in the same tick as its run request.

``day_ahead_sensor`` waits for ``plant_readings`` to hold a new complete day: it then requests the
official forecast of the day after (run key ``day_ahead:<day>``: issued once per day; a re-issue is a
manual launch of that partition), unless the evening schedule (``schedules.py``) already issued it.
"""

import datetime as dt
import json

import dagster as dg

from energy_assets.defs.operations.ingest import TAG_FILE, TAG_RECEIVED_AT, TAG_SHA256
from energy_assets.defs.operations.jobs import day_ahead, inbox_ingest
from energy_assets.defs.operations.partitions import inbox_files
from energy_assets.defs.resources import Inbox

#: A crashed ingest run is retried by the daemon (``run_retries`` in dagster.yaml): the history is a
#: pure function of stored inputs, so a retry leaves what one clean run would.
INGEST_RETRIES = "2"
DAY_AHEAD_FORECAST = dg.AssetKey("day_ahead_forecast")


def read_inbox_cursor(cursor: str | None) -> dict[str, dict]:
    return dict(json.loads(cursor).get("files", {})) if cursor else {}


def write_inbox_cursor(files: dict[str, dict]) -> str:
    return json.dumps({"files": files}, sort_keys=True)


@dg.sensor(
    job=inbox_ingest,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Waits for new or changed files in the inbox (ENERGY_INBOX_DIR): one ingest run per "
    "delivery (run key = file name + SHA-256), a new inbox_files partition per new file name.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, inbox: Inbox) -> dg.SensorResult | dg.SkipReason:
    """Requests an ingest run for every file whose bytes it has not requested before, oldest first."""
    known = read_inbox_cursor(context.cursor)
    found = inbox.scan(known)
    state = {f.name: {"size": f.size, "modified_ns": f.modified_ns, "sha256": f.sha256} for f in found}
    state = {**known, **state}  # files removed from the inbox stay remembered
    new = [f for f in found if (known.get(f.name) or {}).get("sha256") != f.sha256]
    if not new:
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"no new delivery in {inbox.path()} ({len(found)} files seen)"),
            cursor=write_inbox_cursor(state),
        )
    names = sorted({f.name for f in new})
    add = [n for n in names if not context.instance.has_dynamic_partition(inbox_files.name, n)]
    requests = [
        dg.RunRequest(
            run_key=f.run_key,
            partition_key=f.name,
            tags={
                TAG_FILE: f.name,
                TAG_SHA256: f.sha256,
                TAG_RECEIVED_AT: f.received_at.isoformat(),
                "dagster/max_retries": INGEST_RETRIES,
            },
        )
        for f in new
    ]
    context.log.info(f"{len(requests)} new deliveries: {[f.name for f in new]}")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[inbox_files.build_add_request(add)] if add else [],
        cursor=write_inbox_cursor(state),
    )


def _last_complete_day(instance: dg.DagsterInstance) -> str | None:
    event = instance.get_latest_materialization_event(dg.AssetKey("plant_readings"))
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("last_complete_day")
    day = getattr(value, "value", value)
    return str(day) if day else None


@dg.sensor(
    job=day_ahead,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Waits for plant_readings to hold a new complete plant day D; then issues the day-ahead "
    "forecast of D+1 unless the evening schedule already did (and scores every issued day whose actuals "
    "are in). One run per target day.",
)
def day_ahead_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Requests the forecast of the day after the last complete day of the readings."""
    day = _last_complete_day(context.instance)
    if day is None:
        return dg.SkipReason("plant_readings has no complete day yet")
    if context.cursor == day:
        return dg.SkipReason(f"the forecast after {day} was already requested")
    target = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    if target in context.instance.get_materialized_partitions(DAY_AHEAD_FORECAST):
        return dg.SensorResult(
            skip_reason=dg.SkipReason(f"the forecast of {target} was issued already (evening schedule)"),
            cursor=day,
        )
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"day_ahead:{target}", partition_key=target)],
        cursor=day,
    )
