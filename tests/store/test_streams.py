"""The instances table's stream on each engine: what the store's writes leave there is what the
change consumer is tested on (events/stream.json), on the embedded store as on DynamoDB Local."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devtools.events import EVENTS
from devtools.stream_events import life_of_an_instance, record, recorded_batch
from instance_api.changes.records import change_of
from instance_api.domain.commands import CreateCommand, UpdateCommand
from instance_api.domain.service import InstanceService
from tests.stream_records import recorded
from tests.support import ENGINES


def shape(records: list[dict[str, Any]]) -> list[tuple[str, list[str], list[str]]]:
    """Each record's event name and the attributes of its images (values differ run to run)."""
    return [
        (
            record["eventName"],
            sorted(record["dynamodb"].get("OldImage", {})),
            sorted(record["dynamodb"].get("NewImage", {})),
        )
        for record in records
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_given_an_instance_s_life_when_reading_the_stream_then_one_record_per_write_as_recorded(
    request: pytest.FixtureRequest, engine: str
) -> None:
    records = record(request.getfixturevalue(engine), life_of_an_instance)
    assert shape(records) == shape(recorded()), "regenerate events/stream.json with `make events` if the store changed"
    for record_ in records:
        assert ":table/recorded-" in record_["eventSourceARN"]
        assert "/stream/" in record_["eventSourceARN"]
        assert isinstance(record_["dynamodb"]["ApproximateCreationDateTime"], int), "epoch seconds, as Lambda passes it"
        assert record_["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_given_the_recorded_batch_when_recording_it_again_then_it_is_events_stream_json_exactly(
    embedded_dynamodb: str,
) -> None:
    """`make events` records on the embedded store (DynamoDB Local's records differ in details
    its stream makes up, such as eventVersion): the same file on every run, on any day."""
    committed = json.loads((EVENTS / "stream.json").read_text(encoding="utf-8"))
    assert recorded_batch(embedded_dynamodb) == committed, "`make events` would change it: run it"


def _labelled_and_unlabelled(service: InstanceService) -> None:
    service.create(
        CreateCommand("plain", "team-a", {"spec": {"image": ""}, "shareStorage": False, "hostIDs": [], "labels": {}})
    )
    service.update(UpdateCommand("plain", {"labels": {"app": "web"}}))
    service.update(UpdateCommand("plain", {"labels": {}}))


@pytest.mark.parametrize("engine", ENGINES)
def test_given_empty_and_set_labels_when_reading_the_stream_then_each_change_has_them(
    request: pytest.FixtureRequest, engine: str
) -> None:
    """An empty map in a stream image (DynamoDB Local writes it `{}`, with no type) reads as no labels."""
    changes = [change_of(record_) for record_ in record(request.getfixturevalue(engine), _labelled_and_unlabelled)]
    assert [change.instance["labels"] if change and change.instance else None for change in changes] == [
        {},
        {"app": "web"},
        {},
    ]
