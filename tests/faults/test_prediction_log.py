"""The prediction log on a real full disk and a real read-only folder: nothing accepted is lost unseen.

Before (issue 15): with the folder read-only 12,112 of 12,112 records were lost, with the disk full
95.4 %; a write error discarded the open segment including the records already written, and the
error count was never exposed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd

from energy_api.prediction_log import PredictionLog, PredictionRecord, read_log
from energy_api.settings import Settings
from tests.api.conftest import reading_payload, start_server
from tests.faults.conftest import remount


def record(i: int, payload_bytes: int = 2000) -> PredictionRecord:
    """A record whose request JSON does not compress (random hex), so a small disk fills quickly."""
    return PredictionRecord(
        endpoint="/predict",
        task="estimate",
        family="physics",
        model_version="physics@test",
        data_version="sha256:test",
        code_version="t",
        n_rows=1,
        request={"i": i, "noise": secrets.token_hex(payload_bytes // 2)},
        response={"usage_kwh": i},
        logged_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def logged_ids(folder: Path) -> list[int]:
    return sorted(json.loads(r)["i"] for r in read_log(folder)["request_json"])


def wait_until(predicate, timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_a_full_disk_loses_no_record_and_says_so(small_disk: Path) -> None:
    folder = small_disk / "log"
    log = PredictionLog(folder, linger_s=0.0, roll_s=3600, max_rows=50)
    for i in range(100):  # two complete segments while there is room
        log.append(record(i))
    assert log.flush() and logged_ids(folder) == list(range(100))
    filler = small_disk / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:  # take all that is left of the 1 MiB
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    for i in range(100, 250):  # about 400 kB: fits again once the filler goes
        log.append(record(i))
    assert log.flush() is False  # not written: the disk is full
    status = log.status()
    assert status["state"] == "degraded" and status["write_errors"] >= 1
    assert status["pending_records"] == 150 and status["dropped_records"] == 0
    assert "No space left on device" in " ".join(log.errors)
    assert logged_ids(folder) == list(range(100))  # what was written stays written
    assert not list(folder.glob(".*.tmp"))  # the broken temporary segment was removed
    filler.unlink()  # space again: the retry writes every kept record
    assert wait_until(lambda: log.status()["state"] == "ok")
    assert log.flush()
    assert logged_ids(folder) == list(range(250))
    assert log.status()["written_records"] == 250
    log.close()


def test_a_read_only_folder_loses_no_record(read_only_able: Path) -> None:
    folder = read_only_able / "log"
    log = PredictionLog(folder, linger_s=0.0, roll_s=3600)
    for i in range(10):
        log.append(record(i, 100))
    assert log.flush()
    remount(read_only_able, "ro")
    try:
        for i in range(10, 510):
            log.append(record(i, 100))
        assert log.flush() is False
        assert log.status()["state"] == "degraded"
        assert "Read-only file system" in " ".join(log.errors)
        assert logged_ids(folder) == list(range(10))
    finally:
        remount(read_only_able, "rw")
    assert wait_until(lambda: log.status()["state"] == "ok")
    assert logged_ids(folder) == list(range(510))
    log.close()


def test_a_bounded_buffer_counts_what_it_drops(read_only_able: Path) -> None:
    """Only when failures last long enough to fill the buffer are records given up, and counted."""
    folder = read_only_able / "log"
    log = PredictionLog(folder, linger_s=0.0, roll_s=3600, max_buffer_bytes=200_000)
    remount(read_only_able, "ro")
    try:
        for i in range(300):  # about 600 kB of records for a 200 kB buffer
            log.append(record(i))
        log.flush()
        status = log.status()
        assert status["dropped_records"] > 0
        assert status["pending_records"] + status["dropped_records"] == 300
    finally:
        remount(read_only_able, "rw")
    assert wait_until(lambda: log.status()["state"] == "ok")
    kept = logged_ids(folder)
    assert kept == list(range(300 - len(kept), 300))  # the newest are kept, the oldest dropped
    log.close()


def _metric(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_the_api_shows_log_failures_in_health_and_metrics(
    read_only_able: Path, fresh_root: Path, history: pd.DataFrame
) -> None:
    folder = read_only_able / "log"
    server = start_server(Settings(champion_dir=fresh_root, prediction_log=folder, reload_interval_s=0))
    try:
        with httpx.Client(base_url=server.url, timeout=30) as c:
            assert c.get("/health").json()["status"] == "ok"
            remount(read_only_able, "ro")
            try:
                for i in range(40):
                    assert c.post("/predict", json=reading_payload(history.iloc[i])).status_code == 200
                assert wait_until(lambda: c.get("/health").json()["status"] == "degraded")
                health = c.get("/health").json()
                assert health["prediction_log"]["state"] == "degraded"
                assert health["prediction_log"]["pending_records"] == 40
                assert any("prediction log writes are failing" in p for p in health["problems"])
                assert str(read_only_able) not in json.dumps(health)  # no server path in public text
                metrics = c.get("/metrics").text
                assert _metric(metrics, "energy_api_prediction_log_write_errors_total") >= 1
                assert _metric(metrics, "energy_api_prediction_log_pending_records") == 40
                assert _metric(metrics, "energy_api_prediction_log_degraded") == 1
            finally:
                remount(read_only_able, "rw")
            assert wait_until(lambda: c.get("/health").json()["status"] == "ok")
            metrics = c.get("/metrics").text
            assert _metric(metrics, "energy_api_prediction_log_records_written_total") == 40
            assert _metric(metrics, "energy_api_prediction_log_records_dropped_total") == 0
        assert len(read_log(folder)) == 40
    finally:
        server.stop()


def test_a_log_folder_that_cannot_be_created_does_not_stop_the_service(read_only_able: Path) -> None:
    remount(read_only_able, "ro")
    try:
        log = PredictionLog(read_only_able / "not" / "yet", linger_s=0.0)  # before: OSError at start-up
        log.append(record(1, 100))
        assert log.flush() is False and log.status()["state"] == "degraded"
    finally:
        remount(read_only_able, "rw")
    assert wait_until(lambda: log.status()["state"] == "ok")
    assert logged_ids(read_only_able / "not" / "yet") == [1]
    log.close()
