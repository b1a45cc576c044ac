"""Fault injection: damaged bundles, killed workers, reloads, a full disk and a read-only folder.

Real components throughout: bundles written by the pipeline's own writer, the API under uvicorn or
under the multi-worker launcher, the prediction log on a real (small, tmpfs) file system. Mounting
needs root with CAP_SYS_ADMIN (the dev machines and CI here have it); without it the disk tests skip
and say why.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from energy_assets.domain import features, manifest
from energy_assets.domain.data import schema
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate.trees import LIGHTGBM_FILE, LightGBMEstimator
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EstimateResult
from tests.api.conftest import API_KEY, reference_slice, write_champion

LIGHTGBM_CREATED_AT = "2026-05-01T00:00:00+00:00"


@pytest.fixture(scope="session")
def history(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """The same 35 days as the API tests' champion."""
    return reference_slice(clean_reference)


def lightgbm_result(readings: pd.DataFrame) -> EstimateResult:
    """A small real LightGBM estimator (30 trees): its text model file is what a native crash needs."""
    frame = features.build_features(readings)
    X, y = frame[list(ESTIMATE_FEATURES)], frame[schema.USAGE_KWH]
    model = LightGBMEstimator(n_estimators=30).fit(X, y)
    scores = {"rmse": 1.0, "mae": 0.5, "cv_pct": 3.0, "n": len(y)}
    return EstimateResult(
        family=model.name,
        model=model,
        params=model.params(),
        metrics={"validation": scores, "test": scores},
        fit_seconds=0.0,
        predict_us_per_row=1.0,
        model_size_bytes=1,
        feature_columns=tuple(ESTIMATE_FEATURES),
        device="cpu",
    )


@pytest.fixture(scope="session")
def lightgbm_bundle(tmp_path_factory: pytest.TempPathFactory, history: pd.DataFrame) -> Path:
    """A LightGBM estimate bundle written by the pipeline's writer (a pristine copy to damage)."""
    root = tmp_path_factory.mktemp("lightgbm")
    return champion.write_bundle(
        lightgbm_result(history),
        root,
        data_version="sha256:lgbm",
        code_version="t",
        created_at=LIGHTGBM_CREATED_AT,
    )


def truncate_model(folder: Path, fraction: float = 0.5, *, resign: bool) -> Path:
    """Cut the LightGBM file to ``fraction`` of its bytes; ``resign`` writes a manifest that matches
    the cut file (the worst case: only the child-process probe can then tell)."""
    path = folder / champion.MODEL_DIR / LIGHTGBM_FILE
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    if resign:
        manifest.write_manifest(folder)
    return path


def install(bundle: Path, root: Path, task: str = "estimate") -> Path:
    """Put a copy of ``bundle`` in place of ``root``'s champion of ``task`` (a rename, as the writer)."""
    staging = root / f".{task}.install-{uuid.uuid4().hex[:6]}"
    shutil.copytree(bundle, staging)
    target = root / task
    old = root / f".{task}.old-{uuid.uuid4().hex[:6]}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)
    return target


@pytest.fixture()
def fresh_root(tmp_path: Path, history: pd.DataFrame) -> Path:
    """A champion folder of its own (physics + seasonal naive) for a test to damage."""
    root = tmp_path / "champion"
    write_champion(root, history)
    return root


def launch(root: Path, port: int, workers: int, *, reload_interval_s: float = 0, log: Path | None = None):
    env = {
        **os.environ,
        "ENERGY_CHAMPION_DIR": str(root),
        "ENERGY_PREDICTION_LOG": str(log or root.parent / "prediction_log"),
        "ENERGY_RELOAD_INTERVAL_S": str(reload_interval_s),
        "ENERGY_API_KEY": API_KEY,
    }
    cmd = [sys.executable, "-m", "energy_api.serve", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen([*cmd, "--log-level", "warning"], env=env, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait()


def workers_of(pid: int) -> list[int]:
    """The launcher's worker processes (its other child is multiprocessing's resource tracker)."""
    children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def fresh_connection_versions(url: str, n: int = 20, task: str = "estimate") -> list[str]:
    """``n`` NEW connections (the kernel hashes each to a worker socket): the version each one sees."""
    out = []
    for _ in range(n):
        with httpx.Client(base_url=url, timeout=10) as c:
            out.append(c.get("/health").json()["models"][task]["model_version"])
    return out


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB tmpfs file system, unmounted afterwards."""
    point = tmp_path / "small_disk"
    point.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)):
        pytest.skip("mounting a small tmpfs needs root with CAP_SYS_ADMIN")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def remount(point: Path, mode: str) -> None:
    """Make a mounted folder read-only (``ro``) or writable again (``rw``) for everyone, root included."""
    assert _mount("-o", f"remount,{mode}", str(point)), f"remount {mode} failed"


@pytest.fixture()
def read_only_able(tmp_path: Path) -> Iterator[Path]:
    """A folder on its own tmpfs, so the test can remount it read-only (chmod does not stop root)."""
    point = tmp_path / "ro_able"
    point.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=64m", "tmpfs", str(point)):
        pytest.skip("mounting a tmpfs needs root with CAP_SYS_ADMIN")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


__all__ = [
    "API_KEY",
    "LIGHTGBM_CREATED_AT",
    "fresh_connection_versions",
    "install",
    "launch",
    "remount",
    "stop",
    "truncate_model",
    "workers_of",
]
