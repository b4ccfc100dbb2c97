"""One warm Lambda execution environment: runs in its own process, started by `runtime.WorkerRuntime`.

Started as `python3.13 -I -S worker.py <handler> <source folder>... -- <package folder>...`: isolated
mode and no site-packages, so the function sees only what Lambda would put on sys.path (its code, its
layers, the runtime's boto3), never SAM CLI's or the dev venv's packages. Standard library only.
Modules in the source folders (the function's code, the layer's source) are compiled from their source
at each start, never from a cached .pyc: Python trusts a .pyc whose source has the same mtime and size,
which an edit within one timestamp tick keeps, so a reloaded worker could run the code before the edit.

Protocol, one JSON line each way per invocation, over a private copy of the original stdout; the
handler's own prints and logs go to stderr, which the parent shows as the function's log:
  parent -> worker: {"event": {...}, "request_id": "...", "deadline_ms": 1700000000000}
  worker -> parent: {"response": <what the handler returned>} or {"error": {"errorType", "errorMessage"}}
The first line the worker writes is {"ready": true} once the handler imported, or an error if it failed.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import os
import sys
import time
import traceback


class LambdaContext:
    def __init__(self, function_name: str, memory_mb: int, request_id: str, deadline_ms: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}"
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main() -> None:
    handler_spec, *paths = sys.argv[1:]
    sources = paths[: paths.index("--")]
    sys.path[:0] = [path for path in paths if path != "--"]
    _compile_from_source(sources)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # print() in the handler lands in the function's log, not in the protocol
    sys.stdout = sys.stderr
    module_name, _, attribute = handler_spec.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), attribute)
    except BaseException as error:  # an import-time failure is reported, then the worker ends
        traceback.print_exc()
        protocol.write(json.dumps({"error": _error(error)}) + "\n")
        return
    protocol.write(json.dumps({"ready": True}) + "\n")
    name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function")
    memory = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    for line in sys.stdin:
        invocation = json.loads(line)
        context = LambdaContext(name, memory, invocation["request_id"], invocation["deadline_ms"])
        try:
            reply = {"response": handler(invocation["event"], context)}
            text = json.dumps(reply)
        except BaseException as error:  # what Lambda reports as an unhandled error
            traceback.print_exc()
            text = json.dumps({"error": _error(error)})
        protocol.write(text + "\n")


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    def path_stats(self, path: str) -> dict[str, float]:
        # Without the source's stats, importlib neither reads nor writes a .pyc for the module.
        raise OSError("compiled from source: no timestamp decides which code runs")


def _compile_from_source(folders: list[str]) -> None:
    roots = [os.path.abspath(folder) for folder in folders]
    finder = importlib.machinery.FileFinder.path_hook(
        (_SourceOnlyLoader, importlib.machinery.SOURCE_SUFFIXES)
    )

    def hook(entry: str) -> importlib.machinery.FileFinder:
        entry = os.path.abspath(entry)
        if not any(entry == root or entry.startswith(root + os.sep) for root in roots):
            raise ImportError(entry)  # not ours: the next hook (the usual FileFinder) takes it
        return finder(entry)

    sys.path_hooks.insert(0, hook)
    sys.path_importer_cache.clear()


def _error(error: BaseException) -> dict[str, str]:
    return {"errorType": type(error).__name__, "errorMessage": str(error)}


if __name__ == "__main__":
    main()
