"""The service's eight dispatch sites: job, test notice and expected recipients.

Each site's notice is built from test data whose recipients carry a scenario
tag, so that the servers' per-recipient counts show which scenario sent what.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.config import Settings
from app.notifications import jobs, notices
from app.services.notification_service import NotificationService

JobFunction = Callable[[Any, Settings], Awaitable[None]]
Send = Callable[[], Awaitable[None]]
SendsOpener = Callable[[Any, Settings], contextlib.AbstractAsyncContextManager[Any]]

START = dt.date(2030, 6, 1)
END = dt.date(2030, 6, 8)


@dataclass(frozen=True)
class Site:
    """One dispatch site of the service."""

    id: str
    job: JobFunction
    """The app's ``<site id>_job`` coroutine function."""
    build_notice: Callable[[str], Any]
    """Builds the notice from a scenario tag of digits."""
    recipients: Callable[[Any], tuple[str, ...]]
    """Recipients one call sends to, as the servers count them."""
    sends: SendsOpener | None = None
    """For the approval site: opens a service and yields its individual sends."""


def context_ids(notice: Any) -> dict[str, object]:
    """Return the notice's ``*_id`` fields, as the endpoints pass in ``_context``."""
    return {
        field.name: getattr(notice, field.name)
        for field in dataclasses.fields(notice)
        if field.name.endswith("_id")
    }


def phone(tag: str, role: int) -> str:
    """Return a test phone number in international form for ``tag``."""
    return f"+1555{role}{int(tag):07d}"


def whatsapp_recipient(number: str) -> str:
    """Return ``number`` as the WhatsApp Cloud API receives it (no ``+``)."""
    return number.removeprefix("+")


def email(tag: str, role: str) -> str:
    return f"{role}-{tag}@example.test"


def _booking_created(tag: str) -> notices.BookingCreatedNotice:
    return notices.BookingCreatedNotice(
        int(tag), "Ada Customer", phone(tag, 1), START, END
    )


def _booking_item(tag: str) -> notices.BookingItemNotice:
    return notices.BookingItemNotice(
        int(tag), 1, "Ada Customer", email(tag, "customer"), "Tent", 2, "120.00"
    )


def _vendor_invite(tag: str) -> notices.VendorInviteNotice:
    return notices.VendorInviteNotice(int(tag), "Val Vendor", email(tag, "vendor"))


def _broker_invite(tag: str) -> notices.BrokerInviteNotice:
    return notices.BrokerInviteNotice(int(tag), "Bo Broker", email(tag, "broker"))


def _vendor_assignment(tag: str) -> notices.VendorAssignmentNotice:
    return notices.VendorAssignmentNotice(
        int(tag), 1, "Val Vendor", phone(tag, 2), "Ada Customer", START, END
    )


def _approval(tag: str) -> notices.BookingApprovalNotice:
    vendor = notices.VendorContact(1, "Val Vendor", email(tag, "vendor"), phone(tag, 2))
    return notices.BookingApprovalNotice(
        int(tag),
        "Ada Customer",
        email(tag, "customer"),
        phone(tag, 1),
        START,
        END,
        vendor,
    )


def _approval_recipients(notice: notices.BookingApprovalNotice) -> tuple[str, ...]:
    if notice.vendor is None:
        raise ValueError(f"approval notice {notice.booking_id} has no vendor")
    return (
        notice.customer_email,
        whatsapp_recipient(notice.customer_phone),
        notice.vendor.email,
        whatsapp_recipient(notice.vendor.phone),
    )


@contextlib.asynccontextmanager
async def open_approval_sends(
    notice: notices.BookingApprovalNotice, settings: Settings
) -> AsyncIterator[list[tuple[str, Send]]]:
    """Open a notification service and yield the approval site's sends."""
    async with NotificationService(settings) as service:
        yield jobs.approval_sends(notice, service)


SITES: Mapping[str, Site] = {
    site.id: site
    for site in (
        Site(
            "booking_whatsapp",
            jobs.booking_whatsapp_job,
            _booking_created,
            lambda n: (whatsapp_recipient(n.customer_phone),),
        ),
        Site(
            "booking_item_email",
            jobs.booking_item_email_job,
            _booking_item,
            lambda n: (n.customer_email,),
        ),
        Site(
            "vendor_invite_on_create",
            jobs.vendor_invite_on_create_job,
            _vendor_invite,
            lambda n: (n.email,),
        ),
        Site(
            "vendor_invite",
            jobs.vendor_invite_job,
            _vendor_invite,
            lambda n: (n.email,),
        ),
        Site(
            "broker_invite_on_create",
            jobs.broker_invite_on_create_job,
            _broker_invite,
            lambda n: (n.email,),
        ),
        Site(
            "broker_invite",
            jobs.broker_invite_job,
            _broker_invite,
            lambda n: (n.email,),
        ),
        Site(
            "vendor_assignment_whatsapp",
            jobs.vendor_assignment_whatsapp_job,
            _vendor_assignment,
            lambda n: (whatsapp_recipient(n.vendor_phone),),
        ),
        Site(
            "booking_approval_notifications",
            jobs.booking_approval_notifications_job,
            _approval,
            _approval_recipients,
            open_approval_sends,
        ),
    )
}
"""Every site, keyed by id, in the order of ``names.SITE_IDS``."""
