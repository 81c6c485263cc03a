"""Admin routes for bookings, vendors and brokers, and their eight notification sites.

Every site commits the request's own work first, then builds a notice from the
rows and dispatches its job with
``run_async_in_thread(<site_id>_job, notice, settings, _context={...ids})``.

Approving a booking with no vendor assigned is allowed; then only the customer
is notified. Conflicts get 409: approving a booking that is not pending,
cancelling one that is already cancelled, and adding items to or assigning a
vendor to a cancelled booking.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import require_admin
from app.config import Settings
from app.db import get_session
from app.models import Booking, BookingItem, BookingStatus, Broker, Vendor
from app.notifications.jobs import (
    booking_approval_notifications_job,
    booking_item_email_job,
    booking_whatsapp_job,
    broker_invite_job,
    broker_invite_on_create_job,
    vendor_assignment_whatsapp_job,
    vendor_invite_job,
    vendor_invite_on_create_job,
)
from app.notifications.notices import (
    BookingApprovalNotice,
    BookingCreatedNotice,
    BookingItemNotice,
    BrokerInviteNotice,
    VendorAssignmentNotice,
    VendorInviteNotice,
)
from app.schemas import (
    BookingCreate,
    BookingItemCreate,
    BookingItemOut,
    BookingOut,
    BrokerCreate,
    BrokerOut,
    InvitationQueued,
    NotificationStats,
    VendorAssignment,
    VendorCreate,
    VendorOut,
)
from app.utils import async_thread_helper
from app.utils.async_thread_helper import run_async_in_thread

router = APIRouter(prefix="/admin", dependencies=[Depends(require_admin)])

SessionDep = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


Row = TypeVar("Row", Booking, Vendor, Broker)


def _get_or_404(session: Session, model: type[Row], row_id: int) -> Row:
    row = session.get(model, row_id)
    if row is None:
        name = model.__name__.lower()
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{name} {row_id} not found")
    return row


def _conflict(booking: Booking, action: str) -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT,
        f"cannot {action} booking {booking.id}: it is {booking.status.value}",
    )


@router.post("/bookings", status_code=status.HTTP_201_CREATED)
def create_booking(
    body: BookingCreate, session: SessionDep, settings: SettingsDep
) -> BookingOut:
    booking = Booking(**body.model_dump(), status=BookingStatus.PENDING)
    session.add(booking)
    session.commit()
    notice = BookingCreatedNotice.from_booking(booking)
    run_async_in_thread(
        booking_whatsapp_job, notice, settings, _context={"booking_id": booking.id}
    )
    return BookingOut.model_validate(booking)


@router.get("/bookings")
def list_bookings(session: SessionDep) -> list[BookingOut]:
    bookings = session.scalars(select(Booking).order_by(Booking.id)).all()
    return [BookingOut.model_validate(booking) for booking in bookings]


@router.get("/bookings/{booking_id}")
def get_booking(booking_id: int, session: SessionDep) -> BookingOut:
    return BookingOut.model_validate(_get_or_404(session, Booking, booking_id))


@router.post("/bookings/{booking_id}/items", status_code=status.HTTP_201_CREATED)
def add_booking_item(
    booking_id: int, body: BookingItemCreate, session: SessionDep, settings: SettingsDep
) -> BookingItemOut:
    booking = _get_or_404(session, Booking, booking_id)
    if booking.status is BookingStatus.CANCELLED:
        raise _conflict(booking, "add items to")
    item = BookingItem(**body.model_dump(), booking_id=booking.id)
    session.add(item)
    session.commit()
    notice = BookingItemNotice.from_item(booking, item)
    run_async_in_thread(
        booking_item_email_job,
        notice,
        settings,
        _context={"booking_id": booking.id, "item_id": item.id},
    )
    return BookingItemOut.model_validate(item)


@router.post("/vendors", status_code=status.HTTP_201_CREATED)
def create_vendor(
    body: VendorCreate, session: SessionDep, settings: SettingsDep
) -> VendorOut:
    vendor = Vendor(**body.model_dump())
    session.add(vendor)
    session.commit()
    notice = VendorInviteNotice.from_vendor(vendor)
    run_async_in_thread(
        vendor_invite_on_create_job,
        notice,
        settings,
        _context={"vendor_id": vendor.id},
    )
    return VendorOut.model_validate(vendor)


@router.post("/vendors/{vendor_id}/invite", status_code=status.HTTP_202_ACCEPTED)
def invite_vendor(
    vendor_id: int, session: SessionDep, settings: SettingsDep
) -> InvitationQueued:
    vendor = _get_or_404(session, Vendor, vendor_id)
    notice = VendorInviteNotice.from_vendor(vendor)
    run_async_in_thread(
        vendor_invite_job, notice, settings, _context={"vendor_id": vendor.id}
    )
    return InvitationQueued(site="vendor_invite", id=vendor.id)


@router.post("/brokers", status_code=status.HTTP_201_CREATED)
def create_broker(
    body: BrokerCreate, session: SessionDep, settings: SettingsDep
) -> BrokerOut:
    broker = Broker(**body.model_dump())
    session.add(broker)
    session.commit()
    notice = BrokerInviteNotice.from_broker(broker)
    run_async_in_thread(
        broker_invite_on_create_job,
        notice,
        settings,
        _context={"broker_id": broker.id},
    )
    return BrokerOut.model_validate(broker)


@router.post("/brokers/{broker_id}/invite", status_code=status.HTTP_202_ACCEPTED)
def invite_broker(
    broker_id: int, session: SessionDep, settings: SettingsDep
) -> InvitationQueued:
    broker = _get_or_404(session, Broker, broker_id)
    notice = BrokerInviteNotice.from_broker(broker)
    run_async_in_thread(
        broker_invite_job, notice, settings, _context={"broker_id": broker.id}
    )
    return InvitationQueued(site="broker_invite", id=broker.id)


@router.post("/bookings/{booking_id}/vendor")
def assign_vendor(
    booking_id: int, body: VendorAssignment, session: SessionDep, settings: SettingsDep
) -> BookingOut:
    booking = _get_or_404(session, Booking, booking_id)
    vendor = _get_or_404(session, Vendor, body.vendor_id)
    if booking.status is BookingStatus.CANCELLED:
        raise _conflict(booking, "assign a vendor to")
    booking.vendor = vendor
    session.commit()
    notice = VendorAssignmentNotice.from_assignment(booking, vendor)
    run_async_in_thread(
        vendor_assignment_whatsapp_job,
        notice,
        settings,
        _context={"booking_id": booking.id, "vendor_id": vendor.id},
    )
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/approve")
def approve_booking(
    booking_id: int, session: SessionDep, settings: SettingsDep
) -> BookingOut:
    booking = _get_or_404(session, Booking, booking_id)
    if booking.status is not BookingStatus.PENDING:
        raise _conflict(booking, "approve")
    booking.status = BookingStatus.APPROVED
    session.commit()
    notice = BookingApprovalNotice.from_booking(booking)
    run_async_in_thread(
        booking_approval_notifications_job,
        notice,
        settings,
        _context={"booking_id": booking.id, "vendor_id": booking.vendor_id},
    )
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(booking_id: int, session: SessionDep) -> BookingOut:
    booking = _get_or_404(session, Booking, booking_id)
    if booking.status is BookingStatus.CANCELLED:
        raise _conflict(booking, "cancel")
    booking.status = BookingStatus.CANCELLED
    session.commit()
    return BookingOut.model_validate(booking)


@router.get("/notifications/stats")
def notification_stats() -> NotificationStats:
    return NotificationStats(**asdict(async_thread_helper.stats()))
