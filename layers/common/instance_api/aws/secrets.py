"""Secrets Manager, read at run time: the values behind the functions' keys.

Read with botocore (boto3 would add its import to a cold start); a secret's value is its
SecretString as UTF-8 bytes. Failures map as every AWS call's do (errors.py).
"""

from __future__ import annotations

from typing import Any

from instance_api.aws.errors import CALL_ERRORS, error_code, translated
from instance_api.domain.keys import CURRENT


class SecretStore:
    def __init__(self, client: Any) -> None:
        self._client = client

    def value(self, secret_id: str, stage: str) -> bytes | None:
        """The secret's value at `stage` (AWSCURRENT, AWSPREVIOUS), None if no version has it."""
        try:
            response = self._client.get_secret_value(SecretId=secret_id, VersionStage=stage)
        except CALL_ERRORS as error:
            if error_code(error) == "ResourceNotFoundException" and stage != CURRENT:
                return None
            raise translated(error, "Secrets Manager GetSecretValue") from error
        return str(response["SecretString"]).encode("utf-8")
