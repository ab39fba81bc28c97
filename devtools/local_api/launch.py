"""The local API as a child process, for tools that drive it over HTTP (fuzzing, the bench)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devtools.template import ROOT

# The first line `python -m devtools.local_api` prints once it serves (see __main__).
LISTENING = re.compile(r"listening on (http://\S+)")


def command(*arguments: str) -> list[str]:
    """The local API on a free port, for a child process (it prints its URL: LISTENING)."""
    return [sys.executable, "-m", "devtools.local_api", "--port", "0", *arguments]


def environment() -> dict[str, str]:
    """This process's environment without DYNAMODB_ENDPOINT_URL, so the child uses its
    embedded store even when the developer's shell points at another DynamoDB."""
    return {key: value for key, value in os.environ.items() if key != "DYNAMODB_ENDPOINT_URL"}


@contextmanager
def local_api(log: Path, startup_timeout: float = 90) -> Iterator[str]:
    """The local API (embedded store) on a free port, its console in `log`; yields its base URL.

    It runs in a session of its own, so stopping it stops its workers too.
    """
    with log.open("wb") as console:
        server = subprocess.Popen(
            command(), cwd=ROOT, env=environment(), stdout=console, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not (match := LISTENING.search(log.read_text(errors="replace"))):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the local API did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield match.group(1)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
