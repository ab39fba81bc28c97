"""The same HTTP contract as tests/http, every request SigV4-signed (see conftest.py for targets)."""

import pytest

from tests.e2e.conftest import DEPLOYED, NO_STACK
from tests.e2e.signing import SignedApi
from tests.http.test_contract import *  # noqa: F403 - the contract's tests, collected again here
from tests.http.test_integrity import *  # noqa: F403
from tests.http.test_namespaces import *  # noqa: F403


@pytest.mark.skipif(not DEPLOYED, reason=NO_STACK)
def test_given_a_deployed_stack_when_named_then_it_answers_unknown_paths_in_the_envelope(deployed: SignedApi) -> None:
    """With API_URL or STACK_NAME set, every contract test above runs a second time, deployed;
    this one first proves the stack is reachable and signed requests get past IAM."""
    result = deployed.request("GET", "/api/v2/not-a-route")
    assert (result.status, result.body["code"], result.body["data"]["reason"]) == (404, 404, "NotFound")
