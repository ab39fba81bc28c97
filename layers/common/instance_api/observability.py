"""Powertools observability objects, created once per container and shared by the layer.

Service name and log level come from the environment (template.yaml).
Every response records one metric named for its outcome, with the operation as dimension:
InstanceCreated / InstanceUpdated / InstanceRead / InstancesListed / InstanceDeleted on
success, else Conflict, NotFound, Invalid (other 4xx), Throttled (503) or Error (5xx).
The change consumer records StreamRecordsReceived per batch and ChangeEventsPublished per event.
Tracing is Lambda's active tracing (template parameter `Tracing`), with no SDK here.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from instance_api.envelope import Operation

NAMESPACE = "InstanceAPI"

logger = Logger()
# The namespace is part of the contract (dashboards and alarms key on it), so it is fixed here.
metrics = Metrics(namespace=NAMESPACE)

_SUCCESS = {
    "create": "InstanceCreated",
    "update": "InstanceUpdated",
    "get": "InstanceRead",
    "list": "InstancesListed",
    "delete": "InstanceDeleted",
}


def outcome(operation: Operation, status: int) -> str:
    """The metric name for a response of `status` to `operation`."""
    if status < 400:
        return _SUCCESS[operation]
    if status == 404:
        return "NotFound"
    if status == 409:
        return "Conflict"
    if status == 503:
        return "Throttled"
    if status >= 500:
        return "Error"
    return "Invalid"


def record_outcome(operation: Operation, status: int) -> None:
    metrics.add_dimension(name="operation", value=operation)
    metrics.add_metric(name=outcome(operation, status), unit=MetricUnit.Count, value=1)
