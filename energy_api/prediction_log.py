"""Every served prediction, appended to the API's own DuckDB file for the drift monitor.

Requests put a record on a queue and return; one writer thread inserts in batches, so request latency
never waits on disk and concurrent requests never share a connection. The writer opens the file only
for the length of a batch: DuckDB lets one process hold a file, and the drift monitor must be able to
read it between writes (a reader that meets the lock retries). ``flush`` waits until everything
queued so far is written (tests, shutdown).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

TABLE = "prediction_log"
COLUMNS: tuple[str, ...] = (
    "logged_at",
    "endpoint",
    "task",
    "family",
    "model_version",
    "data_version",
    "code_version",
    "n_rows",
    "request_json",
    "response_json",
)
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    logged_at TIMESTAMP NOT NULL,
    endpoint VARCHAR NOT NULL,
    task VARCHAR NOT NULL,
    family VARCHAR,
    model_version VARCHAR,
    data_version VARCHAR,
    code_version VARCHAR,
    n_rows INTEGER NOT NULL,
    request_json JSON NOT NULL,
    response_json JSON NOT NULL
)
"""
_INSERT = f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
_BATCH = 256
#: A reader holding the file blocks the writer; retry for up to _ATTEMPTS x _RETRY_S seconds.
_ATTEMPTS = 50
_RETRY_S = 0.1


@dataclass(frozen=True)
class PredictionRecord:
    endpoint: str
    task: str
    family: str | None
    model_version: str | None
    data_version: str | None
    code_version: str | None
    n_rows: int
    request: Any
    response: Any
    logged_at: datetime | None = None

    def row(self) -> tuple[Any, ...]:
        stamp = self.logged_at or datetime.now(UTC)
        return (
            stamp.astimezone(UTC).replace(tzinfo=None),
            self.endpoint,
            self.task,
            self.family,
            self.model_version,
            self.data_version,
            self.code_version,
            self.n_rows,
            json.dumps(self.request, default=str),
            json.dumps(self.response, default=str),
        )


class PredictionLog:
    """Append-only log in ``path`` (table ``prediction_log``, ``logged_at`` in UTC)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._queue: queue.Queue[PredictionRecord | threading.Event | None] = queue.Queue()
        with duckdb.connect(str(self.path)) as connection:
            connection.execute(_CREATE)
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def append(self, record: PredictionRecord) -> None:
        self._queue.put(record)

    def flush(self, timeout: float = 10.0) -> bool:
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10.0)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        for attempt in range(_ATTEMPTS):
            try:
                with duckdb.connect(str(self.path)) as connection:
                    connection.executemany(_INSERT, rows)
                return
            except duckdb.IOException as exc:  # a reader holds the file: wait for it
                if attempt == _ATTEMPTS - 1:
                    self.errors.append(f"{len(rows)} records lost, file locked: {exc}")
                time.sleep(_RETRY_S)
            except duckdb.Error as exc:  # a full disk must not take the API down; keep the reason
                self.errors.append(f"{len(rows)} records lost: {type(exc).__name__}: {exc}")
                return

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            rows: list[tuple[Any, ...]] = []
            events: list[threading.Event] = []
            stop = False
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    events.append(item)
                else:
                    rows.append(item.row())
                if stop or len(rows) >= _BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(rows)
            for event in events:
                event.set()
            if stop:
                return
