"""The local API Gateway: HTTP in, a REST (v1) proxy event to the routed function, HTTP out.

Routes come from template.yaml's `Api` events, never from a list written here, and match
as API Gateway matches them: an exact path before a `{param}` one before `{proxy+}`, and a
resource's explicit method before its ANY; the path is matched, and passed on, as the client
sent it (percent-encoded: `%2F` never splits a segment). The event is built as API Gateway builds it for
a Lambda proxy integration, and the function's proxy response is checked as API Gateway
checks it: anything but `statusCode`, `headers`, `multiValueHeaders`, `body`,
`isBase64Encoded` with the right types fails. What the gateway answers itself (no route:
MISSING_AUTHENTICATION_TOKEN; a failed function: DEFAULT_5XX; a body over 10 MB:
REQUEST_TOO_LARGE) is rendered from the template's GatewayResponses, or from API
Gateway's defaults where the template customises none.
"""

from __future__ import annotations

import base64
import binascii
import errno
import json
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from devtools.keep_alive import KeepAliveRequestHandler
from devtools.local_api.runtime import FunctionPool, InvokeFailed, reload_changed, warm_up
from devtools.template import LOCAL_ACCOUNT, Route, Template

# API Gateway's own payload limit; the API's 64 KiB body rule is the function's to enforce.
GATEWAY_PAYLOAD_MAX = 10 * 1024 * 1024
# Lambda's limit on a synchronous invoke's payload (the whole event, body and headers): a
# body between about 6 and 10 MB passes API Gateway and is refused by Lambda, which API
# Gateway answers as REQUEST_TOO_LARGE (413 "Request Too Long", as seen from a deployed REST
# API; we could not verify it here).
LAMBDA_INVOKE_PAYLOAD_MAX = 6 * 1024 * 1024
# Below this a body cannot make the event exceed Lambda's limit: no need to measure it.
_SMALL_BODY = 1024 * 1024
# API Gateway's answers when a template customises nothing: default status and message.
_DEFAULT_GATEWAY_RESPONSES = {
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token"),
    "REQUEST_TOO_LARGE": (413, "Request Too Long"),
    "DEFAULT_4XX": (400, "Bad Request"),
    "DEFAULT_5XX": (502, "Internal server error"),
}
_CONTEXT_VARIABLE = re.compile(r"\$context\.[A-Za-z.]+")
# A larger body is read and dropped up to this size, so the client sees the 413 rather than
# a reset connection; past it the connection is closed unread.
_DRAIN_MAX = 64 * 1024 * 1024
_PROXY_RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})
_HEADER_VALUE_TYPES = (str, int, float, bool)


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query, as sent
    headers: list[tuple[str, str]]
    body: bytes | None
    source_ip: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class MalformedProxyResponse(Exception):
    pass


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]

    @property
    def precedence(self) -> tuple[int, int, bool]:
        """Lower first: fewer greedy parameters, fewer parameters, an explicit method."""
        path = self.route.path
        return path.count("+}"), path.count("{"), self.route.method == "ANY"


def _path_pattern(resource: str) -> re.Pattern[str]:
    """`/a/{id}` and `/a/{proxy+}` as API Gateway matches them."""
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", resource):
        if part.startswith("{") and part.endswith("+}"):
            pattern += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            pattern += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            pattern += re.escape(part)
    return re.compile(pattern)


