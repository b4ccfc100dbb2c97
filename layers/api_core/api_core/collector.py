"""The cyclic garbage collector around a cold start's big import (FastAPI, pydantic, botocore, the routes).

That import allocates hundreds of thousands of objects that live as long as the execution environment. The
collector would scan them again and again while they are built (about a tenth of a cold start under a
small CPU quota: docs/PERFORMANCE.md), and once more at every later full collection. `collector_paused`
pauses it while they are built and then freezes them (`gc.freeze`): they are never scanned again. Objects
made by later requests are collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block, then freeze what exists and resume it. Does nothing when
    the collector is already off: whoever turned it off manages it."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
