"""`wait`: read instances' `status` until each is Ready or Failed, or the time runs out.

The API computes an instance's `status.phase` for its current `version` (docs/contract.md,
"Host agents"): `Ready` when every host in `hostIDs` reports `Running` at that version,
`Failed` when one reports `Failed` at it, else `Progressing`. `wait_ready` reads each
instance (`GET ?name=`) until its phase is one of the first two, pausing 0.5 s, 1 s, 2 s,
4 s, then 5 s between reads (longer when an answer's `Retry-After` asks for it).

A target may name the version a write made (`apply --wait`): an older version is not yet
it, however Ready. When another writer has moved the instance on since, the newer version
counts only if it still holds every field the write set (its phase is then the one to
wait for, as `kubectl rollout status` follows the newest rollout); if it changed one,
what was written will never run, and that is `Superseded`.

A read that fails for a reason time can cure (429, 502, 503, 504, no answer, after the
client's own retries) is logged and read again at the next pause; the deadline is
monotonic time, and every read's retries end by it. 404 is not waited out: the instance
does not exist (a wrong name, or deleted), so the NotFound error is raised at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from instancectl.apply import differences
from instancectl.client import Instance, InstanceClient
from instancectl.errors import ApiError, ConnectionFailed, Superseded, UnexpectedAnswer
from instancectl.retry import RETRYABLE_STATUSES, RetryPolicy
from instancectl.transport import json_kind

FIRST_PAUSE, LONGEST_PAUSE = 0.5, 5.0
PHASES = ("Progressing", "Ready", "Failed")
_log = logging.getLogger("instancectl")


class Outcome(str, Enum):  # StrEnum is 3.11+; the client runs on 3.10
    READY = "Ready"
    FAILED = "Failed"
    TIMED_OUT = "timed out"


@dataclass(frozen=True)
class Target:
    """An instance to wait for: from `version` on (None: whatever version it is at), holding `holds`
    (the fields a write set, name to value)."""

    name: str
    namespace: str | None = None
    version: int | None = None
    holds: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Waited:
    target: Target
    outcome: Outcome
    instance: Instance | None  # as last read (with its status); None if no read ever answered

    @property
    def status(self) -> dict[str, Any]:
        status = (self.instance or {}).get("status")
        return status if isinstance(status, dict) else {}

    def failing_hosts(self) -> list[tuple[str, str]]:
        """(hostID, message) of each host that reports Failed at the instance's version."""
        version = (self.instance or {}).get("version")
        return [
            (str(host.get("hostID")), str(host.get("message") or "no message"))
            for host in _hosts(self.status)
            if host.get("state") == "Failed" and host.get("observedVersion") == version
        ]

    def summary(self) -> str:
        return status_summary(self.instance)


def status_summary(instance: Instance | None) -> str:
    """`version 3 Progressing, 1 of 2 hosts ready (host-b: Pending at 3, host-c: Unknown)`."""
    if instance is None:
        return "never read"
    status = instance.get("status")
    status = status if isinstance(status, dict) else {}
    waiting = [
        f"{host.get('hostID')}: {host.get('state')}"
        + ("" if host.get("observedVersion") is None else f" at {host.get('observedVersion')}")
        for host in _hosts(status)
        if not (host.get("state") == "Running" and host.get("observedVersion") == instance.get("version"))
    ]
    text = (
        f"version {instance.get('version')} {status.get('phase')}, "
        f"{status.get('ready')} of {status.get('desired')} hosts ready"
    )
    return text + (f" ({', '.join(waiting)})" if waiting else "")


def _hosts(status: Mapping[str, Any]) -> list[dict[str, Any]]:
    hosts = status.get("hosts")
    return [host for host in hosts if isinstance(host, dict)] if isinstance(hosts, list) else []


def wait_ready(
    client: InstanceClient, targets: Sequence[Target], *, timeout: float, policy: RetryPolicy | None = None
) -> list[Waited]:
    """Each target's outcome, in order, once every target is Ready or Failed or `timeout` seconds
    have passed. `policy` supplies the clock, the sleep and the retries of each read (the
    client's by default). Raises ApiError for an answer time cannot cure (404 included),
    Superseded, and UnexpectedAnswer for an instance without a status the contract's shape."""
    policy = policy or client.retry_policy
    deadline = policy.clock() + timeout
    watches = [_Watch(target) for target in targets]
    pause = FIRST_PAUSE
    while True:
        asked_for = 0.0
        for watch in watches:
            if watch.outcome is None:
                asked_for = max(asked_for, watch.read(client, policy, deadline))
        left = deadline - policy.clock()
        if all(watch.outcome is not None for watch in watches) or left <= 0:
            return [watch.result() for watch in watches]
        policy.sleep(min(max(pause, asked_for), left))
        pause = min(pause * 2, LONGEST_PAUSE)


@dataclass
class _Watch:
    """One target's reads: its last instance, and its outcome once settled."""

    target: Target
    instance: Instance | None = None
    outcome: Outcome | None = None
    _seen: tuple[Any, ...] | None = None

    def read(self, client: InstanceClient, policy: RetryPolicy, deadline: float) -> float:
        """Reads the instance once, its retries ending by `deadline`; the seconds an answer asked
        to wait (Retry-After) before the next read."""
        bounded = dataclasses.replace(policy, max_elapsed=max(0.0, deadline - policy.clock()))
        try:
            instance = client.get(self.target.name, namespace=self.target.namespace, retry=bounded)
        except ConnectionFailed as error:
            _log.warning("%s: %s; reading it again", self.target.name, error)
            return 0.0
        except ApiError as error:
            if error.status not in RETRYABLE_STATUSES:
                raise
            _log.warning("%s: %s; reading it again", self.target.name, error)
            return error.retry_after or 0.0
        self.instance = instance
        self.outcome = self._settled(instance)
        return 0.0

    def _settled(self, instance: Instance) -> Outcome | None:
        name, version = self.target.name, instance.get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise UnexpectedAnswer(f"{name}: the API's instance has no integer version ({version!r})")
        status = instance.get("status")
        if not isinstance(status, dict) or status.get("phase") not in PHASES:
            raise UnexpectedAnswer(
                f"{name}: the API's instance has no status with a phase (its status is {json_kind(status)}): "
                "does the API take host reports (the contract's v3)?"
            )
        wanted = self.target.version
        if wanted is not None and version < wanted:
            return None  # the version written is not what the API answers yet
        changed = differences(self.target.holds, instance) if wanted is not None and version > wanted else ()
        if changed:
            raise Superseded(
                f"{name}: another writer changed {', '.join(change.field for change in changed)} "
                f"(now version {version}; this apply wrote version {wanted}): what it wrote will not run"
            )
        self._progress(instance, version, status)
        return {"Ready": Outcome.READY, "Failed": Outcome.FAILED}.get(status["phase"])

    def _progress(self, instance: Instance, version: int, status: dict[str, Any]) -> None:
        """One line when what the reads see changes (not for the first read: a wait that is over
        at once says nothing)."""
        seen = (version, status.get("phase"), status.get("ready"), status.get("desired"))
        if self._seen is not None and seen != self._seen:
            _log.info("%s: %s", self.target.name, status_summary(instance))
        elif self._seen is None and self.target.version is not None and version > self.target.version:
            _log.info(
                "%s: version %d, by another writer, holds what was applied: waiting for it", self.target.name, version
            )
        self._seen = seen

    def result(self) -> Waited:
        return Waited(self.target, self.outcome or Outcome.TIMED_OUT, self.instance)
