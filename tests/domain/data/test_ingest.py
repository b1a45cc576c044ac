"""Ingest: text-only reading, shape validation, and the UCI download through a real HTTP server."""

from __future__ import annotations

import http.server
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from energy_assets.domain.data import ingest, schema


def test_raw_file_is_read_as_text_without_losing_anything(course_dirty_csv: Path):
    raw = ingest.read_raw(course_dirty_csv)
    assert len(raw) == 35_740
    assert all(pd.api.types.is_object_dtype(dtype) for dtype in raw.dtypes)
    # padding and tokens are kept exactly for the cleaner to judge
    assert (raw["Leading_Current_Reactive_Power_kVarh"] == " 0.0 ").any()
    assert (raw["Usage_kWh"] == "NULL").sum() == 34
    validation = ingest.validate_raw(raw)
    assert validation.extra_columns == ["mixed_type_col"]


def test_validate_raw_names_the_missing_column_and_the_row_count(reference_csv: Path):
    raw = ingest.read_raw(reference_csv)
    assert ingest.validate_raw(raw, expected_rows=schema.UCI_ROW_COUNT).rows == 35_040
    with pytest.raises(ingest.RawDataError, match=r"lacks columns \['CO2\(tCO2\)'\]"):
        ingest.validate_raw(raw.drop(columns="CO2(tCO2)"))
    with pytest.raises(ingest.RawDataError, match="has 100 rows, expected 35040"):
        ingest.validate_raw(raw.head(100), expected_rows=schema.UCI_ROW_COUNT)
    with pytest.raises(ingest.RawDataError, match="no rows"):
        ingest.validate_raw(raw.head(0))


def test_sha256_is_the_published_one(reference_csv: Path):
    assert (
        ingest.sha256_of(reference_csv) == "d8d9dd4260b714db1080397dc00c65ffba9f90f28d9dfd1bd8d9762a4f618cbc"
    )


@pytest.fixture()
def uci_server(tmp_path: Path, reference_csv: Path):
    """A loopback HTTP server serving a zip laid out like UCI's."""
    site = tmp_path / "site"
    site.mkdir()
    with zipfile.ZipFile(site / "steel.zip", "w") as bundle:
        bundle.write(reference_csv, ingest.UCI_ZIP_MEMBER)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args):  # keep test output quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/steel.zip"
    server.shutdown()


def test_missing_file_is_downloaded_extracted_and_validated(
    tmp_path: Path, uci_server: str, reference_csv: Path
):
    target = tmp_path / "raw" / ingest.UCI_FILENAME
    path = ingest.ensure_raw_file(target, url=uci_server)
    assert path == target
    assert ingest.sha256_of(path) == ingest.sha256_of(reference_csv)
    # a second call finds the file and does not download again
    assert ingest.ensure_raw_file(target, url="http://127.0.0.1:9/unreachable.zip") == target


def test_no_download_when_disabled(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="downloading is disabled"):
        ingest.ensure_raw_file(tmp_path / "absent.csv", download_if_missing=False)


def test_extra_columns_are_packed_not_dropped(course_dirty_csv: Path):
    raw = ingest.read_raw(course_dirty_csv)
    packed = ingest.with_extras_packed(raw)
    assert list(packed.columns) == [*schema.RAW_COLUMNS, ingest.EXTRA_COLUMNS]
    assert packed.loc[0, ingest.EXTRA_COLUMNS] == '{"mixed_type_col": "649"}'
    clean_layout = ingest.with_extras_packed(raw[list(schema.RAW_COLUMNS)])
    assert (clean_layout[ingest.EXTRA_COLUMNS] == "").all()
