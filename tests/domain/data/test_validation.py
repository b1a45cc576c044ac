"""The pandera contract names the column and the rule of every failure."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from energy_assets.domain.data import schema, validation


def _failures(frame: pd.DataFrame) -> list[dict[str, str]]:
    with pytest.raises(pandera.errors.SchemaErrors) as info:
        validation.validate_cleaned(frame)
    return validation.failure_summary(info.value)


def test_reference_passes_the_contract(clean_reference):
    validation.validate_cleaned(clean_reference)


def test_power_factor_above_100_names_field_and_rule(clean_reference):
    frame = clean_reference.head(10).copy()
    frame.loc[3, schema.LAGGING_POWER_FACTOR] = 120.0
    failures = _failures(frame)
    assert {
        "column": "lagging_power_factor",
        "check": "lagging_power_factor must be between 0 and 100",
        "failure": "120.0",
    } in failures


def test_negative_energy_unknown_load_type_and_duplicate_timestamp_are_all_reported(clean_reference):
    frame = clean_reference.head(10).copy()
    frame.loc[1, schema.USAGE_KWH] = -1.0
    frame.loc[2, schema.LOAD_TYPE] = "Heavy_Load"
    frame.loc[5, schema.TIMESTAMP] = frame.loc[4, schema.TIMESTAMP]
    failures = _failures(frame)
    columns = {f["column"] for f in failures}
    assert {"usage_kwh", "load_type", "timestamp"} <= columns
    assert any(f["check"] == "usage_kwh must be between 0 and 200" for f in failures)


def test_off_grid_timestamp_is_rejected(clean_reference):
    frame = clean_reference.head(5).copy()
    frame.loc[4, schema.TIMESTAMP] = frame.loc[4, schema.TIMESTAMP] + pd.Timedelta(minutes=7)
    failures = _failures(frame)
    assert any(f["check"] == "timestamp must sit on the 15-minute grid" for f in failures)


def test_failure_summary_of_a_plain_error():
    assert validation.failure_summary(ValueError("boom")) == [{"column": "", "check": "", "failure": "boom"}]
