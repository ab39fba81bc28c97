"""Requests are SigV4-signed with credentials from the AWS chain, and verify at a checking gateway.

The gateway (tests/e2e/sigv4_server.py) recomputes each signature with botocore for known
test credentials and refuses anything else with 403, as API Gateway's IAM auth does. Each
test gives the CLI a clean AWS environment: only what the test puts in it can sign.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs

import botocore.auth
import botocore.session
import click
import pytest
from botocore.credentials import Credentials

from instancectl.cli import EXIT_ERROR, EXIT_USAGE, main
from instancectl.signing import signer_for
from tests.client.conftest import Cli, unique
from tests.client.terminal import instancectl
from tests.clock import assert_reads_the_tests_clock
from tests.e2e import sigv4_server
from tests.http.local_api import LocalApi
from tests.http.proxy import Exchange, Forward, InterceptingServer, Reply

REGION = "eu-west-1"
PIPELINE = Credentials("AKIDPIPELINETEST", "pipeline-secret", "pipeline-session-token")
FROM_WEB_IDENTITY = Credentials("ASIAWEBIDENTITYTEST", "web-identity-secret", "web-identity-session-token")
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z]+)/\d{8}/(?P<region>[a-z0-9-]+)/execute-api/aws4_request, "
    r"SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}"
)
# Everything botocore's chain reads, so the developer's own setup never leaks into a test.
_AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_DEFAULT_REGION",
)


@pytest.fixture
def gateway(local_api: LocalApi) -> Iterator[InterceptingServer]:
    known = {credentials.access_key: credentials for credentials in (PIPELINE, FROM_WEB_IDENTITY)}
    with sigv4_server.sigv4_gateway(local_api.base_url, known, REGION) as server:
        yield server


@pytest.fixture
def aws_env(tmp_path: Path) -> dict[str, str | None]:
    """An AWS environment with no credentials at all: no variables, empty config files, no IMDS."""
    config, credentials = tmp_path / "aws-config", tmp_path / "aws-credentials"
    config.write_text("", encoding="utf-8")
    credentials.write_text("", encoding="utf-8")
    return {
        **dict.fromkeys(_AWS_VARIABLES),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": REGION,
    }


def _environment_credentials(credentials: Credentials) -> dict[str, str | None]:
    return {
        "AWS_ACCESS_KEY_ID": credentials.access_key,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_key,
        "AWS_SESSION_TOKEN": credentials.token,
    }


def _signed_by(exchange: Exchange) -> tuple[str, str]:
    match = AUTHORIZATION.fullmatch(exchange.header("Authorization") or "")
    assert match is not None, exchange.header("Authorization")
    return match["key"], match["region"]


def test_given_credentials_in_the_environment_when_running_every_command_signed_then_each_request_verifies(
    gateway: InterceptingServer, aws_env: dict[str, str | None], tmp_path: Path
) -> None:
    env = {**aws_env, **_environment_credentials(PIPELINE)}
    cli, name = Cli(gateway.base_url), unique("signed")
    document = tmp_path / "web.yaml"
    document.write_text(f"name: {name}\nhostIDs: [h-1]\n", encoding="utf-8")
    runs = [
        cli("create", "-f", str(document), "--sign", env=env),
        cli("apply", "-f", str(document), "--sign", env=env),
        cli("get", name, "--sign", env=env),
        cli("list", "--all", "--limit", "2", "--sign", env=env),
        cli("delete", name, "--version", "1", "--sign", env=env),
    ]
    assert [run.exit_code for run in runs] == [0] * 5, [run.stderr for run in runs]
    assert {_signed_by(exchange) for exchange in gateway.requests()} == {(PIPELINE.access_key, REGION)}
    assert {exchange.header("X-Amz-Security-Token") for exchange in gateway.requests()} == {PIPELINE.token}


def test_given_a_profile_in_a_config_file_when_signing_then_its_credentials_and_region_are_used(
    gateway: InterceptingServer, aws_env: dict[str, str | None]
) -> None:
    config = Path(str(aws_env["AWS_CONFIG_FILE"]))
    config.write_text(
        "[profile pipeline]\n"
        f"region = {REGION}\n"
        f"aws_access_key_id = {PIPELINE.access_key}\n"
        f"aws_secret_access_key = {PIPELINE.secret_key}\n"
        f"aws_session_token = {PIPELINE.token}\n",
        encoding="utf-8",
    )
    env = {**aws_env, "AWS_PROFILE": "pipeline", "AWS_REGION": None}
    result = Cli(gateway.base_url)("list", "--sign", env=env)
    assert result.exit_code == 0, result.stderr
    (exchange,) = gateway.requests()
    assert _signed_by(exchange) == (PIPELINE.access_key, REGION)


def _fake_sts(seen_tokens: list[str]) -> InterceptingServer:
    """STS answering AssumeRoleWithWebIdentity with FROM_WEB_IDENTITY, as it does for GitHub's OIDC token."""
    expiration = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = f"""<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>repo:example/instances:ref:refs/heads/main</SubjectFromWebIdentityToken>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/instances-pipeline/github</Arn>
      <AssumedRoleId>AROAEXAMPLE:github</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{FROM_WEB_IDENTITY.access_key}</AccessKeyId>
      <SecretAccessKey>{FROM_WEB_IDENTITY.secret_key}</SecretAccessKey>
      <SessionToken>{FROM_WEB_IDENTITY.token}</SessionToken>
      <Expiration>{expiration}</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>""".encode()

    def decide(exchange: Exchange, forward: Forward) -> Reply:
        form = parse_qs(exchange.body.decode())
        assert form["Action"] == ["AssumeRoleWithWebIdentity"]
        assert form["RoleArn"] == ["arn:aws:iam::123456789012:role/instances-pipeline"]
        seen_tokens.extend(form["WebIdentityToken"])
        return Reply(200, answer, (("Content-Type", "text/xml"),))

    return InterceptingServer(decide)


