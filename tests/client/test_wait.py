"""`instancectl wait` and `apply --wait` against the fake v3 server (tests/client/fake_api.py):
Ready, Failed, the timeout, 404, the version written, another writer, transient failures.
The library's waits run on a fake clock (reads are real, pauses recorded)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from instancectl import InstanceClient, UnexpectedAnswer
from instancectl.cli import EXIT_CODES, EXIT_CONFLICT, EXIT_ERROR, EXIT_NOT_FOUND, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE
from instancectl.errors import ApiError, Superseded
from instancectl.wait import Outcome, Target, wait_ready
from tests.client.conftest import Cli, FakeClock, write_documents
from tests.client.fake_api import FakeApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply


def _report(fake: FakeApi, name: str, host: str, state: str, message: str | None = None) -> None:
    """`host` reports `state` at the instance's current version, as its agent would."""
    version = fake.instances[name]["version"]
    body = {"name": name, "observedVersion": version, "state": state, **({"message": message} if message else {})}
    reply = fake.decide(Exchange("PUT", f"/api/v1/hosts/{host}/status", (), json.dumps(body).encode()), _nowhere)
    assert reply.status == 200, reply.body


def _nowhere(exchange: Exchange) -> Reply:
    raise AssertionError("the fake forwards nothing")


def _gets(server: InterceptingServer) -> list[Exchange]:
    return [e for e in server.requests("GET") if e.path.endswith("/instance")]


def test_given_every_host_running_the_version_when_waiting_then_exit_0_and_json_is_the_instance_with_its_status(
    fake: FakeApi, served: InterceptingServer
) -> None:
    fake.add("web-1", ["host-a", "host-b"])
    _report(fake, "web-1", "host-a", "Running")
    _report(fake, "web-1", "host-b", "Running")
    result = Cli(served.base_url)("wait", "web-1", "--for", "ready", "--timeout", "30s", "-o", "json")
    assert (result.exit_code, result.stderr) == (EXIT_OK, "")
    shown = json.loads(result.stdout)
    assert shown["name"] == "web-1"
    assert (shown["status"]["phase"], shown["status"]["ready"], shown["status"]["desired"]) == ("Ready", 2, 2)
    assert len(_gets(served)) == 1


def test_given_a_host_that_reports_failed_when_waiting_then_exit_1_naming_each_failing_host_and_its_message(
    fake: FakeApi, served: InterceptingServer
) -> None:
    fake.add("web-1", ["host-a", "host-b", "host-c"])
    _report(fake, "web-1", "host-a", "Running")
    _report(fake, "web-1", "host-b", "Failed", "pull failed: disk full")
    _report(fake, "web-1", "host-c", "Failed", "port 80 in use")
    result = Cli(served.base_url)("wait", "web-1", "--for", "ready", "-o", "table")
    assert result.exit_code == EXIT_ERROR
    assert result.stdout.splitlines() == ["NAME   VERSION  PHASE   READY", "web-1  1        Failed  1/3"]
    assert result.stderr.splitlines() == [
        "error: web-1: version 1 Failed on host-b: pull failed: disk full",
        "error: web-1: version 1 Failed on host-c: port 80 in use",
    ]


def test_given_a_host_that_never_reports_when_the_timeout_passes_then_exit_7_saying_who_is_not_ready(
    fake: FakeApi, served: InterceptingServer
) -> None:
    fake.add("web-1", ["host-a", "host-b"])
    _report(fake, "web-1", "host-a", "Running")
    started = time.monotonic()
    result = Cli(served.base_url)("wait", "web-1", "--for", "ready", "--timeout", "1s", "-o", "name")
    assert 1 <= time.monotonic() - started < 10
    assert result.exit_code == EXIT_TIMEOUT == 7
    assert result.stdout == "web-1\n"
    assert result.stderr == (
        "error: web-1: not Ready after 1s: version 1 Progressing, 1 of 2 hosts ready (host-b: Unknown)\n"
    )
    assert EXIT_CODES[EXIT_TIMEOUT].startswith("wait, apply --wait: the timeout passed")


def test_given_no_such_instance_when_waiting_then_exit_3_at_once(served: InterceptingServer) -> None:
    result = Cli(served.base_url)("wait", "nothing-here", "--for", "ready", "--timeout", "5m")
    assert result.exit_code == EXIT_NOT_FOUND
    assert "NotFound" in result.stderr
    assert len(_gets(served)) == 1


