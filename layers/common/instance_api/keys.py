"""A rotating secret key: its current value, and the values a token may still be signed with.

The pagination key lives in Secrets Manager; rotating it (a new AWSCURRENT, the old one
becoming AWSPREVIOUS) needs no deployment, because the function reads it at run time:
on first use, again once `max_age` has passed, and at once (at most every
`min_refresh` seconds) when a token carries a signature none of the known keys made,
which is what a container with an older copy sees right after a rotation.
"""

from __future__ import annotations

import time
from collections.abc import Callable

CURRENT = "AWSCURRENT"
PREVIOUS = "AWSPREVIOUS"


class RotatingKey:
    def __init__(
        self,
        fetch: Callable[[str], bytes | None],
        *,
        max_age: float,
        min_refresh: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`fetch(stage)` reads the secret's value at a version stage, None when it has none."""
        self._fetch = fetch
        self._max_age = max_age
        self._min_refresh = min_refresh
        self._clock = clock
        self._values: tuple[bytes, ...] = ()
        self._read_at = float("-inf")

    def _read(self) -> None:
        current = self._fetch(CURRENT)
        if current is None:
            raise LookupError("the key has no current value")
        previous = self._fetch(PREVIOUS)
        self._values = (current,) if previous is None else (current, previous)
        self._read_at = self._clock()

    def _fresh(self) -> tuple[bytes, ...]:
        if self._clock() - self._read_at >= self._max_age:
            self._read()
        return self._values

    def current(self) -> bytes:
        """What new tokens are signed with."""
        return self._fresh()[0]

    def accepted(self) -> tuple[bytes, ...]:
        """What a token may be signed with: the current key and the previous one."""
        return self._fresh()

    def refresh(self) -> bool:
        """Read the key again unless it was read within `min_refresh`; True if it changed."""
        if self._clock() - self._read_at < self._min_refresh:
            return False
        before = self._values
        self._read()
        return self._values != before
