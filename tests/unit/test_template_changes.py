"""template.yaml's change feed: the tables' streams, the consumers' mappings and roles, the host
index, the host reports and revisions, the event bus and its archive, the dead-letter queue and
the alarms on them."""

from __future__ import annotations

from typing import Any

import pytest

from devtools.template import Template
from tests.unit.test_template import (
    CONSUMER,
    CONSUMER_CODE,
    CONSUMER_SERVICE,
    FUNCTIONS,
    HOST_INDEX,
    HOST_REPORTS,
    HOST_REVISIONS,
    INSTANCES,
    PHASE_CONSUMER,
    PHASE_CONSUMER_CODE,
    PHASE_CONSUMER_SERVICE,
    RAW,
    RESOURCES,
    grants,
)

CONSUMER_PROPERTIES = FUNCTIONS[CONSUMER]["Properties"]
PHASE_CONSUMER_PROPERTIES = FUNCTIONS[PHASE_CONSUMER]["Properties"]
# Each stream consumer: its own role, and exactly the (action, resource) pairs the role holds.
CONSUMER_ROLES = {
    CONSUMER: ("PublishChangesRole", CONSUMER_CODE | CONSUMER_SERVICE),
    PHASE_CONSUMER: ("PublishPhasesRole", PHASE_CONSUMER_CODE | PHASE_CONSUMER_SERVICE),
}


def mapping() -> dict[str, Any]:
    (event,) = CONSUMER_PROPERTIES["Events"].values()
    assert event["Type"] == "DynamoDB"
    properties: dict[str, Any] = event["Properties"]
    return properties


def phase_mappings() -> dict[str, dict[str, Any]]:
    """The phase consumer's mappings, by the table whose stream each reads."""
    events = PHASE_CONSUMER_PROPERTIES["Events"].values()
    assert all(event["Type"] == "DynamoDB" for event in events)
    return {event["Properties"]["Stream"]["Fn::GetAtt"][0]: event["Properties"] for event in events}


def test_given_the_instances_table_when_reading_its_stream_then_both_images_of_every_write_are_kept() -> None:
    assert RESOURCES[INSTANCES]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


def test_given_the_host_reports_table_when_reading_its_stream_then_both_images_of_every_report_are_kept() -> None:
    assert RESOURCES[HOST_REPORTS]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    streamed = {key for key, value in RESOURCES.items() if "StreamSpecification" in value.get("Properties", {})}
    assert streamed == {INSTANCES, HOST_REPORTS}, "no other table has a stream to pay for"


def test_given_the_consumer_when_reading_its_mapping_then_it_reads_the_instances_stream_from_the_oldest_record() -> (
    None
):
    properties = mapping()
    assert properties["Stream"] == {"Fn::GetAtt": [INSTANCES, "StreamArn"]}
    assert properties["StartingPosition"] == "TRIM_HORIZON"
    assert properties["BatchSize"] == 100
    assert properties["MaximumBatchingWindowInSeconds"] == 0, "a host query shows a write within seconds"


def test_given_the_consumer_when_reading_its_mapping_and_size_then_a_shard_is_processed_in_parallel_lanes() -> None:
    assert mapping()["ParallelizationFactor"] == 4, "several instances of a shard at once, each in order"
    assert CONSUMER_PROPERTIES["MemorySize"] == 1769, "one full vCPU: a batch is CPU-bound in botocore"
    assert CONSUMER_PROPERTIES["Timeout"] == 120, "the worst batch (100 records, 256 hosts each way) fits"


def test_given_the_consumer_when_reading_its_mapping_then_a_failing_batch_is_bisected_bounded_and_sent_aside() -> None:
    properties = mapping()
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert 0 < properties["MaximumRetryAttempts"] <= 10, "never -1 (until the record expires)"
    assert 60 <= properties["MaximumRecordAgeInSeconds"] < 24 * 3600, "inside the stream's 24 h retention"
    assert properties["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["ChangesDeadLetterQueue", "Arn"]}}
    }


