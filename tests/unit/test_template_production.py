"""template.yaml as a security review reads it: who may call, what each function may do,
whether data survives a mistake, what API Gateway itself answers, and what is logged."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from devtools.template import ROOT, Template
from tests.unit.test_template import FUNCTIONS, RAW, RESOURCES

API = RESOURCES["InstanceApi"]["Properties"]
PARAMETERS: dict[str, Any] = RAW["Parameters"]
CONTRACT_REASONS = {
    "BadRequest",
    "Invalid",
    "NotFound",
    "MethodNotAllowed",
    "Forbidden",
    "AlreadyExists",
    "Conflict",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "Throttled",
    "Unavailable",
    "InternalError",
}
# Every gateway response type API Gateway has, so none falls back to its own body.
RESPONSE_TYPES = {
    "DEFAULT_4XX", "DEFAULT_5XX", "ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR",
    "AUTHORIZER_FAILURE", "BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "EXPIRED_TOKEN", "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE", "MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND", "THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
}  # fmt: skip


def render(template: str) -> Any:
    """A gateway response or access log template with API Gateway's variables filled in."""
    text = template.replace("$context.error.messageString", json.dumps('He said "no"'))
    return json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", text))


def iam_statements() -> list[dict[str, Any]]:
    statements = [
        s for function in FUNCTIONS.values() for p in function["Properties"].get("Policies", []) for s in p["Statement"]
    ]
    for resource in RESOURCES.values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                statements += policy["PolicyDocument"]["Statement"]
    return statements


# -- who may call -----------------------------------------------------------------------------


def test_given_the_api_when_reading_its_auth_then_every_route_requires_sigv4_and_no_role_passes_credentials() -> None:
    auth = API["Auth"]
    assert auth["DefaultAuthorizer"] == "AWS_IAM"
    assert auth["InvokeRole"] == "NONE"
    for function in FUNCTIONS.values():
        for event in function["Properties"]["Events"].values():
            assert "Auth" not in event["Properties"], "no route may opt out of IAM"


def test_given_the_resource_policy_when_reading_it_then_it_denies_plain_http_and_trusts_only_a_given_account() -> None:
    deny, trusted = API["Auth"]["ResourcePolicy"]["CustomStatements"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    condition, statement, otherwise = trusted["Fn::If"]
    assert condition == "HasTrustedAccount"
    assert statement["Principal"] == {"AWS": {"Ref": "TrustedAccountId"}}
    assert statement["Action"] == "execute-api:Invoke"
    assert otherwise == {"Ref": "AWS::NoValue"}
    assert PARAMETERS["TrustedAccountId"]["Default"] == ""
    assert Template.load().condition("HasTrustedAccount") is False


def test_given_every_iam_statement_when_reading_it_then_no_action_or_data_resource_is_a_wildcard() -> None:
    statements = iam_statements()
    assert statements
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions)
        assert statement["Resource"] != "*"
    for function in FUNCTIONS.values():
        for policy in function["Properties"].get("Policies", []):
            assert isinstance(policy, dict), "inline statements only: no SAM policy templates like DynamoDBCrudPolicy"


# -- what API Gateway itself answers --------------------------------------------------------------


def test_given_the_gateway_responses_when_listing_them_then_every_type_is_in_the_envelope() -> None:
    assert set(API["GatewayResponses"]) == RESPONSE_TYPES


@pytest.mark.parametrize("response_type", sorted(RESPONSE_TYPES))
def test_given_each_gateway_response_when_rendering_it_then_code_equals_status_and_reason_is_the_specs(
    response_type: str,
) -> None:
    response = API["GatewayResponses"][response_type]
    body = render(response["ResponseTemplates"]["application/json"])
    assert body["code"] == int(response["StatusCode"])
    assert body["message"] == "request failed"
    assert body["data"]["reason"] in CONTRACT_REASONS
    assert body["data"]["error"] == 'He said "no"'
    assert "$context.requestId" in response["ResponseTemplates"]["application/json"]


@pytest.mark.parametrize(
    ("response_type", "status", "reason"),
    [
        ("MISSING_AUTHENTICATION_TOKEN", 403, "Forbidden"),
        ("ACCESS_DENIED", 403, "Forbidden"),
        ("INVALID_SIGNATURE", 403, "Forbidden"),
        ("EXPIRED_TOKEN", 403, "Forbidden"),
        ("THROTTLED", 429, "Throttled"),
        ("REQUEST_TOO_LARGE", 413, "PayloadTooLarge"),
        ("DEFAULT_4XX", 400, "BadRequest"),
        ("DEFAULT_5XX", 502, "InternalError"),
    ],
)
def test_given_the_issue_s_gateway_responses_when_reading_them_then_they_answer_as_specified(
    response_type: str, status: int, reason: str
) -> None:
    body = render(API["GatewayResponses"][response_type]["ResponseTemplates"]["application/json"])
    assert (body["code"], body["data"]["reason"]) == (status, reason)


@pytest.mark.parametrize("response_type", ["THROTTLED", "QUOTA_EXCEEDED", "INTEGRATION_TIMEOUT"])
def test_given_a_retryable_gateway_response_when_reading_it_then_it_says_when_to_retry(response_type: str) -> None:
    assert API["GatewayResponses"][response_type]["ResponseParameters"]["Headers"]["Retry-After"] == "'1'"


# -- throttling, logs, tracing ----------------------------------------------------------------------


