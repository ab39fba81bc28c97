"""A small in-memory Instance API with the contract's host agent routes (docs/contract.md, "Host
agents"), for the client tier until `make run` serves them: a `decide` for InterceptingServer.

It keeps the rules the client relies on, and only those: create, get, update and delete on
`/api/v1/instance` and a namespace's path (versions, 404, 409); the host's view
(`GET /api/v1/hosts/{hostID}/instances`: across namespaces, sorted by name, `limit` and
`nextToken`, each item with `hostStatus`, a strong quoted ETag over the whole view, 304 with
no body to a matching `If-None-Match`); reports (`PUT /api/v1/hosts/{hostID}/status`: 400 for
a bad body, 404 when the instance is absent or not on the host, 409 for a version above the
instance's or below the host's last report; a report changes no version); and `status` on
`GET ?name=`. The view follows writes at once (the real one may lag by up to 2 s).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

STATES = ("Pending", "Running", "Failed", "Stopped")
_INSTANCE_PATH = re.compile(r"/api/v1(?:/namespaces/(?P<namespace>[^/]+))?/instance")
_HOST_PATH = re.compile(r"/api/v1/hosts/(?P<host>[^/]+)/(?P<leaf>instances|status)")
_HOST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,252}")
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_REPORT_FIELDS = frozenset({"name", "observedVersion", "state", "message"})
_WRITABLE = ("spec", "shareStorage", "hostIDs", "labels")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Refused(Exception):
    def __init__(self, status: int, reason: str, error: str) -> None:
        super().__init__(error)
        self.status, self.reason, self.error = status, reason, error


@dataclass
class FakeApi:
    """The state, and `decide`, which answers one request from it (thread-safe)."""

    instances: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (name, host) -> hostStatus
    last_versions: dict[str, int] = field(default_factory=dict)  # a deleted name's last version (tombstones)
    page_size: int = 100  # the view's default `limit`

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def serve(self) -> InterceptingServer:
        return InterceptingServer(self.decide)

    def add(self, name: str, hosts: list[str], **fields: Any) -> dict[str, Any]:
        """An instance, as a create of `name` on `hosts` (and `fields`) stores it."""
        body = json.dumps({"name": name, "hostIDs": hosts, **fields}).encode()
        namespace = fields.get("namespace")
        with self._lock:
            reply = self._create(Exchange("POST", "/api/v1/instance", (), body), namespace)
        created: dict[str, Any] = reply.json["data"]
        return created

    def change(self, name: str, **fields: Any) -> None:
        """An update of `name` (a new version), as another writer makes it."""
        with self._lock:
            self._update(Exchange("PUT", "/api/v1/instance", (), json.dumps({"name": name, **fields}).encode()), None)

    def remove(self, name: str) -> None:
        with self._lock:
            self._delete(Exchange("DELETE", f"/api/v1/instance?name={name}", ()), None)

    def decide(self, exchange: Exchange, forward: Forward) -> Reply:
        op = _op(exchange)
        try:
            with self._lock:
                return self._route(exchange)
        except _Refused as refused:
            data = {"error": refused.error, "reason": refused.reason, "requestId": str(uuid.uuid4())}
            return _envelope(refused.status, f"{op} failed", data)

    def _route(self, exchange: Exchange) -> Reply:
        instance_path, host_path = _INSTANCE_PATH.fullmatch(exchange.path), _HOST_PATH.fullmatch(exchange.path)
        if instance_path is not None:
            namespace = instance_path.group("namespace")
            handlers = {"POST": self._create, "PUT": self._update, "GET": self._get, "DELETE": self._delete}
            if exchange.method in handlers:
                return handlers[exchange.method](exchange, namespace)
        if host_path is not None:
            host = unquote(host_path.group("host"))
            if not _HOST_ID.fullmatch(host):
                raise _Refused(400, "Invalid", f"hostID {host[:64]!r} must consist of [A-Za-z0-9._:-]")
            if host_path.group("leaf") == "instances" and exchange.method == "GET":
                return self._view(exchange, host)
            if host_path.group("leaf") == "status" and exchange.method == "PUT":
                return self._report(exchange, host)
        raise _Refused(405 if instance_path or host_path else 404, "MethodNotAllowed", "not routed by the fake")

    # -- instances -------------------------------------------------------------------------

    def _create(self, exchange: Exchange, namespace: str | None) -> Reply:
        body = _body(exchange)
        name = str(body.get("name"))
        if name in self.instances:
            raise _Refused(409, "AlreadyExists", f"instance {name!r} already exists")
        now = _now()
        instance = {
            "name": name,
            "namespace": namespace or body.get("namespace") or "default",
            "spec": body.get("spec", {"image": ""}),
            "shareStorage": body.get("shareStorage", False),
            "hostIDs": body.get("hostIDs", []),
            "labels": body.get("labels", {}),
            "version": self.last_versions.get(name, 0) + 1,
            "createdAt": now,
            "updatedAt": now,
        }
        self.instances[name] = instance
        return _envelope(200, "create succeed", instance)

    def _update(self, exchange: Exchange, namespace: str | None) -> Reply:
        body = _body(exchange)
        current = self._found(str(body.get("name")), namespace)
        if "version" in body and body["version"] != current["version"]:
            raise _Refused(409, "Conflict", f"instance {current['name']!r} is at version {current['version']}")
        current.update({key: body[key] for key in _WRITABLE if key in body})
        current.update(version=current["version"] + 1, updatedAt=_now())
        return _envelope(200, "update succeed", current)

    def _get(self, exchange: Exchange, namespace: str | None) -> Reply:
        (name,) = exchange.query["name"]
        return _envelope(200, "get succeed", self._with_status(self._found(name, namespace)))

    def _delete(self, exchange: Exchange, namespace: str | None) -> Reply:
        name = exchange.query["name"][0] if "name" in exchange.query else str(_body(exchange).get("name"))
        instance = self._found(name, namespace)
        del self.instances[name]
        self.last_versions[name] = instance["version"]
        self.reports = {key: value for key, value in self.reports.items() if key[0] != name}
        return _envelope(200, "delete succeed", {"name": name})

    def _found(self, name: str, namespace: str | None) -> dict[str, Any]:
        instance = self.instances.get(name)
        if instance is None or namespace not in (None, instance["namespace"]):
            raise _Refused(404, "NotFound", f"instance {name[:64]!r} not found")
        return instance

    def _with_status(self, instance: dict[str, Any]) -> dict[str, Any]:
        version, hosts = instance["version"], []
        for host in instance["hostIDs"]:
            report = self.reports.get((instance["name"], host)) or {
                "state": "Unknown",
                "observedVersion": None,
                "message": None,
                "reportedAt": None,
            }
            hosts.append({"hostID": host, **report})
        current = [host for host in hosts if host["observedVersion"] == version]
        ready = sum(host["state"] == "Running" for host in current)
        failed = any(host["state"] == "Failed" for host in current)
        phase = "Failed" if failed else "Ready" if ready == len(hosts) else "Progressing"
        status = {"phase": phase, "desired": len(hosts), "ready": ready, "hosts": hosts}
        return {**instance, "status": status}

    # -- the host's view and reports -------------------------------------------------------

    def view(self, host: str) -> list[dict[str, Any]]:
        """Every instance on `host`, by name, each with this host's last report."""
        on_host = sorted((i for i in self.instances.values() if host in i["hostIDs"]), key=lambda i: i["name"])
        return [{**instance, "hostStatus": self.reports.get((instance["name"], host))} for instance in on_host]

    def etag(self, host: str) -> str:
        digest = hashlib.sha256(json.dumps(self.view(host), sort_keys=True).encode()).hexdigest()
        return f'"{digest[:32]}"'

    def _view(self, exchange: Exchange, host: str) -> Reply:
        etag = self.etag(host)
        asked = exchange.header("If-None-Match")
        if asked is not None and etag in (tag.strip() for tag in asked.split(",")):
            return Reply(304, b"", (("ETag", etag),))
        limit = int(exchange.query.get("limit", [str(self.page_size)])[0])
        if not 1 <= limit <= 500:
            raise _Refused(400, "Invalid", "limit must be 1-500")
        after = _after(exchange.query.get("nextToken", [None])[0])
        rest = [item for item in self.view(host) if after is None or item["name"] > after]
        page, more = rest[:limit], len(rest) > limit
        token = base64.urlsafe_b64encode(page[-1]["name"].encode()).decode() if more else None
        reply = _envelope(200, "list succeed", {"items": page, "nextToken": token})
        return Reply(reply.status, reply.body, (*reply.headers, ("ETag", etag)))

    def _report(self, exchange: Exchange, host: str) -> Reply:
        body = _report_body(exchange)
        instance = self.instances.get(body["name"])
        if instance is None or host not in instance["hostIDs"]:
            raise _Refused(404, "NotFound", f"instance {body['name']!r} is not on host {host!r}")
        last = self.reports.get((body["name"], host))
        if body["observedVersion"] > instance["version"]:
            raise _Refused(409, "Conflict", f"observedVersion {body['observedVersion']} is above the instance's")
        if last is not None and body["observedVersion"] < last["observedVersion"]:
            raise _Refused(409, "Conflict", f"host {host!r} reported version {last['observedVersion']} already")
        self.reports[(body["name"], host)] = {
            "state": body["state"],
            "observedVersion": body["observedVersion"],
            "message": body.get("message"),
            "reportedAt": _now(),
        }
        return _envelope(200, "report succeed", self._with_status(instance))


