"""`make test-future`: every test tier but the browser's, run with the wall clock `--days`
(400 by default) ahead in every process they start, DynamoDB Local's JVM included.

The clock is moved by Debian's datefudge: a preload library that shifts what the wall clock
reads (time(), gettimeofday(), clock_gettime(CLOCK_REALTIME)) by a fixed offset and nothing
else, so the monotonic clock, sleeps and timeouts run as usual, in Python as in Java (and
DynamoDB Local, the one engine here that removes items whose TTL has passed, runs shifted
too). Debian's libfaketime (0.9.10, package faketime) cannot run Python 3.11+ a year ahead:
with its monotonic clock shifted too, a timed wait on a lock or an event (sem_clockwait,
which it does not intercept) sleeps for the whole shift; with the monotonic clock left alone,
every time.sleep fails with EINVAL (wolfcw/libfaketime#426, fixed upstream in 0.9.11).

The two variables that carry the shift (LD_PRELOAD, DATEFUDGE) are inherited by every child
process; where a process's environment is built from scratch (a function's, as Lambda builds
it: devtools.lambda_environment) `shift_environment()` passes them on. The run announces the
shift to the tests (FUTURE_CLOCK_DAYS, and FUTURE_CLOCK_FROM, the real time it started at),
and tests/http/test_one_clock.py fails if a process did not get it. Everything is installed
before the clock moves (the venvs, DynamoDB Local, `make datefudge`): nothing that checks a
TLS certificate runs shifted, and the tests that do (pip, `sam build`) are marked `real_clock`.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

from devtools.template import ROOT

LIBRARY_PATTERN = "/usr/lib/*/datefudge/datefudge.so"
DAYS_VARIABLE = "FUTURE_CLOCK_DAYS"
FROM_VARIABLE = "FUTURE_CLOCK_FROM"
REQUIRED_BY = "REQUIRE_FUTURE_CLOCK"
_SHIFT_VARIABLES = ("LD_PRELOAD", "DATEFUDGE")
# Neither the browser nor what needs today's date runs shifted.
PYTEST_SELECTION = ("-m", "not real_clock", "--ignore=tests/browser")


def library() -> str | None:
    """Debian's datefudge.so (its folder is the machine's multiarch one), if installed."""
    found = sorted(glob.glob(LIBRARY_PATTERN))
    return found[0] if found else None


def shift_environment(environment: Mapping[str, str] = os.environ) -> dict[str, str]:
    """What moves this process's clock, for a child whose environment is built from scratch:
    nothing unless this process runs shifted."""
    if "DATEFUDGE" not in environment:
        return {}
    return {name: environment[name] for name in _SHIFT_VARIABLES if name in environment}


def shifted(days: int, preload: str, environment: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`environment` with the wall clock `days` ahead (datefudge counts seconds back)."""
    inherited = environment.get("LD_PRELOAD")
    return {
        **environment,
        "LD_PRELOAD": f"{preload}:{inherited}" if inherited else preload,
        "DATEFUDGE": str(-days * 86_400),
        DAYS_VARIABLE: str(days),
        FROM_VARIABLE: str(int(time.time())),
    }


def _seen_clock(environment: Mapping[str, str]) -> float:
    """The wall clock a fresh interpreter reads in `environment`."""
    seen = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"],
        env=dict(environment),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return float(seen)


def run(days: int, pytest_arguments: Sequence[str]) -> int:
    preload = library()
    if preload is None:
        problem = "datefudge is not installed (make datefudge: apt-get install datefudge, as root)"
        if os.environ.get(REQUIRED_BY) == "1":
            print(f"the shifted-clock run is required here ({REQUIRED_BY}=1) but {problem}", file=sys.stderr)
            return 1
        print(f"shifted-clock run skipped: {problem}", file=sys.stderr)
        return 0
    environment = shifted(days, preload)
    ahead = _seen_clock(environment) - time.time()
    if abs(ahead - days * 86_400) > 3_600:
        print(f"datefudge did not move the clock {days} days ({ahead:.0f} s): not run", file=sys.stderr)
        return 1
    print(f"the wall clock {days} days ahead, in every process the tests start", file=sys.stderr, flush=True)
    command = [sys.executable, "-m", "pytest", "--no-cov", "-p", "no:cacheprovider", *PYTEST_SELECTION]
    return subprocess.run([*command, *pytest_arguments], cwd=ROOT, env=environment, check=False).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--days", type=int, default=int(os.environ.get(DAYS_VARIABLE) or 400))
    parser.add_argument("pytest_arguments", nargs="*", help="passed to pytest (after --)")
    arguments = parser.parse_args()
    if arguments.days < 1:
        parser.error("--days must be at least 1")
    sys.exit(run(arguments.days, arguments.pytest_arguments))


if __name__ == "__main__":
    main()
