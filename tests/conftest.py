"""Shared fixtures: the real UCI files (copied into data/raw by .ci/run) and small slices of them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import settings

from energy_assets.domain.data import schema

# Property tests draw the same examples on every run, so CI cannot turn red by chance.
settings.register_profile("deterministic", derandomize=True)
settings.load_profile("deterministic")

ROOT = Path(__file__).resolve().parents[1]
RAW_CANDIDATES = (ROOT / "data" / "raw", ROOT.parent / "shared" / "data")


def _find(name: str) -> Path:
    for folder in RAW_CANDIDATES:
        if (folder / name).exists():
            return folder / name
    pytest.skip(f"{name} is not in data/raw/ nor ../shared/data/")


@pytest.fixture(scope="session")
def reference_csv() -> Path:
    """The clean UCI release (35,040 rows)."""
    return _find("steel_industry_data.csv")


@pytest.fixture(scope="session")
def course_dirty_csv() -> Path:
    """The course's deliberately corrupted copy (35,740 rows)."""
    return _find("steel_energy_modified.csv")


@pytest.fixture(scope="session")
def clean_reference(reference_csv: Path) -> pd.DataFrame:
    """The reference in the cleaned schema: renamed columns and the midnight quirk fixed.

    Independent of the cleaner on purpose, so tests can compare the cleaner against it.
    """
    ref = pd.read_csv(reference_csv, encoding="utf-8-sig").rename(columns=schema.RAW_TO_CLEAN)
    ts = pd.to_datetime(ref[schema.TIMESTAMP], format=schema.RAW_DATE_FORMAT)
    ref[schema.TIMESTAMP] = ts + pd.to_timedelta((ref[schema.NSM] == 0).astype(int), unit="D")
    ref[schema.NSM] = ref[schema.NSM].astype("int64")
    return ref[list(schema.CLEAN_COLUMNS)].reset_index(drop=True)


# Under pytest-xdist (`make test` runs two workers), tests go to the workers one group at a time
# (`FolderScheduling` below). A folder whose conftest builds session fixtures (a trained bundle, a served
# API) is one group, so each fixture is built once, not once per worker; the pipeline folders (module
# fixtures) and the domain tests are grouped per module, so the two workers can share them out. The
# modules that build the most (marked `slow`) are collected first and `--no-loadscope-reorder` keeps
# that order, so neither worker is left with a long tail.
PER_MODULE_FOLDERS = {"defs", "domain", ""}


def scheduling_group(nodeid: str) -> str:
    """The scheduling group of a test id: its folder under tests/, or its module in PER_MODULE_FOLDERS."""
    parts = nodeid.split("::", 1)[0].split("/")[1:]  # drop the leading "tests"
    folder = parts[0] if len(parts) > 1 else ""
    return "/".join(parts) if folder in PER_MODULE_FOLDERS else folder


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Queue the groups that hold a `slow` test first (stable otherwise)."""
    slow = {scheduling_group(item.nodeid) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: scheduling_group(item.nodeid) not in slow)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """pytest-xdist's scope scheduling with :func:`scheduling_group` as the scope."""
    from xdist.scheduler import LoadScopeScheduling

    class FolderScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scheduling_group(nodeid)

    return FolderScheduling(config, log)
