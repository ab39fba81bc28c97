"""What the HTTP contract tests share: the path, unique names, the envelope check, a race, and
the GET-by-name answer of an instance none of whose hosts has reported."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from instance_api.http.routes import INSTANCE_PATH as PATH
from tests.http.local_api import HttpResult

__all__ = ["PATH", "check", "race", "unique", "unreported"]


def unique(prefix: str = "web") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def check(result: HttpResult, status: int, message: str, reason: str | None = None) -> None:
    """The envelope: status, JSON, `code` equal to it, the message, and on error its reason and requestId."""
    assert result.status == status, result.raw
    assert result.headers["Content-Type"] == "application/json"
    assert result.body["code"] == status
    assert result.body["message"] == message
    if reason is not None:
        assert result.body["data"]["reason"] == reason
        assert result.body["data"]["requestId"]


def race(count: int, send: Callable[[int], HttpResult]) -> list[HttpResult]:
    """`send(i)` from `count` threads released together; their results in order of i."""
    start = threading.Barrier(count)

    def run(index: int) -> HttpResult:
        start.wait()
        return send(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def unreported(instance: dict[str, Any]) -> dict[str, Any]:
    """What GET ?name= answers for `instance` (as create or update answered it) while none of
    its hosts has reported: the instance plus its status, every host `Unknown` in `hostIDs`
    order, `Progressing`, or `Ready` with no hosts (docs/contract.md, "Status in the instance")."""
    hosts: list[str] = instance["hostIDs"]
    return {
        **instance,
        "status": {
            "phase": "Progressing" if hosts else "Ready",
            "desired": len(hosts),
            "ready": 0,
            "hosts": [
                {"hostID": host, "state": "Unknown", "observedVersion": None, "message": None, "reportedAt": None}
                for host in hosts
            ],
        },
    }
