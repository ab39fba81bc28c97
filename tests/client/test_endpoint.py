"""Which endpoint the client calls: --endpoint, --stack-name (the stack's ApiBaseUrl), INSTANCE_API_URL, the default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import botocore.session
import pytest

from instancectl.cli import EXIT_ERROR
from instancectl.endpoint import DEFAULT_ENDPOINT, normalise, resolve_endpoint
from instancectl.errors import ConfigurationError
from tests.client.conftest import Cli, unique
from tests.http.local_api import LocalApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply, forward_all

_NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


def _describe_stacks_answer(outputs: dict[str, str]) -> bytes:
    members = "".join(
        f"<member><OutputKey>{key}</OutputKey><OutputValue>{value}</OutputValue></member>"
        for key, value in outputs.items()
    )
    return f"""<DescribeStacksResponse xmlns="{_NAMESPACE}"><DescribeStacksResult><Stacks><member>
<StackName>instance-api-test</StackName>
<StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/instance-api-test/1</StackId>
<CreationTime>2026-11-27T10:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>
<Outputs>{members}</Outputs></member></Stacks></DescribeStacksResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeStacksResponse>""".encode()


def _no_such_stack(name: str) -> bytes:
    return f"""<ErrorResponse xmlns="{_NAMESPACE}"><Error><Type>Sender</Type><Code>ValidationError</Code>
<Message>Stack with id {name} does not exist</Message></Error><RequestId>r-2</RequestId></ErrorResponse>""".encode()


class FakeCloudFormation:
    """DescribeStacks for one stack, `instance-api-test`, with the given outputs."""

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.server = InterceptingServer(self._decide)

    def _decide(self, exchange: Exchange, forward: Forward) -> Reply:
        form = parse_qs(exchange.body.decode())
        assert form["Action"] == ["DescribeStacks"]
        headers = (("Content-Type", "text/xml"),)
        if form["StackName"] != ["instance-api-test"]:
            return Reply(400, _no_such_stack(form["StackName"][0]), headers)
        return Reply(200, _describe_stacks_answer(self.outputs), headers)


@pytest.fixture
def cloudformation_env(tmp_path: Path) -> Iterator[tuple[FakeCloudFormation, dict[str, str | None]]]:
    fake = FakeCloudFormation({})
    config = tmp_path / "aws-config"
    config.write_text("", encoding="utf-8")
    env: dict[str, str | None] = {
        "AWS_ENDPOINT_URL_CLOUDFORMATION": fake.server.base_url,
        "AWS_ACCESS_KEY_ID": "AKIDSTACKTEST",
        "AWS_SECRET_ACCESS_KEY": "stack-secret",
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_CONFIG_FILE": str(config),
        "AWS_REGION": "eu-west-1",
        "INSTANCE_API_URL": "http://127.0.0.1:9",  # the stack must win over the environment
    }
    yield fake, env
    fake.server.close()


def test_given_a_stack_name_when_calling_then_the_stacks_api_base_url_output_is_the_endpoint(
    cloudformation_env: tuple[FakeCloudFormation, dict[str, str | None]], local_api: LocalApi
) -> None:
    fake, env = cloudformation_env
    fake.outputs.update({"ApiUrl": "https://unused.example/api/v1/instance", "ApiBaseUrl": local_api.base_url})
    result = Cli("http://127.0.0.1:9")("get", unique("via-stack"), "--stack-name", "instance-api-test", env=env)
    assert result.exit_code == 3, result.stderr  # the local API answered: instance not found
    assert "NotFound: instance '" in result.stderr
    (describe,) = fake.server.requests()
    assert "/eu-west-1/cloudformation/aws4_request" in (describe.header("Authorization") or "")


def test_given_a_stack_that_does_not_exist_when_calling_then_exit_1_with_cloudformations_message(
    cloudformation_env: tuple[FakeCloudFormation, dict[str, str | None]],
) -> None:
    _, env = cloudformation_env
    result = Cli("http://127.0.0.1:9")("list", "--stack-name", "no-such-stack", env=env)
    assert result.exit_code == EXIT_ERROR
    assert "error: cannot read stack 'no-such-stack': Stack with id no-such-stack does not exist" in result.stderr


def test_given_a_stack_without_the_output_when_calling_then_exit_1_naming_the_output(
    cloudformation_env: tuple[FakeCloudFormation, dict[str, str | None]],
) -> None:
    fake, env = cloudformation_env
    fake.outputs["SomethingElse"] = "x"
    result = Cli("http://127.0.0.1:9")("list", "--stack-name", "instance-api-test", env=env)
    assert result.exit_code == EXIT_ERROR
    assert "has no ApiBaseUrl output" in result.stderr


def test_given_instance_api_url_and_an_endpoint_option_when_calling_then_the_option_wins(local_api: LocalApi) -> None:
    with InterceptingServer(forward_all, local_api.base_url) as proxy:
        from_environment = Cli(proxy.base_url)("list", "--limit", "1")
        from_option = Cli("http://127.0.0.1:9")("list", "--limit", "1", "--endpoint", proxy.base_url)
        assert (from_environment.exit_code, from_option.exit_code) == (0, 0)
        assert len(proxy.requests()) == 2


def test_given_the_stacks_api_url_output_when_used_as_the_endpoint_then_it_works_as_the_base_url(
    local_api: LocalApi,
) -> None:
    result = Cli(f"{local_api.base_url}/api/v1/instance")("list", "--limit", "1")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "http://",
        "http://h:1/stage?x=1",
        "example.com",
        "http://[::1",
        "http://h:99999",
        "http://h:x/",
    ],
)
def test_given_an_endpoint_that_is_not_a_base_url_when_calling_then_exit_1(url: str) -> None:
    result = Cli(url)("list")
    assert result.exit_code == EXIT_ERROR
    assert "is not a base URL" in result.stderr


def test_given_nothing_configured_when_resolving_then_the_default_is_make_runs_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INSTANCE_API_URL", raising=False)
    assert (
        resolve_endpoint(None, None, botocore.session.get_session(), None)
        == DEFAULT_ENDPOINT
        == "http://127.0.0.1:3000"
    )
    monkeypatch.setenv("INSTANCE_API_URL", "https://abc.execute-api.eu-west-1.amazonaws.com/dev/")
    assert resolve_endpoint(None, None, botocore.session.get_session(), None) == (
        "https://abc.execute-api.eu-west-1.amazonaws.com/dev"
    )


def test_given_urls_when_normalising_then_trailing_slashes_and_the_instance_path_go() -> None:
    assert normalise("https://abc.execute-api.eu-west-1.amazonaws.com/dev/api/v1/instance") == (
        "https://abc.execute-api.eu-west-1.amazonaws.com/dev"
    )
    assert normalise(" http://127.0.0.1:3000/ ") == "http://127.0.0.1:3000"
    with pytest.raises(ConfigurationError):
        normalise("http://h/#frag")
