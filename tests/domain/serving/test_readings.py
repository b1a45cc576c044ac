"""Serving readings: published whole with a manifest, swapped atomically, checked on load; the API
registry serves them as a third slot reloaded when the manifest changes, never holding a file open."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from energy_api.registry import ModelRegistry
from energy_assets.domain.manifest import file_entry
from energy_assets.domain.serving import readings as serving


def test_publish_and_load_round_trip(tmp_path: Path, clean_reference: pd.DataFrame) -> None:
    manifest = serving.publish_readings(clean_reference, tmp_path, data_version="sha256:x")
    folder = serving.readings_folder(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "readings.parquet"]
    assert (
        manifest["rows"] == 35_040
        and manifest["first_day"] == "2018-01-01"
        and manifest["last_day"] == "2018-12-31"
    )
    assert manifest["last_timestamp"] == "2019-01-01T00:00:00"
    assert manifest["files"]["readings.parquet"]["sha256"] == file_entry(folder / "readings.parquet").sha256
    frame, loaded = serving.load_readings(folder)
    pd.testing.assert_frame_equal(frame, clean_reference, check_dtype=False)
    assert loaded == manifest
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging folder left behind"


def test_a_tampered_parquet_is_refused(tmp_path: Path, clean_reference: pd.DataFrame) -> None:
    serving.publish_readings(clean_reference.head(2000), tmp_path, data_version="v")
    folder = serving.readings_folder(tmp_path)
    clean_reference.head(1000).to_parquet(folder / "readings.parquet", index=False)
    with pytest.raises(serving.ManifestError, match=r"bytes|SHA-256"):
        serving.load_readings(folder)


def test_a_failed_publish_keeps_the_previous_readings(tmp_path: Path, clean_reference: pd.DataFrame) -> None:
    first = serving.publish_readings(clean_reference.head(1000), tmp_path, data_version="v1")
    broken = clean_reference.head(10).drop(columns=["usage_kwh"])
    with pytest.raises(ValueError, match="usage_kwh"):
        serving.publish_readings(broken, tmp_path, data_version="v2")
    repeated = pd.concat([clean_reference.head(5), clean_reference.head(5)])
    with pytest.raises(ValueError, match="repeat timestamps"):
        serving.publish_readings(repeated, tmp_path, data_version="v3")
    assert serving.read_manifest(serving.readings_folder(tmp_path)) == first


def test_registry_serves_and_reloads_the_readings_slot(tmp_path: Path, clean_reference: pd.DataFrame) -> None:
    registry = ModelRegistry(tmp_path)
    assert registry.refresh()["readings"] == "missing" and registry.readings() is None
    serving.publish_readings(clean_reference.head(96 * 10), tmp_path, data_version="v1")
    assert registry.refresh()["readings"] == "loaded"
    first = registry.readings()
    assert first is not None and len(first.frame) == 960
    assert registry.refresh()["readings"] == "unchanged" and registry.readings() is first
    # the API never holds the file open: the pipeline can replace the folder under it
    path = serving.readings_folder(tmp_path) / serving.READINGS_FILE
    if Path("/proc/self/fd").exists():
        open_files = {os.path.realpath(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")}
        assert str(path.resolve()) not in open_files
    serving.publish_readings(clean_reference.head(96 * 20), tmp_path, data_version="v2")
    assert registry.refresh()["readings"] == "loaded"
    assert len(registry.readings().frame) == 1920 and registry.readings().data_version == "v2"
    # a broken publication leaves the previous readings serving, with the reason kept
    manifest_path = serving.readings_folder(tmp_path) / serving.MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["created_at"] = "2099-01-01T00:00:00+00:00"
    manifest["rows"] = 5
    manifest_path.write_text(json.dumps(manifest))
    assert registry.refresh()["readings"].startswith("failed:")
    assert len(registry.readings().frame) == 1920
    assert "rows" in registry.readings_status()["last_error"]
