"""A local stand-in for EventBridge's PutEvents: it records what the change consumer publishes.

The consumer's botocore client reaches it through AWS_ENDPOINT_URL_EVENTBRIDGE (botocore's own
per-service endpoint variable), so locally nothing goes to AWS. It answers PutEvents as
EventBridge does (an entry per event, an error code per refused one: an unknown bus, a
`Detail` that is not a JSON object, a missing source or detail-type; a whole request refused,
as a 400 ValidationException, when it holds more than 10 entries or its entries' sizes add
up to more than 1 MB) and keeps each event
in the shape EventBridge delivers to a rule's target ({version, id, detail-type, source,
account, time, region, resources, detail}), oldest first, for `GET /_local/events`.
Only PutEvents is answered; this is not an EventBridge emulator (no rules, no archive).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from devtools.template import LOCAL_ACCOUNT, LOCAL_REGION
from devtools.wsgi_server import WSGIThread
from instance_api.aws.eventbridge import entry_size

PUT_EVENTS_TARGET = "AWSEvents.PutEvents"
# What EventBridge takes in one call: 10 entries, 1 MB of entries in all (256 KB until
# 2026-01-29), sized as it documents (instance_api.change_events.entry_size); 1 MB read as
# 1 MiB here, the larger reading, so the stand-in refuses only what EventBridge surely would.
ENTRIES_PER_CALL = 10
REQUEST_MAX_BYTES = 1024 * 1024


class RequestRefused(Exception):
    """EventBridge refuses the whole call (HTTP 400), taking none of its entries."""


def _time(entry: dict[str, Any]) -> str:
    """An entry's Time (epoch seconds, as botocore sends it), else now, as EventBridge writes it."""
    stamp = entry.get("Time")
    moment = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class LocalEventBridge:
    """PutEvents on `buses` (names or ARNs), served on a loopback port until `stop()`.

    `on_event` is called with each event taken (the emulator prints it).
    """

    def __init__(
        self, buses: Iterable[str], on_event: Callable[[dict[str, Any]], None] | None = None, region: str = LOCAL_REGION
    ) -> None:
        self._region = region
        self._buses = {name: name for name in buses}
        self._buses.update({f"arn:aws:events:{region}:{LOCAL_ACCOUNT}:event-bus/{name}": name for name in buses})
        self._on_event = on_event
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = WSGIThread(self._application, "local-eventbridge")
        self.endpoint = self._server.endpoint

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event taken so far, oldest first."""
        with self._lock:
            return list(self._events)

    def _refusal(self, entry: Any) -> tuple[str, str] | None:
        """Why EventBridge would refuse `entry` (error code, message), or None."""
        if not isinstance(entry, dict) or not entry.get("Source") or not entry.get("DetailType"):
            return "InvalidArgument", "Parameter(s) Source, DetailType and Detail must be specified."
        if entry.get("EventBusName", "default") not in self._buses:
            return "ResourceNotFoundException", f"Event bus {entry.get('EventBusName', 'default')} does not exist."
        try:
            detail = json.loads(entry.get("Detail", ""))
        except ValueError:
            detail = None
        if not isinstance(detail, dict):
            return "MalformedDetail", "Detail is malformed."
        return None

    def _take(self, entry: dict[str, Any]) -> dict[str, str]:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": LOCAL_ACCOUNT,
            "time": _time(entry),
            "region": self._region,
            "resources": list(entry.get("Resources", [])),
            "detail": json.loads(entry["Detail"]),
        }
        with self._lock:
            self._events.append(event)
        if self._on_event is not None:
            self._on_event(event)
        return {"EventId": event["id"]}

    def put_events(self, request: dict[str, Any]) -> dict[str, Any]:
        """PutEvents' answer to `request`, taking the entries it accepts; RequestRefused for a
        request EventBridge refuses whole."""
        entries = request.get("Entries", [])
        if len(entries) > ENTRIES_PER_CALL:
            raise RequestRefused(f"Entries: at most {ENTRIES_PER_CALL} entries in one PutEvents request")
        sized = [entry for entry in entries if self._refusal(entry) is None]
        if sum(entry_size(entry) for entry in sized) > REQUEST_MAX_BYTES:
            raise RequestRefused("Total size of the entries in the request is over the limit.")
        answers = []
        for entry in entries:
            refusal = self._refusal(entry)
            if refusal is None:
                answers.append(self._take(entry))
            else:
                answers.append({"ErrorCode": refusal[0], "ErrorMessage": refusal[1]})
        failed = sum("ErrorCode" in answer for answer in answers)
        return {"FailedEntryCount": failed, "Entries": answers}

    def _application(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET") != PUT_EVENTS_TARGET:
            body = {"__type": "UnknownOperationException", "message": "only PutEvents is served locally"}
            start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")])
            return [json.dumps(body).encode()]
        request = json.loads(environ["wsgi.input"].read() or b"{}")
        try:
            answer = self.put_events(request)
        except RequestRefused as refused:
            start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")])
            return [json.dumps({"__type": "ValidationException", "message": str(refused)}).encode()]
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1")])
        return [json.dumps(answer).encode()]

    def stop(self) -> None:
        self._server.stop()
