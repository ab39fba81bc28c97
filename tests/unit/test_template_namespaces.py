"""Namespaces as a security boundary, as template.yaml declares it (docs/contract.md,
"Namespaces are a security boundary"): namespaced routes behind IAM, and the managed
policies callers attach, read as IAM evaluates them."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest

from devtools.template import LOCAL_ACCOUNT, LOCAL_REGION, ROOT, Template
from instance_api.http.routes import INSTANCE_PATH, NAMESPACED_INSTANCE_PATH
from tests.unit.test_template import FUNCTIONS, RAW, RESOURCES

TEMPLATE = Template.load()
STAGE = TEMPLATE.stage_name()
METHODS = ("GET", "POST", "PUT", "DELETE")
TAG = "${aws:PrincipalTag/instance-namespace}"
API = f"arn:aws:execute-api:{LOCAL_REGION}:{LOCAL_ACCOUNT}:InstanceApi"
NAMESPACE_POLICIES = ("NamespaceOwnerPolicy", "NamespaceReaderPolicy", "AdministratorPolicy")
# Every managed policy for callers: the host agent's is read as IAM evaluates it in
# tests/unit/test_template_host_agents.py.
POLICIES = (*NAMESPACE_POLICIES, "HostAgentPolicy")
_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def statements(policy: str) -> list[dict[str, Any]]:
    """A policy's statements with intrinsics resolved locally (the API's id is "InstanceApi")."""
    document = TEMPLATE.resolve(RESOURCES[policy]["Properties"]["PolicyDocument"])
    assert document["Version"] == "2012-10-17"
    result: list[dict[str, Any]] = document["Statement"]
    return result


def granted(policy: str) -> set[str]:
    """Every resource ARN a policy allows execute-api:Invoke on (and checks it allows nothing else)."""
    arns: set[str] = set()
    for statement in statements(policy):
        assert statement.keys() == {"Sid", "Effect", "Action", "Resource"}, "no Condition, NotAction or NotResource"
        assert (statement["Effect"], statement["Action"]) == ("Allow", "execute-api:Invoke")
        arns.update(statement["Resource"])
    return arns


def request_arn(method: str, path: str, stage: str = STAGE) -> str:
    """The ARN IAM authorises a request to this API against: API/STAGE/METHOD/PATH."""
    return f"{API}/{stage}/{method}{path}"


def allows(arns: set[str], request: str, tags: dict[str, str]) -> bool:
    """IAM's reading of Resource for one request (IAM User Guide, "Policy variables and tags").

    `${aws:PrincipalTag/K}` becomes the principal's tag K; a principal without it leaves the
    variable with no value, and that resource then matches no request. `*` matches any run
    of characters within an ARN's colon-separated part (including `/`), `?` one character.
    """
    for pattern in arns:
        keys = [name.removeprefix("aws:PrincipalTag/") for name in _VARIABLE.findall(pattern)]
        if any(key not in tags for key in keys):
            continue
        resolved = _VARIABLE.sub(lambda match: tags[match.group(1).removeprefix("aws:PrincipalTag/")], pattern)
        wanted, actual = resolved.split(":", 5), request.split(":", 5)
        if len(wanted) == len(actual) and all(
            fnmatch.fnmatchcase(part, glob.replace("[", "[[]")) for glob, part in zip(wanted, actual, strict=True)
        ):
            return True
    return False


def namespaced(namespace: str) -> str:
    return NAMESPACED_INSTANCE_PATH.replace("{namespace}", namespace)


# -- routes ---------------------------------------------------------------------------------------


def test_given_the_namespaced_routes_when_reading_them_then_each_method_has_its_function_and_iam_auth() -> None:
    routes = {
        (route.method, route.function.logical_id)
        for route in TEMPLATE.routes()
        if route.path == NAMESPACED_INSTANCE_PATH
    }
    seed = {(route.method, route.function.logical_id) for route in TEMPLATE.routes() if route.path == INSTANCE_PATH}
    assert routes == seed, "the same function per method on both paths, and the fallback's ANY"
    assert RESOURCES["InstanceApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "AWS_IAM"
    for function in FUNCTIONS.values():
        for event in function["Properties"]["Events"].values():
            if event["Properties"].get("Path") == NAMESPACED_INSTANCE_PATH:  # a stream event has none
                assert "Auth" not in event["Properties"], "a namespaced route may not opt out of IAM"


# -- the managed policies ---------------------------------------------------------------------------


def test_given_the_namespace_owner_policy_when_reading_it_then_it_grants_the_four_methods_on_the_tagged_namespace() -> (
    None
):
    assert granted("NamespaceOwnerPolicy") == {request_arn(method, namespaced(TAG)) for method in METHODS}


def test_given_the_namespace_reader_policy_when_reading_it_then_it_grants_get_on_the_tagged_namespace_only() -> None:
    assert granted("NamespaceReaderPolicy") == {request_arn("GET", namespaced(TAG))}


def test_given_the_administrator_policy_when_reading_it_then_it_grants_the_seed_paths_and_every_namespace() -> None:
    assert granted("AdministratorPolicy") == {
        request_arn(method, path) for method in METHODS for path in (INSTANCE_PATH, namespaced("*"))
    }


@pytest.mark.parametrize("policy", POLICIES)
def test_given_each_policy_when_reading_its_arns_then_the_only_wildcard_is_the_administrator_s_namespace(
    policy: str,
) -> None:
    for arn in granted(policy):
        assert "?" not in arn
        assert arn.replace(namespaced("*"), "").count("*") == 0, arn
        assert arn.startswith(f"{API}/{STAGE}/"), "this stack's API, on its one stage"
    raw = RESOURCES[policy]["Properties"]["PolicyDocument"]["Statement"]
    for resource in (arn for statement in raw for arn in statement["Resource"]):
        assert "/${StageName}/" in resource["Fn::Sub"]
        assert resource["Fn::Sub"].startswith("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:")


def test_given_the_policies_when_reading_the_outputs_then_each_arn_is_a_stack_output() -> None:
    for policy in POLICIES:
        assert RESOURCES[policy]["Type"] == "AWS::IAM::ManagedPolicy"
        assert "ManagedPolicyName" not in RESOURCES[policy]["Properties"], (
            "names are account-wide: let CloudFormation pick"
        )
        assert RAW["Outputs"][f"{policy}Arn"]["Value"] == {"Ref": policy}


# -- the policies as IAM evaluates them ---------------------------------------------------------------


OWNER, READER, ADMINISTRATOR = (granted(policy) for policy in NAMESPACE_POLICIES)
TEAM_A = {"instance-namespace": "team-a"}


@pytest.mark.parametrize("method", METHODS)
def test_given_a_role_tagged_team_a_with_the_owner_policy_when_calling_then_team_a_only(method: str) -> None:
    assert allows(OWNER, request_arn(method, namespaced("team-a")), TEAM_A)
    assert not allows(OWNER, request_arn(method, namespaced("team-b")), TEAM_A)
    assert not allows(OWNER, request_arn(method, INSTANCE_PATH), TEAM_A), "the seed paths span every namespace"
    assert not allows(OWNER, request_arn(method, namespaced("team-a") + "/x"), TEAM_A)
    assert not allows(OWNER, request_arn(method, namespaced("team-a"), stage="other"), TEAM_A)


def test_given_a_role_tagged_team_a_with_the_reader_policy_when_calling_then_it_may_only_read_team_a() -> None:
    assert allows(READER, request_arn("GET", namespaced("team-a")), TEAM_A)
    assert not allows(READER, request_arn("GET", namespaced("team-b")), TEAM_A)
    for method in ("POST", "PUT", "DELETE"):
        assert not allows(READER, request_arn(method, namespaced("team-a")), TEAM_A)


@pytest.mark.parametrize("tags", [{}, {"team": "team-a"}], ids=["no tags", "other tag"])
def test_given_a_role_without_the_namespace_tag_when_calling_then_neither_policy_matches_any_request(
    tags: dict[str, str],
) -> None:
    for method in METHODS:
        for path in (namespaced("team-a"), namespaced(TAG), namespaced(""), INSTANCE_PATH):
            assert not allows(OWNER | READER, request_arn(method, path), tags)


@pytest.mark.parametrize("method", METHODS)
def test_given_an_administrator_when_calling_then_the_seed_paths_and_any_namespace(method: str) -> None:
    for path in (INSTANCE_PATH, namespaced("team-a"), namespaced("team-b")):
        assert allows(ADMINISTRATOR, request_arn(method, path), {})
    assert not allows(ADMINISTRATOR, request_arn(method, INSTANCE_PATH, stage="other"), {})


def test_given_a_request_path_that_ends_like_another_namespace_s_when_calling_then_the_fixed_stage_refuses_it() -> None:
    # IAM's * spans "/": with a * for the stage, a GET-only reader of team-a would match a
    # POST whose path merely ends in "/GET/api/v1/namespaces/team-a/instance" (today only the
    # route fallback's {proxy+} takes such a path; any greedy route added later would not be).
    crafted = request_arn("POST", namespaced("team-b") + "/GET" + namespaced("team-a"))
    assert not allows(READER, crafted, TEAM_A)
    any_stage = {arn.replace(f"/{STAGE}/", "/*/") for arn in READER}
    assert allows(any_stage, crafted, TEAM_A), "the hazard a fixed stage removes"


def test_given_security_md_when_reading_who_can_call_then_it_names_each_policy_the_tag_and_how_to_tag_a_role() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    section = text[text.index("## Who can call") : text.index("## What each function may do")]
    for policy in POLICIES:
        assert f"`{policy}Arn`" in section
    assert TAG in section, "the variable the policies read"
    assert "aws iam tag-role --role-name team-a-deployer --tags Key=instance-namespace,Value=team-a" in section
    assert "E2E_NAMESPACE_A_ROLE_ARN" in section
