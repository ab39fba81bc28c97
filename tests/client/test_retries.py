"""The retry policy, against a small scripted server: what is retried, how long it waits, when it stops.

The policy's clock is fake (waits are recorded, not slept), so the bounds are exact and
the tests fast; the HTTP, the connections and the answers are real.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import pytest

from instancectl import ApiError, ConnectionFailed, InstanceClient
from instancectl.cli import EXIT_UNAVAILABLE
from instancectl.retry import Outcome, Replay, RetryPolicy, parse_retry_after, retryable
from tests.client.conftest import Cli, FakeClock
from tests.http.proxy import Decide, Exchange, Forward, InterceptingServer, Reply

INSTANCE = {"name": "web-1", "namespace": "default", "spec": {"image": ""}, "shareStorage": False, "hostIDs": []}


def ok(data: object = INSTANCE) -> Reply:
    return Reply(200, json.dumps({"code": 200, "message": "get succeed", "data": data}).encode())


def refusal(status: int, reason: str, retry_after: str | None = None) -> Reply:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return Reply.envelope(status, reason, f"{reason} for the test", headers=headers)


THROTTLED = refusal(429, "Throttled", "0")
UNAVAILABLE = refusal(503, "Unavailable", "0")
BAD_GATEWAY = refusal(502, "InternalError")
TIMED_OUT = refusal(504, "Unavailable")
DROP = None  # close the connection without an answer


def script(*replies: Reply | None) -> Decide:
    """Answer the requests with `replies` in turn; the last one repeats."""
    remaining = list(replies)

    def decide(exchange: Exchange, forward: Forward) -> Reply | None:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return decide


@pytest.fixture
def serve(fake_clock: FakeClock) -> Iterator[Callable[..., tuple[InterceptingServer, InstanceClient]]]:
    """serve(*replies, **bounds): a scripted server and a client on the fake clock."""
    opened: list[tuple[InterceptingServer, InstanceClient]] = []

    def start(*replies: Reply | None, **bounds: Any) -> tuple[InterceptingServer, InstanceClient]:
        server = InterceptingServer(script(*replies))
        client = InstanceClient(server.base_url, retry=fake_clock.policy(**bounds))
        opened.append((server, client))
        return server, client

    yield start
    for server, client in opened:
        client.close()
        server.close()


def test_given_a_503_with_retry_after_when_reading_then_the_client_waits_at_least_that_long_then_succeeds(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    server, client = serve(refusal(503, "Unavailable", "3"), ok())
    assert client.get("web-1")["name"] == "web-1"
    assert len(server.requests()) == 2
    assert fake_clock.waits == [3.0]  # the backoff alone would have been at most 0.25 s


def test_given_a_retry_after_date_when_throttled_then_the_wait_lasts_until_that_date(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    _, client = serve(refusal(429, "Throttled", when), ok())
    client.get("web-1")
    (wait,) = fake_clock.waits
    assert 27 < wait <= 30


@pytest.mark.parametrize(
    "reply", [THROTTLED, UNAVAILABLE, BAD_GATEWAY, TIMED_OUT, DROP], ids=["429", "503", "502", "504", "dropped"]
)
def test_given_an_answer_that_stays_retryable_when_reading_then_attempts_stop_at_the_bound(
    reply: Reply | None, serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    server, client = serve(reply, max_attempts=4)
    expected = ConnectionFailed if reply is None else ApiError
    with pytest.raises(expected):
        client.get("web-1")
    assert len(server.requests()) == 4
    assert len(fake_clock.waits) == 3


def test_given_failures_when_retrying_then_waits_grow_exponentially_up_to_the_cap(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    _, client = serve(BAD_GATEWAY, max_attempts=6, base_delay=0.25, max_delay=1.0)
    with pytest.raises(ApiError):
        client.get("web-1")
    assert fake_clock.waits == [0.25, 0.5, 1.0, 1.0, 1.0]  # the fake jitter takes the whole ceiling


def test_given_the_time_budget_when_waits_would_exceed_it_then_the_client_stops_before_waiting(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    server, client = serve(refusal(503, "Unavailable", "2"), max_attempts=10, max_elapsed=5.0)
    with pytest.raises(ApiError) as raised:
        client.get("web-1")
    assert raised.value.status == 503
    assert fake_clock.waits == [2.0, 2.0]  # a third wait would end at 6 s, past the 5 s budget
    assert len(server.requests()) == 3


def test_given_a_retry_after_longer_than_the_budget_when_throttled_then_it_fails_at_once(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    server, client = serve(refusal(429, "Throttled", "120"), max_elapsed=60.0)
    with pytest.raises(ApiError):
        client.get("web-1")
    assert (len(server.requests()), fake_clock.waits) == (1, [])


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (400, "BadRequest"),
        (400, "Invalid"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (409, "Conflict"),
        (500, "InternalError"),
    ],
)
def test_given_an_answer_that_retrying_cannot_fix_when_calling_then_it_is_never_retried(
    status: int, reason: str, serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    server, client = serve(refusal(status, reason, "0"), ok())
    with pytest.raises(ApiError) as raised:
        client.update("web-1", {"hostIDs": []}, version=1)
    assert (raised.value.status, raised.value.reason) == (status, reason)
    assert (len(server.requests()), fake_clock.waits) == (1, [])


@pytest.mark.parametrize("reply", [BAD_GATEWAY, TIMED_OUT, DROP], ids=["502", "504", "dropped"])
@pytest.mark.parametrize("operation", ["update", "delete"])
def test_given_a_write_without_version_when_the_outcome_is_unknown_then_it_is_not_sent_again(
    operation: str,
    reply: Reply | None,
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]],
) -> None:
    server, client = serve(reply, ok())

    def write() -> object:
        if operation == "update":
            return client.update("web-1", {"hostIDs": []}, version=None)
        return client.delete("web-1")

    with pytest.raises((ApiError, ConnectionFailed)) as raised:
        write()
    assert len(server.requests()) == 1
    if isinstance(raised.value, ConnectionFailed):
        assert raised.value.maybe_applied
        assert "may have been applied" in str(raised.value)


@pytest.mark.parametrize("reply", [THROTTLED, UNAVAILABLE], ids=["429", "503"])
@pytest.mark.parametrize("operation", ["update", "delete"])
def test_given_a_write_without_version_when_the_api_says_it_did_not_apply_it_then_it_is_retried(
    operation: str, reply: Reply, serve: Callable[..., tuple[InterceptingServer, InstanceClient]]
) -> None:
    server, client = serve(reply, ok())
    if operation == "update":
        client.update("web-1", {"hostIDs": []}, version=None)
    else:
        client.delete("web-1")
    assert len(server.requests()) == 2


@pytest.mark.parametrize("reply", [BAD_GATEWAY, TIMED_OUT, DROP], ids=["502", "504", "dropped"])
@pytest.mark.parametrize("operation", ["update", "delete"])
def test_given_a_write_with_a_version_when_the_outcome_is_unknown_then_it_is_retried_with_the_same_version(
    operation: str, reply: Reply | None, serve: Callable[..., tuple[InterceptingServer, InstanceClient]]
) -> None:
    server, client = serve(reply, ok())
    if operation == "update":
        client.update("web-1", {"hostIDs": []}, version=4)
    else:
        client.delete("web-1", version=4)
    bodies = [exchange.json for exchange in server.requests()]
    assert len(bodies) == 2
    assert bodies[0] == bodies[1]
    assert bodies[0]["version"] == 4


def test_given_a_create_when_it_is_retried_then_every_attempt_carries_the_same_idempotency_key(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]], fake_clock: FakeClock
) -> None:
    in_flight = refusal(409, "Conflict", "1")  # the first attempt is still running on the server
    server, client = serve(DROP, TIMED_OUT, in_flight, ok())
    client.create({"name": "web-1"})
    keys = [exchange.header("Idempotency-Key") for exchange in server.requests()]
    assert len(keys) == 4
    assert len(set(keys)) == 1
    assert keys[0] is not None
    assert fake_clock.waits[2] >= 1.0  # the 409's Retry-After


def test_given_two_creates_when_each_is_sent_then_each_has_its_own_key(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]],
) -> None:
    server, client = serve(ok())
    client.create({"name": "web-1"})
    client.create({"name": "web-2"})
    first, second = (exchange.header("Idempotency-Key") for exchange in server.requests())
    assert first != second


def test_given_a_create_when_the_name_is_taken_then_already_exists_is_not_retried(
    serve: Callable[..., tuple[InterceptingServer, InstanceClient]],
) -> None:
    server, client = serve(refusal(409, "AlreadyExists"), ok())
    with pytest.raises(ApiError, match="AlreadyExists"):
        client.create({"name": "web-1"})
    assert len(server.requests()) == 1


def test_given_a_refused_connection_when_writing_without_version_then_it_is_retried(fake_clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        InstanceClient(f"http://127.0.0.1:{port}", retry=fake_clock.policy(max_attempts=3)) as client,
        pytest.raises(ConnectionFailed) as raised,
    ):
        client.delete("web-1")
    assert len(fake_clock.waits) == 2  # nothing was sent, so even an unconditional delete may go again
    assert not raised.value.maybe_applied


def test_given_throttling_that_outlasts_the_retries_when_running_the_cli_then_exit_5_and_each_retry_is_reported() -> (
    None
):
    with InterceptingServer(script(THROTTLED)) as server:
        result = Cli(server.base_url)("get", "web-1", "--max-attempts", "3")
    assert result.exit_code == EXIT_UNAVAILABLE
    assert result.stderr.count("retrying in") == 2
    assert "error: Throttled: Throttled for the test (requestId " in result.stderr
    assert len(server.requests()) == 3


def test_given_an_answer_that_is_not_the_envelope_when_calling_then_the_error_keeps_status_and_text() -> None:
    page = Reply(403, b"<html>Access denied by the corporate proxy</html>", (("Content-Type", "text/html"),))
    with InterceptingServer(script(page)) as server:
        result = Cli(server.base_url)("get", "web-1")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: HTTP403: <html>Access denied by the corporate proxy</html>")


# -- the decision itself --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "replay", "expected"),
    [
        (Outcome(None, sent=False), Replay.UNSAFE, True),
        (Outcome(None, sent=True), Replay.UNSAFE, False),
        (Outcome(None, sent=True), Replay.SAFE, True),
        (Outcome(429), Replay.UNSAFE, True),
        (Outcome(503), Replay.UNSAFE, True),
        (Outcome(502), Replay.UNSAFE, False),
        (Outcome(504), Replay.SAFE, True),
        (Outcome(409, "Conflict"), Replay.KEYED_CREATE, True),
        (Outcome(409, "Conflict"), Replay.SAFE, False),
        (Outcome(409, "AlreadyExists"), Replay.KEYED_CREATE, False),
        (Outcome(400, "BadRequest"), Replay.SAFE, False),
        (Outcome(500, "InternalError"), Replay.SAFE, False),
    ],
)
def test_given_an_outcome_and_a_request_kind_when_deciding_then_only_safe_helpful_retries_are_made(
    outcome: Outcome, replay: Replay, expected: bool
) -> None:
    assert retryable(outcome, replay) is expected


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("7", 7.0),
        (" 0 ", 0.0),
        ("soon", None),
        ("Sat, 28 Nov 2026 10:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 09:59:00 GMT", 0.0),
    ],
)
def test_given_a_retry_after_header_when_parsing_then_it_becomes_seconds(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2026, 11, 28, 10, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(header, now=lambda: now) == seconds


def test_given_the_default_jitter_when_backing_off_then_each_wait_is_within_its_ceiling() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=4.0)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 4.0)]:
        waits = {policy.backoff(attempt) for _ in range(50)}
        assert all(0 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1  # jittered, not a fixed schedule
