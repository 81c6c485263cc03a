"""The data each notification needs, copied from database rows inside the request.

A notice is a frozen dataclass of plain values, so a background job never
touches the request's database session or its ORM objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.models import Booking, BookingItem, Broker, Vendor


@dataclass(frozen=True)
class BookingCreatedNotice:
    """Site ``booking_whatsapp``: a WhatsApp message to the customer."""

    booking_id: int
    customer_name: str
    customer_phone: str
    start_date: dt.date
    end_date: dt.date

    @classmethod
    def from_booking(cls, booking: Booking) -> BookingCreatedNotice:
        return cls(
            booking_id=booking.id,
            customer_name=booking.customer_name,
            customer_phone=booking.customer_phone,
            start_date=booking.start_date,
            end_date=booking.end_date,
        )


@dataclass(frozen=True)
class BookingItemNotice:
    """Site ``booking_item_email``: an e-mail to the customer about a new item."""

    booking_id: int
    item_id: int
    customer_name: str
    customer_email: str
    description: str
    quantity: int
    unit_price: str
    """The price as a decimal string, such as ``"120.00"``."""

    @classmethod
    def from_item(cls, booking: Booking, item: BookingItem) -> BookingItemNotice:
        return cls(
            booking_id=booking.id,
            item_id=item.id,
            customer_name=booking.customer_name,
            customer_email=booking.customer_email,
            description=item.description,
            quantity=item.quantity,
            unit_price=f"{item.unit_price:.2f}",
        )


@dataclass(frozen=True)
class VendorInviteNotice:
    """Sites ``vendor_invite_on_create`` and ``vendor_invite``: an invitation e-mail."""

    vendor_id: int
    name: str
    email: str

    @classmethod
    def from_vendor(cls, vendor: Vendor) -> VendorInviteNotice:
        return cls(vendor_id=vendor.id, name=vendor.name, email=vendor.email)


@dataclass(frozen=True)
class BrokerInviteNotice:
    """Sites ``broker_invite_on_create`` and ``broker_invite``: an invitation e-mail."""

    broker_id: int
    name: str
    email: str

    @classmethod
    def from_broker(cls, broker: Broker) -> BrokerInviteNotice:
        return cls(broker_id=broker.id, name=broker.name, email=broker.email)


@dataclass(frozen=True)
class VendorAssignmentNotice:
    """Site ``vendor_assignment_whatsapp``: a WhatsApp message to the vendor."""

    booking_id: int
    vendor_id: int
    vendor_name: str
    vendor_phone: str
    customer_name: str
    start_date: dt.date
    end_date: dt.date

    @classmethod
    def from_assignment(
        cls, booking: Booking, vendor: Vendor
    ) -> VendorAssignmentNotice:
        return cls(
            booking_id=booking.id,
            vendor_id=vendor.id,
            vendor_name=vendor.name,
            vendor_phone=vendor.phone,
            customer_name=booking.customer_name,
            start_date=booking.start_date,
            end_date=booking.end_date,
        )


@dataclass(frozen=True)
class VendorContact:
    """The assigned vendor's contact details in an approval notice."""

    vendor_id: int
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class BookingApprovalNotice:
    """Site ``booking_approval_notifications``: e-mail and WhatsApp on approval.

    The customer always gets both; the vendor gets both only when one is assigned.
    """

    booking_id: int
    customer_name: str
    customer_email: str
    customer_phone: str
    start_date: dt.date
    end_date: dt.date
    vendor: VendorContact | None

    @classmethod
    def from_booking(cls, booking: Booking) -> BookingApprovalNotice:
        vendor = None
        if booking.vendor is not None:
            vendor = VendorContact(
                vendor_id=booking.vendor.id,
                name=booking.vendor.name,
                email=booking.vendor.email,
                phone=booking.vendor.phone,
            )
        return cls(
            booking_id=booking.id,
            customer_name=booking.customer_name,
            customer_email=booking.customer_email,
            customer_phone=booking.customer_phone,
            start_date=booking.start_date,
            end_date=booking.end_date,
            vendor=vendor,
        )
