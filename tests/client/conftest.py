"""Client tier: `instancectl` and `InstanceClient` against the local API, fakes and proxies.

The CLI runs in-process through click's runner (fast, and its exit status is the real
one); the few tests that need a real terminal or the installed command run it as a
process.

The tier runs on every Python the client supports (`make client-pythons`, tests/client/pythons.py),
so it imports nothing that needs the layer or 3.11+, and it starts its own local API: on the
project's Python (`INSTANCE_API_PYTHON`) when the client under test runs on another.
"""

from __future__ import annotations

import inspect
import json
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from devtools.template import ROOT
from instancectl.cli import main
from instancectl.retry import RetryPolicy
from tests.client.fake_api import FakeApi
from tests.client.pythons import SERVER_PYTHON_VARIABLE
from tests.http.local_api import LocalApi
from tests.http.proxy import InterceptingServer

CLIENT_SOURCES = ROOT / "client" / "src"


def unique(prefix: str) -> str:
    """A DNS-label name no other test uses (the local API is shared by the session)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def start_local_api() -> LocalApi:
    """`make run`'s server on a free port, run by INSTANCE_API_PYTHON when set (else this Python)."""
    server_python = os.environ.get(SERVER_PYTHON_VARIABLE)
    if server_python is None:
        return LocalApi()
    # LocalApi starts `sys.executable -m devtools.local_api ...`: the shell swaps that first word for the server's.
    return LocalApi(prefix=("sh", "-c", 'shift; exec "$0" "$@"', server_python))


# click 8.1 mixes stderr into stdout unless told not to; 8.2 keeps them apart and has no such option.
_SEPARATE_STDERR: dict[str, Any] = (
    {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
)


@dataclass(frozen=True)
class Cli:
    """`instancectl ARGS` in-process, against `endpoint` unless the arguments say otherwise."""

    endpoint: str

    def __call__(
        self, *arguments: str, stdin: str | bytes | None = None, env: dict[str, str | None] | None = None
    ) -> Result:
        runner = CliRunner(env={"INSTANCE_API_URL": self.endpoint, **(env or {})}, **_SEPARATE_STDERR)
        return runner.invoke(main, list(arguments), input=stdin, catch_exceptions=False)

    def json(self, *arguments: str, stdin: str | None = None) -> Any:
        """Run, require exit 0 and nothing on stderr, and decode the JSON on stdout."""
        result = self(*arguments, stdin=stdin)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == ""
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def local_api() -> Iterator[LocalApi]:
    api = start_local_api()
    yield api
    api.stop()


@pytest.fixture
def cli(local_api: LocalApi) -> Cli:
    return Cli(local_api.base_url)


@pytest.fixture
def fake() -> FakeApi:
    """An empty fake v3 server's state (tests/client/fake_api.py): the host agent routes."""
    return FakeApi()


@pytest.fixture
def served(fake: FakeApi) -> Iterator[InterceptingServer]:
    """`fake`, served on a free port."""
    server = fake.serve()
    yield server
    server.close()


def write_documents(directory: Path, *documents: dict[str, Any], name: str = "instances.yaml") -> Path:
    """`documents` as one multi-document YAML file in `directory`."""
    path = directory / name
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class FakeClock:
    """A RetryPolicy's clock and sleep: waits are recorded and pass instantly."""

    now: float = 0.0

    def __post_init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def policy(self, jitter: Callable[[float], float] = lambda ceiling: ceiling, **bounds: Any) -> RetryPolicy:
        """A policy on this clock; by default the jitter takes the full ceiling (the longest wait)."""
        return RetryPolicy(sleep=self.sleep, clock=lambda: self.now, jitter=jitter, **bounds)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()
