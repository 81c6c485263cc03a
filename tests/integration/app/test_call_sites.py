"""Each of the eight call sites delivers the right message to the right peer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from site_requests import BOOKING, BROKER, VENDOR, create, drain

from devservers.launch import PeerServer


def test_booking_whatsapp_sends_to_customer(
    client: TestClient, whatsapp_peer: PeerServer
) -> None:
    # WHEN a booking is created
    booking = create(client, "/admin/bookings", BOOKING)
    drain()

    # THEN the customer gets one WhatsApp text about it
    messages = whatsapp_peer.messages()
    assert len(messages) == 1
    assert messages[0]["to"] == "15550001111"
    assert messages[0]["type"] == "text"
    body = messages[0]["text"]["body"]
    assert "Ada Lovelace" in body
    assert f"#{booking['id']}" in body
    assert "2025-07-01 to 2025-07-04" in body


def test_booking_item_email_sends_to_customer(
    client: TestClient, smtp_peer: PeerServer
) -> None:
    # GIVEN a booking
    booking = create(client, "/admin/bookings", BOOKING)

    # WHEN an item whose description contains markup is added
    item = {"description": "Tent <b>XL</b>", "quantity": 2, "unit_price": "120.5"}
    created = create(client, f"/admin/bookings/{booking['id']}/items", item)
    drain()

    # THEN the customer gets one e-mail, escaped in HTML and raw in text
    assert created["booking_id"] == booking["id"]
    messages = smtp_peer.messages()
    assert len(messages) == 1
    assert messages[0]["to"] == "ada@example.com"
    assert messages[0]["subject"] == f"Booking #{booking['id']}: item added"
    assert "Tent <b>XL</b>" in messages[0]["text"]
    assert "120.50" in messages[0]["text"]
    assert "Tent &lt;b&gt;XL&lt;/b&gt;" in messages[0]["html"]
    assert "<b>XL" not in messages[0]["html"]


def test_vendor_invite_on_create_sends_to_vendor(
    client: TestClient, smtp_peer: PeerServer
) -> None:
    # WHEN a vendor is created
    vendor = create(client, "/admin/vendors", VENDOR)
    drain()

    # THEN the vendor gets one invitation e-mail
    messages = smtp_peer.messages()
    assert len(messages) == 1
    assert messages[0]["to"] == "tents@example.com"
    assert messages[0]["subject"] == "Invitation to join as a vendor"
    assert f"vendor #{vendor['id']}" in messages[0]["text"]
    assert "Tents &amp; Co" in messages[0]["html"]


def test_vendor_invite_sends_again(client: TestClient, smtp_peer: PeerServer) -> None:
    # GIVEN a vendor whose first invitation went out
    vendor = create(client, "/admin/vendors", VENDOR)
    drain()

    # WHEN the invitation is sent again
    response = client.post(f"/admin/vendors/{vendor['id']}/invite")
    drain()

    # THEN the request is accepted and the vendor has two invitations
    assert response.status_code == 202
    assert response.json() == {"site": "vendor_invite", "id": vendor["id"]}
    assert smtp_peer.counts() == {"tents@example.com": 2}


def test_broker_invite_on_create_sends_to_broker(
    client: TestClient, smtp_peer: PeerServer
) -> None:
    # WHEN a broker is created
    broker = create(client, "/admin/brokers", BROKER)
    drain()

    # THEN the broker gets one invitation e-mail
    messages = smtp_peer.messages()
    assert len(messages) == 1
    assert messages[0]["to"] == "brook@example.com"
    assert messages[0]["subject"] == "Invitation to join as a broker"
    assert f"broker #{broker['id']}" in messages[0]["text"]


def test_broker_invite_sends_again(client: TestClient, smtp_peer: PeerServer) -> None:
    # GIVEN a broker whose first invitation went out
    broker = create(client, "/admin/brokers", BROKER)
    drain()

    # WHEN the invitation is sent again
    response = client.post(f"/admin/brokers/{broker['id']}/invite")
    drain()

    # THEN the broker has two invitations
    assert response.status_code == 202
    assert smtp_peer.counts() == {"brook@example.com": 2}


def test_vendor_assignment_whatsapp_sends_to_vendor(
    client: TestClient, whatsapp_peer: PeerServer
) -> None:
    # GIVEN a booking and a vendor
    booking = create(client, "/admin/bookings", BOOKING)
    vendor = create(client, "/admin/vendors", VENDOR)
    drain()
    whatsapp_peer.clear()

    # WHEN the vendor is assigned to the booking
    response = client.post(
        f"/admin/bookings/{booking['id']}/vendor", json={"vendor_id": vendor["id"]}
    )
    drain()

    # THEN the vendor gets one WhatsApp text naming the booking and customer
    assert response.status_code == 200
    assert response.json()["vendor_id"] == vendor["id"]
    messages = whatsapp_peer.messages()
    assert len(messages) == 1
    assert messages[0]["to"] == "15550002222"
    assert f"booking #{booking['id']}" in messages[0]["text"]["body"]
    assert "Ada Lovelace" in messages[0]["text"]["body"]


def test_booking_approval_notifies_customer_and_vendor(
    client: TestClient, smtp_peer: PeerServer, whatsapp_peer: PeerServer
) -> None:
    # GIVEN a booking with a vendor assigned
    booking = create(client, "/admin/bookings", BOOKING)
    vendor = create(client, "/admin/vendors", VENDOR)
    client.post(
        f"/admin/bookings/{booking['id']}/vendor", json={"vendor_id": vendor["id"]}
    )
    drain()
    smtp_peer.clear()
    whatsapp_peer.clear()

    # WHEN the booking is approved
    response = client.post(f"/admin/bookings/{booking['id']}/approve")
    drain()

    # THEN customer and vendor each get one e-mail and one WhatsApp text
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert smtp_peer.counts() == {"ada@example.com": 1, "tents@example.com": 1}
    assert whatsapp_peer.counts() == {"15550001111": 1, "15550002222": 1}
    subjects = {m["subject"] for m in smtp_peer.messages()}
    assert subjects == {f"Booking #{booking['id']} approved"}
    bodies = {m["to"]: m["text"]["body"] for m in whatsapp_peer.messages()}
    assert "your booking" in bodies["15550001111"]
    assert "Hello Tents & Co" in bodies["15550002222"]


def test_booking_approval_without_vendor_notifies_customer(
    client: TestClient, smtp_peer: PeerServer, whatsapp_peer: PeerServer
) -> None:
    # GIVEN a booking with no vendor
    booking = create(client, "/admin/bookings", BOOKING)
    drain()
    whatsapp_peer.clear()

    # WHEN it is approved
    response = client.post(f"/admin/bookings/{booking['id']}/approve")
    drain()

    # THEN only the customer is notified
    assert response.status_code == 200
    assert smtp_peer.counts() == {"ada@example.com": 1}
    assert whatsapp_peer.counts() == {"15550001111": 1}
