"""A champion over the FULL 2018 reference (physics estimator + weekly seasonal naive), the serving
readings published by the same function as the ``serving_readings`` asset, and the copilot built on
the same Service the API uses; a live uvicorn server for the HTTP tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from energy_api.copilot.service import Copilot
from energy_api.main import create_app
from energy_api.registry import HISTORY_FILE
from energy_api.settings import Settings
from energy_assets.domain.serving.readings import publish_readings
from energy_assets.domain.training import champion
from tests.api.conftest import (
    LiveServer,
    estimate_result,
    forecast_result,
    reference_slice,
    start_server,
)

#: The default "today": the last day of the readings (2018-12-31, history ends 2019-01-01 00:00).
TODAY = dt.date(2018, 12, 31)


@pytest.fixture(scope="session")
def readings(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return clean_reference


@pytest.fixture(scope="session")
def copilot_champion(tmp_path_factory: pytest.TempPathFactory, clean_reference: pd.DataFrame) -> Path:
    root = tmp_path_factory.mktemp("copilot_champion")
    small = reference_slice(clean_reference)
    for result, attachments in (
        (estimate_result(small), None),
        (forecast_result(small), {HISTORY_FILE: clean_reference}),
    ):
        champion.write_bundle(
            result,
            root,
            data_version="sha256:test",
            code_version="test",
            attachments=attachments,
            created_at="2026-01-01T00:00:00+00:00",
        )
    publish_readings(clean_reference, root, data_version="sha256:test")
    return root


@pytest.fixture(scope="session")
def copilot_settings(copilot_champion: Path) -> Settings:
    return Settings(champion_dir=copilot_champion, prediction_log=None, reload_interval_s=0)


@pytest.fixture(scope="session")
def service(copilot_settings: Settings):  # the app's own Service
    state = create_app(copilot_settings).state.service
    report = state.registry.refresh()
    assert report == {"estimate": "loaded", "forecast": "loaded", "readings": "loaded"}, report
    return state


@pytest.fixture(scope="session")
def copilot(service) -> Copilot:
    return Copilot(service)


@pytest.fixture(scope="session")
def copilot_live(copilot_settings: Settings) -> Iterator[LiveServer]:
    server = start_server(copilot_settings)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def copilot_client(copilot_live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=copilot_live.url, timeout=60) as c:
        yield c


def chat_turns(copilot: Copilot, turns: list[str]) -> list[dict]:
    """Every turn of one conversation, in one session."""
    replies, session = [], None
    for message in turns:
        reply = copilot.chat(message, session)
        session = reply["session_id"]
        replies.append(reply)
    return replies
