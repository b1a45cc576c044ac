"""The champion generation shared by the launcher and its worker processes.

With several workers (:mod:`energy_api.serve`) every worker holds its own copy of the champions. A
reload asked of one worker must reach all of them, whichever answers the next connection. The
launcher creates a state folder (``ENERGY_API_STATE_DIR``) and numbers its workers
(``ENERGY_API_WORKER_INDEX`` of ``ENERGY_API_WORKER_COUNT``); in it:

- ``generation.json`` holds the generation number (and whether it was a forced reload). A worker
  that loaded newer champions (``/admin/reload``, or its periodic check) writes generation n+1,
  under a file lock, atomically.
- every worker polls that file (one ``stat`` every 0.1 s), reloads when the number moves, and
  writes ``worker-<index>.json`` with the generation it applied and the model versions it serves.
- ``/admin/reload`` answers only once every worker has confirmed the new generation (or after a
  time-out, saying which workers have not), so "loaded" means loaded everywhere.
- ``probe-<task>-<digest>.json`` caches the child-process probe of a bundle's exact bytes (keyed
  by the SHA-256 of its manifest), so N workers probe a candidate once, not N times.

One process (no launcher): the same interface, kept in memory.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from energy_api.probe import ProbeResult

STATE_DIR_ENV = "ENERGY_API_STATE_DIR"
WORKER_INDEX_ENV = "ENERGY_API_WORKER_INDEX"
WORKER_COUNT_ENV = "ENERGY_API_WORKER_COUNT"
GENERATION_FILE = "generation.json"
#: How often a worker looks at the generation file (a stat; the file is read only when it changed).
POLL_S = 0.1
#: How long /admin/reload waits for the other workers to confirm a generation.
CONFIRM_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Generation:
    number: int
    force: bool = False
    by_worker: int | None = None
    at: str | None = None


def _write_json(path: Path, content: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class WorkerGroup:
    """This worker's view of the group: the shared generation, the confirmations, the probe cache."""

    def __init__(self, state_dir: Path | None = None, index: int = 0, count: int = 1) -> None:
        self.state_dir = state_dir
        self.index = index
        self.count = count
        self._memory = Generation(0)
        self._acks: dict[int, dict[str, Any]] = {}
        self._probes: dict[str, ProbeResult] = {}
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None

    @classmethod
    def from_env(cls) -> WorkerGroup:
        folder = os.environ.get(STATE_DIR_ENV)
        if not folder:
            return cls()
        return cls(
            Path(folder),
            index=int(os.environ.get(WORKER_INDEX_ENV, "0")),
            count=int(os.environ.get(WORKER_COUNT_ENV, "1")),
        )

    @property
    def shared(self) -> bool:
        return self.state_dir is not None

    # --- generation -----------------------------------------------------------------------------
    def read(self) -> Generation:
        if self.state_dir is None:
            return self._memory
        data = _read_json(self.state_dir / GENERATION_FILE) or {}
        return Generation(
            int(data.get("number", 0)), bool(data.get("force", False)), data.get("by_worker"), data.get("at")
        )

    def publish(self, force: bool = False) -> int:
        """Write generation n+1 (atomically, under a lock) and return n+1."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        if self.state_dir is None:
            with self._lock:
                self._memory = Generation(self._memory.number + 1, force, self.index, stamp)
                return self._memory.number
        with _locked(self.state_dir / "generation.lock"):
            number = self.read().number + 1
            _write_json(
                self.state_dir / GENERATION_FILE,
                asdict(Generation(number, force, self.index, stamp)),
            )
        return number

    def changed(self) -> Generation | None:
        """The generation record when its file changed since the last call, else None (cheap)."""
        if self.state_dir is None:
            return None
        try:
            st = (self.state_dir / GENERATION_FILE).stat()
        except OSError:
            return None
        key = (st.st_ino, st.st_mtime_ns)
        if key == self._seen:
            return None
        self._seen = key
        return self.read()

    # --- confirmations ---------------------------------------------------------------------------
    def ack(self, number: int, models: dict[str, str | None]) -> None:
        """Say that this worker applied generation ``number`` and serves ``models``."""
        record = {
            "generation": number,
            "pid": os.getpid(),
            "models": models,
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        }
        if self.state_dir is None:
            self._acks[self.index] = record
            return
        _write_json(self.state_dir / f"worker-{self.index}.json", record)

    def acks(self) -> dict[int, dict[str, Any] | None]:
        if self.state_dir is None:
            return {self.index: self._acks.get(self.index)}
        return {i: _read_json(self.state_dir / f"worker-{i}.json") for i in range(self.count)}

    def wait_for(self, number: int, timeout_s: float = CONFIRM_TIMEOUT_S) -> dict[int, dict[str, Any] | None]:
        """Every worker's confirmation once all have applied ``number`` (or when time is up)."""
        deadline = time.monotonic() + timeout_s
        while True:
            acks = self.acks()
            if all(a is not None and a.get("generation", -1) >= number for a in acks.values()):
                return acks
            if time.monotonic() > deadline:
                return acks
            time.sleep(POLL_S / 2)

    # --- probe cache -----------------------------------------------------------------------------
    def probe_once(self, key: str, run: Callable[[], ProbeResult]) -> ProbeResult:
        """The probe result for ``key`` (task + manifest digest): cached, computed by one worker."""
        if self.state_dir is None:
            with self._lock:
                cached = self._probes.get(key)
            if cached is None:
                cached = run()
                if cached.cacheable:
                    with self._lock:
                        self._probes[key] = cached
            return cached
        path = self.state_dir / f"probe-{key}.json"
        with _locked(self.state_dir / f"probe-{key}.lock"):  # the other workers wait for this one
            data = _read_json(path)
            if data is not None:
                return ProbeResult(**data)
            result = run()
            if result.cacheable:
                _write_json(path, asdict(result))
            return result


__all__ = [
    "CONFIRM_TIMEOUT_S",
    "POLL_S",
    "STATE_DIR_ENV",
    "WORKER_COUNT_ENV",
    "WORKER_INDEX_ENV",
    "Generation",
    "WorkerGroup",
]
