"""Run the API in one or several worker processes, each with its own SO_REUSEPORT listening socket.

Why not ``uvicorn --workers N``: its workers share one listening socket, and whichever worker wakes
first accepts a burst of new connections. With long-lived keep-alive clients (the operator app, the
copilot, a load test) that left one worker serving 13 or all 16 of 16 connections while the other
idled (measured with the /forecast benchmark). Here every worker binds its own socket with
SO_REUSEPORT and the kernel spreads new connections across them by a hash of the client address,
so the load splits about evenly. A Python worker is bound to one core by the GIL, so on a 2-core
host 2 workers roughly double what CPU-bound endpoints (forecasts, batches) can serve.

With several workers Prometheus samples go through a shared folder (``PROMETHEUS_MULTIPROC_DIR``),
so /metrics reports the sum over workers whichever one answers; each worker loads the champion
itself and writes its own prediction-log segments. The workers share a champion generation through
a state folder (:mod:`energy_api.generation`): a reload that one worker performs reaches all of
them, and ``/admin/reload`` answers once all confirmed it.

If a worker dies (killed, out of memory, a native crash) the launcher starts a new one in its
place, which loads the current champions and confirms the current generation; the other workers
keep serving meanwhile. Only when workers die more than ``MAX_RESTARTS`` times within
``RESTART_WINDOW_S`` does the launcher stop them all and exit non-zero, for the container runtime
to restart the whole service.

Run: ``python -m energy_api.serve --workers 2 --port 8000`` (``ENERGY_API_WORKERS`` sets the default).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from prometheus_client import multiprocess

from energy_api.generation import STATE_DIR_ENV, WORKER_COUNT_ENV, WORKER_INDEX_ENV
from energy_api.prometheus import MULTIPROC_ENV
from energy_api.settings import FORECAST_THREADS_ENV, Settings

APP = "energy_api.main:app"
#: A crash loop, not a crash: more worker deaths than this within the window stop the service.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket that other processes may bind to the same address as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def wait_until_serving(
    url: str,
    *,
    process: subprocess.Popen[bytes] | None = None,
    timeout_s: float = 90.0,
    checks: int = 12,
) -> None:
    """Block until ``checks`` fresh connections in a row find every champion loaded.

    Fresh connections land on every worker's socket (the kernel hashes each one), so a streak says
    all workers are ready, not just the first. RuntimeError if ``process`` exits or time runs out.
    """
    import httpx

    deadline = time.monotonic() + timeout_s
    streak = 0
    while streak < checks:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the API at {url} exited during start-up (code {process.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the API at {url} did not become ready within {timeout_s:.0f} s")
        try:
            health = httpx.get(f"{url}/health", timeout=2).json()
            ready = all(task["loaded"] for task in health["models"].values())
        except httpx.HTTPError:
            ready = False
        streak = streak + 1 if ready else 0
        if not ready:
            time.sleep(0.2)


def _worker(host: str, port: int, uvicorn_options: dict[str, Any], index: int = 0) -> None:
    import uvicorn

    os.environ[WORKER_INDEX_ENV] = str(index)
    sock = reuseport_socket(host, port)
    config = uvicorn.Config(APP, **uvicorn_options)
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    uvicorn_options: dict[str, Any] | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM (exit code 0); a dead worker is replaced, a crash loop exits 1."""
    options = {"log_level": "info", **(uvicorn_options or {})}
    if workers <= 1:
        import uvicorn

        uvicorn.run(APP, host=host, port=port, **options)
        return 0
    # a probe socket claims the port first, so a port in use fails here, not in N workers
    reuseport_socket(host, port).close()
    metrics_dir = tempfile.mkdtemp(prefix="energy-api-metrics-")
    state_dir = tempfile.mkdtemp(prefix="energy-api-state-")
    os.environ[MULTIPROC_ENV] = metrics_dir
    os.environ[STATE_DIR_ENV] = state_dir
    os.environ[WORKER_COUNT_ENV] = str(workers)
    # the cores are shared by the workers: a forecast's tree threads default to this worker's share
    threads_set = FORECAST_THREADS_ENV in os.environ
    if not threads_set:
        os.environ[FORECAST_THREADS_ENV] = str(max(1, (os.cpu_count() or 1) // workers))
    context = multiprocessing.get_context("spawn")

    def start(index: int) -> multiprocessing.process.BaseProcess:
        process = context.Process(
            target=_worker, args=(host, port, options, index), name=f"energy-api-{index}", daemon=False
        )
        process.start()
        return process

    processes: list[multiprocessing.process.BaseProcess] = []
    deaths: list[float] = []
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    failed = False
    try:
        processes.extend(start(i) for i in range(workers))
        print(f"energy-api: {workers} workers on http://{host}:{port} (SO_REUSEPORT)", file=sys.stderr)
        while not stopping:
            time.sleep(0.2)
            for index, process in enumerate(processes):
                if stopping or process.is_alive():
                    continue
                with contextlib.suppress(OSError):  # its live gauges no longer count
                    multiprocess.mark_process_dead(process.pid)
                now = time.monotonic()
                deaths[:] = [t for t in deaths if now - t < RESTART_WINDOW_S] + [now]
                if len(deaths) > MAX_RESTARTS:
                    print(
                        f"energy-api: {len(deaths)} worker deaths within {RESTART_WINDOW_S:g} s; stopping",
                        file=sys.stderr,
                    )
                    failed = stopping = True
                    break
                print(
                    f"energy-api: worker {index} (pid {process.pid}) exited with code {process.exitcode}; "
                    "starting a new one",
                    file=sys.stderr,
                )
                processes[index] = start(index)
        for process in processes:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)  # uvicorn drains in-flight requests on SIGTERM
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()
        return 1 if failed else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for name in (MULTIPROC_ENV, STATE_DIR_ENV, WORKER_COUNT_ENV):
            os.environ.pop(name, None)
        if not threads_set:
            os.environ.pop(FORECAST_THREADS_ENV, None)
        for folder in (metrics_dir, state_dir):
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)


def main(argv: Sequence[str] | None = None) -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=settings.port, help="default PORT or 8000")
    parser.add_argument(
        "--workers",
        type=int,
        default=settings.workers,
        help="worker processes (default ENERGY_API_WORKERS or 1)",
    )
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--proxy-headers", action="store_true")
    args = parser.parse_args(argv)
    options: dict[str, Any] = {"log_level": args.log_level, "server_header": False}
    if args.no_access_log:
        options["access_log"] = False
    if args.proxy_headers:
        options["proxy_headers"] = True
    sys.exit(serve(args.host, args.port, args.workers, options))


if __name__ == "__main__":
    main()
