"""What the browser tests share: Debian's chromium driven by Playwright, and screenshots on request.

Screenshots are written to docs/screenshots/ only when ``ENERGY_SCREENSHOTS=1`` (a test run must not
dirty the tree): ``ENERGY_SCREENSHOTS=1 pytest tests/ui/test_browser.py tests/defs/test_training.py``
refreshes the committed ones.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SCREENSHOTS_ENV = "ENERGY_SCREENSHOTS"
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
NO_CHROMIUM = "needs Debian's chromium: apt-get install -y chromium"


def screenshots_wanted() -> bool:
    return os.environ.get(SCREENSHOTS_ENV, "") not in ("", "0")


def shoot(page: object, name: str) -> Path | None:
    """A viewport screenshot, quantized to a small palette PNG (commit-sized), when asked for."""
    if not screenshots_wanted():
        return None
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path
