"""The Parquet warehouse on disk: atomic table files, a views-only DuckDB file swapped in whole, and
a read-only analyst session that never blocks a write (issue 15 item 7). Real files, real DuckDB."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from energy_assets.domain.data import store
from energy_assets.domain.data.store import Warehouse, WarehouseError

VIEWS = {"big_days": "SELECT day, kwh FROM main.daily WHERE kwh > 10 ORDER BY day"}


def _daily(days: int, start: float = 0.0) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "day": [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(days)],
            "kwh": [start + 5.0 * i for i in range(days)],
            "at": [dt.datetime(2025, 1, 1, 0, 15) + dt.timedelta(days=i) for i in range(days)],
        }
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path / "warehouse.duckdb", VIEWS)


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_layout_tables_and_partitions(warehouse: Warehouse) -> None:
    warehouse.write("daily", _daily(4))
    warehouse.write("by_file", pl.DataFrame({"x": [1, 2]}), partition="a.csv")
    warehouse.write("by_file", pl.DataFrame({"x": [3], "y": ["new column"]}), partition="b/c d.csv")
    root = warehouse.database.with_suffix("")
    assert warehouse.root == root
    assert (root / "daily" / store.TABLE_FILE).is_file()
    assert _visible(root / "by_file") == ["a.csv.parquet", "b%2Fc%20d.csv.parquet"]
    assert warehouse.partitions("by_file") == ["a.csv", "b/c d.csv"]
    assert warehouse.tables() == ["by_file", "daily"]
    # an unpartitioned read of a partitioned table: every partition, columns united by name
    both = warehouse.read("by_file")
    assert both["x"].to_list() == [1, 2, 3] and both["y"].to_list() == [None, None, "new column"]
    assert warehouse.read("by_file", ["b/c d.csv"])["x"].to_list() == [3]
    assert warehouse.read("by_file", ["never written"]).is_empty()
    # timestamps are stored in DuckDB's microseconds and come back equal
    assert warehouse.read("daily").equals(_daily(4))
    with pytest.raises(WarehouseError, match="not in the warehouse"):
        warehouse.read("missing")
    with pytest.raises(WarehouseError, match="cannot be a table name"):
        warehouse.write("bad name; drop", _daily(1))


def test_the_views_file_holds_views_only_and_the_analysts_views(warehouse: Warehouse) -> None:
    warehouse.write("daily", _daily(5))
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
        assert kinds == {"daily": "VIEW", "big_days": "VIEW"}
        assert con.execute("SELECT kwh FROM big_days").fetchall() == [(15.0,), (20.0,)]
    # a view whose table is not written yet is left out, then appears once it is
    late = Warehouse(warehouse.database, {**VIEWS, "totals": "SELECT sum(x) AS x FROM main.later"})
    late.publish_views()
    with duckdb.connect(str(warehouse.database), read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert "totals" not in names
    late.write("later", pl.DataFrame({"x": [1, 2]}))
    with late.connect() as con:
        assert con.execute("SELECT x FROM totals").fetchone() == (3,)


def test_a_read_only_session_never_blocks_a_write(warehouse: Warehouse) -> None:
    """Issue 15 item 7: an analyst holds the file open read-only while the pipeline writes tables,
    adds a table and changes a table's columns (which rebuilds the views file); every write
    returns at once and the open session keeps working and sees the new rows."""
    warehouse.write("daily", _daily(3))
    analyst = duckdb.connect(str(warehouse.database), read_only=True)
    try:
        assert analyst.execute("SELECT count(*) FROM daily").fetchone() == (3,)
        started = time.perf_counter()
        warehouse.write("daily", _daily(30))  # same columns: the file is replaced, no rebuild
        warehouse.write("extra", pl.DataFrame({"a": [1]}))  # a new table: the views file is rebuilt
        warehouse.write("daily", _daily(30).with_columns(pl.lit("x").alias("note")))  # new column
        elapsed = time.perf_counter() - started
        assert elapsed < 5.0, f"writes took {elapsed:.1f} s with a reader open"
        # the open session still answers, on its own (old) views file, over the new Parquet files
        assert analyst.execute("SELECT count(*) FROM daily").fetchone() == (30,)
        assert analyst.execute("SELECT count(*) FROM big_days").fetchone() == (27,)
    finally:
        analyst.close()
    with warehouse.connect() as fresh:
        assert fresh.execute("SELECT count(*) FROM extra").fetchone() == (1,)
        assert fresh.execute("SELECT count(DISTINCT note) FROM daily").fetchone() == (1,)


def test_a_crash_before_the_rename_leaves_the_old_table(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse.write("daily", _daily(3))

    def crash(source, target):
        raise OSError("disk pulled out mid-write")

    monkeypatch.setattr(store, "replace", crash)
    with pytest.raises(OSError, match="disk pulled"):
        warehouse.write("daily", _daily(40))
    with pytest.raises(OSError, match="disk pulled"):
        warehouse.publish_views()
    monkeypatch.undo()
    folder = warehouse.folder("daily")
    assert _visible(folder) == [store.TABLE_FILE]  # no temporary file left behind
    assert not [p for p in warehouse.database.parent.iterdir() if p.name.endswith(".tmp")]
    assert warehouse.read("daily").height == 3
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM daily").fetchone() == (3,)
