"""The readings inbox: files a plant's exporter (or the API, for a meter gateway) drops into a folder.

A file is one delivery. Accepted layouts, told apart by the header:

- the UCI export (``date``, ``Usage_kWh`` ... ``Load_Type``; any dialect the export reader sniffs:
  UTF-8/UTF-16, ``,`` ``;`` tab ``|``, decimal commas), dates stamped as UCI does (the day's last
  interval written ``dd/mm 00:00`` of the day it closes);
- the cleaned schema (``timestamp``, ``usage_kwh`` ... ``load_type``) as CSV or Parquet, timestamps
  the true interval END (``nsm``, ``week_status`` and ``day_of_week`` may be left out: they follow
  from the timestamp).

Either way the file goes through the same cleaner as the base export, with its quarantine and
repair log. Names starting with ``.`` or ending in ``.tmp`` / ``.part`` are ignored: an exporter
writes under such a name and renames when done (a rename is atomic), so a half-written file is never
read. A file is identified by its name (the Dagster partition key) and the SHA-256 of its bytes (the
run key): the same bytes under the same name are taken once; new bytes under the same name are a new
delivery that replaces what that name delivered before.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain.data import cleaning, ingest, schema
from energy_assets.domain.data.cleaning.log import ROW_PROBLEM
from energy_assets.domain.data.cleaning.parsing import DAY_FIRST

SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".parquet")
IGNORED_SUFFIXES: tuple[str, ...] = (".tmp", ".part", ".partial")
UCI_EXPORT = "uci_export"
CLEANED_CSV = "cleaned_csv"
CLEANED_PARQUET = "cleaned_parquet"
#: Cleaned-schema columns a delivery must have; the calendar columns follow from the timestamp.
REQUIRED_CLEANED: tuple[str, ...] = (schema.TIMESTAMP, *schema.MEASUREMENT_COLUMNS, schema.LOAD_TYPE)
OPTIONAL_CLEANED: tuple[str, ...] = (schema.NSM, schema.WEEK_STATUS, schema.DAY_OF_WEEK)
#: How a cleaned-schema timestamp is written for the cleaner (a layout it accepts, year first).
ISO_FORMAT = "%Y-%m-%d %H:%M:%S"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class InboxFile:
    """One file seen in the inbox: its name (partition key), bytes' SHA-256, size and mtime."""

    name: str
    path: Path
    sha256: str
    size: int
    modified_ns: int

    @property
    def run_key(self) -> str:
        return f"{self.name}:{self.sha256}"

    @property
    def received_at(self) -> datetime:
        """When the file landed (its modification time), UTC, to the microsecond."""
        return datetime.fromtimestamp(self.modified_ns / 1e9, UTC).replace(tzinfo=None)


def is_candidate(path: Path) -> bool:
    """A finished delivery: a visible regular file with an accepted suffix, not a temporary name."""
    name = path.name
    if name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES):
        return False
    return path.suffix.lower() in SUFFIXES and path.is_file()


