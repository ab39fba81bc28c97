"""Phase events: what `Instance Phase Changed` events an instance's new state makes, after the last
phase published for it (its *head*). Plain data; the phase consumer (changes/phases.py) reads
the state and keeps the head.

Every create and update of an instance with hosts makes it Progressing (no host runs the new
version yet), however quickly the hosts then report: when the consumer first sees a new
instance, or a new version, already Ready (or Failed), it publishes the Progressing it passed
through first, so a pipeline that follows the events sees every rollout
(docs/decisions.md, "Phase events"). An event's `changedAt` comes from the state itself (the
instance's updatedAt, the latest report at the current version), so two consumers that see
the same state publish the same event, which subscribers deduplicate on (name, version, phase,
changedAt).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from instance_api.domain.changes import Event
from instance_api.domain.hosts import Phase, Report, current, status_of
from instance_api.domain.instance import Instance

PHASE_CHANGED = "Instance Phase Changed"
# The host ID under which an instance's phase head is kept beside its reports: no host ID can
# be it (a host ID starts with a letter or a digit, domain/rules.py).
HEAD_HOST = "#"


class PhaseHead(NamedTuple):
    """The last phase published for an instance: of which generation (createdAt), at which version."""

    generation: str
    version: int
    phase: Phase


class HeldHead(NamedTuple):
    """A phase head as stored: the head, the token its next write must name, and the events
    decided from it but maybe not yet published (`pending`, claimed at `claimed_at`, epoch s)."""

    head: PhaseHead
    token: str
    pending: list[Event]
    claimed_at: float


def _event(instance: Instance, phase: Phase, previous: Phase | None, ready: int, changed_at: str) -> Event:
    detail: dict[str, Any] = {
        "name": instance["name"],
        "namespace": instance["namespace"],
        "version": instance["version"],
        "phase": phase,
        "previousPhase": previous,
        "desired": len(instance["hostIDs"]),
        "ready": ready,
        "changedAt": changed_at,
    }
    return Event(instance["name"], PHASE_CHANGED, detail, changed_at)


def _latest(instance: Instance, reports: Mapping[str, Report]) -> str:
    """When the state was last changed: the instance's update, or a later report at its version."""
    moments = [instance["updatedAt"]]
    for host_id in instance["hostIDs"]:
        report = current(instance, reports.get(host_id))
        if report is not None and report.observed_version == instance["version"]:
            moments.append(report.reported_at)
    return max(moments)


def settle(instance: Instance, reports: Mapping[str, Report], head: PhaseHead | None) -> tuple[PhaseHead, list[Event]]:
    """The instance's head now, and the events that lead from `head` to it (none if its phase
    did not change). A head of another generation counts as none."""
    status = status_of(instance, reports)
    phase = status["phase"]
    now = PhaseHead(instance["createdAt"], instance["version"], phase)
    events: list[Event] = []
    first = head is None or head.generation != now.generation
    previous = None if first or head is None else head.phase
    rolled_out = status["desired"] > 0 and (first or (head is not None and head.version != now.version))
    if rolled_out and previous != "Progressing" and phase != "Progressing":
        events.append(_event(instance, "Progressing", previous, 0, instance["updatedAt"]))
        previous = "Progressing"
    if phase != previous:
        events.append(_event(instance, phase, previous, status["ready"], _latest(instance, reports)))
    return now, events
