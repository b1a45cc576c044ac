"""A degraded day-ahead forecast is a retrain reason beside drift: the drift sensors read
forecast_accuracy's verdicts too, one GPU retrain and one alert per degraded episode (real instance,
real webhook server)."""

import dagster as dg

from energy_assets.defs.monitoring import alert_sensors, sensors
from energy_assets.domain.monitoring import alerts
from tests.domain.monitoring import test_alerts

webhook_server = test_alerts.webhook_server


def _scored(instance, verdict: str, mase: float) -> None:
    instance.report_runless_asset_event(
        dg.AssetMaterialization(
            asset_key=sensors.FORECAST_ACCURACY,
            metadata={
                "verdict": verdict,
                "mase_7d": mase,
                "mase_threshold": 1.2,
                "last_scored_day": "2025-03-05",
                "rmse_kwh_7d": 9.0,
                "coverage_pct_7d": 70.0,
            },
        )
    )


def test_one_retrain_and_one_alert_per_degraded_episode(webhook_server, monkeypatch) -> None:
    url, received = webhook_server
    monkeypatch.setenv(alerts.WEBHOOK_URL_ENV, url)
    monkeypatch.delenv(alerts.SMTP_HOST_ENV, raising=False)
    with dg.instance_for_test() as instance:
        retrain_cursor = alert_cursor = None
        requests, posted = [], 0
        for verdict, mase in [
            ("ok", 1.0),
            ("degraded", 1.4),
            ("degraded", 1.5),
            ("ok", 1.1),
            ("degraded", 1.3),
        ]:
            _scored(instance, verdict, mase)
            result = sensors.drift_retrain_sensor(
                dg.build_sensor_context(instance=instance, cursor=retrain_cursor)
            )
            retrain_cursor = result.cursor
            requests += list(result.run_requests or [])
            answer = alert_sensors.drift_alert_sensor(
                dg.build_sensor_context(instance=instance, cursor=alert_cursor)
            )
            alert_cursor = answer.cursor
        posted = len(received)
        # ticking again with nothing new asks nothing
        again = sensors.drift_retrain_sensor(
            dg.build_sensor_context(instance=instance, cursor=retrain_cursor)
        )
        assert isinstance(again, dg.SkipReason)
    assert len(requests) == 2  # two degraded episodes, each one GPU retrain
    assert {r.tags["energy/trigger"] for r in requests} == {"forecast_accuracy"}
    assert all(r.tags["energy/accelerator"] == "gpu" for r in requests)
    assert len({r.run_key for r in requests}) == 2
    assert posted == 2
    _, first = received[0]
    assert first["kind"] == "forecast_accuracy" and "1.40" in first["subject"]
