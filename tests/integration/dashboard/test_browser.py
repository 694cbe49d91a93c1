"""The dashboard in a real browser: Debian's chromium, headless, driven by Playwright.

The page is loaded once; a canary then advances while it is open (a new image applied through
the CLI, through a 20% step and a three-measurement analysis to a pause),
a refused button shows the CLI's message, abort brings the weight back to 0 within a second,
and the history slider shows the rollout as it was at its first event. With
ROLLOUTS_DASHBOARD_SCREENSHOT=PATH the paused canary is saved there (the README's picture:
docs/dashboard.png).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Page

from tests.integration.dashboard.conftest import Dashboard, analysis_yaml

CHROMIUM = Path("/usr/bin/chromium")
ABORT_BUDGET_MS = 1000

pytestmark = [
    pytest.mark.integration,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed (apt-get install chromium)",
    ),
]
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is not installed (pip install -e .[dev])"
)
expect = playwright_api.expect


async def test_a_canary_advances_live_and_abort_returns_the_weight_to_zero(
    dashboard: Dashboard, metric_url: str
) -> None:
    system = dashboard.system
    await dashboard.deploy(text=analysis_yaml(metric_url, "nginx:1"))
    healthy = await system.cli("status", "demo", "--timeout", "30s")
    assert healthy.exit_code == 0, healthy.output
    async with playwright_api.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": 1000})
            await page.goto(dashboard.url + "/")
            await expect(page.locator("#live")).to_have_text("live")
            await expect(page.locator("#status")).to_have_text("✔ Healthy")
            await page.evaluate("window.loadedOnce = true")

            await dashboard.deploy(text=analysis_yaml(metric_url, "nginx:2"))
            await expect(page.locator("#status")).to_have_text("॥ Paused", timeout=20_000)
            await expect(page.locator("#step")).to_have_text("2/4")
            await expect(page.locator("#set-weight")).to_have_text("20")
            await expect(page.locator("#actual-weight")).to_have_text("20", timeout=10_000)
            row = page.locator('#rollouts tr[data-key="default/demo"]')
            await expect(row.locator("td.set-weight")).to_have_text("20")
            await expect(page.locator("#steps li.current")).to_have_text("pause")
            chart = page.locator('figure.chart[data-metric$="/error-rate"]')
            await expect(chart.locator("circle.measurement")).to_have_count(3)
            await expect(chart.locator("line.threshold.success")).to_have_count(1)
            assert await page.evaluate("window.loadedOnce") is True  # live, not reloaded
            await _screenshot(page)

            refused = await system.cli("retry", "demo")
            assert refused.exit_code == 1, refused.output
            await page.click('button[data-action="retry"]')
            await expect(page.locator("#answer")).to_have_text(refused.stderr.strip())
            await expect(page.locator("#answer")).to_have_class("answer refused")

            clicked = time.monotonic()
            await page.click('button[data-action="abort"]')
            await expect(page.locator("#actual-weight")).to_have_text("0", timeout=ABORT_BUDGET_MS)
            await expect(page.locator("#set-weight")).to_have_text("0", timeout=ABORT_BUDGET_MS)
            elapsed = time.monotonic() - clicked
            print(f"abort click to weight 0 on the page: {elapsed * 1000:.0f} ms")
            assert elapsed < ABORT_BUDGET_MS / 1000
            await expect(page.locator("#status")).to_have_text("✖ Degraded")
            await expect(page.locator("#answer")).to_have_text("rollout 'demo' aborted")

            await page.locator("#slider").fill("1")
            await expect(page.locator("#as-of")).to_contain_text("as of event #1 of")
            await expect(page.locator("#timeline li.at")).to_contain_text("#1 ")
            await page.click("#follow")
            await expect(page.locator("#as-of")).to_have_text("")
            await expect(page.locator("#status")).to_have_text("✖ Degraded")
        finally:
            await browser.close()


async def _screenshot(page: Page) -> None:
    target = os.environ.get("ROLLOUTS_DASHBOARD_SCREENSHOT")
    if target:
        await page.screenshot(path=target, full_page=True)
