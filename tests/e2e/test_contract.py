"""The same HTTP contract as tests/http, every request SigV4-signed (see conftest.py for targets)."""

import pytest

from tests.e2e.conftest import DEPLOYED, NO_STACK
from tests.http.test_contract import *  # noqa: F403 - the contract's tests, collected again here
from tests.http.test_integrity import *  # noqa: F403
from tests.http.test_namespaces import *  # noqa: F403


@pytest.mark.skipif(not DEPLOYED, reason=NO_STACK)
def test_given_a_deployed_stack_when_named_then_the_contract_above_also_runs_against_it() -> None:
    """A marker: with API_URL or STACK_NAME set, every contract test runs a second time, deployed."""
