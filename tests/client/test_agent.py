"""`instancectl agent` against the fake v3 server (tests/client/fake_api.py), careless and hostile:
what it runs and reports, what a 304 saves, what it does when hooks, the server or its own
state misbehave. Run in-process (click's runner), except where a signal or a terminal is the
point: then as a process."""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from instancectl import InstanceClient
from instancectl.agent import AgentState, StateFile
from instancectl.cli import EXIT_CONFLICT, EXIT_ERROR, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from tests.client.conftest import CLIENT_SOURCES, Cli
from tests.client.fake_api import FakeApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

HOST = "host-a"


def _agent(server: InterceptingServer, tmp_path: Path, hook: str, *more: str, host: str = HOST) -> Result:
    """One `agent --once` pass for `host`, its state in tmp_path/state."""
    state = str(tmp_path / "state")
    return Cli(server.base_url)("agent", "--host", host, "--once", "--state-dir", state, "--exec", hook, *more)


def _recording_hook(tmp_path: Path) -> str:
    """A hook that keeps what it was given: stdin in NAME.ACTION.json, the environment in NAME.ACTION.env."""
    out = shlex.quote(str(tmp_path))
    target = f'{out}/"$INSTANCE_NAME.$INSTANCE_ACTION"'
    return f"cat > {target}.json; env | grep -E '^INSTANCE_(ACTION|HOST|NAME|NAMESPACE|VERSION)=' | sort > {target}.env"


def _reports(server: InterceptingServer) -> list[tuple[str, int, str]]:
    return [
        (e.json["name"], e.json["observedVersion"], e.json["state"])
        for e in server.requests("PUT")
        if e.path.endswith("/status")
    ]


def _views(server: InterceptingServer) -> list[Exchange]:
    return [e for e in server.requests("GET") if e.path.startswith("/api/v1/hosts/")]


def test_given_instances_on_the_host_when_the_agent_runs_once_then_each_hook_gets_the_instance_and_runs_reported(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST, "host-b"], namespace="team-a", spec={"image": "nginx:1.27"})
    fake.add("web-2", [HOST])
    fake.add("elsewhere", ["host-b"])
    result = _agent(served, tmp_path, _recording_hook(tmp_path))
    assert result.exit_code == EXIT_OK, result.stderr
    given = json.loads((tmp_path / "web-1.apply.json").read_text())
    assert given == fake.instances["web-1"]  # the instance as stored: no hostStatus
    assert (tmp_path / "web-1.apply.env").read_text().splitlines() == [
        "INSTANCE_ACTION=apply",
        f"INSTANCE_HOST={HOST}",
        "INSTANCE_NAME=web-1",
        "INSTANCE_NAMESPACE=team-a",
        "INSTANCE_VERSION=1",
    ]
    assert not (tmp_path / "elsewhere.apply.json").exists()
    assert _reports(served) == [
        ("web-1", 1, "Pending"),
        ("web-1", 1, "Running"),
        ("web-2", 1, "Pending"),
        ("web-2", 1, "Running"),
    ]
    assert result.stderr.splitlines() == [
        f"instancectl: {HOST}: web-1 version 1: apply: hook succeeded; reported Running",
        f"instancectl: {HOST}: web-2 version 1: apply: hook succeeded; reported Running",
    ]
    assert fake.reports[("web-1", HOST)]["state"] == "Running"


