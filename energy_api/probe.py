"""Load a candidate bundle completely in a CHILD process before any serving worker touches it.

Some model files crash the loading process natively: LightGBM's ``Booster(model_file=...)`` on a
truncated file ends in SIGSEGV/SIGABRT in 8 of 10 cuts, which no ``try`` catches. So a worker
never loads a bundle it has not seen loaded, whole, by a throw-away process first:
``python -m energy_api.probe <folder>`` loads every model file and the forecaster's history the
same way a worker does (:func:`energy_api.registry.load`), runs one forecast from that history,
and prints one JSON line. The parent reads the exit status: 0 is a pass; a signal, a non-zero
code or a time-out is a refusal with its reason.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: A probe imports pandas and the model libraries (about 2.5 s on 2 cores) and loads the bundle.
DEFAULT_PROBE_TIMEOUT_S = 120.0
EXIT_REFUSED = 3


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    code: str  # "ok", "probe_crashed", "probe_failed", "probe_timeout"
    reason: str
    #: False for an outcome that may change on a retry of the same files (a time-out).
    cacheable: bool = True


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def run_probe(folder: Path, timeout_s: float = DEFAULT_PROBE_TIMEOUT_S) -> ProbeResult:
    """Probe ``folder`` in a child process; never raises for anything the child does."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ENERGY_FORECAST_THREADS": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # the child writes no metrics
    try:
        done = subprocess.run(
            [sys.executable, "-m", "energy_api.probe", str(folder)],
            capture_output=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ProbeResult(
            False, "probe_timeout", f"loading took longer than {timeout_s:g} s", cacheable=False
        )
    except OSError as exc:
        return ProbeResult(
            False, "probe_failed", f"the probe process could not start ({type(exc).__name__})", False
        )
    if done.returncode == 0:
        return ProbeResult(True, "ok", "loaded in a child process")
    if done.returncode < 0:
        return ProbeResult(
            False,
            "probe_crashed",
            f"loading the bundle crashed the probe process ({_signal_name(-done.returncode)}): "
            "a damaged model file",
        )
    reason = "the probe process failed"
    for line in reversed(done.stdout.decode("utf-8", "replace").strip().splitlines()):
        try:
            reason = json.loads(line)["reason"]
            break
        except (ValueError, KeyError, TypeError):
            continue
    return ProbeResult(False, "probe_failed", reason)


def _probe(folder: Path) -> dict[str, object]:
    from energy_api.registry import load
    from energy_assets.domain.data import schema
    from energy_assets.domain.tasks import FORECAST

    loaded = load(folder)
    out: dict[str, object] = {"ok": True, "task": loaded.task, "family": loaded.family}
    if loaded.task == FORECAST:
        history = loaded.history
        if history is None or history.empty:
            raise ValueError("the forecast bundle's history.parquet holds no readings")
        origin = history[schema.TIMESTAMP].max()
        model = loaded.bundle.model
        result = model.predict(history, origin, 1)
        out["history_rows"] = len(history)
        out["forecast_rows"] = len(result)
        nowcast = getattr(model, "nowcast", None)
        if nowcast is not None:  # the intraday switch: its nowcast runs at operating origins only
            out["nowcast_rows"] = len(nowcast.predict(history, origin, 1))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(json.dumps({"ok": False, "reason": "usage: python -m energy_api.probe <bundle folder>"}))
        return 2
    try:
        print(json.dumps(_probe(Path(args[0]))), flush=True)
        return 0
    except Exception as exc:  # any failure is a refusal; the parent shows this line
        from energy_api.public import public_error

        print(json.dumps({"ok": False, "reason": public_error(exc, Path(args[0]))}), flush=True)
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