def test_given_a_web_identity_token_as_github_oidc_provides_when_signing_then_the_assumed_role_signs(
    gateway: InterceptingServer, aws_env: dict[str, str | None], tmp_path: Path
) -> None:
    token_file = tmp_path / "oidc-token"
    token_file.write_text("github-oidc-token", encoding="utf-8")
    seen_tokens: list[str] = []
    with _fake_sts(seen_tokens) as sts:
        env = {
            **aws_env,
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/instances-pipeline",
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
            "AWS_ENDPOINT_URL_STS": sts.base_url,
        }
        result = Cli(gateway.base_url)("list", "--sign", env=env)
    assert result.exit_code == 0, result.stderr
    assert seen_tokens == ["github-oidc-token"]
    (exchange,) = gateway.requests()
    assert _signed_by(exchange) == (FROM_WEB_IDENTITY.access_key, REGION)


def test_given_a_wrong_secret_in_the_environment_when_signing_then_the_gateway_refuses_and_exit_is_1(
    gateway: InterceptingServer, aws_env: dict[str, str | None]
) -> None:
    wrong = Credentials(PIPELINE.access_key, "not-the-secret", PIPELINE.token)
    result = Cli(gateway.base_url)("get", "web-1", "--sign", env={**aws_env, **_environment_credentials(wrong)})
    assert result.exit_code == EXIT_ERROR
    assert "error: Forbidden: The request signature we calculated does not match" in result.stderr
    assert "(requestId " in result.stderr


def test_given_a_signed_create_tampered_in_flight_when_it_reaches_the_gateway_then_it_is_refused_and_nothing_is_created(
    gateway: InterceptingServer, aws_env: dict[str, str | None], local_api: LocalApi
) -> None:
    def rewrite_hosts(exchange: Exchange, forward: Forward) -> Reply:
        return forward(exchange.with_json({**exchange.json, "hostIDs": ["attacker"]}))

    name = unique("tampered")
    with InterceptingServer(rewrite_hosts, gateway.base_url) as man_in_the_middle:
        result = Cli(man_in_the_middle.base_url)(
            "create",
            "-f",
            "-",
            "--sign",
            stdin=f"name: {name}\nhostIDs: [h-1]\n",
            env={**aws_env, **_environment_credentials(PIPELINE)},
        )
    assert result.exit_code == EXIT_ERROR
    assert "Forbidden: The request signature we calculated does not match" in result.stderr
    assert local_api.request("GET", f"/api/v1/instance?name={name}").status == 404


def test_given_no_credentials_anywhere_when_signing_is_needed_then_exit_1_before_sending_anything(
    gateway: InterceptingServer, aws_env: dict[str, str | None]
) -> None:
    result = Cli(gateway.base_url)("list", "--sign", env=aws_env)
    assert result.exit_code == EXIT_ERROR
    assert "error: no AWS credentials found" in result.stderr
    assert gateway.requests() == []


def test_given_no_sign_when_calling_a_gateway_that_checks_then_it_answers_missing_authentication_token(
    gateway: InterceptingServer, aws_env: dict[str, str | None]
) -> None:
    result = Cli(gateway.base_url)("list", "--no-sign", env={**aws_env, **_environment_credentials(PIPELINE)})
    assert result.exit_code == EXIT_ERROR
    assert "error: Forbidden: Missing Authentication Token" in result.stderr
    assert gateway.requests()[0].header("Authorization") is None


