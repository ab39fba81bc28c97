"""Handler tier: each function's lambda_handler fed API Gateway events, DynamoDB from moto.

Tables are created from template.yaml's own definitions, and each invoke runs with that
function's environment from the template, as Lambda would give it.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import botocore.client
import botocore.session
import pytest
from moto import mock_aws

from devtools.in_process import compose, load_handler_module
from devtools.lambda_runtime import LambdaContext
from devtools.local_aws import create_secrets
from devtools.tables import create_tables
from devtools.template import LOCAL_REGION, Template
from instance_api.composition import Composition
from instance_api.observability import logger, metrics
from tests.support import ApiResponse, api_event, decode_proxy_response

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

TEMPLATE = Template.load()
FUNCTIONS = TEMPLATE.functions()
_ALL_VARIABLES = {name for spec in FUNCTIONS.values() for name in spec.environment}
_MODULES: dict[str, ModuleType] = {}


@pytest.fixture(autouse=True)
def no_pending_metrics() -> Iterator[None]:
    """Powertools keeps metrics in process-wide state until a flush; start every test empty."""
    metrics.clear_metrics()
    yield
    metrics.clear_metrics()


@functools.cache
def _shared_session() -> botocore.session.Session:
    return botocore.session.get_session()


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoDBClient]:
    for name in (
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        "DYNAMODB_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
    # Every invoke starts from a new Composition, and a new botocore session per client
    # costs ~70 ms of loading service models: one session serves all.
    shared = _shared_session()
    monkeypatch.setattr(botocore.session, "get_session", lambda env_vars=None: shared)
    with mock_aws():
        session = botocore.session.get_session()
        client: DynamoDBClient = session.create_client("dynamodb", region_name=LOCAL_REGION)  # type: ignore[assignment]
        create_tables(client, TEMPLATE.tables())
        create_secrets(session.create_client("secretsmanager", region_name=LOCAL_REGION), TEMPLATE)
        events: Any = session.create_client("events", region_name=LOCAL_REGION)
        for bus in TEMPLATE.event_buses():
            events.create_event_bus(Name=bus)
        yield client


MAKE_API_CALL = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]


def intercept_aws(monkeypatch: pytest.MonkeyPatch, before: Callable[[str, str, dict[str, Any]], None]) -> None:
    """Every AWS call the code under test makes goes through `before(service, operation,
    params)` first (which may record it, or raise to fail it), then to moto."""

    def intercepted(client: Any, operation_name: str, params: dict[str, Any]) -> Any:
        before(client.meta.service_model.service_name, operation_name, params)
        return MAKE_API_CALL(client, operation_name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", intercepted)


class Invoke(Protocol):
    def __call__(self, logical_id: str, event: dict[str, Any], *, remaining_ms: int = 10_000) -> ApiResponse: ...


class InvokeRaw(Protocol):
    def __call__(self, logical_id: str, event: dict[str, Any], *, remaining_ms: int = 10_000) -> Any: ...


@pytest.fixture
def invoke_raw(dynamodb: DynamoDBClient, monkeypatch: pytest.MonkeyPatch) -> InvokeRaw:
    """A function's handler called as Lambda calls it, with its environment; what it returned."""

    def call(logical_id: str, event: dict[str, Any], *, remaining_ms: int = 10_000) -> Any:
        spec = FUNCTIONS[logical_id]
        for name in _ALL_VARIABLES - spec.environment.keys():
            monkeypatch.delenv(name, raising=False)
        for name, value in spec.environment.items():
            monkeypatch.setenv(name, value)
        module = _MODULES.get(logical_id) or _MODULES.setdefault(logical_id, load_handler_module(spec))
        # What the container built so far is forgotten: this invoke's environment is read afresh.
        compose(module, Composition())
        context = LambdaContext(logical_id, timeout_ms=remaining_ms)
        return module.lambda_handler(event, context)

    return call


@pytest.fixture
def invoke(invoke_raw: InvokeRaw) -> Invoke:
    def call(logical_id: str, event: dict[str, Any], *, remaining_ms: int = 10_000) -> ApiResponse:
        return decode_proxy_response(invoke_raw(logical_id, event, remaining_ms=remaining_ms))

    return call


class Api:
    """The four functions, called the way API Gateway calls them."""

    def __init__(self, invoke: Invoke) -> None:
        self.invoke = invoke

    def create(self, body: str | dict[str, Any] | None, **kwargs: Any) -> ApiResponse:
        return self.invoke("CreateInstanceFunction", api_event("POST", body=body, **kwargs))

    def update(self, body: str | dict[str, Any] | None, **kwargs: Any) -> ApiResponse:
        return self.invoke("UpdateInstanceFunction", api_event("PUT", body=body, **kwargs))

    def get(self, name: str) -> ApiResponse:
        return self.invoke("GetInstanceFunction", api_event("GET", query={"name": name}))

    def list(self, **query: str) -> ApiResponse:
        return self.invoke("GetInstanceFunction", api_event("GET", query=dict(query) or None))

    def delete(self, body: str | dict[str, Any] | None = None, **kwargs: Any) -> ApiResponse:
        return self.invoke("DeleteInstanceFunction", api_event("DELETE", body=body, **kwargs))


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


@pytest.fixture
def api(invoke: Invoke) -> Api:
    return Api(invoke)


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What the functions log (Powertools writes JSON lines to the stream it was given)."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    captured = io.StringIO()
    previous = handler.setStream(captured)
    yield captured
    handler.setStream(previous)