class GatewayResponses:
    """API Gateway's own answers, as a template's GatewayResponses customise them.

    A type the template does not customise takes the DEFAULT_4XX/DEFAULT_5XX customisation
    of its class, else API Gateway's default `{"message": ...}`. Templates are rendered for
    the variables API Gateway documents for them ($context.requestId,
    $context.error.message, $context.error.messageString, $context.error.responseType);
    other $context variables render empty. Header values must be static ('value').
    """

    def __init__(self, configured: dict[str, Any]) -> None:
        self._configured = configured

    def render(self, response_type: str, request_id: str) -> HttpResponse:
        default_status, message = _DEFAULT_GATEWAY_RESPONSES[response_type]
        fallback = self._configured.get("DEFAULT_4XX" if default_status < 500 else "DEFAULT_5XX", {})
        own = self._configured.get(response_type, {})
        status = int(own.get("StatusCode") or fallback.get("StatusCode") or default_status)
        template = (own or fallback).get("ResponseTemplates", {}).get("application/json")
        if template is None:
            template = '{"message":$context.error.messageString}'
        values = {
            "$context.requestId": request_id,
            "$context.error.message": message,
            "$context.error.messageString": json.dumps(message),
            "$context.error.responseType": response_type,
        }
        body = _CONTEXT_VARIABLE.sub(lambda match: values.get(match.group(0), ""), template)
        headers = [("Content-Type", "application/json")]
        for name, value in (own or fallback).get("ResponseParameters", {}).get("Headers", {}).items():
            if len(value) >= 2 and value[0] == value[-1] == "'":
                headers.append((name, value[1:-1]))
        return HttpResponse(status, headers, body.encode())


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return values


def _event_body(raw: bytes | None) -> tuple[str | None, bool]:
    """The body as API Gateway passes it: text, or base64 when it is not UTF-8."""
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def _identity(request: HttpRequest, headers: dict[str, str]) -> dict[str, Any]:
    unsigned = ("caller", "user", "userArn", "accountId", "accessKey")
    cognito = ("cognitoIdentityPoolId", "cognitoIdentityId", "cognitoAuthenticationType")
    identity: dict[str, Any] = {"sourceIp": request.source_ip, "userAgent": headers.get("user-agent")}
    identity.update(dict.fromkeys((*unsigned, *cognito, "cognitoAuthenticationProvider")))
    return identity


def _request_context(
    request: HttpRequest, route: Route, path: str, stage: str, request_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    now = time.time()
    return {
        "accountId": LOCAL_ACCOUNT,
        "apiId": "local",
        "resourceId": "local",
        "stage": stage,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": formatdate(now, usegmt=True),
        "requestTimeEpoch": int(now * 1000),
        "path": f"/{stage}{path}",
        "resourcePath": route.path,
        "httpMethod": request.method,
        "protocol": "HTTP/1.1",
        "domainName": headers.get("host", "localhost"),
        "identity": _identity(request, headers),
    }


def build_event(
    request: HttpRequest, route: Route, path_parameters: dict[str, str], stage: str, request_id: str
) -> dict[str, Any]:
    """The REST API (v1) Lambda proxy integration event for `request`."""
    # API Gateway (REST) passes the path as the client sent it, percent-encoding and all.
    path, _, query = request.target.partition("?")
    multi_query = _multi(parse_qsl(query, keep_blank_values=True))
    multi_headers = _multi(request.headers)
    by_lower_name = {key.lower(): value for key, value in request.headers}
    body, is_base64 = _event_body(request.body)
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": {key: values[-1] for key, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {key: values[-1] for key, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": _request_context(request, route, path, stage, request_id, by_lower_name),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _proxy_headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedProxyResponse("headers and multiValueHeaders must be objects")
    headers: list[tuple[str, str]] = []
    # API Gateway merges both; where a name is in both, multiValueHeaders wins.
    for name, value in single.items():
        if name not in multi:
            if not isinstance(value, _HEADER_VALUE_TYPES):
                raise MalformedProxyResponse(f"header {name} is not a string")
            headers.append((name, str(value)))
    for name, values in multi.items():
        if not isinstance(values, list) or not all(isinstance(value, _HEADER_VALUE_TYPES) for value in values):
            raise MalformedProxyResponse(f"multiValueHeaders.{name} is not a list of strings")
        headers.extend((name, str(value)) for value in values)
    return headers


def _proxy_payload(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedProxyResponse("body must be a string")
    if result.get("isBase64Encoded") is not True:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedProxyResponse("isBase64Encoded body is not base64") from error


def proxy_response(result: Any) -> HttpResponse:
    """Check and convert a Lambda proxy response as API Gateway does (else MalformedProxyResponse)."""
    if not isinstance(result, dict) or not result.keys() <= _PROXY_RESPONSE_KEYS:
        raise MalformedProxyResponse("not an object with only the proxy response keys")
    status = result.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status!r} is not an HTTP status")
    headers = _proxy_headers(result)
    payload = _proxy_payload(result)
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, payload)


