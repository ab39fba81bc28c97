"""e2e tier: the HTTP contract through a SigV4-signing client.

- `signed_local`: against `make run`'s server (which ignores auth), in CI: it proves the
  client signs requests the API accepts and that the contract holds through it.
- `deployed`: against a deployed stack, when API_URL (the stack's ApiBaseUrl output) or
  STACK_NAME is set and AWS credentials are found; otherwise skipped with that reason.
- Namespaces (test_namespaces.py): against that stack, as two roles tagged for two
  namespaces (E2E_NAMESPACE_A_ROLE_ARN and E2E_NAMESPACE_B_ROLE_ARN, see that file).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.credentials import Credentials

from tests.e2e.signing import SignedApi
from tests.http.local_api import HttpApi, LocalApi

# The deployed target is collected only when one is named; otherwise one test says how.
DEPLOYED = bool(os.environ.get("API_URL") or os.environ.get("STACK_NAME"))
NO_STACK = (
    "e2e against a deployed stack skipped: set API_URL (the stack's ApiBaseUrl output) or STACK_NAME, "
    "with AWS credentials for a principal allowed execute-api:Invoke"
)


@pytest.fixture(scope="session")
def signed_local() -> Iterator[SignedApi]:
    local = LocalApi()
    yield SignedApi(local.base_url, Credentials("AKIDLOCALEXAMPLE", "local-secret"), "us-east-1")
    local.stop()


def _region_of(url: str) -> str | None:
    # https://<id>.execute-api.<region>.amazonaws.com/<stage>
    parts = (urlsplit(url).hostname or "").split(".")
    return parts[2] if len(parts) > 3 and parts[1] == "execute-api" else None


@dataclass(frozen=True)
class DeployedStage:
    """The stage under test (its ApiBaseUrl), its region, and the AWS session found."""

    url: str
    region: str
    session: botocore.session.Session
    credentials: Credentials


@pytest.fixture(scope="session")
def deployed_stage() -> DeployedStage:
    if not DEPLOYED:
        pytest.skip(NO_STACK)
    api_url, stack_name = os.environ.get("API_URL"), os.environ.get("STACK_NAME")
    session = botocore.session.get_session()
    credentials = session.get_credentials()
    if credentials is None:
        pytest.skip(f"{NO_STACK} (no AWS credentials were found)")
    region = (api_url and _region_of(api_url)) or session.get_config_variable("region")
    if not region:
        pytest.skip(f"{NO_STACK} (no AWS region: set AWS_REGION)")
    if not api_url:
        cloudformation: Any = session.create_client("cloudformation", region_name=region)
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
        outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
        api_url = outputs["ApiBaseUrl"]
    return DeployedStage(api_url, region, session, credentials)


@pytest.fixture(scope="session")
def deployed(deployed_stage: DeployedStage) -> SignedApi:
    stage = deployed_stage
    return SignedApi(stage.url, stage.credentials.get_frozen_credentials(), stage.region)


@pytest.fixture(params=["signed_local", *(["deployed"] if DEPLOYED else [])])
def api(request: pytest.FixtureRequest) -> HttpApi:
    target: HttpApi = request.getfixturevalue(request.param)
    return target
