"""/forecast over a real server with a champion bundle that ships the nowcast: the first hours of an
operating-day origin come from the nowcast (the card's rule), each point says which model produced
it, the deciles stay monotone across the seam, and the request may pick quantile levels (422 naming
``quantiles`` for a level off the served deciles)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pydantic_core
import pytest

from energy_api.precision import round_figures
from energy_api.registry import FORECAST, ModelRegistry
from energy_api.routers.deps import stamp
from energy_api.services.forecast import observed_around, run_sourced_forecast
from energy_api.settings import Settings
from energy_assets.domain.data import schema
from energy_assets.domain.features.history import prepared
from energy_assets.domain.models.forecast import LightGBMQuantileForecaster, NowcastForecaster
from energy_assets.domain.models.forecast.base import MEAN, TARGET_HORIZON, quantile_column
from energy_assets.domain.models.forecast.nowcast import INTRADAY_CARD_KEY, NOWCAST_DIR
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EVALUATED, ForecastResult
from tests.api.conftest import API_KEY, start_server

WEEK = 7 * schema.INTERVALS_PER_DAY
SMALL = {
    "n_estimators": 20,
    "learning_rate": 0.1,
    "num_leaves": 7,
    "min_child_samples": 20,
    "calibration_step": 16,
    "n_jobs": 1,
}
RULE = {
    "model_dir": NOWCAST_DIR,
    "model": "nowcast",
    "day_ahead": "lightgbm_quantile",
    "bands": ["15 min", "1 h", "4 h"],
    "horizons": 16,
    "chosen_on": "validation",
    "scores": [],
}
BUSY = "2018-02-07T10:00:00"  # Wednesday, Medium load: an origin during the operating day
QUIET = "2018-02-07T03:00:00"  # Light load


@pytest.fixture(scope="module")
def champion_dir(clean_reference: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = clean_reference.iloc[: 6 * WEEK].reset_index(drop=True)
    train, calib = frame.iloc[: 4 * WEEK], frame.iloc[4 * WEEK : 5 * WEEK]
    day = LightGBMQuantileForecaster(**SMALL, origin_step=8, horizons_per_origin=16).fit(train, calib)
    now = NowcastForecaster(**SMALL, origin_step=4).fit(train, calib)
    result = ForecastResult(
        family=day.name, status=EVALUATED, model=day, metrics={VALIDATION: {"rmse": 15.0}, TEST: None}
    )
    root = tmp_path_factory.mktemp("intraday-champion")
    champion.write_bundle(
        result,
        root,
        data_version="sha256:test",
        code_version="test",
        attachments={champion.HISTORY_FILE: frame.iloc[WEEK:]},
        companions={NOWCAST_DIR: now},
        sections={INTRADAY_CARD_KEY: RULE},
    )
    return root


@pytest.fixture(scope="module")
def server(champion_dir: Path) -> Iterator[str]:
    root = champion_dir
    live = start_server(
        Settings(champion_dir=root, api_key=API_KEY, prediction_log=None, reload_interval_s=0)
    )
    yield live.url
    live.stop()


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def _deciles(point: dict) -> list[float]:
    return [point["quantiles"][f"q{k}0"] for k in range(1, 10)]


def test_an_operating_origin_gets_the_nowcast_for_the_card_horizons(client: httpx.Client) -> None:
    body = client.post("/forecast", json={"origin": BUSY, "horizon": 96}).json()
    models = [p["model"] for p in body["points"]]
    assert models == ["nowcast"] * 16 + ["lightgbm_quantile"] * 80
    assert [(s["model"], s["first_horizon"], s["last_horizon"]) for s in body["sources"]] == [
        ("nowcast", 1, 16),
        ("lightgbm_quantile", 17, 96),
    ]
    assert body["sources"][1]["first_timestamp"] == body["points"][16]["timestamp"]
    for point in body["points"]:  # monotone on every interval, the seam included
        assert np.all(np.diff(_deciles(point)) >= 0), point
    quiet = client.post("/forecast", json={"origin": QUIET, "horizon": 8}).json()
    assert {p["model"] for p in quiet["points"]} == {"lightgbm_quantile"}
    assert len(quiet["sources"]) == 1
    info = client.get("/model/info").json()["forecast"]
    assert info["intraday"]["horizons"] == 16 and info["intraday"]["bands"] == RULE["bands"]


def test_the_request_picks_quantile_levels_on_the_served_grid(client: httpx.Client) -> None:
    full = client.post("/forecast", json={"origin": BUSY, "horizon": 20}).json()
    assert list(full["points"][0]["quantiles"]) == [f"q{k}0" for k in range(1, 10)]
    some = client.post("/forecast", json={"origin": BUSY, "horizon": 20, "quantiles": [0.9, 0.1, 0.5]}).json()
    for a, b in zip(some["points"], full["points"], strict=True):
        assert list(a["quantiles"]) == ["q10", "q50", "q90"]
        assert a["quantiles"] == {k: b["quantiles"][k] for k in ("q10", "q50", "q90")}
        assert a["model"] == b["model"] and a["mean"] == b["mean"]
    for bad, rule in (([0.25], "not a served level"), ([0.1, 0.1], "repeat"), ([], "at least 1")):
        response = client.post("/forecast", json={"origin": BUSY, "quantiles": bad})
        assert response.status_code == 422, response.text
        detail = response.json()["detail"][0]
        assert "quantiles" in [str(part) for part in detail["loc"]], detail
        assert rule in detail["msg"], detail


def _general_answer(
    loaded: Any,
    origin: str | None,
    horizon: int,
    levels: list[float] | None,
    plan: list[dict[str, str]] | None = None,
) -> bytes:
    """The /forecast answer built row by row and rounded by walking it (round_figures), as the handler
    did before it rounded column by column, from the served history shuffled (so neither prepared at
    load nor sorted: the general paths, masks and sorts): the fast paths must give the same bytes."""
    assert prepared(loaded.history) is not None  # what the server searches
    history = loaded.history.sample(frac=1.0, random_state=11)
    planned = None
    if plan is not None:
        planned = pd.DataFrame(plan)
        planned[schema.TIMESTAMP] = pd.to_datetime(planned[schema.TIMESTAMP])
        planned = planned.drop_duplicates(schema.TIMESTAMP, keep="last")
    result, origin_ts, sources = run_sourced_forecast(loaded, history, origin, horizon, planned)
    levels = list(loaded.bundle.model.quantiles) if levels is None else sorted(levels)
    names = [quantile_column(q) for q in levels]
    stamps = result[schema.TIMESTAMP].tolist()
    labels = [name for name, first, last in sources for _ in range(first, last + 1)]
    points = [
        {
            "timestamp": ts,
            "horizon": int(h),
            "mean": float(result[MEAN].iloc[i]),
            "quantiles": {n: float(result[n].iloc[i]) for n in names},
            "model": labels[i],
        }
        for i, (ts, h) in enumerate(zip(stamps, result[TARGET_HORIZON], strict=True))
    ]
    blocks = [
        {
            "model": name,
            "first_horizon": first,
            "last_horizon": last,
            "first_timestamp": stamps[first - 1],
            "last_timestamp": stamps[last - 1],
        }
        for name, first, last in sources
    ]
    out = {
        "origin": origin_ts.to_pydatetime(),
        "horizon": horizon,
        "history_source": "bundle",
        "total_kwh": float(result[MEAN].sum()),
        "points": points,
        "sources": blocks,
        **observed_around(history, origin_ts, result[schema.TIMESTAMP]),
        "model": stamp(loaded),
    }
    return pydantic_core.to_json(round_figures(out))


def test_the_answer_rounded_by_column_is_the_walked_answer_byte_for_byte(
    client: httpx.Client, champion_dir: Path
) -> None:
    registry = ModelRegistry(champion_dir, forecast_threads=1)
    registry.refresh()
    loaded = registry.get(FORECAST)
    stamps = loaded.history[schema.TIMESTAMP]
    first_allowed = (stamps.iloc[WEEK - 1]).isoformat()  # exactly a week of readings up to it
    end = stamps.iloc[-1]
    cases = [
        (BUSY, 96, None),
        (QUIET, 96, None),
        (BUSY, 1, None),
        (BUSY, 20, [0.9, 0.1, 0.5]),
        ("2018-02-07T08:45:00", 17, [0.5]),  # the seam at the operating day's first interval
        (first_allowed, 96, None),
        ((end - pd.Timedelta(hours=3)).isoformat(), 96, None),  # a few actuals, the rest future
        (None, 40, None),  # the end of the history: no actuals
        ("2018-02-03T23:00:00", 200, None),  # beyond a day (recursive), a Saturday night
        (None, 7 * 96, [0.1, 0.9]),  # a week past the end: over Seollal (15-17 Feb) by the derived plan
        *(((stamps.iloc[k]).isoformat(), 96, None) for k in range(WEEK + 5, len(stamps), 101)),
    ]
    plan = [
        {
            "timestamp": (stamps.iloc[-300] + k * schema.INTERVAL).isoformat(),
            "load_type": schema.LOAD_TYPES[k % 3],
        }
        for k in (1, 2, 3, 40, 41, 200)
    ]
    for origin, horizon, levels, sent in [
        *((o, h, q, None) for o, h, q in cases),
        ((stamps.iloc[-300]).isoformat(), 96, None, plan),  # a sent plan, partly: derived elsewhere
    ]:
        payload: dict[str, Any] = {"horizon": horizon}
        if origin is not None:
            payload["origin"] = origin
        if levels is not None:
            payload["quantiles"] = levels
        if sent is not None:
            payload["planned_load_type"] = sent
        response = client.post("/forecast", json=payload)
        assert response.status_code == 200, response.text
        assert response.content == _general_answer(loaded, origin, horizon, levels, sent), payload


def test_a_request_history_answers_as_the_served_one(client: httpx.Client, champion_dir: Path) -> None:
    """The served history (prepared at load) and the same readings sent in the request (the general
    path: parsed, sorted, never prepared; here shuffled and in the plant's zone) give the same answer
    but for ``history_source``: at the nowcast seam and at an operating origin, with actuals."""
    history = pd.read_parquet(next(champion_dir.rglob(champion.HISTORY_FILE)))
    sent = history.sample(frac=1.0, random_state=4)
    rows = [
        {"timestamp": t.isoformat(), "usage_kwh": float(u), "load_type": lt}
        for t, u, lt in zip(
            sent[schema.TIMESTAMP], sent[schema.USAGE_KWH], sent[schema.LOAD_TYPE], strict=True
        )
    ]
    for origin in (BUSY, "2018-02-07T08:45:00"):
        served = client.post("/forecast", json={"origin": origin, "horizon": 96}).json()
        asked = client.post("/forecast", json={"origin": origin, "horizon": 96, "history": rows}).json()
        assert (served["history_source"], asked["history_source"]) == ("bundle", "request")
        assert len(served["actuals"]) == 96
        assert served["sources"][0]["model"] == ("nowcast" if origin == BUSY else "lightgbm_quantile")
        for key in ("origin", "points", "sources", "recent", "actuals", "total_kwh"):
            assert asked[key] == served[key], key