def test_given_instancectl_in_a_process_of_its_own_when_signing_then_it_reads_the_gateway_s_clock(
    gateway: InterceptingServer, aws_env: dict[str, str | None]
) -> None:
    """The signature's date is the subprocess's clock, checked against this process's (at most
    5 minutes apart): under make test-future, a shift that missed the subprocess is a 403."""
    finished = instancectl(
        "list", "--sign", endpoint=gateway.base_url, env={**aws_env, **_environment_credentials(PIPELINE)}
    )
    assert finished.exit_code == 0, finished.stderr
    (exchange,) = gateway.requests()
    signed_at = datetime.strptime(exchange.header("X-Amz-Date") or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    assert_reads_the_tests_clock(signed_at.timestamp(), "instancectl's process")


def test_given_a_loopback_endpoint_when_no_sign_option_is_given_then_requests_go_unsigned(
    gateway: InterceptingServer, aws_env: dict[str, str | None]
) -> None:
    Cli(gateway.base_url)("list", env={**aws_env, **_environment_credentials(PIPELINE)})
    assert gateway.requests()[0].header("Authorization") is None  # `make run` needs no credentials


def _signing_clock(monkeypatch: pytest.MonkeyPatch, clock: Iterator[datetime]) -> None:
    """SigV4's clock: get_current_datetime in newer botocore, datetime.datetime.utcnow down to the client's floor."""
    if hasattr(botocore.auth, "get_current_datetime"):
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: next(clock))
        return

    class Clock(datetime):
        @classmethod
        def utcnow(cls) -> datetime:  # type: ignore[override]  # the clock gives plain datetimes
            return next(clock)

    monkeypatch.setattr(botocore.auth, "datetime", types.SimpleNamespace(datetime=Clock))


def test_given_a_retried_request_when_it_is_sent_again_then_it_is_signed_again_and_verifies(
    local_api: LocalApi, aws_env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(timezone.utc).replace(tzinfo=None)
    _signing_clock(monkeypatch, iter(start + timedelta(seconds=90 * step) for step in range(10)))
    known = {PIPELINE.access_key: PIPELINE}

    def verify_then_throttle_once(exchange: Exchange, forward: Forward) -> Reply:
        # the gateway's clock is real: the second signature is 90 s old, well within 5 minutes
        problem = sigv4_server.signature_problem(exchange, known, REGION)
        if problem is not None:
            return Reply.envelope(403, "Forbidden", problem)
        if len(server.requests()) == 1:
            return Reply.envelope(429, "Throttled", "Too Many Requests", headers=(("Retry-After", "0"),))
        return forward(exchange)

    with InterceptingServer(verify_then_throttle_once, local_api.base_url) as server:
        result = Cli(server.base_url)("list", "--sign", env={**aws_env, **_environment_credentials(PIPELINE)})
    assert result.exit_code == 0, result.stderr
    dates = [exchange.header("X-Amz-Date") for exchange in server.requests()]
    assert len(dates) == 2
    assert dates[0] != dates[1]


def test_given_the_cli_when_its_options_are_listed_then_none_takes_a_credential() -> None:
    forbidden = re.compile(r"key|secret|token|password|credential|session", re.IGNORECASE)
    assert isinstance(main, click.Group)
    for command in main.commands.values():
        for parameter in command.params:
            names = [parameter.name or "", *getattr(parameter, "opts", [])]
            offending = [
                name for name in names if forbidden.search(name) and name not in ("--next-token", "next_token")
            ]
            assert offending == [], f"{command.name} takes {offending}: credentials come only from the AWS chain"


@pytest.mark.parametrize("flag", ["--aws-access-key-id", "--access-key", "--secret-key", "--profile"])
def test_given_a_credential_flag_when_running_then_it_is_a_usage_error(flag: str, cli: Cli) -> None:
    result = cli("list", flag, "AKIDEXAMPLE")
    assert result.exit_code == EXIT_USAGE
    assert "No such option" in result.stderr


def test_given_an_execute_api_url_when_no_sign_option_is_given_then_it_signs_for_the_urls_region(
    aws_env: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {**aws_env, **_environment_credentials(PIPELINE), "AWS_REGION": None}.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    url = "https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com/prod"
    signer = signer_for(url, None, botocore.session.get_session(), None)
    assert signer is not None
    assert signer.region == "ap-southeast-2"
    assert signer_for("http://localhost:3000", None, botocore.session.get_session(), None) is None
    assert signer_for(url, False, botocore.session.get_session(), None) is None
