"""template.yaml: the application's shape, read the way the local tools read it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devtools.template import ROOT, Template, load_raw
from instance_api.http.routes import HOST_STATUS_PATH, HOST_VIEW_PATH, INSTANCE_RESOURCES, ROUTED_METHODS

RAW = load_raw()
RESOURCES: dict[str, Any] = RAW["Resources"]
FUNCTIONS = {key: value for key, value in RESOURCES.items() if value["Type"] == "AWS::Serverless::Function"}
INDEX = "namespace-name-index"
INDEX_ARN = {"Fn::Sub": f"${{InstancesTable.Arn}}/index/{INDEX}"}
FALLBACK = "RouteFallbackFunction"
CONSUMER = "PublishChangesFunction"
PHASE_CONSUMER = "PublishPhasesFunction"

INSTANCES, IDEMPOTENCY, HOST_INDEX = "InstancesTable", "IdempotencyTable", "HostIndexTable"
HOST_REPORTS, HOST_REVISIONS = "HostReportsTable", "HostRevisionsTable"
NAMESPACE_INDEX = f"{INSTANCES}/index/{INDEX}"
READ_SECRET = "secretsmanager:GetSecretValue"

# Each operation function: its folder, its one route, and exactly the (action, resource) pairs it uses.
EXPECTED = {
    "CreateInstanceFunction": (
        "functions/create_instance/",
        "post",
        {
            ("dynamodb:UpdateItem", INSTANCES),
            ("dynamodb:PutItem", IDEMPOTENCY),
            ("dynamodb:UpdateItem", IDEMPOTENCY),
            ("dynamodb:DeleteItem", IDEMPOTENCY),
            (READ_SECRET, "NameKeySecret"),
        },
    ),
    "UpdateInstanceFunction": ("functions/update_instance/", "put", {("dynamodb:UpdateItem", INSTANCES)}),
    "GetInstanceFunction": (
        "functions/get_instance/",
        "get",
        {
            ("dynamodb:GetItem", INSTANCES),
            ("dynamodb:Scan", INSTANCES),
            ("dynamodb:Query", NAMESPACE_INDEX),
            ("dynamodb:Query", HOST_INDEX),
            ("dynamodb:Query", HOST_REPORTS),
            (READ_SECRET, "PaginationTokenSecret"),
        },
    ),
    "DeleteInstanceFunction": ("functions/delete_instance/", "delete", {("dynamodb:UpdateItem", INSTANCES)}),
}
# Each host agent function: its folder, its one route, and exactly the (action, resource) pairs it uses.
HOST_EXPECTED = {
    "GetHostViewFunction": (
        "functions/get_host_view/",
        "get",
        HOST_VIEW_PATH,
        {
            ("dynamodb:GetItem", HOST_REVISIONS),
            ("dynamodb:Query", HOST_INDEX),
            ("dynamodb:BatchGetItem", HOST_REPORTS),
            (READ_SECRET, "PaginationTokenSecret"),
        },
    ),
    "ReportHostStatusFunction": (
        "functions/report_host_status/",
        "put",
        HOST_STATUS_PATH,
        {
            ("dynamodb:GetItem", INSTANCES),
            ("dynamodb:PutItem", HOST_REPORTS),
            ("dynamodb:Query", HOST_REPORTS),
            ("dynamodb:PutItem", HOST_REVISIONS),
        },
    ),
}
CODE_URIS = {
    **{key: value[0] for key, value in EXPECTED.items()},
    **{key: value[0] for key, value in HOST_EXPECTED.items()},
    FALLBACK: "functions/route_fallback/",
    CONSUMER: "functions/publish_changes/",
    PHASE_CONSUMER: "functions/publish_phases/",
}


def stream_service(*tables: str) -> set[tuple[str, str]]:
    """What Lambda's event source mappings do with a consumer's role: read each table's stream,
    record a failed batch in the dead-letter queue, write the function's logs."""
    return {
        (action, f"{table}/stream")
        for table in tables
        for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
    } | {
        *{("dynamodb:ListStreams", f"{table}/stream/*") for table in tables},
        ("sqs:SendMessage", "ChangesDeadLetterQueue"),
        ("logs:CreateLogStream", "FunctionLogGroup"),
        ("logs:PutLogEvents", "FunctionLogGroup"),
    }


