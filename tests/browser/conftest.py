"""Browser tier: the local API's pages in a real Chromium (Debian's), driven through Selenium.

Needs `chromium` and `chromedriver` on PATH: `make browser` (which `make pytest` runs first)
installs Debian's chromium and chromium-driver when it runs as root with apt. Where either is
missing the tier is skipped with the reason; with REQUIRE_BROWSER=1, as CI sets it, it fails
instead. Selenium gets the driver's path, so Selenium Manager never runs (it would download
a browser). A failed test's report names a screenshot and the page's HTML, kept under
pytest's temporary directory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support import require

CHROMIUM_FLAGS = (
    "--headless",
    # Root (CI and these machines) cannot use Chromium's sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # Chromium calls home at start-up; on a closed network those calls stall it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1600",
)


def browser_unavailable() -> str | None:
    for program, package in (("chromium", "chromium"), ("chromedriver", "chromium-driver")):
        if shutil.which(program) is None:
            return f"{program} is not installed (Debian's {package}; `make browser` installs it as root with apt)"
    return None


@dataclass(frozen=True)
class Browser:
    driver: WebDriver
    artifacts: Path

    def keep_page(self) -> list[Path]:
        """A screenshot and the HTML of what the browser shows now, for a failure's report."""
        screenshot, html = self.artifacts / "page.png", self.artifacts / "page.html"
        self.driver.save_screenshot(str(screenshot))
        html.write_text(self.driver.page_source, encoding="utf-8")
        return [screenshot, html]


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    """Headless Chromium with a fresh profile (a used one would carry state between tests)."""
    require("The browser", browser_unavailable(), "REQUIRE_BROWSER")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        service = Service(executable_path=shutil.which("chromedriver"))
        driver = webdriver.Chrome(options=options, service=service)
        try:
            yield Browser(driver, tmp_path)
        finally:
            driver.quit()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed browser test, keep the page (the browser is still open: teardown comes next)."""
    report = yield
    browser = item.funcargs.get("browser") if isinstance(item, pytest.Function) else None
    if report.when == "call" and report.failed and isinstance(browser, Browser):
        report.sections.append(("the page when it failed", "\n".join(map(str, browser.keep_page()))))
    return report
