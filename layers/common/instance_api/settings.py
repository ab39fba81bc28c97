"""Configuration from the function's environment (declared once, in template.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass


class MissingSetting(RuntimeError):
    """The function was deployed without an environment variable it needs."""


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise MissingSetting(f"environment variable {name} is not set")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    table_name: str
    namespace_index_name: str | None
    pagination_token_key: str | None
    dynamodb_endpoint_url: str | None
    idempotency_table_name: str | None
    # The methods the API routes on its paths (the route fallback's 405 names them in Allow).
    allowed_methods: str | None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            table_name=_required("TABLE_NAME"),
            namespace_index_name=os.environ.get("NAMESPACE_INDEX_NAME") or None,
            pagination_token_key=os.environ.get("PAGINATION_TOKEN_KEY") or None,
            dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
            idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME") or None,
            allowed_methods=os.environ.get("ALLOWED_METHODS") or None,
        )

    def require_idempotency_table(self) -> str:
        if self.idempotency_table_name is None:
            raise MissingSetting("environment variable IDEMPOTENCY_TABLE_NAME is not set")
        return self.idempotency_table_name

    def require_pagination_key(self) -> bytes:
        if self.pagination_token_key is None:
            raise MissingSetting("environment variable PAGINATION_TOKEN_KEY is not set")
        return self.pagination_token_key.encode("utf-8")
