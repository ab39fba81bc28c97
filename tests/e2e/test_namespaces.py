"""Namespaces as a security boundary on a deployed stack: IAM, not the functions, keeps a
role tagged for namespace A out of namespace B (docs/contract.md, "Namespaces are a
security boundary"; SECURITY.md, "Who can call").

Needs, besides the deployed target (API_URL or STACK_NAME, see conftest.py):

- E2E_NAMESPACE_A_ROLE_ARN, E2E_NAMESPACE_A: a role tagged instance-namespace=<A> with the
  stack's NamespaceOwnerPolicyArn attached, and that namespace (say e2e-a);
- E2E_NAMESPACE_B_ROLE_ARN, E2E_NAMESPACE_B: the same for another namespace (e2e-b);
- AWS credentials that may sts:AssumeRole both roles (their trust policies allow them).

Without them each test is skipped, saying which variable is missing.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

import botocore.session
import pytest
from botocore.credentials import Credentials
from moto import mock_aws

from instance_api.http.routes import INSTANCE_PATH, NAMESPACED_INSTANCE_PATH
from tests.e2e.conftest import DeployedStage
from tests.e2e.signing import SignedApi, assumed_role_credentials
from tests.http.local_api import HttpResult, LocalApi

ROLES = ("A", "B")
METHODS = ("GET", "POST", "PUT", "DELETE")


@dataclass(frozen=True)
class Caller:
    """A role tagged for one namespace, signing as itself."""

    namespace: str
    api: SignedApi

    def path(self, namespace: str | None = None) -> str:
        return NAMESPACED_INSTANCE_PATH.replace("{namespace}", namespace or self.namespace)


def _setting(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        pytest.skip(f"namespaces e2e skipped: set {name} (see tests/e2e/test_namespaces.py and SECURITY.md)")
    return value


@pytest.fixture(scope="module")
def callers(deployed_stage: DeployedStage) -> dict[str, Caller]:
    settings = {role: (_setting(f"E2E_NAMESPACE_{role}_ROLE_ARN"), _setting(f"E2E_NAMESPACE_{role}")) for role in ROLES}
    return {
        role: Caller(
            namespace,
            SignedApi(
                deployed_stage.url,
                assumed_role_credentials(deployed_stage.session, role_arn, deployed_stage.region),
                deployed_stage.region,
            ),
        )
        for role, (role_arn, namespace) in settings.items()
    }


def assert_forbidden(result: HttpResult) -> None:
    """IAM's denial, answered by API Gateway in the envelope (no function ran)."""
    assert result.status == 403, result.raw
    assert (result.body["code"], result.body["data"]["reason"]) == (403, "Forbidden")


def _request(caller: Caller, method: str, path: str, name: str) -> HttpResult:
    if method == "GET":
        return caller.api.request(method, f"{path}?name={name}")
    body = {"name": name} if method in ("POST", "DELETE") else {"name": name, "hostIDs": ["host-e2e"]}
    return caller.api.request(method, path, body)


@pytest.mark.parametrize(("own", "other"), [("A", "B"), ("B", "A")])
def test_given_a_role_tagged_for_one_namespace_when_calling_then_200_on_its_own_and_403_on_the_other(
    callers: dict[str, Caller], own: str, other: str
) -> None:
    caller, stranger = callers[own], callers[other]
    name = f"e2e-{uuid.uuid4().hex[:12]}"
    created = _request(caller, "POST", caller.path(), name)
    assert created.status == 200, created.raw
    try:
        assert _request(caller, "GET", caller.path(), name).status == 200
        assert caller.api.request("GET", caller.path()).status == 200, "its own namespace's list"
        assert _request(caller, "PUT", caller.path(), name).status == 200
        for method in METHODS:
            assert_forbidden(_request(caller, method, caller.path(stranger.namespace), name))
            assert_forbidden(_request(caller, method, INSTANCE_PATH, name))
        assert_forbidden(caller.api.request("GET", caller.path(stranger.namespace)))
    finally:
        deleted = _request(caller, "DELETE", caller.path(), name)
    assert deleted.status == 200, deleted.raw


def test_given_an_assumed_role_when_signing_then_its_temporary_credentials_sign_the_request(
    fixture_api: LocalApi,
) -> None:
    """What the test above relies on, offline: STS (moto) hands out the role's credentials."""
    with mock_aws():
        session = botocore.session.Session()
        session.set_credentials("testing", "testing")
        credentials = assumed_role_credentials(session, "arn:aws:iam::123456789012:role/team-a", "us-east-1")
    assert isinstance(credentials, Credentials)
    assert credentials.access_key != "testing"
    signed = SignedApi(fixture_api.base_url, credentials, "us-east-1")
    headers = signed.request("POST", "/echo/x", {"name": "x"}).body["event"]["headers"]
    assert f"Credential={credentials.access_key}/" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == credentials.token
