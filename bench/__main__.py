"""`make bench`: cold start, warm cost, package size, memory, local throughput and the change
feed (stream lag, consumer throughput against its floor, the host query's cold start, and the
feed under sustained load), with goals.

    .venv/bin/python -m bench [--only cold,warm,size,throughput,changes,feed] [--pairs 10] [--iterations 10000]
                              [--requests 400] [--writes 200] [--batches 10]
                              [--feed-rate 50] [--feed-seconds 60] [--feed-steps 25,50,...] [--feed-step-seconds 30]
                              [--fanout-hosts 256] [--fanout-repeats 3]
                              [--output bench/results.json] [--build-dir DIR]

Prints a table and writes bench/results.json. Timings on a shared machine are noisy: the
cold-start goal is a ratio of interleaved pairs measured in the same run, never an absolute.
Dev tooling: nothing here is imported by the functions or the layer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools import lambda_artifact
from devtools.template import ROOT

RESULTS_PATH = Path(__file__).with_name("results.json")
GOALS = {
    "cold_start_ratio": 1.15,
    "warm_p50_us": 200.0,
    "package_mb": 10.0,
    "rss_mb": 80.0,
    "throughput_vs_raw_moto": 0.5,
    "stream_lag_p50_s": 0.5,
    "stream_lag_p99_s": 2.0,
    "feed_writes_per_s": 50.0,
    "feed_lag_p99_s": 2.0,
    "fanout_s": 2.0,
}


def _machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _verdict(ok: bool) -> str:
    return "meets goal" if ok else "MISSES GOAL"


def _print_cold_table(title: str, results: dict[str, dict[str, float]], with_goal: bool) -> None:
    goal = f"   goal: ratio <= {GOALS['cold_start_ratio']}" if with_goal else ""
    print(f"\n{title}{goal}")
    print(f"  {'function':<9}{'ours ms':>10}{'boto3 ms':>10}{'ratio':>8}{'RSS MB':>9}")
    for operation, row in results.items():
        verdict = f"   {_verdict(row['ratio'] <= GOALS['cold_start_ratio'])}" if with_goal else ""
        print(
            f"  {operation:<9}{row['ours_ms']:>10.1f}{row['baseline_ms']:>10.1f}"
            f"{row['ratio']:>7.2f}x{row['rss_mb']:>9.1f}{verdict}"
        )


def _print_breakdown(breakdown: dict[str, dict[str, dict[str, float]]]) -> None:
    columns = ("Powertools", "pydantic", "instance_api", "botocore", "boto3", "standard library")
    print("\nwhere the import time goes (ms, python -X importtime, one run; the first call is not an import)")
    print("  " + f"{'':<18}" + "".join(f"{column[:12]:>13}" for column in columns))
    for operation, runs in breakdown.items():
        for label, groups in runs.items():
            row = f"{operation} {'(boto3 only)' if label == 'baseline' else ''}"
            print("  " + f"{row:<18}" + "".join(f"{groups.get(column, 0.0):>13.1f}" for column in columns))


def _measure_cold(arguments: argparse.Namespace, workspace: Path, build_dir: Path) -> dict[str, Any]:
    from bench import cold_start
    from devtools.embedded_dynamodb import EmbeddedDynamoDB
    from devtools.local_aws import client
    from devtools.tables import create_tables
    from devtools.template import Template

    runtime = lambda_artifact.runtime_packages(workspace / "runtime")
    store = EmbeddedDynamoDB()
    try:
        create_tables(client(store.endpoint), Template.load().tables())
        shipped = cold_start.shipped(build_dir, runtime)
        empty_cache = workspace / "empty-bytecode-cache"
        empty_cache.mkdir()
        return {
            "cold_start": cold_start.measure(store.endpoint, arguments.pairs, shipped),
            "cold_start_without_bytecode": cold_start.measure(
                store.endpoint, arguments.pairs, cold_start.without_bytecode(empty_cache)
            ),
            "import_breakdown": {
                operation: cold_start.import_breakdown(store.endpoint, shipped, operation)
                for operation in cold_start.FUNCTIONS
            },
        }
    finally:
        store.stop()


def _print_cold(arguments: argparse.Namespace, results: dict[str, Any]) -> None:
    _print_cold_table(
        f"cold start of the sam build artifact, as Lambda runs it; median of {arguments.pairs} pairs",
        results["cold_start"],
        True,
    )
    _print_cold_table(
        "the same code with no bytecode shipped (Lambda compiles it at every cold start)",
        results["cold_start_without_bytecode"],
        False,
    )
    _print_breakdown(results["import_breakdown"])
    print(f"\nmemory: peak RSS after the first request   goal: <= {GOALS['rss_mb']:.0f} MB")
    for operation, row in results["cold_start"].items():
        print(
            f"  {operation:<9}{row['rss_mb']:>8.1f} MB   (boto3 floor {row['baseline_rss_mb']:.1f} MB)   "
            f"{_verdict(row['rss_mb'] <= GOALS['rss_mb'])}"
        )


def _measure_warm(arguments: argparse.Namespace, workspace: Path, build_dir: Path | None) -> dict[str, Any]:
    from bench import warm

    return {"warm": warm.measure(arguments.iterations)}


def _print_warm(arguments: argparse.Namespace, results: dict[str, Any]) -> None:
    print(
        f"\nwarm cost per request, DynamoDB stubbed, {arguments.iterations} calls   goal: p50 <= 200 us"
        " (host: the get function answering ?hostID=)"
    )
    for operation, row in results["warm"].items():
        verdict = _verdict(row["p50_us"] <= GOALS["warm_p50_us"])
        print(f"  {operation:<9}p50 {row['p50_us']:>7.1f} us   p99 {row['p99_us']:>7.1f} us   {verdict}")


def _measure_size(arguments: argparse.Namespace, workspace: Path, build_dir: Path) -> dict[str, Any]:
    from bench import package_size

    return {"package_size": package_size.measure(build_dir)}


def _print_size(arguments: argparse.Namespace, results: dict[str, Any]) -> None:
    sizes = results["package_size"]
    total = sizes["total"]["mb"]
    print(f"\npackage size, sam build output unzipped   goal: <= {GOALS['package_mb']:.0f} MB in all")
    for name, row in sizes.items():
        if name not in ("total", "layer contents"):
            print(f"  {name:<24}{row['mb']:>7.2f} MB")
    print(f"  {'total':<24}{total:>7.2f} MB   {_verdict(total <= GOALS['package_mb'])}")
    biggest = ", ".join(f"{name} {mb:.1f}" for name, mb in sizes["layer contents"].items())
    print(f"  layer's largest packages (MB): {biggest}")


def _measure_throughput(arguments: argparse.Namespace, workspace: Path, build_dir: Path | None) -> dict[str, Any]:
    from bench import throughput

    return {"throughput": throughput.measure(arguments.requests)}


def _print_throughput(arguments: argparse.Namespace, results: dict[str, Any]) -> None:
    row = results["throughput"]
    ratio = row["best_creates_vs_raw_moto"]
    print(f"\nlocal API throughput, embedded store   goal: >= {GOALS['throughput_vs_raw_moto']:.0%} of raw moto")
    print(f"  raw in-process moto puts/s  {row['raw_moto_puts_per_s']:>7.0f}")
    for clients in (1, 8):
        print(
            f"  {clients} client{'s' if clients > 1 else ' '}   creates/s {row[f'creates_per_s_{clients}']:>6.0f}"
            f"   gets/s {row[f'gets_per_s_{clients}']:>6.0f}"
        )
    print(f"  best creates/s vs raw moto  {ratio:>6.0%}   {_verdict(ratio >= GOALS['throughput_vs_raw_moto'])}")


def _measure_changes(arguments: argparse.Namespace, workspace: Path, build_dir: Path) -> dict[str, Any]:
    from bench import change_feed, cold_start
    from devtools.embedded_dynamodb import EmbeddedDynamoDB
    from devtools.local_aws import client
    from devtools.tables import create_tables
    from devtools.template import Template

    store = EmbeddedDynamoDB()
    try:
        create_tables(client(store.endpoint), Template.load().tables())
        layout = cold_start.shipped(build_dir, lambda_artifact.runtime_packages(workspace / "runtime"))
        host_cold = change_feed.host_cold_start(store.endpoint, layout, arguments.pairs)
    finally:
        store.stop()
    return {
        "change_feed": {
            "stream_lag": change_feed.stream_lag(arguments.writes),
            "consumer": change_feed.consumer_throughput(arguments.batches),
            "host_cold_start": host_cold,
        }
    }


def _print_changes(arguments: argparse.Namespace, results: dict[str, Any]) -> None:
    lag, consumer, cold = (results["change_feed"][key] for key in ("stream_lag", "consumer", "host_cold_start"))
    met = lag["p50_s"] <= GOALS["stream_lag_p50_s"] and lag["p99_s"] <= GOALS["stream_lag_p99_s"]
    print(
        f"\nchange feed, make run's chain on the embedded store   "
        f"goal: lag p50 <= {GOALS['stream_lag_p50_s']} s, p99 <= {GOALS['stream_lag_p99_s']:.0f} s"
    )
    print(
        f"  write -> listed by ?hostID=   p50 {lag['p50_s']:.3f} s   p99 {lag['p99_s']:.3f} s   "
        f"max {lag['max_s']:.3f} s over {lag['writes']} writes   {_verdict(met)}"
    )
    print(
        f"  consumer, batches of 100      {consumer['records_per_s']:.0f} records/s, "
        f"{consumer['consumer_cpu_ms_per_record']:.2f} ms of CPU each; the floor (the same calls, plain "
        f"botocore) {consumer['floor_records_per_s']:.0f}/s, {consumer['floor_cpu_ms_per_record']:.2f} ms: "
        f"{consumer['vs_floor']:.0%} of it"
    )
    print(
        f"                                ({consumer['records']} records: {consumer['index_writes']} index writes, "
        f"{consumer['events']} events in {consumer['put_events_calls']} PutEvents calls; best of "
        f"{consumer['rounds']} alternating rounds)"
    )
    print(
        f"  get function cold start       by name {cold['get_ms']:.1f} ms, ?hostID= {cold['host_ms']:.1f} ms "
        f"(host/get {cold['host_vs_get']:.2f}x, median of {cold['pairs']} pairs)"
    )


def _measure_feed(arguments: argparse.Namespace, workspace: Path, build_dir: Path | None) -> dict[str, Any]:
    from bench import feed_load

    load = feed_load.Load(arguments.feed_rate, arguments.feed_seconds)
    steps = [float(rate) for rate in arguments.feed_steps.split(",") if rate]
    print("\nchange feed under load: measuring (the step search prints as it goes)")
    measured = feed_load.measure(
        load, steps, arguments.feed_step_seconds, arguments.fanout_hosts, arguments.fanout_repeats
    )
    return {"change_feed_load": measured}


def _print_feed(arguments: argparse.Namespace, results: dict[str, Any]) -> None:
    from bench import feed_load

    feed_load.show(results["change_feed_load"], arguments.feed_rate, arguments.feed_seconds)


@dataclass(frozen=True)
class _Measurement:
    measure: Callable[[argparse.Namespace, Path, Any], dict[str, Any]]
    show: Callable[[argparse.Namespace, dict[str, Any]], None]
    needs_build: bool


# What `--only` selects, in the order the bench runs and prints them.
MEASUREMENTS = {
    "cold": _Measurement(_measure_cold, _print_cold, needs_build=True),
    "warm": _Measurement(_measure_warm, _print_warm, needs_build=False),
    "size": _Measurement(_measure_size, _print_size, needs_build=True),
    "throughput": _Measurement(_measure_throughput, _print_throughput, needs_build=False),
    "changes": _Measurement(_measure_changes, _print_changes, needs_build=True),
    "feed": _Measurement(_measure_feed, _print_feed, needs_build=False),
}


def _measure(arguments: argparse.Namespace, results: dict[str, Any], workspace: Path) -> None:
    """Run the selected measurements, print each and add it to `results`."""
    selected = [MEASUREMENTS[name] for name in MEASUREMENTS if name in arguments.only.split(",")]
    build_dir: Path | None = arguments.build_dir
    if build_dir is None and any(measurement.needs_build for measurement in selected):
        build_dir = lambda_artifact.build(workspace / "build")
    for measurement in selected:
        measured = measurement.measure(arguments, workspace, build_dir)
        results.update(measured)
        measurement.show(arguments, measured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(MEASUREMENTS))
    parser.add_argument("--pairs", type=int, default=int(os.environ.get("BENCH_PAIRS") or 10))
    parser.add_argument("--iterations", type=int, default=int(os.environ.get("BENCH_ITERATIONS") or 10_000))
    parser.add_argument("--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS") or 400))
    parser.add_argument("--writes", type=int, default=int(os.environ.get("BENCH_WRITES") or 200))
    parser.add_argument("--batches", type=int, default=int(os.environ.get("BENCH_BATCHES") or 10))
    parser.add_argument("--feed-rate", type=float, default=float(os.environ.get("BENCH_FEED_RATE") or 50))
    parser.add_argument("--feed-seconds", type=float, default=float(os.environ.get("BENCH_FEED_SECONDS") or 60))
    parser.add_argument("--feed-steps", default=os.environ.get("BENCH_FEED_STEPS") or "25,50,75,100,125,150")
    parser.add_argument(
        "--feed-step-seconds", type=float, default=float(os.environ.get("BENCH_FEED_STEP_SECONDS") or 30)
    )
    parser.add_argument("--fanout-hosts", type=int, default=int(os.environ.get("BENCH_FANOUT_HOSTS") or 256))
    parser.add_argument("--fanout-repeats", type=int, default=int(os.environ.get("BENCH_FANOUT_REPEATS") or 3))
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    parser.add_argument("--build-dir", type=Path, help="a `sam build` output to measure instead of building one")
    arguments = parser.parse_args(argv)
    results: dict[str, Any] = {"machine": _machine(), "goals": GOALS}
    print(
        f"Instance API bench - {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"Python {results['machine']['python']}, {results['machine']['date']}"
    )

    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        _measure(arguments, results, Path(scratch))
    arguments.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(
        f"\nwrote {arguments.output.relative_to(ROOT) if arguments.output.is_relative_to(ROOT) else arguments.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
