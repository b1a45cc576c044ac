"""Ingest the UCI release: find or download it, read every cell as text, validate its shape.

Reading as text keeps padded numbers, odd tokens and garbled dates intact for the cleaner, which
is the only place that decides what a value means.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from energy_assets.domain.data import schema

UCI_URL = "https://archive.ics.uci.edu/static/public/851/steel+industry+energy+consumption.zip"
UCI_FILENAME = "steel_industry_data.csv"
#: The member name inside UCI's zip (case as UCI ships it).
UCI_ZIP_MEMBER = "Steel_industry_data.csv"


class RawDataError(ValueError):
    """The raw file does not have the shape the pipeline relies on."""


@dataclass(frozen=True)
class RawValidation:
    """What the raw file looked like; becomes asset metadata."""

    rows: int
    columns: list[str]
    extra_columns: list[str] = field(default_factory=list)
    sha256: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def sha256_of(path: Path) -> str:
    """Content hash used as the data version of everything derived from the file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_raw(path: Path) -> pd.DataFrame:
    """Read a plant export with every cell as text ('' for empty), header as written."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def validate_raw(frame: pd.DataFrame, expected_rows: int | None = None) -> RawValidation:
    """Fail loudly on a missing UCI column or a wrong row count; extra columns are only reported."""
    missing = [c for c in schema.RAW_COLUMNS if c not in frame.columns]
    if missing:
        raise RawDataError(
            f"raw file lacks columns {missing}; expected the UCI header {list(schema.RAW_COLUMNS)}"
        )
    if frame.empty:
        raise RawDataError("raw file has no rows")
    if expected_rows is not None and len(frame) != expected_rows:
        raise RawDataError(f"raw file has {len(frame)} rows, expected {expected_rows}")
    extra = [c for c in frame.columns if c not in schema.RAW_COLUMNS]
    return RawValidation(rows=len(frame), columns=list(frame.columns), extra_columns=extra)


#: Column of the stored raw table that keeps any non-UCI columns of a row, as JSON text.
EXTRA_COLUMNS = "extra_columns"


def with_extras_packed(frame: pd.DataFrame) -> pd.DataFrame:
    """The UCI columns as read, plus one JSON text column holding whatever else a row had.

    The stored raw table keeps a fixed layout whatever the export, and still loses nothing.
    """
    extra = [c for c in frame.columns if c not in schema.RAW_COLUMNS]
    out = frame[list(schema.RAW_COLUMNS)].copy()
    if extra:
        out[EXTRA_COLUMNS] = [json.dumps(row, ensure_ascii=False) for row in frame[extra].to_dict("records")]
    else:
        out[EXTRA_COLUMNS] = ""
    return out


def download_uci(target: Path, url: str = UCI_URL) -> Path:
    """Download UCI's zip with pooch (cached, retried) and extract the CSV to ``target``.

    UCI's zip is validated by schema and row count after extraction rather than by hash: its byte
    layout has changed between releases while the values have not.
    """
    import pooch  # imported lazily: only needed on a machine without the file

    target.parent.mkdir(parents=True, exist_ok=True)
    archive = pooch.retrieve(
        url=url,
        known_hash=None,
        fname="steel_industry_energy_consumption.zip",
        path=target.parent / ".downloads",
        progressbar=False,
        downloader=pooch.HTTPDownloader(timeout=60),
    )
    with zipfile.ZipFile(archive) as bundle:
        members = [m for m in bundle.namelist() if m.lower().endswith(".csv")]
        if not members:
            raise RawDataError(f"{url} holds no CSV file")
        member = UCI_ZIP_MEMBER if UCI_ZIP_MEMBER in members else members[0]
        target.write_bytes(bundle.read(member))
    validate_raw(read_raw(target), expected_rows=schema.UCI_ROW_COUNT)
    return target


def ensure_raw_file(path: Path, download_if_missing: bool = True, url: str = UCI_URL) -> Path:
    """Return ``path``, downloading the UCI release there first when it is absent."""
    if path.exists():
        return path
    if not download_if_missing:
        raise FileNotFoundError(f"{path} does not exist and downloading is disabled")
    return download_uci(path, url=url)
