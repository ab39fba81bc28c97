"""botocore clients and process environments for local AWS endpoints (never real AWS)."""

from __future__ import annotations

import functools
import os
import threading
from typing import TYPE_CHECKING, Any, cast

from devtools.template import LOCAL_REGION

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb.client import DynamoDBClient

# Any non-empty credentials do locally; DynamoDB Local accepts only letters and digits.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}

_session_lock = threading.Lock()


@functools.cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def client(endpoint: str, region: str = LOCAL_REGION, config: Config | None = None) -> DynamoDBClient:
    # One session for every client: a new one loads DynamoDB's service model again (~70 ms).
    # Sessions are not thread-safe, clients are: only the creation is serialised.
    with _session_lock:
        dynamodb = _session().create_client(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=region,
            config=config,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
    return cast("DynamoDBClient", dynamodb)


def local_environment(endpoint: str, region: str = LOCAL_REGION) -> dict[str, str]:
    """What a function needs locally to reach `endpoint`, and never real AWS.

    DYNAMODB_ENDPOINT_URL is declared (empty) in template.yaml; this sets it, as an
    env.json does for `sam local`.
    """
    return {
        **LOCAL_CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        # A developer's ~/.aws files (profiles, endpoint overrides) must not leak in.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
