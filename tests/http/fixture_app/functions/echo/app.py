"""Echoes the event, the context and what the execution environment looks like."""

import importlib.util
import json
import os
import sys
import time
from typing import Any

import shared_lib

VERSION = 1
VARIABLES = ("GLOBAL_VAR", "SHARED", "ONLY_ECHO", "ONLY_OTHER", "TABLE", "TABLE_ARN", "AWS_LAMBDA_FUNCTION_NAME")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    body = {
        "event": event,
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "remaining_ms": context.get_remaining_time_in_millis(),
        },
        "env": {name: os.environ.get(name) for name in VARIABLES},
        "dynamodb_endpoint": os.environ.get("DYNAMODB_ENDPOINT_URL"),
        "module": __file__,
        "path": sys.path[:2],
        "devtools_importable": importlib.util.find_spec("devtools") is not None,
        "layer": shared_lib.LAYER_VERSION,
        "version": VERSION,
        "pid": os.getpid(),
        "now": time.time(),
    }
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
