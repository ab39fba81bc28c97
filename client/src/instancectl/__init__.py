"""instancectl: the Instance API's client library and command line, for pipelines.

`InstanceClient` signs with SigV4 from botocore's credential chain, retries only what is
safe to retry, and follows nextToken; `apply` converges the API on a document.
"""

from instancectl.apply import Action, ApplyResult, Change, apply, differences
from instancectl.client import Instance, InstanceClient, Page
from instancectl.documents import Document, read_documents
from instancectl.errors import (
    ApiError,
    ApplyError,
    ConfigurationError,
    ConnectionFailed,
    DocumentError,
    InstanceCtlError,
    InvalidArgument,
    UnexpectedAnswer,
)
from instancectl.retry import Replay, RetryPolicy
from instancectl.version import __version__

__all__ = [
    "Action",
    "ApiError",
    "ApplyError",
    "ApplyResult",
    "Change",
    "ConfigurationError",
    "ConnectionFailed",
    "Document",
    "DocumentError",
    "Instance",
    "InstanceClient",
    "InstanceCtlError",
    "InvalidArgument",
    "Page",
    "Replay",
    "RetryPolicy",
    "UnexpectedAnswer",
    "__version__",
    "apply",
    "differences",
    "read_documents",
]
