"""Request bodies and small helpers shared by the app's integration tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.utils import async_thread_helper

DRAIN_TIMEOUT = 30.0


def drain() -> None:
    """Wait until every dispatched notification job has finished."""
    assert async_thread_helper.drain(DRAIN_TIMEOUT)


BOOKING = {
    "customer_name": "Ada Lovelace",
    "customer_email": "ada@example.com",
    "customer_phone": "+15550001111",
    "start_date": "2025-07-01",
    "end_date": "2025-07-04",
}
VENDOR = {"name": "Tents & Co", "email": "tents@example.com", "phone": "+15550002222"}
BROKER = {"name": "Brook Broker", "email": "brook@example.com"}


def create(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


ADMIN_TOKEN = "admin-token-for-tests-5f1c"
ADMIN_PASSWORD = "admin-password-for-tests-9a2e"


@contextlib.contextmanager
def admin_client(settings: Settings) -> Iterator[TestClient]:
    """A client of a fresh app, signed in with the bearer token; stops the app."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    with TestClient(create_app(settings), headers=headers) as client:
        yield client
