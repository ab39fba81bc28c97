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

_LISTENING = re.compile(r"listening on (http://\S+)")


@contextmanager
def local_api(log: Path, startup_timeout: float = 90) -> Iterator[str]:
    """`python -m devtools.local_api` on a free port, its console in `log`; yields its base URL.

    It runs in a session of its own, so stopping it stops its workers too.
    """
    with log.open("wb") as console:
        server = subprocess.Popen(
            [sys.executable, "-m", "devtools.local_api", "--port", "0"],
            cwd=ROOT,
            stdout=console,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not (match := _LISTENING.search(log.read_text(errors="replace"))):
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the local API did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield match.group(1)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