def test_given_a_view_already_handled_when_the_agent_runs_again_then_it_asks_with_the_etag_and_a_304_runs_nothing(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    hook = _recording_hook(tmp_path)
    assert _agent(served, tmp_path, hook).exit_code == EXIT_OK
    (tmp_path / "web-1.apply.json").unlink()
    # The reports changed the view: one full read shows everything Running, and runs nothing...
    second = _agent(served, tmp_path, hook)
    assert (second.exit_code, second.stderr) == (EXIT_OK, "")
    # ...after which the view is as the agent last saw it: 304, nothing read, nothing run, nothing written.
    state = tmp_path / "state" / f"agent-{HOST}.json"
    inode = state.stat().st_ino
    third = _agent(served, tmp_path, hook)
    assert (third.exit_code, third.stderr) == (EXIT_OK, "")
    assert state.stat().st_ino == inode  # each save renames a new file over the old one
    assert not (tmp_path / "web-1.apply.json").exists()
    first_view, second_view, third_view = _views(served)
    assert first_view.header("If-None-Match") is None
    assert second_view.header("If-None-Match") is not None
    assert third_view.header("If-None-Match") == fake.etag(HOST)
    assert len(_reports(served)) == 2


def test_given_a_hook_that_fails_when_the_agent_runs_then_failed_is_reported_with_stderrs_last_line_and_tried_again(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    failing = "echo 'pulling' >&2; echo 'pull failed: disk full' >&2; printf '\\n \\n' >&2; exit 3"
    result = _agent(served, tmp_path, failing)
    assert result.exit_code == EXIT_ERROR
    assert fake.reports[("web-1", HOST)] | {"reportedAt": None} == {
        "state": "Failed",
        "observedVersion": 1,
        "message": "pull failed: disk full",
        "reportedAt": None,
    }
    assert "hook failed (exit status 3): pull failed: disk full; reported Failed" in result.stderr
    assert StateFile(tmp_path / "state", HOST).load().etag is None  # the next pass reads the whole view
    again = _agent(served, tmp_path, _recording_hook(tmp_path))
    assert again.exit_code == EXIT_OK, again.stderr
    assert (tmp_path / "web-1.apply.json").exists()
    assert fake.reports[("web-1", HOST)]["state"] == "Running"
    assert fake.reports[("web-1", HOST)]["message"] is None
    # The retry is not reported Pending: the phase goes from Failed to Ready, without flapping.
    assert _reports(served) == [("web-1", 1, "Pending"), ("web-1", 1, "Failed"), ("web-1", 1, "Running")]


@pytest.mark.parametrize(
    ("stderr", "message"),
    [
        ("printf 'x%.0s' $(seq 1 3000) >&2", "x" * 1023 + "…"),
        ("printf 'bad \\377\\376 bytes\\001\\tand a tab\\n' >&2", "bad \ufffd\ufffd bytes\ufffd and a tab"),
        ("head -c 100000 /dev/zero >&2", "\ufffd" * 1023 + "…"),
        (":", "the hook failed (exit status 1) and wrote nothing on stderr"),
        ("no-such-command-here", "no-such-command-here: not found"),
    ],
    ids=["long", "binary", "nul-bytes", "silent", "not-found"],
)
def test_given_a_hook_with_odd_stderr_when_it_fails_then_the_message_is_one_printable_line_the_api_takes(
    stderr: str, message: str, fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    result = _agent(served, tmp_path, f"{stderr}; exit 1" if stderr != "no-such-command-here" else stderr)
    assert result.exit_code == EXIT_ERROR
    reported = fake.reports[("web-1", HOST)]["message"]
    assert reported.endswith(message) if stderr == "no-such-command-here" else reported == message
    assert len(reported) <= 1024


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, left for an init that does not reap, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_given_a_hook_that_hangs_when_its_timeout_passes_then_it_and_its_children_are_stopped_and_failed_reported(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    pids = tmp_path / "pids"
    hook = f"sleep 60 & echo $! > {shlex.quote(str(pids))}; echo 'still pulling' >&2; wait"
    started = time.monotonic()
    result = _agent(served, tmp_path, hook, "--hook-timeout", "1s")
    assert time.monotonic() - started < 20
    assert result.exit_code == EXIT_ERROR
    assert "hook failed (timed out after 1s): still pulling" in result.stderr
    assert fake.reports[("web-1", HOST)]["message"] == "still pulling"
    assert not _running(int(pids.read_text()))  # the hook's own child went with it (its process group)


@pytest.mark.parametrize(
    ("hook", "expected"),
    [("exit 0", "Running"), ("sleep 60", "Failed")],
    ids=["exits-without-reading", "never-reads-never-exits"],
)
def test_given_a_large_instance_and_a_hook_that_never_reads_stdin_when_run_then_nothing_deadlocks(
    hook: str, expected: str, fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    labels = {f"k{index}": "v" * 60 for index in range(3000)}  # about 200 KB of JSON: more than a pipe holds
    fake.add("web-1", [HOST], labels=labels)
    result = _agent(served, tmp_path, hook, "--hook-timeout", "2s")
    assert fake.reports[("web-1", HOST)]["state"] == expected, result.stderr


def test_given_a_hook_path_with_spaces_when_quoted_for_the_shell_then_it_runs(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    directory = tmp_path / "my hooks"
    directory.mkdir()
    script = directory / "deploy it.sh"
    script.write_text(f"#!/bin/sh\ncat > {shlex.quote(str(tmp_path / 'got.json'))}\n")
    script.chmod(0o755)
    fake.add("web-1", [HOST])
    result = _agent(served, tmp_path, shlex.quote(str(script)))
    assert result.exit_code == EXIT_OK, result.stderr
    assert json.loads((tmp_path / "got.json").read_text())["name"] == "web-1"


def test_given_an_instance_that_left_the_host_when_the_agent_runs_then_the_stop_hook_gets_its_last_json_unreported(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("moved", [HOST, "host-b"])
    fake.add("deleted", [HOST])
    fake.add("stays", [HOST])
    hook = _recording_hook(tmp_path)
    assert _agent(served, tmp_path, hook).exit_code == EXIT_OK
    last_seen = dict(fake.instances["moved"])
    fake.change("moved", hostIDs=["host-b"])
    fake.remove("deleted")
    puts_before = len(_reports(served))
    result = _agent(served, tmp_path, hook)
    assert result.exit_code == EXIT_OK, result.stderr
    assert json.loads((tmp_path / "moved.stop.json").read_text()) == last_seen
    assert "INSTANCE_ACTION=stop" in (tmp_path / "deleted.stop.env").read_text().splitlines()
    assert not (tmp_path / "stays.stop.json").exists()
    assert len(_reports(served)) == puts_before  # a report of an instance not on the host would be 404
    assert sorted(StateFile(tmp_path / "state", HOST).load().instances) == ["stays"]
    assert f"{HOST}: deleted version 1: stop: hook succeeded (the instance left the host)" in result.stderr


def test_given_a_stop_hook_that_fails_when_the_agent_runs_again_then_the_stop_is_tried_again(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    assert _agent(served, tmp_path, "exit 0").exit_code == EXIT_OK
    fake.remove("web-1")
    failing = _agent(served, tmp_path, 'test "$INSTANCE_ACTION" = apply || { echo "port busy" >&2; exit 1; }')
    assert failing.exit_code == EXIT_ERROR
    assert "stop: hook failed (exit status 1): port busy; trying again next pass" in failing.stderr
    again = _agent(served, tmp_path, _recording_hook(tmp_path))
    assert again.exit_code == EXIT_OK
    assert (tmp_path / "web-1.stop.json").exists()
    assert StateFile(tmp_path / "state", HOST).load().instances == {}


def test_given_a_new_version_when_the_agent_runs_then_it_applies_it_once_more(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST], spec={"image": "web:1"})
    assert _agent(served, tmp_path, "exit 0").exit_code == EXIT_OK
    fake.change("web-1", spec={"image": "web:2"})
    assert _agent(served, tmp_path, _recording_hook(tmp_path)).exit_code == EXIT_OK
    assert json.loads((tmp_path / "web-1.apply.json").read_text())["spec"] == {"image": "web:2"}
    assert _reports(served)[-2:] == [("web-1", 2, "Pending"), ("web-1", 2, "Running")]


def _wrapping(fake: FakeApi, change: Callable[[Exchange, Reply], Reply | None]) -> InterceptingServer:
    """The fake, with each of its answers passed through `change`."""

    def decide(exchange: Exchange, forward: Forward) -> Reply | None:
        return change(exchange, fake.decide(exchange, forward))

    return InterceptingServer(decide)


def test_given_a_report_refused_with_409_when_the_agent_runs_then_it_logs_it_and_moves_on_to_the_next(
    fake: FakeApi, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    fake.add("web-2", [HOST])

    def conflict_for_web_1(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method == "PUT" and exchange.json["name"] == "web-1" and exchange.json["state"] == "Running":
            return Reply.envelope(409, "Conflict", "host-a reported version 2 already")
        return reply

    with _wrapping(fake, conflict_for_web_1) as server:
        result = _agent(server, tmp_path, "exit 0")
    assert result.exit_code == EXIT_CONFLICT
    assert (
        "web-1 version 1: apply: hook succeeded; reporting Running failed: Conflict: host-a reported" in result.stderr
    )
    assert fake.reports[("web-2", HOST)]["state"] == "Running"


def test_given_the_instance_left_between_the_view_and_the_pending_report_when_applying_then_the_hook_does_not_run(
    fake: FakeApi, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])

    def gone(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method == "PUT":
            return Reply.envelope(404, "NotFound", "instance 'web-1' is not on host 'host-a'")
        return reply

    with _wrapping(fake, gone) as server:
        result = _agent(server, tmp_path, _recording_hook(tmp_path))
    assert result.exit_code == 3
    assert "apply: not run: reporting Pending failed: NotFound" in result.stderr
    assert not (tmp_path / "web-1.apply.json").exists()


def test_given_the_server_down_when_the_agent_runs_once_then_it_exits_5_and_keeps_what_it_knew(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "state", HOST)
    (tmp_path / "state").mkdir()
    state.save(AgentState('"old"', {"web-1": {"name": "web-1", "version": 1}}))
    result = Cli("http://127.0.0.1:9")(
        "agent",
        "--host",
        HOST,
        "--once",
        "--state-dir",
        str(tmp_path / "state"),
        "--exec",
        "exit 0",
        "--max-attempts",
        "1",
    )
    assert result.exit_code == EXIT_UNAVAILABLE
    assert "cannot read the host's view" in result.stderr
    kept = state.load()
    assert (kept.etag, list(kept.instances)) == (None, ["web-1"])  # nothing was stopped: nothing was seen


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda exchange, reply: Reply(304, b""), "sent no If-None-Match"),
        (
            lambda exchange, reply: Reply(
                200,
                json.dumps(
                    {"code": 200, "message": "list succeed", "data": {"items": [], "nextToken": "again"}}
                ).encode(),
            ),
            "came back a second time",
        ),
    ],
    ids=["304-without-an-etag-sent", "a-repeated-nextToken"],
)
def test_given_a_view_that_is_not_the_apis_when_the_agent_runs_then_it_says_so_and_exits_1(
    answer: Callable[[Exchange, Reply], Reply], expected: str, fake: FakeApi, tmp_path: Path
) -> None:
    with _wrapping(fake, answer) as server:
        result = _agent(server, tmp_path, _recording_hook(tmp_path))
        views = len(_views(server))
    assert result.exit_code == EXIT_ERROR
    assert expected in result.stderr
    assert views <= 2  # no loop


def test_given_a_view_that_holds_a_name_twice_when_the_agent_runs_then_its_hook_runs_once_and_it_exits_1(
    fake: FakeApi, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])

    def twice(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method != "GET" or reply.status != 200:
            return reply
        body = reply.json
        body["data"]["items"] *= 2
        return Reply(200, json.dumps(body).encode(), reply.headers)

    runs = tmp_path / "runs"
    with _wrapping(fake, twice) as server:
        result = _agent(server, tmp_path, f"echo run >> {shlex.quote(str(runs))}")
    assert result.exit_code == EXIT_ERROR
    assert "the view holds web-1 twice" in result.stderr
    assert runs.read_text() == "run\n"


def test_given_an_etag_that_changes_on_every_read_when_the_agent_polls_then_hooks_still_run_once(
    fake: FakeApi, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    count = iter(range(1000))

    def restless(exchange: Exchange, reply: Reply) -> Reply:
        headers = tuple((k, v) for k, v in reply.headers if k.lower() != "etag")
        return Reply(200 if reply.status == 304 else reply.status, reply.body, (*headers, ("ETag", f'"{next(count)}"')))

    runs = tmp_path / "runs"
    with _wrapping(fake, restless) as server:
        for _ in range(3):
            assert _agent(server, tmp_path, f"echo run >> {shlex.quote(str(runs))}").exit_code == EXIT_OK
    assert runs.read_text() == "run\n"


def test_given_a_view_of_several_pages_when_the_agent_reads_it_then_it_reads_all_and_sends_the_etag_on_the_first_only(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.page_size = 2
    for index in range(5):
        fake.add(f"web-{index}", [HOST])
    assert _agent(served, tmp_path, "exit 0").exit_code == EXIT_OK
    assert {name for name, _, state in _reports(served) if state == "Running"} == {f"web-{i}" for i in range(5)}
    assert _agent(served, tmp_path, "exit 0").exit_code == EXIT_OK  # everything Running now: 3 pages again
    views = _views(served)
    assert len(views) == 6
    assert [view.header("If-None-Match") is not None for view in views[3:]] == [True, False, False]
    assert ["nextToken" in view.query for view in views[3:]] == [False, True, True]


@pytest.mark.parametrize(
    "options",
    [["--exec", " "], ["--exec", "exit 0", "--interval", "0.5s"], ["--exec", "exit 0", "--hook-timeout", "10"], []],
    ids=["blank-hook", "interval-under-1s", "timeout-without-unit", "no-hook"],
)
def test_given_agent_options_it_cannot_use_when_starting_then_exit_2_before_any_request(
    options: list[str], served: InterceptingServer, tmp_path: Path
) -> None:
    result = Cli(served.base_url)("agent", "--host", HOST, "--once", "--state-dir", str(tmp_path / "state"), *options)
    assert result.exit_code == EXIT_USAGE
    assert served.requests() == []


@pytest.mark.parametrize("host", ["../x", "", "-a", "a/b", "host a", "x" * 254])
def test_given_a_host_that_breaks_the_hostids_rule_when_starting_then_it_is_refused_before_any_request(
    host: str, served: InterceptingServer, tmp_path: Path
) -> None:
    result = _agent(served, tmp_path, "exit 0", host=host)
    assert result.exit_code == EXIT_ERROR
    assert "Invalid: hostID" in result.stderr
    assert served.requests() == []
    assert not (tmp_path / "state").exists()


def test_given_a_state_directory_that_cannot_be_written_when_starting_then_it_exits_1_before_any_request(
    served: InterceptingServer, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    result = Cli(served.base_url)(
        "agent", "--host", HOST, "--once", "--state-dir", str(tmp_path / "a-file" / "state"), "--exec", "exit 0"
    )
    assert result.exit_code == EXIT_ERROR
    assert "cannot write the agent's state in" in result.stderr
    assert served.requests() == []


def test_given_another_agent_for_the_host_when_starting_then_it_refuses_before_any_request(
    served: InterceptingServer, tmp_path: Path
) -> None:
    (tmp_path / "state").mkdir()
    with open(tmp_path / "state" / f"agent-{HOST}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = _agent(served, tmp_path, "exit 0")
    assert result.exit_code == EXIT_ERROR
    assert f"another agent for host {HOST} is running" in result.stderr
    assert served.requests() == []


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"format": 1, "host": "host-b", "etag": null, "instances": {}}',
        "\udcff",
        '{"format": 1}',
        '{"format": 1, "host": "host-a", "etag": null, "instances": {"web-1": {"name": "web-2"}}}',
    ],
    ids=["not-json", "a-list", "another-host", "not-utf-8", "no-instances", "a-name-not-its-own"],
)
def test_given_a_corrupt_state_file_when_starting_then_it_warns_and_starts_afresh(
    content: str, fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / f"agent-{HOST}.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    fake.add("web-1", [HOST])
    result = _agent(served, tmp_path, "exit 0")
    assert result.exit_code == EXIT_OK
    assert "starting afresh" in result.stderr
    assert list(StateFile(tmp_path / "state", HOST).load().instances) == ["web-1"]


def test_given_a_save_that_fails_when_writing_the_state_then_the_old_state_is_whole_and_no_temporary_file_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = StateFile(tmp_path, HOST)
    state.save(AgentState('"1"', {"web-1": {"name": "web-1"}}))

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        state.save(AgentState('"2"', {}))
    assert state.load() == AgentState('"1"', {"web-1": {"name": "web-1"}})
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"agent-{HOST}.json"]


# -- as a process: signals ----------------------------------------------------------------


def _start_agent(server: InterceptingServer, tmp_path: Path, hook: str, *more: str) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "INSTANCE_API_URL": server.base_url,
        "PYTHONPATH": os.pathsep.join([str(CLIENT_SOURCES), os.environ.get("PYTHONPATH", "")]),
    }
    command = [sys.executable, "-m", "instancectl", "agent", "--host", HOST, "--exec", hook]
    return subprocess.Popen(
        [*command, "--state-dir", str(tmp_path / "state"), *more],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _when(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("sent", "once", "expected_status"),
    [(signal.SIGTERM, False, 0), (signal.SIGINT, False, 0), (signal.SIGINT, True, 130), (signal.SIGTERM, True, 143)],
    ids=["sigterm", "sigint", "sigint-once", "sigterm-once"],
)
def test_given_a_signal_while_a_hook_runs_when_stopping_then_the_hook_finishes_and_is_reported_and_the_state_saved(
    sent: signal.Signals, once: bool, expected_status: int, fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    fake.add("web-2", [HOST])
    started, finished = tmp_path / "started", tmp_path / "finished"
    hook = f"touch {started}; sleep 1; echo $INSTANCE_NAME >> {finished}"
    process = _start_agent(served, tmp_path, hook, *(["--once"] if once else ["--interval", "1s"]))
    _when(started.exists)
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == expected_status, stderr
    assert finished.read_text() == "web-1\n"  # the hook that ran was let finish; the next never started
    assert fake.reports[("web-1", HOST)]["state"] == "Running"
    assert ("web-2", HOST) not in fake.reports or fake.reports[("web-2", HOST)]["state"] != "Running"
    assert f"stopped by {sent.name}" in stderr
    saved = StateFile(tmp_path / "state", HOST).load()
    assert (saved.etag, sorted(saved.instances)) == (None, ["web-1", "web-2"])  # web-2 is for the next pass


def test_given_the_agent_looping_when_the_view_changes_then_the_next_pass_acts_and_sigterm_ends_it_with_0(
    fake: FakeApi, served: InterceptingServer, tmp_path: Path
) -> None:
    fake.add("web-1", [HOST])
    runs = tmp_path / "runs"
    process = _start_agent(served, tmp_path, f"echo $INSTANCE_NAME:$INSTANCE_VERSION >> {runs}", "--interval", "1s")
    _when(lambda: runs.exists() and runs.read_text() == "web-1:1\n")
    fake.change("web-1", spec={"image": "web:2"})
    _when(lambda: runs.read_text() == "web-1:1\nweb-1:2\n")
    _when(
        lambda: (
            fake.reports[("web-1", HOST)] == {**fake.reports[("web-1", HOST)], "observedVersion": 2, "state": "Running"}
        )
    )
    _when(lambda: len(_views(served)) >= 5)  # passes go on: 304s now
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert runs.read_text() == "web-1:1\nweb-1:2\n"
    assert _views(served)[-1].header("If-None-Match") == fake.etag(HOST)


def test_given_the_library_when_reading_a_host_view_then_the_etag_is_the_first_pages_and_a_304_reads_nothing(
    fake: FakeApi, served: InterceptingServer
) -> None:
    fake.page_size = 1
    fake.add("web-1", [HOST])
    fake.add("web-2", [HOST])
    with InstanceClient(served.base_url) as client:
        view = client.host_view(HOST)
        assert ([item["name"] for item in view.items], view.etag, view.not_modified) == (
            ["web-1", "web-2"],
            fake.etag(HOST),
            False,
        )
        assert [item["hostStatus"] for item in view.items] == [None, None]
        again = client.host_view(HOST, etag=view.etag)
    assert (again.items, again.etag, again.not_modified) == ([], view.etag, True)
    assert [e.header("If-None-Match") for e in _views(served)] == [None, None, view.etag]
