"""The local event source mapping (devtools/local_api/streams.py) handles a function's failures
as Lambda documents it: partial batch responses, bisection, bounded retries, record age, and
the on-failure destination; and the local EventBridge stand-in answers PutEvents as EventBridge does."""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import Any

import botocore.exceptions
import pytest

from devtools.local_api.streams import EventSourceMapping, FunctionError, ShardLanes, lane_of
from devtools.local_aws import service_client
from devtools.local_events import LocalEventBridge
from devtools.template import StreamConsumer, Template

SETTINGS = Template.load().stream_consumers()[0]
NOW = 1_800_000_000


def records(*sequences: int, created: int = NOW) -> list[dict[str, Any]]:
    return [
        {"dynamodb": {"SequenceNumber": str(number), "ApproximateCreationDateTime": created}} for number in sequences
    ]


class Function:
    """A stand-in consumer: fails on `poison` sequence numbers, as the real one does (the poisoned
    record and all after it reported; raises when nothing of the batch succeeded)."""

    def __init__(self, *poison: int, report: bool = True) -> None:
        self.poison = {str(number) for number in poison}
        self.report = report
        self.batches: list[list[str]] = []
        self.done: list[str] = []

    def __call__(self, batch: list[dict[str, Any]]) -> Any:
        sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
        self.batches.append(sequences)
        failed = next((index for index, sequence in enumerate(sequences) if sequence in self.poison), None)
        if failed == 0 or (failed is not None and not self.report):
            raise FunctionError("all failed")
        self.done += sequences[:failed]
        return {
            "batchItemFailures": [{"itemIdentifier": sequence} for sequence in sequences[failed or len(sequences) :]]
        }


def mapping(function: Function, **settings: Any) -> tuple[EventSourceMapping, list[dict[str, Any]]]:
    failures: list[dict[str, Any]] = []
    consumer: StreamConsumer = dataclasses.replace(SETTINGS, **settings)
    return EventSourceMapping(consumer, function, failures.append, clock=lambda: NOW), failures


def test_given_a_batch_that_succeeds_when_delivering_then_one_invocation_takes_it_all() -> None:
    function = Function()
    esm, failures = mapping(function)
    esm.deliver(records(1, 2, 3))
    assert (function.batches, function.done, failures) == ([["1", "2", "3"]], ["1", "2", "3"], [])


def test_given_a_partial_failure_when_delivering_then_the_batch_is_retried_from_the_failed_record() -> None:
    function = Function()
    esm, _ = mapping(function)
    answers = iter([{"batchItemFailures": [{"itemIdentifier": "3"}]}, {"batchItemFailures": []}])

    def flaky(batch: list[dict[str, Any]]) -> Any:
        function.batches.append([record["dynamodb"]["SequenceNumber"] for record in batch])
        return next(answers)

    esm.invoke = flaky
    esm.deliver(records(1, 2, 3, 4))
    assert function.batches == [["1", "2", "3", "4"], ["3", "4"]]


def test_given_a_poison_record_when_delivering_then_it_is_isolated_by_bisection_and_sent_aside() -> None:
    function = Function(5)
    esm, failures = mapping(function, max_retries=2)
    esm.deliver(records(*range(1, 9)), "shard-1")
    assert function.done == ["1", "2", "3", "4", "6", "7", "8"], "in stream order"
    (failure,) = failures
    assert failure["DDBStreamBatchInfo"] | {"approximateArrivalOfFirstRecord": 0} == {
        "shardId": "shard-1",
        "startSequenceNumber": "5",
        "endSequenceNumber": "5",
        "approximateArrivalOfFirstRecord": 0,
        "approximateArrivalOfLastRecord": NOW,
        "batchSize": 1,
        "streamArn": "",
    }
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    # The first try, the retry from 5 (a partial failure), two halvings (which are not retries),
    # and one more retry of 5 alone: two retries in all.
    assert [batch for batch in function.batches if "5" in batch] == [
        [str(number) for number in range(1, 9)],
        ["5", "6", "7", "8"],
        ["5", "6"],
        ["5"],
        ["5"],
    ]


def test_given_no_bisection_when_a_batch_keeps_failing_then_all_of_it_goes_aside_after_the_retries() -> None:
    function = Function(1)
    esm, failures = mapping(function, bisect_on_error=False, max_retries=1)
    esm.deliver(records(1, 2))
    assert function.batches == [["1", "2"], ["1", "2"]]
    assert [failure["DDBStreamBatchInfo"]["batchSize"] for failure in failures] == [2]


