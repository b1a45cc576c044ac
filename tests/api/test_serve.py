"""The multi-worker launcher: real worker processes on one port, metrics summed over workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from energy_api.prediction_log import read_log, segments
from energy_api.serve import MAX_RESTARTS, reuseport_socket, serve, wait_until_serving
from tests.api.conftest import free_port, reading_payload


def _launch(champion_root: Path, log: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ENERGY_CHAMPION_DIR": str(champion_root),
        "ENERGY_PREDICTION_LOG": str(log),
        "ENERGY_RELOAD_INTERVAL_S": "0",
    }
    cmd = [sys.executable, "-m", "energy_api.serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen([*cmd, "--log-level", "warning"], env=env, start_new_session=True)


def _workers(pid: int) -> list[int]:
    """The launcher's worker processes (its other child is multiprocessing's resource tracker)."""
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _predict_count(text: str) -> float:
    line = next(
        x
        for x in text.splitlines()
        if x.startswith("energy_api_requests_total{") and 'route="/predict"' in x and 'status="200"' in x
    )
    return float(line.rsplit(" ", 1)[1])


def test_two_workers_share_the_port_the_metrics_and_the_log(
    champion_root: Path, history: pd.DataFrame, tmp_path: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "prediction_log"
    process = _launch(champion_root, log, port, workers=2)
    try:
        wait_until_serving(url, process=process)
        assert len(_workers(process.pid)) == 2
        for i in range(40):  # a new connection each: the kernel spreads them over both sockets
            response = httpx.post(f"{url}/predict", json=reading_payload(history.iloc[i]), timeout=10)
            assert response.status_code == 200
        for _ in range(6):  # whichever worker answers the scrape reports the sum over workers
            text = httpx.get(f"{url}/metrics", timeout=10).text
            assert _predict_count(text) == 40
            assert 'energy_api_model_loaded{task="estimate"} 1.0' in text
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    assert code == 0
    records = read_log(log)
    assert (records["endpoint"] == "/predict").sum() == 40
    writers = {path.name.split("-")[2] for path in segments(log)}  # part-<time>-<pid>-...
    assert len(writers) == 2  # both workers served (and logged) requests


def test_a_crash_loop_stops_the_service(champion_root: Path, tmp_path: Path) -> None:
    """One dead worker is replaced (tests/faults/test_workers.py); workers dying over and over
    (more than MAX_RESTARTS within RESTART_WINDOW_S) stop the service with a non-zero exit code, for
    the container runtime to restart it."""
    port = free_port()
    process = _launch(champion_root, tmp_path / "log", port, workers=2)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process=process, checks=2)
        killed: set[int] = set()
        deadline = time.monotonic() + 90
        while process.poll() is None and time.monotonic() < deadline:
            for pid in set(_workers(process.pid)) - killed:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            time.sleep(0.05)
        assert process.wait(timeout=60) == 1
        assert len(killed) > MAX_RESTARTS
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_a_port_in_use_fails_before_any_worker_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(OSError):
            serve("127.0.0.1", port, workers=2)
        assert time.monotonic() - started < 5


def test_reuseport_sockets_bind_the_same_port_twice() -> None:
    port = free_port()
    first = reuseport_socket("127.0.0.1", port)
    second = reuseport_socket("127.0.0.1", port)
    try:
        assert first.getsockname()[1] == second.getsockname()[1] == port
    finally:
        first.close()
        second.close()
