"""A rotating secret key: its current value, and the values a token may still be signed with.

The pagination key lives in Secrets Manager; rotating it (a new AWSCURRENT, the old one
becoming AWSPREVIOUS) needs no deployment, because the function reads it at run time:
on first use, again once `max_age` has passed, and at once (at most every
`min_refresh` seconds) when a token carries a signature none of the known keys made,
which is what a container with an older copy sees right after a rotation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

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
        """`fetch(stage)` reads the secret's value at a version stage, None when it has none.

        The current value is read on first use; the previous one only when a token is not
        signed with the current one (most lists never need it): one Secrets Manager call per
        container and `max_age`, not two."""
        self._fetch = fetch
        self._max_age = max_age
        self._min_refresh = min_refresh
        self._clock = clock
        self._current: bytes | None = None
        self._previous: bytes | None = None
        self._previous_read = False
        self._read_at = float("-inf")

    def _read_current(self) -> bytes:
        current = self._fetch(CURRENT)
        if current is None:
            raise LookupError("the key has no current value")
        self._current, self._previous_read, self._read_at = current, False, self._clock()
        return current

    def current(self) -> bytes:
        """What new tokens are signed with."""
        if self._current is None or self._clock() - self._read_at >= self._max_age:
            return self._read_current()
        return self._current

    def accepted(self) -> Iterator[bytes]:
        """What a token may be signed with: the current key, then the previous one."""
        yield self.current()
        if not self._previous_read:
            self._previous, self._previous_read = self._fetch(PREVIOUS), True
        if self._previous is not None:
            yield self._previous

    def refresh(self) -> bool:
        """Read the key again unless it was read within `min_refresh`; True if it changed."""
        if self._clock() - self._read_at < self._min_refresh:
            return False
        before = self._current
        try:
            return self._read_current() != before
        except Exception:  # noqa: BLE001 - a failed re-read must not make a client's bad token a 5xx
            return False
