"""The multi-worker launcher under faults: reloads reach every worker, a killed worker is replaced,
a crashing candidate never takes a worker down. Real worker processes on one SO_REUSEPORT port.

Before (issue 15): after /admin/reload said "loaded", 11 of 20 new connections still got the old
model, and with the reload interval at 0 the other worker never updated; a dead worker stopped the
whole service.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from energy_api.serve import wait_until_serving
from energy_assets.domain.training import champion
from tests.api.conftest import API_KEY, estimate_result, free_port, reading_payload
from tests.faults.conftest import fresh_connection_versions, install, launch, stop, truncate_model, workers_of

HEADERS = {"X-API-Key": API_KEY}
ORIGINAL = "physics@2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize("reload_interval_s", [0, 3600])
def test_reload_reaches_every_worker(
    fresh_root: Path, history: pd.DataFrame, tmp_path: Path, reload_interval_s: float
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch(fresh_root, port, workers=2, reload_interval_s=reload_interval_s)
    try:
        wait_until_serving(url, process=process)
        assert len(workers_of(process.pid)) == 2
        assert set(fresh_connection_versions(url)) == {ORIGINAL}
        champion.write_bundle(
            estimate_result(history, method="better_side"),
            fresh_root,
            data_version="sha256:v2",
            code_version="t",
            created_at="2026-02-01T00:00:00+00:00",
        )
        answer = httpx.post(f"{url}/admin/reload", headers=HEADERS, timeout=120).json()
        assert answer["outcome"]["estimate"] == "loaded" and answer["confirmed"] is True
        new = "physics@2026-02-01T00:00:00+00:00"
        assert {w["models"]["estimate"] for w in answer["workers"].values()} == {new}
        seen = fresh_connection_versions(url, 20)
        assert seen.count(new) == 20, seen  # before: 11 of 20 still had the old model
        pids = {
            httpx.get(f"{url}/metrics", timeout=10).text.count("energy_api_champion_generation{")
            for _ in range(3)
        }
        assert pids == {2}  # one generation gauge per live worker
    finally:
        assert stop(process) == 0


def test_a_killed_worker_is_replaced_and_the_others_keep_serving(
    fresh_root: Path, history: pd.DataFrame
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch(fresh_root, port, workers=2)
    try:
        wait_until_serving(url, process=process)
        victim = workers_of(process.pid)[0]
        os.kill(victim, signal.SIGKILL)
        answered = failed = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # new connections while a replacement starts
            try:
                r = httpx.post(
                    f"{url}/predict", json=reading_payload(history.iloc[answered % 500]), timeout=10
                )
                answered += r.status_code == 200
            except httpx.HTTPError:
                failed += 1
            live = workers_of(process.pid)
            if len(live) == 2 and victim not in live and answered >= 20:
                break
        assert process.poll() is None, "the launcher must not exit when one worker dies"
        live = workers_of(process.pid)
        assert len(live) == 2 and victim not in live
        assert answered >= 20 and failed <= 2, (answered, failed)
        wait_until_serving(url, process=process, checks=12)  # the replacement serves the champions too
        assert set(fresh_connection_versions(url)) == {ORIGINAL}
    finally:
        assert stop(process) == 0


def test_a_crashing_candidate_takes_no_worker_down(
    fresh_root: Path, lightgbm_bundle: Path, tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(lightgbm_bundle, damaged)
    truncate_model(damaged, 0.5, resign=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch(fresh_root, port, workers=2, reload_interval_s=0.5)
    try:
        wait_until_serving(url, process=process)
        before = workers_of(process.pid)
        install(damaged, fresh_root)
        answer = httpx.post(f"{url}/admin/reload", headers=HEADERS, timeout=120).json()
        assert answer["models"]["estimate"]["refused_code"] == "probe_crashed"
        time.sleep(2)  # the periodic checks of both workers see the candidate too
        assert workers_of(process.pid) == before and process.poll() is None
        assert set(fresh_connection_versions(url)) == {ORIGINAL}
        health = [httpx.get(f"{url}/health", timeout=10).json() for _ in range(6)]
        assert {h["status"] for h in health} == {"degraded"}
        metrics = httpx.get(f"{url}/metrics", timeout=10).text
        refused = [
            line for line in metrics.splitlines() if line.startswith("energy_api_model_refusals_total{")
        ]
        assert refused and all('code="probe_crashed"' in line for line in refused)
    finally:
        assert stop(process) == 0


def test_the_launcher_starts_with_a_crashing_champion(
    fresh_root: Path, lightgbm_bundle: Path, tmp_path: Path
) -> None:
    """Before: every worker died loading it, the launcher exited, and every restart did the same."""
    damaged = tmp_path / "damaged"
    shutil.copytree(lightgbm_bundle, damaged)
    truncate_model(damaged, 0.5, resign=True)
    install(damaged, fresh_root)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = launch(fresh_root, port, workers=2)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=5).json()["models"]["forecast"]["loaded"]:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        health = httpx.get(f"{url}/health", timeout=5).json()
        assert health["models"]["estimate"]["refused_code"] == "probe_crashed"
        assert httpx.post(f"{url}/forecast", json={"horizon": 4}, timeout=30).status_code == 200
        assert process.poll() is None and len(workers_of(process.pid)) == 2
    finally:
        assert stop(process) == 0
