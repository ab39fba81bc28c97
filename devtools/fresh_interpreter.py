"""Run a function's handler in a fresh interpreter that sees only what Lambda's would.

The one way the tests and the bench import a handler from scratch: `HandlerRun` starts
`python <flags> devtools/lambda_runtime.py probe` with the function's code, layers and
runtime packages as its whole `sys.path` and the function's environment, and reads its
report (timing, answers, peak RSS, which modules loaded).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNTIME = Path(__file__).with_name("lambda_runtime.py")
# -I: no PYTHONPATH or user site; -S: no site-packages; -B: nothing written (Lambda's code
# folders are read-only).
INTERPRETER_FLAGS = ("-I", "-S", "-B")


def run_python(
    arguments: Sequence[str], environment: dict[str, str], *, cwd: Path | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python <arguments>` in a fresh process; its output, or what it wrote to stderr when it failed."""
    result = subprocess.run(
        [sys.executable, *arguments],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"a fresh interpreter failed:\n{result.stderr[-3000:]}")
    return result


def last_report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON document a process printed last (its report)."""
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@dataclass(frozen=True)
class HandlerRun:
    paths: Sequence[str | Path]
    environment: dict[str, str]
    events: Sequence[dict[str, Any]] = ()
    handler: str = "app.lambda_handler"
    loaded: Sequence[str] = ()
    files: Sequence[str] = ()
    flags: Sequence[str] = INTERPRETER_FLAGS
    cwd: Path | None = None
    timeout_s: float = 120
    config: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        config = {
            "paths": [str(path) for path in self.paths],
            "handler": self.handler,
            "events": list(self.events),
            "loaded": list(self.loaded),
            "files": list(self.files),
        }
        object.__setattr__(self, "config", config)

    def run(self, *extra_flags: str) -> subprocess.CompletedProcess[str]:
        arguments = [*self.flags, *extra_flags, str(RUNTIME), "probe", json.dumps(self.config)]
        return run_python(arguments, self.environment, cwd=self.cwd, timeout_s=self.timeout_s)

    def report(self) -> dict[str, Any]:
        """Run it; its report (the last line it printed)."""
        return last_report(self.run())