def _over_invoke_limit(request: HttpRequest, event: dict[str, Any]) -> bool:
    if request.body is None or len(request.body) < _SMALL_BODY:
        return False
    return len(json.dumps(event).encode()) > LAMBDA_INVOKE_PAYLOAD_MAX


class LocalApiGateway:
    """Routes requests to function pools built from template.yaml."""

    def __init__(
        self,
        template: Template,
        base_environment: dict[str, str],
        max_workers: int = 4,
        pages: Callable[[HttpRequest], HttpResponse | None] | None = None,
    ) -> None:
        self._pages = pages
        self.stage = template.stage_name()
        self.routes = template.routes()
        self.gateway_responses = GatewayResponses(template.gateway_responses())
        self.pools: dict[str, FunctionPool] = {}
        self._compiled: list[_CompiledRoute] = []
        for route in self.routes:
            function = route.function
            if function.logical_id not in self.pools:
                self.pools[function.logical_id] = FunctionPool(function, base_environment, max_workers)
            self._compiled.append(_CompiledRoute(route, _path_pattern(route.path)))
        self._compiled.sort(key=lambda compiled: compiled.precedence)

    def handle(self, request: HttpRequest) -> HttpResponse:
        page = self._pages(request) if self._pages is not None else None
        if page is not None:
            return page
        request_id = str(uuid.uuid4())
        response = self._dispatch(request, request_id)
        response.headers.append(("x-amzn-RequestId", request_id))
        return response

    def match(self, method: str, target: str) -> tuple[Route, dict[str, str]] | None:
        """The route API Gateway picks for `method` and `target`, with its path parameters.

        The path is matched as sent, percent-encoded, as API Gateway (REST) matches it and
        passes it on: `/a/x%2Fy` is one segment, so `{id}` is `x%2Fy`, never decoded.
        """
        path = target.partition("?")[0]
        for compiled in self._compiled:
            found = compiled.pattern.fullmatch(path)
            if found is not None and compiled.route.method in (method, "ANY"):
                return compiled.route, found.groupdict()
        return None

    def _dispatch(self, request: HttpRequest, request_id: str) -> HttpResponse:
        matched = self.match(request.method, request.target)
        if matched is None:
            # API Gateway answers an unrouted method or path this way, whatever the auth.
            return self.gateway_responses.render("MISSING_AUTHENTICATION_TOKEN", request_id)
        route, path_parameters = matched
        event = build_event(request, route, path_parameters, self.stage, request_id)
        if _over_invoke_limit(request, event):
            return self.gateway_responses.render("REQUEST_TOO_LARGE", request_id)
        return self._invoke(self.pools[route.function.logical_id], event, request_id)

    def _invoke(self, pool: FunctionPool, event: dict[str, Any], request_id: str) -> HttpResponse:
        try:
            return proxy_response(pool.invoke(event, request_id))
        except InvokeFailed as failure:
            # The traceback is for the developer's console, never for the client.
            print(f"[{request_id}] {failure.summary}\n{failure.detail}", file=sys.stderr, flush=True)
        except MalformedProxyResponse as malformed:
            print(f"[{request_id}] malformed proxy response: {malformed}", file=sys.stderr, flush=True)
        return self.gateway_responses.render("DEFAULT_5XX", request_id)

    def warm_up(self) -> None:
        """Start one worker per function in the background, so the first request is warm."""
        warm_up(self.pools.values())

    def reload(self, changed: set[Path]) -> list[str]:
        return reload_changed(self.pools.values(), changed)

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()


