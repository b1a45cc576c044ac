"""Walk the Dagster UI and the MLflow UI over a trained instance and MLflow store, as a data engineer and
an analyst would; every check that fails is a defect of issue 18 (returned as text, not raised, so one
run lists them all).

``dagster-webserver`` (over the instance's DAGSTER_HOME and the project's ``workspace.yaml``) and
``mlflow server`` (over the sqlite store) start on free ports, side by side; Debian's chromium is
driven through Playwright. Used by ``tests/defs/test_training.py::test_the_platform_uis_in_chromium``
over the module's ``trained`` fixture (no training of its own); the servers are started before that
training (:class:`Started`), so their start-up overlaps it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, shoot

WAIT_MS = 60_000
#: A figure with a binary-noise tail or 15 digits (64158.83900000001): never shown to a user.
LONG_FLOAT = re.compile(r"\d\.\d{7,}")


@dataclass(frozen=True)
class Servers:
    dagster: str
    mlflow: str


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {seconds:.0f} s")


class Started:
    """``dagster-webserver`` and ``mlflow server`` started (not yet waited for) on free ports."""

    def __init__(self, dagster_home: Path, data_dir: Path, tracking_uri: str) -> None:
        dagster_port, mlflow_port = _free_port(), _free_port()
        self.urls = Servers(f"http://127.0.0.1:{dagster_port}", f"http://127.0.0.1:{mlflow_port}")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DAGSTER_HOME": str(dagster_home),
            "ENERGY_DATA_DIR": str(data_dir),
            "DAGSTER_DISABLE_TELEMETRY": "yes",
        }
        bin_dir = Path(sys.executable).parent
        commands = [
            [str(bin_dir / "dagster-webserver"), "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1",
             "-p", str(dagster_port)],
            [str(bin_dir / "mlflow"), "server", "--backend-store-uri", tracking_uri, "--host", "127.0.0.1",
             "--port", str(mlflow_port), "--workers", "1"],
        ]  # fmt: skip
        self.procs = [
            subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for cmd in commands
        ]

    def wait(self, seconds: float = 180) -> Servers:
        _wait(f"{self.urls.mlflow}/health", self.procs[1], seconds)
        _wait(f"{self.urls.dagster}/server_info", self.procs[0], seconds)
        return self.urls

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextlib.contextmanager
def servers(dagster_home: Path, data_dir: Path, tracking_uri: str, seconds: float = 180) -> Iterator[Servers]:
    """Both UIs on loopback over the given instance and store, ready; stopped on exit."""
    started = Started(dagster_home, data_dir, tracking_uri)
    try:
        yield started.wait(seconds)
    finally:
        started.stop()


@contextlib.contextmanager
def browser_page() -> Iterator[object]:
    from playwright import sync_api

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1440, "height": 1000})
        finally:
            browser.close()


class Walk:
    """One page after another; ``defects`` collects what a user would find wrong."""

    def __init__(self, page: object) -> None:
        self.page = page
        self.defects: list[str] = []

    def open(self, url: str, where: str, *texts: str) -> str:
        """Go to ``url``, wait for each of ``texts``; returns the page's text."""
        self.page.goto(url, wait_until="domcontentloaded")
        for text in texts:
            try:
                self.page.get_by_text(text, exact=False).first.wait_for(timeout=WAIT_MS)
            except Exception:
                self.defects.append(f"{where}: '{text}' not shown")
        return self.page.inner_text("body")

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.defects.append(message)

    def hrefs(self, fragment: str) -> list[str]:
        return self.page.eval_on_selector_all(
            f'a[href*="{fragment}"]', "links => links.map(a => a.getAttribute('href'))"
        )

    def dismiss_dagster_dialog(self) -> None:
        """The Dagster UI greets a new browser profile with a newsletter dialog over the page."""
        skip = self.page.get_by_role("button", name="Skip")
        with contextlib.suppress(Exception):
            skip.wait_for(timeout=3_000)
            skip.click()


def walk_dagster(
    walk: Walk,
    base: str,
    *,
    asset: str,
    description: str,
    owner: str,
    mlflow_run_path: str,
    job: str,
    run_id: str,
) -> None:
    """The asset page (owners, description, metadata with units and sensible precision, links to its
    source and to its MLflow run) and the job's run history (a run launched through the code location)."""
    body = walk.open(
        f"{base}/assets/{asset}",
        f"Dagster asset {asset}",
        description,
        owner,
        "validation_rmse_kwh",
        "mlflow_run",
        "Source code",  # the Definition panel ("Open assets.py in editor") renders after the metadata
    )
    walk.expect(
        not LONG_FLOAT.findall(body), f"Dagster asset {asset}: long figures {LONG_FLOAT.findall(body)[:3]}"
    )
    walk.expect(
        any(href.endswith(mlflow_run_path) for href in walk.hrefs("/#/experiments/")),
        f"Dagster asset {asset}: no link to its MLflow run {mlflow_run_path}",
    )
    walk.expect(
        "definitions.py" in body or "assets.py" in body or bool(walk.hrefs("file://")),
        f"Dagster asset {asset}: no link to its source",
    )
    walk.dismiss_dagster_dialog()  # over the page on a new browser profile (the text is read beneath it)
    shoot(walk.page, f"dagster-asset-{asset.replace('_', '-')}")
    body = walk.open(
        f"{base}/locations/energy_copilot/jobs/{job}/runs", f"Dagster job {job} runs", run_id[:8]
    )
    walk.expect("No runs" not in body, f"Dagster job {job}: no run in its history")
    shoot(walk.page, f"dagster-{job.replace('_', '-')}-runs")


def walk_mlflow(
    walk: Walk,
    base: str,
    *,
    experiment_id: str,
    parent_run: str,
    run_id: str,
    run_name: str,
    dataset: str,
    registered: str,
    champion_version: str,
) -> None:
    """The experiment page (model development, not GenAI), a model's run with its metrics, dataset,
    logged model and artifacts, and the Model Registry entry with the champion alias."""
    experiment = f"{base}/#/experiments/{experiment_id}"
    body = walk.open(
        f"{experiment}/runs?workflowType=machine_learning", "MLflow experiment", parent_run, "Run Name"
    )
    # the GenAI layout (traces, sessions, judges) is what MLflow 3 shows an experiment not tagged for models
    walk.expect("Observability" not in body, "MLflow experiment: opens in the GenAI layout")
    shoot(walk.page, "mlflow-experiment")
    walk.open(
        f"{experiment}/runs/{run_id}",
        f"MLflow run {run_name}",
        "dagster_run_url",
        dataset,
        "validation_rmse",
        "Logged models",
    )
    shoot(walk.page, f"mlflow-run-{run_name}")
    walk.open(f"{experiment}/runs/{run_id}/artifacts", f"MLflow run {run_name} artifacts", "metrics.json")
    body = walk.open(f"{base}/#/models/{registered}", f"MLflow registry {registered}", "champion")
    walk.expect(
        f"Version {champion_version}" in body, f"MLflow registry: version {champion_version} not listed"
    )
    shoot(walk.page, f"mlflow-registry-{registered.rsplit('-', 1)[-1]}")
