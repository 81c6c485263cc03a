from collections.abc import Iterator
from typing import Any

import pytest

from devservers.launch import PeerServer, start_smtp_server, start_whatsapp_server


@pytest.fixture(scope="module")
def peer_servers() -> Iterator[dict[str, PeerServer]]:
    """Start local SMTP and WhatsApp servers, each in its own process."""
    with start_smtp_server() as smtp, start_whatsapp_server() as whatsapp:
        yield {"smtp": smtp, "whatsapp": whatsapp}


@pytest.fixture
def scenario_ports(peer_servers: dict[str, PeerServer]) -> dict[str, Any]:
    """``build_scenario`` arguments that point at the servers, with counts cleared."""
    for server in peer_servers.values():
        server.set_behavior("ok")
        server.clear()
    return {
        "smtp_port": peer_servers["smtp"].port,
        "whatsapp_port": peer_servers["whatsapp"].port,
        "whatsapp_token": peer_servers["whatsapp"].access_token,
    }
