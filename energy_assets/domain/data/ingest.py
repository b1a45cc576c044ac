"""Ingest a plant export: find or download it, read every cell as text, validate its shape.

Reading as text keeps padded numbers, odd tokens and garbled dates intact for the cleaner, which
is the only place that decides what a value means. What the reader does decide is the FILE's
dialect, once for the whole file (:func:`read_export`): its encoding (UTF-8, UTF-8 with a BOM,
UTF-16 with a BOM), its delimiter (``,`` ``;`` tab or ``|``) and its decimal separator (a ``;``
file with decimal commas, as a Spanish-locale spreadsheet writes it, is read as if written with
points). A file that is empty, binary, header-only or lacks the UCI columns is refused with one
line naming the problem (:class:`RawDataError`); a truncated last line is marked for the cleaner to
quarantine (column ``row_problem``), never read as numbers. Public API (also used for inbox files):
:func:`read_export`, :func:`read_raw`, :func:`validate_raw`, :func:`ensure_raw_file`,
:func:`sha256_of`, :func:`with_extras_packed`.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.data.cleaning.log import ROW_PROBLEM

UCI_URL = "https://archive.ics.uci.edu/static/public/851/steel+industry+energy+consumption.zip"
UCI_FILENAME = "steel_industry_data.csv"
#: The member name inside UCI's zip (case as UCI ships it).
UCI_ZIP_MEMBER = "Steel_industry_data.csv"


class RawDataError(ValueError):
    """The raw file does not have the shape the pipeline relies on (the message is one line)."""


DELIMITERS = (",", ";", "\t", "|")
#: Raw columns holding numbers (a decimal comma is read as a point in these only).
NUMERIC_RAW_COLUMNS: tuple[str, ...] = tuple(schema.CLEAN_TO_RAW[c] for c in schema.NUMERIC_COLUMNS)
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class FileFormat:
    """The dialect :func:`read_export` found: encoding, delimiter, decimal separator, last line."""

    encoding: str
    delimiter: str
    decimal: str
    rows: int
    truncated_last_line: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class RawRead:
    frame: pd.DataFrame
    format: FileFormat


def _decode(data: bytes, name: str) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
                return _text_only(text, name), "utf-16" if encoding == "utf-16" else "utf-8-sig"
            except UnicodeDecodeError as exc:
                raise RawDataError(
                    f"{name} starts with a {encoding} BOM but is not valid {encoding} (byte {exc.start})"
                ) from None
    if b"\x00" in data[:4096]:
        raise RawDataError(
            f"{name} is not a text CSV (it holds NUL bytes: binary data, or UTF-16 without a BOM); "
            "export it as CSV in UTF-8"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RawDataError(
            f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "export it as CSV UTF-8 (or UTF-16 with a BOM)"
        ) from None
    return _text_only(text, name), "utf-8"


def _text_only(text: str, name: str) -> str:
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text[:4096])
    if printable < 0.95 * min(len(text), 4096):
        raise RawDataError(f"{name} is not a text CSV (mostly unprintable characters)")
    return text


def _delimiter(header: str, name: str) -> str:
    counts = {d: len(header.split(d)) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    if counts[best] < 2:
        raise RawDataError(
            f"{name}: the header {header[:80]!r} has one column; expected the UCI header "
            f"{list(schema.RAW_COLUMNS)} separated by one of , ; tab |"
        )
    return best


def read_export(
    path: str | Path,
    *,
    columns: Sequence[str] = schema.RAW_COLUMNS,
    numeric: Sequence[str] = NUMERIC_RAW_COLUMNS,
) -> RawRead:
    """Read a plant export with every cell as text ('' for empty), its dialect decided from the file.

    Raises :class:`RawDataError` (one line naming the file and the problem) for a missing, empty,
    binary, undecodable, header-only or unparseable file or one without the UCI columns. A last line
    cut short (no line end, fewer fields than the header) is kept with a note in ``row_problem``,
    for the cleaner to quarantine. ``columns`` / ``numeric``: the header required and the columns a
    decimal comma is read in (default the UCI export's; the live inbox also reads files in the
    cleaned schema's names).
    """
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise RawDataError(f"{path} does not exist") from None
    except OSError as exc:
        raise RawDataError(f"{path} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if not data.strip():
        raise RawDataError(f"{name} is empty ({len(data)} bytes): export the readings again")
    text, encoding = _decode(data, name)
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.strip())
    delimiter = _delimiter(lines[header_at], name)
    body = [line for line in lines[header_at + 1 :] if line.strip()]
    if not body:
        raise RawDataError(f"{name} has a header but no data rows")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise RawDataError(f"{name} cannot be read as a {delimiter!r}-separated file: {detail}") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        expected = "the UCI header" if tuple(columns) == schema.RAW_COLUMNS else "the columns"
        raise RawDataError(
            f"{name} lacks the columns {missing} (it has {list(frame.columns)[:12]}); "
            f"expected {expected} {list(columns)}"
        )
    frame = frame.fillna("")
    truncated = False
    fields = len(lines[header_at].split(delimiter))
    if not text.endswith(("\n", "\r")) and len(body[-1].split(delimiter)) < fields:
        truncated = True
        frame[ROW_PROBLEM] = ""
        frame.loc[frame.index[-1], ROW_PROBLEM] = (
            f"truncated last line: {len(body[-1].split(delimiter))} of {fields} fields, no line end "
            f"({body[-1][-40:]!r})"
        )
    decimal = "."
    if delimiter != ",":
        present = [c for c in numeric if c in frame.columns]
        if any(frame[c].str.match(_DECIMAL_COMMA).any() for c in present):
            decimal = ","
            for column in present:
                frame[column] = frame[column].str.replace(",", ".", regex=False)
    return RawRead(frame, FileFormat(encoding, delimiter, decimal, len(frame), truncated))


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


def read_raw(path: str | Path) -> pd.DataFrame:
    """The frame of :func:`read_export` (every cell text, header stripped, dialect normalised)."""
    return read_export(path).frame


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
    extra = [c for c in frame.columns if c not in (*schema.RAW_COLUMNS, ROW_PROBLEM)]
    return RawValidation(rows=len(frame), columns=list(frame.columns), extra_columns=extra)


#: Column of the stored raw table that keeps any non-UCI columns of a row, as JSON text.
EXTRA_COLUMNS = "extra_columns"


def with_extras_packed(frame: pd.DataFrame) -> pd.DataFrame:
    """The UCI columns as read, plus one JSON text column holding whatever else a row had.

    The stored raw table keeps a fixed layout whatever the export, and still loses nothing; a
    reader's ``row_problem`` note (a truncated last line) stays a column of its own.
    """
    extra = [c for c in frame.columns if c not in (*schema.RAW_COLUMNS, ROW_PROBLEM)]
    out = frame[list(schema.RAW_COLUMNS)].copy()
    if ROW_PROBLEM in frame.columns:
        out[ROW_PROBLEM] = frame[ROW_PROBLEM]
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

    pooch.get_logger().setLevel("WARNING")  # its "Downloading ..." line is noise in a one-line error
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


class RawDataMissing(RawDataError, FileNotFoundError):
    """No raw file where one is expected, and none could be downloaded."""


def ensure_raw_file(path: Path, download_if_missing: bool = True, url: str = UCI_URL) -> Path:
    """Return ``path``, downloading the UCI release there first when it is absent.

    :class:`RawDataMissing` (one line: where to put the CSV) when it is absent and the download is
    disabled or fails (no network, UCI unreachable).
    """
    if path.exists():
        return path
    where = f"put the UCI CSV ({UCI_FILENAME}, from {UCI_URL}) there, or set ENERGY_RAW_CSV"
    if not download_if_missing:
        raise RawDataMissing(f"no raw data at {path} and downloading is disabled: {where}")
    try:
        return download_uci(path, url=url)
    except RawDataError:
        raise
    except Exception as exc:  # pooch/requests raise many kinds; the user needs one line
        raise RawDataMissing(
            f"no raw data at {path} and the download failed ({type(exc).__name__}): {where}"
        ) from exc
