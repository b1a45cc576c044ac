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


# Under pytest-xdist (`make test` runs `-n 2 --dist loadgroup`), tests are sent to workers one group at
# a time. A folder whose conftest builds session fixtures (a trained bundle, a served API) is one group,
# so the fixture is built once, not once per worker; the pipeline folders (module fixtures) and the
# domain tests are grouped per module, so the two workers can share them out. The groups that build the
# most (the `slow` modules) are queued first, so neither worker is left with a long tail.
PER_MODULE_FOLDERS = {"defs", "domain", ""}


def _group(item: pytest.Item) -> str:
    parts = Path(str(item.path)).relative_to(ROOT / "tests").parts
    folder = parts[0] if len(parts) > 1 else ""
    return "/".join(parts) if folder in PER_MODULE_FOLDERS else folder


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tag every test with its xdist group and queue the slow groups first (stable otherwise)."""
    groups = {item: _group(item) for item in items}
    slow = {groups[item] for item in items if item.get_closest_marker("slow")}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item]))
    items.sort(key=lambda item: groups[item] not in slow)
