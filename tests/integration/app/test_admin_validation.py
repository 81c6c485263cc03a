"""Invalid input gets 422, unknown ids 404, state conflicts 409."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from site_requests import BOOKING, VENDOR, create, drain

from app.utils import async_thread_helper


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_email", "not-an-email"),
        ("customer_phone", "12"),
        ("customer_name", ""),
        ("start_date", "yesterday"),
    ],
)
def test_booking_invalid_field_gets_422(
    client: TestClient, field: str, value: str
) -> None:
    # WHEN a booking is posted with one invalid field
    response = client.post("/admin/bookings", json={**BOOKING, field: value})

    # THEN the error names that field
    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert ["body", field] in locations


def test_booking_end_before_start_gets_422(client: TestClient) -> None:
    body = {**BOOKING, "start_date": "2025-07-04", "end_date": "2025-07-01"}
    response = client.post("/admin/bookings", json=body)
    assert response.status_code == 422
    assert "end_date" in response.text


def test_item_zero_quantity_gets_422(client: TestClient) -> None:
    booking = create(client, "/admin/bookings", BOOKING)
    item = {"description": "Chairs", "quantity": 0, "unit_price": "1.00"}
    response = client.post(f"/admin/bookings/{booking['id']}/items", json=item)
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/admin/bookings/999", None),
        ("POST", "/admin/bookings/999/approve", None),
        ("POST", "/admin/bookings/999/cancel", None),
        ("POST", "/admin/vendors/999/invite", None),
        ("POST", "/admin/brokers/999/invite", None),
        (
            "POST",
            "/admin/bookings/999/items",
            {"description": "x", "quantity": 1, "unit_price": "1"},
        ),
    ],
)
def test_unknown_id_gets_404(
    client: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    response = client.request(method, path, json=body)
    assert response.status_code == 404
    assert "999 not found" in response.json()["detail"]


def test_assign_unknown_vendor_gets_404(client: TestClient) -> None:
    booking = create(client, "/admin/bookings", BOOKING)
    response = client.post(
        f"/admin/bookings/{booking['id']}/vendor", json={"vendor_id": 999}
    )
    assert response.status_code == 404


def test_approve_twice_gets_409(client: TestClient) -> None:
    # GIVEN an approved booking
    booking = create(client, "/admin/bookings", BOOKING)
    client.post(f"/admin/bookings/{booking['id']}/approve")
    drain()
    submitted = async_thread_helper.stats().submitted

    # WHEN it is approved again
    response = client.post(f"/admin/bookings/{booking['id']}/approve")

    # THEN it conflicts and nothing more is sent
    assert response.status_code == 409
    assert "approved" in response.json()["detail"]
    assert async_thread_helper.stats().submitted == submitted


def test_assign_to_cancelled_gets_409(client: TestClient) -> None:
    # GIVEN a cancelled booking and a vendor
    booking = create(client, "/admin/bookings", BOOKING)
    vendor = create(client, "/admin/vendors", VENDOR)
    cancelled = client.post(f"/admin/bookings/{booking['id']}/cancel")

    # WHEN the vendor is assigned to it
    response = client.post(
        f"/admin/bookings/{booking['id']}/vendor", json={"vendor_id": vendor["id"]}
    )

    # THEN it conflicts
    assert cancelled.json()["status"] == "cancelled"
    assert response.status_code == 409


@pytest.mark.parametrize("action", ["approve", "cancel"])
def test_action_on_cancelled_gets_409(client: TestClient, action: str) -> None:
    booking = create(client, "/admin/bookings", BOOKING)
    client.post(f"/admin/bookings/{booking['id']}/cancel")
    response = client.post(f"/admin/bookings/{booking['id']}/{action}")
    assert response.status_code == 409


def test_item_on_cancelled_gets_409(client: TestClient) -> None:
    booking = create(client, "/admin/bookings", BOOKING)
    client.post(f"/admin/bookings/{booking['id']}/cancel")
    item = {"description": "Chairs", "quantity": 1, "unit_price": "1.00"}
    response = client.post(f"/admin/bookings/{booking['id']}/items", json=item)
    assert response.status_code == 409


def test_list_and_get_bookings(client: TestClient) -> None:
    # GIVEN two bookings, one with an item
    first = create(client, "/admin/bookings", BOOKING)
    create(client, "/admin/bookings", {**BOOKING, "customer_name": "Grace"})
    item = {"description": "Chairs", "quantity": 3, "unit_price": "2.50"}
    create(client, f"/admin/bookings/{first['id']}/items", item)

    # WHEN they are read back
    listed = client.get("/admin/bookings").json()
    one = client.get(f"/admin/bookings/{first['id']}").json()

    # THEN both are listed and the item is on its booking
    assert [b["customer_name"] for b in listed] == ["Ada Lovelace", "Grace"]
    assert one["items"][0]["quantity"] == 3
    assert one["items"][0]["unit_price"] == "2.50"
    assert one["status"] == "pending"


def test_stats_route_returns_counters(client: TestClient) -> None:
    response = client.get("/admin/notifications/stats")
    assert response.status_code == 200
    assert set(response.json()) == {
        "submitted",
        "queued",
        "running",
        "succeeded",
        "failed",
        "timed_out",
    }
