"""`InstanceClient`: the API's operations as Python calls, signed and retried safely.

    from instancectl import InstanceClient

    with InstanceClient.from_environment(stack_name="instance-api-prod") as client:
        for instance in client.list_all(namespace="team-a"):
            print(instance["name"], instance["version"])

When a namespace is given (an argument, or a document's `namespace` on create) every call
goes to the namespace's own path, `/api/v1/namespaces/{namespace}/instance`, which IAM can
grant per team (docs/contract.md, "Namespaces are a security boundary"); without one, to
the cluster-wide `/api/v1/instance`. A write with `dry_run=True` is sent with `?dryRun=true`:
the API runs every check and answers what the write would, and writes nothing (so it is
always safe to send again).

A host agent reads its host's view (`host_view`, `/api/v1/hosts/{hostID}/instances`, every
page, with `If-None-Match`) and reports what the host runs (`report`); `get` answers each
instance with its `status`, which `instancectl.wait` follows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import botocore.session
from botocore.session import Session

from instancectl.endpoint import DEFAULT_ENDPOINT, SEED_PATH, normalise, resolve_endpoint
from instancectl.errors import InvalidArgument, UnexpectedAnswer
from instancectl.names import checked_host_id, checked_label
from instancectl.retry import Replay, RetryPolicy
from instancectl.signing import Signer, signer_for
from instancectl.transport import DEFAULT_TIMEOUT, ApiRequest, Transport, json_kind

Instance = dict[str, Any]
# What a host may report it runs of an instance (docs/contract.md, "Host agents"), and how long its message may be.
HOST_STATES = ("Pending", "Running", "Failed", "Stopped")
MAX_REPORT_MESSAGE = 1024


@dataclass(frozen=True)
class Page:
    items: list[Instance]
    next_token: str | None


@dataclass(frozen=True)
class HostView:
    """A host's view as read: every instance on the host, each with its `hostStatus` (this host's
    last report, or None), and the view's ETag. `not_modified`: the API answered 304 to the ETag
    sent, so nothing in the view changed (and `items` is empty: nothing was read)."""

    items: list[Instance]
    etag: str | None
    not_modified: bool = False


def instance_path(namespace: str | None) -> str:
    """The cluster-wide path, or the namespace's own: checked (`..` is a DNS label's opposite)
    and quoted, so a namespace never changes the path's shape."""
    if namespace is None:
        return SEED_PATH
    return f"/api/v1/namespaces/{quote(checked_label('namespace', namespace), safe='')}/instance"