# What the change consumer's own code calls (the host index, each host's revision, the bus), and
# what Lambda's event source mapping does with the same role (read the stream, record a failed
# batch, write logs).
CONSUMER_CODE = {
    ("dynamodb:PutItem", HOST_INDEX),
    ("dynamodb:PutItem", HOST_REVISIONS),
    ("events:PutEvents", "ChangeEventBus"),
}
CONSUMER_SERVICE = stream_service(INSTANCES)
# The phase consumer's code: read an instance, read and keep its reports and phase head, put
# events; its mappings read both streams.
PHASE_CONSUMER_CODE = {
    ("dynamodb:GetItem", INSTANCES),
    ("dynamodb:Query", HOST_REPORTS),
    ("dynamodb:PutItem", HOST_REPORTS),
    ("dynamodb:DeleteItem", HOST_REPORTS),
    ("events:PutEvents", "ChangeEventBus"),
}
PHASE_CONSUMER_SERVICE = stream_service(INSTANCES, HOST_REPORTS)


def policy_statements(logical_id: str) -> list[dict[str, Any]]:
    """A function's own statements: its SAM Policies, or its role's inline policies."""
    properties = FUNCTIONS[logical_id]["Properties"]
    if "Role" in properties:
        role = RESOURCES[properties["Role"]["Fn::GetAtt"][0]]["Properties"]
        return [statement for policy in role["Policies"] for statement in policy["PolicyDocument"]["Statement"]]
    policies = properties.get("Policies", [])
    return [statement for policy in policies for statement in policy["Statement"]]


def _target(resource: dict[str, Any]) -> str:
    """A statement's resource as its logical id (a table, a secret, a bus...), "Table/stream" (the
    table's current stream), "Table/index/Index" or "Table/stream/*"."""
    if "Ref" in resource:
        return str(resource["Ref"])
    if "Fn::GetAtt" in resource:
        table, attribute = resource["Fn::GetAtt"]
        assert attribute in ("Arn", "StreamArn")
        return str(table) + ("/stream" if attribute == "StreamArn" else "")
    table, _, rest = resource["Fn::Sub"].removeprefix("${").partition(".Arn}")
    return f"{table}{rest}"


def _resources(statement: dict[str, Any]) -> list[dict[str, Any]]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


def grants(logical_id: str) -> set[tuple[str, str]]:
    """Every (action, table or index) a function's policy allows."""
    return {
        (action, _target(resource))
        for statement in policy_statements(logical_id)
        for action in statement["Action"]
        for resource in _resources(statement)
    }


def test_given_the_template_when_reading_it_then_it_is_a_sam_template_with_one_rest_api() -> None:
    assert RAW["Transform"] == "AWS::Serverless-2016-10-31"
    apis = [key for key, value in RESOURCES.items() if value["Type"] == "AWS::Serverless::Api"]
    assert apis == ["InstanceApi"]
    assert RESOURCES["InstanceApi"]["Properties"]["StageName"] == {"Ref": "StageName"}


def test_given_the_template_when_listing_functions_then_one_per_method_and_the_route_fallback() -> None:
    assert set(FUNCTIONS) == set(CODE_URIS)
    assert len(CODE_URIS) == 9, "4 instance operations, 2 host agent routes, the fallback, 2 stream consumers"


@pytest.mark.parametrize("logical_id", CODE_URIS)
def test_given_each_function_when_reading_it_then_it_runs_app_lambda_handler_on_python_313_with_the_layer(
    logical_id: str,
) -> None:
    spec = Template.load().functions()[logical_id]
    assert spec.runtime == "python3.13"
    assert spec.handler == "app.lambda_handler"
    assert spec.code_uri == (ROOT / CODE_URIS[logical_id]).resolve()
    assert (spec.code_uri / "app.py").is_file()
    assert spec.layer_paths == ((ROOT / "layers" / "common").resolve(),)


@pytest.mark.parametrize("logical_id", EXPECTED)
def test_given_each_operation_function_when_reading_its_events_then_it_has_its_method_on_both_instance_paths(
    logical_id: str,
) -> None:
    _, method, _ = EXPECTED[logical_id]
    events = list(FUNCTIONS[logical_id]["Properties"]["Events"].values())
    assert events == [
        {"Type": "Api", "Properties": {"RestApiId": {"Ref": "InstanceApi"}, "Path": path, "Method": method}}
        for path in INSTANCE_RESOURCES
    ]


@pytest.mark.parametrize("logical_id", EXPECTED)
def test_given_each_operation_function_when_reading_its_policy_then_it_allows_only_what_it_uses(
    logical_id: str,
) -> None:
    _, _, expected = EXPECTED[logical_id]
    assert grants(logical_id) == expected
    for statement in policy_statements(logical_id):
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"])


