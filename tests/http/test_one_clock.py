"""Every process the tiers start reads the wall clock the tests read.

In a plain run that is today; under `make test-future` (devtools/future_clock.py) it is the
shifted clock, and these fail if the shift missed a process: the local API's gateway, a
function's worker, a fresh interpreter (the one `sam_build` and the cold-start tests run
handlers in), DynamoDB Local's JVM. instancectl's own process is checked where signatures
are (tests/client/test_signing.py).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest

from devtools.fresh_interpreter import INTERPRETER_FLAGS, run_python
from devtools.future_clock import DAYS_VARIABLE, FROM_VARIABLE
from devtools.lambda_environment import lambda_environment
from devtools.stream_events import life_of_an_instance, record
from devtools.template import Template
from tests.clock import assert_reads_the_tests_clock
from tests.http.contract import PATH, unique
from tests.http.local_api import HttpApi, LocalApi
from tests.support import ENGINES


def test_given_make_test_future_when_reading_the_tests_clock_then_it_is_that_many_days_ahead() -> None:
    if DAYS_VARIABLE not in os.environ:
        pytest.skip("not a shifted-clock run (make test-future)")
    days, started = int(os.environ[DAYS_VARIABLE]), int(os.environ[FROM_VARIABLE])
    ahead = time.time() - started
    assert days * 86_400 <= ahead < (days + 1) * 86_400, f"the tests read the clock {ahead / 86_400:.1f} days ahead"
    assert datetime.now(UTC).timestamp() - started >= days * 86_400, "datetime reads the shifted clock too"


def test_given_a_create_over_http_when_the_function_stamps_it_then_its_worker_reads_the_tests_clock(
    api: HttpApi,
) -> None:
    created = api.request("POST", PATH, {"name": unique("clock")}).body["data"]
    assert_reads_the_tests_clock(datetime.fromisoformat(created["createdAt"]).timestamp(), "the create's worker")


def test_given_a_request_through_the_local_gateway_when_echoed_then_gateway_and_worker_read_the_tests_clock(
    fixture_api: LocalApi,
) -> None:
    echoed = fixture_api.request("GET", "/echo").body
    assert_reads_the_tests_clock(echoed["event"]["requestContext"]["requestTimeEpoch"] / 1000, "the local gateway")
    assert_reads_the_tests_clock(echoed["now"], "the echo function's worker")


def test_given_a_fresh_interpreter_with_a_function_s_environment_when_reading_the_clock_then_it_is_the_tests() -> None:
    spec = Template.load().functions()["GetInstanceFunction"]
    result = run_python([*INTERPRETER_FLAGS, "-c", "import time; print(time.time())"], lambda_environment(spec, {}))
    assert_reads_the_tests_clock(float(result.stdout), "a fresh interpreter")


@pytest.mark.parametrize("engine", ENGINES)
def test_given_each_dynamodb_engine_when_it_stamps_a_stream_record_then_it_reads_the_tests_clock(
    request: pytest.FixtureRequest, engine: str
) -> None:
    # The engine's clock is also the one its TTL sweeps by (DynamoDB Local removes expired items).
    first = record(request.getfixturevalue(engine), life_of_an_instance)[0]
    assert_reads_the_tests_clock(first["dynamodb"]["ApproximateCreationDateTime"], f"{engine}'s stream")
