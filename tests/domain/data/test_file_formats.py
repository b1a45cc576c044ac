"""Files people actually export: delimiters, decimal commas, encodings, date orders, broken files.

Before (issue 15): a month-first file exited 0 with 12,670 rows filed under the wrong day; a
truncated last line ('99.') was read as a number and the cleaner then "repaired" a correct cell of
it; a ';' file with decimal commas was refused with "Expected 4 fields in line 36"; empty, UTF-16 and
binary files ended in 80-90-line tracebacks; a header-only file exited 0 with empty outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from energy_assets.domain.data import cleaning, ingest, schema

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def raw_text(reference_csv: Path) -> pd.DataFrame:
    """The UCI file as text, as the reader returns it."""
    return ingest.read_raw(reference_csv)


@pytest.fixture(scope="module")
def reference_cleaned(raw_text: pd.DataFrame) -> pd.DataFrame:
    return cleaning.clean(raw_text).cleaned


def _write(frame: pd.DataFrame, path: Path, **kwargs) -> Path:
    frame.to_csv(path, index=False, **kwargs)
    return path


def test_semicolons_with_decimal_commas_read_as_the_original(
    raw_text: pd.DataFrame, reference_cleaned: pd.DataFrame, tmp_path: Path
) -> None:
    spanish = raw_text.copy()
    for column in ingest.NUMERIC_RAW_COLUMNS:
        spanish[column] = spanish[column].str.replace(".", ",", regex=False)
    path = _write(spanish, tmp_path / "es.csv", sep=";")
    read = ingest.read_export(path)
    assert (read.format.delimiter, read.format.decimal) == (";", ",")
    pd.testing.assert_frame_equal(cleaning.clean(read.frame).cleaned, reference_cleaned)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_utf8_utf8_bom_and_utf16_read_the_same(
    raw_text: pd.DataFrame, reference_cleaned: pd.DataFrame, tmp_path: Path, encoding: str
) -> None:
    path = _write(raw_text.head(960), tmp_path / f"{encoding}.csv", encoding=encoding)
    read = ingest.read_export(path)
    assert list(read.frame.columns) == list(schema.RAW_COLUMNS)
    cleaned = cleaning.clean(read.frame).cleaned
    pd.testing.assert_frame_equal(cleaned, reference_cleaned.head(960))


def _month_first(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    stamps = pd.to_datetime(out[schema.RAW_DATE], format=schema.RAW_DATE_FORMAT)
    out[schema.RAW_DATE] = stamps.dt.strftime("%-m/%-d/%Y %H:%M")
    return out


def test_a_month_first_file_is_read_month_first(
    raw_text: pd.DataFrame, reference_cleaned: pd.DataFrame, tmp_path: Path
) -> None:
    path = _write(_month_first(raw_text), tmp_path / "us.csv")
    result = cleaning.clean(ingest.read_raw(path))
    assert result.report["date_layout"] == cleaning.MONTH_FIRST
    wrong = (result.cleaned[schema.TIMESTAMP] != reference_cleaned[schema.TIMESTAMP]).sum()
    assert wrong == 0  # before: 12,670 rows under the wrong day, exit code 0
    pd.testing.assert_frame_equal(result.cleaned, reference_cleaned)


def test_month_first_days_1_to_12_are_decided_by_the_sequence(
    raw_text: pd.DataFrame, reference_cleaned: pd.DataFrame, tmp_path: Path
) -> None:
    first_days = raw_text.head(10 * 96)  # 1-10 January: every day number is a possible month
    path = _write(_month_first(first_days), tmp_path / "us_short.csv")
    result = cleaning.clean(ingest.read_raw(path))
    assert result.report["date_layout"] == cleaning.MONTH_FIRST
    pd.testing.assert_frame_equal(result.cleaned, reference_cleaned.head(10 * 96))


def test_an_undecidable_date_order_is_refused_with_how_to_state_it(raw_text: pd.DataFrame) -> None:
    one = raw_text.iloc[[300]].copy()
    one[schema.RAW_DATE] = "03/04/2018 03:15"  # 3 April or 4 March, and no neighbour to tell
    with pytest.raises(cleaning.AmbiguousDateOrder, match="--date-format"):
        cleaning.clean(one)
    stated = cleaning.clean(one, cleaning.CleaningConfig(date_format="%m/%d/%Y %H:%M")).cleaned
    assert stated[schema.TIMESTAMP].iloc[0] == pd.Timestamp("2018-03-04 03:15")


def test_conflicting_date_orders_are_refused(raw_text: pd.DataFrame) -> None:
    mixed = raw_text.head(200).copy()
    mixed.loc[:99, schema.RAW_DATE] = "13/01/2018 10:00"
    mixed.loc[100:, schema.RAW_DATE] = "01/13/2018 10:00"
    with pytest.raises(cleaning.AmbiguousDateOrder, match=r"both day-first .* and month-first"):
        cleaning.clean(mixed)


def test_a_truncated_last_line_is_quarantined_not_repaired(
    reference_csv: Path, reference_cleaned: pd.DataFrame, tmp_path: Path
) -> None:
    lines = reference_csv.read_text(encoding="utf-8-sig").splitlines()[: 1 + 500]
    cut = lines[-1][: lines[-1].index(",") + 4]  # "dd/mm/yyyy HH:MM,3.1": the usage cell cut short
    path = tmp_path / "cut.csv"
    path.write_text("\n".join([*lines[:-1], cut]), encoding="utf-8")  # no line end after the cut
    read = ingest.read_export(path)
    assert read.format.truncated_last_line
    result = cleaning.clean(read.frame)
    assert result.report["quarantined_by_reason"] == {cleaning.REASON_TRUNCATED: 1}
    assert result.quarantine["source_row"].tolist() == [499]
    assert "truncated last line" in result.quarantine["detail"].iloc[0]
    assert result.repairs.empty  # before: a correct cell of it was "repaired"
    pd.testing.assert_frame_equal(result.cleaned, reference_cleaned.head(499))


def test_a_last_line_without_line_end_but_complete_is_kept(reference_csv: Path, tmp_path: Path) -> None:
    lines = reference_csv.read_text(encoding="utf-8-sig").splitlines()[:101]
    path = tmp_path / "no_eol.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    read = ingest.read_export(path)
    assert not read.format.truncated_last_line and len(read.frame) == 100


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n  \n", "is empty"),
        (",".join(schema.RAW_COLUMNS).encode() + b"\n", "has a header but no data rows"),
        (bytes(range(256)) * 40, "is not a text CSV"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "is not a text CSV"),
        (b"date,Usage_kWh\n01/01/2018 00:15,3.17\n", "lacks the columns"),
        (b"only one column here\n1\n2\n", "has one column"),
        (
            ",".join(schema.RAW_COLUMNS).encode() + b"\n" + "01/01/2018 00:15,caf\xe9".encode("latin-1"),
            "is not UTF-8",
        ),
    ],
)
def test_broken_files_get_one_clear_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(ingest.RawDataError, match=message) as caught:
        ingest.read_export(path)
    assert "\n" not in str(caught.value) and "export.csv" in str(caught.value)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "energy_assets.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        ((",".join(schema.RAW_COLUMNS) + "\n").encode("utf-16"), "has a header but no data rows"),
        (b"\x00\x01\x02garbage" * 100, "is not a text CSV"),
        (",".join(schema.RAW_COLUMNS).encode() + b"\n", "has a header but no data rows"),
    ],
)
def test_cli_errors_are_one_line_and_exit_non_zero(tmp_path: Path, content: bytes, message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    args = [
        "clean",
        str(bad),
        "--out",
        str(tmp_path / "o.parquet"),
        "--quarantine",
        str(tmp_path / "q.parquet"),
    ]
    done = _cli(*args, "--report", str(tmp_path / "r.json"))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and message in done.stderr, (
        done.stderr
    )
    assert not (tmp_path / "o.parquet").exists()  # nothing half-written
    debug = _cli("--debug", *args, "--report", str(tmp_path / "r.json"))
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_cli_reads_a_spanish_export_and_states_a_date_format(raw_text: pd.DataFrame, tmp_path: Path) -> None:
    spanish = _month_first(raw_text.iloc[[100]]).copy()  # "1/2/2018 01:15": 2 January or 1 February
    for column in ingest.NUMERIC_RAW_COLUMNS:
        spanish[column] = spanish[column].str.replace(".", ",", regex=False)
    spanish.to_csv(tmp_path / "one.csv", index=False, sep=";")  # one row: the order is undecidable
    out = ["--out", str(tmp_path / "o.parquet"), "--quarantine", str(tmp_path / "q.parquet")]
    report = ["--report", str(tmp_path / "r.json")]
    refused = _cli("clean", str(tmp_path / "one.csv"), *out, *report)
    assert refused.returncode == 1 and "--date-format" in refused.stderr and refused.stderr.count("\n") == 1
    stated = _cli("clean", str(tmp_path / "one.csv"), *out, *report, "--date-format", "%m/%d/%Y %H:%M")
    assert stated.returncode == 0, stated.stderr
    assert "delimiter ';', decimal ','" in stated.stdout


def test_energy_run_without_data_or_network_says_where_to_put_the_csv(tmp_path: Path) -> None:
    """Before: a 60-line network traceback."""
    env = {
        "ENERGY_DATA_DIR": str(tmp_path / "data"),
        "ENERGY_RAW_CSV": "",
        "HTTPS_PROXY": "http://127.0.0.1:9",  # nothing listens there: the download fails at once
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    done = _cli("run", env=env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "put the UCI CSV" in lines[0] and str(tmp_path / "data" / "raw" / ingest.UCI_FILENAME) in lines[0]
