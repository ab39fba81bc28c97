"""HTTP tier: the local API started as a user starts it, driven over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.http.local_api import HttpApi, LocalApi


@pytest.fixture(scope="session")
def dynamodb_local_api(dynamodb_local: str) -> Iterator[LocalApi]:
    api = LocalApi("--dynamodb-endpoint", dynamodb_local)
    yield api
    api.stop()


@pytest.fixture(
    params=[
        pytest.param("embedded_local_api", id="embedded"),
        pytest.param("dynamodb_local_api", id="dynamodb_local", marks=pytest.mark.dynamodb_local),
    ]
)
def api(request: pytest.FixtureRequest) -> HttpApi:
    """The project's API served by `make run`'s server, on each DynamoDB engine."""
    local: LocalApi = request.getfixturevalue(request.param)
    return local