def test_given_an_answer_naming_no_record_of_the_batch_when_delivering_then_the_whole_batch_failed() -> None:
    esm, failures = mapping(Function(), max_retries=0, bisect_on_error=False)
    esm.invoke = lambda batch: {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]}
    esm.deliver(records(1, 2))
    assert [failure["DDBStreamBatchInfo"]["startSequenceNumber"] for failure in failures] == ["1"]


def test_given_records_older_than_the_maximum_age_when_delivering_then_they_go_aside_uninvoked() -> None:
    function = Function()
    esm, failures = mapping(function)
    old = records(1, created=NOW - SETTINGS.max_record_age_s - 1)
    esm.deliver([*old, *records(2)])
    assert function.batches == [["2"]]
    assert failures[0]["requestContext"]["condition"] == "RecordAgeExceeded"


def test_given_partial_responses_off_when_the_function_answers_then_the_batch_succeeded() -> None:
    esm, failures = mapping(Function(), report_item_failures=False)
    esm.invoke = lambda batch: {"batchItemFailures": [{"itemIdentifier": "1"}]}
    esm.deliver(records(1))
    assert failures == []
    assert esm.invocations == 1


# -- a ParallelizationFactor: lanes by item key ---------------------------------------------------------


def keyed(sequence: int, key: str) -> dict[str, Any]:
    (record,) = records(sequence)
    record["dynamodb"]["Keys"] = {"name": {"S": key}}
    return record


def keys_in_lanes(lanes: int) -> list[str]:
    """One item key per lane (the first names that hash to each)."""
    found: dict[int, str] = {}
    for number in range(1000):
        found.setdefault(lane_of(keyed(0, f"item-{number}"), lanes), f"item-{number}")
    return [found[lane] for lane in range(lanes)]


def key_of(sequence: str, batch: list[dict[str, Any]]) -> str:
    return str(next(r["dynamodb"]["Keys"]["name"]["S"] for r in batch if r["dynamodb"]["SequenceNumber"] == sequence))


@pytest.fixture
def lanes() -> Any:
    made: list[ShardLanes] = []

    def make(function: Function, **settings: Any) -> tuple[ShardLanes, list[dict[str, Any]]]:
        esm, failures = mapping(function, **settings)
        made.append(ShardLanes(esm, "shard-1"))
        return made[-1], failures

    yield make
    for shard in made:
        shard.stop()


class KeyedFunction(Function):
    """The stand-in consumer, remembering each batch's records (and so their keys and lanes)."""

    def __init__(self, *poison: int, hold: str | None = None) -> None:
        super().__init__(*poison)
        self.records: list[list[dict[str, Any]]] = []
        self.hold, self.released = hold, threading.Event()

    def __call__(self, batch: list[dict[str, Any]]) -> Any:
        self.records.append(batch)
        if self.hold is not None and any(r["dynamodb"]["Keys"]["name"]["S"] == self.hold for r in batch):
            assert self.released.wait(10), "never released"
        return super().__call__(batch)

    def done_of(self, key: str) -> list[str]:
        everything = [record for batch in self.records for record in batch]
        return [sequence for sequence in self.done if key_of(sequence, everything) == key]


def test_given_records_of_several_items_when_processed_in_lanes_then_each_item_keeps_its_order_in_one_lane(
    lanes: Any,
) -> None:
    keys = keys_in_lanes(3)
    function = KeyedFunction()
    shard, failures = lanes(function, parallelization_factor=3, batch_size=4)
    stream = [keyed(number, keys[number % 3]) for number in range(1, 31)]
    shard.submit(stream[:15])
    shard.submit(stream[15:])
    assert shard.wait_idle(10)
    for key in keys:
        assert function.done_of(key) == [
            r["dynamodb"]["SequenceNumber"]
            for r in stream
            if keys.index(key) == (int(r["dynamodb"]["SequenceNumber"]) % 3)
        ]
    for batch in function.records:
        assert len({lane_of(record, 3) for record in batch}) == 1, "a batch holds one lane's records"
        assert len(batch) <= 4
    assert (shard.checkpoint, failures) == ("30", [])


