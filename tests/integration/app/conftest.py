"""The app against real local peers, each started in its own process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from site_requests import ADMIN_PASSWORD, ADMIN_TOKEN, DRAIN_TIMEOUT, admin_client

from app.config import Settings
from app.utils import async_thread_helper
from devservers.launch import PeerServer, start_smtp_server, start_whatsapp_server
from devservers.testing import peer_settings


@pytest.fixture(scope="session")
def smtp_peer() -> Iterator[PeerServer]:
    with start_smtp_server() as server:
        yield server


@pytest.fixture(scope="session")
def whatsapp_peer() -> Iterator[PeerServer]:
    with start_whatsapp_server() as server:
        yield server


@pytest.fixture
def peers(smtp_peer: PeerServer, whatsapp_peer: PeerServer) -> Iterator[None]:
    """Both peers, cleared and answering normally, for one test."""
    for peer in (smtp_peer, whatsapp_peer):
        peer.clear()
        peer.set_behavior("ok")
    yield
    assert async_thread_helper.drain(DRAIN_TIMEOUT)


@pytest.fixture
def make_settings(
    tmp_path: Path, smtp_peer: PeerServer, whatsapp_peer: PeerServer, peers: None
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp_path / 'bookings.db'}",
            "admin_token": ADMIN_TOKEN,
            "admin_password": ADMIN_PASSWORD,
            "notification_timeout": 2.0,
        }
        values.update(overrides)
        return peer_settings(smtp_peer, whatsapp_peer, **values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with admin_client(settings) as test_client:
        yield test_client
