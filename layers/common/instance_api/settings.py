"""Configuration from the function's environment (declared once, in template.yaml)."""

from __future__ import annotations

import os
from typing import NamedTuple

from instance_api.domain.errors import Fault


class MissingSetting(Fault):
    """The function was deployed without an environment variable it needs (a 500 whose detail
    only the logs see)."""


def _required(name: str) -> str:
    return _present(name, os.environ.get(name) or None)


# What the contract asks of a tombstone's retention when the environment does not say.
TOMBSTONE_RETENTION_DAYS_DEFAULT = 30


def _present(name: str, value: str | None) -> str:
    if value is None:
        raise MissingSetting(f"environment variable {name} is not set")
    return value


class Settings(NamedTuple):
    table_name: str
    namespace_index_name: str | None
    dynamodb_endpoint_url: str | None
    idempotency_table_name: str | None
    # Secrets Manager secrets (ARN or name), read at run time: the key that signs list
    # tokens (rotated without a deployment) and the key generated names are derived with.
    pagination_key_secret: str | None
    name_key_secret: str | None
    tombstone_retention_days: int
    # The host index (written by the change consumer, read by the host query) and the bus
    # the consumer publishes change events on.
    host_index_table_name: str | None = None
    event_bus_name: str | None = None
    # Host agents' reports (and each instance's phase head), and each host's view revision.
    host_reports_table_name: str | None = None
    host_revisions_table_name: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            table_name=_required("TABLE_NAME"),
            namespace_index_name=os.environ.get("NAMESPACE_INDEX_NAME") or None,
            dynamodb_endpoint_url=os.environ.get("DYNAMODB_ENDPOINT_URL") or None,
            idempotency_table_name=os.environ.get("IDEMPOTENCY_TABLE_NAME") or None,
            pagination_key_secret=os.environ.get("PAGINATION_KEY_SECRET") or None,
            name_key_secret=os.environ.get("NAME_KEY_SECRET") or None,
            tombstone_retention_days=int(
                os.environ.get("TOMBSTONE_RETENTION_DAYS") or TOMBSTONE_RETENTION_DAYS_DEFAULT
            ),
            host_index_table_name=os.environ.get("HOST_INDEX_TABLE_NAME") or None,
            event_bus_name=os.environ.get("EVENT_BUS_NAME") or None,
            host_reports_table_name=os.environ.get("HOST_REPORTS_TABLE_NAME") or None,
            host_revisions_table_name=os.environ.get("HOST_REVISIONS_TABLE_NAME") or None,
        )

    def require_idempotency_table(self) -> str:
        return _present("IDEMPOTENCY_TABLE_NAME", self.idempotency_table_name)

    def require_pagination_key_secret(self) -> str:
        return _present("PAGINATION_KEY_SECRET", self.pagination_key_secret)

    def require_name_key_secret(self) -> str:
        return _present("NAME_KEY_SECRET", self.name_key_secret)

    def require_host_index_table(self) -> str:
        return _present("HOST_INDEX_TABLE_NAME", self.host_index_table_name)

    def require_event_bus(self) -> str:
        return _present("EVENT_BUS_NAME", self.event_bus_name)

    def require_host_reports_table(self) -> str:
        return _present("HOST_REPORTS_TABLE_NAME", self.host_reports_table_name)

    def require_host_revisions_table(self) -> str:
        return _present("HOST_REVISIONS_TABLE_NAME", self.host_revisions_table_name)
