"""The warehouse on disk: Parquet tables, and a DuckDB file that holds only views over them.

Layout (``<root>`` is the warehouse file's path without its suffix: ``data/warehouse.duckdb`` keeps its
tables in ``data/warehouse/``)::

    <root>/<table>/data.parquet            an unpartitioned table: one file
    <root>/<table>/<partition key>.parquet a partitioned table: one file per partition key
    data/warehouse.duckdb                  one VIEW per table over its Parquet glob, plus the analysts'
                                           SQL views (energy_assets.domain.data.warehouse.VIEWS)

Why: DuckDB allows one writing process or many read-only ones per file, so a pipeline that writes
the analysts' file waits for (and fails on) any open read-only session. Here the pipeline never opens
that file for writing. Every table file is written to a hidden temporary file in the same folder,
flushed to disk and ``os.replace``d (atomic on POSIX), so a reader sees the old file or the new one,
never half of one; the globs (``*.parquet``) never match the temporary names. The views file is
rebuilt as a new file next to the old one and ``os.replace``d in the same way, when the set of tables
or a table's columns change (a signature file remembers what the current views were built from); a
session open on the old file keeps its views, which read the same globs, so it sees new rows at its
next query and never blocks a write.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from energy_assets.domain import paths

#: The file of an unpartitioned table.
TABLE_FILE = "data.parquet"
SUFFIX = ".parquet"
#: Beside the views file: which tables (and column sets) its views were built from.
SIGNATURE_SUFFIX = ".views.json"
LOCK_FILE = ".views.lock"
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class WarehouseError(ValueError):
    """A table that does not exist, or a name that cannot be a table (the message is one line)."""


def tables_root(database: str | os.PathLike[str]) -> Path:
    """Where the Parquet tables of the views file ``database`` live: its path without the suffix."""
    path = Path(database)
    return path.with_suffix("") if path.suffix else path.with_name(path.name + "_tables")


def partition_file_name(key: str) -> str:
    """A partition key as a file name: readable when it is already safe, percent-encoded otherwise."""
    if not key:
        raise WarehouseError("a partition key cannot be empty")
    return urllib.parse.quote(key, safe="-_.=@+,") + SUFFIX


def partition_key_of(file_name: str) -> str:
    return urllib.parse.unquote(file_name.removesuffix(SUFFIX))


def _schema_text(schema: Mapping[str, pl.DataType]) -> str:
    return json.dumps([[name, str(dtype)] for name, dtype in schema.items()])


def storable(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame as stored: columns with no type (all nulls) as text, timestamps in microseconds
    (DuckDB's native TIMESTAMP; every timestamp here is on a whole-second grid)."""
    casts = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Null or dtype == pl.Object:
            casts[name] = pl.String
        elif isinstance(dtype, pl.Datetime) and dtype.time_unit == "ns":
            casts[name] = pl.Datetime("us", dtype.time_zone)
    return frame.with_columns([pl.col(n).cast(t) for n, t in casts.items()]) if casts else frame


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_parquet(frame: pl.DataFrame, target: Path) -> Path:
    """Write ``frame`` to ``target`` through a hidden temporary file in the same folder (flushed to
    disk, then renamed over ``target``): readers see the old file or the new one, never part of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            frame.write_parquet(out)
            out.flush()
            os.fsync(out.fileno())
        replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(target.parent)
    return target


def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """``os.replace``: the single point where a new file becomes visible (tests inject crashes here)."""
    os.replace(source, target)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock (POSIX ``flock``) while the views file is rebuilt."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: rebuilds are still atomic, just unserialised
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    if not _TABLE_NAME.match(name):
        raise WarehouseError(f"{name!r} cannot be a table name: use letters, digits and _ only")
    return f'"{name}"'


@dataclass(frozen=True)
class Warehouse:
    """The Parquet tables and their views file. ``database`` is the file analysts open read-only."""

    database: Path
    #: The analysts' SQL views (name -> SELECT), created after the table views, in this order; a view
    #: whose tables do not exist yet is left out until they do.
    views: Mapping[str, str] | None = None

    @classmethod
    def at(cls, database: str | os.PathLike[str] | None = None, views: Mapping[str, str] | None = None):
        """The warehouse of ``database`` (default: ``ENERGY_WAREHOUSE`` / ``<data dir>/warehouse.duckdb``)."""
        if views is None:
            from energy_assets.domain.data.warehouse import VIEWS

            views = VIEWS
        path = paths.resolve(database) if database else paths.warehouse_path()
        return cls(Path(path), dict(views))

    # --- layout ------------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return tables_root(self.database)

    def folder(self, table: str) -> Path:
        _identifier(table)
        return self.root / table

    def file(self, table: str, partition: str | None = None) -> Path:
        return self.folder(table) / (TABLE_FILE if partition is None else partition_file_name(partition))

    def tables(self) -> list[str]:
        """Every table that has at least one file, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and _TABLE_NAME.match(p.name) and self._files(p)
        )

    @staticmethod
    def _files(folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob(f"*{SUFFIX}") if not p.name.startswith("."))

    def partitions(self, table: str) -> list[str]:
        """The partition keys stored for ``table`` (empty for an unpartitioned one)."""
        folder = self.folder(table)
        return [partition_key_of(p.name) for p in self._files(folder) if p.name != TABLE_FILE]

    # --- write -------------------------------------------------------------------------------------
    def write(self, table: str, frame: pl.DataFrame, partition: str | None = None) -> Path:
        """Store ``frame`` as ``table`` (or its ``partition``) atomically; refresh the views if needed."""
        frame = storable(frame)
        target = self.file(table, partition)
        previous = _file_schema(target)
        atomic_write_parquet(frame, target)
        new = _schema_text(frame.schema)
        if self._views_outdated(table, new, previous):
            self.publish_views()
        return target

    def _views_outdated(self, table: str, schema: str, previous: str | None) -> bool:
        if not self.database.is_file():
            return True
        built = self._signature()
        known = built.get(table)
        if known is None or schema not in known:
            return True
        # a file replaced by one with other columns may leave the union without a column it had
        return previous is not None and previous != schema

    def _signature_path(self) -> Path:
        return self.database.with_name(self.database.name + SIGNATURE_SUFFIX)

    def _signature(self) -> dict[str, list[str]]:
        try:
            return json.loads(self._signature_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    # --- the views file ----------------------------------------------------------------------------
    def publish_views(self) -> Path:
        """Rebuild the views file from the tables on disk and swap it in atomically.

        Serialised by a lock file, and built from the listing taken under that lock, so two runs
        writing at once cannot leave a views file that lacks a table one of them wrote.
        """
        self.database.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.root / LOCK_FILE):
            signature: dict[str, list[str]] = {}
            handle, temp = tempfile.mkstemp(
                prefix=f".{self.database.name}.", suffix=".tmp", dir=self.database.parent
            )
            os.close(handle)
            os.unlink(temp)  # DuckDB creates the file itself
            try:
                con = duckdb.connect(temp)
                try:
                    for table in self.tables():
                        files = self._files(self.folder(table))
                        signature[table] = sorted({_file_schema(f) or "" for f in files})
                        pattern = str(self.folder(table) / f"*{SUFFIX}")
                        con.execute(
                            f"CREATE VIEW {_identifier(table)} AS SELECT * FROM read_parquet("
                            f"{_sql_string(pattern)}, union_by_name = true)"
                        )
                    for name, sql in (self.views or {}).items():
                        try:
                            con.execute(f"CREATE VIEW {_identifier(name)} AS {sql}")
                        except duckdb.CatalogException:  # a table it reads is not written yet
                            continue
                    con.execute("CHECKPOINT")
                finally:
                    con.close()
                replace(temp, self.database)
            finally:
                for leftover in (Path(temp), Path(temp + ".wal")):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
            _fsync_dir(self.database.parent)
            handle, sig_temp = tempfile.mkstemp(prefix=".views.", suffix=".tmp", dir=self.database.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(signature, out, sort_keys=True)
            os.replace(sig_temp, self._signature_path())
        return self.database

    # --- read --------------------------------------------------------------------------------------
    def read(self, table: str, partitions: Sequence[str] | None = None) -> pl.DataFrame:
        """An unpartitioned table, or the given partitions of a partitioned one (those stored; in
        key order, columns united by name). ``partitions=None`` on a partitioned table: all of them."""
        folder = self.folder(table)
        if partitions is None:
            single = folder / TABLE_FILE
            if single.is_file():
                return pl.read_parquet(single)
            files = [p for p in self._files(folder) if p.name != TABLE_FILE]
            if not files:
                raise WarehouseError(
                    f"table {table} is not in the warehouse ({self.root}): materialize it first"
                )
        else:
            wanted = [folder / partition_file_name(k) for k in partitions]
            files = [p for p in wanted if p.is_file()]
        if not files:
            return pl.DataFrame()
        return pl.concat([pl.read_parquet(p) for p in files], how="diagonal_relaxed")

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only session on the views file, as analysts open it."""
        return duckdb.connect(str(self.database), read_only=True)


def _file_schema(path: Path) -> str | None:
    try:
        return _schema_text(pl.read_parquet_schema(path))
    except (OSError, pl.exceptions.ComputeError):
        return None
