"""botocore clients and process environments for local AWS endpoints (never real AWS)."""

from __future__ import annotations

import functools
import os
import secrets
import threading
from typing import TYPE_CHECKING, Any, cast

from devtools.embedded_moto import EmbeddedMoto
from devtools.template import LOCAL_REGION, Template

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb.client import DynamoDBClient

# Any non-empty credentials do locally; DynamoDB Local accepts only letters and digits.
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
# Every AWS service a function reaches without a local endpoint of its own goes here, where
# nothing listens: it fails at once, locally, and never reaches AWS.
NOWHERE = "http://127.0.0.1:9"

_session_lock = threading.Lock()


@functools.cache
def _session() -> Any:
    import botocore.session

    return botocore.session.get_session()


def service_client(service: str, endpoint: str, region: str = LOCAL_REGION, config: Config | None = None) -> Any:
    """A botocore client for `service` at the local `endpoint`, with local credentials."""
    # One session for every client: a new one loads the service's model again (~70 ms).
    # Sessions are not thread-safe, clients are: only the creation is serialised.
    with _session_lock:
        return _session().create_client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            config=config,
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )


def client(endpoint: str, region: str = LOCAL_REGION, config: Config | None = None) -> DynamoDBClient:
    return cast("DynamoDBClient", service_client("dynamodb", endpoint, region, config))


def streams_client(endpoint: str, region: str = LOCAL_REGION) -> Any:
    """DynamoDB Streams, served on the same endpoint by DynamoDB Local and the embedded store."""
    return service_client("dynamodbstreams", endpoint, region)


def local_environment(
    endpoint: str, region: str = LOCAL_REGION, secrets_endpoint: str = NOWHERE, events_endpoint: str = NOWHERE
) -> dict[str, str]:
    """What a function needs locally to reach DynamoDB at `endpoint`, Secrets Manager at
    `secrets_endpoint` (LocalSecrets) and EventBridge at `events_endpoint`
    (devtools.local_events), and never real AWS.

    DYNAMODB_ENDPOINT_URL is declared (empty) in template.yaml; this sets it, as an
    env.json does for `sam local`. Other services take botocore's standard
    AWS_ENDPOINT_URL_<SERVICE> variables, and AWS_ENDPOINT_URL sends any other nowhere.
    """
    return {
        **LOCAL_CREDENTIALS,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": secrets_endpoint,
        "AWS_ENDPOINT_URL_EVENTBRIDGE": events_endpoint,
        "AWS_ENDPOINT_URL": NOWHERE,
        # A developer's ~/.aws files (profiles, endpoint overrides) must not leak in.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def create_secrets(secrets_manager: Any, template: Template) -> None:
    """The template's secrets, each with a random value (as GenerateSecretString makes one)."""
    for name in template.secrets():
        secrets_manager.create_secret(Name=name, SecretString=secrets.token_urlsafe(48))


class LocalSecrets:
    """Secrets Manager for functions run locally: the template's secrets, each with a random
    value made at start (CloudFormation generates the real ones at deploy time), so a
    nextToken does not outlive the process that signed it."""

    def __init__(self, template: Template) -> None:
        self._server = EmbeddedMoto("secretsmanager")
        self.endpoint = self._server.endpoint
        self.client = service_client("secretsmanager", self.endpoint, template.region)
        create_secrets(self.client, template)

    def rotate(self, name: str) -> None:
        """What an operator does to rotate a key: a new current value, the old one previous."""
        self.client.put_secret_value(SecretId=name, SecretString=secrets.token_urlsafe(48))

    def stop(self) -> None:
        self._server.stop()
