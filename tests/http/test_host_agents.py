"""Host agents over HTTP against `make run`'s server, on both DynamoDB engines: the host's view
with its ETag and bodiless 304, reports and their errors, status on GET ?name=, phase events at
/_local/events (valid against the committed JSON Schema), and the host paths' other methods."""

from __future__ import annotations

import json
import uuid
from typing import Any

import jsonschema

from devtools.event_schema import PHASE_SCHEMA_PATH
from tests.http.contract import PATH, check, race, unique
from tests.http.local_api import HttpApi
from tests.http.test_changes import WITHIN_S, create, events_of, within

PHASE_VALIDATOR = jsonschema.Draft202012Validator(
    json.loads(PHASE_SCHEMA_PATH.read_text(encoding="utf-8")),
    format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
)
# A phase event follows a report through two consumers (the report's stream, then the bus).
PHASE_WITHIN_S = 2 * WITHIN_S


def host() -> str:
    return f"host-{uuid.uuid4().hex[:8]}"


def view(api: HttpApi, host_id: str, tag: str | None = None, query: str = "") -> Any:
    return api.request(
        "GET", f"/api/v1/hosts/{host_id}/instances{query}", headers={"If-None-Match": tag} if tag else None
    )


def report(api: HttpApi, host_id: str, body: dict[str, Any] | str) -> Any:
    return api.request("PUT", f"/api/v1/hosts/{host_id}/status", body, {"Content-Type": "application/json"})


def phases_of(api: HttpApi, name: str) -> list[tuple[str | None, str, int]]:
    events = events_of(api, name, ("Instance Phase Changed",))
    for event in events:
        PHASE_VALIDATOR.validate(event["detail"])
    return [
        (event["detail"]["previousPhase"], event["detail"]["phase"], event["detail"]["version"]) for event in events
    ]


def test_given_an_instance_on_a_host_when_its_agent_polls_then_it_gets_the_instance_then_bodiless_304s(
    api: HttpApi,
) -> None:
    name, host_id = unique(), host()
    created = create(api, name, [host_id, host()])
    page = within(WITHIN_S, lambda: view(api, host_id), lambda result: bool(result.body["data"]["items"]))
    check(page, 200, "list succeed")
    assert page.body["data"]["items"] == [{**created, "hostStatus": None}]
    assert page.headers["ETag"].startswith('"')
    # The page may have been read just before the consumer gave the host its new revision
    # (decision 172): then one more 200 comes, with the tag that holds from then on.
    tag = within(
        WITHIN_S, lambda: view(api, host_id).headers["ETag"], lambda tag: view(api, host_id, tag).status == 304
    )

    again = view(api, host_id, tag)

    assert again.status == 304
    assert again.raw == b""
    assert again.headers["ETag"] == tag


def test_given_a_rollout_when_hosts_report_then_status_and_phase_events_follow(api: HttpApi) -> None:
    name, first, second = unique(), host(), host()
    create(api, name, [first, second])
    within(PHASE_WITHIN_S, lambda: phases_of(api, name), lambda seen: bool(seen))
    tag = view(api, first).headers["ETag"]

    check(report(api, first, {"name": name, "observedVersion": 1, "state": "Running"}), 200, "report succeed")
    failed = report(api, second, {"name": name, "observedVersion": 1, "state": "Failed", "message": "pull: denied"})
    check(failed, 200, "report succeed")
    assert failed.body["data"]["status"]["phase"] == "Failed"
    assert view(api, first, tag).status == 200, "the host's own report changed its view"
    within(PHASE_WITHIN_S, lambda: phases_of(api, name), lambda seen: len(seen) >= 2)

    check(report(api, second, {"name": name, "observedVersion": 1, "state": "Running"}), 200, "report succeed")
    got = api.request("GET", f"{PATH}?name={name}")
    check(got, 200, "get succeed")
    assert got.body["data"]["status"]["phase"] == "Ready"
    assert [entry["hostID"] for entry in got.body["data"]["status"]["hosts"]] == [first, second]
    assert within(PHASE_WITHIN_S, lambda: phases_of(api, name), lambda seen: len(seen) >= 3) == [
        (None, "Progressing", 1),
        ("Progressing", "Failed", 1),
        ("Failed", "Ready", 1),
    ]

    check(api.request("PUT", PATH, {"name": name, "spec": {"image": "nginx:1.27"}}), 200, "update succeed")
    status = api.request("GET", f"{PATH}?name={name}").body["data"]["status"]
    assert (status["phase"], status["ready"]) == ("Progressing", 0)
    assert within(PHASE_WITHIN_S, lambda: phases_of(api, name), lambda seen: len(seen) >= 4)[3] == (
        "Ready",
        "Progressing",
        2,
    )


def test_given_reports_that_break_the_rules_when_sent_then_each_is_its_error_in_the_envelope(api: HttpApi) -> None:
    name, host_id = unique(), host()
    create(api, name, [host_id])
    cases: list[tuple[str, dict[str, Any] | str, int, str]] = [
        (host_id, {"name": unique(), "observedVersion": 1, "state": "Running"}, 404, "NotFound"),
        (host(), {"name": name, "observedVersion": 1, "state": "Running"}, 404, "NotFound"),
        (host_id, {"name": name, "observedVersion": 2, "state": "Running"}, 409, "Conflict"),
        (host_id, {"name": name, "observedVersion": 1, "state": "Ready"}, 400, "Invalid"),
        (host_id, {"name": name, "observedVersion": 0, "state": "Running"}, 400, "Invalid"),
        (host_id, {"name": name, "observedVersion": "1", "state": "Running"}, 400, "Invalid"),
        (host_id, {"name": name, "observedVersion": 1, "state": "Running", "message": "m" * 1025}, 400, "Invalid"),
        ("-bad", {"name": name, "observedVersion": 1, "state": "Running"}, 400, "Invalid"),
        (host_id, "{not json", 400, "BadRequest"),
    ]
    for host_id_sent, body, status, reason in cases:
        check(report(api, host_id_sent, body), status, "report failed", reason)
    check(view(api, "-bad"), 400, "list failed", "Invalid")


def test_given_many_reports_of_one_host_at_once_when_they_race_then_the_highest_version_stays(api: HttpApi) -> None:
    name, host_id = unique(), host()
    create(api, name, [host_id])
    for image in ("nginx:1.26", "nginx:1.27", "nginx:1.28"):
        check(api.request("PUT", PATH, {"name": name, "spec": {"image": image}}), 200, "update succeed")

    results = race(
        8, lambda index: report(api, host_id, {"name": name, "observedVersion": 1 + index % 4, "state": "Running"})
    )

    assert {result.status for result in results} <= {200, 409}
    status = api.request("GET", f"{PATH}?name={name}").body["data"]["status"]
    assert status["hosts"][0]["observedVersion"] == 4
    assert status["phase"] == "Ready"


def test_given_the_host_paths_when_sent_another_method_then_it_is_405_with_allow(api: HttpApi) -> None:
    for method, path, allowed in (
        ("POST", f"/api/v1/hosts/{host()}/instances", "GET"),
        ("DELETE", f"/api/v1/hosts/{host()}/status", "PUT"),
        ("GET", f"/api/v1/hosts/{host()}/status", "PUT"),
    ):
        result = api.request(method, path)
        assert result.status == 405, (method, path, result.raw)
        assert result.headers["Allow"] == allowed
        assert result.body["data"]["reason"] == "MethodNotAllowed"
