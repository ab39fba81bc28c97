"""`make bench` runs end to end (few samples: this checks that it works, not how fast things are).

Timings are never asserted here; speed is the bench's to show. What is asserted is what
does not depend on the machine: every measurement is present, each function answered, the
get function's cold start imports no pydantic, and the shipped artifact's size.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.cold_start import CASES
from devtools.template import ROOT, Template

# real_clock: the build fetches the layer's packages over TLS (devtools/future_clock.py).
pytestmark = [pytest.mark.slow, pytest.mark.real_clock]

# One row per function in template.yaml, whichever functions it has (warm: those answering HTTP).
FUNCTIONS = {CASES[logical_id].label for logical_id in Template.load().functions()}
HTTP_FUNCTIONS = {case.label for case in CASES.values() if case.status is not None}
FEED_RATE, FEED_SECONDS = 10, 4


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> tuple[dict[str, Any], str]:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    arguments = ["--pairs", "1", "--iterations", "50", "--requests", "16", "--writes", "5", "--batches", "1"]
    arguments += ["--feed-rate", str(FEED_RATE), "--feed-seconds", str(FEED_SECONDS), "--feed-steps", str(FEED_RATE)]
    arguments += ["--feed-step-seconds", "3", "--fanout-hosts", "8", "--fanout-repeats", "1"]
    arguments += ["--output", str(output)]
    arguments += ["--build-dir", str(build_dir)]
    result = subprocess.run(
        [sys.executable, "-m", "bench", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return results, result.stdout


def test_given_a_bench_run_when_it_finishes_then_all_six_measurements_are_printed_and_written(
    bench: tuple[dict[str, Any], str],
) -> None:
    results, printed = bench
    assert len(FUNCTIONS) == len(Template.load().functions()) >= 6
    for section in ("cold_start", "cold_start_without_bytecode", "import_breakdown"):
        assert set(results[section]) == FUNCTIONS, section
    assert set(results["warm"]) == HTTP_FUNCTIONS | {"host"}
    for row in results["cold_start"].values():
        assert row["pairs"] == 1
        assert row["ours_ms"] > 0
        assert row["baseline_ms"] > 0
        assert row["rss_mb"] > 0
    assert all(row["iterations"] == 50 for row in results["warm"].values())
    assert results["throughput"]["raw_moto_puts_per_s"] > 0
    assert results["throughput"]["creates_per_s_8"] > 0
    feed = results["change_feed"]
    assert feed["stream_lag"]["writes"] == 5
    assert feed["host_cold_start"]["pairs"] == 1
    for heading in ("cold start", "warm cost", "package size", "memory", "local API throughput", "change feed"):
        assert heading in printed, heading
    assert printed.count("goal") >= 8


def test_given_a_bench_run_when_reading_the_consumer_against_its_floor_then_a_batch_s_events_share_calls(
    bench: tuple[dict[str, Any], str],
) -> None:
    consumer = bench[0]["change_feed"]["consumer"]
    assert consumer["records"] == consumer["events"] == 100, "one batch of 100 creates and updates"
    assert consumer["put_events_calls"] * 10 >= consumer["events"] > consumer["put_events_calls"], "10 to a call"
    assert 0 < consumer["index_writes"] < 2 * 100 * 2, "each entry once per batch, however often it changed"
    assert consumer["records_per_s"] > 0
    assert consumer["floor_records_per_s"] > 0
    assert "of it" in bench[1], "the consumer is printed against its floor"


def test_given_a_bench_run_when_reading_the_feed_under_load_then_every_write_was_taken_and_seen(
    bench: tuple[dict[str, Any], str],
) -> None:
    results, printed = bench
    load = results["change_feed_load"]
    run = load["sustained"]
    assert (run["writes"], run["errors"], run["clients"]) == (FEED_RATE * FEED_SECONDS, [], 8)
    assert run["lag"]["n"] == run["create_lag"]["n"] + run["delete_lag"]["n"] > 0
    assert run["event_lag"]["n"] > 0
    assert len(run["load_average"]["before"]) == 3
    assert load["fan_out"]["hosts"] == 8
    assert load["fan_out"]["wrong"] == [], "after its event, every host's view is as the write left it"
    assert {step["rate"] for step in load["step_search"]["steps"]} == {FEED_RATE}
    for heading in ("change feed under load", "one write on 8 hosts", "highest sustained rate"):
        assert heading in printed, heading


def test_given_a_bench_run_when_reading_the_import_breakdown_then_only_create_and_update_load_pydantic(
    bench: tuple[dict[str, Any], str],
) -> None:
    breakdown = bench[0]["import_breakdown"]
    for operation in ("get", "delete", "fallback"):
        assert "pydantic" not in breakdown[operation]["ours"], operation
    for operation in ("create", "update"):
        assert breakdown[operation]["ours"]["pydantic"] > 0
    for runs in breakdown.values():
        assert "boto3" not in runs["ours"], "the functions build their client with botocore alone"
        assert runs["baseline"]["boto3"] > 0


def test_given_a_bench_run_when_measuring_the_artifact_then_it_is_within_10_mb(
    bench: tuple[dict[str, Any], str],
) -> None:
    sizes = bench[0]["package_size"]
    assert sizes["total"]["mb"] <= 10.0, sizes


def test_given_the_peer_bench_when_it_runs_then_both_cookbook_shaped_handlers_answer_and_are_timed() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.peers", "--pairs", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    # bench.peers stops unless each handler answered 200 to its first request.
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.strip().startswith(("create", "delete"))]
    assert [row[0] for row in rows] == ["create", "delete"]
    assert all(float(row[3].rstrip("x")) > 0 for row in rows)
