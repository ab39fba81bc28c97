"""Powertools observability objects, created once per container and shared by the layer.

Service name and log level come from the environment (template.yaml).
Every response records one metric named for its outcome, with the operation as dimension
(http/resolver.py):
InstanceCreated / InstanceUpdated / InstanceRead / InstancesListed / InstanceDeleted on
success (DryRunSucceeded for a write only tried, `?dryRun=true`), else Conflict, NotFound,
Invalid (other 4xx), Throttled (503) or Error (5xx).
The change consumer records StreamRecordsReceived per batch and ChangeEventsPublished per event.
Tracing is Lambda's active tracing (template parameter `Tracing`), with no SDK here.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

NAMESPACE = "InstanceAPI"

logger = Logger()
# The namespace is part of the contract (dashboards and alarms key on it), so it is fixed here.
metrics = Metrics(namespace=NAMESPACE)
