"""HTTP tier: the local API started as a user starts it, driven over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import pytest

from devtools.local_api import launch
from devtools.template import ROOT

FIXTURE_APP = Path(__file__).with_name("fixture_app")


class HttpApi(Protocol):
    """Anything the contract tests can send requests to (the local API, a signed client)."""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult: ...


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    @property
    def body(self) -> Any:
        return json.loads(self.raw)


class LocalApi:
    """`python -m devtools.local_api` in its own session (so a test can Ctrl-C the group)."""

    def __init__(self, *arguments: str, startup_timeout: float = 90, sigint_ignored: bool = False) -> None:
        command = launch.command(*arguments)
        if sigint_ignored:
            # As a shell starts a background job: SIGINT ignored, and exec keeps it so.
            command = ["bash", "-c", 'trap "" INT; exec "$0" "$@"', *command]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env=launch.environment(),
        )
        self._lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        match = self.wait_for(launch.LISTENING, startup_timeout)
        if match is None:
            self.stop()
            pytest.fail(f"the local API did not start:\n{self.output}")
        self.base_url = match.group(1)
        self.host, self.port = urlsplit(self.base_url).hostname or "", urlsplit(self.base_url).port or 0

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = 10) -> re.Match[str] | None:
        compiled = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines:
                    if found := compiled.search(line):
                        return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    return None
                self._changed.wait(min(remaining, 0.2))

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResult:
        payload = json.dumps(body).encode() if isinstance(body, dict) else body
        all_headers = dict(headers or {})
        if isinstance(body, dict):
            all_headers.setdefault("Content-Type", "application/json")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            return HttpResult(response.status, response.headers, response.read())
        finally:
            connection.close()

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="session")
def dynamodb_local_api(dynamodb_local: str) -> Iterator[LocalApi]:
    api = LocalApi("--dynamodb-endpoint", dynamodb_local)
    yield api
    api.stop()


@pytest.fixture(
    params=[
        pytest.param("embedded_local_api", id="embedded"),
        pytest.param("dynamodb_local_api", id="dynamodb_local", marks=pytest.mark.dynamodb_local),
    ]
)
def api(request: pytest.FixtureRequest) -> HttpApi:
    """The project's API served by `make run`'s server, on each DynamoDB engine."""
    local: LocalApi = request.getfixturevalue(request.param)
    return local
