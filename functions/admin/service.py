"""What the admin API reports, independent of HTTP."""

from __future__ import annotations

from models import Collections, Stats
from repository import get_repository


def stats() -> Stats:
    """Each collection's size, from its counter: one read per collection, whatever its size."""
    return Stats(collections=Collections(**get_repository().counts()))
