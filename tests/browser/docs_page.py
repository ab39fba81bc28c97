"""The local API's /docs page (Swagger UI) as a user works it: what it shows, and "Try it out"."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.wait import WebDriverWait

# Loading the page and answering a request: seconds on a busy 2-core machine, never this long.
TIMEOUT = 30


@dataclass(frozen=True)
class Operation:
    method: str  # upper case, as the page shows it
    path: str
    summary: str


@dataclass(frozen=True)
class LiveResponse:
    """What "Execute" shows under "Server response"."""

    request_url: str
    status: int | None  # None: no answer (the page says "Failed to fetch")
    body: Any  # the JSON body, None without one
    details: str  # all the page shows of the answer


def _shown(scope: WebDriver | WebElement, css: str) -> WebElement:
    """The first element matching `css` in `scope` once it is displayed."""
    WebDriverWait(scope, TIMEOUT).until(
        lambda _: any(element.is_displayed() for element in scope.find_elements(By.CSS_SELECTOR, css))
    )
    return next(element for element in scope.find_elements(By.CSS_SELECTOR, css) if element.is_displayed())


def _type_over(field: WebElement, text: str) -> None:
    """Replace what `field` holds as a user does (clear() alone leaves Swagger UI's React state as it was)."""
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    if text:
        field.send_keys(text)


class DocsPage:
    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self._driver = driver
        driver.get(f"{base_url}/docs")
        try:
            _shown(driver, ".opblock")
        except TimeoutException:
            shown = driver.find_element(By.TAG_NAME, "body").text
            raise AssertionError(f"/docs rendered no operation in {TIMEOUT} s; the page says:\n{shown}") from None

    def operations(self) -> set[Operation]:
        return {
            Operation(
                block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
                block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path") or "",
                block.find_element(By.CSS_SELECTOR, ".opblock-summary-description").text,
            )
            for block in self._driver.find_elements(By.CSS_SELECTOR, ".opblock")
        }

    def try_it_out(self, method: str, path: str, query: dict[str, str]) -> LiveResponse:
        """Open the operation, "Try it out", fill the query parameters, "Execute"."""
        block = self._operation(method, path)
        block.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
        _shown(block, ".try-out__btn").click()
        # "Try it out" fills every parameter with its example: clear those not asked for.
        _shown(block, 'tr[data-param-in="query"] input')
        for field in block.find_elements(By.CSS_SELECTOR, 'tr[data-param-in="query"]'):
            _type_over(
                field.find_element(By.CSS_SELECTOR, "input"),
                query.get(field.get_attribute("data-param-name") or "", ""),
            )
        _shown(block, ".execute").click()
        answer = _shown(block, ".live-responses-table .response")
        status = answer.find_element(By.CSS_SELECTOR, ".response-col_status").text.split()
        bodies = answer.find_elements(By.CSS_SELECTOR, ".response-col_description .highlight-code code")
        return LiveResponse(
            request_url=_shown(block, ".request-url pre").text,
            status=int(status[0]) if status and status[0].isdigit() else None,
            body=json.loads(bodies[0].text) if bodies else None,
            details=answer.find_element(By.CSS_SELECTOR, ".response-col_description").text,
        )

    def _operation(self, method: str, path: str) -> WebElement:
        for block in self._driver.find_elements(By.CSS_SELECTOR, ".opblock"):
            summary_method = block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text
            summary_path = block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path")
            if (summary_method, summary_path) == (method, path):
                return block
        raise AssertionError(f"/docs shows no {method} {path}")
