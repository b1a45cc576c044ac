"""Every served prediction, appended to the API's own log: a folder of Parquet segments.

Requests put a record on a queue and return; one writer thread appends them in batches, so request
latency never waits on disk. The writer keeps one segment open, appends a row group per batch (at
most ``linger_s`` after the batch's first record) and closes the segment every ``roll_s`` seconds
or ``max_rows`` records: it is written as ``.part-*.parquet.tmp`` and renamed to
``part-*.parquet`` when complete, so a reader (the drift monitor, an analyst in DuckDB, another
process) only ever sees whole files and never waits on a lock. File names carry the process id, so
several API workers can share the folder.

Why not a DuckDB table: each commit there rewrote the table's open row group, so a flush cost grew
with the log (measured: 11 ms after 200 forecast records, 48 ms after 1,000) and, with DuckDB's
threads competing for the API's cores, stalled requests by up to 200 ms under load; ``executemany``
cost 1.3 ms a row. Appending a row group to a Parquet file costs the same at any size.

Read it with :func:`read_log`, or in DuckDB:
``SELECT * FROM read_parquet('data/serving/prediction_log/part-*.parquet')``.
``flush`` closes the open segment and waits until everything queued so far is readable.

Nothing is dropped unseen: a record counts as written only once its segment is complete (closed
and renamed). Until then the writer keeps it in memory, so a failed write (full disk, read-only
folder, a vanished mount) loses nothing already accepted: the broken temporary file is removed and
the whole segment is written again on a retry (after 0.5 s, doubling to 30 s). Every failure is
counted and logged, and :meth:`PredictionLog.status` says ``degraded`` until a retry succeeds. Only
when failures last long enough to fill ``max_buffer_bytes`` (64 MB by default) are the oldest
records given up, and those are counted and logged as dropped.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA = pa.schema(
    [
        pa.field("logged_at", pa.timestamp("us"), nullable=False),
        pa.field("endpoint", pa.string(), nullable=False),
        pa.field("task", pa.string(), nullable=False),
        pa.field("family", pa.string()),
        pa.field("model_version", pa.string()),
        pa.field("data_version", pa.string()),
        pa.field("code_version", pa.string()),
        pa.field("n_rows", pa.int32(), nullable=False),
        pa.field("request_json", pa.string(), nullable=False),
        pa.field("response_json", pa.string(), nullable=False),
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
SEGMENT_GLOB = "part-*.parquet"
#: Columns with few distinct values; the JSON columns are unique per record, and dictionary-encoding
#: them cost more CPU than it saved bytes.
_DICTIONARY_COLUMNS = ["endpoint", "task", "family", "model_version", "data_version", "code_version"]
#: Min/max statistics only where a reader filters: for the JSON columns each row group would store
#: two whole JSON documents (measured: a 50-record segment of 2 kB requests took 546 kB with them).
_STATISTICS_COLUMNS = ["logged_at", *_DICTIONARY_COLUMNS, "n_rows"]
#: Most records per appended row group, the longest a record waits for its batch to fill, and when
#: an open segment is closed (made readable).
_BATCH = 4096
#: Records converted to Arrow at a time: the conversion holds the GIL (a second of /predict/batch
#: traffic is ~36 MB of JSON), so the writer converts in slices and yields in between, instead of
#: stopping the event loop for tens of milliseconds at once.
_CHUNK = 64
LINGER_S = 1.0
ROLL_S = 60.0
MAX_ROWS = 100_000
#: A segment is also closed once its records hold this many bytes (they are kept in memory until then).
MAX_SEGMENT_BYTES = 16 << 20
#: Records kept in memory while writes fail; beyond it the oldest are dropped (counted, logged).
MAX_BUFFER_BYTES = 64 << 20
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 30.0
_log = logging.getLogger("energy_api.prediction_log")


class LogListener(Protocol):
    """What the service counts (Prometheus); every method is called from the writer thread."""

    def written(self, records: int) -> None: ...
    def write_failed(self) -> None: ...
    def dropped(self, records: int) -> None: ...
    def pending(self, records: int) -> None: ...
    def degraded(self, on: bool) -> None: ...


class _Quiet:
    def written(self, records: int) -> None:
        pass

    def write_failed(self) -> None:
        pass

    def dropped(self, records: int) -> None:
        pass

    def pending(self, records: int) -> None:
        pass

    def degraded(self, on: bool) -> None:
        pass


@dataclass
class _Flush:
    event: threading.Event
    ok: bool = False


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
            _json_text(self.request),
            _json_text(self.response),
        )


def _json_text(value: Any) -> str:
    """JSON text as given (already serialised by the endpoint), else encoded here."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _record_batch(rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = zip(*rows, strict=True)  # rows are tuples of len(SCHEMA)
    arrays = [pa.array(values, type=field.type) for values, field in zip(columns, SCHEMA, strict=True)]
    time.sleep(0)  # let the event loop's thread take the GIL between slices
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


