"""Request and response bodies of /api/v1/items. Unknown fields in a request body are refused (422)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]


class ItemIn(BaseModel):
    """POST and PUT: the whole writable representation (PUT removes a description it does not name)."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    description: Description | None = None


class ItemPatch(BaseModel):
    """PATCH as a JSON merge patch (RFC 7396): an absent field is unchanged, null removes it."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    description: Description | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name_cannot_be_removed(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("name is required: it can be changed but not removed")
        return value


class Item(BaseModel):
    id: str
    name: str
    description: str | None = None
    created_at: str
    updated_at: str
    version: int
