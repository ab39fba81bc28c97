"""When a request is sent again, and how long the client waits first.

A request is retried only when the answer says trying again can help (429, 502, 503, 504,
no answer at all) and when sending it again cannot apply a change twice or over someone
else's:

- `Replay.SAFE`: a read; a PUT or DELETE carrying the `version` it read (if the first
  attempt was applied, the replay finds another version and gets 409, or 404 for a delete:
  it never writes over a newer instance).
- `Replay.KEYED_CREATE`: a create with an `Idempotency-Key` reused on every attempt (the API
  answers a replay with the first answer). Its 409 `Conflict` (the first attempt is still
  running) is retried too, after the `Retry-After` the API sends with it.
- `Replay.UNSAFE`: a PUT or DELETE without `version`. Retried only when the request surely
  was not applied: it never left (connection refused, connect timeout), or the API said
  so (429 from the gateway's throttle, 503 `Unavailable`: the table refused the write). A
  502, a 504 or a lost answer may hide an applied write, so it is not retried.

Waits are "full jitter" exponential backoff (uniform in [0, min(max_delay, base * 2^n)]),
never shorter than the answer's `Retry-After`. Attempts and the total time are bounded;
a wait that would end past the time budget is not started.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum

# Statuses that say "later may work"; 500 (a bug) and every 4xx are never retried.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
# Statuses that also say "nothing was applied" (README "Errors"): any request may be retried.
NOT_APPLIED_STATUSES = frozenset({429, 503})
_IN_FLIGHT_STATUS, _IN_FLIGHT_REASON = 409, "Conflict"

_SYSTEM_RANDOM = random.SystemRandom()


class Replay(Enum):
    SAFE = "safe"
    KEYED_CREATE = "keyed-create"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class Outcome:
    """One attempt's result as the retry decision sees it."""

    status: int | None  # None: no answer came back
    reason: str | None = None
    retry_after: float | None = None
    sent: bool = True  # without an answer: whether the request may have reached the API


def _full_jitter(ceiling: float) -> float:
    return _SYSTEM_RANDOM.uniform(0, ceiling)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds and clocks of the retry loop (the clocks are parameters so tests need not wait)."""

    max_attempts: int = 5
    max_elapsed: float = 60.0  # seconds from the first attempt, waits included
    base_delay: float = 0.25
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)
    jitter: Callable[[float], float] = field(default=_full_jitter, compare=False)

    def backoff(self, attempt: int) -> float:
        """The jittered wait after attempt number `attempt` (1-based)."""
        return self.jitter(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def next_wait(self, outcome: Outcome, replay: Replay, attempt: int, started: float) -> float | None:
        """Seconds to wait before the next attempt, or None when this outcome is final."""
        if attempt >= self.max_attempts or not retryable(outcome, replay):
            return None
        wait = self.backoff(attempt)
        if outcome.retry_after is not None:
            wait = max(wait, outcome.retry_after)
        if self.clock() + wait - started > self.max_elapsed:
            return None
        return wait


def retryable(outcome: Outcome, replay: Replay) -> bool:
    """Whether sending the request again can help and cannot apply a change twice."""
    if outcome.status is None:
        return not outcome.sent or replay is not Replay.UNSAFE
    if outcome.status in NOT_APPLIED_STATUSES:
        return True
    if outcome.status in RETRYABLE_STATUSES:
        return replay is not Replay.UNSAFE
    in_flight = outcome.status == _IN_FLIGHT_STATUS and outcome.reason == _IN_FLIGHT_REASON
    return in_flight and replay is Replay.KEYED_CREATE


def parse_retry_after(
    value: str | None, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110); None if absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - now()).total_seconds())
