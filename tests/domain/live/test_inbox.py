"""The live path in plain Python: the simulated exporter's files, the inbox scan and run keys, the same
cleaner for every layout, and the history where the latest file wins (checked against plain pandas)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.live import history, inbox, simulator


@pytest.fixture(scope="module")
def scenario(clean_reference: pd.DataFrame) -> simulator.LiveScenario:
    moved = simulator.shift_weeks(clean_reference, simulator.weeks_to_year(clean_reference, 2025))
    return simulator.live_scenario(
        moved,
        first_day="2025-03-03",
        days=6,
        base_days=14,
        duplicate_after=2,
        bad_rows_day=3,
        overlap_after=5,
    )


def _deliver(folder: Path, scenario: simulator.LiveScenario) -> list[history.Delivery]:
    out = []
    for i, d in enumerate(scenario.deliveries):
        path = simulator.drop_file(folder, d.name, d.data, modified=1_740_000_000 + 60 * i)
        seen = inbox.describe(path)
        read, result = inbox.clean_delivery(path)
        out.append(
            history.Delivery(
                seen.name,
                seen.sha256,
                pd.Timestamp(seen.received_at),
                result.cleaned,
                result.report,
                read.layout,
            )
        )
    return out


def test_the_days_moved_to_2025_keep_their_weekdays(clean_reference, scenario) -> None:
    assert scenario.days[0].isoformat() == "2025-03-03" and scenario.days[0].weekday() == 0
    first = pd.Timestamp("2025-03-03")
    # a week shift: the day's readings are those of the same weekday in 2018
    shifted = simulator.day_rows(scenario.expected, [first])
    original = simulator.day_rows(clean_reference, [first - simulator.WEEK * 365])
    assert shifted[schema.USAGE_KWH].tolist() == original[schema.USAGE_KWH].tolist()


def test_history_is_latest_file_wins_and_the_audit_counts(tmp_path, scenario) -> None:
    delivered = _deliver(tmp_path, scenario)
    merged = history.merge_history(scenario.base, delivered)
    # independent recomputation in plain pandas: the base, then every file's rows, last one wins
    expected = scenario.expected.reset_index(drop=True)
    got = merged.readings[list(expected.columns)]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert got[schema.TIMESTAMP].is_unique and len(got) == 14 * 96 + 6 * 96
    audit = merged.audit.set_index(history.SOURCE_FILE)
    kinds = {d.name: d.kind for d in scenario.deliveries}
    for name, kind in kinds.items():
        row = audit.loc[name]
        if kind == "day":
            assert (row.intervals_new, row.intervals_replaced, row.intervals_unchanged) == (96, 0, 0), name
        elif kind == "duplicate":  # the same bytes under another name: nothing new
            assert (row.intervals_new, row.intervals_replaced, row.intervals_unchanged) == (0, 0, 96)
        elif kind == "overlap":  # re-export of 18:00 the day before to midnight, six intervals corrected
            assert (row.intervals_new, row.intervals_replaced, row.intervals_unchanged) == (0, 6, 114)
        else:  # bad rows: three quarantined, the day complete
            assert (row.rows_in, row.rows_kept, row.rows_quarantined) == (99, 96, 3)
            assert row.intervals_new == 96 and row.cells_repaired >= 1
    sources = merged.sources.set_index(schema.TIMESTAMP)[history.SOURCE_FILE]
    overlap = next(d.name for d in scenario.deliveries if d.kind == "overlap")
    assert (sources == overlap).sum() == 120 and (sources == history.BASE).sum() == 14 * 96
    # the order files are listed in does not matter, only their arrival
    again = history.merge_history(scenario.base, list(reversed(delivered)))
    pd.testing.assert_frame_equal(again.readings, merged.readings)
    pd.testing.assert_frame_equal(again.audit, merged.audit)


def test_bad_rows_are_quarantined_with_their_reasons(tmp_path, scenario) -> None:
    bad = next(d for d in scenario.deliveries if d.kind == "bad_rows")
    path = simulator.drop_file(tmp_path, bad.name, bad.data)
    _, result = inbox.clean_delivery(path)
    assert sorted(result.quarantine["reason"]) == sorted(scenario.bad_rows.values())


def test_scan_run_keys_and_unfinished_files(tmp_path) -> None:
    (tmp_path / "a.csv").write_bytes(b"x")
    (tmp_path / ".b.csv.part").write_bytes(b"half")
    (tmp_path / "c.csv.tmp").write_bytes(b"half")
    (tmp_path / "notes.md").write_bytes(b"not readings")
    os.utime(tmp_path / "a.csv", (1_000, 1_000))
    (found,) = inbox.scan(tmp_path)
    assert found.name == "a.csv" and found.run_key == f"a.csv:{inbox.sha256_bytes(b'x')}"
    # a file written just now waits for the settle time; a known unchanged file is not hashed again
    (tmp_path / "d.csv").write_bytes(b"y")
    assert inbox.names(inbox.scan(tmp_path, settle_seconds=60)) == ["a.csv"]
    known = {"a.csv": {"size": 1, "modified_ns": found.modified_ns, "sha256": "remembered"}}
    assert {f.name: f.sha256 for f in inbox.scan(tmp_path, known=known)}["a.csv"] == "remembered"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_the_cleaned_schema_goes_through_the_same_cleaner(tmp_path, scenario, suffix) -> None:
    day = simulator.day_rows(scenario.expected, [scenario.days[0]])
    if suffix == ".parquet":
        path = inbox.write_delivery(tmp_path, day)
        assert inbox.write_delivery(tmp_path, day) == path  # the same batch twice: the same file
    else:
        path = tmp_path / "gateway.csv"
        day.drop(columns=[schema.NSM, schema.WEEK_STATUS, schema.DAY_OF_WEEK]).to_csv(path, index=False)
    read, result = inbox.clean_delivery(path)
    assert read.layout == (inbox.CLEANED_PARQUET if suffix == ".parquet" else inbox.CLEANED_CSV)
    pd.testing.assert_frame_equal(
        result.cleaned[list(day.columns)].reset_index(drop=True),
        day.reset_index(drop=True),
        check_dtype=False,
    )


def test_a_file_in_no_known_layout_is_refused_in_one_line(tmp_path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("when,kwh\n2025-01-01 00:15,3\n")
    with pytest.raises(ValueError, match="neither the UCI export"):
        inbox.clean_delivery(path)
