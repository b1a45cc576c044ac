"""POST /forecast/day-ahead on the real server: the next plant day from the champion, with the plan it
used; the same domain function as the pipeline's stored forecast, nothing written."""

from __future__ import annotations

import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.live import history as live_history
from energy_assets.domain.models.forecast import plan as plans


def test_tomorrow_by_default_with_the_derived_plan(client, history) -> None:
    response = client.post("/forecast/day-ahead", json={})
    assert response.status_code == 200, response.text
    body = response.json()
    last = live_history.complete_days(history)[-1]
    assert body["day"] == (last + pd.Timedelta(days=1)).date().isoformat()
    intervals = body["intervals"]
    assert len(intervals) == 96 and {i["plan_source"] for i in intervals} == {"derived"}
    targets = pd.to_datetime([i["target_timestamp"] for i in intervals])
    assert targets[0] == pd.Timestamp(body["day"]) + pd.Timedelta(minutes=15)
    assert [i["planned_load_type"] for i in intervals] == plans.derived_plan(targets)[
        schema.LOAD_TYPE
    ].tolist()
    # the seasonal-naive champion: the same interval a week before
    usage = history.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    assert [i["mean"] for i in intervals] == usage.reindex(targets - pd.Timedelta(days=7)).tolist()
    assert body["model"]["family"] == "seasonal_naive" and body["data_version"].startswith("frame:")


def test_a_sent_plan_wins_and_an_unreachable_day_is_a_422(client, history) -> None:
    day = live_history.complete_days(history)[-1].date()
    sent = [{"timestamp": f"{day}T00:{m:02d}:00", "load_type": "Maximum_Load"} for m in (15, 30, 45)]
    response = client.post("/forecast/day-ahead", json={"day": str(day), "planned_load_type": sent})
    assert response.status_code == 200, response.text
    sources = [i["plan_source"] for i in response.json()["intervals"]]
    assert sources[:3] == ["plan_file"] * 3 and set(sources[3:]) == {"derived"}
    far = client.post("/forecast/day-ahead", json={"day": "2099-01-01"})
    assert far.status_code == 422 and far.json()["detail"][0]["field"] == "day"