class InstanceClient:
    """The Instance API at `endpoint` (the stage's base URL)."""

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        *,
        signer: Signer | None = None,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self._transport = Transport(normalise(endpoint), signer=signer, policy=retry, timeout=timeout)

    @classmethod
    def from_environment(
        cls,
        *,
        endpoint: str | None = None,
        stack_name: str | None = None,
        region: str | None = None,
        sign: bool | None = None,
        retry: RetryPolicy | None = None,
        session: Session | None = None,
    ) -> InstanceClient:
        """Endpoint from the arguments, INSTANCE_API_URL or the default; credentials from botocore's
        chain. `sign=None` signs unless the endpoint is on this machine."""
        session = session or botocore.session.get_session()
        base_url = resolve_endpoint(endpoint, stack_name, session, region)
        return cls(base_url, signer=signer_for(base_url, sign, session, region), retry=retry)

    @property
    def endpoint(self) -> str:
        return self._transport.endpoint

    @property
    def retry_policy(self) -> RetryPolicy:
        return self._transport.policy

    @property
    def signer(self) -> Signer | None:
        return self._transport.signer

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> InstanceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, name: str, *, namespace: str | None = None, retry: RetryPolicy | None = None) -> Instance:
        """One instance (with its `status`, from an API that has host reports); `retry` bounds
        this read's retries instead of the client's policy."""
        request = ApiRequest("GET", instance_path(namespace), query=(("name", checked_label("name", name)),))
        return _instance(request, "data", self._transport.exchange(request, retry).data)

    def list(
        self,
        *,
        namespace: str | None = None,
        host: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
        selector: str | None = None,
    ) -> Page:
        """One page; `host` lists the instances whose hostIDs contain it (the host query),
        `selector` those whose labels match it (`app=web,env in (prod,staging)`: the API reads it).
        A selected page may hold fewer than `limit` instances, even none, and still go on."""
        query = _present(
            hostID=None if host is None else checked_host_id(host),
            labelSelector=selector,
            limit=None if limit is None else str(limit),
            nextToken=next_token,
        )
        request = ApiRequest("GET", instance_path(namespace), query=query)
        return _page(request, self._transport.send(request))

    def list_all(
        self,
        *,
        namespace: str | None = None,
        host: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
        selector: str | None = None,
    ) -> Iterator[Instance]:
        """Every instance (from `next_token` on, when given), following nextToken page after page;
        `limit` is the page size. A token that comes back a second time is an UnexpectedAnswer,
        not a listing without end."""
        for page in _pages(
            next_token,
            lambda token: self.list(namespace=namespace, host=host, limit=limit, next_token=token, selector=selector),
        ):
            yield from page.items

    def host_view(
        self, host: str, *, etag: str | None = None, selector: str | None = None, limit: int | None = None
    ) -> HostView:
        """Every instance on `host`, across namespaces, each with its `hostStatus`, every page read.
        With `etag` (the one a previous read answered), the first page is asked for with
        `If-None-Match`: a 304 means nothing in the view changed. The ETag is the view's (the
        first page's): a view that changes while its later pages are read gets a new one, so
        the next read with this one reads it again."""
        path = f"/api/v1/hosts/{checked_host_id(host)}/instances"
        query = _present(labelSelector=selector, limit=None if limit is None else str(limit))
        conditional = () if etag is None else (("If-None-Match", etag),)
        first_request = ApiRequest("GET", path, query=query, headers=conditional)
        first = self._transport.exchange(first_request)
        if first.not_modified:
            return HostView([], etag, not_modified=True)

        def read(token: str | None) -> Page:
            if token is None:
                return _page(first_request, first.data)
            request = ApiRequest("GET", path, query=(*query, ("nextToken", token)))
            return _page(request, self._transport.send(request))

        return HostView([item for page in _pages(None, read) for item in page.items], first.etag)

    def report(
        self, host: str, name: str, *, observed_version: int, state: str, message: str | None = None
    ) -> Instance:
        """Record that `host` runs `name` at `observed_version` in `state` (one of HOST_STATES);
        the answer is the instance with its `status`. Safe to retry: the same report again is
        accepted again, or refused (409) when a newer one of this host landed in between, so a
        replay never overwrites a newer report."""
        if state not in HOST_STATES:
            raise InvalidArgument("state", state, f"must be one of {', '.join(HOST_STATES)}")
        body = {"name": checked_label("name", name), "observedVersion": observed_version, "state": state}
        if message is not None:
            body["message"] = message
        return self._instance(ApiRequest("PUT", f"/api/v1/hosts/{checked_host_id(host)}/status", body=body))

    def create(
        self, instance: Mapping[str, Any], *, idempotency_key: str | None = None, dry_run: bool = False
    ) -> Instance:
        """Create `instance`, under its namespace's path when it names one. One Idempotency-Key
        (generated here unless given) is sent on every attempt, so a retry after a lost answer
        gets the first answer instead of 409 AlreadyExists. A dry run sends the key only when
        given (the API checks it against its records)."""
        key = idempotency_key or (None if dry_run else str(uuid.uuid4()))
        namespace = instance.get("namespace")
        request = ApiRequest(
            "POST",
            instance_path(namespace if isinstance(namespace, str) else None),
            query=_tried(dry_run),
            body=dict(instance),
            headers=() if key is None else (("Idempotency-Key", key),),
            replay=Replay.SAFE if dry_run else Replay.KEYED_CREATE,
        )
        return self._instance(request)

    def update(
        self,
        name: str,
        changes: Mapping[str, Any],
        *,
        version: int | None,
        namespace: str | None = None,
        dry_run: bool = False,
    ) -> Instance:
        """Replace the fields in `changes`. With `version` the write is conditional (409 if the
        instance moved on) and safe to retry; without it, it is retried only when surely not applied."""
        body = {**_named(name, version), **changes}
        replay = Replay.UNSAFE if version is None and not dry_run else Replay.SAFE
        request = ApiRequest("PUT", instance_path(namespace), query=_tried(dry_run), body=body, replay=replay)
        return self._instance(request)

    def delete(
        self, name: str, *, version: int | None = None, namespace: str | None = None, dry_run: bool = False
    ) -> dict[str, Any]:
        """Delete `name` (only at `version` when given: then 409 if it moved on, and safe to retry)."""
        body = _named(name, version)
        replay = Replay.UNSAFE if version is None and not dry_run else Replay.SAFE
        request = ApiRequest("DELETE", instance_path(namespace), query=_tried(dry_run), body=body, replay=replay)
        data = self._transport.send(request)
        if not isinstance(data, dict):
            raise _unexpected(request, "data", data, "an object")
        return dict(data)

    def _instance(self, request: ApiRequest) -> Instance:
        return _instance(request, "data", self._transport.send(request))