def test_given_a_lane_still_working_when_the_others_finish_then_the_checkpoint_waits_for_it(lanes: Any) -> None:
    slow, fast = keys_in_lanes(2)
    function = KeyedFunction(hold=slow)
    shard, _ = lanes(function, parallelization_factor=2)
    shard.submit([keyed(1, fast), keyed(2, slow), keyed(3, fast), keyed(4, fast)])
    for _ in range(1000):
        if function.done_of(fast) == ["1", "3", "4"]:
            break
        threading.Event().wait(0.01)
    assert function.done_of(fast) == ["1", "3", "4"], "the other lane went on"
    assert shard.checkpoint == "1", "not past the record the slow lane holds"
    function.released.set()
    assert shard.wait_idle(10)
    assert shard.checkpoint == "4"


def test_given_a_poison_record_in_one_lane_when_it_bisects_and_retries_then_other_lanes_keep_their_order(
    lanes: Any,
) -> None:
    bad, good = keys_in_lanes(2)
    function = KeyedFunction(5)
    shard, failures = lanes(function, parallelization_factor=2, max_retries=2)
    stream = [keyed(number, bad if number % 2 else good) for number in range(1, 11)]
    shard.submit(stream)
    assert shard.wait_idle(10)
    assert function.done_of(good) == ["2", "4", "6", "8", "10"], "once each, in order, never held"
    assert function.done_of(bad) == ["1", "3", "7", "9"], "the poison's lane goes on past it, in order"
    assert [failure["DDBStreamBatchInfo"]["startSequenceNumber"] for failure in failures] == ["5"]
    for batch in function.records:
        if "5" in [r["dynamodb"]["SequenceNumber"] for r in batch]:
            assert {r["dynamodb"]["Keys"]["name"]["S"] for r in batch} == {bad}, "bisected within its lane"
    assert shard.checkpoint == "10"


# -- the local EventBridge stand-in ------------------------------------------------------------------


@pytest.fixture
def bridge() -> Any:
    taken: list[dict[str, Any]] = []
    local = LocalEventBridge(["changes"], on_event=taken.append)
    local.taken = taken  # type: ignore[attr-defined]
    yield local
    local.stop()


def test_given_put_events_through_botocore_when_the_bus_exists_then_the_event_is_kept_as_a_target_gets_it(
    bridge: LocalEventBridge,
) -> None:
    events = service_client("events", bridge.endpoint)
    answer = events.put_events(
        Entries=[
            {"EventBusName": "changes", "Source": "instance-api", "DetailType": "Instance Created", "Detail": '{"a":1}'}
        ]
    )
    assert answer["FailedEntryCount"] == 0
    (event,) = bridge.events
    assert (event["source"], event["detail-type"], event["detail"]) == ("instance-api", "Instance Created", {"a": 1})
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert bridge.taken == [event]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"EventBusName": "other", "Source": "s", "DetailType": "d", "Detail": "{}"}, "ResourceNotFoundException"),
        ({"EventBusName": "changes", "Source": "s", "DetailType": "d", "Detail": "[1]"}, "MalformedDetail"),
        ({"EventBusName": "changes", "DetailType": "d", "Detail": "{}"}, "InvalidArgument"),
    ],
)
def test_given_an_entry_eventbridge_would_refuse_when_putting_it_then_it_is_refused_and_not_kept(
    bridge: LocalEventBridge, entry: dict[str, Any], code: str
) -> None:
    answer = bridge.put_events({"Entries": [entry]})
    assert answer["FailedEntryCount"] == 1
    assert answer["Entries"][0]["ErrorCode"] == code
    assert bridge.events == []


def entry_of(detail_bytes: int) -> dict[str, Any]:
    return {
        "EventBusName": "changes",
        "Source": "s",
        "DetailType": "d",
        "Detail": json.dumps({"x": "y" * detail_bytes}),
    }


def test_given_a_call_eventbridge_refuses_whole_when_putting_it_then_it_is_a_400_and_nothing_is_kept(
    bridge: LocalEventBridge,
) -> None:
    events = service_client("events", bridge.endpoint)
    assert events.put_events(Entries=[entry_of(300_000)] * 3)["FailedEntryCount"] == 0, "over 256 KB, under 1 MB"
    taken = len(bridge.events)
    for entries in ([entry_of(10)] * 11, [entry_of(600_000)] * 2):
        with pytest.raises(botocore.exceptions.ClientError, match="ValidationException"):
            events.put_events(Entries=entries)
    assert len(bridge.events) == taken


def test_given_an_operation_other_than_put_events_when_calling_the_stand_in_then_it_says_so(
    bridge: LocalEventBridge,
) -> None:
    events = service_client("events", bridge.endpoint)
    with pytest.raises(Exception, match="only PutEvents"):
        events.list_event_buses()
