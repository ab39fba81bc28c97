"""instancectl: the Instance API's client library and command line, for pipelines.

`InstanceClient` signs with SigV4 from botocore's credential chain, retries only what is
safe to retry, and follows nextToken; `apply` converges the API on a document; `wait_ready`
follows instances' status until they run on their hosts; `InstanceClient.host_view` and
`report` are what a host agent (`instancectl.agent`) reads and writes.
"""

from instancectl.apply import Action, ApplyResult, Change, apply, differences
from instancectl.client import HOST_STATES, HostView, Instance, InstanceClient, Page
from instancectl.documents import Document, read_documents
from instancectl.errors import (
    ApiError,
    ApplyError,
    ConfigurationError,
    ConnectionFailed,
    DocumentError,
    InstanceCtlError,
    InvalidArgument,
    Superseded,
    UnexpectedAnswer,
)
from instancectl.retry import Replay, RetryPolicy
from instancectl.version import __version__
from instancectl.wait import Outcome, Target, Waited, wait_ready

__all__ = [
    "HOST_STATES",
    "Action",
    "ApiError",
    "ApplyError",
    "ApplyResult",
    "Change",
    "ConfigurationError",
    "ConnectionFailed",
    "Document",
    "DocumentError",
    "HostView",
    "Instance",
    "InstanceClient",
    "InstanceCtlError",
    "InvalidArgument",
    "Outcome",
    "Page",
    "Replay",
    "RetryPolicy",
    "Superseded",
    "Target",
    "UnexpectedAnswer",
    "Waited",
    "__version__",
    "apply",
    "differences",
    "read_documents",
    "wait_ready",
]
