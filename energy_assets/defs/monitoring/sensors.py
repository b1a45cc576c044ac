"""Drift -> retrain: one retrain per drift episode, on a GPU when the run launcher can give one."""

import json

import dagster as dg

from energy_assets.defs.monitoring.jobs import RETRAIN_JOB

DRIFT_REPORT = dg.AssetKey("drift_report")
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
    instance: dg.DagsterInstance, after_storage_id: int | None
) -> list[dg.EventLogRecord]:
    """drift_report materializations newer than the cursor, oldest first (at most FETCH_LIMIT)."""
    return instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=DRIFT_REPORT, after_storage_id=after_storage_id),
        limit=FETCH_LIMIT,
        ascending=True,
    ).records


def _verdict(record: dg.EventLogRecord) -> str | None:
    materialization = record.asset_materialization
    if materialization is None:
        return None
    value = materialization.metadata.get("verdict")
    return None if value is None else str(value.value)


@dg.sensor(
    job_name=RETRAIN_JOB,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Requests one GPU retrain when drift_report's verdict turns to drift (one per episode).",
)
def drift_retrain_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    """Reads drift_report materializations newer than the cursor, in order.

    The cursor keeps the last storage id seen and whether a drift episode is open. An episode opens
    at the first ``drift`` verdict (its run_key names that materialization) and closes at the next
    ``ok`` verdict; drift verdicts inside an open episode request nothing, so one episode gives one
    retrain even across ticks and re-evaluations.
    """
    state = json.loads(context.cursor) if context.cursor else {"after": None, "episode": None}
    records = drift_reports_after(context.instance, state["after"])
    if not records:
        return dg.SkipReason("no new drift_report materialization")
    requests = []
    for record in records:
        verdict = _verdict(record)
        if verdict == "drift" and state["episode"] is None:
            state["episode"] = f"drift-episode-{record.storage_id}"
            requests.append(
                dg.RunRequest(
                    run_key=state["episode"],
                    tags={
                        **GPU_TAGS,
                        "energy/trigger": "drift",
                        "energy/drift_report_storage_id": str(record.storage_id),
                    },
                )
            )
        elif verdict == "ok":
            state["episode"] = None
        state["after"] = record.storage_id
    cursor = json.dumps(state, sort_keys=True)
    if not requests:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new drift episode"), cursor=cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