@pytest.mark.parametrize(
    "arguments",
    [
        ["--for", "delete"],
        [],
        ["--for", "ready", "--timeout", "5"],
        ["--for", "ready", "--timeout", "-1s"],
        ["--for", "ready", "--timeout", "soon"],
    ],
    ids=["for-delete", "no-for", "no-unit", "negative", "words"],
)
def test_given_a_condition_or_timeout_wait_does_not_know_when_running_then_exit_2_before_any_request(
    arguments: list[str], served: InterceptingServer
) -> None:
    result = Cli(served.base_url)("wait", "web-1", *arguments)
    assert result.exit_code == EXIT_USAGE
    assert served.requests() == []


def _client(server: InterceptingServer, fake_clock: FakeClock, **bounds: Any) -> InstanceClient:
    return InstanceClient(server.base_url, retry=fake_clock.policy(**bounds))


def _on_read(fake: FakeApi, reads: dict[int, Callable[[], None]]) -> Callable[[Exchange, Forward], Reply | None]:
    """The fake, doing reads[n]() (an agent's report, another writer) before answering the n-th GET ?name=."""
    count = {"gets": 0}

    def decide(exchange: Exchange, forward: Forward) -> Reply | None:
        if exchange.method == "GET" and "name" in exchange.query:
            count["gets"] += 1
            reads.get(count["gets"], lambda: None)()
        return fake.decide(exchange, forward)

    return decide


