"""`make run`: serve template.yaml's API on 127.0.0.1:3000 with no Docker and no AWS account.

    python -m devtools.local_api [--host H] [--port P] [--dynamodb-endpoint URL | --dynamodb-local [DIR]]

DynamoDB, in order of precedence: `--dynamodb-endpoint`/`DYNAMODB_ENDPOINT_URL` (any
running endpoint, e.g. DynamoDB Local you started), `--dynamodb-local` (start AWS's
DynamoDB Local, data kept in DIR, by default .local/dynamodb-data), else the embedded
in-memory store. Tables come from the template and are created where missing.

The template's stream consumers run too: their table's stream is polled and the function
invoked with batches, as Lambda's event source mapping does (devtools/local_api/streams.py);
what they publish on EventBridge goes to a local stand-in (devtools/local_events.py), is
printed, and is served at GET /_local/events.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, Protocol

from devtools.backfill_host_index import backfill
from devtools.dynamodb_local import DynamoDBLocal
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from devtools.local_api.docs import DocsPages
from devtools.local_api.events_page import EVENTS_PATH, EventsPage
from devtools.local_api.gateway import GatewayServer, HttpRequest, HttpResponse, LocalApiGateway, PortInUse
from devtools.local_api.runtime import CodeWatcher, FunctionPool, reload_changed
from devtools.local_api.streams import LocalStreamConsumers
from devtools.local_aws import LocalSecrets, client, local_environment
from devtools.local_events import LocalEventBridge
from devtools.tables import create_tables, enable_streams
from devtools.template import ROOT, TEMPLATE_PATH, Template

PERSISTED_DATA = ROOT / ".local" / "dynamodb-data"


class Store(Protocol):
    endpoint: str
    engine: str

    def stop(self) -> None: ...


class ExternalDynamoDB:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.engine = f"DynamoDB at {endpoint} (DYNAMODB_ENDPOINT_URL)"

    def stop(self) -> None:
        """Not ours to stop."""


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.local_api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000))
    parser.add_argument("--dynamodb-endpoint", default=os.environ.get("DYNAMODB_ENDPOINT_URL") or None)
    parser.add_argument(
        "--dynamodb-local",
        nargs="?",
        const=PERSISTED_DATA,
        type=Path,
        metavar="DIR",
        help="start DynamoDB Local with its data kept in DIR (default .local/dynamodb-data)",
    )
    parser.add_argument(
        "--dynamodb-local-port",
        type=int,
        default=int(os.environ.get("DYNAMODB_LOCAL_PORT") or 8000),
        help="DynamoDB Local's port with --dynamodb-local (default 8000; 0 picks a free one)",
    )
    parser.add_argument("--template", type=Path, default=TEMPLATE_PATH, help="the SAM template to serve")
    parser.add_argument(
        "--max-workers",
        type=int,
        default=int(os.environ.get("LOCAL_API_MAX_WORKERS") or 4),
        help="concurrent executions per function (each is a process, like a Lambda container)",
    )
    return parser.parse_args(argv)


def _open_store(arguments: argparse.Namespace) -> Store:
    if arguments.dynamodb_endpoint:
        return ExternalDynamoDB(arguments.dynamodb_endpoint)
    if arguments.dynamodb_local:
        return DynamoDBLocal(db_path=arguments.dynamodb_local, port=arguments.dynamodb_local_port or None)
    return EmbeddedDynamoDB()


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _banner(local_api: _LocalApi, tables: list[str]) -> str:
    assert local_api.server is not None
    assert local_api.gateway is not None
    assert local_api.consumers is not None
    base = f"http://{local_api.arguments.host}:{local_api.server.server_port}"
    lines = [f"Instance API (local) listening on {base}"]
    for route in local_api.gateway.routes:
        function = route.function
        lines.append(f"  {route.method:<6} {route.path} -> {function.logical_id} ({_relative(function.code_uri)})")
    for poller in local_api.consumers.pollers:
        consumer = poller.mapping.consumer
        function = consumer.function
        lines.append(f"  stream {consumer.table} -> {function.logical_id} ({_relative(function.code_uri)})")
    lines.append(f"  store:  {local_api.store.engine}; tables: {', '.join(tables) or 'none'}")
    lines.append("  keys:   Secrets Manager (embedded moto), a random value per secret for this run")
    lines.append(f"  docs:   {base}/docs (OpenAPI at /openapi.yaml; local only)")
    lines.append(f"  events: {base}{EVENTS_PATH} (what the stream consumers published; local only)")
    lines.append("  code under functions/ and layers/ reloads on save; Ctrl-C stops everything")
    return "\n".join(lines)


class _LocalApi:
    """What `make run` runs, started piece by piece and stopped in reverse, whatever started."""

    def __init__(self, arguments: argparse.Namespace) -> None:
        self.arguments = arguments
        self.template = Template.load(arguments.template)
        self.store = _open_store(arguments)
        self.secrets: LocalSecrets | None = None
        self.gateway: LocalApiGateway | None = None
        self.server: GatewayServer | None = None
        self.watcher: CodeWatcher | None = None
        self.bridge: LocalEventBridge | None = None
        self.consumers: LocalStreamConsumers | None = None

    def _prepare_tables(self) -> list[str]:
        """Create the template's tables where missing, and index what a new host index missed."""
        template, dynamodb = self.template, client(self.store.endpoint, self.template.region)
        tables = template.tables()
        created = create_tables(dynamodb, tables)
        enable_streams(dynamodb, tables)
        for consumer in template.stream_consumers():
            index = consumer.function.environment.get("HOST_INDEX_TABLE_NAME")
            if index in created and consumer.table not in created:
                instances, _ = backfill(dynamodb, consumer.table, index)
                print(f"  backfilled {index} with {instances} existing instances", file=sys.stderr, flush=True)
        return [table.name for table in tables]

    def _pages(self) -> Callable[[HttpRequest], HttpResponse | None]:
        assert self.bridge is not None
        docs, events = DocsPages(self.arguments.template.resolve().parent / "openapi.yaml"), EventsPage(self.bridge)
        return lambda request: docs.serve(request) or events.serve(request)

    def _pools(self) -> list[FunctionPool]:
        assert self.gateway is not None
        assert self.consumers is not None
        return [*self.gateway.pools.values(), *self.consumers.pools.values()]

    def start(self, started: float) -> None:
        arguments, template = self.arguments, self.template
        tables = self._prepare_tables()
        self.secrets = LocalSecrets(template)
        self.bridge = LocalEventBridge(template.event_buses(), on_event=_print_event, region=template.region)
        environment = local_environment(
            self.store.endpoint, template.region, self.secrets.endpoint, events_endpoint=self.bridge.endpoint
        )
        self.gateway = LocalApiGateway(template, environment, arguments.max_workers, self._pages())
        self.server = GatewayServer((arguments.host, arguments.port), self.gateway)
        self.consumers = LocalStreamConsumers(template, self.store.endpoint, environment)
        print(f"{_banner(self, tables)}\n  ready in {time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)
        self.watcher = CodeWatcher((root for pool in self._pools() for root in pool.roots), self._reload)
        self.watcher.start()
        self.gateway.warm_up()
        self.consumers.start()

    def _reload(self, changed: set[Path]) -> None:
        if reloaded := reload_changed(self._pools(), changed):
            names = ", ".join(sorted(_relative(path) for path in changed))
            print(f"reloaded {', '.join(reloaded)} ({names} changed)", file=sys.stderr, flush=True)

    def serve(self) -> None:
        assert self.server is not None
        self.server.serve_forever()

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.consumers is not None:
            self.consumers.stop()
        if self.server is not None:
            self.server.server_close()
        if self.gateway is not None:
            self.gateway.close()
        if self.bridge is not None:
            self.bridge.stop()
        if self.secrets is not None:
            self.secrets.stop()
        self.store.stop()


def _print_event(event: dict[str, Any]) -> None:
    """Each published change event, on one line of the console."""
    print(f"event {json.dumps(event, separators=(',', ':'))}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    arguments = _parse(sys.argv[1:] if argv is None else argv)
    # Ctrl-C must stop everything even if our parent left SIGINT ignored (as a shell does
    # for background jobs); SIGTERM (kill, a supervisor) stops it the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    local_api = _LocalApi(arguments)
    try:
        local_api.start(started)
        local_api.serve()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr, flush=True)
    except PortInUse as taken:
        print(taken, file=sys.stderr, flush=True)
        return 1
    finally:
        local_api.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
