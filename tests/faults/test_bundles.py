"""Damaged, incomplete and crashing candidate bundles: refused with a reason, the old champion serves.

Before (issue 15): a truncated LightGBM file killed every worker (8 of 10 cuts crash natively) and the
service could not start while it was there; a forecast bundle without history.parquet became champion
and 98.5 % of forecasts then got a 422 blaming the client.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pandas as pd
import pytest

from energy_api.settings import Settings
from energy_assets.domain import manifest
from energy_assets.domain.training import champion
from tests.api.conftest import API_KEY, reading_payload, set_created_at, start_server
from tests.faults.conftest import LIGHTGBM_CREATED_AT, install, truncate_model

HEADERS = {"X-API-Key": API_KEY}
ORIGINAL = "physics@2026-01-01T00:00:00+00:00"


def _serve(root: Path):
    return start_server(
        Settings(champion_dir=root, api_key=API_KEY, prediction_log=None, reload_interval_s=0)
    )


def _refusals(metrics: str, task: str, code: str) -> float:
    pattern = rf'^energy_api_model_refusals_total{{(?=.*task="{task}")(?=.*code="{code}").*}} (\S+)$'
    found = [float(m.group(1)) for m in re.finditer(pattern, metrics, re.M)]
    return sum(found)


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_a_truncated_lightgbm_candidate_is_refused_and_the_old_champion_serves(
    fresh_root: Path, lightgbm_bundle: Path, tmp_path: Path, history: pd.DataFrame, fraction: float
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(lightgbm_bundle, damaged)
    truncate_model(damaged, fraction, resign=True)  # the manifest matches: only the probe can tell
    server = _serve(fresh_root)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            install(damaged, fresh_root)
            outcome = c.post("/admin/reload", headers=HEADERS).json()
            assert outcome["outcome"]["estimate"].startswith("failed: loading the bundle crashed the probe")
            status = outcome["models"]["estimate"]
            assert status["refused_code"] == "probe_crashed" and status["model_version"] == ORIGINAL
            assert c.post("/predict", json=reading_payload(history.iloc[50])).status_code == 200
            health = c.get("/health").json()
            assert health["status"] == "degraded"
            assert any("estimate candidate refused (probe_crashed)" in p for p in health["problems"])
            metrics = c.get("/metrics").text
            assert _refusals(metrics, "estimate", "probe_crashed") == 1
            assert 'energy_api_model_candidate_refused{task="estimate"} 1.0' in metrics
            # the same files are not probed again on every check
            assert c.post("/admin/reload", headers=HEADERS).json()["outcome"]["estimate"].startswith("failed")
            assert _refusals(c.get("/metrics").text, "estimate", "probe_crashed") == 1
    finally:
        server.stop()


def test_a_truncated_model_without_a_matching_manifest_is_refused_before_any_load(
    fresh_root: Path, lightgbm_bundle: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(lightgbm_bundle, damaged)
    truncate_model(damaged, 0.5, resign=False)
    server = _serve(fresh_root)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            install(damaged, fresh_root)
            status = c.post("/admin/reload", headers=HEADERS).json()["models"]["estimate"]
            assert status["refused_code"] == "size_mismatch"
            assert "model/model.txt has" in status["last_error"] and status["model_version"] == ORIGINAL
    finally:
        server.stop()


def test_the_service_starts_with_a_crashing_champion_and_serves_the_other_task(
    fresh_root: Path, lightgbm_bundle: Path, tmp_path: Path, history: pd.DataFrame
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(lightgbm_bundle, damaged)
    truncate_model(damaged, 0.3, resign=True)
    install(damaged, fresh_root)
    server = _serve(fresh_root)  # before: the process died here, and on every restart
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            health = c.get("/health").json()
            assert health["status"] == "degraded"
            assert health["models"]["estimate"]["loaded"] is False
            assert health["models"]["forecast"]["loaded"] is True
            refused = c.post("/predict", json=reading_payload(history.iloc[5]))
            assert refused.status_code == 503 and refused.json()["request_id"]
            assert "probe" in refused.json()["detail"]
            assert c.post("/forecast", json={"horizon": 4}).status_code == 200
            # a good bundle put in place later is loaded by the next reload
            install(_good_lightgbm(tmp_path, history), fresh_root)
            assert c.post("/admin/reload", headers=HEADERS).json()["outcome"]["estimate"] == "loaded"
            assert c.post("/predict", json=reading_payload(history.iloc[5])).status_code == 200
            assert c.get("/health").json()["status"] == "ok"
    finally:
        server.stop()


def _good_lightgbm(tmp_path: Path, history: pd.DataFrame) -> Path:
    from tests.faults.conftest import lightgbm_result

    return champion.write_bundle(
        lightgbm_result(history.iloc[:2000]),
        tmp_path / "good",
        data_version="sha256:good",
        code_version="t",
        created_at="2026-06-01T00:00:00+00:00",
    )


def test_a_forecast_bundle_without_history_is_refused(fresh_root: Path, tmp_path: Path) -> None:
    """Before: it became champion and 98.5 % of forecasts got a 422 that blamed the client."""
    server = _serve(fresh_root)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            candidate = tmp_path / "no_history"
            shutil.copytree(fresh_root / "forecast", candidate)
            (candidate / champion.HISTORY_FILE).unlink()
            set_created_at(candidate, "2026-02-01T00:00:00+00:00")  # signed without its history
            install(candidate, fresh_root, "forecast")
            status = c.post("/admin/reload", headers=HEADERS).json()["models"]["forecast"]
            assert status["refused_code"] == "file_missing" and "history.parquet" in status["last_error"]
            assert status["model_version"] == "seasonal_naive@2026-01-01T00:00:00+00:00"
            answers = [c.post("/forecast", json={"horizon": 8}).status_code for _ in range(20)]
            assert answers == [200] * 20
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        ("drop_manifest", "manifest_missing"),
        ("garble_manifest", "manifest_unreadable"),
        ("drop_model_file", "file_missing"),
        ("flip_a_byte", "checksum_mismatch"),
        ("add_a_file", "unlisted_file"),
        ("garble_card", "bundle_unreadable"),
        ("garble_card_resigned", "bundle_unreadable"),
    ],
)
def test_damaged_bundles_are_refused_with_their_reason(
    fresh_root: Path, tmp_path: Path, history: pd.DataFrame, damage: str, code: str
) -> None:
    server = _serve(fresh_root)
    try:
        candidate = tmp_path / "candidate"
        shutil.copytree(fresh_root / "estimate", candidate)
        set_created_at(candidate, "2026-02-01T00:00:00+00:00")
        model_file = candidate / champion.MODEL_DIR / "physics.json"
        if damage == "drop_manifest":
            (candidate / manifest.MANIFEST_FILE).unlink()
        elif damage == "garble_manifest":
            (candidate / manifest.MANIFEST_FILE).write_text("{not json")
        elif damage == "drop_model_file":
            model_file.unlink()
        elif damage == "flip_a_byte":
            data = bytearray(model_file.read_bytes())
            data[len(data) // 2] ^= 0x01
            model_file.write_bytes(bytes(data))
        elif damage == "add_a_file":
            (candidate / "stray.bin").write_bytes(b"\x00" * 10)
        elif damage.startswith("garble_card"):
            (candidate / champion.BUNDLE_FILE).write_text('{"task": ')
            if damage.endswith("resigned"):
                manifest.write_manifest(candidate)
        with httpx.Client(base_url=server.url, timeout=60) as c:
            install(candidate, fresh_root)
            status = c.post("/admin/reload", headers=HEADERS).json()["models"]["estimate"]
            assert status["refused_code"] == code, status
            assert status["model_version"] == ORIGINAL
            assert "/" not in status["last_error"].split(" ")[0] or not status["last_error"].startswith("/")
            assert str(tmp_path) not in status["last_error"]
            assert c.post("/predict", json=reading_payload(history.iloc[7])).status_code == 200
    finally:
        server.stop()


def test_write_bundle_writes_a_manifest_that_verifies(lightgbm_bundle: Path) -> None:
    found = manifest.read_manifest(lightgbm_bundle)
    assert set(found["files"]) == {"bundle.json", "model/model.json", "model/model.txt"}
    assert champion.verify_bundle(lightgbm_bundle)["created_at"] == LIGHTGBM_CREATED_AT
    assert not list(lightgbm_bundle.parent.glob(".*"))  # no staging folder left behind
