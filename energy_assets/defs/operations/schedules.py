"""The evening issue of the official day-ahead forecast (plant time, Asia/Seoul).

Every evening at ``ENERGY_DAY_AHEAD_HOUR`` (default 20:00 plant time) the schedule issues tomorrow's
``day_ahead_forecast`` partition from the latest reading in (the day is still running, so the model
forecasts the rest of today too; ``from_latest``), in time for the plant to plan the next day on it.
20:00 by default: late enough that most of today is in the readings and today's production plan file
(``data/plan/``) has landed, early enough to leave the evening to act on it; a plant with another
planning rhythm sets the hour. The day-ahead sensor still issues a day the evening run missed (the
readings came in late, the daemon was down) once the day before is complete, and skips a day the
evening run already issued, so the forecast scored is the one the plant planned on.
"""

import datetime as dt
import os

import dagster as dg
import pandas as pd

from energy_assets.defs.operations.jobs import day_ahead
from energy_assets.domain.data import schema

DAY_AHEAD_HOUR_ENV = "ENERGY_DAY_AHEAD_HOUR"
DEFAULT_DAY_AHEAD_HOUR = 20


def day_ahead_hour() -> int:
    """The hour (plant time, 0..23) of the evening issue, from ``ENERGY_DAY_AHEAD_HOUR``."""
    raw = os.environ.get(DAY_AHEAD_HOUR_ENV, "").strip()
    if not raw:
        return DEFAULT_DAY_AHEAD_HOUR
    if not raw.isdigit() or not 0 <= int(raw) <= 23:
        raise ValueError(f"{DAY_AHEAD_HOUR_ENV} must be an hour 0..23 (plant time), got {raw!r}")
    return int(raw)


def last_reading(instance: dg.DagsterInstance) -> pd.Timestamp | None:
    """The last interval of ``plant_readings`` (its ``last_timestamp`` metadata, plant time)."""
    event = instance.get_latest_materialization_event(dg.AssetKey("plant_readings"))
    if event is None or event.asset_materialization is None:
        return None
    value = event.asset_materialization.metadata.get("last_timestamp")
    text = getattr(value, "value", value)
    return pd.Timestamp(text) if text and text != "NaT" else None


def tomorrow(context: dg.ScheduleEvaluationContext) -> str:
    """The plant day after the tick's (the tick's time is in plant time: ``execution_timezone``)."""
    return (context.scheduled_execution_time.date() + dt.timedelta(days=1)).isoformat()


@dg.schedule(
    cron_schedule=f"0 {day_ahead_hour()} * * *",
    job=day_ahead,
    execution_timezone=schema.PLANT_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=f"Every evening at {day_ahead_hour():02d}:00 plant time (Asia/Seoul; {DAY_AHEAD_HOUR_ENV}): "
    "issue tomorrow's official day-ahead forecast from the latest reading, so the plant plans the next "
    "day on it (most of today is in and today's plan file has landed by then), and score every issued "
    "day whose actuals are in. Waits for plant_readings to hold a reading of today (skips otherwise). "
    "One run per target day.",
)
def day_ahead_evening_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Tomorrow's partition, issued from the latest reading (``from_latest``); skipped while the
    readings hold nothing of today (a replay of past data, or today's readings not in yet)."""
    target = tomorrow(context)
    last = last_reading(context.instance)
    today = pd.Timestamp(context.scheduled_execution_time.date())
    if last is None or last <= today:
        return dg.SkipReason(
            f"plant_readings end {last}: nothing of {today.date()} in yet to issue {target} from "
            "(the day-ahead sensor issues it once the day is complete)"
        )
    return dg.RunRequest(
        run_key=f"day_ahead:{target}",
        partition_key=target,
        run_config={"ops": {"day_ahead_forecast": {"config": {"from_latest": True}}}},
        tags={"energy/trigger": "evening_schedule"},
    )
