"""The API over real HTTP: every endpoint, precise 422s, admin key, atomic reload, prediction log."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from energy_api.prediction_log import COLUMNS, read_log
from energy_api.registry import CalendarTable, estimate_features
from energy_api.settings import Settings
from energy_assets.domain import features
from energy_assets.domain.data import schema
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.tariff import default_tariff
from energy_assets.domain.training import champion
from tests.api.conftest import (
    API_KEY,
    LiveServer,
    estimate_result,
    reading_payload,
    set_created_at,
    start_server,
)

WINTER_MAX, WINTER_LIGHT = 144.40, 57.70


def _errors(response: httpx.Response) -> list[dict]:
    assert response.status_code == 422, response.text
    return response.json()["detail"]


def test_health_and_model_info(client: httpx.Client) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["models"]["estimate"]["model_version"] == "physics@2026-01-01T00:00:00+00:00"
    assert health["models"]["forecast"]["model_version"] == "seasonal_naive@2026-01-01T00:00:00+00:00"
    info = client.get("/model/info").json()
    assert info["forecast"]["history_rows"] == 35 * 96
    assert info["forecast"]["history_end"] == "2018-02-05 00:00:00"
    assert info["estimate"]["data_version"] == "sha256:test"
    assert "2012" in info["tariff"]["source"]
    scores = client.get("/model/metrics").json()
    assert 0 < scores["estimate"]["metrics"]["test"]["rmse"] < 0.5
    assert scores["estimate"]["selected_by"] == "lowest validation RMSE"
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 200


def test_predict_matches_the_reading_within_the_rounding_interval(
    client: httpx.Client, history: pd.DataFrame
) -> None:
    row = history.iloc[30 * 96 + 44]  # 31 January 11:15, a maximum-load interval
    body = client.post("/predict", json=reading_payload(row)).json()
    actual = row[schema.USAGE_KWH]
    assert body["usage_kwh"] == pytest.approx(actual, abs=0.05)
    assert body["interval"]["low_kwh"] <= actual + 0.005 <= body["interval"]["high_kwh"] + 0.01
    assert body["interval_method"] == "power_triangle_rounding_bounds"
    assert body["model"]["family"] == "physics"


def test_fast_features_equal_build_features(history: pd.DataFrame) -> None:
    rows = history.iloc[96 * 40 // 10 : 96 * 40 // 10 + 300].drop(columns=[schema.USAGE_KWH])
    rows = rows.iloc[::7]  # irregular rows, as a batch may send
    wanted = [
        *features.READING_FEATURES,
        *features.TRIANGLE_FEATURES,
        *features.CALENDAR_FEATURES,
        schema.NSM,
    ]
    table = CalendarTable(default_tariff())
    fast = estimate_features(rows, wanted, table)
    full = features.build_features(history).loc[rows.index, wanted]
    pd.testing.assert_frame_equal(fast.astype(float), full.astype(float), check_names=False)
    slow = estimate_features(rows, [*wanted, features.IS_LIGHT_LOAD_DAY], table)  # fallback path
    pd.testing.assert_frame_equal(slow[wanted].astype(float), fast.astype(float))


def test_batch_of_a_day_and_its_limits(client: httpx.Client, history: pd.DataFrame) -> None:
    day = history.iloc[30 * 96 : 31 * 96]
    payload = {"rows": [reading_payload(r) for _, r in day.iterrows()]}
    body = client.post("/predict/batch", json=payload).json()
    got = np.array([e["usage_kwh"] for e in body["estimates"]])
    assert len(got) == 96
    assert np.sqrt(np.mean((got - day[schema.USAGE_KWH].to_numpy()) ** 2)) < 0.05
    too_many = {"rows": payload["rows"] * 3}  # 288 > the test limit of 200
    err = _errors(client.post("/predict/batch", json=too_many))[0]
    assert err["field"] == "rows" and "at most 200 rows" in err["rule"]
    twice = {"rows": payload["rows"][:2] + payload["rows"][:1]}
    err = _errors(client.post("/predict/batch", json=twice))[0]
    assert err["field"] == "rows.timestamp" and "unique" in err["rule"]
    assert _errors(client.post("/predict/batch", json={"rows": []}))[0]["field"] == "rows"


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("lagging_power_factor", 120.0, "less than or equal to 100"),
        ("leading_power_factor", -1.0, "greater than or equal to 0"),
        ("lagging_reactive_kvarh", -3.0, "greater than or equal to 0"),
        ("load_type", "Peak_Load", "'Light_Load', 'Medium_Load' or 'Maximum_Load'"),
        ("timestamp", "2018-01-31T11:07:00", "END of a 15-minute interval"),
        ("co2_tco2", "lots", "valid number"),
    ],
)
def test_bad_readings_get_422_with_field_and_rule(
    client: httpx.Client, history: pd.DataFrame, field: str, value: object, rule: str
) -> None:
    payload = reading_payload(history.iloc[100])
    payload[field] = value
    err = _errors(client.post("/predict", json=payload))[0]
    assert err["field"] == field
    assert rule in err["rule"]


def test_forecast_from_the_bundle_history(client: httpx.Client, history: pd.DataFrame) -> None:
    body = client.post("/forecast", json={"horizon": 96}).json()
    assert body["origin"] == "2018-02-05T00:00:00" and body["history_source"] == "bundle"
    points = body["points"]
    assert len(points) == 96 and points[0]["timestamp"] == "2018-02-05T00:15:00"
    # weekly seasonal naive: each target repeats the value one week before
    week_before = history.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    for p in points[::10]:
        assert p["mean"] == pytest.approx(week_before[pd.Timestamp(p["timestamp"]) - pd.Timedelta(days=7)])
        assert p["quantiles"]["q10"] <= p["quantiles"]["q50"] <= p["quantiles"]["q90"]
    assert body["total_kwh"] == pytest.approx(sum(p["mean"] for p in points))
    week = client.post("/forecast", json={"horizon": 672, "origin": "2018-02-01T00:00:00"}).json()
    assert len(week["points"]) == 672


def test_forecast_with_request_history_and_bad_input(client: httpx.Client, history: pd.DataFrame) -> None:
    sent = history.iloc[-10 * 96 :]
    rows = [
        {"timestamp": t.isoformat(), "usage_kwh": float(u), "load_type": lt}
        for t, u, lt in zip(
            sent[schema.TIMESTAMP], sent[schema.USAGE_KWH], sent[schema.LOAD_TYPE], strict=True
        )
    ]
    body = client.post("/forecast", json={"horizon": 4, "history": rows}).json()
    assert body["history_source"] == "request" and len(body["points"]) == 4
    err = _errors(client.post("/forecast", json={"horizon": 673}))[0]
    assert err["field"] == "horizon" and "less than or equal to 672" in err["rule"]
    err = _errors(client.post("/forecast", json={"origin": "2018-06-01T00:00:00"}))[0]
    assert err["field"] == "origin" and "within the history" in err["rule"]
    err = _errors(client.post("/forecast", json={"horizon": 4, "history": rows[-96:]}))[0]
    assert err["field"] == "history" and "at least 672 intervals (7 days)" in err["rule"]
    # a gap a week before the targets in the REQUEST's history: the forecaster's rule, on field history
    gappy = rows[:-672] + rows[-600:]
    err = _errors(client.post("/forecast", json={"horizon": 96, "history": gappy}))[0]
    assert err["field"] == "history" and "lack a value one season before" in err["rule"]


def test_scenarios_three_kinds(client: httpx.Client, history: pd.DataFrame) -> None:
    shift = {
        "kind": "shift_load",
        "energy_kwh": 100,
        "from_window": {"start": "2018-02-01T10:00:00", "end": "2018-02-01T12:00:00"},
        "to_window": {"start": "2018-02-01T23:00:00", "end": "2018-02-02T01:00:00"},
    }
    body = client.post("/scenarios", json=shift).json()
    # KRW are answered in whole won (energy_api.precision)
    assert body["delta"]["cost_krw"] == pytest.approx(-100 * (WINTER_MAX - WINTER_LIGHT), abs=0.5)
    assert body["delta"]["energy_kwh"] == pytest.approx(0.0, abs=1e-9)
    assert any("illustrative KEPCO 2012" in a for a in body["assumptions"])
    change = {"kind": "change_load_type", "window": shift["from_window"], "to": "light"}
    body = client.post("/scenarios", json=change).json()
    window_kwh = history[schema.USAGE_KWH].iloc[31 * 96 + 40 : 31 * 96 + 48].sum()
    assert body["baseline"]["energy_kwh"] == pytest.approx(window_kwh)
    assert body["delta"]["cost_krw"] == pytest.approx(window_kwh * (WINTER_LIGHT - WINTER_MAX), abs=0.5)
    pf = {"kind": "improve_power_factor", "window": shift["from_window"], "target_pf_pct": 98}
    body = client.post("/scenarios", json=pf).json()
    assert body["delta"]["cost_krw"] == 0.0 and body["delta"]["energy_kwh"] == 0.0
    assert body["delta"]["reactive_kvarh"] < 0
    # apparent POWER at the peak 15 minutes (kVA = the interval's kVAh x 4), before and after
    rows = history.iloc[31 * 96 + 40 : 31 * 96 + 48]
    peak_kvah = np.hypot(rows[schema.USAGE_KWH], rows[schema.LAGGING_REACTIVE_KVARH]).max()
    assert body["baseline"]["peak_apparent_kva"] == pytest.approx(4 * peak_kvah, abs=1e-3)
    assert body["scenario"]["peak_apparent_kva"] < body["baseline"]["peak_apparent_kva"]
    assert any("no power-factor surcharge" in a for a in body["assumptions"])
    on_forecast = {
        **change,
        "baseline": "forecast",
        "window": {"start": "2018-02-05T10:00:00", "end": "2018-02-05T12:00:00"},
    }
    body = client.post("/scenarios", json=on_forecast).json()
    assert body["baseline_source"].startswith("forecast from 2018-02-05 00:00:00")
    err = _errors(client.post("/scenarios", json={**shift, "energy_kwh": 99999}))[0]
    assert "exceeds the" in err["rule"] and "kWh used in from_window" in err["rule"]
    err = _errors(client.post("/scenarios", json={**shift, "kind": "buy_a_battery"}))[0]
    assert "kind" in err["field"] or "'shift_load'" in err["rule"]


def test_explain_peak(client: httpx.Client, history: pd.DataFrame) -> None:
    # the first explanation runs SHAP on a cold server: far beyond 30 s on a loaded 2-core machine
    body = client.get("/explain/peak", params={"date": "2018-02-01"}, timeout=300).json()
    day = history.iloc[31 * 96 : 32 * 96]
    assert body["usage_kwh"] == pytest.approx(day[schema.USAGE_KWH].max())
    assert body["day_total_kwh"] == pytest.approx(day[schema.USAGE_KWH].sum())
    total = body["base_value_kwh"] + sum(c["contribution_kwh"] for c in body["contributions"])
    # kWh are answered to 3 decimals (energy_api.precision): 11 rounded terms, each within 0.0005
    assert total == pytest.approx(body["estimate_kwh"], abs=0.006)
    assert body["estimate_kwh"] == pytest.approx(body["usage_kwh"], abs=0.05)
    # plant terms first: the peak against the previous four Thursdays at the same slot (pandas, independently)
    assert body["weekday"] == "Thursday"
    assert body["reference_days"] == ["2018-01-04", "2018-01-11", "2018-01-18", "2018-01-25"]
    start = history[schema.TIMESTAMP] - pd.Timedelta(minutes=15)
    peak_start = pd.Timestamp(body["timestamp"]) - pd.Timedelta(minutes=15)
    same_slot = history[
        start.isin([pd.Timestamp(d) + (peak_start - peak_start.normalize()) for d in body["reference_days"]])
    ]
    assert len(same_slot) == 4
    assert body["typical_usage_kwh"] == pytest.approx(same_slot[schema.USAGE_KWH].median())
    assert body["excess_kwh"] == pytest.approx(body["usage_kwh"] - body["typical_usage_kwh"])
    assert body["apparent_kvah"] == pytest.approx(np.hypot(body["usage_kwh"], body["lagging_reactive_kvarh"]))
    assert len(body["hours"]) == 24 and body["hours_above_normal"]
    assert (
        body["peak_interval"] in body["facts"][0] and "median of the 4 previous Thursdays" in body["facts"][0]
    )
    assert len(body["facts"]) == 5
    assert (
        body["load_type"] in body["facts"][1]
        and f"{body['price_krw_per_kwh']:.2f} KRW/kWh" in body["facts"][1]
    )
    assert "ran above normal" in body["facts"][2] and "kVAh" in body["facts"][3]
    assert body["facts"][4].startswith(body["contributions_view"])
    assert "not why the plant drew more" in body["contributions_view"]
    assert client.get("/explain/peak", params={"date": "2019-06-01"}).status_code == 404
    assert _errors(client.get("/explain/peak", params={"date": "yesterday"}))[0]["field"] == "date"


def test_prometheus_metrics_count_requests(client: httpx.Client, history: pd.DataFrame) -> None:
    client.post("/predict", json=reading_payload(history.iloc[5]))
    text = client.get("/metrics").text
    line = next(
        x
        for x in text.splitlines()
        if x.startswith("energy_api_requests_total{") and 'route="/predict"' in x and 'status="200"' in x
    )
    assert float(line.rsplit(" ", 1)[1]) >= 1
    assert "energy_api_request_duration_seconds_bucket{" in text
    assert 'energy_api_model_loaded{task="estimate"} 1.0' in text


def test_prediction_log_rows(live: LiveServer, client: httpx.Client, history: pd.DataFrame) -> None:
    client.post("/predict", json=reading_payload(history.iloc[7]))
    client.post("/forecast", json={"horizon": 8})
    service = live.app.state.service
    assert service.log.flush()
    assert service.log.errors == []
    log = read_log(live.settings.prediction_log)
    assert list(log.columns) == list(COLUMNS)
    endpoints = set(log["endpoint"])
    assert {"/predict", "/forecast"} <= endpoints
    predict_row = log.loc[log["endpoint"] == "/predict"].iloc[-1]
    assert predict_row["task"] == "estimate" and predict_row["data_version"] == "sha256:test"
    # the logged response is the body the client received, byte for byte
    assert json.loads(predict_row["response_json"])["usage_kwh"] == pytest.approx(
        client.post("/predict", json=reading_payload(history.iloc[7])).json()["usage_kwh"]
    )
    assert json.loads(predict_row["request_json"])["load_type"] == history.iloc[7][schema.LOAD_TYPE]
    assert ((log["endpoint"] == "/forecast") & (log["n_rows"] == 8)).any()
    # another process (the drift monitor, an analyst's DuckDB) reads the segments while the API runs
    script = (
        "import duckdb, sys; "
        "print(duckdb.sql(f\"SELECT count(*) FROM read_parquet('{sys.argv[1]}/part-*.parquet')\").fetchone()[0])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(live.settings.prediction_log)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(log)


def test_admin_key_is_required(client: httpx.Client) -> None:
    assert client.post("/admin/reload").status_code == 401
    assert client.post("/admin/reload", headers={"X-API-Key": "nope"}).status_code == 403
    body = client.post("/admin/reload", headers={"X-API-Key": API_KEY}).json()
    assert body["outcome"] == {"estimate": "unchanged", "forecast": "unchanged", "readings": "missing"}


def test_reload_swaps_and_a_broken_bundle_keeps_the_old_model(
    live: LiveServer, client: httpx.Client, champion_root: Path, history: pd.DataFrame
) -> None:
    folder = champion_root / "estimate"
    original = folder.parent / "estimate-original"
    shutil.copytree(folder, original)
    headers = {"X-API-Key": API_KEY}
    payload = reading_payload(history.iloc[30 * 96 + 44])
    try:
        new = champion.write_bundle(
            estimate_result(history, method="better_side"),
            champion_root,
            data_version="sha256:v2",
            code_version="t",
        )
        set_created_at(new, "2026-02-01T00:00:00+00:00")
        assert client.post("/admin/reload", headers=headers).json()["outcome"]["estimate"] == "loaded"
        version = "physics@2026-02-01T00:00:00+00:00"
        assert client.get("/health").json()["models"]["estimate"]["model_version"] == version
        assert client.post("/predict", json=payload).json()["model"]["data_version"] == "sha256:v2"
        # a newer bundle whose model folder is broken: the loaded one keeps serving
        (new / "model" / "physics.json").unlink()
        set_created_at(new, "2026-03-01T00:00:00+00:00")
        outcome = client.post("/admin/reload", headers=headers).json()
        assert outcome["outcome"]["estimate"].startswith("failed: ")
        assert "physics.json" in outcome["outcome"]["estimate"]
        assert outcome["models"]["estimate"]["refused_code"] == "probe_failed"
        assert outcome["models"]["estimate"]["model_version"] == version
        assert client.get("/health").json()["status"] == "degraded"
        assert client.post("/predict", json=payload).status_code == 200
    finally:
        shutil.rmtree(folder)
        shutil.copytree(original, folder)
        shutil.rmtree(original)
        client.post("/admin/reload", headers=headers, params={"force": True})


def test_no_models_and_no_key_give_503(tmp_path: Path, history: pd.DataFrame) -> None:
    server = start_server(Settings(champion_dir=tmp_path / "empty", prediction_log=None, reload_interval_s=0))
    try:
        with httpx.Client(base_url=server.url) as c:
            assert c.get("/health").json()["models"]["estimate"]["loaded"] is False
            assert c.post("/predict", json=reading_payload(history.iloc[3])).status_code == 503
            assert c.post("/forecast", json={}).status_code == 503
            assert c.post("/admin/reload", headers={"X-API-Key": "x"}).status_code == 503
    finally:
        server.stop()


def test_estimate_columns_are_the_training_ones(live: LiveServer) -> None:
    loaded = live.app.state.service.registry.get("estimate")
    assert set(loaded.bundle.feature_columns) <= set(ESTIMATE_FEATURES)


def test_background_watcher_picks_up_a_newer_bundle(
    champion_root: Path, tmp_path: Path, history: pd.DataFrame
) -> None:
    root = tmp_path / "champion"
    shutil.copytree(champion_root, root)
    server = start_server(Settings(champion_dir=root, prediction_log=None, reload_interval_s=0.2))
    try:
        with httpx.Client(base_url=server.url) as c:
            assert (
                c.get("/health")
                .json()["models"]["estimate"]["model_version"]
                .endswith("2026-01-01T00:00:00+00:00")
            )
            new = champion.write_bundle(
                estimate_result(history), root, data_version="sha256:v3", code_version="t"
            )
            set_created_at(new, "2026-04-01T00:00:00+00:00")
            deadline = time.monotonic() + 60  # the new bundle is probed in a child process first
            while (
                c.get("/health").json()["models"]["estimate"]["model_version"]
                != "physics@2026-04-01T00:00:00+00:00"
            ):
                assert time.monotonic() < deadline, "the watcher did not load the newer bundle"
                time.sleep(0.1)
            row = reading_payload(history.iloc[9]) | {schema.USAGE_KWH: 1.0, schema.NSM: 0}  # a cleaned row
            assert c.post("/predict", json=row).json()["model"]["data_version"] == "sha256:v3"
    finally:
        server.stop()


def test_tariff_periods_are_the_days_runs_under_the_apis_tariff(client) -> None:
    answer = client.get("/tariff/periods", params={"date": "2018-12-24"}).json()
    runs = answer["runs"]
    assert answer["date"] == "2018-12-24" and answer["tariff"]
    assert runs[0]["start"] == "2018-12-24T00:00:00" and runs[-1]["end"] == "2018-12-25T00:00:00"
    assert all(a["end"] == b["start"] and a["tariff_period"] != b["tariff_period"] for a, b in pairwise(runs))
    ends = pd.Series(pd.date_range("2018-12-24 00:15", periods=96, freq="15min"))
    expected = default_tariff().tariff_period(ends).tolist()
    from_runs = [
        run["tariff_period"]
        for run in runs
        for _ in range(
            int((pd.Timestamp(run["end"]) - pd.Timestamp(run["start"])) / pd.Timedelta(minutes=15))
        )
    ]
    assert from_runs == expected
    assert client.get("/tariff/periods", params={"date": "24/12/2018"}).status_code == 422


@pytest.mark.parametrize("path", ["/tariff/periods", "/explain/peak"])
def test_a_day_outside_the_calendar_is_the_clients_fault(client, path: str) -> None:
    # year 909 overflowed pandas' nanosecond timestamps: found by schemathesis as a 500
    response = client.get(path, params={"date": "0909-01-01"})
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert detail["field"] == "date"
    assert "between 2000 and 2099" in detail["rule"]
