"""API hardening: body size cap (413), CORS only for configured origins, admin behind the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from energy_api.limits import too_large_detail
from energy_api.main import create_app
from energy_api.settings import DEFAULT_MAX_BODY_BYTES, Settings

LIMIT = 2_000


def _client(tmp_path: Path, **overrides) -> TestClient:
    settings = Settings(
        champion_dir=tmp_path / "champion",
        prediction_log=None,
        reload_interval_s=0,
        max_body_bytes=LIMIT,
        **overrides,
    )
    return TestClient(create_app(settings))


def test_settings_read_the_hardening_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENERGY_MAX_BODY_BYTES", raising=False)
    monkeypatch.delenv("ENERGY_CORS_ORIGINS", raising=False)
    default = Settings.from_env()
    assert default.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 1_048_576
    assert default.cors_origins == ()
    monkeypatch.setenv("ENERGY_MAX_BODY_BYTES", "4096")
    monkeypatch.setenv("ENERGY_CORS_ORIGINS", " https://ui.example/ , http://localhost:8501,")
    configured = Settings.from_env()
    assert configured.max_body_bytes == 4096
    assert configured.cors_origins == ("https://ui.example", "http://localhost:8501")


def test_oversized_body_gets_413_with_a_clear_message(tmp_path: Path) -> None:
    client = _client(tmp_path, api_key="k")
    big = client.post("/admin/reload", content=b"x" * (LIMIT + 1), headers={"X-API-Key": "k"})
    assert big.status_code == 413
    [detail] = big.json()["detail"]
    assert detail["field"] == "body" and detail["rule"] == too_large_detail(LIMIT)
    assert "ENERGY_MAX_BODY_BYTES" in detail["rule"] and big.json()["request_id"]
    # At the limit the request reaches the route (a bad key: 403, not 413).
    ok = client.post("/admin/reload", content=b"x" * LIMIT, headers={"X-API-Key": "wrong"})
    assert ok.status_code == 403


def test_streamed_body_without_length_is_counted(tmp_path: Path) -> None:
    client = _client(tmp_path)

    def chunks():
        for _ in range(5):
            yield b"y" * 1_000

    response = client.post("/predict/batch", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_cors_is_off_by_default(tmp_path: Path) -> None:
    client = _client(tmp_path)
    response = client.get("/health", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_configured_origins(tmp_path: Path) -> None:
    client = _client(tmp_path, cors_origins=("https://ui.example",))
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-API-Key"}
    allowed = client.options("/admin/reload", headers={"Origin": "https://ui.example", **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://ui.example"
    refused = client.options("/admin/reload", headers={"Origin": "https://evil.example", **preflight})
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_admin_reload_is_behind_the_key(tmp_path: Path) -> None:
    off = _client(tmp_path)
    assert off.post("/admin/reload").status_code == 503  # no key configured: admin is off
    client = _client(tmp_path, api_key="s3cret")
    assert client.post("/admin/reload").status_code == 401
    assert client.post("/admin/reload", headers={"X-API-Key": "nope"}).status_code == 403
    granted = client.post("/admin/reload", headers={"X-API-Key": "s3cret"})
    assert granted.status_code == 200
