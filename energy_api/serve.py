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
itself and writes its own prediction-log segments. If a worker dies the others are stopped and the
launcher exits non-zero, for the container runtime to restart the whole service.

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

from energy_api.prometheus import MULTIPROC_ENV
from energy_api.settings import FORECAST_THREADS_ENV, Settings

APP = "energy_api.main:app"


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


def _worker(host: str, port: int, uvicorn_options: dict[str, Any]) -> None:
    import uvicorn

    sock = reuseport_socket(host, port)
    config = uvicorn.Config(APP, **uvicorn_options)
    uvicorn.Server(config).run(sockets=[sock])


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    uvicorn_options: dict[str, Any] | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM (exit code 0) or until a worker dies (exit code 1)."""
    options = {"log_level": "info", **(uvicorn_options or {})}
    if workers <= 1:
        import uvicorn

        uvicorn.run(APP, host=host, port=port, **options)
        return 0
    # a probe socket claims the port first, so a port in use fails here, not in N workers
    reuseport_socket(host, port).close()
    metrics_dir = tempfile.mkdtemp(prefix="energy-api-metrics-")
    os.environ[MULTIPROC_ENV] = metrics_dir
    # the cores are shared by the workers: a forecast's tree threads default to this worker's share
    threads_set = FORECAST_THREADS_ENV in os.environ
    if not threads_set:
        os.environ[FORECAST_THREADS_ENV] = str(max(1, (os.cpu_count() or 1) // workers))
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(host, port, options), name=f"energy-api-{i}", daemon=False)
        for i in range(workers)
    ]
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.start()
        print(f"energy-api: {workers} workers on http://{host}:{port} (SO_REUSEPORT)", file=sys.stderr)
        while not stopping and all(p.is_alive() for p in processes):
            time.sleep(0.2)
        failed = not stopping
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
        os.environ.pop(MULTIPROC_ENV, None)
        if not threads_set:
            os.environ.pop(FORECAST_THREADS_ENV, None)
        with contextlib.suppress(OSError):
            shutil.rmtree(metrics_dir)


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
