"""The local API as a child process: the one launcher for the tests, fuzzing and the bench.

`LocalApiProcess` starts `python -m devtools.local_api` on a free port (the embedded store
unless arguments say otherwise) in a session of its own, so stopping it stops its workers
too; it collects the console, waits for the line that says where it listens, and stops it
with the signal a test asks for.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from devtools.template import ROOT

# The first line `python -m devtools.local_api` prints once it serves (see __main__).
LISTENING = re.compile(r"listening on (http://\S+)")


def command(*arguments: str) -> list[str]:
    """The local API on a free port (it prints its URL: LISTENING)."""
    return [sys.executable, "-m", "devtools.local_api", "--port", "0", *arguments]


def environment() -> dict[str, str]:
    """This process's environment without DYNAMODB_ENDPOINT_URL, so the child uses its
    embedded store even when the developer's shell points at another DynamoDB."""
    return {key: value for key, value in os.environ.items() if key != "DYNAMODB_ENDPOINT_URL"}


class LocalApiProcess:
    """`arguments` go to the local API; `prefix` runs it through another command (a shell
    that ignores SIGINT, say); its console is kept, and copied to `log` if given; `on_line`
    sees each console line as it is read (the bench times published events by it)."""

    def __init__(
        self,
        *arguments: str,
        startup_timeout: float = 90,
        prefix: tuple[str, ...] = (),
        log: Path | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> None:
        self.process = subprocess.Popen(
            [*prefix, *command(*arguments)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env=environment(),
        )
        self._lines: list[str] = []
        self._changed = threading.Condition()
        self._log = log.open("w", encoding="utf-8") if log is not None else None
        self._on_line = on_line
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        match = self.wait_for(LISTENING, startup_timeout)
        if match is None:
            self.stop()
            raise RuntimeError(f"the local API did not start:\n{self.output}")
        self.base_url = match.group(1)
        self.host, self.port = urlsplit(self.base_url).hostname or "", urlsplit(self.base_url).port or 0

    def _read(self) -> None:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        for line in stdout:
            if self._log is not None:
                self._log.write(line)
                self._log.flush()
            if self._on_line is not None:
                with contextlib.suppress(Exception):  # the console must be read on, whatever a watcher does
                    self._on_line(line)
            with self._changed:
                self._lines.append(line)
                self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self._lines)

    def wait_for(self, pattern: re.Pattern[str] | str, timeout: float = 10) -> re.Match[str] | None:
        """The first console line matching `pattern`, waiting up to `timeout` s for it."""
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

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(timeout=5)
        if self._log is not None:
            self._log.close()
        return self.process.returncode


@contextmanager
def local_api(
    log: Path | None = None, *arguments: str, on_line: Callable[[str], None] | None = None
) -> Iterator[LocalApiProcess]:
    """The local API for the length of a `with` block."""
    api = LocalApiProcess(*arguments, log=log, on_line=on_line)
    try:
        yield api
    finally:
        api.stop()
