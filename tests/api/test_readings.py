"""POST /readings on the real server: a gateway's batch becomes one inbox file the pipeline's cleaner
reads back to the same rows; the same batch twice is one file; a bad row is a 422 naming row and field."""

from __future__ import annotations

import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.live import inbox, simulator

FIELDS = (schema.TIMESTAMP, *schema.MEASUREMENT_COLUMNS, schema.LOAD_TYPE)


def _day(clean_reference: pd.DataFrame) -> pd.DataFrame:
    moved = simulator.shift_weeks(clean_reference, simulator.weeks_to_year(clean_reference, 2025))
    return simulator.day_rows(moved, ["2025-03-05"]).iloc[:48].reset_index(drop=True)


def _payload(day: pd.DataFrame) -> dict:
    rows = day[list(FIELDS)].copy()
    rows[schema.TIMESTAMP] = rows[schema.TIMESTAMP].dt.strftime("%Y-%m-%dT%H:%M:%S")
    return {"rows": rows.to_dict("records")}


def test_a_batch_lands_in_the_inbox_once(client, live, clean_reference) -> None:
    day = _day(clean_reference)
    response = client.post("/readings", json=_payload(day))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["rows"] == 48 and body["duplicate"] is False
    assert body["first_timestamp"] == "2025-03-05T00:15:00"
    path = live.settings.inbox_dir / body["file"]
    assert path.is_file() and inbox.describe(path).sha256 == body["sha256"]
    read, result = inbox.clean_delivery(path)
    assert read.layout == inbox.CLEANED_PARQUET and result.report["rows_quarantined"] == 0
    pd.testing.assert_frame_equal(
        result.cleaned[list(day.columns)].reset_index(drop=True), day, check_dtype=False
    )
    again = client.post("/readings", json=_payload(day))
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert again.json()["file"] == body["file"]
    assert [p.name for p in live.settings.inbox_dir.iterdir() if p.name.startswith("api_")].count(
        body["file"]
    ) == 1


def test_bad_rows_are_refused_naming_row_and_field(client, clean_reference) -> None:
    payload = _payload(_day(clean_reference))
    payload["rows"][3]["usage_kwh"] = -1.0
    response = client.post("/readings", json=payload)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["detail"]] == ["rows.3.usage_kwh"]
    payload = _payload(_day(clean_reference))
    payload["rows"][5]["timestamp"] = payload["rows"][4]["timestamp"]
    response = client.post("/readings", json=payload)
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert detail["field"] == "rows.5.timestamp" and "rows.4" in detail["rule"]
