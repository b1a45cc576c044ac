"""Alert sensors: a drift episode or a failing job notifies once, through the configured channels.

Channels come from the environment (``ENERGY_ALERT_SMTP_*``, ``ENERGY_ALERT_WEBHOOK_URL``; see
:mod:`energy_assets.domain.monitoring.alerts`). Both keep their open episodes in the one
:class:`~energy_assets.domain.monitoring.episodes.EpisodeTracker`, so repeated
ticks, repeated drift verdicts or repeated failures of the same job send nothing new until the episode
closes (an ``ok`` verdict, a successful run of that job).
"""

import dagster as dg

from energy_assets.defs.monitoring.sensors import (
    ACCURACY_EPISODE,
    DRIFT_EPISODE,
    FORECAST_ACCURACY,
    accuracy_episode_id,
    drift_reports_after,
    episode_id,
    is_degraded,
    is_drift,
    metadata_value,
    read_accuracy_after,
    read_cursor,
    write_cursor,
)
from energy_assets.domain.monitoring import alerts
from energy_assets.domain.monitoring.episodes import EpisodeTracker


def drift_alert(record: dg.EventLogRecord) -> alerts.Alert:
    reasons = metadata_value(record, "reasons") or []
    details = {
        key: metadata_value(record, key)
        for key in (
            "verdict",
            "max_psi",
            "max_psi_feature",
            "rolling_rmse",
            "baseline_rmse",
            "window_start",
            "window_end",
        )
    }
    details["reasons"] = reasons
    details["drift_report_storage_id"] = record.storage_id
    return alerts.Alert(
        kind="drift",
        subject=f"drift detected ({details.get('window_start')} to {details.get('window_end')})",
        body="drift_report turned to drift: " + ("; ".join(map(str, reasons)) or "see details"),
        episode=episode_id(record),
        details=details,
    )


def accuracy_alert(record: dg.EventLogRecord) -> alerts.Alert:
    keys = ("verdict", "last_scored_day", "mase_7d", "mase_threshold", "rmse_kwh_7d", "coverage_pct_7d")
    details = {key: metadata_value(record, key) for key in keys}
    details["forecast_accuracy_storage_id"] = record.storage_id
    return alerts.Alert(
        kind="forecast_accuracy",
        subject=f"day-ahead forecast degraded (7-day MASE {details['mase_7d']:.2f} > {details['mase_threshold']})",
        body=f"forecast_accuracy turned to degraded on {details['last_scored_day']}: the rolling 7-day MASE "
        "against the weekly seasonal naive is past its threshold; a retrain is requested.",
        episode=accuracy_episode_id(record),
        details=details,
    )


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="E-mails / posts one alert when drift_report's verdict opens a drift episode, or "
    "forecast_accuracy's a degraded-forecast episode.",
)
def drift_alert_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Reads drift_report materializations after the cursor, in order; alerts at each episode opening."""
    after, tracker = read_cursor(context.cursor)
    accuracy_after = read_accuracy_after(context.cursor)
    records = drift_reports_after(context.instance, after)
    scored = drift_reports_after(context.instance, accuracy_after, FORECAST_ACCURACY)
    if not records and not scored:
        return dg.SkipReason("no new drift_report or forecast_accuracy materialization")
    channels = alerts.channels_from_env()
    sent = []
    for record in records:
        drifted = is_drift(record)
        if drifted is not None and (opened := tracker.observe(DRIFT_EPISODE, drifted, episode_id(record))):
            outcome = alerts.send_alert(drift_alert(record), channels)
            context.log.info(f"{opened}: {outcome or 'no alert channel configured'}")
            sent.append(opened)
        after = record.storage_id
    for record in scored:
        degraded = is_degraded(record)
        if degraded is not None and (
            opened := tracker.observe(ACCURACY_EPISODE, degraded, accuracy_episode_id(record))
        ):
            outcome = alerts.send_alert(accuracy_alert(record), channels)
            context.log.info(f"{opened}: {outcome or 'no alert channel configured'}")
            sent.append(opened)
        accuracy_after = record.storage_id
    return dg.SensorResult(
        skip_reason=dg.SkipReason(f"alerted {sent}" if sent else "no new drift or accuracy episode"),
        cursor=write_cursor(after, tracker, accuracy_after),
    )


@dg.run_failure_sensor(
    name="run_failure_alert_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    monitor_all_code_locations=False,
    description="E-mails / posts one alert per failing job episode (closed when a later run succeeds).",
)
def run_failure_alert_sensor(context: dg.RunFailureSensorContext) -> None:
    """Alerts on a job's first failure; further failures of that job are quiet until it succeeds again.

    The sensor's cursor belongs to Dagster here, so open episodes are derived from run history: the job
    already has an open episode when its previous finished run also failed.
    """
    run = context.dagster_run
    previous = context.instance.get_run_records(
        dg.RunsFilter(
            job_name=run.job_name,
            statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE],
        ),
        limit=2,
    )
    earlier = [r for r in previous if r.dagster_run.run_id != run.run_id]
    tracker = EpisodeTracker()
    if earlier and earlier[0].dagster_run.status == dg.DagsterRunStatus.FAILURE:
        tracker.observe(run.job_name, True, f"failure-{earlier[0].dagster_run.run_id}")
    opened = tracker.observe(run.job_name, True, f"failure-{run.run_id}")
    if opened is None:
        context.log.info(f"{run.job_name}: failure episode already open; no new alert")
        return
    steps = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:  # the user's exception, not Dagster's wrapper
            error = error.cause
        steps.append(f"{event.step_key}: {error.message.strip() if error else event.message}")
    error = "\n".join([context.failure_event.message or "", *steps])
    alert = alerts.Alert(
        kind="run_failure",
        subject=f"run of {run.job_name} failed",
        body=error[:2000],
        episode=opened,
        details={"run_id": run.run_id, "job": run.job_name, "tags": dict(run.tags)},
    )
    outcome = alerts.send_alert(alert, alerts.channels_from_env())
    context.log.info(f"{opened}: {outcome or 'no alert channel configured'}")
