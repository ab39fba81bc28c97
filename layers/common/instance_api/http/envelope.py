"""The `{code, message, data}` envelope every response body is wrapped in (docs/contract.md, "The envelope")."""

from __future__ import annotations

from typing import Any, Literal

from instance_api.http.answers import Answer

# "request" is for answers about the request itself, not an operation (an unrouted method or
# path): the contract's gateway-level "request failed".
# A host's view ("view") is a list, and its messages say so.
OperationName = Literal["create", "update", "get", "list", "delete", "view", "report", "request"]
_SAID = {"view": "list"}


def success_body(operation: OperationName, data: Any) -> dict[str, Any]:
    return {"code": 200, "message": f"{_SAID.get(operation, operation)} succeed", "data": data}


def error_body(operation: OperationName, answer: Answer, request_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {"error": answer.message, "reason": answer.reason, "requestId": request_id}
    if answer.details is not None:
        data["details"] = answer.details
    return {"code": answer.status, "message": f"{_SAID.get(operation, operation)} failed", "data": data}
