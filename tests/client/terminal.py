"""Run `instancectl` as a process, with standard output and/or error on a real terminal (a pty)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from dataclasses import dataclass

from tests.client.conftest import CLIENT_SOURCES


@dataclass(frozen=True)
class Finished:
    exit_code: int
    stdout: str
    stderr: str


def _drain(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # a pty's reader gets EIO once the other side is closed
            return
        if not chunk:
            return
        into.append(chunk)


def instancectl(
    *arguments: str,
    endpoint: str,
    stdout_terminal: bool = False,
    stderr_terminal: bool = False,
    timeout: float = 120,
    env: dict[str, str | None] | None = None,
) -> Finished:
    """`python -m instancectl ARGUMENTS` from this checkout's sources, as a shell would start it;
    `env` sets variables on top of this process's (None removes one)."""
    environment = {
        **os.environ,
        "INSTANCE_API_URL": endpoint,
        "PYTHONPATH": os.pathsep.join([str(CLIENT_SOURCES), os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "200",
    }
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    readers: list[int] = []
    writers: list[int] = []
    for wanted in (stdout_terminal, stderr_terminal):
        reader, writer = pty.openpty() if wanted else os.pipe()
        readers.append(reader)
        writers.append(writer)
    process = subprocess.Popen(
        [sys.executable, "-m", "instancectl", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=writers[0],
        stderr=writers[1],
        env=environment,
    )
    for writer in writers:
        os.close(writer)
    captured: list[list[bytes]] = [[], []]
    threads = [threading.Thread(target=_drain, args=(fd, out)) for fd, out in zip(readers, captured, strict=True)]
    for thread in threads:
        thread.start()
    exit_code = process.wait(timeout=timeout)
    for thread, reader in zip(threads, readers, strict=True):
        thread.join(timeout=10)
        os.close(reader)
    out, err = (b"".join(chunks).decode().replace("\r\n", "\n") for chunks in captured)
    return Finished(exit_code, out, err)