def segments(folder: str | Path) -> list[Path]:
    """The log's complete segments, oldest first."""
    return sorted(Path(folder).glob(SEGMENT_GLOB))


def read_log(folder: str | Path) -> pd.DataFrame:
    """Every complete record of the log as a frame (``logged_at`` in UTC, naive); empty if none."""
    files = segments(folder)
    if not files:
        return SCHEMA.empty_table().to_pandas()
    return pa.concat_tables(pq.read_table(f, schema=SCHEMA) for f in files).to_pandas()


class PredictionLog:
    """Append-only log under the folder ``path`` (segments ``part-*.parquet``, ``logged_at`` in UTC)."""

    def __init__(
        self,
        path: str | Path,
        linger_s: float = LINGER_S,
        roll_s: float = ROLL_S,
        max_rows: int = MAX_ROWS,
        *,
        max_segment_bytes: int = MAX_SEGMENT_BYTES,
        max_buffer_bytes: int = MAX_BUFFER_BYTES,
        listener: LogListener | None = None,
    ) -> None:
        self.path = Path(path)
        if self.path.is_file():
            raise ValueError(
                f"{self.path} is a file; ENERGY_PREDICTION_LOG names a folder of Parquet segments"
            )
        self.linger_s = linger_s
        self.roll_s = roll_s
        self.max_rows = max_rows
        self.max_segment_bytes = max_segment_bytes
        self.max_buffer_bytes = max_buffer_bytes
        self.listener: LogListener = listener or _Quiet()
        #: The latest write errors (newest last, at most 100), for logs and tests.
        self.errors: list[str] = []
        self.written_records = 0
        self.write_errors = 0
        self.dropped_records = 0
        self.last_error: str | None = None
        self.last_error_at: str | None = None
        self._queue: queue.Queue[PredictionRecord | _Flush | None] = queue.Queue()
        self._writer: pq.ParquetWriter | None = None
        self._open: tuple[Path, Path] | None = None
        self._opened_at = 0.0
        #: Records accepted but not yet in a complete segment, oldest first (the open segment's).
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_bytes = 0
        self._written_tables = 0  # how many of _pending the open writer holds
        self._failing = False  # writes failed: new records wait for the retry
        self._degraded = False  # what status() says: True from a failure until a write succeeds
        self._retry_at = 0.0
        self._backoff = RETRY_FIRST_S
        self._sequence = 0
        self._token = uuid.uuid4().hex[:6]  # two logs in one process never share a file name
        try:  # a folder that cannot be made yet (read-only mount) must not stop the service starting
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._failed("creating the log folder", exc)
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    def append(self, record: PredictionRecord) -> None:
        self._queue.put(record)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every record queued so far is in a complete, readable segment.

        False when that did not happen in time or a write failed (the records stay pending and are
        retried; :meth:`status` says why)."""
        done = _Flush(threading.Event())
        self._queue.put(done)
        return done.event.wait(timeout) and done.ok

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10.0)

    def status(self) -> dict[str, Any]:
        """State for /health: ``ok`` or ``degraded`` (writes failing, records pending a retry)."""
        return {
            "state": "degraded" if self._degraded else "ok",
            "pending_records": self._pending_rows,
            "written_records": self.written_records,
            "write_errors": self.write_errors,
            "dropped_records": self.dropped_records,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
        }

    # --- writer thread ------------------------------------------------------------------------------
    def _segment_names(self) -> tuple[Path, Path]:
        self._sequence += 1
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
        stem = f"part-{stamp}-{os.getpid()}-{self._token}-{self._sequence:06d}.parquet"
        return self.path / f".{stem}.tmp", self.path / stem

    def _failed(self, what: str, exc: BaseException) -> None:
        """Count and log a failed write, drop the broken temporary file, schedule a retry."""
        from energy_api.public import public_error

        self.write_errors += 1
        message = f"{what}: {type(exc).__name__}: {exc}"
        self.errors = [*self.errors[-99:], message]
        self.last_error = f"{what}: {public_error(exc, self.path)}"
        self.last_error_at = datetime.now(UTC).isoformat(timespec="seconds")
        if not self._degraded:
            _log.error(
                "prediction log at %s: %s; %d records kept for a retry",
                self.path,
                message,
                self._pending_rows,
            )
        self._discard()
        self._failing = self._degraded = True
        self._retry_at = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, RETRY_MAX_S)
        self.listener.write_failed()
        self.listener.degraded(True)
        self._enforce_budget()

    def _enforce_budget(self) -> None:
        dropped = 0
        while self._pending and self._pending_bytes > self.max_buffer_bytes:
            oldest = self._pending.pop(0)
            self._pending_rows -= oldest.num_rows
            self._pending_bytes -= oldest.nbytes
            dropped += oldest.num_rows
        if dropped:
            self.dropped_records += dropped
            _log.error(
                "prediction log at %s: %d records dropped (writes failing, %d MB buffer full); %d dropped so far",
                self.path,
                dropped,
                self.max_buffer_bytes >> 20,
                self.dropped_records,
            )
            self.listener.dropped(dropped)
            self.listener.pending(self._pending_rows)

    def _add(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        batch = pa.Table.from_batches(
            [_record_batch(rows[i : i + _CHUNK]) for i in range(0, len(rows), _CHUNK)]
        )
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self._pending_bytes += batch.nbytes
        self.listener.pending(self._pending_rows)
        if self._failing:
            self._enforce_budget()
            return
        self._write_open()

    def _write_open(self) -> None:
        """Append the pending tables the open segment does not hold yet (opening one if needed)."""
        try:
            if self._writer is None:
                self.path.mkdir(parents=True, exist_ok=True)
                self._open = self._segment_names()
                self._writer = pq.ParquetWriter(
                    self._open[0],
                    SCHEMA,
                    compression="zstd",
                    use_dictionary=_DICTIONARY_COLUMNS,
                    write_statistics=_STATISTICS_COLUMNS,
                )
                self._opened_at = time.monotonic()
                self._written_tables = 0
            while self._written_tables < len(self._pending):
                self._writer.write_table(self._pending[self._written_tables])
                self._written_tables += 1
        except (OSError, pa.ArrowException) as exc:  # a full disk must not take the API down
            self._failed(f"writing {self._pending_rows} records", exc)

    def _roll(self) -> None:
        """Close the open segment and make it visible under its final name; then nothing is pending."""
        if self._writer is None or self._open is None:
            return
        try:
            self._writer.close()
            self._writer = None
            os.replace(self._open[0], self._open[1])
        except (OSError, pa.ArrowException) as exc:
            self._failed(f"closing segment {self._open[1].name}", exc)
            return
        self._open = None
        done = self._pending_rows
        self._pending, self._pending_rows, self._pending_bytes, self._written_tables = [], 0, 0, 0
        self.written_records += done
        self.listener.written(done)
        self.listener.pending(0)
        if self._degraded:
            _log.warning(
                "prediction log at %s: writing again; the %d records kept were written", self.path, done
            )
            self.listener.degraded(False)
        self._failing = self._degraded = False
        self._backoff = RETRY_FIRST_S

    def _retry(self) -> None:
        """Write every pending record into a fresh segment and close it."""
        if not self._pending:  # everything kept was dropped meanwhile: nothing left to write
            self._failing = self._degraded = False
            self.listener.degraded(False)
            return
        self._failing = False
        self._write_open()
        if not self._failing:
            self._roll()

    def _discard(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                self._writer.close()
        if self._open is not None:
            with contextlib.suppress(OSError):
                self._open[0].unlink(missing_ok=True)
        self._writer, self._open, self._written_tables = None, None, 0

    def _due(self) -> bool:
        return self._writer is not None and (
            time.monotonic() - self._opened_at >= self.roll_s
            or self._pending_rows >= self.max_rows
            or self._pending_bytes >= self.max_segment_bytes
        )

    def _settle(self) -> None:
        """Close the open segment, or retry the pending records when writes were failing."""
        if self._failing:
            self._retry()
        else:
            self._roll()

    def _run(self) -> None:
        """Collect records until the batch is full, ``linger_s`` has passed since its first record,
        a flush is asked for or the log closes; append them as one row group; roll when due; retry
        pending records after a failure."""
        rows: list[tuple[Any, ...]] = []
        flushes: list[_Flush] = []
        deadline = 0.0
        stop = False
        while not stop:
            waits = []
            if rows:
                waits.append(deadline - time.monotonic())
            if self._writer is not None:
                waits.append(self._opened_at + self.roll_s - time.monotonic())
            if self._failing:
                waits.append(self._retry_at - time.monotonic())
            timeout = max(min(waits), 0.0) if waits else None
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                item = False  # a linger, roll or retry deadline passed
            if item is None:
                stop = True
            elif isinstance(item, _Flush):
                flushes.append(item)
            elif isinstance(item, PredictionRecord):
                if not rows:
                    deadline = time.monotonic() + self.linger_s
                rows.append(item.row())
            try:
                if stop or flushes or len(rows) >= _BATCH or (rows and time.monotonic() >= deadline):
                    self._add(rows)
                    rows = []
                if stop or flushes or (self._failing and time.monotonic() >= self._retry_at):
                    self._settle()
                elif self._due():
                    self._roll()
            except Exception:  # never let the writer thread die: the records stay pending
                _log.exception("prediction log writer: unexpected error")
            for flush in flushes:
                flush.ok = not self._failing and self._pending_rows == 0
                flush.event.set()
            flushes = []
        if self._pending_rows:
            self.dropped_records += self._pending_rows
            _log.error(
                "prediction log at %s: closing with %d records that could not be written",
                self.path,
                self._pending_rows,
            )
            self.listener.dropped(self._pending_rows)