class _RequestTooLarge(Exception):
    def __init__(self, drained: bool) -> None:
        super().__init__("request body too large")
        self.drained = drained


class _GatewayRequestHandler(KeepAliveRequestHandler):
    server: GatewayServer

    def _read_chunked(self) -> bytes:
        chunks, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                break
            total += size
            if total > _DRAIN_MAX:
                raise _RequestTooLarge(drained=False)
            chunk = self.rfile.read(size)
            if total <= GATEWAY_PAYLOAD_MAX:
                chunks.append(chunk)
            self.rfile.readline()
        if total > GATEWAY_PAYLOAD_MAX:
            raise _RequestTooLarge(drained=True)
        return b"".join(chunks)

    def _content_length(self) -> int:
        """The one Content-Length (0 without one); two that differ, a negative one, or one
        beside chunked framing is ambiguous framing, refused as API Gateway refuses it."""
        lengths = set(self.headers.get_all("Content-Length") or [])
        if len(lengths) > 1 or (lengths and "Transfer-Encoding" in self.headers):
            raise ValueError("ambiguous message framing")
        length = int(lengths.pop()) if lengths else 0
        if length < 0:
            raise ValueError("negative Content-Length")
        return length

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._content_length()
            return self._read_chunked()
        length = self._content_length()
        if length > GATEWAY_PAYLOAD_MAX:
            if length > _DRAIN_MAX:
                raise _RequestTooLarge(drained=False)
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 20))
                if not chunk:
                    break  # the client went away
                length -= len(chunk)
            raise _RequestTooLarge(drained=True)
        return self.rfile.read(length) if length > 0 else None

    def _serve(self) -> None:
        started = time.perf_counter()
        try:
            body = self._read_body()
        except _RequestTooLarge as too_large:
            self.close_connection = not too_large.drained  # an unread body is still on the socket
            response = self.server.gateway.gateway_responses.render("REQUEST_TOO_LARGE", str(uuid.uuid4()))
        except ValueError:  # a malformed Content-Length or chunked body
            self.close_connection = True
            response = self.server.gateway.gateway_responses.render("DEFAULT_4XX", str(uuid.uuid4()))
        else:
            request = HttpRequest(
                method=self.command,
                target=self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            response = self.server.gateway.handle(request)
        self.send_whole_response(response.status, response.headers, response.body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        print(f"{self.command} {self.path} {response.status} {elapsed_ms:.1f} ms", file=sys.stderr, flush=True)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What http.server refuses before a request is one (a bad request line, too many or too
        long headers, a method it has no handler for) is API Gateway's 4xx in the envelope,
        not Python's HTML page."""
        self.close_connection = True
        # A request line it could not read leaves HTTP/0.9 (no status line, no headers): answer in 1.1.
        self.request_version = self.protocol_version
        response = self.server.gateway.gateway_responses.render("DEFAULT_4XX", str(uuid.uuid4()))
        self.send_whole_response(response.status, response.headers, response.body)
        request = f"{self.command or '-'} {getattr(self, 'path', '-')}"
        print(f"{request} {response.status} (refused: {code} {message})", file=sys.stderr, flush=True)


class PortInUse(Exception):
    """The address `make run` would listen on is taken: one line that says how to pick another."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"cannot listen on {host}:{port}: the port is already in use (another `make run`?); "
            f"choose another with PORT={port + 1} make run"
        )


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of parallel clients (tests, benchmarks) must not be refused at accept().
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], gateway: LocalApiGateway) -> None:
        """Binds `address` at once; a taken port raises PortInUse (the socket is closed by then)."""
        self.gateway = gateway
        try:
            super().__init__(address, _GatewayRequestHandler)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            raise PortInUse(*address) from None