def test_given_hosts_that_report_over_time_when_waiting_then_pauses_grow_to_5s_and_it_ends_at_ready(
    fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a", "host-b"])
    reads = {
        3: lambda: _report(fake, "web-1", "host-a", "Running"),
        8: lambda: _report(fake, "web-1", "host-b", "Running"),
    }
    with InterceptingServer(_on_read(fake, reads)) as server, _client(server, fake_clock) as client:
        (waited,) = wait_ready(client, [Target("web-1")], timeout=300)
    assert waited.outcome is Outcome.READY
    assert fake_clock.waits == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_given_a_timeout_when_nothing_settles_then_the_last_read_is_at_the_deadline_and_none_after(
    fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a"])
    with fake.serve() as server, _client(server, fake_clock) as client:
        (waited,) = wait_ready(client, [Target("web-1")], timeout=10)
        reads = len(_gets(server))
    assert waited.outcome is Outcome.TIMED_OUT
    assert fake_clock.waits == [0.5, 1.0, 2.0, 4.0, 2.5]  # the last pause ends at the deadline
    assert (sum(fake_clock.waits), reads) == (10, 6)


def test_given_an_older_version_that_is_ready_when_waiting_for_the_version_written_then_it_does_not_count(
    fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a"], spec={"image": "web:1"})
    _report(fake, "web-1", "host-a", "Running")  # version 1 is Ready
    stale = json.dumps({"code": 200, "message": "get succeed", "data": fake._with_status(fake.instances["web-1"])})
    fake.change("web-1", spec={"image": "web:2"})  # version 2, written by this apply
    answers = iter([Reply(200, stale.encode())])  # a read that still sees version 1 (a cache in between)

    def decide(exchange: Exchange, forward: Forward) -> Reply | None:
        if exchange.method == "GET":
            reply = next(answers, None)
            if reply is not None:
                return reply
            if len(_gets(server)) == 3:
                _report(fake, "web-1", "host-a", "Running")
        return fake.decide(exchange, forward)

    with InterceptingServer(decide) as server, _client(server, fake_clock) as client:
        (waited,) = wait_ready(client, [Target("web-1", version=2, holds={"spec": {"image": "web:2"}})], timeout=60)
    assert waited.outcome is Outcome.READY
    assert waited.instance is not None
    assert waited.instance["version"] == 2
    assert len(fake_clock.waits) == 2  # read 1: version 1 (not it), read 2: version 2 Progressing, read 3: Ready


def test_given_another_writer_that_keeps_what_was_applied_when_waiting_then_its_newer_version_is_waited_for(
    fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a"], spec={"image": "web:2"})
    reads = {
        1: lambda: fake.change("web-1", labels={"team": "b"}),  # another writer: version 2, the image kept
        2: lambda: _report(fake, "web-1", "host-a", "Running"),
    }
    with InterceptingServer(_on_read(fake, reads)) as server, _client(server, fake_clock) as client:
        (waited,) = wait_ready(client, [Target("web-1", version=1, holds={"spec": {"image": "web:2"}})], timeout=60)
    assert (waited.outcome, waited.status["phase"]) == (Outcome.READY, "Ready")
    assert waited.instance is not None
    assert waited.instance["version"] == 2


def test_given_another_writer_that_changes_what_was_applied_when_waiting_then_it_is_superseded(
    fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a"], spec={"image": "web:2"})
    reads = {2: lambda: fake.change("web-1", spec={"image": "web:3"})}
    with (
        InterceptingServer(_on_read(fake, reads)) as server,
        _client(server, fake_clock) as client,
        pytest.raises(Superseded, match="another writer changed spec"),
    ):
        wait_ready(client, [Target("web-1", version=1, holds={"spec": {"image": "web:2"}})], timeout=60)


def test_given_a_throttled_or_unreachable_api_when_waiting_then_it_reads_again_after_retry_after_until_ready(
    fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a"])
    _report(fake, "web-1", "host-a", "Running")
    answers = iter([Reply.envelope(429, "Throttled", "slow down", headers=(("Retry-After", "7"),)), None])

    def decide(exchange: Exchange, forward: Forward) -> Reply | None:
        try:
            return next(answers)
        except StopIteration:
            return fake.decide(exchange, forward)

    with InterceptingServer(decide) as server, _client(server, fake_clock, max_attempts=1) as client:
        (waited,) = wait_ready(client, [Target("web-1")], timeout=60)
    assert waited.outcome is Outcome.READY
    assert fake_clock.waits == [7.0, 1.0]  # Retry-After over the 0.5 s pause; then a dropped answer: the next pause


def test_given_a_read_whose_retries_would_outlast_the_timeout_when_waiting_then_they_stop_at_the_deadline(
    fake_clock: FakeClock,
) -> None:
    unavailable = Reply.envelope(503, "Unavailable", "busy", headers=(("Retry-After", "4"),))
    with (
        InterceptingServer(lambda exchange, forward: unavailable) as server,
        _client(server, fake_clock, max_attempts=20, max_elapsed=900) as client,
    ):
        (waited,) = wait_ready(client, [Target("web-1")], timeout=10)
    assert waited.outcome is Outcome.TIMED_OUT
    assert waited.instance is None
    assert sum(fake_clock.waits) <= 10


@pytest.mark.parametrize("status", [None, {"phase": "Sideways"}, "Ready"], ids=["none", "unknown-phase", "a-string"])
def test_given_an_instance_without_the_contracts_status_when_waiting_then_it_says_so_at_once(
    status: object, fake: FakeApi, fake_clock: FakeClock
) -> None:
    fake.add("web-1", ["host-a"])

    def decide(exchange: Exchange, forward: Forward) -> Reply:
        data = {**fake.instances["web-1"], **({} if status is None else {"status": status})}
        return Reply(200, json.dumps({"code": 200, "message": "get succeed", "data": data}).encode())

    with (
        InterceptingServer(decide) as server,
        _client(server, fake_clock) as client,
        pytest.raises(UnexpectedAnswer, match="has no status"),
    ):
        wait_ready(client, [Target("web-1")], timeout=60)
    assert fake_clock.waits == []


def test_given_a_forbidden_read_when_waiting_then_it_is_not_waited_out(fake_clock: FakeClock) -> None:
    forbidden = Reply.envelope(403, "Forbidden", "not allowed")
    with (
        InterceptingServer(lambda exchange, forward: forbidden) as server,
        _client(server, fake_clock) as client,
        pytest.raises(ApiError) as raised,
    ):
        wait_ready(client, [Target("web-1")], timeout=60)
    assert raised.value.status == 403
    assert fake_clock.waits == []


# -- apply --wait ---------------------------------------------------------------------------


def test_given_apply_wait_when_every_host_runs_the_new_version_then_exit_0_and_each_result_has_its_status(
    fake: FakeApi, tmp_path: Path
) -> None:
    fake.add("web-1", ["host-a"], spec={"image": "web:1"})
    _report(fake, "web-1", "host-a", "Running")
    write_documents(tmp_path, {"name": "web-1", "spec": {"image": "web:2"}}, {"name": "web-2", "hostIDs": []})
    # Reads 1 and 2 are apply's, 3 and 4 the wait's first; host-a's agent reports before the wait's second.
    with InterceptingServer(_on_read(fake, {5: lambda: _report(fake, "web-1", "host-a", "Running")})) as server:
        result = Cli(server.base_url)("apply", "-f", str(tmp_path / "instances.yaml"), "--wait", "-o", "json")
    assert result.exit_code == EXIT_OK, result.stderr
    shown = json.loads(result.stdout)
    assert [(r["action"], r["instance"]["version"], r["status"]["phase"]) for r in shown] == [
        ("updated", 2, "Ready"),
        ("created", 1, "Ready"),  # no hosts: Ready at once
    ]


def test_given_apply_wait_when_a_host_fails_then_exit_1_and_the_table_shows_each_phase(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", ["host-a", "host-b"], spec={"image": "web:1"})
    write_documents(tmp_path, {"name": "web-1", "spec": {"image": "web:1"}})
    _report(fake, "web-1", "host-a", "Running")
    _report(fake, "web-1", "host-b", "Failed", "no space left on device")
    result = Cli(served.base_url)("apply", "-f", str(tmp_path / "instances.yaml"), "--wait", "-o", "table")
    assert result.exit_code == EXIT_ERROR
    assert result.stdout.splitlines() == [
        "NAME   ACTION     VERSION  CHANGES  PHASE",
        "web-1  unchanged  1        -        Failed 1/2",
    ]
    assert result.stderr == "error: web-1: version 1 Failed on host-b: no space left on device\n"


def test_given_apply_wait_when_another_writer_changes_what_it_wrote_then_exit_4(fake: FakeApi, tmp_path: Path) -> None:
    fake.add("web-1", ["host-a"], spec={"image": "web:1"})
    write_documents(tmp_path, {"name": "web-1", "spec": {"image": "web:2"}})
    with InterceptingServer(_on_read(fake, {2: lambda: fake.change("web-1", spec={"image": "web:3"})})) as server:
        result = Cli(server.base_url)("apply", "-f", str(tmp_path / "instances.yaml"), "--wait", "--timeout", "30s")
    assert result.exit_code == EXIT_CONFLICT
    assert (
        "error: wait: web-1: another writer changed spec (now version 3; this apply wrote version 2)" in result.stderr
    )
    assert json.loads(result.stdout)[0]["action"] == "updated"  # what apply did is still shown


@pytest.mark.parametrize(
    ("options", "problem"),
    [(["--wait", "--dry-run"], "a dry run writes nothing"), (["--timeout", "1m"], "--timeout goes with --wait")],
    ids=["dry-run", "timeout-alone"],
)
def test_given_wait_options_that_do_not_go_together_when_applying_then_exit_2_before_any_request(
    options: list[str], problem: str, served: InterceptingServer, tmp_path: Path
) -> None:
    write_documents(tmp_path, {"name": "web-1"})
    result = Cli(served.base_url)("apply", "-f", str(tmp_path / "instances.yaml"), *options)
    assert result.exit_code == EXIT_USAGE
    assert problem in result.stderr
    assert served.requests() == []


def test_given_a_document_that_fails_when_applying_with_wait_then_nothing_is_waited_for(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", ["host-a"], namespace="team-b")
    write_documents(tmp_path, {"name": "web-2"}, {"name": "web-1", "namespace": "team-a"})
    result = Cli(served.base_url)("apply", "-f", str(tmp_path / "instances.yaml"), "--wait", "-o", "name")
    assert result.exit_code != EXIT_OK
    assert "not waiting: not every document was applied" in result.stderr
    # apply's reads (web-1's twice: its create is refused, and it reads again to tell why); no wait's
    assert [e.query["name"] for e in _gets(served)] == [["web-2"], ["web-1"], ["web-1"]]


def test_given_the_default_policy_when_waiting_then_its_deadline_is_on_the_monotonic_clock() -> None:
    with InstanceClient("http://127.0.0.1:9") as client:
        assert client.retry_policy.clock is time.monotonic


def test_given_a_create_answered_without_an_integer_version_when_applying_with_wait_then_it_says_so_and_shows_the_apply(
    fake: FakeApi, tmp_path: Path
) -> None:
    write_documents(tmp_path, {"name": "web-1"})

    def versionless(exchange: Exchange, forward: Forward) -> Reply | None:
        reply = fake.decide(exchange, forward)
        if exchange.method != "POST":
            return reply
        body = reply.json
        body["data"]["version"] = "1"
        return Reply(reply.status, json.dumps(body).encode(), reply.headers)

    with InterceptingServer(versionless) as server:
        result = Cli(server.base_url)("apply", "-f", str(tmp_path / "instances.yaml"), "--wait", "-o", "name")
    assert result.exit_code == EXIT_ERROR
    assert "error: wait: web-1: the API's instance has no integer version ('1'): not waiting for it" in result.stderr
    assert result.stdout == "web-1\n"
