"""template.yaml's change feed: the table's stream, the consumer's mapping and role, the host
index, the event bus and its archive, the dead-letter queue and the alarms on them."""

from __future__ import annotations

from typing import Any

from devtools.template import Template
from tests.unit.test_template import (
    CONSUMER,
    CONSUMER_CODE,
    CONSUMER_SERVICE,
    FUNCTIONS,
    HOST_INDEX,
    INSTANCES,
    RAW,
    RESOURCES,
    grants,
)

CONSUMER_PROPERTIES = FUNCTIONS[CONSUMER]["Properties"]
ROLE = RESOURCES["PublishChangesRole"]["Properties"]


def mapping() -> dict[str, Any]:
    (event,) = CONSUMER_PROPERTIES["Events"].values()
    assert event["Type"] == "DynamoDB"
    properties: dict[str, Any] = event["Properties"]
    return properties


def test_given_the_instances_table_when_reading_its_stream_then_both_images_of_every_write_are_kept() -> None:
    assert RESOURCES[INSTANCES]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}


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


def test_given_the_consumer_when_reading_its_role_then_it_may_publish_and_index_and_nothing_more() -> None:
    assert "Policies" not in CONSUMER_PROPERTIES, "its own role, no SAM-generated one with managed policies"
    assert CONSUMER_PROPERTIES["Role"] == {"Fn::GetAtt": ["PublishChangesRole", "Arn"]}
    assert grants(CONSUMER) == CONSUMER_CODE | CONSUMER_SERVICE
    (trust,) = ROLE["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    condition, tracing, otherwise = ROLE["ManagedPolicyArns"]["Fn::If"]
    assert condition == "TracingOn"
    assert tracing == [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSXRayDaemonWriteAccess"}]
    assert otherwise == {"Ref": "AWS::NoValue"}


def test_given_the_consumer_when_reading_its_environment_then_it_names_the_index_and_the_bus() -> None:
    environment = Template.load().functions()[CONSUMER].environment
    assert environment["HOST_INDEX_TABLE_NAME"] == HOST_INDEX
    assert environment["EVENT_BUS_NAME"] == "instance-api-local-changes"
    assert CONSUMER_PROPERTIES["Environment"]["Variables"]["EVENT_BUS_NAME"] == {"Ref": "ChangeEventBus"}


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


def test_given_the_outputs_when_reading_them_then_they_name_the_index_the_bus_and_the_queue() -> None:
    outputs = RAW["Outputs"]
    assert outputs["HostIndexTableName"]["Value"] == {"Ref": HOST_INDEX}
    assert outputs["ChangeEventBusName"]["Value"] == {"Ref": "ChangeEventBus"}
    assert outputs["ChangeEventBusArn"]["Value"] == {"Fn::GetAtt": ["ChangeEventBus", "Arn"]}
    assert outputs["ChangesDeadLetterQueueUrl"]["Value"] == {"Ref": "ChangesDeadLetterQueue"}


# -- local resolution (what `make run` runs) -------------------------------------------------------


def test_given_the_template_when_reading_stream_consumers_locally_then_the_mapping_settings_come_through() -> None:
    (consumer,) = Template.load().stream_consumers()
    assert consumer.function.logical_id == CONSUMER
    assert consumer.table == INSTANCES
    assert (consumer.starting_position, consumer.batch_size, consumer.batching_window_s) == ("TRIM_HORIZON", 100, 0)
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
    assert "StreamSpecification" not in template.table(HOST_INDEX).create_table_request