def scan(
    folder: str | os.PathLike[str],
    *,
    known: Mapping[str, Mapping[str, Any]] | None = None,
    settle_seconds: float = 0.0,
    now: float | None = None,
) -> list[InboxFile]:
    """Every finished file of the inbox, oldest first (mtime, then name).

    ``known``: name -> {"size", "modified_ns", "sha256"} from an earlier scan; a file whose size and
    mtime did not change is not hashed again. ``settle_seconds``: a file modified more recently than
    that is left for a later scan (an exporter that writes in place instead of renaming).
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    known = known or {}
    clock = now if now is not None else datetime.now(UTC).timestamp()
    found = []
    for path in sorted(root.iterdir()):
        if not is_candidate(path):
            continue
        stat = path.stat()
        if clock - stat.st_mtime < settle_seconds:
            continue
        seen = known.get(path.name) or {}
        if (
            seen.get("size") == stat.st_size
            and seen.get("modified_ns") == stat.st_mtime_ns
            and seen.get("sha256")
        ):
            digest = str(seen["sha256"])
        else:
            digest = ingest.sha256_of(path)
        found.append(InboxFile(path.name, path, digest, stat.st_size, stat.st_mtime_ns))
    return sorted(found, key=lambda f: (f.modified_ns, f.name))


def describe(path: str | os.PathLike[str]) -> InboxFile:
    """The :class:`InboxFile` of one path (for a run that ingests it)."""
    p = Path(path)
    if not p.is_file():
        raise ingest.RawDataError(f"{p} is not in the inbox (moved or deleted before it was ingested)")
    stat = p.stat()
    return InboxFile(p.name, p, ingest.sha256_of(p), stat.st_size, stat.st_mtime_ns)


# --- reading one delivery ------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxRead:
    """A delivery as the cleaner takes it: UCI raw columns as text, and how to read its dates."""

    raw: pd.DataFrame
    layout: str
    file_format: dict[str, Any]
    config: cleaning.CleaningConfig


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return pd.Timestamp(value).strftime(ISO_FORMAT)
    if value is pd.NaT:
        return ""
    return str(value)


def cleaned_to_raw(frame: pd.DataFrame) -> pd.DataFrame:
    """A cleaned-schema frame (typed or text) as the UCI raw columns, every cell text."""
    missing = [c for c in REQUIRED_CLEANED if c not in frame.columns]
    if missing:
        raise ingest.RawDataError(
            f"lacks the columns {missing} (it has {list(frame.columns)[:12]}); expected the cleaned "
            f"schema {list(REQUIRED_CLEANED)} (+ optional {list(OPTIONAL_CLEANED)})"
        )
    out = pd.DataFrame(index=frame.index)
    for column in schema.CLEAN_COLUMNS:
        raw_name = schema.CLEAN_TO_RAW[column]
        if column not in frame.columns:
            out[raw_name] = ""
            continue
        values = frame[column]
        if column == schema.TIMESTAMP and pd.api.types.is_datetime64_any_dtype(values):
            stamps = (
                values.dt.tz_convert(schema.PLANT_TIMEZONE).dt.tz_localize(None) if values.dt.tz else values
            )
            out[raw_name] = stamps.dt.strftime(ISO_FORMAT).fillna("")
        else:
            out[raw_name] = [_text(v) for v in values.tolist()]
    if ROW_PROBLEM in frame.columns:
        out[ROW_PROBLEM] = frame[ROW_PROBLEM]
    return out.reset_index(drop=True)


def read_delivery(
    path: str | os.PathLike[str], date_format: str | None = None, date_order: str | None = DAY_FIRST
) -> InboxRead:
    """Read one inbox file in whichever accepted layout it is; one-line :class:`RawDataError` if none.

    ``date_format``: the plant's stated date layout (``ENERGY_DATE_FORMAT``), else each file decides
    its order from its values; ``date_order`` is the order used when they cannot (a one-day file of
    the 1st to the 12th of a month), day-first by default, as the UCI export writes.
    """
    p = Path(path)
    midnight = True
    if p.suffix.lower() == ".parquet":
        try:
            frame = pd.read_parquet(p)
        except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
            raise ingest.RawDataError(
                f"{p.name} is not a readable Parquet file ({type(exc).__name__})"
            ) from None
        if frame.empty:
            raise ingest.RawDataError(f"{p.name} has no rows")
        layout, raw, midnight = CLEANED_PARQUET, _cleaned(frame, p.name), False
        fmt: dict[str, Any] = {"encoding": "parquet", "delimiter": "", "decimal": ".", "rows": len(frame)}
    else:
        read = ingest.read_export(
            p, columns=(), numeric=(*ingest.NUMERIC_RAW_COLUMNS, *schema.NUMERIC_COLUMNS)
        )
        fmt = read.format.as_dict()
        header = set(read.frame.columns)
        if schema.RAW_DATE in header or schema.CLEAN_TO_RAW[schema.USAGE_KWH] in header:
            missing = [c for c in schema.RAW_COLUMNS if c not in header]
            if missing:
                raise ingest.RawDataError(
                    f"{p.name} lacks the columns {missing}; expected the UCI header {list(schema.RAW_COLUMNS)}"
                )
            layout, raw = UCI_EXPORT, read.frame
        elif schema.TIMESTAMP in header:
            layout, raw, midnight = CLEANED_CSV, _cleaned(read.frame, p.name), False
        else:
            raise ingest.RawDataError(
                f"{p.name}: the header {sorted(header)[:12]} is neither the UCI export's "
                f"{list(schema.RAW_COLUMNS)} nor the cleaned schema's {list(REQUIRED_CLEANED)}"
            )
    config = cleaning.CleaningConfig(
        midnight_closes_previous_day=midnight, date_format=date_format, fallback_date_order=date_order
    )
    return InboxRead(raw, layout, fmt, config)


def _cleaned(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    try:
        return cleaned_to_raw(frame)
    except ingest.RawDataError as exc:
        raise ingest.RawDataError(f"{name} {exc}") from None


def clean_delivery(
    path: str | os.PathLike[str], date_format: str | None = None, date_order: str | None = DAY_FIRST
) -> tuple[InboxRead, cleaning.CleaningResult]:
    """(the read, the cleaner's result) for one inbox file: the same cleaner as the base export."""
    read = read_delivery(path, date_format, date_order)
    return read, cleaning.clean(read.raw, read.config)


# --- writing a delivery (the API's side) ---------------------------------------------------------
def write_delivery(folder: str | os.PathLike[str], frame: pd.DataFrame, *, prefix: str = "api") -> Path:
    """Drop a cleaned-schema batch into the inbox as Parquet, atomically (hidden temp file, renamed).

    The name carries the span and a digest of the content, so posting the same batch twice writes
    the same file (same name, same bytes): it is ingested once.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    columns = [c for c in schema.CLEAN_COLUMNS if c in frame.columns]
    table = frame[columns].sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True)
    payload = table.to_csv(index=False).encode()
    first = pd.Timestamp(table[schema.TIMESTAMP].iloc[0]).strftime("%Y%m%dT%H%M")
    last = pd.Timestamp(table[schema.TIMESTAMP].iloc[-1]).strftime("%Y%m%dT%H%M")
    target = root / f"{prefix}_{first}_{last}_{sha256_bytes(payload)[:12]}.parquet"
    if target.exists():
        return target
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=root)
    try:
        with os.fdopen(handle, "wb") as out:
            table.to_parquet(out, index=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def names(files: Iterable[InboxFile]) -> list[str]:
    return [f.name for f in files]
