"""The layer rules `make test` checks with import-linter hold, and the app's rule covers every module."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import energy_assets

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_FOR_THE_APP = {
    "energy_assets.domain",
    "energy_assets.domain.data",
    "energy_assets.domain.data.schema",
}


def _contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_import_linter_keeps_every_contract() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken" in result.stdout


def test_the_apps_contract_forbids_every_module_but_the_schema() -> None:
    """A module added to the package later is forbidden to the app too (or this test says so)."""
    (ui,) = [c for c in _contracts() if c["source_modules"] == ["energy_ui"]]
    forbidden = set(ui["forbidden_modules"])
    modules = {m.name for m in pkgutil.walk_packages(energy_assets.__path__, "energy_assets.")}
    uncovered = sorted(
        m
        for m in modules - ALLOWED_FOR_THE_APP
        if not any(m == f or m.startswith(f + ".") for f in forbidden)
        and not m.startswith("energy_assets.defs")
        and m != "energy_assets.definitions"
    )
    assert uncovered == []
