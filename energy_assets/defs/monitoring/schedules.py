"""Plant-time schedules (Asia/Seoul): the daily feed replay, weekly retrain, weekly drift report."""

import dagster as dg

from energy_assets.defs.monitoring.jobs import RETRAIN_JOB, drift_monitoring_job, plant_feed_job
from energy_assets.defs.monitoring.partitions import plant_feed_partitions
from energy_assets.defs.monitoring.sensors import GPU_TAGS
from energy_assets.domain.data import schema

PLANT_FEED = dg.AssetKey("plant_feed")


@dg.schedule(
    cron_schedule="0 1 * * *",
    job=plant_feed_job,
    execution_timezone=schema.PLANT_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every night at 01:00 plant time, replay the next not-yet-replayed day of the test period.",
)
def daily_plant_feed_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """The feed is a replay of 2018, so each tick advances the replay clock by one day."""
    done = context.instance.get_materialized_partitions(PLANT_FEED)
    pending = [key for key in plant_feed_partitions.get_partition_keys() if key not in done]
    if not pending:
        return dg.SkipReason("every day of the test period has been replayed")
    return dg.RunRequest(run_key=f"plant_feed-{pending[0]}", partition_key=pending[0])


weekly_retrain_schedule = dg.ScheduleDefinition(
    name="weekly_retrain_schedule",
    cron_schedule="0 3 * * 0",
    job_name=RETRAIN_JOB,
    execution_timezone=schema.PLANT_TIMEZONE,
    tags=GPU_TAGS,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Sunday 03:00 plant time: retrain every model and re-pick the champions (GPU run).",
)

weekly_drift_report_schedule = dg.ScheduleDefinition(
    name="weekly_drift_report_schedule",
    cron_schedule="0 9 * * 1",
    job=drift_monitoring_job,
    execution_timezone=schema.PLANT_TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Monday 09:00 plant time: drift report over the latest week of feed.",
)
