"""Server-assigned ids and timestamps for stored resources."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import UTC, datetime

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
_lock = threading.Lock()
_last = 0  # (unix ms << 12) | counter of the last id made by this process
# Random bits from the OS's CSPRNG, read 64 ids at a time: one system call per 64 ids instead of one each.
_RANDOM_BATCH = 64
_random: list[int] = []


def new_id() -> str:
    """A new UUIDv7 (RFC 9562), lowercase: ids sort by creation time as plain strings.

    Sorting by creation is what keeps page-number pagination stable: a record created while a client is
    paging lands after every existing one instead of shifting them. Within one process ids are strictly
    increasing (the 12-bit `rand_a` field is a counter within the millisecond, RFC 9562 section 6.2,
    method 3); across Lambda instances, ids made in the same millisecond have no defined order.
    """
    global _last  # noqa: PLW0603 - one counter per process is the point
    with _lock:
        candidate = (time.time_ns() // 1_000_000) << 12
        # Same millisecond, or the clock stepped back: keep counting up so ids never go backwards.
        _last = max(candidate, _last + 1)
        stamp = _last
        if not _random:
            batch = os.urandom(8 * _RANDOM_BATCH)
            _random.extend(int.from_bytes(batch[i : i + 8]) for i in range(0, len(batch), 8))
        random_bits = _random.pop() & ((1 << 62) - 1)
    unix_ms, counter = stamp >> 12, stamp & 0xFFF
    value = (unix_ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | random_bits
    digits = f"{value:032x}"  # what str(uuid.UUID(int=value)) spells, without building the UUID
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def is_id(text: str) -> bool:
    """True if `text` has the shape of an id made by `new_id` (checked before using it in a key)."""
    return _ID.match(text) is not None


def is_uuid(text: str) -> bool:
    """True if `text` is a lowercase RFC 9562 UUID of any version, such as a Cognito user's `sub` (v4).

    For ids that come from elsewhere: a users collection keyed by the caller's `sub` accepts these, and
    those ids do not sort by creation time as `new_id`'s do.
    """
    return _UUID.match(text) is not None


def utc_now() -> str:
    """The current time as ISO 8601 UTC with milliseconds, e.g. `2026-11-05T12:34:56.789Z`."""
    global _second  # noqa: PLW0603 - the last second spelled, reused while the clock stays in it
    seconds, ms = divmod(time.time_ns() // 1_000_000, 1000)
    known = _second
    if known[0] != seconds:
        spelled = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _second = known = (seconds, spelled)
    return f"{known[1]}.{ms:03d}Z"


_second: tuple[int, str] = (-1, "")
