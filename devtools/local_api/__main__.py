"""`make run`: serve template.yaml's API on 127.0.0.1:3000 with no Docker and no AWS account.

    python -m devtools.local_api [--host H] [--port P] [--dynamodb-endpoint URL | --dynamodb-local [DIR]]

DynamoDB, in order of precedence: `--dynamodb-endpoint`/`DYNAMODB_ENDPOINT_URL` (any
running endpoint, e.g. DynamoDB Local you started), `--dynamodb-local` (start AWS's
DynamoDB Local, data kept in DIR, by default .local/dynamodb-data), else the embedded
in-memory store. Tables come from the template and are created where missing.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Protocol

from devtools.dynamodb_local import DynamoDBLocal
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from devtools.local_api.docs import DocsPages
from devtools.local_api.gateway import GatewayServer, LocalApiGateway, PortInUse
from devtools.local_api.runtime import CodeWatcher
from devtools.local_aws import LocalSecrets, client, local_environment
from devtools.tables import create_tables
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


def _banner(server: GatewayServer, gateway: LocalApiGateway, store: Store, tables: list[str], host: str) -> str:
    base = f"http://{host}:{server.server_port}"
    lines = [f"Instance API (local) listening on {base}"]
    for route in gateway.routes:
        function = route.function
        lines.append(f"  {route.method:<6} {route.path} -> {function.logical_id} ({_relative(function.code_uri)})")
    lines.append(f"  store:  {store.engine}; tables: {', '.join(tables) or 'none'}")
    lines.append("  keys:   Secrets Manager (embedded moto), a random value per secret for this run")
    lines.append(f"  docs:   {base}/docs (OpenAPI at /openapi.yaml; local only)")
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

    def start(self, started: float) -> None:
        arguments, template = self.arguments, self.template
        tables = template.tables()
        create_tables(client(self.store.endpoint, template.region), tables)
        self.secrets = LocalSecrets(template)
        pages = DocsPages(arguments.template.resolve().parent / "openapi.yaml")
        environment = local_environment(self.store.endpoint, template.region, self.secrets.endpoint)
        self.gateway = LocalApiGateway(template, environment, arguments.max_workers, pages.serve)
        self.server = GatewayServer((arguments.host, arguments.port), self.gateway)
        banner = _banner(self.server, self.gateway, self.store, [table.name for table in tables], arguments.host)
        print(f"{banner}\n  ready in {time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)
        self.watcher = CodeWatcher((root for pool in self.gateway.pools.values() for root in pool.roots), self._reload)
        self.watcher.start()
        self.gateway.warm_up()

    def _reload(self, changed: set[Path]) -> None:
        assert self.gateway is not None
        if reloaded := self.gateway.reload(changed):
            names = ", ".join(sorted(_relative(path) for path in changed))
            print(f"reloaded {', '.join(reloaded)} ({names} changed)", file=sys.stderr, flush=True)

    def serve(self) -> None:
        assert self.server is not None
        self.server.serve_forever()

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        if self.server is not None:
            self.server.server_close()
        if self.gateway is not None:
            self.gateway.close()
        if self.secrets is not None:
            self.secrets.stop()
        self.store.stop()


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
