"""What runs on a host: the reports host agents make, an instance's status and phase, and the
host's view with its entity tag. Plain data and rules: no HTTP, no AWS (docs/contract.md,
"Host agents").

A report says what one host runs of one instance: a `state` at an `observedVersion`. It is
made against one *generation* of the instance, its `createdAt`: a name deleted and created
again is another instance, whose status never shows the reports made on the one before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypedDict

from instance_api.domain.instance import Instance

ReportState = Literal["Pending", "Running", "Failed", "Stopped"]
REPORT_STATES: tuple[ReportState, ...] = ("Pending", "Running", "Failed", "Stopped")
Phase = Literal["Progressing", "Ready", "Failed"]
MESSAGE_MAX = 1024
UNKNOWN = "Unknown"


class Report(NamedTuple):
    """What `host_id` last reported of an instance of generation `generation` (its createdAt)."""

    host_id: str
    state: ReportState
    observed_version: int
    message: str | None
    reported_at: str
    generation: str


class ReportCommand(NamedTuple):
    host_id: str
    name: str
    observed_version: int
    state: ReportState
    message: str | None = None


class HostViewQuery(NamedTuple):
    """A page of a host's view; `if_none_match` holds the entity tags the client has (None: none sent)."""

    host_id: str
    limit: int
    next_token: str | None
    selector: Any = None
    if_none_match: tuple[str, ...] | None = None


class HostStatus(TypedDict):
    state: str
    observedVersion: int | None
    message: str | None
    reportedAt: str | None


class HostEntry(HostStatus):
    hostID: str


class Status(TypedDict):
    phase: Phase
    desired: int
    ready: int
    hosts: list[HostEntry]


def host_status(report: Report | None) -> HostStatus | None:
    """A report as the host's view shows it (`hostStatus`); None when the host has not reported."""
    if report is None:
        return None
    return {
        "state": report.state,
        "observedVersion": report.observed_version,
        "message": report.message,
        "reportedAt": report.reported_at,
    }


def current(instance: Instance, report: Report | None) -> Report | None:
    """The report if it was made on this instance (not on a deleted one of the same name)."""
    return report if report is not None and report.generation == instance["createdAt"] else None


def status_of(instance: Instance, reports: Mapping[str, Report]) -> Status:
    """The instance's status from its hosts' reports: one entry per host in `hostIDs` order.

    A host is ready when it reports Running at the current version; the phase is Failed if
    any host reports Failed at the current version, else Ready when every host is ready (an
    instance with no hosts is Ready), else Progressing."""
    version = instance["version"]
    hosts: list[HostEntry] = []
    ready = 0
    failed = False
    for host_id in instance["hostIDs"]:
        report = current(instance, reports.get(host_id))
        if report is None:
            hosts.append(
                {"hostID": host_id, "state": UNKNOWN, "observedVersion": None, "message": None, "reportedAt": None}
            )
            continue
        hosts.append(
            {
                "hostID": host_id,
                "state": report.state,
                "observedVersion": report.observed_version,
                "message": report.message,
                "reportedAt": report.reported_at,
            }
        )
        at_current = report.observed_version == version
        ready += at_current and report.state == "Running"
        failed = failed or (at_current and report.state == "Failed")
    desired = len(instance["hostIDs"])
    phase: Phase = "Failed" if failed else "Ready" if ready == desired else "Progressing"
    return {"phase": phase, "desired": desired, "ready": ready, "hosts": hosts}


def with_status(instance: Instance, reports: Mapping[str, Report]) -> dict[str, Any]:
    return {**instance, "status": status_of(instance, reports)}


# Changes when the view's representation changes, so a tag from before a deploy that changed
# it never matches a view after it.
VIEW_FORMAT = "1"


def view_tag(revision: str, query: HostViewQuery) -> str:
    """The strong entity tag of one page of a host's view: its host's revision (a new one each
    time anything in the view changes) and what the page asks (limit, token, selector)."""
    import hashlib  # a view's, not every function's, import

    selector = "" if query.selector is None else query.selector.digest()
    asked = "\n".join([VIEW_FORMAT, query.host_id, revision, str(query.limit), query.next_token or "", selector])
    return '"' + hashlib.sha256(asked.encode()).hexdigest()[:32] + '"'


def matches(tag: str, if_none_match: Sequence[str] | None) -> bool:
    """If-None-Match holds `tag` (compared weakly, as RFC 9110 says for If-None-Match) or `*`."""
    if not if_none_match:
        return False
    bare = tag.removeprefix("W/")
    return any(sent == "*" or sent.removeprefix("W/") == bare for sent in if_none_match)
