"""Host agents' reports on DynamoDB, and the phase last published for each instance.

The reports table has one item per (name, hostID): partition key `name`, sort key `hostID`,
so an instance's reports are one Query and a report is one conditional PutItem of ~150
bytes (one write unit), on an item of its own: 256 hosts reporting on one instance write
256 small items, never one hot item, and never the instances table (a report is no
`Instance Updated` event, never bumps `version`, and never fails a client's PUT). An item:
`observedVersion` (N), `state`, `message` (absent when none), `reportedAt`, and `generation`
(the createdAt of the instance reported on).

The phase head (the last phase published for the instance, changes/phases.py) is the item of
host ID "#", which no host ID can be (domain/rules.py): `generation`, `version`, `phase`, a
random `token` each write replaces (the condition of the next), and while its events are on
their way to the bus, `pending` (their JSON) and `claimedAt` (when, epoch seconds).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from instance_api.aws.dynamodb import CONDITION_FAILED, Expression, call
from instance_api.aws.errors import CALL_ERRORS, error_code, translated
from instance_api.domain.changes import Event
from instance_api.domain.errors import Conflict, Unavailable
from instance_api.domain.hosts import Report, ReportState
from instance_api.domain.phases import HEAD_HOST, HeldHead, PhaseHead

if TYPE_CHECKING:
    from instance_api.domain.hosts import Phase

HEAD = HEAD_HOST
# BatchGetItem takes at most 100 keys; what it leaves unprocessed is asked again this many times.
BATCH_GET_MAX = 100
BATCH_GET_ATTEMPTS = 5


def report_item(name: str, report: Report) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": {"S": name},
        "hostID": {"S": report.host_id},
        "state": {"S": report.state},
        "observedVersion": {"N": str(report.observed_version)},
        "reportedAt": {"S": report.reported_at},
        "generation": {"S": report.generation},
    }
    if report.message is not None:
        item["message"] = {"S": report.message}
    return item


def report_of(item: dict[str, Any]) -> Report:
    message = item.get("message")
    return Report(
        item["hostID"]["S"],
        cast("ReportState", item["state"]["S"]),
        int(item["observedVersion"]["N"]),
        None if message is None else message["S"],
        item["reportedAt"]["S"],
        item["generation"]["S"],
    )


def _head_of(item: dict[str, Any]) -> HeldHead:
    head = PhaseHead(item["generation"]["S"], int(item["version"]["N"]), cast("Phase", item["phase"]["S"]))
    pending = [
        Event(item["name"]["S"], detail_type, detail, time)
        for detail_type, detail, time in json.loads(item.get("pending", {}).get("S", "[]"))
    ]
    return HeldHead(head, item["token"]["S"], pending, float(item.get("claimedAt", {}).get("N", "0")))


class ReportTable:
    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def _call(self, operation: str, **request: Any) -> Any:
        return call(self._client, self._table, operation, **request)

    def record(self, name: str, report: Report) -> None:
        expression = Expression()
        host, observed, generation = (expression.name(field) for field in ("hostID", "observedVersion", "generation"))
        version = expression.value("observed", {"N": str(report.observed_version)})
        same = expression.value("generation", {"S": report.generation})
        expression.require(f"(attribute_not_exists({host}) OR {generation} <> {same} OR {observed} <= {version})")
        try:
            self._call(
                "put_item",
                Item=report_item(name, report),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **expression.request(),
            )
        except ClientError as error:
            if error_code(error) != CONDITION_FAILED:
                raise
            old: dict[str, Any] = dict(error.response.get("Item") or {})  # type: ignore[call-overload]
            last = old.get("observedVersion", {}).get("N", "?")
            raise Conflict(
                f"host {report.host_id!r} last reported observedVersion {last} of instance {name!r}; "
                f"a report of {report.observed_version} is older"
            ) from error

    def read(self, name: str) -> tuple[dict[str, Report], HeldHead | None]:
        """Every host's report on `name` and its phase head as held (strongly consistent)."""
        reports: dict[str, Report] = {}
        head = None
        expression = Expression()
        key = f"{expression.name('name')} = {expression.value('name', {'S': name})}"
        request: dict[str, Any] = {"KeyConditionExpression": key, "ConsistentRead": True, **expression.request()}
        while True:
            response = self._call("query", **request)
            for item in response.get("Items", []):
                if item["hostID"]["S"] == HEAD:
                    head = _head_of(item)
                else:
                    reports[item["hostID"]["S"]] = report_of(item)
            if "LastEvaluatedKey" not in response:
                return reports, head
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def of_instance(self, name: str) -> dict[str, Report]:
        return self.read(name)[0]

    def of_host(self, host_id: str, names: Sequence[str]) -> dict[str, Report]:
        reports: dict[str, Report] = {}
        for start in range(0, len(names), BATCH_GET_MAX):
            keys = [{"name": {"S": name}, "hostID": {"S": host_id}} for name in names[start : start + BATCH_GET_MAX]]
            for item in self._batch_get(keys):
                reports[item["name"]["S"]] = report_of(item)
        return reports

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        asked: dict[str, Any] = {self._table: {"Keys": keys}}
        for _ in range(BATCH_GET_ATTEMPTS):
            try:
                response = self._client.batch_get_item(RequestItems=asked)
            except CALL_ERRORS as error:
                raise translated(error, "DynamoDB batch_get_item") from error
            items += response.get("Responses", {}).get(self._table, [])
            asked = response.get("UnprocessedKeys") or {}
            if not asked:
                return items
        raise Unavailable("DynamoDB left keys of a batch_get_item unprocessed after retries")

    def put_head(
        self, name: str, head: PhaseHead, token: str | None, pending: Sequence[Event] = (), claimed_at: float = 0.0
    ) -> str | None:
        """Write the phase head, with the events still to publish from it (`pending`, claimed at
        `claimed_at`, epoch seconds), if the head still holds `token` (None: if there is none);
        the new head's token, or None if another consumer moved it meanwhile."""
        expression = Expression()
        if token is None:
            expression.require(f"attribute_not_exists({expression.name('hostID')})")
        else:
            expression.equals("token", "token", {"S": token})
        new_token = os.urandom(8).hex()
        item = {
            "name": {"S": name},
            "hostID": {"S": HEAD},
            "generation": {"S": head.generation},
            "version": {"N": str(head.version)},
            "phase": {"S": head.phase},
            "token": {"S": new_token},
        }
        if pending:
            outbox = [[event.detail_type, event.detail, event.time] for event in pending]
            item["pending"] = {"S": json.dumps(outbox, separators=(",", ":"))}
            item["claimedAt"] = {"N": f"{claimed_at:.3f}"}
        try:
            self._call("put_item", Item=item, **expression.request())
        except ClientError as error:
            if error_code(error) != CONDITION_FAILED:
                raise
            return None
        return new_token

    def forget(self, name: str, generation: str) -> int:
        """Delete the reports and the phase head of `name`'s generation `generation` (a deleted
        instance's), each only if it still is of that generation; how many went."""
        reports, head = self.read(name)
        keys = [host for host, report in reports.items() if report.generation == generation]
        if head is not None and head.head.generation == generation:
            keys.append(HEAD)
        gone = 0
        for host in keys:
            expression = Expression()
            expression.equals("generation", "generation", {"S": generation})
            try:
                self._call("delete_item", Key={"name": {"S": name}, "hostID": {"S": host}}, **expression.request())
                gone += 1
            except ClientError as error:
                if error_code(error) != CONDITION_FAILED:
                    raise
        return gone
