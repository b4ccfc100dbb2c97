"""Request and response bodies of /api/v1/users and their orders. Unknown request fields are refused."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, EmailStr, Field, Strict, StringConstraints, field_validator

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ItemId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# Strict: a JSON integer only. Lax mode would take `true` as 1, "3" as 3 and 3.0 as 3; a client sending
# those has a bug that a silent coercion hides. The OpenAPI schema stays `integer`.
Quantity = Annotated[int, Strict(), Field(ge=1, le=1_000_000)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("this field is required: it can be changed but not removed")
    return value


class UserIn(BaseModel):
    """POST and PUT."""

    model_config = ConfigDict(extra="forbid")
    name: Name
    email: EmailStr


class UserPatch(BaseModel):
    """PATCH, JSON merge patch: absent fields are unchanged; none of them may be removed (null)."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    email: EmailStr | None = None

    _required = field_validator("name", "email", mode="before")(_not_null)


class User(BaseModel):
    id: str
    name: str
    email: str
    created_at: str
    updated_at: str
    version: int


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class OrderIn(BaseModel):
    """POST and PUT. `item_id` must name an existing item."""

    model_config = ConfigDict(extra="forbid")
    item_id: ItemId
    quantity: Quantity
    status: OrderStatus = OrderStatus.PENDING


class OrderPatch(BaseModel):
    """PATCH, JSON merge patch: absent fields are unchanged; none of them may be removed (null)."""

    model_config = ConfigDict(extra="forbid")
    item_id: ItemId | None = None
    quantity: Quantity | None = None
    status: OrderStatus | None = None

    _required = field_validator("item_id", "quantity", "status", mode="before")(_not_null)


class Order(BaseModel):
    id: str
    user_id: str
    item_id: str
    quantity: int
    status: OrderStatus
    created_at: str
    updated_at: str
    version: int
