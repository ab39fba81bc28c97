"""
Event Source Data Classes utility provides classes self-describing Lambda event sources.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# `event_source` stays eager: the name is also its submodule's, and a plain import of that
# submodule would otherwise leave the package attribute pointing at the module.
from .event_source import event_source

if TYPE_CHECKING:
    from .alb_event import ALBEvent
    from .api_gateway_proxy_event import APIGatewayProxyEvent, APIGatewayProxyEventV2
    from .api_gateway_websocket_event import APIGatewayWebSocketEvent
    from .appsync_resolver_event import AppSyncResolverEvent
    from .appsync_resolver_events_event import AppSyncResolverEventsEvent
    from .aws_config_rule_event import AWSConfigRuleEvent
    from .bedrock_agent_event import BedrockAgentEvent
    from .bedrock_agent_function_event import BedrockAgentFunctionEvent
    from .cloud_watch_alarm_event import (
        CloudWatchAlarmConfiguration,
        CloudWatchAlarmData,
        CloudWatchAlarmEvent,
        CloudWatchAlarmMetric,
        CloudWatchAlarmMetricStat,
        CloudWatchAlarmState,
    )
    from .cloud_watch_custom_widget_event import CloudWatchDashboardCustomWidgetEvent
    from .cloud_watch_logs_event import CloudWatchLogsEvent
    from .cloudformation_custom_resource_event import CloudFormationCustomResourceEvent
    from .code_deploy_lifecycle_hook_event import (
        CodeDeployLifecycleHookEvent,
    )
    from .code_pipeline_job_event import CodePipelineJobEvent
    from .connect_contact_flow_event import ConnectContactFlowEvent
    from .dynamo_db_stream_event import DynamoDBStreamEvent
    from .event_bridge_event import EventBridgeEvent
    from .kafka_event import KafkaEvent
    from .kinesis_firehose_event import (
        KinesisFirehoseDataTransformationRecord,
        KinesisFirehoseDataTransformationRecordMetadata,
        KinesisFirehoseDataTransformationResponse,
        KinesisFirehoseEvent,
    )
    from .kinesis_stream_event import KinesisStreamEvent
    from .lambda_function_url_event import LambdaFunctionUrlEvent
    from .s3_batch_operation_event import (
        S3BatchOperationEvent,
        S3BatchOperationResponse,
        S3BatchOperationResponseRecord,
    )
    from .s3_event import S3Event, S3EventBridgeNotificationEvent
    from .secrets_manager_event import SecretsManagerEvent
    from .ses_event import SESEvent
    from .sns_event import SNSEvent
    from .sqs_event import SQSEvent, SQSRecord
    from .transfer_family_event import TransferFamilyAuthorizer, TransferFamilyAuthorizerResponse
    from .vpc_lattice import VPCLatticeEvent, VPCLatticeEventV2

# Each event class is imported when first used (PEP 562), not all of them whenever one is:
# the API Gateway resolver needs 7 of these classes, not 45. Every public name, and the
# submodule that defines it:
_LAZY_IMPORTS = {
    "ALBEvent": "alb_event",
    "APIGatewayProxyEvent": "api_gateway_proxy_event",
    "APIGatewayProxyEventV2": "api_gateway_proxy_event",
    "APIGatewayWebSocketEvent": "api_gateway_websocket_event",
    "AppSyncResolverEvent": "appsync_resolver_event",
    "AppSyncResolverEventsEvent": "appsync_resolver_events_event",
    "AWSConfigRuleEvent": "aws_config_rule_event",
    "BedrockAgentEvent": "bedrock_agent_event",
    "BedrockAgentFunctionEvent": "bedrock_agent_function_event",
    "CloudWatchAlarmConfiguration": "cloud_watch_alarm_event",
    "CloudWatchAlarmData": "cloud_watch_alarm_event",
    "CloudWatchAlarmEvent": "cloud_watch_alarm_event",
    "CloudWatchAlarmMetric": "cloud_watch_alarm_event",
    "CloudWatchAlarmMetricStat": "cloud_watch_alarm_event",
    "CloudWatchAlarmState": "cloud_watch_alarm_event",
    "CloudWatchDashboardCustomWidgetEvent": "cloud_watch_custom_widget_event",
    "CloudWatchLogsEvent": "cloud_watch_logs_event",
    "CloudFormationCustomResourceEvent": "cloudformation_custom_resource_event",
    "CodeDeployLifecycleHookEvent": "code_deploy_lifecycle_hook_event",
    "CodePipelineJobEvent": "code_pipeline_job_event",
    "ConnectContactFlowEvent": "connect_contact_flow_event",
    "DynamoDBStreamEvent": "dynamo_db_stream_event",
    "EventBridgeEvent": "event_bridge_event",
    "KafkaEvent": "kafka_event",
    "KinesisFirehoseDataTransformationRecord": "kinesis_firehose_event",
    "KinesisFirehoseDataTransformationRecordMetadata": "kinesis_firehose_event",
    "KinesisFirehoseDataTransformationResponse": "kinesis_firehose_event",
    "KinesisFirehoseEvent": "kinesis_firehose_event",
    "KinesisStreamEvent": "kinesis_stream_event",
    "LambdaFunctionUrlEvent": "lambda_function_url_event",
    "S3BatchOperationEvent": "s3_batch_operation_event",
    "S3BatchOperationResponse": "s3_batch_operation_event",
    "S3BatchOperationResponseRecord": "s3_batch_operation_event",
    "S3Event": "s3_event",
    "S3EventBridgeNotificationEvent": "s3_event",
    "SecretsManagerEvent": "secrets_manager_event",
    "SESEvent": "ses_event",
    "SNSEvent": "sns_event",
    "SQSEvent": "sqs_event",
    "SQSRecord": "sqs_event",
    "TransferFamilyAuthorizer": "transfer_family_event",
    "TransferFamilyAuthorizerResponse": "transfer_family_event",
    "VPCLatticeEvent": "vpc_lattice",
    "VPCLatticeEventV2": "vpc_lattice",
}

__all__ = [
    "APIGatewayProxyEvent",
    "APIGatewayProxyEventV2",
    "APIGatewayWebSocketEvent",
    "SecretsManagerEvent",
    "AppSyncResolverEvent",
    "AppSyncResolverEventsEvent",
    "ALBEvent",
    "BedrockAgentEvent",
    "BedrockAgentFunctionEvent",
    "CloudWatchAlarmData",
    "CloudWatchAlarmEvent",
    "CloudWatchAlarmMetric",
    "CloudWatchAlarmState",
    "CloudWatchAlarmConfiguration",
    "CloudWatchAlarmMetricStat",
    "CloudWatchDashboardCustomWidgetEvent",
    "CloudWatchLogsEvent",
    "CodeDeployLifecycleHookEvent",
    "CodePipelineJobEvent",
    "ConnectContactFlowEvent",
    "DynamoDBStreamEvent",
    "EventBridgeEvent",
    "KafkaEvent",
    "KinesisFirehoseEvent",
    "KinesisStreamEvent",
    "KinesisFirehoseDataTransformationResponse",
    "KinesisFirehoseDataTransformationRecord",
    "KinesisFirehoseDataTransformationRecordMetadata",
    "LambdaFunctionUrlEvent",
    "S3Event",
    "S3EventBridgeNotificationEvent",
    "S3BatchOperationEvent",
    "S3BatchOperationResponse",
    "S3BatchOperationResponseRecord",
    "SESEvent",
    "SNSEvent",
    "SQSEvent",
    "SQSRecord",
    "event_source",
    "AWSConfigRuleEvent",
    "VPCLatticeEvent",
    "VPCLatticeEventV2",
    "CloudFormationCustomResourceEvent",
    "TransferFamilyAuthorizerResponse",
    "TransferFamilyAuthorizer",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first access; later accesses find it here."""
    if name in _LAZY_IMPORTS:
        value = getattr(import_module(f".{_LAZY_IMPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("_"):
        # The eager __init__ left each submodule it imported as an attribute (`data_classes.sqs_event`).
        try:
            return import_module(f".{name}", __name__)
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_IMPORTS})
