"""The one wall clock every process of a test run reads: standard library only, so the client's
tests can use it on every Python instancectl supports, where the layer is not installed."""

from __future__ import annotations

import time

# How far another process's clock may read from the tests' and still be the same clock: far
# less than any shift make test-future applies (a day at least), far more than a slow run takes.
SAME_CLOCK_S = 600


def assert_reads_the_tests_clock(seen: float, process: str) -> None:
    """`seen` (epoch seconds, read by `process` just now) is the wall clock this test reads: under
    make test-future, a process the shift did not reach reads the real date instead."""
    ahead = seen - time.time()
    assert abs(ahead) < SAME_CLOCK_S, f"{process} reads another wall clock than the tests ({ahead:+.0f} s)"
