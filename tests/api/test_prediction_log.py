"""The prediction log on its own: batching, rolling segments, readers that only see whole files."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from energy_api import prediction_log
from energy_api.prediction_log import COLUMNS, PredictionLog, PredictionRecord, read_log, segments


def record(i: int, endpoint: str = "/predict") -> PredictionRecord:
    return PredictionRecord(
        endpoint=endpoint,
        task="estimate",
        family="physics",
        model_version="physics@test",
        data_version="sha256:test",
        code_version="abc",
        n_rows=1,
        request={"i": i},
        response=json.dumps({"usage_kwh": i / 10}),
        logged_at=datetime(2026, 11, 25, 6, 0, i % 60, tzinfo=UTC),
    )


def test_records_from_many_threads_all_land_once(tmp_path: Path) -> None:
    log = PredictionLog(tmp_path / "log", linger_s=0.05)
    threads = [
        threading.Thread(target=lambda k=k: [log.append(record(k * 100 + i)) for i in range(100)])
        for k in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert log.flush()
    frame = read_log(tmp_path / "log")
    assert list(frame.columns) == list(COLUMNS)
    assert sorted(json.loads(r)["i"] for r in frame["request_json"]) == list(range(800))
    assert sorted(json.loads(r)["usage_kwh"] for r in frame["response_json"])[:3] == [0.0, 0.1, 0.2]
    assert str(frame["logged_at"].dtype) == "datetime64[us]" and frame["logged_at"].dt.tz is None
    assert not list((tmp_path / "log").glob(".*.tmp"))  # flush leaves only complete segments
    log.close()


def test_segments_roll_by_size_and_open_segment_is_invisible(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    log = PredictionLog(folder, linger_s=0.0, roll_s=3600, max_rows=3)
    for i in range(7):
        log.append(record(i))
    deadline = time.monotonic() + 10
    while len(segments(folder)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    # 7 records, 3 per segment: two complete segments, the 7th record still in the open one
    assert len(segments(folder)) == 2
    assert len(read_log(folder)) == 6
    assert len(list(folder.glob(".part-*.parquet.tmp"))) == 1
    assert log.flush()
    assert len(read_log(folder)) == 7
    assert [pq.read_metadata(f).num_rows for f in segments(folder)] == [3, 3, 1]
    log.close()


def test_segments_roll_by_age(tmp_path: Path) -> None:
    folder = tmp_path / "log"
    log = PredictionLog(folder, linger_s=0.0, roll_s=0.2)
    log.append(record(1))
    deadline = time.monotonic() + 10
    while not segments(folder) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(read_log(folder)) == 1  # readable without a flush once the segment is old enough
    log.close()


def test_empty_log_reads_as_an_empty_frame(tmp_path: Path) -> None:
    frame = read_log(tmp_path / "nothing")
    assert frame.empty and list(frame.columns) == list(COLUMNS)


def test_a_file_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "predictions.duckdb"
    path.write_text("")
    with pytest.raises(ValueError, match="folder of Parquet segments"):
        PredictionLog(path)


def test_a_write_error_keeps_the_batch_and_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed write is counted and retried; the record waits in memory (tests/faults for real disks)."""

    class FullDisk:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(prediction_log.pq, "ParquetWriter", FullDisk)
    log = PredictionLog(tmp_path / "log", linger_s=0.0)
    log.append(record(1))
    assert log.flush() is False
    assert log.errors and "writing 1 records" in log.errors[0] and "No space left" in log.errors[0]
    assert log.status()["state"] == "degraded" and log.status()["pending_records"] == 1
    monkeypatch.undo()
    log.append(record(2))  # the next attempt writes the kept record and the new one
    deadline = time.monotonic() + 10
    while log.status()["state"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.flush()
    assert sorted(json.loads(r)["i"] for r in read_log(tmp_path / "log")["request_json"]) == [1, 2]
    assert log.status()["write_errors"] >= 1 and log.status()["dropped_records"] == 0
    log.close()
