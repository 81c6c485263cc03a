"""``build_scenario`` against real local servers, in this process."""

from collections.abc import Iterator
from typing import Any

import pytest

from devservers.launch import PeerServer, start_smtp_server, start_whatsapp_server
from leak_tests.catalog.names import PATTERN_CONTEXTS
from leak_tests.catalog.scenarios import build_scenario


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, PeerServer]]:
    with start_smtp_server() as smtp, start_whatsapp_server() as whatsapp:
        yield {"smtp": smtp, "whatsapp": whatsapp}


def _kwargs(servers: dict[str, PeerServer], **spec: Any) -> dict[str, Any]:
    for server in servers.values():
        server.set_behavior("ok")
        server.clear()
    return {
        "tag": "31",
        "smtp_port": servers["smtp"].port,
        "whatsapp_port": servers["whatsapp"].port,
        "whatsapp_token": servers["whatsapp"].access_token,
        "job_timeout": 10.0,
        **spec,
    }


def _counts(servers: dict[str, PeerServer]) -> dict[str, int]:
    return {**servers["smtp"].counts(), **servers["whatsapp"].counts()}


@pytest.mark.parametrize(("pattern", "context"), PATTERN_CONTEXTS)
def test_scenario_delivers_one_message_per_call(
    servers: dict[str, PeerServer], pattern: str, context: str
) -> None:
    # GIVEN an e-mail site under each pattern
    scenario = build_scenario(
        **_kwargs(servers, site="vendor_invite", pattern=pattern, context=context)
    )

    # WHEN it is called three times
    try:
        for _ in range(3):
            scenario()
    finally:
        scenario.close()

    # THEN the tagged recipient got three messages and the calls were counted
    assert _counts(servers) == {"vendor-31@example.test": 3}
    assert scenario.extra()["calls"] == 3


@pytest.mark.parametrize(("pattern", "context"), PATTERN_CONTEXTS)
def test_approval_scenario_reaches_four_recipients(
    servers: dict[str, PeerServer], pattern: str, context: str
) -> None:
    # GIVEN the approval site, whose old code ran four sends through one loop
    scenario = build_scenario(
        **_kwargs(
            servers,
            site="booking_approval_notifications",
            pattern=pattern,
            context=context,
        )
    )

    # WHEN
    try:
        scenario()
    finally:
        scenario.close()

    # THEN customer and vendor each got an e-mail and a WhatsApp message
    expected = dict.fromkeys(scenario.extra()["recipients"], 1)
    assert len(expected) == 4
    assert _counts(servers) == expected


def test_scenario_logs_nothing_when_servers_answer(
    servers: dict[str, PeerServer],
) -> None:
    # GIVEN a WhatsApp site under the old pattern
    scenario = build_scenario(
        **_kwargs(servers, site="booking_whatsapp", pattern="legacy", context="thread")
    )

    # WHEN
    scenario()
    scenario.close()

    # THEN no send failed or timed out
    assert scenario.extra()["log_records"] == {}


def test_scenario_counts_failures_when_server_rejects(
    servers: dict[str, PeerServer],
) -> None:
    # GIVEN a WhatsApp server that rejects every message
    kwargs = _kwargs(
        servers, site="booking_whatsapp", pattern="fixed", context="helper"
    )
    servers["whatsapp"].set_behavior("reject")
    scenario = build_scenario(**kwargs)

    # WHEN
    scenario()
    scenario.close()

    # THEN the helper logged one error and nothing was stored
    assert scenario.extra()["log_records"] == {"ERROR": 1}
    assert servers["whatsapp"].counts() == {}
