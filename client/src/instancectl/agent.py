"""`instancectl agent`: a reference host agent, small enough to read in one sitting.

Each pass reads the host's view (`GET /api/v1/hosts/{host}/instances`, every page) with the
ETag of the last view it handled completely, as `If-None-Match`: a 304 means nothing
changed, and nothing runs. After a 200:

1. every instance the last view held and this one does not has left the host: the hook
   runs with `INSTANCE_ACTION=stop` and that instance's last known JSON (nothing is
   reported: the host is not in its hostIDs any more, and the API would answer 404);
2. every instance whose current version this host has not reported `Running` (the view's
   `hostStatus` says so) is applied: for a version the host has not reported at all, the
   agent reports `Pending` first (which also checks that the instance is still on the host
   at that version: 404 or 409 and the hook does not run; a version tried before and
   `Failed` is not reported `Pending` again, so its phase does not flap on every retry),
   runs the hook with `INSTANCE_ACTION=apply`, and reports `Running` (exit 0) or `Failed`
   (the last line of the hook's stderr as the message).

The ETag is kept only when everything of the pass worked: after a failed hook, a report
that did not land, or a stop that failed, the next pass reads the whole view again, so a
`Failed` instance is tried again on the next pass (and on a new `--once` run), and a
`Running` report the API never got is made again (the hook runs again: hooks are
idempotent, as an agent may die between a hook and its report). The state file holds that
ETag and the instances of the last view, which is how a departure is noticed; it is written
whole to a temporary file and renamed over the old one, and a lock file beside it keeps a
second agent off the same state.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from instancectl.client import Instance, InstanceClient
from instancectl.errors import ConfigurationError, InstanceCtlError, UnexpectedAnswer
from instancectl.hooks import HookRun, run_hook
from instancectl.names import checked_host_id, dns_label_problem

STATE_FORMAT = 1
_log = logging.getLogger("instancectl")


class HookFailed(InstanceCtlError):
    """A hook ended with a non-zero status, was killed, or timed out."""


@dataclass
class AgentState:
    """What the agent remembers between passes: the ETag of the last view it handled whole
    (None: read the whole view next time), and the instances on the host as last seen."""

    etag: str | None = None
    instances: dict[str, Instance] = field(default_factory=dict)


def default_state_directory() -> Path:
    """systemd's StateDirectory= ($STATE_DIRECTORY), else $XDG_STATE_HOME/instancectl, else
    ~/.local/state/instancectl."""
    systemd = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    if systemd:
        return Path(systemd)
    xdg = os.environ.get("XDG_STATE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "state") / "instancectl"


class StateFile:
    """`agent-HOST.json` in the state directory, and `agent-HOST.lock` beside it."""

    def __init__(self, directory: Path, host: str) -> None:
        self.path = directory / f"agent-{checked_host_id(host)}.json"
        self.host = host
        self.written: AgentState | None = None  # what the file holds, as last read or written

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Holds the lock file for the agent's lifetime; ConfigurationError if the directory cannot
        be written or another agent holds the lock."""
        import fcntl  # POSIX only, like the agent's `sh -c`: imported here so the library imports anywhere

        lock_path = self.path.with_suffix(".lock")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(lock_path, "a+b")  # noqa: SIM115 - held until the agent stops
        except OSError as error:
            raise ConfigurationError(f"cannot write the agent's state in {self.path.parent}: {error}") from error
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            lock.close()
            raise ConfigurationError(
                f"another agent for host {self.host} is running with {lock_path} (one agent per host and state)"
            ) from error
        try:
            yield
        finally:
            lock.close()

    def load(self) -> AgentState:
        """The state last saved; a fresh one (with a warning) if the file is not an agent's state."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return AgentState()
        except (OSError, UnicodeDecodeError) as error:
            return self._fresh(str(error))
        try:
            saved = json.loads(text)
        except ValueError as error:
            return self._fresh(f"not JSON: {error}")
        instances = saved.get("instances") if isinstance(saved, dict) else None
        etag = saved.get("etag") if isinstance(saved, dict) else None
        if (
            not isinstance(saved, dict)
            or saved.get("format") != STATE_FORMAT
            or saved.get("host") != self.host
            or not isinstance(instances, dict)
            or not all(
                isinstance(instance, dict) and instance.get("name") == name for name, instance in instances.items()
            )
            or not (etag is None or isinstance(etag, str))
        ):
            return self._fresh(f"not a format-{STATE_FORMAT} state of host {self.host}")
        self.written = AgentState(etag, instances)
        return AgentState(etag, dict(instances))

    def _fresh(self, why: str) -> AgentState:
        _log.warning(
            "%s: %s; starting afresh (an instance that left the host before now will not be stopped)", self.path, why
        )
        return AgentState()

    def save(self, state: AgentState) -> None:
        """Written whole to a temporary file in the same directory, then renamed over the old one."""
        saved = {"format": STATE_FORMAT, "host": self.host, "etag": state.etag, "instances": state.instances}
        with tempfile.NamedTemporaryFile("w", dir=self.path.parent, prefix=f".{self.path.name}.", delete=False) as out:
            temporary = Path(out.name)
            try:
                _write_synced(out, json.dumps(saved, ensure_ascii=True, separators=(",", ":")))
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        os.replace(temporary, self.path)
        self.written = AgentState(state.etag, dict(state.instances))


def _write_synced(out: IO[str], text: str) -> None:
    out.write(text)
    out.flush()
    os.fsync(out.fileno())


@dataclass
class Pass:
    """What one pass did: its failures (the first decides `--once`'s exit status), and whether a
    signal cut it short."""

    failures: list[InstanceCtlError] = field(default_factory=list)
    interrupted: bool = False


@dataclass(frozen=True)
class Agent:
    client: InstanceClient
    host: str
    hook: str
    hook_timeout: float
    stopping: Callable[[], bool] = lambda: False  # a signal asked the agent to stop

    def run_pass(self, state: AgentState) -> tuple[AgentState, Pass]:
        """One pass over the host's view; the state to keep after it."""
        try:
            view = self.client.host_view(self.host, etag=state.etag)
        except InstanceCtlError as error:
            _log.error("%s: cannot read the host's view: %s; trying again on the next pass", self.host, error)
            return AgentState(None, state.instances), Pass([error])
        if view.not_modified:
            return state, Pass()
        done = Pass()
        on_host: dict[str, Instance] = {}
        actionable: list[Instance] = []
        for item in view.items:
            try:
                name, instance = _on_host(item, on_host)
            except UnexpectedAnswer as error:
                _log.error("%s: %s", self.host, error)
                done.failures.append(error)
                continue
            on_host[name] = instance
            actionable.append(item)
        left = {name: instance for name, instance in state.instances.items() if name not in on_host}
        not_stopped = self._stop_each(left, done)
        self._apply_each([item for item in actionable if _needs_running(item)], done)
        kept_etag = view.etag if not done.failures and not done.interrupted else None
        return AgentState(kept_etag, {**on_host, **not_stopped}), done

    def _stop_each(self, left: dict[str, Instance], done: Pass) -> dict[str, Instance]:
        """Runs the stop hook for each instance that left; those it did not stop (to try again)."""
        not_stopped = {}
        for name, instance in sorted(left.items()):
            if self.stopping():
                done.interrupted = True
            else:
                run = self._hook("stop", instance)
                if run.succeeded:
                    self._say(instance, "stop: hook succeeded (the instance left the host)")
                    continue
                self._say(instance, f"stop: hook failed ({run.outcome}): {run.message}; trying again next pass")
                done.failures.append(HookFailed(f"{name}: stop hook failed: {run.message}"))
            not_stopped[name] = instance
        return not_stopped

    def _apply_each(self, items: list[Instance], done: Pass) -> None:
        for item in items:
            if self.stopping():
                done.interrupted = True
                return
            done.failures.extend(self._apply(item))

    def _apply(self, item: Instance) -> list[InstanceCtlError]:
        """Pending, the hook, then Running or Failed; the failures, if any."""
        instance = {key: value for key, value in item.items() if key != "hostStatus"}
        name, version = str(item["name"]), int(item["version"])
        if not _reported_at(item, version):
            try:
                self.client.report(self.host, name, observed_version=version, state="Pending")
            except InstanceCtlError as error:
                self._say(instance, f"apply: not run: reporting Pending failed: {error}")
                return [error]
        run = self._hook("apply", instance)
        state = "Running" if run.succeeded else "Failed"
        failures: list[InstanceCtlError] = [] if run.succeeded else [HookFailed(f"{name}: hook failed: {run.message}")]
        outcome = "hook succeeded" if run.succeeded else f"hook failed ({run.outcome}): {run.message}"
        try:
            self.client.report(
                self.host, name, observed_version=version, state=state, message=None if run.succeeded else run.message
            )
        except InstanceCtlError as error:
            self._say(instance, f"apply: {outcome}; reporting {state} failed: {error}")
            return [*failures, error]
        self._say(instance, f"apply: {outcome}; reported {state}")
        return failures

    def _hook(self, action: str, instance: Instance) -> HookRun:
        environment = {
            **os.environ,
            "INSTANCE_ACTION": action,
            "INSTANCE_NAME": str(instance.get("name")),
            "INSTANCE_NAMESPACE": str(instance.get("namespace")),
            "INSTANCE_VERSION": str(instance.get("version")),
            "INSTANCE_HOST": self.host,
        }
        stdin = json.dumps(instance, separators=(",", ":")).encode("ascii") + b"\n"
        return run_hook(self.hook, stdin, environment, self.hook_timeout)

    def _say(self, instance: Instance, what: str) -> None:
        _log.info("%s: %s version %s: %s", self.host, instance.get("name"), instance.get("version"), what)


def _on_host(item: Instance, seen: Mapping[str, Instance]) -> tuple[str, Instance]:
    """The view item's name and the instance without its hostStatus; UnexpectedAnswer when it is
    not one the agent can act on (it could not report it), or a name `seen` already holds."""
    name, version, status = item.get("name"), item.get("version"), item.get("hostStatus")
    problem = dns_label_problem(name)
    if problem is not None:
        raise UnexpectedAnswer(f"the view holds an instance whose name {str(name)[:64]!r} {problem}: skipped")
    if name in seen:
        raise UnexpectedAnswer(f"the view holds {name} twice: acting on the first only")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise UnexpectedAnswer(f"the view's {name} has no version the API could take ({version!r}): skipped")
    if status is not None and not isinstance(status, dict):
        raise UnexpectedAnswer(f"the view's {name} has a hostStatus that is not an object: skipped")
    return str(name), {key: value for key, value in item.items() if key != "hostStatus"}


def _reported_at(item: Instance, version: int) -> bool:
    """Whether this host has reported anything at `version` (a Failed try, a Pending that a
    stopped agent left)."""
    status = item.get("hostStatus")
    return isinstance(status, dict) and status.get("observedVersion") == version


def _needs_running(item: Instance) -> bool:
    """Whether this host has not yet reported Running at the instance's current version."""
    status = item.get("hostStatus")
    return not (
        isinstance(status, dict)
        and status.get("state") == "Running"
        and status.get("observedVersion") == item["version"]
    )


def run_agent(
    agent: Agent, state_file: StateFile, *, once: bool, interval: float, pause: Callable[[float], bool]
) -> Pass:
    """Passes until a signal (`agent.stopping`), or one pass with `once`; the state is saved after
    each that changed it. `pause(seconds)` waits between passes and says whether to stop (a
    signal came)."""
    state = state_file.load()
    while True:
        state, done = agent.run_pass(state)
        try:
            if state != state_file.written:  # after a 304, nothing to write (and no fsync every pass)
                state_file.save(state)
        except OSError as error:
            _log.error("%s: cannot save the state: %s", state_file.path, error)
            done.failures.append(ConfigurationError(f"cannot save the agent's state: {error}"))
        if once or agent.stopping() or pause(interval):
            return done
