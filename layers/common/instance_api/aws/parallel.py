"""Calls that wait on the network, run side by side: the change consumer's index writes and event calls.

One bounded pool of threads per container, made on first use (a request that needs none,
and every API function, never starts it) and kept for the container's life. botocore
clients are thread-safe (sessions are not: every client is made before it is shared), so
the pool's threads share the consumer's clients; each client's connection pool is as
large as this one (composition.CLIENT_CONFIG), so no call waits for a connection.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

# Calls in flight at once. A conditional PutItem waits ~5-10 ms on DynamoDB and costs ~1 ms of
# CPU in botocore, so 16 keep one vCPU busy without queueing on the table's partitions.
MAX_CALLS_IN_FLIGHT = 16


@functools.cache
def _pool() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=MAX_CALLS_IN_FLIGHT, thread_name_prefix="io")


def run_all[T](calls: Sequence[Callable[[], T]]) -> list[T | Exception]:
    """Every call's result, or the exception it raised, in the calls' order; one call runs
    in the caller's thread (no hand-over for the common single-host write)."""
    if len(calls) == 1:
        return [_outcome(calls[0])]
    return list(_pool().map(_outcome, calls))


def _outcome[T](call: Callable[[], T]) -> T | Exception:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - handed back to the caller, which decides per call
        return error