def _op(exchange: Exchange) -> str:
    if _HOST_PATH.fullmatch(exchange.path):
        return "report" if exchange.method == "PUT" else "list"
    ops = {"POST": "create", "PUT": "update", "DELETE": "delete"}
    return ops.get(exchange.method, "get" if "name" in exchange.query else "list")


def _body(exchange: Exchange) -> dict[str, Any]:
    try:
        body = json.loads(exchange.body)
    except ValueError:
        raise _Refused(400, "BadRequest", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise _Refused(400, "BadRequest", "the body must be a JSON object")
    return body


def _report_body(exchange: Exchange) -> dict[str, Any]:
    body = _body(exchange)
    unknown = set(body) - _REPORT_FIELDS
    version, message = body.get("observedVersion"), body.get("message")
    if unknown:
        raise _Refused(400, "BadRequest", f"unknown fields: {sorted(unknown)}")
    if not isinstance(body.get("name"), str) or not _NAME.fullmatch(body["name"]):
        raise _Refused(400, "Invalid", "name must be a DNS-1123 label")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Refused(400, "Invalid", "observedVersion must be an integer of at least 1")
    if body.get("state") not in STATES:
        raise _Refused(400, "Invalid", f"state must be one of {', '.join(STATES)}")
    if message is not None and (not isinstance(message, str) or len(message) > 1024):
        raise _Refused(400, "Invalid", "message must be a string of at most 1024 characters")
    return body


def _after(token: str | None) -> str | None:
    if token is None:
        return None
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        raise _Refused(400, "Invalid", "nextToken is not one of the fake's") from None


def _envelope(status: int, message: str, data: Any) -> Reply:
    return Reply(status, json.dumps({"code": status, "message": message, "data": data}).encode())
