"""One API request in, its `data` (or an error) out: JSON, SigV4, and the retry policy.

HTTP goes through botocore's own session (urllib3 with keep-alive, certifi, the
environment's HTTPS_PROXY/NO_PROXY), so the client adds no HTTP library of its own.
"""

from __future__ import annotations

import json
import logging
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

from instancectl.errors import ApiError, ConnectionFailed
from instancectl.retry import Outcome, Replay, RetryPolicy, parse_retry_after
from instancectl.signing import Signer
from instancectl.version import __version__

_log = logging.getLogger("instancectl")
USER_AGENT = f"instancectl/{__version__} botocore/{botocore.__version__}"
# Connect, read (s): the read timeout is above API Gateway's 29 s, so the gateway's 504 comes first.
DEFAULT_TIMEOUT = (5.0, 35.0)


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Mapping[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    replay: Replay = Replay.SAFE


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
        started, attempt = self.policy.clock(), 1
        while True:
            result = self._attempt(request)
            wait = self.policy.next_wait(_outcome(result), request.replay, attempt, started)
            if wait is None:
                return self._final(request, result)
            _log.warning(
                "%s %s: %s; retrying in %.1f s (attempt %d of %d)",
                request.method,
                request.path,
                _describe(result),
                wait,
                attempt + 1,
                self.policy.max_attempts,
            )
            self.policy.sleep(wait)
            attempt += 1

    def _attempt(self, request: ApiRequest) -> _Answer | _NoAnswer:
        prepared = self._prepare(request)
        try:
            raw = self._session.send(prepared)
        except ConnectPhaseError as error:  # refused, connect timeout, proxy, TLS: nothing was sent
            return _NoAnswer(str(error), sent=False)
        except HTTPClientError as error:  # read timeout, connection closed: the request may have arrived
            return _NoAnswer(str(error), sent=True)
        return _Answer(
            status=raw.status_code,
            body=_decode(raw.content),
            request_id=raw.headers.get("x-amzn-RequestId"),
            retry_after=parse_retry_after(raw.headers.get("Retry-After")),
        )

    def _prepare(self, request: ApiRequest) -> AWSPreparedRequest:
        url = self.endpoint + request.path
        if request.query:
            url += "?" + urlencode(request.query, quote_via=quote)
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **dict(request.headers)}
        data = None
        if request.body is not None:
            data = json.dumps(request.body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        aws_request = AWSRequest(method=request.method, url=url, data=data, headers=headers)
        if self.signer is not None:
            self.signer.sign(aws_request)
        return aws_request.prepare()

    def _final(self, request: ApiRequest, result: _Answer | _NoAnswer) -> Any:
        if isinstance(result, _NoAnswer):
            maybe_applied = result.sent and request.method != "GET"
            lost = " (the request may have been applied)" if maybe_applied else ""
            raise ConnectionFailed(f"no answer from {self.endpoint}: {result.error}{lost}", maybe_applied=maybe_applied)
        if result.status >= 400:
            raise ApiError.from_answer(result.status, result.body, result.request_id)
        if not isinstance(result.body, dict) or "data" not in result.body:
            raise ApiError(result.status, f"HTTP{result.status}", "the answer is not the API's envelope")
        return result.body["data"]


def _decode(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", errors="replace")


def _outcome(result: _Answer | _NoAnswer) -> Outcome:
    if isinstance(result, _NoAnswer):
        return Outcome(status=None, sent=result.sent)
    return Outcome(status=result.status, reason=result.reason, retry_after=result.retry_after)


def _describe(result: _Answer | _NoAnswer) -> str:
    if isinstance(result, _NoAnswer):
        return f"no answer ({result.error})"
    return f"{result.status} {result.reason or ''}".rstrip()
