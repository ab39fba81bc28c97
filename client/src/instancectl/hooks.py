"""Running a host agent's hook: `sh -c HOOK`, the instance's JSON on its standard input.

The hook runs in a session of its own, so a Ctrl-C meant for the agent does not cut it
short (the agent lets it finish, then stops), and a hook that outlives its timeout is
stopped with everything it started: SIGTERM to its process group, SIGKILL 5 s later.
Its standard input is written while it runs, and left unread without harm: a hook that
never reads 60 KB of JSON neither blocks the agent nor itself (a closed pipe is ignored).
Its standard output goes to the agent's standard error (the journal, under systemd). Its
standard error goes to a temporary file, of which only the last line is kept: that line
is a failure's message (what a `set -e` script's failing command said last), made
printable (binary and control characters become U+FFFD) and cut to the report's 1,024
characters.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from instancectl.client import MAX_REPORT_MESSAGE
from instancectl.durations import spoken

SHELL = "/bin/sh"
STOP_GRACE = 5.0  # seconds between SIGTERM and SIGKILL to a hook past its timeout
_TAIL_BYTES = 64 * 1024  # how much of the end of its stderr is read for the last line
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class HookRun:
    succeeded: bool
    outcome: str  # "exit status 0", "exit status 3", "killed by signal 9", "timed out after 5m"...
    last_line: str  # the last line of its stderr, printable and at most MAX_REPORT_MESSAGE long ("" if none)

    @property
    def message(self) -> str:
        """What a failure is reported with: the last line of stderr, else how it ended."""
        return self.last_line or f"the hook failed ({self.outcome}) and wrote nothing on stderr"


def run_hook(command: str, stdin: bytes, environment: Mapping[str, str], timeout: float) -> HookRun:
    """Runs `command` with `sh -c`, feeding it `stdin`, for at most `timeout` seconds."""
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # noqa: S603 - running the operator's own command line is the point
                [SHELL, "-c", command],
                stdin=subprocess.PIPE,
                stdout=_agent_stderr(),
                stderr=errors,
                env=dict(environment),
                start_new_session=True,
            )
        except OSError as error:
            return HookRun(False, f"not started: {error.strerror or error}", "")
        try:
            # With a timeout, communicate() writes stdin as the pipe takes it, and stops at the timeout.
            process.communicate(stdin, timeout=timeout)
            outcome = _ended(process.returncode)
        except subprocess.TimeoutExpired:
            _stop(process)
            outcome = f"timed out after {spoken(timeout)}"
        return HookRun(process.returncode == 0, outcome, last_line(errors))


def _agent_stderr() -> int | IO[Any]:
    """The agent's own stderr, when it is a file; else nowhere (a test runner's stream)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError and a ValueError
        return subprocess.DEVNULL


def _ended(returncode: int) -> str:
    return f"exit status {returncode}" if returncode >= 0 else f"killed by signal {-returncode}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the hook's process group, then SIGKILL if it is still there after STOP_GRACE."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sent)
        except ProcessLookupError:  # already gone, and its group with it
            break
        try:
            process.wait(STOP_GRACE)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait()
    if process.stdin is not None:
        with contextlib.suppress(OSError):  # a write that the timeout cut short
            process.stdin.close()


def last_line(stream: IO[bytes]) -> str:
    """The last non-blank line of what `stream` holds, printable and cut to MAX_REPORT_MESSAGE."""
    stream.seek(0, os.SEEK_END)
    stream.seek(max(0, stream.tell() - _TAIL_BYTES))
    lines = [line for line in stream.read().decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return ""
    line = _UNPRINTABLE.sub("\ufffd", lines[-1].expandtabs(1)).strip()
    return line if len(line) <= MAX_REPORT_MESSAGE else line[: MAX_REPORT_MESSAGE - 1] + "…"
