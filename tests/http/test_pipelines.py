"""Labels, label selectors and dry runs over HTTP against `make run`'s server, on both DynamoDB
engines: what a pipeline sees. A dry run answers with `Dry-Run: true` through the local gateway
and leaves no trace: not in the table, not in the host view, not in the change feed
(`/_local/events`), not in the idempotency records."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

from tests.http.contract import PATH, check, race, unique
from tests.http.local_api import HttpApi, HttpResult
from tests.http.test_changes import WITHIN_S, events_of, on_host, within


def listing(api: HttpApi, **query: str) -> HttpResult:
    text = "&".join(f"{key}={quote(value)}" for key, value in query.items())
    return api.request("GET", f"{PATH}?{text}")


def names(result: HttpResult) -> list[str]:
    check(result, 200, "list succeed")
    return [item["name"] for item in result.body["data"]["items"]]


def dry(api: HttpApi, method: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> HttpResult:
    result = api.request(method, f"{PATH}?dryRun=true", body, headers=headers)
    assert result.headers["Dry-Run"] == "true", result.raw
    return result


def test_given_labelled_instances_when_selecting_over_http_then_pages_hold_the_matches(api: HttpApi) -> None:
    namespace = f"ns-{uuid.uuid4().hex[:8]}"
    made = {unique(f"{tier}-{number}"): tier for tier in ("web", "api") for number in range(3)}
    for name, tier in made.items():
        result = api.request("POST", PATH, {"name": name, "namespace": namespace, "labels": {"tier": tier}})
        check(result, 200, "create succeed")
        assert result.body["data"]["labels"] == {"tier": tier}
    webs = sorted(name for name, tier in made.items() if tier == "web")
    seen: list[str] = []
    query = {"namespace": namespace, "labelSelector": "tier in (web), !legacy", "limit": "2"}
    while True:
        page = listing(api, **query)
        seen += names(page)
        if page.body["data"]["nextToken"] is None:
            break
        query["nextToken"] = page.body["data"]["nextToken"]
    assert seen == webs
    refused = listing(api, namespace=namespace, labelSelector="tier in (web")
    check(refused, 400, "list failed", "Invalid")
    assert refused.body["data"]["details"][0]["field"] == "labelSelector"


def test_given_dry_runs_of_every_write_when_answered_then_nothing_is_stored_indexed_or_published(
    api: HttpApi,
) -> None:
    name, host, moved = unique(), f"host-{uuid.uuid4().hex[:8]}", f"host-{uuid.uuid4().hex[:8]}"
    tried = dry(api, "POST", {"name": name, "hostIDs": [host], "labels": {"app": "web"}})
    check(tried, 200, "create succeed")
    check(api.request("GET", f"{PATH}?name={name}"), 404, "get failed", "NotFound")
    created = api.request("POST", PATH, {"name": name, "hostIDs": [host], "labels": {"app": "web"}})
    check(created, 200, "create succeed")
    assert {**tried.body["data"], "createdAt": "", "updatedAt": ""} == {
        **created.body["data"],
        "createdAt": "",
        "updatedAt": "",
    }
    within(WITHIN_S, lambda: on_host(api, host), lambda items: len(items) == 1)

    update = dry(api, "PUT", {"name": name, "hostIDs": [moved], "version": 1})
    check(update, 200, "update succeed")
    assert (update.body["data"]["version"], update.body["data"]["hostIDs"]) == (2, [moved])
    check(dry(api, "PUT", {"name": name, "shareStorage": True, "version": 9}), 409, "update failed", "Conflict")
    check(dry(api, "DELETE", {"name": name, "version": 1}), 200, "delete succeed")
    check(dry(api, "DELETE", {"name": unique()}), 404, "delete failed", "NotFound")

    # A real write after the dry runs: once its event is out, any the dry runs made would be too.
    real = api.request("PUT", PATH, {"name": name, "shareStorage": True, "version": 1})
    check(real, 200, "update succeed")
    events = within(WITHIN_S, lambda: events_of(api, name), lambda found: len(found) >= 2)
    assert [(event["detail-type"], event["detail"]["version"]) for event in events] == [
        ("Instance Created", 1),
        ("Instance Updated", 2),
    ]
    assert [item["name"] for item in on_host(api, host)] == [name], "the host view never moved"
    assert on_host(api, moved) == []
    assert events[1]["detail"]["instance"] == real.body["data"]


def test_given_a_keyed_dry_run_when_the_key_is_used_for_real_then_it_was_never_recorded(api: HttpApi) -> None:
    key = uuid.uuid4().hex
    first, second = unique(), unique()
    check(dry(api, "POST", {"name": first}, headers={"Idempotency-Key": key}), 200, "create succeed")
    real = api.request("POST", PATH, {"name": second}, headers={"Idempotency-Key": key})
    check(real, 200, "create succeed")
    assert real.body["data"]["name"] == second, "another body with the key: no 422, nothing was recorded"
    replay = dry(api, "POST", {"name": second}, headers={"Idempotency-Key": key})
    assert replay.body == real.body, "a dry run of the retry answers the recorded answer"
    check(dry(api, "POST", {"name": first}, headers={"Idempotency-Key": key}), 422, "create failed", "Invalid")


def test_given_dry_run_values_over_http_when_writing_then_only_true_and_false_and_never_on_get(api: HttpApi) -> None:
    name = unique()
    bad = api.request("POST", f"{PATH}?dryRun=TRUE", {"name": name})
    check(bad, 400, "create failed", "Invalid")
    assert "Dry-Run" not in bad.headers
    on_get = api.request("GET", f"{PATH}?dryRun=true")
    check(on_get, 400, "list failed", "Invalid")
    assert json.loads(on_get.raw)["data"]["details"] == [
        {"field": "dryRun", "message": "is not a known query parameter"}
    ]
    check(api.request("POST", f"{PATH}?dryRun=false", {"name": name}), 200, "create succeed")
    check(api.request("GET", f"{PATH}?name={name}"), 200, "get succeed")


def test_given_dry_runs_racing_real_updates_when_all_answered_then_only_the_real_ones_counted(api: HttpApi) -> None:
    """Each dry run answers the update as it would have been at its read (one past whichever
    version it read, 1 to 5); the real updates alone move the version, and nothing answers a 5xx."""
    name = unique()
    check(api.request("POST", PATH, {"name": name}), 200, "create succeed")
    count = 8

    def send(index: int) -> HttpResult:
        query = "?dryRun=true" if index % 2 else ""
        return api.request("PUT", f"{PATH}{query}", {"name": name, "hostIDs": [f"h-{index}"]})

    results = race(count, send)
    assert [result.status for result in results] == [200] * count
    real = sorted(result.body["data"]["version"] for index, result in enumerate(results) if index % 2 == 0)
    assert real == [2, 3, 4, 5]
    for result in results[1::2]:
        assert result.headers["Dry-Run"] == "true"
        assert 2 <= result.body["data"]["version"] <= 6
    assert api.request("GET", f"{PATH}?name={name}").body["data"]["version"] == 5
