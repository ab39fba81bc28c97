"""The host agent's managed policy, as template.yaml declares it (docs/contract.md, "Host agents";
SECURITY.md, "Host agents"), read as IAM evaluates it: a host's own view and its own reports,
for the host its role's `instance-host` tag names, and nothing else."""

from __future__ import annotations

import pytest

from devtools.template import ROOT
from instance_api.http.routes import INSTANCE_PATH, NAMESPACED_INSTANCE_PATH
from tests.unit.test_template import RAW, RESOURCES
from tests.unit.test_template_namespaces import METHODS, allows, granted, request_arn

HOST_TAG = "${aws:PrincipalTag/instance-host}"
HOST_VIEW_PATH = "/api/v1/hosts/{hostID}/instances"
HOST_STATUS_PATH = "/api/v1/hosts/{hostID}/status"
HOST_A = {"instance-host": "host-a"}
AGENT = granted("HostAgentPolicy")


def view(host: str) -> str:
    return HOST_VIEW_PATH.replace("{hostID}", host)


def status(host: str) -> str:
    return HOST_STATUS_PATH.replace("{hostID}", host)


def test_given_the_host_agent_policy_when_reading_it_then_it_grants_get_on_the_view_and_put_on_the_status() -> None:
    assert granted("HostAgentPolicy") == {request_arn("GET", view(HOST_TAG)), request_arn("PUT", status(HOST_TAG))}
    assert RESOURCES["HostAgentPolicy"]["Type"] == "AWS::IAM::ManagedPolicy"
    assert RAW["Outputs"]["HostAgentPolicyArn"]["Value"] == {"Ref": "HostAgentPolicy"}


def test_given_a_role_tagged_host_a_when_calling_its_own_paths_then_the_view_and_the_report_are_allowed() -> None:
    assert allows(AGENT, request_arn("GET", view("host-a")), HOST_A)
    assert allows(AGENT, request_arn("PUT", status("host-a")), HOST_A)


def test_given_a_role_tagged_host_a_when_calling_host_b_s_paths_then_both_are_refused() -> None:
    assert not allows(AGENT, request_arn("GET", view("host-b")), HOST_A)
    assert not allows(AGENT, request_arn("PUT", status("host-b")), HOST_A)
    assert not allows(AGENT, request_arn("GET", view("host-a-2")), HOST_A), "a host is matched whole"
    assert not allows(AGENT, request_arn("GET", view("host")), HOST_A)


@pytest.mark.parametrize("method", METHODS)
def test_given_a_role_tagged_host_a_when_using_another_method_on_its_paths_then_it_is_refused(method: str) -> None:
    if method != "GET":
        assert not allows(AGENT, request_arn(method, view("host-a")), HOST_A)
    if method != "PUT":
        assert not allows(AGENT, request_arn(method, status("host-a")), HOST_A)


@pytest.mark.parametrize("method", METHODS)
def test_given_a_role_tagged_host_a_when_calling_the_instance_paths_then_every_method_is_refused(method: str) -> None:
    for path in (INSTANCE_PATH, NAMESPACED_INSTANCE_PATH.replace("{namespace}", "host-a")):
        assert not allows(AGENT, request_arn(method, path), HOST_A)
        assert not allows(AGENT, request_arn(method, path), {**HOST_A, "instance-namespace": "host-a"})


def test_given_a_role_tagged_host_a_when_the_path_is_extended_or_the_stage_is_another_then_it_is_refused() -> None:
    assert not allows(AGENT, request_arn("GET", view("host-a") + "/x"), HOST_A)
    assert not allows(AGENT, request_arn("GET", view("host-a"), stage="other"), HOST_A)
    crafted = request_arn("PUT", status("host-b") + "/PUT" + status("host-a"))
    assert not allows(AGENT, crafted, HOST_A), "the fixed stage refuses a path that merely ends like host-a's"


@pytest.mark.parametrize("host", ["10.0.0.7", "node-7.eu-west-1.compute.internal", "rack:4:slot_2"])
def test_given_a_host_id_with_dots_colons_or_underscores_when_tagged_then_its_own_paths_are_allowed(host: str) -> None:
    # Every character a host ID may hold ([A-Za-z0-9._:-]) is one an IAM tag value may hold.
    tags = {"instance-host": host}
    assert allows(AGENT, request_arn("GET", view(host)), tags)
    assert allows(AGENT, request_arn("PUT", status(host)), tags)
    assert not allows(AGENT, request_arn("GET", view("host-a")), tags)


@pytest.mark.parametrize(
    "tags",
    [{}, {"instance-namespace": "host-a"}, {"host": "host-a"}],
    ids=["no tags", "a namespace tag", "another tag"],
)
def test_given_a_role_without_the_host_tag_when_calling_then_the_policy_matches_no_request(
    tags: dict[str, str],
) -> None:
    for method in METHODS:
        for path in (view("host-a"), status("host-a"), view(HOST_TAG), status(HOST_TAG), view(""), status("")):
            assert not allows(AGENT, request_arn(method, path), tags)


def test_given_security_md_when_reading_host_agents_then_it_names_the_policy_the_tag_and_how_to_tag_a_role() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    section = text[text.index("### Host agents") : text.index("## What each function may do")]
    assert "`HostAgentPolicyArn`" in section
    assert HOST_TAG in section, "the variable the policy reads"
    assert "aws iam tag-role --role-name host-a-agent --tags Key=instance-host,Value=host-a" in section
