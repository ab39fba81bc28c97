"""Child processes and ports for the local tools."""

from __future__ import annotations

import socket
import sys

# Runs a command with PR_SET_PDEATHSIG set, so Linux stops it if we die without cleaning up.
_EXEC_WITH_PARENT_DEATH_SIGNAL = (
    "import ctypes, os, signal, sys\nctypes.CDLL(None).prctl(1, signal.SIGTERM)\nos.execvp(sys.argv[1], sys.argv[1:])\n"
)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def stopped_with_parent(command: list[str]) -> list[str]:
    """`command`, run so that it gets SIGTERM when this process dies."""
    return [sys.executable, "-c", _EXEC_WITH_PARENT_DEATH_SIGNAL, *command]
