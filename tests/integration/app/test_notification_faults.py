"""Peer faults: the request succeeds, the failure is logged once and counted."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

import pytest
from site_requests import BOOKING, VENDOR, admin_client, drain

from app.config import Settings
from app.utils import async_thread_helper
from devservers.launch import PeerServer

SEND_TIMEOUT = 0.5
STALL = 3.0


def site_records(caplog: pytest.LogCaptureFixture, site: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and site in record.getMessage()
    ]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("mode", "status", "outcome"),
    [("slow", None, "timed_out"), ("reject", None, "failed"), ("drop", None, "failed")],
)
def test_email_fault_logged_once(
    mode: str,
    status: int | None,
    outcome: str,
    make_settings: Callable[..., Settings],
    smtp_peer: PeerServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN an SMTP peer that misbehaves
    caplog.set_level(logging.INFO)
    smtp_peer.set_behavior(mode, delay=STALL, status=status)
    before = async_thread_helper.stats()

    # WHEN a vendor is created, which sends an invitation e-mail
    with admin_client(make_settings(notification_timeout=SEND_TIMEOUT)) as client:
        response = client.post("/admin/vendors", json=VENDOR)
        drain()
    after = async_thread_helper.stats()

    # THEN the request succeeded, and the failure is counted and logged once
    assert response.status_code == 201
    assert getattr(after, outcome) - getattr(before, outcome) == 1
    assert after.succeeded == before.succeeded
    assert len(site_records(caplog, "vendor_invite_on_create")) == 1
    assert smtp_peer.counts() == {}


def test_email_server_down_logged_once(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN settings pointing at a port where no SMTP server listens
    caplog.set_level(logging.INFO)
    settings = make_settings(smtp_port=closed_port())
    before = async_thread_helper.stats()

    # WHEN a vendor is created
    with admin_client(settings) as client:
        response = client.post("/admin/vendors", json=VENDOR)
        drain()

    # THEN the request succeeded and the connection failure is logged once
    assert response.status_code == 201
    assert async_thread_helper.stats().failed - before.failed == 1
    records = site_records(caplog, "vendor_invite_on_create")
    assert len(records) == 1
    assert "vendor_id=" in records[0]


@pytest.mark.parametrize(
    ("mode", "status", "outcome", "logged"),
    [
        ("slow", None, "timed_out", "timed out"),
        ("reject", 400, "failed", "HTTP 400"),
        ("reject", 500, "failed", "HTTP 500"),
        ("drop", None, "failed", "RemoteProtocolError"),
    ],
)
def test_whatsapp_fault_logged_once(
    mode: str,
    status: int | None,
    outcome: str,
    logged: str,
    make_settings: Callable[..., Settings],
    whatsapp_peer: PeerServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a WhatsApp peer that misbehaves
    caplog.set_level(logging.INFO)
    whatsapp_peer.set_behavior(mode, delay=STALL, status=status)
    before = async_thread_helper.stats()

    # WHEN a booking is created, which sends a WhatsApp message
    with admin_client(make_settings(notification_timeout=SEND_TIMEOUT)) as client:
        response = client.post("/admin/bookings", json=BOOKING)
        drain()
    after = async_thread_helper.stats()

    # THEN the request succeeded, and the failure is counted and logged once
    assert response.status_code == 201
    assert getattr(after, outcome) - getattr(before, outcome) == 1
    records = site_records(caplog, "booking_whatsapp")
    assert len(records) == 1
    assert logged in records[0]
    assert "booking_id=" in records[0]
    assert whatsapp_peer.counts() == {}


def test_approval_failure_hides_no_other_send(
    make_settings: Callable[..., Settings],
    smtp_peer: PeerServer,
    whatsapp_peer: PeerServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a booking and an SMTP peer that rejects every message
    caplog.set_level(logging.INFO)
    with admin_client(make_settings()) as client:
        booking = client.post("/admin/bookings", json=BOOKING).json()
        drain()
        whatsapp_peer.clear()
        smtp_peer.set_behavior("reject")
        before = async_thread_helper.stats()

        # WHEN the booking is approved
        response = client.post(f"/admin/bookings/{booking['id']}/approve")
        drain()

    # THEN the WhatsApp message still went out and each outcome was logged
    assert response.status_code == 200
    assert whatsapp_peer.counts() == {"15550001111": 1}
    assert async_thread_helper.stats().failed - before.failed == 1
    messages = [
        r.getMessage() for r in caplog.records if r.name == "app.notifications.jobs"
    ]
    assert any("customer_email failed" in m for m in messages)
    assert any("customer_whatsapp sent" in m for m in messages)
    assert all(f"booking_id={booking['id']}" in m for m in messages)


def test_shutdown_drains_job_in_flight(
    make_settings: Callable[..., Settings], whatsapp_peer: PeerServer
) -> None:
    # GIVEN a WhatsApp peer that answers after a second, within the timeout
    whatsapp_peer.set_behavior("slow", delay=1.0)
    settings = make_settings(notification_timeout=5.0)

    # WHEN a booking is created and the app stops at once
    with admin_client(settings) as client:
        client.post("/admin/bookings", json=BOOKING)
        in_flight = async_thread_helper.stats()
    after = async_thread_helper.stats()

    # THEN the job was in flight, and shutdown waited until it was delivered
    assert in_flight.running + in_flight.queued == 1
    assert after.running == 0
    assert after.queued == 0
    assert whatsapp_peer.counts() == {"15550001111": 1}
    assert not [t for t in threading.enumerate() if t.name.startswith("notify-")]


def test_shutdown_logs_jobs_not_drained(
    make_settings: Callable[..., Settings],
    whatsapp_peer: PeerServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a drain limit shorter than a stalled send
    caplog.set_level(logging.INFO)
    whatsapp_peer.set_behavior("slow", delay=STALL)
    settings = make_settings(notification_timeout=1.0, shutdown_drain_timeout=0.1)

    # WHEN a booking is created and the app stops at once
    with admin_client(settings) as client:
        client.post("/admin/bookings", json=BOOKING)

    # THEN shutdown logged that the job would not be delivered
    errors = [r.getMessage() for r in caplog.records if r.name == "app.main"]
    assert len(errors) == 1
    assert "1 notification jobs still running" in errors[0]
