"""What runs on a host, and what changed, over HTTP against `make run`'s server, on both
DynamoDB engines: a write shows in `?hostID=` and in GET /_local/events within 2 s
(docs/contract.md), and events come in order per instance with the right `previous` and
`instance`, each valid against the committed JSON Schema."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jsonschema

from devtools.event_schema import EVENT_SCHEMA_PATH
from tests.http.contract import PATH, check, unique
from tests.http.local_api import HttpApi

# docs/contract.md: "on `make run` an instance shows up (or disappears) within 2 s of the write".
WITHIN_S = 2.0
VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(EVENT_SCHEMA_PATH.read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)


def within[T](seconds: float, read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """`read()` until `done` says so; fails if that takes longer than `seconds` after the write."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"not within {seconds} s; last seen: {value!r}"
        time.sleep(0.05)


def on_host(api: HttpApi, host: str) -> list[dict[str, Any]]:
    result = api.request("GET", f"{PATH}?hostID={host}")
    check(result, 200, "list succeed")
    assert result.body["data"]["nextToken"] is None
    items: list[dict[str, Any]] = result.body["data"]["items"]
    return items


CHANGES = ("Instance Created", "Instance Updated", "Instance Deleted")


def events_of(api: HttpApi, name: str, detail_types: tuple[str, ...] = CHANGES) -> list[dict[str, Any]]:
    """The events published about `name` (its change events, unless `detail_types` says which)."""
    result = api.request("GET", "/_local/events")
    assert (result.status, result.headers["Content-Type"]) == (200, "application/json")
    return [
        event
        for event in result.body["events"]
        if event["detail"]["name"] == name and event["detail-type"] in detail_types
    ]


def create(api: HttpApi, name: str, hosts: list[str], namespace: str = "default") -> dict[str, Any]:
    created = api.request("POST", PATH, {"name": name, "namespace": namespace, "hostIDs": hosts})
    check(created, 200, "create succeed")
    data: dict[str, Any] = created.body["data"]
    return data


def test_given_a_create_when_asking_its_host_and_the_events_then_both_show_it_within_2_s(api: HttpApi) -> None:
    name, host = unique(), f"host-{uuid.uuid4().hex[:8]}"
    created = create(api, name, [host])
    assert within(WITHIN_S, lambda: on_host(api, host), lambda items: bool(items)) == [created]
    (event,) = within(WITHIN_S, lambda: events_of(api, name), lambda events: bool(events))
    assert (event["source"], event["detail-type"]) == ("instance-api", "Instance Created")
    assert event["detail"] == {
        "name": name,
        "namespace": "default",
        "version": 1,
        "instance": created,
        "previous": None,
        "changedAt": created["createdAt"],
    }


def test_given_an_instance_moved_and_deleted_when_asking_its_hosts_then_each_follows_within_2_s(
    api: HttpApi,
) -> None:
    name, old, new = unique(), f"host-{uuid.uuid4().hex[:8]}", f"host-{uuid.uuid4().hex[:8]}"
    create(api, name, [old])
    within(WITHIN_S, lambda: on_host(api, old), lambda items: bool(items))
    moved = api.request("PUT", PATH, {"name": name, "hostIDs": [new]})
    check(moved, 200, "update succeed")
    assert within(WITHIN_S, lambda: on_host(api, new), lambda items: bool(items)) == [moved.body["data"]]
    assert within(WITHIN_S, lambda: on_host(api, old), lambda items: not items) == []
    check(api.request("DELETE", f"{PATH}?name={name}"), 200, "delete succeed")
    assert within(WITHIN_S, lambda: on_host(api, new), lambda items: not items) == []


def test_given_an_instance_s_life_when_reading_the_events_then_they_come_in_order_each_with_before_and_after(
    api: HttpApi,
) -> None:
    name, host = unique(), f"host-{uuid.uuid4().hex[:8]}"
    states = [create(api, name, [host])]
    for image in ("nginx:1.26", "nginx:1.27"):
        updated = api.request("PUT", PATH, {"name": name, "spec": {"image": image}})
        check(updated, 200, "update succeed")
        states.append(updated.body["data"])
    check(api.request("DELETE", f"{PATH}?name={name}"), 200, "delete succeed")
    again = create(api, name, [host])
    events = within(WITHIN_S, lambda: events_of(api, name), lambda events: len(events) >= 5)
    assert [(event["detail-type"], event["detail"]["version"]) for event in events] == [
        ("Instance Created", 1),
        ("Instance Updated", 2),
        ("Instance Updated", 3),
        ("Instance Deleted", 3),
        ("Instance Created", 4),
    ]
    afters = [event["detail"]["instance"] for event in events]
    befores = [event["detail"]["previous"] for event in events]
    assert afters == [*states, None, again]
    assert befores == [None, *states, None]
    for event in events:
        VALIDATOR.validate(event["detail"])


def test_given_writes_to_two_instances_interleaved_when_reading_the_events_then_each_one_s_are_in_order(
    api: HttpApi,
) -> None:
    names = [unique("a"), unique("b")]
    for name in names:
        create(api, name, ["host-shared"], namespace="team-events")
    for round_ in range(4):
        for name in names:
            body = {"name": name, "shareStorage": round_ % 2 == 0}
            check(api.request("PUT", PATH, body), 200, "update succeed")
    for name in names:
        events = within(WITHIN_S, lambda: events_of(api, name), lambda events: len(events) >= 5)  # noqa: B023
        assert [event["detail"]["version"] for event in events] == [1, 2, 3, 4, 5]
        assert all(event["detail"]["namespace"] == "team-events" for event in events)


def test_given_the_events_page_when_asking_with_another_method_then_the_gateway_does_not_serve_it(
    api: HttpApi,
) -> None:
    result = api.request("POST", "/_local/events", {})
    check(result, 404, "request failed", "NotFound")  # a local GET page only; anything else is unrouted
