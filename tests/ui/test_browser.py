"""End to end in headless Chromium: every page renders without a Streamlit exception, a what-if and a
copilot question go through, and each page's screenshot lands in docs/screenshots/ for the README.

Debian's chromium is driven by Playwright's Python package (``executable_path``): browser downloads
are impossible here, so ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import LiveServer, free_port

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1200, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium chromium-driver"
)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs `pip install playwright` (no browser download)"
)


@pytest.fixture(scope="module")
def streamlit_url(ui_api: LiveServer, ui_data_dir: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "ENERGY_API_URL": ui_api.url,
        "ENERGY_DATA_DIR": str(ui_data_dir),
        "ENERGY_WAREHOUSE": str(ui_data_dir / "warehouse.duckdb"),
    }
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "energy_ui" / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start:\n{proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser_page(streamlit_url: str) -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        yield page
        browser.close()


def settle(page: object) -> None:
    """Wait until the script run is over (no running indicator), then fail on any exception box."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS
    )
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert "Page not found" not in page.inner_text("body")


def shoot(page: object, name: str) -> Path:
    """A viewport screenshot, quantized to a small palette PNG (commit-sized)."""
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def charts_drawn(page: object, n: int) -> None:
    """Plotly draws after the script run: wait for ``n`` charts with their SVG in place."""
    page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n}", timeout=WAIT_MS
    )
    page.wait_for_timeout(500)


def open_page(page: object, url: str, text: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text(text, exact=False).first.wait_for(timeout=WAIT_MS)
    settle(page)


def test_every_page_in_chromium(browser_page: object, streamlit_url: str) -> None:
    page = browser_page
    open_page(page, f"{streamlit_url}/", "Peak of the week")  # the default page lives at /
    charts_drawn(page, 3)
    shoot(page, "overview")

    open_page(page, f"{streamlit_url}/forecast", "Total (kWh)")
    charts_drawn(page, 1)
    shoot(page, "forecast")

    open_page(page, f"{streamlit_url}/what-if", "Run what-if")
    page.get_by_role("button", name="Run what-if").click()
    page.get_by_text("Assumptions").first.wait_for(timeout=WAIT_MS)
    settle(page)
    charts_drawn(page, 1)
    assert "Δ cost (KRW)" in page.inner_text("body")
    shoot(page, "what-if")

    open_page(page, f"{streamlit_url}/copilot", "Language / Idioma")
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill("How much will tomorrow cost?")
    box.press("Enter")
    page.locator('[data-testid="stChatMessage"]').first.wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= 2"
        " || document.body.innerText.includes('answered 404')",
        timeout=WAIT_MS,
    )
    settle(page)
    shoot(page, "copilot")

    open_page(page, f"{streamlit_url}/models-drift", "Latest verdict")
    assert "Leaderboard" in page.inner_text("body")
    shoot(page, "models-drift")

    sizes = {p.name: p.stat().st_size for p in SCREENSHOTS.glob("*.png")}
    assert set(sizes) >= {"overview.png", "forecast.png", "what-if.png", "copilot.png", "models-drift.png"}
    assert all(0 < size < 400_000 for size in sizes.values()), sizes
