"""Drift -> retrain: one retrain per drift episode, on a GPU when the run launcher can give one.

Both drift sensors (this one and the alert in ``alert_sensors.py``) read drift_report
materializations through :func:`drift_reports_after` and :func:`is_drift`, and keep their episodes
in one :class:`~energy_assets.domain.monitoring.episodes.EpisodeTracker` in their cursor.
"""

import json

import dagster as dg

from energy_assets.defs.monitoring.jobs import RETRAIN_JOB
from energy_assets.domain.monitoring.episodes import EpisodeTracker

DRIFT_REPORT = dg.AssetKey("drift_report")
#: The tracker's key of the drift episode.
DRIFT_EPISODE = "drift"
#: The day-ahead forecasts' rolling accuracy: a degraded verdict is a retrain reason beside drift.
FORECAST_ACCURACY = dg.AssetKey("forecast_accuracy")
ACCURACY_EPISODE = "forecast_accuracy"
#: Tags a retrain run carries. ``energy/accelerator`` is ours (route/limit GPU runs with the run
#: queue's tag_concurrency_limits); ``dagster-k8s/config`` is read by the K8sRunLauncher and the
#: k8s executor and asks Kubernetes for one NVIDIA GPU for the run's pod.
GPU_TAGS: dict[str, str] = {
    "energy/accelerator": "gpu",
    "dagster-k8s/config": json.dumps(
        {
            "container_config": {
                "resources": {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}}
            }
        },
        sort_keys=True,
    ),
}
FETCH_LIMIT = 100


def drift_reports_after(
    instance: dg.DagsterInstance, after_storage_id: int | None, asset_key: dg.AssetKey = DRIFT_REPORT
) -> list[dg.EventLogRecord]:
    """drift_report (or ``asset_key``) materializations newer than the cursor, oldest first (at most
    FETCH_LIMIT)."""
    return instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset_key, after_storage_id=after_storage_id),
        limit=FETCH_LIMIT,
        ascending=True,
    ).records


def is_degraded(record: dg.EventLogRecord) -> bool | None:
    """forecast_accuracy's ``verdict`` (degraded / ok); None before any day is scored."""
    verdict = metadata_value(record, "verdict")
    return None if verdict is None else str(verdict) == "degraded"


def accuracy_episode_id(record: dg.EventLogRecord) -> str:
    return f"accuracy-episode-{record.storage_id}"


def metadata_value(record: dg.EventLogRecord, key: str):
    materialization = record.asset_materialization
    if materialization is None or key not in materialization.metadata:
        return None
    return materialization.metadata[key].value


def is_drift(record: dg.EventLogRecord) -> bool | None:
    """True/False from the ``verdict`` (or boolean ``drift``) metadata; None when neither is there."""
    verdict = metadata_value(record, "verdict")
    if verdict is not None:
        return str(verdict) == "drift"
    flag = metadata_value(record, "drift")
    return None if flag is None else bool(flag)


def episode_id(record: dg.EventLogRecord) -> str:
    return f"drift-episode-{record.storage_id}"


def read_accuracy_after(cursor: str | None) -> int | None:
    """The last forecast_accuracy storage id a drift sensor's cursor has seen."""
    return (json.loads(cursor) if cursor else {}).get("accuracy_after")


def read_cursor(cursor: str | None) -> tuple[int | None, EpisodeTracker]:
    """(last storage id seen, the open episodes) from a drift sensor's cursor."""
    state = json.loads(cursor) if cursor else {}
    tracker = EpisodeTracker.from_json(state.get("episodes"))
    if state.get("episode"):  # cursors written before the sensors shared one tracker
        tracker.open_episodes.setdefault(DRIFT_EPISODE, state["episode"])
    return state.get("after"), tracker


def write_cursor(after: int | None, tracker: EpisodeTracker, accuracy_after: int | None = None) -> str:
    state: dict = {"after": after, "episodes": tracker.to_json()}
    if accuracy_after is not None:
        state["accuracy_after"] = accuracy_after
    return json.dumps(state, sort_keys=True)


@dg.sensor(
    job_name=RETRAIN_JOB,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Requests one GPU retrain when drift_report's verdict turns to drift, or forecast_accuracy's "
    "to degraded (rolling 7-day MASE past its threshold): one per episode of each.",
)
def drift_retrain_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Reads drift_report materializations newer than the cursor, in order.

    An episode opens at the first ``drift`` verdict (its run_key names that materialization) and
    closes at the next ``ok`` verdict; drift verdicts inside an open episode request nothing, so one
    episode gives one retrain even across ticks and re-evaluations.
    """
    after, tracker = read_cursor(context.cursor)
    accuracy_after = read_accuracy_after(context.cursor)
    records = drift_reports_after(context.instance, after)
    scored = drift_reports_after(context.instance, accuracy_after, FORECAST_ACCURACY)
    if not records and not scored:
        return dg.SkipReason("no new drift_report or forecast_accuracy materialization")
    requests = []
    for record in records:
        drifted = is_drift(record)
        if drifted is not None and (opened := tracker.observe(DRIFT_EPISODE, drifted, episode_id(record))):
            requests.append(
                dg.RunRequest(
                    run_key=opened,
                    tags={
                        **GPU_TAGS,
                        "energy/trigger": "drift",
                        "energy/drift_report_storage_id": str(record.storage_id),
                    },
                )
            )
        after = record.storage_id
    for record in scored:
        degraded = is_degraded(record)
        if degraded is not None and (
            opened := tracker.observe(ACCURACY_EPISODE, degraded, accuracy_episode_id(record))
        ):
            requests.append(
                dg.RunRequest(
                    run_key=opened,
                    tags={
                        **GPU_TAGS,
                        "energy/trigger": "forecast_accuracy",
                        "energy/forecast_accuracy_storage_id": str(record.storage_id),
                    },
                )
            )
        accuracy_after = record.storage_id
    cursor = write_cursor(after, tracker, accuracy_after)
    if not requests:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new drift episode"), cursor=cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
