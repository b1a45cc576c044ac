"""A private data folder and Dagster instance per test module: real DuckDB file, real sqlite storage."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

ROOT = Path(__file__).resolve().parents[2]
RAW_FILES = ("steel_industry_data.csv", "steel_energy_modified.csv")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    (folder / "raw").mkdir()
    for name in RAW_FILES:
        for source in (ROOT / "data" / "raw" / name, ROOT.parent / "shared" / "data" / name):
            if source.exists():
                shutil.copy(source, folder / "raw" / name)
                break
        else:
            pytest.skip(f"{name} not available")
    return folder


@pytest.fixture(scope="module")
def platform(data_dir: Path):
    """The project's Definitions built against the private data folder, and a temp instance."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ENERGY_DATA_DIR", str(data_dir))
    patch.delenv("ENERGY_WAREHOUSE", raising=False)
    patch.delenv("ENERGY_RAW_CSV", raising=False)
    from energy_assets.definitions import defs

    with dg.instance_for_test() as instance:
        yield defs(), instance
    patch.undo()
