"""SigV4 for API Gateway (service `execute-api`), with credentials from botocore's chain.

The chain is the AWS CLI's: environment variables, the shared config and credentials
files (profiles, SSO), web identity (`AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, what
GitHub's OIDC role assumption sets), container and instance roles. The client never takes
a credential as an argument or a flag: nothing secret ends up in a shell history or a
pipeline log.
"""

from __future__ import annotations

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import BotoCoreError
from botocore.session import Session

from instancectl.endpoint import configured_region, is_loopback
from instancectl.errors import ConfigurationError

SERVICE = "execute-api"
NO_CREDENTIALS = (
    "no AWS credentials found (environment, AWS_PROFILE and config files, SSO, web identity, instance role); "
    "the API needs SigV4-signed requests (use --no-sign only for an endpoint without IAM auth)"
)
NO_REGION = "no AWS region to sign for: set AWS_REGION (or --region), or use the execute-api URL"


class Signer:
    """Signs each attempt anew: a fresh X-Amz-Date, and credentials that refresh (SSO, roles)."""

    def __init__(self, credentials: Credentials, region: str) -> None:
        self._credentials = credentials
        self.region = region

    def sign(self, request: AWSRequest) -> None:
        try:
            frozen = self._credentials.get_frozen_credentials()
        except BotoCoreError as error:
            raise ConfigurationError(f"cannot get AWS credentials: {error}") from error
        SigV4Auth(frozen, SERVICE, self.region).add_auth(request)


def signer_for(endpoint: str, sign: bool | None, session: Session, region: str | None) -> Signer | None:
    """A signer, unless told not to sign or (by default) the endpoint is on this machine."""
    if sign is False or (sign is None and is_loopback(endpoint)):
        return None
    try:
        credentials = session.get_credentials()
        region = configured_region(session, region, endpoint)
    except BotoCoreError as error:
        raise ConfigurationError(f"cannot get AWS credentials: {error}") from error
    if credentials is None:
        raise ConfigurationError(NO_CREDENTIALS)
    if not region:
        raise ConfigurationError(NO_REGION)
    return Signer(credentials, region)
