"""The change feed under load, on `make run` as a user runs it: the embedded store, the stream
poller and the consumer's worker, all as `python -m devtools.local_api` starts them.

- Sustained load: `clients` threads write `rate` writes/s in all, on an open-loop schedule
  (each write has a due time; a slow server makes writes late, and the achieved rate says
  so), mixed creates, updates and deletes of `names` instances on `hosts` hosts (each
  thread owns its names, so every write succeeds). Meanwhile a probe creates an instance
  on a host of its own, times how long until `GET /api/v1/instance?hostID=` lists it
  (polled every 25 ms), deletes it, times how long until it is gone, and starts again; the
  probe also times its events, from the write's answer to the console line the local
  EventBridge prints. When the load stops, one more probe write times the backlog (drain).
- Fan-out: one create on `hosts` hosts, timed until its event is printed (the consumer
  publishes a record's event only once all its index writes landed), then every host's
  view is read to check that it lists the instance; then its delete, the same way.
- Step search: the sustained load at rising rates, `step_s` each, until the probe's p99
  passes the goal or the server cannot take the rate: the highest rate that kept it.

The CPU time of the server process and of its workers, by kind, says where local time goes.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.local_api.launch import LocalApiProcess, local_api
from devtools.template import Template

LAG_GOAL_S = 2.0
POLL_S = 0.05
# A write not visible after this long counts as this long (and the run as failed).
GIVE_UP_S = 30.0
# How long a backlog may take to drain before the next measurement starts regardless.
SETTLE_S = 300.0
# The achieved write rate must be this close to the target for a step to count.
RATE_HELD = 0.95


def _path() -> str:
    return next(route.path for route in Template.load().routes() if route.method == "POST")


class Client:
    """One keep-alive connection to the local API; reconnects after a dropped connection."""

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._connection = http.client.HTTPConnection(host, port, timeout=60)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        payload = json.dumps(body) if body is not None else None
        for attempt in range(2):
            try:
                self._connection.request(method, path, payload, headers)
                response = self._connection.getresponse()
                return response.status, json.loads(response.read() or b"null")
            except (ConnectionError, http.client.HTTPException):
                self._connection.close()
                self._connection = http.client.HTTPConnection(*self._address, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def listed(self, host: str) -> list[str]:
        status, answer = self.call("GET", f"{_path()}?hostID={host}&limit=500")
        if status != 200:
            raise RuntimeError(f"?hostID={host} answered {status}: {answer}")
        return [item["name"] for item in answer["data"]["items"]]

    def close(self) -> None:
        self._connection.close()


def summary(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"n": 0, "p50_s": 0.0, "p99_s": 0.0, "max_s": 0.0}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"n": len(ordered), "p50_s": statistics.median(ordered), "p99_s": p99, "max_s": ordered[-1]}


# -- where the CPU goes ---------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _kind(pid: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    if "functions/publish_changes" in command:
        return "consumer worker"
    return "API function workers" if "lambda_runtime.py" in command else "other"


def cpu_by_kind(root: int) -> dict[str, float]:
    """CPU seconds so far of `root` (the server: gateway, store, poller, EventBridge) and of its
    children by kind; empty where /proc is not there."""
    if not Path("/proc").is_dir():
        return {}
    totals = {"server (gateway, store, poller)": _cpu_seconds(root)}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == root:
                pid = int(stat.parent.name)
                totals[_kind(pid)] = totals.get(_kind(pid), 0.0) + _cpu_seconds(pid)
        except (OSError, ValueError, IndexError):
            continue  # a worker that ended meanwhile
    return totals


def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {kind: round(after[kind] - before.get(kind, 0.0), 2) for kind in after}


# -- published events, as the console shows them --------------------------------------------------


class EventClock:
    """When each event of a probe instance was printed (name, detail-type -> perf_counter)."""

    def __init__(self, prefixes: tuple[str, ...] = ("probe-", "fan-")) -> None:
        self._needles = tuple(f'"name":"{prefix}' for prefix in prefixes)
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def __call__(self, line: str) -> None:
        if not line.startswith("event ") or not any(needle in line for needle in self._needles):
            return
        try:  # threads print to one console: a line can carry another's text after the event
            event, _ = json.JSONDecoder().raw_decode(line[len("event ") :])
        except ValueError:
            return
        with self._lock:
            self._seen.setdefault((event["detail"]["name"], event["detail-type"]), time.perf_counter())

    def seen(self, name: str, detail_type: str) -> float | None:
        with self._lock:
            return self._seen.get((name, detail_type))

    def wait(self, name: str, detail_type: str, give_up: float = GIVE_UP_S) -> float | None:
        deadline = time.perf_counter() + give_up
        while (seen := self.seen(name, detail_type)) is None and time.perf_counter() < deadline:
            time.sleep(0.01)
        return seen


@contextmanager
def served() -> Iterator[tuple[LocalApiProcess, EventClock]]:
    clock = EventClock()
    with tempfile.TemporaryDirectory() as console, local_api(Path(console) / "local-api.log", on_line=clock) as api:
        yield api, clock


# -- the load ---------------------------------------------------------------------------------------


@dataclass
class Load:
    rate: float
    seconds: float
    clients: int = 8
    names: int = 40
    hosts: int = 10
    prefix: str = "load"

    def hosts_for(self, chooser: random.Random) -> list[str]:
        return [f"{self.prefix}-host-{n}" for n in chooser.sample(range(self.hosts), chooser.randint(1, 3))]


@dataclass
class _Tally:
    writes: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, what: str) -> None:
        with self.lock:
            self.writes += 1
            if status != 200 and len(self.errors) < 5:
                self.errors.append(f"{what} answered {status}")


def _write(client: Client, load: Load, name: str, present: bool, chooser: random.Random) -> tuple[int, bool, str]:
    """One write of `name`: a create if absent, else an update or a delete; (status, present after, kind)."""
    if not present:
        body = {"name": name, "hostIDs": load.hosts_for(chooser), "spec": {"image": "nginx:1"}}
        return client.call("POST", _path(), body)[0], True, "create"
    if chooser.random() < 0.5:
        body = {"name": name, "hostIDs": load.hosts_for(chooser), "spec": {"image": f"nginx:{chooser.randint(1, 99)}"}}
        return client.call("PUT", _path(), body)[0], True, "update"
    return client.call("DELETE", f"{_path()}?name={name}")[0], False, "delete"


def _writer(api: LocalApiProcess, load: Load, number: int, started: float, tally: _Tally) -> None:
    client, chooser = Client(api.host, api.port), random.Random(number)  # noqa: S311 - a workload, no secret
    names = [f"{load.prefix}-{index}" for index in range(number, load.names, load.clients)]
    present = dict.fromkeys(names, False)
    total = int(load.rate * load.seconds)
    for write in range(number, total, load.clients):
        delay = started + write / load.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        name = names[(write // load.clients) % len(names)]
        status, after, kind = _write(client, load, name, present[name], chooser)
        if status == 200:
            present[name] = after
        elif status in (404, 409):  # a write answered before a dropped connection: learn the state again
            present[name] = kind == "create"
        tally.add(status, f"{kind} {name}")
    client.close()


def _visible(client: Client, host: str, name: str, shown: bool, since: float, give_up: float = GIVE_UP_S) -> float:
    """Seconds from `since` until `name` is (or is no longer) listed on `host`, at most `give_up`."""
    while (name in client.listed(host)) != shown:
        if time.perf_counter() - since > give_up:
            return give_up
        time.sleep(POLL_S)
    return time.perf_counter() - since


@dataclass
class _ProbeRecord:
    kind: str  # "create" or "delete"
    name: str
    written: float  # perf_counter at the write's answer
    lag: float


def probe_once(client: Client, prefix: str, number: int, give_up: float = GIVE_UP_S) -> list[_ProbeRecord]:
    name, host = f"probe-{prefix}-{number}", f"probe-{prefix}-host-{number}"
    records = []
    for kind, method, target, body, shown in (
        ("create", "POST", _path(), {"name": name, "hostIDs": [host]}, True),
        ("delete", "DELETE", f"{_path()}?name={name}", None, False),
    ):
        status, answer = client.call(method, target, body)
        written = time.perf_counter()
        # 409/404: a request sent again after a dropped connection found its own first attempt done.
        if status not in (200, 409 if kind == "create" else 404):
            raise RuntimeError(f"the probe's {kind} answered {status}: {answer}")
        records.append(_ProbeRecord(kind, name, written, _visible(client, host, name, shown, written, give_up)))
    return records


def _prober(api: LocalApiProcess, prefix: str, stop: threading.Event, records: list[_ProbeRecord]) -> None:
    client, number = Client(api.host, api.port), 0
    while not stop.is_set():
        records.extend(probe_once(client, prefix, number))
        number += 1
        stop.wait(0.1)
    client.close()


def _event_lags(records: list[_ProbeRecord], clock: EventClock) -> tuple[list[float], int]:
    types = {"create": "Instance Created", "delete": "Instance Deleted"}
    lags, missing = [], 0
    for record in records:
        seen = clock.seen(record.name, types[record.kind])
        if seen is None:
            missing += 1
        else:
            lags.append(max(0.0, seen - record.written))
    return lags, missing


def _trend(records: list[_ProbeRecord]) -> dict[str, float]:
    """The probe's median lag in the first and the last third of the run: growing means behind."""
    third = max(1, len(records) // 3)
    first, last = records[:third], records[-third:]
    return {
        "first_third_p50_s": statistics.median(r.lag for r in first) if first else 0.0,
        "last_third_p50_s": statistics.median(r.lag for r in last) if last else 0.0,
    }


def sustained(api: LocalApiProcess, clock: EventClock, load: Load) -> dict[str, Any]:
    """`load` for its seconds while the probe measures; then the time the backlog takes to drain."""
    tally, stop = _Tally(), threading.Event()
    records: list[_ProbeRecord] = []
    load_before, cpu_before = os.getloadavg(), cpu_by_kind(api.process.pid)
    started = time.perf_counter()
    writers = [
        threading.Thread(target=_writer, args=(api, load, number, started, tally)) for number in range(load.clients)
    ]
    prober = threading.Thread(target=_prober, args=(api, load.prefix, stop, records))
    for thread in (*writers, prober):
        thread.start()
    for thread in writers:
        thread.join()
    elapsed = time.perf_counter() - started
    stop.set()
    prober.join()
    cpu = _spent(cpu_before, cpu_by_kind(api.process.pid))
    drained = settle(api, f"{load.prefix}-drain")
    event_lags, missing = _event_lags(records, clock)
    return {
        "target_rate": load.rate,
        "achieved_rate": tally.writes / elapsed,
        "probe_writes_per_s": len(records) / elapsed,
        "clients": load.clients,
        "seconds": round(elapsed, 1),
        "writes": tally.writes,
        "errors": tally.errors,
        "lag": summary([record.lag for record in records]),
        "create_lag": summary([record.lag for record in records if record.kind == "create"]),
        "delete_lag": summary([record.lag for record in records if record.kind == "delete"]),
        "event_lag": {**summary(event_lags), "missing": missing},
        **_trend(records),
        "drain_s": drained,
        "cpu_s": cpu,
        "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
    }


def settle(api: LocalApiProcess, prefix: str) -> float:
    """Seconds until a write shows within the goal again (the backlog drained), at most SETTLE_S."""
    client, started, number = Client(api.host, api.port), time.perf_counter(), 0
    while probe_once(client, prefix, number, SETTLE_S)[0].lag > LAG_GOAL_S / 2:
        if time.perf_counter() - started > SETTLE_S:
            break
        number += 1
    client.close()
    return time.perf_counter() - started


def kept_up(result: dict[str, Any]) -> bool:
    """The feed kept up with this load: the rate was taken, and the probe's p99 is within the goal."""
    return (
        not result["errors"]
        and result["achieved_rate"] >= RATE_HELD * result["target_rate"]
        and result["lag"]["n"] > 0
        and result["lag"]["p99_s"] <= LAG_GOAL_S
        and result["drain_s"] <= LAG_GOAL_S
    )


# -- one write on many hosts ------------------------------------------------------------------------


def _listed_on_all(api: LocalApiProcess, hosts: list[str], name: str) -> list[str]:
    """The hosts whose view does not list `name` (8 clients share the hosts)."""
    missing, lock = [], threading.Lock()

    def check(part: list[str]) -> None:
        client = Client(api.host, api.port)
        absent = [host for host in part if name not in client.listed(host)]
        client.close()
        with lock:
            missing.extend(absent)

    threads = [threading.Thread(target=check, args=(hosts[start::8],)) for start in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return missing


def fan_out(api: LocalApiProcess, clock: EventClock, hosts: int, repeats: int) -> dict[str, Any]:
    """A create on `hosts` hosts, then its delete: the time until its event is printed, which the
    consumer publishes only once every index write of the record landed; then every host's view
    is read to check it (not timed: 256 reads take longer than the writes on a loaded machine)."""
    client = Client(api.host, api.port)
    times: dict[str, list[float]] = {"create_s": [], "delete_s": []}
    wrong: list[str] = []
    for repeat in range(repeats):
        name = f"fan-{repeat}-{uuid.uuid4().hex[:8]}"
        on = [f"{name}-host-{number}" for number in range(hosts)]
        for kind, detail_type, method, target, body in (
            ("create_s", "Instance Created", "POST", _path(), {"name": name, "hostIDs": on}),
            ("delete_s", "Instance Deleted", "DELETE", f"{_path()}?name={name}", None),
        ):
            status, answer = client.call(method, target, body)
            written = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"the fan-out {method} answered {status}: {answer}")
            seen = clock.wait(name, detail_type)
            times[kind].append(GIVE_UP_S if seen is None else seen - written)
            missing = _listed_on_all(api, on, name)
            if (kind == "create_s" and missing) or (kind == "delete_s" and len(missing) != hosts):
                wrong.append(f"{name}: {kind[:6]} not seen on every host after its event")
    client.close()
    everything = times["create_s"] + times["delete_s"]
    return {"hosts": hosts, **times, "max_s": max(everything), "wrong": wrong}


# -- the highest rate the feed keeps up with -------------------------------------------------------


def _why_not(result: dict[str, Any]) -> str:
    """Why a run did not keep up: the server did not take the rate (the API is the limit), or the feed lagged."""
    if result["errors"]:
        return f"writes failed: {result['errors'][0]}"
    if result["achieved_rate"] < RATE_HELD * result["target_rate"]:
        return f"the server took only {result['achieved_rate']:.1f} writes/s (the API, not the feed, is the limit)"
    return f"probe p99 {result['lag']['p99_s']:.2f} s, backlog gone in {result['drain_s']:.2f} s (the feed fell behind)"


def step_search(
    api: LocalApiProcess, clock: EventClock, rates: list[float], seconds: float, report: Callable[[str], None]
) -> dict[str, Any]:
    """The load at each rate in turn until one does not keep up twice in a row (a shared machine's
    spike gets a second chance). The answer is the highest rate actually taken while the probe's
    p99 and the backlog stayed within the goal, and what stopped the search: the feed falling
    behind, or the API not taking the rate asked while the feed kept up (then the API was the limit)."""
    steps = []
    for rate in rates:
        for attempt in (1, 2):
            result = sustained(api, clock, Load(rate, seconds, prefix=f"step{int(rate)}-{attempt}"))
            held = kept_up(result)
            row = {key: result[key] for key in ("achieved_rate", "lag", "drain_s", "load_average")}
            within = not result["errors"] and max(result["lag"]["p99_s"], result["drain_s"]) <= LAG_GOAL_S
            why_not = "" if held else _why_not(result)
            steps.append({"rate": rate, "attempt": attempt, "held": held, "within": within, "why_not": why_not, **row})
            report(
                f"    {rate:>5.0f} writes/s (try {attempt}): {result['achieved_rate']:.1f} taken, probe p99 "
                f"{result['lag']['p99_s']:.2f} s, load average {os.getloadavg()[0]:.1f}: "
                f"{'kept up' if held else steps[-1]['why_not']}"
            )
            if held:
                break
        if not held:
            break
    taken = [step["achieved_rate"] for step in steps if step["within"] and step["lag"]["n"]]
    last = steps[-1] if steps else {"held": True}
    if last["held"]:
        limit = "none reached"
    elif last["achieved_rate"] < RATE_HELD * last["rate"]:
        limit = f"the API (the server took {last['achieved_rate']:.1f} of {last['rate']:.0f} writes/s)"
    else:
        limit = "the feed (its lag passed the goal at a rate the server took)"
    return {"seconds": seconds, "steps": steps, "highest_rate": max(taken, default=0.0), "limited_by": limit}


def measure(
    load: Load, step_rates: list[float], step_seconds: float, fan_hosts: int, fan_repeats: int
) -> dict[str, Any]:
    """Warm the workers, then the sustained load, the fan-out and the step search, on one server."""
    with served() as (api, clock):
        sustained(api, clock, Load(load.rate, min(5.0, load.seconds), prefix="warm-up"))
        results: dict[str, Any] = {"sustained": sustained(api, clock, load)}
        results["fan_out"] = fan_out(api, clock, fan_hosts, fan_repeats)  # sustained() ends with the backlog drained
        results["step_search"] = step_search(api, clock, step_rates, step_seconds, lambda line: print(line, flush=True))
    return results


# -- what the bench prints --------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "meets goal" if ok else "MISSES GOAL"


def _lags(row: dict[str, float]) -> str:
    return f"p50 {row['p50_s']:.2f} s, p99 {row['p99_s']:.2f} s, max {row['max_s']:.2f} s ({row['n']:.0f})"


def show(results: dict[str, Any], rate: float, seconds: float) -> None:
    run, fan, search = results["sustained"], results["fan_out"], results["step_search"]
    load = run["load_average"]
    print(
        f"\nchange feed under load, `make run` (embedded store, stream poller, consumer worker)   "
        f"goal: {rate:.0f} writes/s from 8 clients for {seconds:.0f} s, probe p99 <= {LAG_GOAL_S:.0f} s"
    )
    print(f"  load average {load['before'][0]:.1f} before, {load['after'][0]:.1f} after, on {os.cpu_count()} cores")
    print(
        f"  writes: {run['target_rate']:.0f}/s asked, {run['achieved_rate']:.1f}/s taken ({run['writes']} writes, "
        f"{len(run['errors'])} errors{': ' + '; '.join(run['errors']) if run['errors'] else ''}), "
        f"probe {run['probe_writes_per_s']:.1f}/s"
    )
    print(f"  write -> listed by ?hostID=   creates {_lags(run['create_lag'])}; deletes {_lags(run['delete_lag'])}")
    print(f"                                all {_lags(run['lag'])}   {_verdict(kept_up(run))}")
    print(f"  write -> its event printed    {_lags(run['event_lag'])}, {run['event_lag']['missing']} not seen")
    print(
        f"  median lag {run['first_third_p50_s']:.2f} s in the first third, {run['last_third_p50_s']:.2f} s in the "
        f"last (a growing median is a feed falling behind); backlog gone {run['drain_s']:.2f} s after the load stopped"
    )
    print("  CPU seconds during the load: " + ", ".join(f"{kind} {cpu:.1f}" for kind, cpu in run["cpu_s"].items()))
    worst = fan["max_s"]
    print(
        f"\none write on {fan['hosts']} hosts, until its event (sent once every host's entry is written)   "
        f"goal: <= {LAG_GOAL_S:.0f} s"
    )
    print(
        f"  create {', '.join(f'{s:.2f}' for s in fan['create_s'])} s; delete "
        f"{', '.join(f'{s:.2f}' for s in fan['delete_s'])} s; worst {worst:.2f} s   "
        f"{_verdict(worst <= LAG_GOAL_S and not fan['wrong'])}"
    )
    print(f"  every host's view read after each event: {'; '.join(fan['wrong']) or 'all as expected'}")
    print(f"\nhighest sustained rate with probe p99 <= {LAG_GOAL_S:.0f} s ({search['seconds']:.0f} s steps)")
    for step in search["steps"]:
        verdict = "kept up" if step["held"] else step["why_not"]
        print(
            f"  {step['rate']:>5.0f} writes/s (try {step['attempt']}): {step['achieved_rate']:.1f} taken, probe p99 "
            f"{step['lag']['p99_s']:.2f} s, load average {step['load_average']['after'][0]:.1f}: {verdict}"
        )
    print(
        f"  highest rate taken with the probe's p99 and the backlog within {LAG_GOAL_S:.0f} s: "
        f"{search['highest_rate']:.1f} writes/s; what stopped the search: {search['limited_by']}"
    )
