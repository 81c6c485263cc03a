"""Request and response models of the admin API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from app.models import BookingStatus

Name = Annotated[str, Field(min_length=1, max_length=200)]
Phone = Annotated[
    str,
    Field(
        pattern=r"^\+?[1-9][0-9]{6,14}$",
        description="International number, such as +15550001234",
    ),
]


class BookingCreate(BaseModel):
    customer_name: Name
    customer_email: EmailStr
    customer_phone: Phone
    start_date: dt.date
    end_date: dt.date

    @model_validator(mode="after")
    def _end_not_before_start(self) -> BookingCreate:
        if self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class BookingItemCreate(BaseModel):
    description: Annotated[str, Field(min_length=1, max_length=500)]
    quantity: Annotated[int, Field(ge=1, le=10_000)]
    unit_price: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class BookingItemOut(BookingItemCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    booking_id: int


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_name: str
    customer_email: str
    customer_phone: str
    start_date: dt.date
    end_date: dt.date
    status: BookingStatus
    vendor_id: int | None
    items: list[BookingItemOut]


class VendorCreate(BaseModel):
    name: Name
    email: EmailStr
    phone: Phone


class VendorOut(VendorCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str


class BrokerCreate(BaseModel):
    name: Name
    email: EmailStr


class BrokerOut(BrokerCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str


class VendorAssignment(BaseModel):
    vendor_id: int


class InvitationQueued(BaseModel):
    """The response to an invitation request: the e-mail is queued, not yet sent."""

    site: str
    id: int


class NotificationStats(BaseModel):
    submitted: int
    queued: int
    running: int
    succeeded: int
    failed: int
    timed_out: int