def test_given_the_get_function_when_reading_its_policy_then_it_queries_two_indexes_and_the_reports_only() -> None:
    query = [s for s in policy_statements("GetInstanceFunction") if "dynamodb:Query" in s["Action"]]
    assert sorted(query, key=str) == sorted(
        [
            {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": INDEX_ARN},
            {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": {"Fn::GetAtt": [HOST_INDEX, "Arn"]}},
            # One instance (?name=) carries its status: its hosts' reports, one Query by name.
            {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": {"Fn::GetAtt": [HOST_REPORTS, "Arn"]}},
        ],
        key=str,
    )
    environment = Template.load().functions()["GetInstanceFunction"].environment
    assert environment["HOST_INDEX_TABLE_NAME"] == HOST_INDEX
    assert environment["HOST_REPORTS_TABLE_NAME"] == HOST_REPORTS


@pytest.mark.parametrize("logical_id", HOST_EXPECTED)
def test_given_each_host_agent_function_when_reading_its_events_then_it_has_its_one_method_on_its_host_path(
    logical_id: str,
) -> None:
    _, method, path, _ = HOST_EXPECTED[logical_id]
    events = list(FUNCTIONS[logical_id]["Properties"]["Events"].values())
    assert events == [
        {"Type": "Api", "Properties": {"RestApiId": {"Ref": "InstanceApi"}, "Path": path, "Method": method}}
    ]


@pytest.mark.parametrize("logical_id", HOST_EXPECTED)
def test_given_each_host_agent_function_when_reading_its_policy_then_it_allows_only_what_it_uses(
    logical_id: str,
) -> None:
    _, _, _, expected = HOST_EXPECTED[logical_id]
    assert grants(logical_id) == expected
    for statement in policy_statements(logical_id):
        assert statement["Effect"] == "Allow"
        assert all("*" not in action for action in statement["Action"])


def test_given_the_host_agent_functions_when_reading_their_environment_then_they_name_the_tables_they_use() -> None:
    functions = Template.load().functions()
    assert {
        key: value for key, value in functions["GetHostViewFunction"].environment.items() if key.endswith("TABLE_NAME")
    } == {
        "HOST_INDEX_TABLE_NAME": HOST_INDEX,
        "HOST_REPORTS_TABLE_NAME": HOST_REPORTS,
        "HOST_REVISIONS_TABLE_NAME": HOST_REVISIONS,
        "TABLE_NAME": INSTANCES,
    }
    assert functions["GetHostViewFunction"].environment["PAGINATION_KEY_SECRET"] == "PaginationTokenSecret"
    report = functions["ReportHostStatusFunction"].environment
    assert (report["TABLE_NAME"], report["HOST_REPORTS_TABLE_NAME"], report["HOST_REVISIONS_TABLE_NAME"]) == (
        INSTANCES,
        HOST_REPORTS,
        HOST_REVISIONS,
    )


def test_given_the_route_fallback_when_reading_it_then_it_takes_any_other_method_or_path_and_no_data() -> None:
    events = FUNCTIONS[FALLBACK]["Properties"]["Events"].values()
    assert sorted((event["Properties"]["Method"], event["Properties"]["Path"]) for event in events) == [
        ("any", "/"),
        ("any", "/api/v1/hosts/{hostID}/instances"),
        ("any", "/api/v1/hosts/{hostID}/status"),
        ("any", "/api/v1/instance"),
        ("any", "/api/v1/namespaces/{namespace}/instance"),
        ("any", "/{proxy+}"),
    ]
    assert policy_statements(FALLBACK) == []
    assert "Policies" not in FUNCTIONS[FALLBACK]["Properties"]
    assert "Role" not in FUNCTIONS[FALLBACK]["Properties"]


def test_given_the_routes_when_listing_the_routed_paths_then_they_are_the_codes_and_each_has_the_fallback() -> None:
    routes = Template.load().routes()
    routed_paths = {route.path for route in routes if route.method != "ANY"}
    assert routed_paths == set(ROUTED_METHODS) == {*INSTANCE_RESOURCES, HOST_VIEW_PATH, HOST_STATUS_PATH}
    fallback_paths = {route.path for route in routes if route.method == "ANY"}
    assert fallback_paths == {*ROUTED_METHODS, "/", "/{proxy+}"}
    assert {route.function.logical_id for route in routes if route.method == "ANY"} == {FALLBACK}


@pytest.mark.parametrize("path", ROUTED_METHODS)
def test_given_the_route_fallback_when_it_lists_allowed_methods_then_they_are_the_ones_routed_on_each_path(
    path: str,
) -> None:
    # The fallback's 405 names its Allow from the code (http/routes.py), not from a setting:
    # the template must route exactly those methods on the path, and send it the rest.
    template = Template.load()
    routed = sorted(route.method for route in template.routes() if route.path == path and route.method != "ANY")
    assert ("ANY", FALLBACK) in {
        (route.method, route.function.logical_id) for route in template.routes() if route.path == path
    }
    assert ROUTED_METHODS[path] == ", ".join(routed)
    assert "ALLOWED_METHODS" not in template.functions()[FALLBACK].environment, "the Allow comes from the code"


def test_given_the_layer_when_reading_it_then_its_makefile_builds_layers_common_for_python_313() -> None:
    layer = RESOURCES["CommonLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"] == "layers/common/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    makefile = (ROOT / "layers" / "common" / "Makefile").read_text(encoding="utf-8")
    assert "build-CommonLayer:" in makefile
    assert "--python-version 3.13" in makefile
    assert "--requirement requirements.txt" in makefile


def test_given_the_template_when_listing_tables_then_instances_idempotency_records_and_the_host_index() -> None:
    assert sorted(table.logical_id for table in Template.load().tables()) == [
        HOST_INDEX,
        HOST_REPORTS,
        HOST_REVISIONS,
        IDEMPOTENCY,
        INSTANCES,
    ]


def test_given_the_idempotency_table_when_reading_it_then_records_are_keyed_by_id_and_expire() -> None:
    table = Template.load().table(IDEMPOTENCY)
    assert table.create_table_request["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table.create_table_request["BillingMode"] == "PAY_PER_REQUEST"
    assert table.ttl_attribute == "expiration"
    environment = Template.load().functions()["CreateInstanceFunction"].environment
    assert environment["IDEMPOTENCY_TABLE_NAME"] == table.name


def test_given_the_table_when_reading_it_then_it_is_keyed_by_name_with_a_namespace_index_on_demand() -> None:
    request = Template.load().table(INSTANCES).create_table_request
    assert request["KeySchema"] == [{"AttributeName": "name", "KeyType": "HASH"}]
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    assert request["GlobalSecondaryIndexes"] == [
        {
            "IndexName": INDEX,
            "KeySchema": [
                {"AttributeName": "namespace", "KeyType": "HASH"},
                {"AttributeName": "name", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }
    ]


def test_given_the_namespace_index_when_the_get_function_reads_its_name_then_it_is_the_tables() -> None:
    environment = Template.load().functions()["GetInstanceFunction"].environment
    assert environment["NAMESPACE_INDEX_NAME"] == INDEX


def test_given_the_outputs_when_reading_them_then_they_give_the_api_urls_and_table_name() -> None:
    outputs = RAW["Outputs"]
    assert outputs["ApiUrl"]["Value"]["Fn::Sub"].endswith("/${StageName}/api/v1/instance")
    assert outputs["ApiBaseUrl"]["Value"]["Fn::Sub"].endswith("/${StageName}")
    assert outputs["TableName"]["Value"] == {"Ref": "InstancesTable"}


# -- local resolution (what the local API and the tests rely on) ----------------------------------


def test_given_the_template_when_resolving_for_local_use_then_routes_come_from_api_events() -> None:
    routes = {(route.method, route.path): route.function.logical_id for route in Template.load().routes()}
    assert routes == {
        ("POST", "/api/v1/instance"): "CreateInstanceFunction",
        ("PUT", "/api/v1/instance"): "UpdateInstanceFunction",
        ("GET", "/api/v1/instance"): "GetInstanceFunction",
        ("DELETE", "/api/v1/instance"): "DeleteInstanceFunction",
        ("ANY", "/api/v1/instance"): FALLBACK,
        ("POST", "/api/v1/namespaces/{namespace}/instance"): "CreateInstanceFunction",
        ("PUT", "/api/v1/namespaces/{namespace}/instance"): "UpdateInstanceFunction",
        ("GET", "/api/v1/namespaces/{namespace}/instance"): "GetInstanceFunction",
        ("DELETE", "/api/v1/namespaces/{namespace}/instance"): "DeleteInstanceFunction",
        ("ANY", "/api/v1/namespaces/{namespace}/instance"): FALLBACK,
        ("GET", "/api/v1/hosts/{hostID}/instances"): "GetHostViewFunction",
        ("ANY", "/api/v1/hosts/{hostID}/instances"): FALLBACK,
        ("PUT", "/api/v1/hosts/{hostID}/status"): "ReportHostStatusFunction",
        ("ANY", "/api/v1/hosts/{hostID}/status"): FALLBACK,
        ("ANY", "/"): FALLBACK,
        ("ANY", "/{proxy+}"): FALLBACK,
    }


def test_given_function_environments_when_resolving_then_refs_become_local_names() -> None:
    template = Template.load()
    functions = template.functions()
    get_env = functions["GetInstanceFunction"].environment
    assert get_env["TABLE_NAME"] == "InstancesTable"
    assert get_env["POWERTOOLS_SERVICE_NAME"] == "instance-api"
    assert get_env["POWERTOOLS_LOG_LEVEL"] == "INFO"
    assert get_env["DYNAMODB_ENDPOINT_URL"] == ""
    assert get_env["PAGINATION_KEY_SECRET"] == "PaginationTokenSecret"
    assert functions["CreateInstanceFunction"].environment["NAME_KEY_SECRET"] == "NameKeySecret"
    assert functions["DeleteInstanceFunction"].environment["TOMBSTONE_RETENTION_DAYS"] == "30"
    assert template.secrets() == ["NameKeySecret", "PaginationTokenSecret"]
    for logical_id, function in functions.items():
        for value in function.environment.values():
            assert "{{resolve" not in value, f"{logical_id}: keys are read at run time, never resolved into variables"
    assert (functions["CreateInstanceFunction"].memory_mb, functions[FALLBACK].memory_mb) == (256, 128)


def test_given_intrinsics_when_resolving_then_ref_getatt_sub_and_join_follow_cloudformation() -> None:
    template = Template.load()
    assert template.resolve({"Ref": "StageName"}) == "dev"
    assert template.resolve({"Ref": "AWS::Region"}) == "us-east-1"
    assert template.resolve({"Fn::GetAtt": ["InstancesTable", "Arn"]}).endswith(":table/InstancesTable")
    assert template.resolve({"Fn::Sub": "${InstancesTable}/${AWS::AccountId}/${!Literal}"}) == (
        "InstancesTable/000000000000/${Literal}"
    )
    assert template.resolve({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "StageName"}}]}) == "x-dev"
    assert template.resolve({"Fn::Join": ["/", ["a", {"Ref": "StageName"}]]}) == "a/dev"
    with pytest.raises(ValueError, match="do not resolve Fn::Select"):
        template.resolve({"Fn::Select": [0, ["a"]]})
    with pytest.raises(ValueError, match="no such parameter or resource"):
        template.resolve({"Ref": "Nope"})


def test_given_conditions_when_resolving_then_if_and_no_value_follow_the_parameter_defaults() -> None:
    template = Template.load()
    assert template.condition("TracingOn") is True
    assert template.condition("ReserveConcurrency") is False
    assert template.condition("HasTableKmsKey") is False
    assert template.resolve([1, {"Fn::If": ["ReserveConcurrency", 2, {"Ref": "AWS::NoValue"}]}]) == [1]
    assert template.resolve({"a": {"Fn::If": ["HasAlarmTopic", "x", {"Ref": "AWS::NoValue"}]}, "b": 1}) == {"b": 1}
    assert template.resolve({"Fn::If": ["TracingOn", "Active", "PassThrough"]}) == "Active"
    with pytest.raises(ValueError, match="no condition named Nope"):
        template.condition("Nope")


def test_given_a_template_with_a_prebuilt_layer_and_ttl_when_resolving_then_paths_and_ttl_follow_sam(
    tmp_path: Path,
) -> None:
    (tmp_path / "template.yaml").write_text(
        """
Conditions:
  Both: !And [!Equals [a, a], !Or [!Equals [a, b], !Not [!Equals [a, b]]]]
  Derived: !Condition Both
Resources:
  Prebuilt:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: vendor/}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: main.handler
      Runtime: python3.13
      Layers: [!Ref Prebuilt]
      Events:
        Any: {Type: Api, Properties: {Path: "/items/{id}", Method: any}}
        Queue: {Type: SQS, Properties: {Queue: arn}}
  Keys:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-keys"
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      TimeToLiveSpecification: {AttributeName: expiration, Enabled: true}
""",
        encoding="utf-8",
    )
    template = Template.load(tmp_path / "template.yaml")
    (route,) = template.routes()
    assert (route.method, route.path) == ("ANY", "/items/{id}")
    assert route.function.layer_paths == ((tmp_path / "vendor" / "python").resolve(),)
    assert (route.function.memory_mb, route.function.timeout_s) == (128, 3)
    (table,) = template.tables()
    assert (table.name, table.ttl_attribute) == ("instance-api-local-keys", "expiration")
    assert template.condition("Derived") is True
