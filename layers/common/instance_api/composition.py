"""The composition root: what each function needs, built from its environment on first use.

A function's app.py makes one `Composition` and asks it for what it calls (`service`,
`idempotent_creates`, `consumer`); each part is built on first use and kept for the
container's life, so importing a handler does no I/O and a function builds only what its
requests use (a list reads the pagination key, a keyed create the idempotency utility, a
host query the host index). Only the functions import this module; nothing in the layer
reaches back into it.

Tests and the bench give a `Composition` the parts they replace (an in-memory store, a
recording publisher, settings of their own) and leave the rest to be built as in
production: there is no module-level state to reset.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from instance_api.aws.errors import translated
from instance_api.aws.parallel import MAX_CALLS_IN_FLIGHT
from instance_api.aws.store import InstanceStore
from instance_api.domain.ports import ChangePublisher, HostIndexRepository, InstanceRepository, ReportBook, Revisions
from instance_api.domain.service import InstanceService
from instance_api.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

    from instance_api.aws.reports import ReportTable
    from instance_api.aws.secrets import SecretStore
    from instance_api.changes.consumer import ChangeConsumer
    from instance_api.changes.phases import PhaseConsumer
    from instance_api.domain.agents import HostAgentService
    from instance_api.domain.keys import RotatingKey
    from instance_api.domain.pagination import PageTokens
    from instance_api.http.idempotency import IdempotentCreates

# Connect fast and read fast, retry a little: a throttled table must answer (503) well
# inside API Gateway's 29 s, where botocore's legacy mode would retry DynamoDB 10 times.
# The change consumer's calls run side by side (aws/parallel.py): a connection for each.
CLIENT_CONFIG: dict[str, Any] = {
    "retries": {"mode": "standard", "max_attempts": 3},
    "connect_timeout": 1,
    "read_timeout": 2,
    "tcp_keepalive": True,
    "max_pool_connections": MAX_CALLS_IN_FLIGHT,
}

# The pagination key is read again after this long, and at once (at most this often) when
# a token carries a signature no known key made: a rotation reaches every container within
# minutes, and a listing in progress survives it (docs/decisions.md).
KEY_MAX_AGE_SECONDS = 300
KEY_MIN_REFRESH_SECONDS = 5


def _client(service: str, endpoint_url: str | None = None) -> Any:
    # botocore, not boto3: the same client without boto3's import cost at cold start.
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        service, endpoint_url=endpoint_url, config=Config(**CLIENT_CONFIG)
    )


class Composition:
    """Each part is a cached property: built on first use from `settings` (the environment's,
    read on first use, unless given) and the parts built before it. A part given to the
    constructor is used as it is, and nothing it would have been built from is read."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        store: InstanceRepository | None = None,
        host_index: HostIndexRepository | None = None,
        publisher: ChangePublisher | None = None,
        reports: ReportBook | None = None,
        revisions: Revisions | None = None,
    ) -> None:
        given = {
            "settings": settings,
            "store": store,
            "host_index": host_index,
            "publisher": publisher,
            "reports": reports,
            "revisions": revisions,
        }
        # A cached_property reads the instance's __dict__ first: a given part is never built.
        self.__dict__.update({name: part for name, part in given.items() if part is not None})

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_env()

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        return cast("DynamoDBClient", _client("dynamodb", self.settings.dynamodb_endpoint_url))

    @cached_property
    def secrets(self) -> SecretStore:
        from instance_api.aws.secrets import SecretStore

        return SecretStore(_client("secretsmanager"))

    @cached_property
    def pagination_key(self) -> RotatingKey:
        from instance_api.domain.keys import RotatingKey

        secret = self.settings.require_pagination_key_secret()
        return RotatingKey(
            lambda stage: self.secrets.value(secret, stage),
            max_age=KEY_MAX_AGE_SECONDS,
            min_refresh=KEY_MIN_REFRESH_SECONDS,
        )

    @cached_property
    def name_key(self) -> bytes:
        """The key generated names are derived with; never rotated (rotating it would let a
        retry that spans the rotation create a second instance), so read once."""
        from instance_api.domain.keys import CURRENT

        key = self.secrets.value(self.settings.require_name_key_secret(), CURRENT)
        assert key is not None
        return key

    @cached_property
    def store(self) -> InstanceRepository:
        return InstanceStore(self.dynamodb, self.settings.table_name, self.settings.namespace_index_name)

    @cached_property
    def page_tokens(self) -> PageTokens:
        from instance_api.domain.pagination import PageTokens

        return PageTokens(self.pagination_key)

    @cached_property
    def host_index(self) -> HostIndexRepository:
        from instance_api.aws.host_index import HostIndex  # a host query's, not every request's, import

        return HostIndex(self.dynamodb, self.settings.require_host_index_table())

    @cached_property
    def service(self) -> InstanceService:
        return InstanceService(
            self.store,
            lambda: self.page_tokens,
            lambda: self.host_index,
            timedelta(days=self.settings.tombstone_retention_days),
            reports=lambda: self.reports,
        )

    @cached_property
    def reports(self) -> ReportTable:
        from instance_api.aws.reports import ReportTable

        return ReportTable(self.dynamodb, self.settings.require_host_reports_table())

    @cached_property
    def revisions(self) -> Revisions:
        from instance_api.aws.revisions import RevisionTable

        return RevisionTable(self.dynamodb, self.settings.require_host_revisions_table())

    @cached_property
    def host_agents(self) -> HostAgentService:
        from instance_api.domain.agents import HostAgentService
        from instance_api.domain.service import utc_now

        return HostAgentService(
            self.store, lambda: self.host_index, self.reports, self.revisions, lambda: self.page_tokens, utc_now
        )

    @cached_property
    def idempotent_creates(self) -> IdempotentCreates:
        # Only a create with an Idempotency-Key pays for the utility's imports (boto3 among them).
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        from instance_api.http.idempotency import IdempotentCreates

        persistence = DynamoDBPersistenceLayer(
            table_name=self.settings.require_idempotency_table(), boto3_client=self.dynamodb
        )
        return IdempotentCreates(
            self.service,
            persistence,
            lambda: self.name_key,
            lambda error: translated(error, "the idempotency store"),
        )

    @cached_property
    def publisher(self) -> ChangePublisher:
        # The regional endpoint on AWS; locally AWS_ENDPOINT_URL_EVENTBRIDGE (botocore reads it)
        # points at the emulator's EventBridge stand-in. Only the change consumer builds it.
        from instance_api.aws.eventbridge import EventBridgePublisher

        return EventBridgePublisher(_client("events"), self.settings.require_event_bus())

    @cached_property
    def consumer(self) -> ChangeConsumer:
        from instance_api.changes.consumer import ChangeConsumer

        return ChangeConsumer(self.host_index, self.publisher, self.revisions)

    @cached_property
    def phase_consumer(self) -> PhaseConsumer:
        from instance_api.aws.parallel import run_all
        from instance_api.changes.phases import PhaseConsumer

        return PhaseConsumer(self.store, self.reports, self.publisher, run_all)
