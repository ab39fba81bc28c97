"""The phase consumer on in-memory parts: claims, waits, takeovers and failures, which the
handler tier (moto) cannot time (two invocations at once on one instance)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pytest

from instance_api.changes.consumer import BatchFailed
from instance_api.changes.phases import CLAIM_S, PhaseConsumer
from instance_api.domain.changes import Event
from instance_api.domain.hosts import Report
from instance_api.domain.instance import Instance
from instance_api.domain.phases import HeldHead, PhaseHead
from instance_api.domain.ports import InstanceRepository, Publication, Stored

CREATED_AT = "2026-11-27T10:00:00.000Z"
INSTANCE: Instance = {
    "name": "web",
    "namespace": "team-a",
    "spec": {"image": "nginx:1.27"},
    "shareStorage": False,
    "hostIDs": ["h1", "h2"],
    "labels": {},
    "version": 1,
    "createdAt": CREATED_AT,
    "updatedAt": CREATED_AT,
}


def running(host: str, version: int = 1, state: str = "Running") -> Report:
    return Report(host, state, version, None, "2026-11-27T10:00:05.000Z", CREATED_AT)  # type: ignore[arg-type]


def report_record(name: str, host: str, sequence: int = 1, event_name: str = "INSERT") -> dict[str, Any]:
    keys = {"name": {"S": name}, "hostID": {"S": host}}
    return {"eventName": event_name, "dynamodb": {"Keys": keys, "SequenceNumber": str(sequence)}}


class Store:
    def __init__(self, *instances: Instance) -> None:
        self.instances = {instance["name"]: instance for instance in instances}

    def stored(self, name: str) -> Stored:
        instance = self.instances.get(name)
        return Stored(instance, instance["version"] if instance else 0)


class Book:
    """Reports and heads in memory; `interfere` runs before each head write (another invocation)."""

    def __init__(self, reports: dict[str, Report] | None = None) -> None:
        self.reports = dict(reports or {})
        self.held: HeldHead | None = None
        self.tokens = 0
        self.writes: list[tuple[PhaseHead, int]] = []
        self.interfere: list[Any] = []

    def read(self, name: str) -> tuple[dict[str, Report], HeldHead | None]:
        return dict(self.reports), self.held

    def put_head(
        self, name: str, head: PhaseHead, token: str | None, pending: Sequence[Event] = (), claimed_at: float = 0.0
    ) -> str | None:
        if self.interfere:
            self.interfere.pop(0)(self)
        if (self.held.token if self.held else None) != token:
            return None
        self.tokens += 1
        self.held = HeldHead(head, str(self.tokens), list(pending), claimed_at)
        self.writes.append((head, len(pending)))
        return str(self.tokens)

    def forget(self, name: str, generation: str) -> int:
        self.reports.clear()
        self.held = None
        return 0


class Publisher:
    def __init__(self, refuse: bool = False) -> None:
        self.events: list[Event] = []
        self.refuse = refuse

    def publish_all(self, publications: Sequence[Publication], before: int) -> tuple[int, dict[int, str]]:
        if self.refuse:
            return 0, {0: "InternalFailure"}
        self.events += [publication.event for publication in publications]
        return len(publications), {}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def consumer(book: Book, publisher: Publisher, clock: Clock, store: Store | None = None) -> PhaseConsumer:
    repository = cast("InstanceRepository", store or Store(INSTANCE))
    return PhaseConsumer(repository, book, publisher, clock=clock.time, monotonic=clock.time, sleep=clock.sleep)


def phases(publisher: Publisher) -> list[tuple[Any, Any]]:
    return [(event.detail["previousPhase"], event.detail["phase"]) for event in publisher.events]


def test_given_a_report_when_consumed_then_the_event_is_claimed_published_and_cleared() -> None:
    book, publisher, clock = Book({"h1": running("h1")}), Publisher(), Clock()

    answer = consumer(book, publisher, clock).process_batch([report_record("web", "h1")])

    assert answer == {"batchItemFailures": []}
    assert phases(publisher) == [(None, "Progressing")]
    assert book.writes == [(PhaseHead(CREATED_AT, 1, "Progressing"), 1), (PhaseHead(CREATED_AT, 1, "Progressing"), 0)]


def test_given_another_invocation_moves_the_head_first_when_claiming_then_it_reads_again_and_adds_what_is_new() -> None:
    book, publisher, clock = Book({"h1": running("h1"), "h2": running("h2")}), Publisher(), Clock()

    def other(book: Book) -> None:  # another invocation published Progressing and moved the head
        book.tokens += 1
        book.held = HeldHead(PhaseHead(CREATED_AT, 1, "Progressing"), "other", [], 0.0)

    book.interfere.append(other)

    consumer(book, publisher, clock).process_batch([report_record("web", "h2")])

    assert phases(publisher) == [("Progressing", "Ready")]


def test_given_events_claimed_by_another_invocation_when_settling_then_it_waits_until_they_are_out() -> None:
    book, publisher, clock = Book({"h1": running("h1"), "h2": running("h2")}), Publisher(), Clock()
    claimed = [Event("web", "Instance Phase Changed", {"previousPhase": None, "phase": "Progressing"}, CREATED_AT)]
    book.held = HeldHead(PhaseHead(CREATED_AT, 1, "Progressing"), "t", claimed, clock.now)
    real_sleep = clock.sleep

    def sleep(seconds: float) -> None:  # the other invocation publishes and clears meanwhile
        real_sleep(seconds)
        assert book.held is not None
        book.held = book.held._replace(pending=[], token="cleared")

    clock.sleep = sleep  # type: ignore[method-assign]

    consumer(book, publisher, clock).process_batch([report_record("web", "h2")])

    assert len(clock.slept) == 1
    assert phases(publisher) == [("Progressing", "Ready")]


def test_given_events_claimed_long_ago_when_settling_then_they_are_taken_over_before_anything_new() -> None:
    book, publisher, clock = Book({"h1": running("h1"), "h2": running("h2")}), Publisher(), Clock()
    claimed = [Event("web", "Instance Phase Changed", {"previousPhase": None, "phase": "Progressing"}, CREATED_AT)]
    book.held = HeldHead(PhaseHead(CREATED_AT, 1, "Progressing"), "t", claimed, clock.now - CLAIM_S - 1)

    consumer(book, publisher, clock).process_batch([report_record("web", "h2")])

    assert clock.slept == []
    assert phases(publisher) == [(None, "Progressing"), ("Progressing", "Ready")]
    assert book.held is not None
    assert book.held.pending == []


def test_given_a_claim_that_is_never_cleared_when_waiting_then_it_is_taken_over_after_the_claim_time() -> None:
    book, publisher, clock = Book({"h1": running("h1")}), Publisher(), Clock()
    claimed = [Event("web", "Instance Phase Changed", {"previousPhase": None, "phase": "Progressing"}, CREATED_AT)]
    book.held = HeldHead(PhaseHead(CREATED_AT, 1, "Progressing"), "t", claimed, clock.now)

    consumer(book, publisher, clock).process_batch([report_record("web", "h1")])

    assert sum(clock.slept) >= CLAIM_S
    assert phases(publisher) == [(None, "Progressing")]


def test_given_eventbridge_refuses_when_publishing_then_the_batch_fails_and_the_claim_stays_for_the_retry() -> None:
    book, publisher, clock = Book({"h1": running("h1")}), Publisher(refuse=True), Clock()

    with pytest.raises(BatchFailed):
        consumer(book, publisher, clock).process_batch([report_record("web", "h1")])

    assert book.held is not None
    assert len(book.held.pending) == 1


class MovingBook(Book):
    """A book in which the head of `api` keeps being moved by another invocation."""

    def put_head(
        self, name: str, head: PhaseHead, token: str | None, pending: Sequence[Event] = (), claimed_at: float = 0.0
    ) -> str | None:
        return None if name == "api" else super().put_head(name, head, token, pending, claimed_at)


def test_given_an_instance_whose_head_keeps_moving_when_consumed_then_records_from_its_first_fail() -> None:
    book, publisher, clock = MovingBook(), Publisher(), Clock()
    other: Instance = {**INSTANCE, "name": "api", "createdAt": "2026-11-27T11:00:00.000Z"}

    answer = consumer(book, publisher, clock, Store(INSTANCE, other)).process_batch(
        [report_record("web", "h1", 1), report_record("api", "h1", 2), report_record("web", "h2", 3)]
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
    assert [event.about for event in publisher.events] == ["web"]


def test_given_head_writes_and_removed_reports_in_the_stream_when_consumed_then_they_are_skipped() -> None:
    book, publisher, clock = Book({"h1": running("h1")}), Publisher(), Clock()

    answer = consumer(book, publisher, clock).process_batch(
        [report_record("web", "#"), report_record("web", "h1", 2, event_name="REMOVE")]
    )

    assert answer == {"batchItemFailures": []}
    assert publisher.events == []
    assert book.writes == []


def test_given_a_record_without_a_name_when_consumed_then_it_and_what_follows_fail() -> None:
    book, publisher, clock = Book({"h1": running("h1")}), Publisher(), Clock()
    broken = {"eventName": "INSERT", "dynamodb": {"Keys": {}, "SequenceNumber": "2"}}

    answer = consumer(book, publisher, clock).process_batch(
        [report_record("web", "h1", 1), broken, report_record("web", "h2", 3)]
    )

    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]}
    assert phases(publisher) == [(None, "Progressing")]


def test_given_a_deleted_instance_when_a_late_report_record_comes_then_nothing_is_published() -> None:
    book, publisher, clock = Book({"h1": running("h1")}), Publisher(), Clock()

    answer = consumer(book, publisher, clock, Store()).process_batch([report_record("web", "h1")])

    assert answer == {"batchItemFailures": []}
    assert publisher.events == []
