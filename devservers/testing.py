"""Helpers, free of pytest, that point the service's settings at running peers."""

from __future__ import annotations

from typing import Any

from app.config import Settings
from devservers.launch import PeerServer

TEST_PHONE_NUMBER_ID = "100200300"


def peer_settings(
    smtp: PeerServer,
    whatsapp: PeerServer,
    *,
    host_name: str = "localhost",
    **overrides: Any,
) -> Settings:
    """Build ``Settings`` whose SMTP and WhatsApp endpoints are the given peers.

    ``host_name`` replaces the peers' bound address so that the service resolves
    a host name through its event loop, as in production; ``localhost`` must
    resolve to the peers' loopback address. ``overrides`` set any other field.
    """
    values: dict[str, Any] = {
        "smtp_host": host_name,
        "smtp_port": smtp.port,
        "smtp_sender": "bookings@example.com",
        "whatsapp_api_base_url": whatsapp.url.replace(whatsapp.host, host_name, 1),
        "whatsapp_phone_number_id": TEST_PHONE_NUMBER_ID,
        "whatsapp_access_token": whatsapp.access_token,
    }
    values.update(overrides)
    return Settings(**values)
