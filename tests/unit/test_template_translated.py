"""template.yaml as SAM translates it (aws-sam-translator, offline): what CloudFormation deploys.

The SAM source says what we asked for; the translation is what API Gateway and Lambda get:
each route's method, its auth and the function it invokes, the permission that lets API
Gateway invoke that function, and every AWS managed policy ARN the roles attach (a mistyped
one passes cfn-lint and fails only at deploy).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from devtools.sam_translate import aws_managed_policies, translate
from devtools.template import Route, Template

ROUTES = Template.load().routes()
ROUTE_IDS = [f"{route.method} {route.path}" for route in ROUTES]
INTEGRATION_URI = "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%s.Arn}/invocations"
MANAGED_POLICY_ARN = re.compile(r"arn:(?:aws|\$\{AWS::Partition\}):iam::aws:policy/[\w+=,.@/-]+")


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translate()


def resources_of(document: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {key: value for key, value in document["Resources"].items() if value["Type"] == resource_type}


def api_paths(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (api,) = resources_of(document, "AWS::ApiGateway::RestApi").values()
    paths: dict[str, dict[str, Any]] = api["Properties"]["Body"]["paths"]
    return paths


def _openapi_method(route: Route) -> str:
    return "x-amazon-apigateway-any-method" if route.method == "ANY" else route.method.lower()


def strings_in(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from strings_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item)


def unknown_managed_policies(document: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(every AWS managed policy ARN the document names, those AWS does not have)."""
    named = {
        match.replace("${AWS::Partition}", "aws")
        for text in strings_in(document)
        for match in MANAGED_POLICY_ARN.findall(text)
    }
    return named, named - set(aws_managed_policies().values())


# -- the routes ------------------------------------------------------------------------------


def test_given_the_translation_when_listing_its_methods_then_they_are_exactly_the_template_s_routes(
    translated: dict[str, Any],
) -> None:
    generated = {(path, method) for path, methods in api_paths(translated).items() for method in methods}
    assert generated == {(route.path, _openapi_method(route)) for route in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_given_each_route_when_translated_then_it_needs_sigv4_and_invokes_its_own_function(
    translated: dict[str, Any], route: Route
) -> None:
    method = api_paths(translated)[route.path][_openapi_method(route)]
    assert method["security"] == [{"AWS_IAM": []}]
    integration = method["x-amazon-apigateway-integration"]
    assert (integration["type"], integration["httpMethod"]) == ("aws_proxy", "POST")
    assert integration["uri"] == {"Fn::Sub": INTEGRATION_URI % route.function.logical_id}


def test_given_the_translation_when_reading_its_auth_schemes_then_aws_iam_is_sigv4_and_the_only_one(
    translated: dict[str, Any],
) -> None:
    (api,) = resources_of(translated, "AWS::ApiGateway::RestApi").values()
    schemes = api["Properties"]["Body"]["components"]["securitySchemes"]
    assert schemes == {
        "AWS_IAM": {
            "in": "header",
            "type": "apiKey",
            "name": "Authorization",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    }


def test_given_the_translation_when_reading_its_stages_then_one_stage_named_by_stage_name(
    translated: dict[str, Any],
) -> None:
    # The callers' policies name ${StageName}: that has to be every stage the stack deploys.
    (stage,) = resources_of(translated, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"]["StageName"] == {"Ref": "StageName"}


# -- Lambda permissions ------------------------------------------------------------------------


def _source_arn(route: Route) -> str:
    """What SAM grants API Gateway for a route: any stage, the method (or *), the path with * for parameters."""
    method = "*" if route.method == "ANY" else route.method
    path = re.sub(r"\{[^}]+\}", "*", route.path.removeprefix("/"))
    return f"arn:aws:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{__ApiId__}}/${{__Stage__}}/{method}/{path}"


def test_given_the_translation_when_reading_lambda_permissions_then_each_route_lets_api_gateway_invoke_its_function(
    translated: dict[str, Any],
) -> None:
    granted = set()
    for permission in resources_of(translated, "AWS::Lambda::Permission").values():
        properties = permission["Properties"]
        assert (properties["Action"], properties["Principal"]) == ("lambda:InvokeFunction", "apigateway.amazonaws.com")
        source_arn, variables = properties["SourceArn"]["Fn::Sub"]
        assert variables == {"__ApiId__": {"Ref": "InstanceApi"}, "__Stage__": "*"}
        granted.add((properties["FunctionName"]["Ref"], source_arn))
    assert granted == {(route.function.logical_id, _source_arn(route)) for route in ROUTES}


def test_given_the_namespaced_routes_when_translated_then_their_permissions_take_any_namespace_on_their_method(
    translated: dict[str, Any],
) -> None:
    permissions = resources_of(translated, "AWS::Lambda::Permission")
    source_arn = permissions["GetInstanceFunctionGetInNamespacePermissionStage"]["Properties"]["SourceArn"]
    assert source_arn["Fn::Sub"][0].endswith("/${__Stage__}/GET/api/v1/namespaces/*/instance")


# -- managed policies ---------------------------------------------------------------------------


def test_given_every_aws_managed_policy_the_stack_attaches_when_looking_it_up_then_aws_has_it(
    translated: dict[str, Any],
) -> None:
    named, unknown = unknown_managed_policies(translated)
    assert {arn.rsplit("/", 1)[1] for arn in named} >= {
        "AWSLambdaBasicExecutionRole",  # SAM, for every function's logs
        "AWSXrayWriteOnlyAccess",  # SAM, for Tracing: Active
        "AmazonAPIGatewayPushToCloudWatchLogs",  # ours, for the API Gateway logging role
    }
    assert unknown == set()


def test_given_a_mistyped_managed_policy_arn_when_looking_it_up_then_it_is_reported(
    translated: dict[str, Any],
) -> None:
    role = "CreateInstanceFunctionRole"
    arns = translated["Resources"][role]["Properties"]["ManagedPolicyArns"]
    typo = [arn.replace("AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRol") for arn in arns]
    mistyped = {**translated, "Resources": {role: {"Properties": {"ManagedPolicyArns": typo}}}}
    assert unknown_managed_policies(mistyped)[1] == {"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRol"}


def test_given_the_callers_policies_when_translated_then_sam_passes_them_through_and_outputs_their_arns(
    translated: dict[str, Any],
) -> None:
    raw = Template.load().resources
    for name in ("NamespaceOwnerPolicy", "NamespaceReaderPolicy", "AdministratorPolicy", "HostAgentPolicy"):
        assert translated["Resources"][name] == raw[name]
        assert translated["Outputs"][f"{name}Arn"]["Value"] == {"Ref": name}
