"""One API request in, its `data` (or an error) out: JSON, SigV4, and the retry policy.

HTTP goes through botocore's own session (urllib3 with keep-alive, certifi, the
environment's HTTPS_PROXY/NO_PROXY), so the client adds no HTTP library of its own.
An answer is read up to API Gateway's 10 MB payload limit and must be strict JSON in the
envelope, its `code` the HTTP status; anything else (a proxy's page, a redirect, an empty
body) is an error that says what came back, never a traceback.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import botocore
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.exceptions import ConnectionError as ConnectPhaseError
from botocore.exceptions import HTTPClientError
from botocore.httpsession import URLLib3Session
from botocore.utils import get_environ_proxies
from urllib3.exceptions import HTTPError as ReadFailed

from instancectl.errors import ApiError, ConnectionFailed, UnexpectedAnswer
from instancectl.retry import Outcome, Replay, RetryPolicy, parse_retry_after
from instancectl.signing import Signer
from instancectl.version import __version__

_log = logging.getLogger("instancectl")
USER_AGENT = f"instancectl/{__version__} botocore/{botocore.__version__}"
# Connect, read (s): the read timeout is above API Gateway's 29 s, so the gateway's 504 comes first.
DEFAULT_TIMEOUT = (5.0, 35.0)
# API Gateway answers at most 10 MB; a longer body is not the API's, and is not read to its end.
MAX_ANSWER_BYTES = 10 * 1024 * 1024
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Mapping[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    replay: Replay = Replay.SAFE


@dataclass(frozen=True)
class Answered:
    """A success: the answer's `data`, and its `ETag` header; `data` is None for a 304 Not
    Modified, the answer to a request that sent `If-None-Match` with the current ETag."""

    data: Any
    etag: str | None
    not_modified: bool = False


@dataclass(frozen=True)
class _NoAnswer:
    error: str
    sent: bool


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any
    request_id: str | None
    retry_after: float | None
    location: str | None = None
    etag: str | None = None

    @property
    def reason(self) -> str | None:
        data = self.body.get("data") if isinstance(self.body, dict) else None
        return str(data.get("reason")) if isinstance(data, dict) and "reason" in data else None


class Transport:
    """Sends `ApiRequest`s to `endpoint`, signing each attempt when a signer is given."""

    def __init__(
        self,
        endpoint: str,
        *,
        signer: Signer | None = None,
        policy: RetryPolicy | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.endpoint = endpoint
        self.signer = signer
        self.policy = policy or RetryPolicy()
        # botocore takes (connect, read) as urllib3's Timeout, though its stubs say int.
        self._session = URLLib3Session(proxies=get_environ_proxies(endpoint), timeout=timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        self._session.close()

    def send(self, request: ApiRequest) -> Any:
        """The answer's `data`; ApiError for an error answer, ConnectionFailed for none."""
        return self.exchange(request).data

    def exchange(self, request: ApiRequest, policy: RetryPolicy | None = None) -> Answered:
        """The answer (`policy`, when given, bounds this request's retries instead of the transport's)."""
        policy = policy or self.policy
        started, attempt = policy.clock(), 1
        while True:
            result = self._attempt(request)
            wait = policy.next_wait(_outcome(result), request.replay, attempt, started)
            if wait is None:
                return self._final(request, result)
            _log.warning(
                "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                request.method,
                request.path,
                _describe(result),
                wait,
                attempt + 1,
                policy.max_attempts,
            )
            policy.sleep(wait)
            attempt += 1

    def _attempt(self, request: ApiRequest) -> _Answer | _NoAnswer:
        prepared = self._prepare(request)
        prepared.stream_output = True  # the body is read here, bounded
        try:
            raw = self._session.send(prepared)
            content = _bounded(raw.raw)
        except ConnectPhaseError as error:  # refused, connect timeout, proxy, TLS: nothing was sent
            return _NoAnswer(str(error), sent=False)
        except (HTTPClientError, ReadFailed, OSError) as error:  # read timeout, closed: it may have arrived
            return _NoAnswer(str(error), sent=True)
        return _Answer(
            status=raw.status_code,
            body=_decode(content),
            request_id=raw.headers.get("x-amzn-RequestId"),
            retry_after=parse_retry_after(raw.headers.get("Retry-After")),
            location=raw.headers.get("Location"),
            etag=raw.headers.get("ETag"),
        )

    def _prepare(self, request: ApiRequest) -> AWSPreparedRequest:
        url = self.endpoint + request.path
        if request.query:
            # surrogatepass: a value from argv that is not UTF-8 goes out percent-encoded, for the API to refuse.
            url += "?" + urlencode(request.query, quote_via=quote, errors="surrogatepass")
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **dict(request.headers)}
        data = None
        if request.body is not None:
            # ASCII with \u escapes: valid JSON for any str, a lone surrogate included.
            data = json.dumps(request.body, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
        aws_request = AWSRequest(method=request.method, url=url, data=data, headers=headers)
        if self.signer is not None:
            self.signer.sign(aws_request)
        return aws_request.prepare()

    def _final(self, request: ApiRequest, result: _Answer | _NoAnswer) -> Answered:
        if isinstance(result, _NoAnswer):
            maybe_applied = result.sent and request.method != "GET"
            lost = " (the request may have been applied)" if maybe_applied else ""
            raise ConnectionFailed(f"no answer from {self.endpoint}: {result.error}{lost}", maybe_applied=maybe_applied)
        if result.status >= 400:
            raise ApiError.from_answer(result.status, result.body, result.request_id, result.retry_after)
        if result.status == 304 and _header(request, "If-None-Match") is not None:
            return Answered(None, result.etag, not_modified=True)
        if result.status == 304:
            raise UnexpectedAnswer(f"HTTP304 Not Modified to {request.method} {request.path}: it sent no If-None-Match")
        if 300 <= result.status < 400:
            raise UnexpectedAnswer(
                f"HTTP{result.status}: a redirect to {result.location or 'nowhere'}; instancectl follows none "
                "(is the endpoint the API's base URL?)"
            )
        body = result.body
        if isinstance(body, _TooLarge):
            raise UnexpectedAnswer(f"HTTP{result.status}: the answer is {body}")
        if not isinstance(body, dict) or "data" not in body or "code" not in body:
            raise UnexpectedAnswer(f"HTTP{result.status}: the answer is not the API's envelope: {glimpse(body)}")
        if body["code"] != result.status:
            raise UnexpectedAnswer(f"the answer's envelope says code {body['code']!r} on an HTTP {result.status}")
        return Answered(body["data"], result.etag)


def _header(request: ApiRequest, name: str) -> str | None:
    return next((value for key, value in request.headers if key.lower() == name.lower()), None)


class _TooLarge(str):
    """An answer not read to its end: what is said instead of its text."""


def _bounded(stream: Any) -> bytes | _TooLarge:
    """The body, unless it is longer than MAX_ANSWER_BYTES (then the connection is dropped)."""
    chunks, size = [], 0
    for chunk in stream.stream(_CHUNK, decode_content=False):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            stream.close()
            return _TooLarge(f"larger than {MAX_ANSWER_BYTES // 2**20} MiB, API Gateway's limit: not the API's")
        chunks.append(chunk)
    stream.release_conn()
    return b"".join(chunks)


class _NotJson(str):
    """A body that is not strict JSON (text, a page, nothing): its text, for the message."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a JSON number")
    return number


def _not_a_number(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def _decode(content: bytes | _TooLarge) -> Any:
    if isinstance(content, _TooLarge):
        return content
    try:
        return json.loads(content, parse_float=_finite, parse_constant=_not_a_number)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than JSON's parser goes
        return _NotJson(content.decode("utf-8", errors="replace"))


def glimpse(body: Any) -> str:
    """A short, one-line idea of a body that is not what it should be, for an error message."""
    if isinstance(body, _NotJson):
        text = re.sub(r"\s+", " ", body).strip()
        return f"not JSON: {text[:200]}" if text else "an empty body"
    return f"{json_kind(body)}: {json.dumps(body, ensure_ascii=True)[:200]}"


def json_kind(value: Any) -> str:
    """What a decoded JSON value is, in JSON's words ("an object", "a list", "null"...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    kinds = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}
    return next((kind for python, kind in kinds.items() if isinstance(value, python)), type(value).__name__)


def _outcome(result: _Answer | _NoAnswer) -> Outcome:
    if isinstance(result, _NoAnswer):
        return Outcome(status=None, sent=result.sent)
    return Outcome(status=result.status, reason=result.reason, retry_after=result.retry_after)


def _describe(result: _Answer | _NoAnswer) -> str:
    if isinstance(result, _NoAnswer):
        return f"no answer ({result.error})"
    return f"{result.status} {result.reason or ''}".rstrip()
