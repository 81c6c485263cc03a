"""One notification job per call site: ``async def <site_id>_job(notice, settings)``.

A job opens its own :class:`NotificationService`, sends its messages, each under
``asyncio.wait_for(..., settings.notification_timeout)``, and closes the service
before it returns, so it can run on its own under any event loop. A failed send
raises out of the job, and the runner that drives the job logs and counts it;
only the approval job, which has several sends, logs each send itself.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from app.config import Settings
from app.notifications.notices import (
    BookingApprovalNotice,
    BookingCreatedNotice,
    BookingItemNotice,
    BrokerInviteNotice,
    VendorAssignmentNotice,
    VendorInviteNotice,
)
from app.services.notification_service import NotificationError, NotificationService

logger = logging.getLogger(__name__)

APPROVAL_SITE = "booking_approval_notifications"

Send = Callable[[], Awaitable[None]]


class ApprovalSendsFailed(NotificationError):
    """One or more of the approval sends failed; each was logged on its own."""

    def __init__(self, booking_id: int, failed: list[str], total: int) -> None:
        super().__init__(
            f"{len(failed)} of {total} approval sends failed for booking "
            f"{booking_id}: {', '.join(failed)}"
        )
        self.failed = failed


async def booking_whatsapp_job(
    notice: BookingCreatedNotice, settings: Settings
) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.booking_created_whatsapp(notice), settings)


async def booking_item_email_job(notice: BookingItemNotice, settings: Settings) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.booking_item_email(notice), settings)


async def vendor_invite_on_create_job(
    notice: VendorInviteNotice, settings: Settings
) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.vendor_invitation_email(notice), settings)


async def vendor_invite_job(notice: VendorInviteNotice, settings: Settings) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.vendor_invitation_email(notice), settings)


async def broker_invite_on_create_job(
    notice: BrokerInviteNotice, settings: Settings
) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.broker_invitation_email(notice), settings)


async def broker_invite_job(notice: BrokerInviteNotice, settings: Settings) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.broker_invitation_email(notice), settings)


async def vendor_assignment_whatsapp_job(
    notice: VendorAssignmentNotice, settings: Settings
) -> None:
    async with NotificationService(settings) as service:
        await _within_timeout(service.vendor_assignment_whatsapp(notice), settings)


def approval_sends(
    notice: BookingApprovalNotice, service: NotificationService
) -> list[tuple[str, Send]]:
    """List the approval site's sends as ``(name, coroutine function)`` pairs.

    The customer always gets an e-mail and a WhatsApp message; the vendor gets
    both only when the booking has one assigned.
    """
    sends: list[tuple[str, Send]] = [
        ("customer_email", functools.partial(service.approval_customer_email, notice)),
        (
            "customer_whatsapp",
            functools.partial(service.approval_customer_whatsapp, notice),
        ),
    ]
    if notice.vendor is not None:
        sends.append(
            ("vendor_email", functools.partial(service.approval_vendor_email, notice))
        )
        sends.append(
            (
                "vendor_whatsapp",
                functools.partial(service.approval_vendor_whatsapp, notice),
            )
        )
    return sends


async def booking_approval_notifications_job(
    notice: BookingApprovalNotice, settings: Settings
) -> None:
    """Run the approval sends concurrently, each under its own timeout.

    One failing send neither stops nor hides the others: every outcome is logged
    with the site id and the booking id, and when any send failed the job raises
    :class:`ApprovalSendsFailed` after all of them have finished.
    """
    async with NotificationService(settings) as service:
        sends = approval_sends(notice, service)
        outcomes = await asyncio.gather(
            *(_within_timeout(send(), settings) for _, send in sends),
            return_exceptions=True,
        )

    failed = []
    for (name, _), outcome in zip(sends, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            failed.append(name)
            logger.warning(
                "%s booking_id=%s: %s failed: %s",
                APPROVAL_SITE,
                notice.booking_id,
                name,
                _describe(outcome, settings),
            )
        else:
            logger.info(
                "%s booking_id=%s: %s sent", APPROVAL_SITE, notice.booking_id, name
            )
    if failed:
        raise ApprovalSendsFailed(notice.booking_id, failed, len(sends))


async def _within_timeout(send: Awaitable[None], settings: Settings) -> None:
    await asyncio.wait_for(send, settings.notification_timeout)


def _describe(error: BaseException, settings: Settings) -> str:
    if isinstance(error, asyncio.TimeoutError) and not str(error):
        return f"timed out after {settings.notification_timeout} s"
    return f"{type(error).__name__}: {error}"
