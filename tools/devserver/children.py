"""Child processes of `make dev` (moto, function workers) that stop with it and only through it.

Each child gets its own session, so a terminal's Ctrl-C (sent to the whole foreground process group)
reaches only the dev server, which then stops its children in order: the DynamoDB snapshot is written
before moto goes away. On Linux a child is also told to exit if the dev server dies without cleaning up
(killed with SIGKILL, say), so no stray process keeps a port.
"""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv: list[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """subprocess.Popen in its own session, terminated if this process dies."""
    return subprocess.Popen(argv, start_new_session=True, preexec_fn=_die_with_parent, **kwargs)  # noqa: S603, PLW1509


def stop(process: subprocess.Popen[Any], grace: float = 5) -> None:
    """Terminate, then kill if it does not exit within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
