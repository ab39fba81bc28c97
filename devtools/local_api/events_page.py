"""GET /_local/events: the change events the local stack published, oldest first.

`{"events": [<event>...]}`, each as EventBridge delivers it to a rule's target (source,
detail-type, detail, ...): what the change consumer put on the bus (devtools.local_events).
A local-only path like /docs; on AWS, subscribe to the bus with a rule instead.
"""

from __future__ import annotations

import json

from devtools.local_api.gateway import HttpRequest, HttpResponse
from devtools.local_events import LocalEventBridge

EVENTS_PATH = "/_local/events"


class EventsPage:
    def __init__(self, bridge: LocalEventBridge) -> None:
        self._bridge = bridge

    def serve(self, request: HttpRequest) -> HttpResponse | None:
        if request.method != "GET" or request.target.partition("?")[0] != EVENTS_PATH:
            return None
        body = json.dumps({"events": self._bridge.events}, separators=(",", ":"))
        return HttpResponse(200, [("Content-Type", "application/json")], body.encode())
