"""Lambda's Python runtime, as the local tools need it: in a process of a function's own.

    python -I devtools/lambda_runtime.py serve HANDLER CODE_DIR [LAYER_DIR...]
    python -I -S -B devtools/lambda_runtime.py probe CONFIG_JSON

Both put the function's code, then its layers (then, for `probe`, the runtime's packages)
on `sys.path`, import the handler and call it with a `LambdaContext`, the way Lambda runs a
function in an execution environment of its own: so the functions' `app.py` never shadow
each other and none sees another's settings. `-I` keeps this file's folder (the emulator)
off `sys.path`. Standard library only, imported lazily: `probe` times a cold start, and
what this file loads before the handler counts against it.

`serve` is a local API worker (devtools/local_api/runtime.py starts it). Protocol with the
parent, in frames of a 4-byte big-endian length and a JSON document:
  worker -> parent  {"ready": true} | {"initError": "<traceback>"}
  parent -> worker  {"event": {...}, "requestId": "...", "timeoutMs": 15000}
  worker -> parent  {"result": <handler's return value>} | {"error": {...}}
The worker's own stdout is moved to stderr first, so the handler's prints and logs reach
the developer's console and can never corrupt a frame.

`probe` answers the events in CONFIG_JSON once and prints a report (see
devtools/fresh_interpreter.py, which runs it): {"ms": from this file's first statement
to the last answer, "answers", "rss_kb": peak RSS (VmHWM), "loaded": which of the named
modules were imported, "files": the named modules' __file__}.
"""

from __future__ import annotations

import time

started = time.perf_counter()
import importlib  # noqa: E402 - the clock starts before anything else loads
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from typing import IO, Any  # noqa: E402

_FRAME_HEADER_SIZE = 4


class LambdaContext:
    """The context object Lambda's Python runtime passes to a handler: the one stand-in."""

    def __init__(
        self, function_name: str | None = None, request_id: str = "local-request-id", timeout_ms: int = 15_000
    ) -> None:
        self.function_name = function_name or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"))
        region = os.environ.get("AWS_REGION", "us-east-1")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:000000000000:function:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(handler_name: str, paths: list[str]) -> Any:
    sys.path[:0] = paths
    module_name, _, function_name = handler_name.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_FRAME_HEADER_SIZE)
    if len(header) < _FRAME_HEADER_SIZE:
        return None
    return json.loads(stream.read(int.from_bytes(header, "big")))


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    stream.write(len(payload).to_bytes(_FRAME_HEADER_SIZE, "big") + payload)
    stream.flush()


def _invoke(handler: Any, invoke: dict[str, Any]) -> tuple[bytes, bool]:
    """One invoke's reply frame, and whether the execution environment is lost."""
    import traceback

    context = LambdaContext(None, invoke["requestId"], invoke["timeoutMs"])
    try:
        return json.dumps({"result": handler(invoke["event"], context)}).encode(), False
    except BaseException as error:  # noqa: BLE001 - any failure is the invoke's error
        # sys.exit() in a handler ends the execution environment, as it does on Lambda.
        fatal = isinstance(error, SystemExit | KeyboardInterrupt)
        failure = {
            "errorType": type(error).__name__,
            "errorMessage": str(error),
            "stackTrace": traceback.format_exc(),
            "fatal": fatal,
        }
        return json.dumps({"error": failure}).encode(), fatal


def serve(handler_name: str, code_dir: str, *layer_dirs: str) -> int:
    import signal
    import traceback

    # Ctrl-C reaches the whole process group; stopping workers is the parent's job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        handler = load_handler(handler_name, [code_dir, *layer_dirs])
    except BaseException:  # noqa: BLE001 - Lambda reports any init failure, then stops
        write_frame(replies, json.dumps({"initError": traceback.format_exc()}).encode())
        return 1
    write_frame(replies, b'{"ready":true}')
    while (invoke := read_frame(requests)) is not None:
        reply, lost = _invoke(handler, invoke)
        write_frame(replies, reply)
        if lost:
            return 1
    return 0


def probe(config: dict[str, Any]) -> dict[str, Any]:
    handler = load_handler(config["handler"], config["paths"])
    answers = [handler(event, LambdaContext()) for event in config["events"]]
    elapsed_ms = (time.perf_counter() - started) * 1000
    with open("/proc/self/status") as status:
        rss_kb = int(status.read().split("VmHWM:")[1].split()[0])
    return {
        "ms": elapsed_ms,
        "answers": answers,
        "rss_kb": rss_kb,
        "loaded": sorted(name for name in config["loaded"] if name in sys.modules),
        "files": {name: getattr(sys.modules.get(name), "__file__", None) for name in config["files"]},
    }


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    if mode == "serve":
        sys.exit(serve(*arguments))
    print(json.dumps(probe(json.loads(arguments[0]))))
