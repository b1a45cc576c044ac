"""Walk the Dagster UI and the MLflow UI over a data folder ``make run`` filled; screenshots to
docs/screenshots/, exit 1 on a defect the issue-18 walkthrough found.

    PYTHONPATH=. .venv/bin/python tests/ui/walkthrough_platform.py [DATA_DIR]

Not collected by pytest (it needs a trained data folder: minutes of training); it starts
``dagster-webserver`` and ``mlflow server`` on free ports over that folder and drives Debian's chromium
through Playwright.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


def shoot(page, name: str) -> Path:
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def dismiss_community_dialog(page) -> None:
    """The Dagster UI greets a new browser profile with a newsletter dialog over the page."""
    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(timeout=10_000)
        skip.click()
    except Exception:
        return


def expect_text(page, text: str, defects: list[str], where: str) -> None:
    try:
        page.get_by_text(text, exact=False).first.wait_for(timeout=WAIT_MS)
    except Exception:
        defects.append(f"{where}: '{text}' not shown")


def main(data_dir: Path) -> int:
    from playwright import sync_api

    dagster_port, mlflow_port = free_port(), free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ENERGY_DATA_DIR": str(data_dir),
        "DAGSTER_HOME": str(ROOT),
        "ENERGY_DAGSTER_STORAGE": str(data_dir / "dagster"),
        "ENERGY_MLFLOW_UI_URL": f"http://127.0.0.1:{mlflow_port}",
        "ENERGY_DAGSTER_UI_URL": f"http://127.0.0.1:{dagster_port}",
    }
    os.environ.update(env)
    from energy_assets.domain.training import tracking

    store = tracking.tracking_uri()
    experiment_id = tracking.ensure_experiment(store)
    bin_dir = Path(sys.executable).parent
    servers = [
        subprocess.Popen(
            [str(bin_dir / "dagster-webserver"), "-w", str(ROOT / "workspace.yaml"), "-h", "127.0.0.1",
             "-p", str(dagster_port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [str(bin_dir / "mlflow"), "server", "--backend-store-uri", store, "--host", "127.0.0.1",
             "--port", str(mlflow_port)],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
    ]  # fmt: skip
    defects: list[str] = []
    try:
        dagster = f"http://127.0.0.1:{dagster_port}"
        wait_http(f"{dagster}/server_info")
        wait_http(f"http://127.0.0.1:{mlflow_port}/health")
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})

            page.goto(f"{dagster}/assets/estimate_lightgbm", wait_until="domcontentloaded")
            dismiss_community_dialog(page)
            for text in ("energy-ml", "LightGBM trees tuned", "mlflow_run", "validation_rmse_kwh"):
                expect_text(page, text, defects, "Dagster asset estimate_lightgbm")
            shoot(page, "dagster-asset-estimate-lightgbm")

            page.goto(
                f"{dagster}/locations/energy_copilot/jobs/materialize_all/runs", wait_until="domcontentloaded"
            )
            page.wait_for_timeout(5000)
            if "No runs" in page.inner_text("body"):
                defects.append("Dagster job materialize_all: no run in its history")
            shoot(page, "dagster-materialize-all-runs")

            page.goto(tracking.experiment_url(experiment_id), wait_until="domcontentloaded")
            expect_text(page, "materialize_all", defects, "MLflow experiment")  # the parent runs
            expect_text(page, "Model training", defects, "MLflow experiment (not the GenAI view)")
            shoot(page, "mlflow-experiment")

            import mlflow

            client = mlflow.MlflowClient(store)
            runs = client.search_runs(
                [experiment_id], "attributes.run_name = 'estimate-lightgbm'", max_results=1
            )
            if runs:
                run = runs[0].info
                page.goto(
                    f"{env['ENERGY_MLFLOW_UI_URL']}/#/experiments/{experiment_id}/runs/{run.run_id}"
                    "?workflowType=machine_learning",
                    wait_until="domcontentloaded",
                )
                for text in ("dagster_run_url", "steel_features", "validation_rmse"):
                    expect_text(page, text, defects, "MLflow run estimate-lightgbm")
                shoot(page, "mlflow-run-estimate-lightgbm")
            else:
                defects.append("MLflow: no estimate-lightgbm run")

            page.goto(
                f"{env['ENERGY_MLFLOW_UI_URL']}/#/models/{tracking.registered_name('estimate')}",
                wait_until="domcontentloaded",
            )
            expect_text(page, "champion", defects, "MLflow registry")
            shoot(page, "mlflow-registry-estimate")
            browser.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    for defect in defects:
        print(f"defect: {defect}")
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data"))
