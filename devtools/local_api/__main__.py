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

from devtools.dynamodb import (
    DynamoDBLocal,
    EmbeddedDynamoDB,
    client,
    create_tables,
    local_environment,
)
from devtools.local_api.docs import DocsPages
from devtools.local_api.gateway import GatewayServer, LocalApiGateway, PortInUse
from devtools.local_api.runtime import CodeWatcher
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


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    arguments = _parse(sys.argv[1:] if argv is None else argv)
    # Ctrl-C must stop everything even if our parent left SIGINT ignored (as a shell does
    # for background jobs); SIGTERM (kill, a supervisor) stops it the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    template = Template.load(arguments.template)
    store = _open_store(arguments)
    gateway: LocalApiGateway | None = None
    server: GatewayServer | None = None
    watcher: CodeWatcher | None = None
    try:
        tables = template.tables()
        create_tables(client(store.endpoint, template.region), tables)
        pages = DocsPages(arguments.template.resolve().parent / "openapi.yaml")
        gateway = LocalApiGateway(
            template, local_environment(store.endpoint, template.region), arguments.max_workers, pages.serve
        )
        server = GatewayServer((arguments.host, arguments.port), gateway)
        lines = [f"Instance API (local) listening on http://{arguments.host}:{server.server_port}"]
        for route in gateway.routes:
            lines.append(
                f"  {route.method:<6} {route.path} -> {route.function.logical_id} "
                f"({_relative(route.function.code_uri)})"
            )
        lines.append(f"  store:  {store.engine}; tables: {', '.join(table.name for table in tables) or 'none'}")
        lines.append(
            f"  docs:   http://{arguments.host}:{server.server_port}/docs (OpenAPI at /openapi.yaml; local only)"
        )
        lines.append("  code under functions/ and layers/ reloads on save; Ctrl-C stops everything")
        lines.append(f"  ready in {time.perf_counter() - started:.2f} s")
        print("\n".join(lines), file=sys.stderr, flush=True)

        def reload(changed: set[Path]) -> None:
            assert gateway is not None
            if reloaded := gateway.reload(changed):
                names = ", ".join(sorted(_relative(path) for path in changed))
                print(f"reloaded {', '.join(reloaded)} ({names} changed)", file=sys.stderr, flush=True)

        watcher = CodeWatcher((root for pool in gateway.pools.values() for root in pool.roots), reload)
        watcher.start()
        gateway.warm_up()
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr, flush=True)
    except PortInUse as taken:
        print(taken, file=sys.stderr, flush=True)
        return 1
    finally:
        if watcher is not None:
            watcher.stop()
        if server is not None:
            server.server_close()
        if gateway is not None:
            gateway.close()
        store.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