def test_given_the_stage_when_reading_its_method_settings_then_every_route_is_throttled_and_bodies_are_not_logged() -> (
    None
):
    (settings,) = API["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert settings["DataTraceEnabled"] is False
    assert settings["MetricsEnabled"] is True
    assert 0 < PARAMETERS["ThrottlingRateLimit"]["Default"] <= PARAMETERS["ThrottlingBurstLimit"]["Default"]


def test_given_the_access_log_when_reading_it_then_it_is_json_to_a_log_group_with_retention() -> None:
    setting = API["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    fields = render(setting["Format"])
    assert {"requestId", "ip", "caller", "userArn", "httpMethod", "resourcePath", "status", "responseLatency"} <= set(
        fields
    )
    assert RESOURCES["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert PARAMETERS["LogRetentionDays"]["Default"] == 365


def test_given_the_functions_when_reading_their_logging_then_all_write_to_one_group_with_retention() -> None:
    group = RAW["Globals"]["Function"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert RESOURCES[group]["Type"] == "AWS::Logs::LogGroup"
    assert RESOURCES[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for logical_id, function in FUNCTIONS.items():
        assert "LoggingConfig" not in function["Properties"], f"{logical_id} would leave the shared group"


def test_given_the_functions_when_reading_their_globals_then_timeout_memory_level_concurrency_are_set() -> None:
    function = RAW["Globals"]["Function"]
    assert function["Timeout"] < 29, "well under API Gateway's 29 s"
    assert function["MemorySize"] == {"Ref": "FunctionMemorySize"}
    assert function["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == {"Ref": "LogLevel"}
    assert function["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReserveConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert function["Tracing"] == {"Fn::If": ["TracingOn", "Active", "PassThrough"]}
    assert API["TracingEnabled"] == {"Fn::If": ["TracingOn", True, False]}
    assert PARAMETERS["Tracing"]["Default"] == "true"


# -- data protection ----------------------------------------------------------------------------


def test_given_the_table_when_reading_its_protection_then_data_survives_mistakes() -> None:
    table = RESOURCES["InstancesTable"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    properties = Template.load().resolve(table["Properties"])
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert PARAMETERS["TableDeletionProtection"]["Default"] == "true"


def test_given_a_customer_key_when_reading_the_table_encryption_then_it_switches_to_kms() -> None:
    condition, with_key, without_key = RESOURCES["InstancesTable"]["Properties"]["SSESpecification"]["Fn::If"]
    assert condition == "HasTableKmsKey"
    assert with_key == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "TableKmsKeyArn"}}
    assert without_key == {"SSEEnabled": True}


# -- alarms and reviews -----------------------------------------------------------------------------


def alarm_metrics(logical_id: str) -> set[tuple[str, str]]:
    properties = RESOURCES[logical_id]["Properties"]
    if "MetricName" in properties:
        return {(properties["Namespace"], properties["MetricName"])}
    return {
        (query["MetricStat"]["Metric"]["Namespace"], query["MetricStat"]["Metric"]["MetricName"])
        for query in properties["Metrics"]
        if "MetricStat" in query
    }


def test_given_the_alarms_when_reading_them_then_5xx_errors_throttles_and_the_change_feed_are_watched() -> None:
    alarms = {key for key, value in RESOURCES.items() if value["Type"] == "AWS::CloudWatch::Alarm"}
    watched = set().union(*(alarm_metrics(alarm) for alarm in alarms))
    assert watched == {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/DynamoDB", "ReadThrottleEvents"),
        ("AWS/DynamoDB", "WriteThrottleEvents"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/Lambda", "IteratorAge"),
    }
    for alarm in alarms:
        properties = RESOURCES[alarm]["Properties"]
        assert properties["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }
        assert properties["TreatMissingData"] == "notBreaching"
        assert "SECURITY.md" in properties["AlarmDescription"]


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_given_the_function_alarms_when_reading_them_then_every_function_counts(metric: str) -> None:
    alarm = "FunctionErrorsAlarm" if metric == "Errors" else "FunctionThrottlesAlarm"
    counted = {
        query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
        for query in RESOURCES[alarm]["Properties"]["Metrics"]
        if "MetricStat" in query
    }
    assert counted == set(FUNCTIONS)


def test_given_the_checkov_skips_when_reading_them_then_each_says_why() -> None:
    skips = [
        skip
        for resource in RESOURCES.values()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips
    for skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"])
        assert len(skip["comment"]) >= 60, skip


def test_given_the_checks_skipped_for_every_resource_when_reading_them_then_each_has_its_reason_above() -> None:
    lines = (ROOT / ".checkov.yaml").read_text(encoding="utf-8").splitlines()
    skipped = [index for index, line in enumerate(lines) if re.fullmatch(r"  - CKV2?_AWS_\d+", line)]
    assert skipped
    for index in skipped:
        check, first = lines[index].strip("- "), index
        while lines[first - 1].startswith("  # "):
            first -= 1
        reason = " ".join(line.removeprefix("  # ") for line in lines[first:index])
        assert reason.startswith(f"{check} ("), check
        assert len(reason) >= 80, check


def test_given_the_data_tables_when_reading_the_throttle_alarm_then_it_watches_each_one_read_and_write() -> None:
    alarm = RESOURCES["TableThrottlesAlarm"]["Properties"]["Metrics"]
    watched = {
        (query["MetricStat"]["Metric"]["MetricName"], query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"])
        for query in alarm
        if "MetricStat" in query and len(query["MetricStat"]["Metric"]["Dimensions"]) == 1
    }
    # What callers, host agents and the consumers read and write (idempotency records are not served data).
    served = ("InstancesTable", "HostIndexTable", "HostReportsTable", "HostRevisionsTable")
    assert watched == {(metric, table) for metric in ("ReadThrottleEvents", "WriteThrottleEvents") for table in served}
    (total,) = [query for query in alarm if query.get("ReturnData")]
    assert all(query["Id"] in total["Expression"] for query in alarm if not query.get("ReturnData"))