def _present(**parameters: str | None) -> tuple[tuple[str, str], ...]:
    """The query parameters that have a value."""
    return tuple((key, value) for key, value in parameters.items() if value is not None)


def _page(request: ApiRequest, data: Any) -> Page:
    """`data` if it is a page of instances, else UnexpectedAnswer."""
    if not isinstance(data, dict):
        raise _unexpected(request, "data", data, "a page")
    items, token = data.get("items"), data.get("nextToken")
    if not isinstance(items, list):
        raise _unexpected(request, "items", items, "a list")
    if token is not None and not isinstance(token, str):
        raise _unexpected(request, "nextToken", token, "a string")
    return Page([_instance(request, f"items[{index}]", item) for index, item in enumerate(items)], token)


def _pages(next_token: str | None, read: Callable[[str | None], Page]) -> Iterator[Page]:
    """The pages from `next_token` on, following nextToken; a token that comes back a second
    time is an UnexpectedAnswer, not a listing without end."""
    token, sent = next_token, {next_token}
    while True:
        page = read(token)
        yield page
        if page.next_token is None:
            return
        if page.next_token in sent:
            raise UnexpectedAnswer(
                f"nextToken {page.next_token!r} came back a second time (the API repeated itself): "
                "stopping rather than listing forever"
            )
        token = page.next_token
        sent.add(token)


def _unexpected(request: ApiRequest, what: str, value: Any, expected: str) -> UnexpectedAnswer:
    return UnexpectedAnswer(
        f"the answer to {request.method} {request.path} is not the API's: {what} is {json_kind(value)}, not {expected}"
    )


def _instance(request: ApiRequest, what: str, value: Any) -> Instance:
    """`value` if it is an instance (an object with a name), else UnexpectedAnswer."""
    if not isinstance(value, dict):
        raise _unexpected(request, what, value, "an instance")
    if not isinstance(value.get("name"), str):
        raise UnexpectedAnswer(
            f"the answer to {request.method} {request.path} is not the API's: {what} is an object without a name"
        )
    return dict(value)


def _tried(dry_run: bool) -> tuple[tuple[str, str], ...]:
    """The query that makes a write a dry run: checked and answered by the API, never made."""
    return (("dryRun", "true"),) if dry_run else ()


def _named(name: str, version: int | None) -> dict[str, Any]:
    """The body that names the instance a PUT or DELETE is for (at `version`, when given)."""
    return {"name": checked_label("name", name), **({} if version is None else {"version": version})}
