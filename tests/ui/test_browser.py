"""End to end in headless Chromium, as an operator: every page opens at its own URL (no "Page not found"),
without a Streamlit exception and without the developer toolbar (no Deploy button: the repository's
.streamlit/config.toml sets toolbarMode "viewer"); a what-if with its default inputs, a power-factor
what-if (headlines in kVArh and peak kVA), a past forecast origin and a copilot question go through;
every table on every page has its CSV download. With ENERGY_SCREENSHOTS=1 each page's screenshot
lands in docs/screenshots/operator-*.png for the README (tests/ui/browser.py).

Debian's chromium is driven by Playwright's Python package (``executable_path``): browser downloads
are impossible here, so ``playwright install`` is never needed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import LiveServer, free_port
from tests.ui.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    NO_CHROMIUM,
    ROOT,
    SCREENSHOTS,
    screenshots_wanted,
    shoot,
)

VIEWPORT = {"width": 1200, "height": 800}
WAIT_MS = 60_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs `pip install playwright` (no browser download)"
)


@pytest.fixture(scope="module")
def streamlit_url(ui_api: LiveServer, ui_data_dir: Path) -> Iterator[str]:
    # the API runs in this process: its GET /data/quality reads the same data dir as the app
    patch = pytest.MonkeyPatch()
    patch.setenv("ENERGY_DATA_DIR", str(ui_data_dir))
    patch.setenv("ENERGY_WAREHOUSE", str(ui_data_dir / "warehouse.duckdb"))
    try:
        yield from _streamlit(ui_api, ui_data_dir)
    finally:
        patch.undo()


def _streamlit(ui_api: LiveServer, ui_data_dir: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "ENERGY_API_URL": ui_api.url,
        "ENERGY_DATA_DIR": str(ui_data_dir),
        "ENERGY_WAREHOUSE": str(ui_data_dir / "warehouse.duckdb"),
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "energy_ui" / "app.py"),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]  # fmt: skip  (no --client.toolbarMode: the repository's .streamlit/config.toml must set it)
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
    body = page.inner_text("body")
    assert "Page not found" not in body
    assert page.locator('[data-testid="stAppDeployButton"]').count() == 0 and "Deploy" not in body


def every_table_downloads(page: object) -> int:
    """Each table on the page has its CSV download button; returns how many tables there are.

    Download buttons mount at once, a table's grid only once its lazily loaded component has
    drawn (inside an expander, after a busy 2-core CI machine gets to it): wait for the two
    counts to agree before comparing them, rather than racing the grid."""
    counts = (
        "[document.querySelectorAll('[data-testid=\"stDataFrame\"]').length,"
        " [...document.querySelectorAll('[data-testid=\"stDownloadButton\"]')]"
        ".filter(e => e.innerText.includes('.csv')).length]"
    )
    with contextlib.suppress(sync_api.TimeoutError):  # the assertion below reports both counts
        page.wait_for_function(f"() => {{ const c = {counts}; return c[0] === c[1]; }}", timeout=WAIT_MS)
    tables = page.locator('[data-testid="stDataFrame"]').count()
    buttons = page.locator('[data-testid="stDownloadButton"]').filter(has_text=".csv").count()
    assert buttons == tables, f"{tables} tables but {buttons} CSV downloads"
    return tables


def charts_drawn(page: object, n: int) -> None:
    """Plotly draws after the script run: wait for ``n`` charts with their SVG in place."""
    page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n}", timeout=WAIT_MS
    )
    page.wait_for_timeout(500)


def open_page(page: object, url: str, text: str, timeout_ms: int = WAIT_MS) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text(text, exact=False).first.wait_for(timeout=timeout_ms)
    settle(page)


def shoot_at(page: object, text: str, name: str) -> Path | None:
    """Scroll ``text`` to the top of the view, then :func:`shoot` (a page taller than the viewport)."""
    page.get_by_text(text, exact=False).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    return shoot(page, name)


def test_every_page_in_chromium(browser_page: object, streamlit_url: str) -> None:
    page = browser_page
    # the first Overview explains 7 peaks on a cold API (SHAP): minutes on a loaded 2-core machine
    open_page(
        page, f"{streamlit_url}/", "Peak of the span", timeout_ms=4 * WAIT_MS
    )  # the root opens the Overview ...
    page.wait_for_url("**/overview", timeout=WAIT_MS)  # ... at its own address
    open_page(page, f"{streamlit_url}/overview", "Peak of the span")  # and that address works
    charts_drawn(page, 4)
    body = page.inner_text("body")
    assert "against a typical" in body and "Download overview-per-day.csv" in body
    assert every_table_downloads(page) >= 3
    shoot(page, "operator-overview")
    shoot_at(page, "Peak of the span", "operator-overview-peak")
    shoot_at(page, "Hours above normal", "operator-overview-hours")

    open_page(page, f"{streamlit_url}/forecast", "Total (kWh)")
    charts_drawn(page, 1)
    assert "forecast (median, q50)" in page.inner_text("body")
    assert every_table_downloads(page) >= 2
    shoot(page, "operator-forecast")
    # Streamlit's date input is a segmented field (year, month, day spin buttons): type the day
    day = page.get_by_role("spinbutton", name="day, Origin day")
    day.click()
    page.keyboard.type("03")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Forecast").first.click()  # leave the widget: it commits on blur
    page.get_by_text("Forecast vs actual").first.wait_for(timeout=WAIT_MS)
    settle(page)
    charts_drawn(page, 1)
    assert "Mean absolute error (kWh)" in page.inner_text("body")
    assert every_table_downloads(page) >= 3
    shoot(page, "operator-forecast-past")
    shoot_at(page, "Next 24 h from", "operator-forecast-past-chart")

    open_page(page, f"{streamlit_url}/what-if", "Run what-if")
    page.get_by_role("button", name="Run what-if").click()  # the defaults, unchanged
    page.get_by_text("Assumptions").first.wait_for(timeout=WAIT_MS)
    settle(page)
    charts_drawn(page, 1)
    body = page.inner_text("body")
    assert "Δ cost (KRW)" in body and "refused" not in body
    assert every_table_downloads(page) >= 1
    shoot(page, "operator-what-if")
    page.get_by_text("Improve power factor").first.click()
    settle(page)
    page.get_by_role("button", name="Run what-if").click()
    page.get_by_text("Δ reactive (kVArh)").first.wait_for(timeout=WAIT_MS)
    settle(page)
    charts_drawn(page, 1)
    body = page.inner_text("body")
    # apparent POWER at the peak 15 minutes, before -> after, beside the kVArh (not only kVAh)
    assert "Δ peak apparent demand (kVA)" in body and "kVA →" in body
    assert every_table_downloads(page) >= 1
    shoot(page, "operator-what-if-power-factor")

    open_page(page, f"{streamlit_url}/data-quality", "Cleaning scorecard")
    body = page.inner_text("body")
    assert "Quarantine (" in body and "duplicate_row" in body and "Download cleaning-repairs.csv" in body
    assert every_table_downloads(page) >= 3
    shoot(page, "operator-data-quality")

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
    # a ranking answers with a table of its groups (under the tool call): it downloads too
    box.fill("Which 3 days of January 2018 used the most energy?")
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= 4"
        " || document.body.innerText.includes('answered 404')",
        timeout=WAIT_MS,
    )
    settle(page)
    if "answered 404" not in page.inner_text("body"):
        # open the tool calls, as an operator does to see the table behind an answer
        for summary in page.locator('[data-testid="stExpander"] summary').all():
            summary.click()
        settle(page)
        assert every_table_downloads(page) >= 1
    shoot(page, "operator-copilot")

    open_page(page, f"{streamlit_url}/models-drift", "Latest verdict")
    assert "Leaderboard" in page.inner_text("body")
    assert every_table_downloads(page) >= 2
    shoot(page, "operator-models-drift")

    if not screenshots_wanted():
        return
    names = {
        "operator-overview.png",
        "operator-overview-peak.png",
        "operator-overview-hours.png",
        "operator-forecast-past-chart.png",
        "operator-forecast.png",
        "operator-forecast-past.png",
        "operator-what-if.png",
        "operator-what-if-power-factor.png",
        "operator-data-quality.png",
        "operator-copilot.png",
        "operator-models-drift.png",
    }
    sizes = {p.name: p.stat().st_size for p in SCREENSHOTS.glob("operator-*.png")}
    assert set(sizes) >= names
    assert all(0 < size < 400_000 for size in sizes.values()), sizes


def test_the_api_docs_render_offline_in_chromium(browser_page: object, ui_api: LiveServer) -> None:
    """Swagger UI and ReDoc draw every operation with the browser cut off from everything but the API
    (any other host is aborted and counted): their scripts and styles come from installed packages, not
    a CDN. The one outside request allowed (aborted like the others) is ReDoc's own "Redocly" logo
    image, which its standalone bundle always links from cdn.redoc.ly."""
    page = browser_page
    outside: list[str] = []

    def only_the_api(route: object) -> None:
        url = route.request.url
        if url.startswith(ui_api.url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            if not (route.request.resource_type == "image" and url.startswith("https://cdn.redoc.ly/")):
                outside.append(f"{route.request.resource_type} {url}")
            route.abort()

    page.route("**/*", only_the_api)
    try:
        paths = set(httpx.get(f"{ui_api.url}/openapi.json", timeout=30).json()["paths"])
        page.goto(f"{ui_api.url}/docs", wait_until="domcontentloaded")
        page.wait_for_function(
            f"() => document.querySelectorAll('.swagger-ui .opblock').length >= {len(paths)}",
            timeout=WAIT_MS,
        )
        drawn = set(page.locator(".swagger-ui .opblock-summary-path").all_inner_texts())
        assert {p.replace("\u200b", "") for p in drawn} >= paths
        page.locator(".opblock-summary-path", has_text="/forecast").first.click()
        page.get_by_text("Example Value", exact=False).first.wait_for(timeout=WAIT_MS)
        shoot(page, "api-docs-swagger")
        page.goto(f"{ui_api.url}/redoc", wait_until="domcontentloaded")
        page.locator("[data-section-id]").nth(len(paths) - 1).wait_for(timeout=WAIT_MS)
        assert "energy-copilot API" in page.inner_text("body")
        shoot(page, "api-docs-redoc")
    finally:
        page.unroute("**/*")
    assert not outside, outside
