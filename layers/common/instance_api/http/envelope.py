"""The `{code, message, data}` envelope every response body is wrapped in (docs/contract.md, "The envelope")."""

from __future__ import annotations

from typing import Any, Literal

from instance_api.errors import ApiError

# "request" is for answers about the request itself, not an operation (an unrouted method or
# path): the contract's gateway-level "request failed".
Operation = Literal["create", "update", "get", "list", "delete", "request"]


def success_body(operation: Operation, data: Any) -> dict[str, Any]:
    return {"code": 200, "message": f"{operation} succeed", "data": data}


def error_body(operation: Operation, error: ApiError, request_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {"error": error.message, "reason": error.reason, "requestId": request_id}
    if error.details is not None:
        data["details"] = error.details
    return {"code": error.status, "message": f"{operation} failed", "data": data}
