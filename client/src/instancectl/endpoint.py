"""Where the API is: a URL given, or a stack's `ApiBaseUrl` output, or `make run`'s default.

The order: `--endpoint`, then `--stack-name`, then `INSTANCE_API_URL`, then
http://127.0.0.1:3000. The URL is the stage's root (the stack's `ApiBaseUrl` output); the
`ApiUrl` output (the same URL ending in /api/v1/instance) is accepted too.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from botocore.exceptions import BotoCoreError, ClientError
from botocore.session import Session

from instancectl.errors import ConfigurationError

DEFAULT_ENDPOINT = "http://127.0.0.1:3000"
ENDPOINT_VARIABLE = "INSTANCE_API_URL"
BASE_URL_OUTPUT = "ApiBaseUrl"
SEED_PATH = "/api/v1/instance"


def resolve_endpoint(endpoint: str | None, stack_name: str | None, session: Session, region: str | None) -> str:
    """The API's base URL, from the first of: the URL given, the stack's output, the environment, the default."""
    if endpoint is not None:
        return normalise(endpoint)
    if stack_name is not None:
        return normalise(stack_base_url(session, stack_name, region))
    return normalise(os.environ.get(ENDPOINT_VARIABLE) or DEFAULT_ENDPOINT)


def normalise(url: str) -> str:
    """The base URL without a trailing slash (or /api/v1/instance); only http(s), no query."""
    problem = ConfigurationError(
        f"endpoint {url!r} is not a base URL such as https://ID.execute-api.REGION.amazonaws.com/STAGE"
    )
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  # a port that is no number, or out of range, raises here, not in the first request
    except ValueError as error:  # an unclosed [IPv6 address, a bad port
        raise problem from error
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise problem
    path = parts.path.rstrip("/").removesuffix(SEED_PATH)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_loopback(url: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: `make run` on this machine, which takes no signature."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def region_of(url: str) -> str | None:
    """The region in an execute-api host name (ID.execute-api.REGION.amazonaws.com), else None."""
    labels = (urlsplit(url).hostname or "").split(".")
    if len(labels) > 3 and labels[1] == "execute-api":
        return labels[2]
    return None


def configured_region(session: Session, region: str | None = None, url: str | None = None) -> str | None:
    """--region, else the execute-api URL's region, else AWS_REGION (what Lambda and GitHub's
    credentials action set), else botocore's own: AWS_DEFAULT_REGION or the profile's."""
    found = region or (url and region_of(url)) or os.environ.get("AWS_REGION") or session.get_config_variable("region")
    return str(found) if found else None


def stack_base_url(session: Session, stack_name: str, region: str | None) -> str:
    """The stack's `ApiBaseUrl` output, read with CloudFormation DescribeStacks."""
    try:
        cloudformation: Any = session.create_client("cloudformation", region_name=configured_region(session, region))
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        raise ConfigurationError(f"cannot read stack {stack_name!r}: {error.response['Error']['Message']}") from error
    except BotoCoreError as error:
        raise ConfigurationError(f"cannot read stack {stack_name!r}: {error}") from error
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}
    if BASE_URL_OUTPUT not in outputs:
        raise ConfigurationError(f"stack {stack_name!r} has no {BASE_URL_OUTPUT} output: is it an Instance API stack?")
    return str(outputs[BASE_URL_OUTPUT])
