"""What the operations need from storage: one interface each, several implementations.

`aws.store.InstanceStore` implements the instance repository on DynamoDB;
`devtools.in_memory_store` implements it over a dict for benchmarks and tests. The host
index likewise: `aws.host_index.HostIndex` on DynamoDB, `devtools.in_memory_store.InMemoryHostIndex`
over a dict. Each method is one atomic step: the conditions (name free, name present, what
`Expected` requires) are checked and applied together, and a failed one raises the outcome
the client sees (AlreadyExists, or what `refusal` says: NotFound, NamespaceMismatch,
Conflict). A deleted instance leaves a tombstone (docs/contract.md, "Integrity"): absent
for every read and write, except that a create continues its version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

from instance_api.domain.changes import Change, Event
from instance_api.domain.commands import UNCONDITIONAL, Expected
from instance_api.domain.errors import Conflict, DomainError, NamespaceMismatch, NotFound
from instance_api.domain.instance import Changes, Draft, Instance, Page

if TYPE_CHECKING:
    from instance_api.domain.hosts import Report
    from instance_api.domain.selectors import Selector

# At most this many instances, matching or not, are read for one page of a selected listing
# (a label selector): then the page ends, short or even empty, with a nextToken that goes on.
# docs/decisions.md, "Labels and selectors", says what such a page costs.
SELECTED_PAGE_BUDGET = 1000


def meets(stored: Instance, expected: Expected) -> bool:
    """The stored instance is what a write requires (refusal says why not)."""
    return (
        expected.scope in (None, stored["namespace"])
        and expected.namespace in (None, stored["namespace"])
        and expected.version in (None, stored["version"])
    )


def refusal(expected: Expected, name: str, stored: Instance | None, *, reapply: bool) -> DomainError:
    """Why a write that `expected` this failed, from the instance it met (None: absent or a
    tombstone): absent before invalid before stale, so "outside the scope" reads as "absent"."""
    if stored is None or expected.scope not in (None, stored["namespace"]):
        return NotFound.instance(name, expected.scope)
    if expected.namespace is not None and stored["namespace"] != expected.namespace:
        return NamespaceMismatch()
    return Conflict.stale(name, stored["version"], expected.version, reapply=reapply)


class Stored(NamedTuple):
    """What the store holds under a name, as a write would meet it: the live instance (None
    when absent or deleted), the last version the name had (0: never used; a create continues
    it) and the mark of the idempotent create that wrote the live instance, if one did."""

    instance: Instance | None
    last_version: int = 0
    creation_token: str | None = None


class InstanceRepository(Protocol):
    def create(self, draft: Draft, *, token: str | None = None) -> Instance:
        """Store `draft` if its name is free or a tombstone, numbered 1 or one more than the
        tombstone's version, and return it as stored; else AlreadyExists, unless the live
        instance carries `token` (this idempotent create wrote it before): then that instance."""

    def get(self, name: str, *, scope: str | None = None) -> Instance:
        """The stored instance (in namespace `scope`, if given), else raise NotFound."""

    def update(self, name: str, changes: Changes, updated_at: str, expected: Expected = UNCONDITIONAL) -> Instance:
        """Apply `changes` and bump the version, if the instance is what `expected` requires."""

    def delete(self, name: str, deleted_at: str, expires_at: int, expected: Expected = UNCONDITIONAL) -> None:
        """Hide the instance, if it is what `expected` requires, behind a tombstone that keeps
        its last version until `expires_at` (epoch seconds)."""

    def list(
        self, namespace: str | None, limit: int, start_after: dict[str, str] | None, selector: Selector | None = None
    ) -> Page:
        """At most `limit` instances after `start_after` (of `namespace`, sorted by name, if given;
        with `selector`, those it matches, reading at most the store's page budget)."""

    def stored(self, name: str) -> Stored:
        """What holds `name` now (a strongly consistent read), for a dry run to judge a write by."""


class HostWrite(NamedTuple):
    """One host's entry of one change: the instance where it runs after the change
    (`present`), a removal marker where it no longer does."""

    host_id: str
    change: Change
    present: bool

    @property
    def entry(self) -> tuple[str, str]:
        """The (hostID, name) entry it writes."""
        return self.host_id, self.change.subject["name"]

    @classmethod
    def of(cls, change: Change) -> list[HostWrite]:
        """Every write `change` makes: one per host it touches."""
        return [cls(host_id, change, present) for host_id, present in change.hosts().items()]


def landed(outcomes: Sequence[bool | Exception]) -> int:
    """How many writes landed; the first error, if one stopped a write."""
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    return sum(outcome is True for outcome in outcomes)


class HostIndexRepository(Protocol):
    def apply(self, change: Change) -> int:
        """Write `change` on every host it touches, unless a later change is there; the writes that landed."""

    def apply_all(self, writes: Sequence[HostWrite]) -> list[bool | Exception]:
        """Each write, unless its entry holds that change or a later one; per write, in order,
        whether it landed (False: a later change is there), or the error that stopped it."""

    def list(
        self,
        host_id: str,
        namespace: str | None,
        limit: int,
        start_after: dict[str, str] | None,
        selector: Selector | None = None,
    ) -> Page:
        """At most `limit` instances on `host_id` (of `namespace`, if given; with `selector`, those it
        matches, reading at most the index's page budget) after `start_after`, sorted by name."""


class Publication(NamedTuple):
    """An event to publish, from the record at `position` of a batch."""

    position: int
    event: Event


class ChangePublisher(Protocol):
    def publish_all(self, publications: Sequence[Publication], before: int) -> tuple[int, dict[int, str]]:
        """Publish those of `publications` (in stream order) whose record is before `before`,
        each instance's events in order; how many went out, and per record whose event was
        given up on, why (no later event of the batch goes out after one is given up on)."""


class ReportBook(Protocol):
    """Where host agents' reports live (aws.reports.ReportTable on DynamoDB)."""

    def record(self, name: str, report: Report) -> None:
        """Keep `report` as its host's last on `name`, unless that host last reported a higher
        observedVersion on the same generation: then raise Conflict (a late report never
        overwrites a newer one)."""

    def of_instance(self, name: str) -> dict[str, Report]:
        """Every host's last report on `name`, by host ID (of any generation: status_of keeps the current)."""

    def of_host(self, host_id: str, names: Sequence[str]) -> dict[str, Report]:
        """`host_id`'s last report on each of `names` that it reported on, by name."""


class Revisions(Protocol):
    """Per host, a revision that changes whenever anything in the host's view changes."""

    def current(self, host_id: str) -> str:
        """The host's revision now (a strongly consistent read; "" if it never had one)."""

    def bump_all(self, host_ids: Sequence[str]) -> list[Exception | None]:
        """A new revision for each host, side by side; per host, None or the error that stopped it."""