def test_given_the_phase_consumer_when_reading_its_mappings_then_it_reads_both_streams_as_the_change_consumer() -> None:
    mappings = phase_mappings()
    assert set(mappings) == {INSTANCES, HOST_REPORTS}
    for table, properties in mappings.items():
        assert properties["Stream"] == {"Fn::GetAtt": [table, "StreamArn"]}
        # The same ordering, batching, bisecting, bounded retries and dead-letter queue.
        assert properties == {**mapping(), "Stream": properties["Stream"]}
    assert PHASE_CONSUMER_PROPERTIES["Timeout"] == 60


def test_given_the_dead_letter_queue_when_reading_it_then_it_is_encrypted_kept_14_days_and_alarmed() -> None:
    queue = RESOURCES["ChangesDeadLetterQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"] == {"SqsManagedSseEnabled": True, "MessageRetentionPeriod": 14 * 24 * 3600}
    alarm = RESOURCES["ChangesDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["ChangesDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_given_the_consumer_when_it_falls_behind_the_2_s_promise_then_an_alarm_watches_its_iterator_age() -> None:
    alarm = RESOURCES["ChangesLagAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "IteratorAge", "Maximum")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": CONSUMER}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (2000, "GreaterThanOrEqualToThreshold"), "ms: 2 s"
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (60, 5, 3), (
        "Lambda's one-minute metric; a lone slow minute (a retried batch) does not page"
    )
    assert alarm["TreatMissingData"] == "notBreaching", "no writes, no batches, no data: not late"


def test_given_the_bus_when_reading_it_then_it_is_the_stacks_own_with_an_archive_of_parameter_retention() -> None:
    assert RESOURCES["ChangeEventBus"]["Properties"] == {"Name": {"Fn::Sub": "${AWS::StackName}-changes"}}
    archive = RESOURCES["ChangeEventArchive"]["Properties"]
    assert archive["SourceArn"] == {"Fn::GetAtt": ["ChangeEventBus", "Arn"]}
    assert archive["RetentionDays"] == {"Ref": "ChangeEventsArchiveRetentionDays"}
    assert archive["EventPattern"] == {"source": ["instance-api"]}
    assert RAW["Parameters"]["ChangeEventsArchiveRetentionDays"]["Default"] == 30


@pytest.mark.parametrize("logical_id", CONSUMER_ROLES)
def test_given_the_consumer_when_reading_its_role_then_it_may_publish_and_index_and_nothing_more(
    logical_id: str,
) -> None:
    role_id, expected = CONSUMER_ROLES[logical_id]
    properties = FUNCTIONS[logical_id]["Properties"]
    assert "Policies" not in properties, "its own role, no SAM-generated one with managed policies"
    assert properties["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert grants(logical_id) == expected
    role = RESOURCES[role_id]["Properties"]
    (policy,) = role["Policies"]
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    condition, tracing, otherwise = role["ManagedPolicyArns"]["Fn::If"]
    assert condition == "TracingOn"
    assert tracing == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"}]
    assert otherwise == {"Ref": "AWS::NoValue"}


def test_given_the_consumer_when_reading_its_environment_then_it_names_the_index_and_the_bus() -> None:
    environment = Template.load().functions()[CONSUMER].environment
    assert environment["HOST_INDEX_TABLE_NAME"] == HOST_INDEX
    assert environment["HOST_REVISIONS_TABLE_NAME"] == HOST_REVISIONS
    assert environment["EVENT_BUS_NAME"] == "instance-api-local-changes"
    assert CONSUMER_PROPERTIES["Environment"]["Variables"]["EVENT_BUS_NAME"] == {"Ref": "ChangeEventBus"}


def test_given_the_phase_consumer_when_reading_its_environment_then_it_names_the_tables_and_the_bus() -> None:
    environment = Template.load().functions()[PHASE_CONSUMER].environment
    assert environment["TABLE_NAME"] == INSTANCES
    assert environment["HOST_REPORTS_TABLE_NAME"] == HOST_REPORTS
    assert environment["EVENT_BUS_NAME"] == "instance-api-local-changes"
    assert PHASE_CONSUMER_PROPERTIES["Environment"]["Variables"]["EVENT_BUS_NAME"] == {"Ref": "ChangeEventBus"}


def test_given_the_host_index_when_reading_it_then_it_is_keyed_by_host_and_name_and_its_markers_expire() -> None:
    table = Template.load().table(HOST_INDEX)
    assert table.create_table_request["KeySchema"] == [
        {"AttributeName": "hostID", "KeyType": "HASH"},
        {"AttributeName": "name", "KeyType": "RANGE"},
    ]
    assert table.create_table_request["BillingMode"] == "PAY_PER_REQUEST"
    assert table.ttl_attribute == "expiresAt"
    encryption = RESOURCES[HOST_INDEX]["Properties"]["SSESpecification"]
    assert encryption == RESOURCES[INSTANCES]["Properties"]["SSESpecification"], "the same key as the instances"


def test_given_the_host_reports_when_reading_the_table_then_it_is_keyed_by_name_and_host_on_demand() -> None:
    table = Template.load().table(HOST_REPORTS)
    assert table.create_table_request["KeySchema"] == [
        {"AttributeName": "name", "KeyType": "HASH"},
        {"AttributeName": "hostID", "KeyType": "RANGE"},
    ]
    assert table.create_table_request["BillingMode"] == "PAY_PER_REQUEST"
    encryption = RESOURCES[HOST_REPORTS]["Properties"]["SSESpecification"]
    assert encryption == RESOURCES[INSTANCES]["Properties"]["SSESpecification"], "the same key as the instances"


def test_given_the_host_revisions_when_reading_the_table_then_it_is_keyed_by_host_on_demand() -> None:
    table = Template.load().table(HOST_REVISIONS)
    assert table.create_table_request["KeySchema"] == [{"AttributeName": "hostID", "KeyType": "HASH"}]
    assert table.create_table_request["BillingMode"] == "PAY_PER_REQUEST"
    encryption = RESOURCES[HOST_REVISIONS]["Properties"]["SSESpecification"]
    assert encryption == RESOURCES[INSTANCES]["Properties"]["SSESpecification"], "the same key as the instances"


def test_given_the_outputs_when_reading_them_then_they_name_the_index_the_bus_and_the_queue() -> None:
    outputs = RAW["Outputs"]
    assert outputs["HostIndexTableName"]["Value"] == {"Ref": HOST_INDEX}
    assert outputs["HostReportsTableName"]["Value"] == {"Ref": HOST_REPORTS}
    assert outputs["HostRevisionsTableName"]["Value"] == {"Ref": HOST_REVISIONS}
    assert outputs["ChangeEventBusName"]["Value"] == {"Ref": "ChangeEventBus"}
    assert outputs["ChangeEventBusArn"]["Value"] == {"Fn::GetAtt": ["ChangeEventBus", "Arn"]}
    assert outputs["ChangesDeadLetterQueueUrl"]["Value"] == {"Ref": "ChangesDeadLetterQueue"}


# -- local resolution (what `make run` runs) -------------------------------------------------------


def test_given_the_template_when_reading_stream_consumers_locally_then_the_mapping_settings_come_through() -> None:
    consumers = Template.load().stream_consumers()
    assert sorted((consumer.function.logical_id, consumer.table) for consumer in consumers) == [
        (CONSUMER, INSTANCES),
        (PHASE_CONSUMER, HOST_REPORTS),
        (PHASE_CONSUMER, INSTANCES),
    ]
    for consumer in consumers:
        assert (consumer.starting_position, consumer.batch_size, consumer.batching_window_s) == (
            "TRIM_HORIZON",
            100,
            0,
        )
        assert consumer.parallelization_factor == 4
        assert (consumer.bisect_on_error, consumer.report_item_failures) == (True, True)
        assert (consumer.max_retries, consumer.max_record_age_s) == (10, 21600)
        assert consumer.on_failure == "ChangesDeadLetterQueue"


def test_given_the_template_when_resolving_locally_then_the_bus_has_its_stack_name_and_the_stream_is_enabled() -> None:
    template = Template.load()
    assert template.event_buses() == ["instance-api-local-changes"]
    assert template.resolve({"Fn::GetAtt": ["ChangeEventBus", "Arn"]}) == (
        "arn:aws:events:us-east-1:000000000000:event-bus/instance-api-local-changes"
    )
    assert template.table(INSTANCES).create_table_request["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert template.table(HOST_REPORTS).create_table_request["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert "StreamSpecification" not in template.table(HOST_INDEX).create_table_request
    assert "StreamSpecification" not in template.table(HOST_REVISIONS).create_table_request
