"""Local Lambda execution environments: a pool of worker processes per function.

Like Lambda, a worker serves one invoke at a time (Powertools keeps the current event on
the resolver and the logger, so two invokes must never share a process); concurrent
requests get more workers, up to a cap, and an idle worker is reused (a warm start).
When code under a function's folder or one of its layers changes, its pool moves to a new
generation: old workers finish their invoke and are retired, new ones load the new code.
"""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools.lambda_environment import lambda_environment
from devtools.lambda_runtime import read_frame, write_frame
from devtools.template import FunctionSpec

LAMBDA_RUNTIME = Path(__file__).parent.parent / "lambda_runtime.py"
# Lambda gives a function's init phase 10 s before it gives up on the environment.
INIT_TIMEOUT_S = 10.0


class InvokeFailed(Exception):
    """The invoke produced no proxy response: init failed, the handler raised, timed out or died.

    `environment_lost` is False only when the handler raised: as on Lambda, that execution
    environment stays usable. After a timeout, a crash or a failed init it is discarded.
    """

    def __init__(self, summary: str, detail: str = "", *, environment_lost: bool = True) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.environment_lost = environment_lost


class Worker:
    """One worker process with one function loaded; not thread-safe (the pool hands it out)."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], generation: int) -> None:
        self.spec = spec
        self.generation = generation
        started = time.perf_counter()
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(LAMBDA_RUNTIME), "serve", spec.handler, str(spec.code_uri)]
            + [str(path) for path in spec.layer_paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=spec.code_uri,
            env=environment,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._requests = self._process.stdin
        self._replies = self._process.stdout
        hello = self._read(time.monotonic() + INIT_TIMEOUT_S, "init")
        if "initError" in hello:
            self.stop()
            raise InvokeFailed(f"{spec.logical_id} failed to initialise", hello["initError"])
        self.init_ms = (time.perf_counter() - started) * 1000

    def _read(self, deadline: float, phase: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([self._replies], [], [], max(0.0, remaining))
        if not ready:
            self.stop()
            limit = INIT_TIMEOUT_S if phase == "init" else self.spec.timeout_s
            raise InvokeFailed(f"{self.spec.logical_id} timed out after {limit:.0f} s ({phase})")
        message = read_frame(self._replies)
        if message is None:
            code = self._process.wait()
            raise InvokeFailed(f"{self.spec.logical_id} exited with code {code} ({phase})")
        return dict(message)

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        payload = {"event": event, "requestId": request_id, "timeoutMs": self.spec.timeout_s * 1000}
        try:
            write_frame(self._requests, json.dumps(payload).encode())
        except BrokenPipeError as error:
            raise InvokeFailed(f"{self.spec.logical_id} is gone") from error
        reply = self._read(time.monotonic() + self.spec.timeout_s, "invoke")
        if "error" in reply:
            failure = reply["error"]
            raise InvokeFailed(
                f"{self.spec.logical_id} raised {failure['errorType']}: {failure['errorMessage']}",
                failure["stackTrace"],
                environment_lost=failure["fatal"],
            )
        return reply["result"]

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        if self._process.poll() is None:
            self._requests.close()  # the worker leaves on end of input
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._replies.close()


@dataclass
class _PoolState:
    idle: list[Worker]
    live: int = 0
    generation: int = 0


class FunctionPool:
    """Workers for one function: reuse an idle one, else start one, else wait for one."""

    def __init__(self, spec: FunctionSpec, base_environment: dict[str, str], max_workers: int) -> None:
        self.spec = spec
        self.roots = (spec.code_uri, *spec.layer_paths)
        # As SAM CLI sets it: Powertools (and code) can tell a local run from Lambda's.
        self._environment = lambda_environment(spec, {"AWS_SAM_LOCAL": "true", **base_environment})
        self._max_workers = max_workers
        self._state = _PoolState(idle=[])
        self._changed = threading.Condition()
        self._closed = False

    def _acquire(self) -> Worker:
        retired: list[Worker] = []
        warm: Worker | None = None
        with self._changed:
            while True:
                if self._closed:
                    raise InvokeFailed(f"{self.spec.logical_id} is shutting down")
                if self._state.idle:
                    candidate = self._state.idle.pop()
                    if candidate.generation == self._state.generation and candidate.alive:
                        warm = candidate
                        break
                    retired.append(candidate)
                    self._state.live -= 1
                    continue
                if self._state.live < self._max_workers:
                    self._state.live += 1
                    generation = self._state.generation
                    break
                self._changed.wait()
        for old in retired:
            old.stop()
        if warm is not None:
            return warm
        try:
            return Worker(self.spec, self._environment, generation)
        except BaseException:
            with self._changed:
                self._state.live -= 1
                self._changed.notify()
            raise

    def _release(self, worker: Worker, healthy: bool) -> None:
        with self._changed:
            keep = healthy and worker.alive and worker.generation == self._state.generation and not self._closed
            if keep:
                self._state.idle.append(worker)
            else:
                self._state.live -= 1
            self._changed.notify()
        if not keep:
            worker.stop()

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        worker = self._acquire()
        healthy = False
        try:
            result = worker.invoke(event, request_id)
            healthy = True
            return result
        except InvokeFailed as failure:
            healthy = not failure.environment_lost
            raise
        finally:
            self._release(worker, healthy)

    def warm_up(self, workers: int = 1) -> None:
        """Start `workers` workers side by side ahead of the first requests (errors surface on
        those requests); each is held until all are up, so each is a new one."""
        started: list[Worker] = []

        def start() -> None:
            with contextlib.suppress(InvokeFailed):
                started.append(self._acquire())

        threads = [threading.Thread(target=start) for _ in range(min(workers, self._max_workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for worker in started:
            self._release(worker, healthy=True)

    def reload(self) -> None:
        """Retire every worker of the current generation; the next invoke loads fresh code."""
        with self._changed:
            self._state.generation += 1
            retired, self._state.idle = self._state.idle, []
            self._state.live -= len(retired)
            self._changed.notify_all()
        for worker in retired:
            worker.stop()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            retired, self._state.idle = self._state.idle, []
            self._changed.notify_all()
        for worker in retired:
            worker.stop()


def warm_up(pools: Iterable[FunctionPool]) -> None:
    """Start one worker per pool in the background, so the first invoke is warm."""
    for pool in pools:
        threading.Thread(target=pool.warm_up, name=f"warm-{pool.spec.logical_id}", daemon=True).start()


def reload_changed(pools: Iterable[FunctionPool], changed: set[Path]) -> list[str]:
    """Reload each pool whose code or layers hold a changed file; the names of those reloaded."""
    reloaded = []
    for pool in pools:
        if any(path.is_relative_to(root) for path in changed for root in pool.roots):
            pool.reload()
            reloaded.append(pool.spec.logical_id)
    return reloaded


def _snapshot(roots: Iterable[Path]) -> dict[Path, int]:
    files: dict[Path, int] = {}
    for root in roots:
        for path in root.rglob("*.py"):
            if "__pycache__" not in path.parts:
                try:
                    files[path] = path.stat().st_mtime_ns
                except FileNotFoundError:
                    continue
    return files


class CodeWatcher:
    """Polls the functions' and layers' Python files; reports which ones changed."""

    def __init__(self, roots: Iterable[Path], on_change: Callable[[set[Path]], None], interval: float = 0.5) -> None:
        self._roots = tuple(sorted(set(roots)))
        self._on_change = on_change
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="code-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        before = _snapshot(self._roots)
        while not self._stopped.wait(self._interval):
            after = _snapshot(self._roots)
            if after != before:
                changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
                self._on_change(changed)
                before = after

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
