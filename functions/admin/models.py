"""Response bodies of /api/v1/admin."""

from __future__ import annotations

from pydantic import BaseModel


class Collections(BaseModel):
    """How many records each collection holds."""

    items: int
    users: int


class Stats(BaseModel):
    """GET /api/v1/admin/stats."""

    collections: Collections
