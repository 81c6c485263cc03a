"""Stop the soaked server with jobs in flight and account for every notification.

Every request that dispatched a job must end as a job that succeeded, whose
messages reached the peers, or as a job counted (and logged) as failed. A job
still pending when the server exits is lost.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from devservers.launch import PeerServer
from leak_tests.soak.server import ServerProcess
from leak_tests.soak.traffic import TrafficDriver, round_steps

logger = logging.getLogger(__name__)

DISPATCHES_PATH = "/_soak/dispatches"
"""Route that ``leak_tests.soak.serve`` adds, serving its dispatch counters."""

SERVICE_STATS_PATH = "/admin/notifications/stats"
"""The service's own counters of its notification helper."""

MESSAGES_PER_SITE = {
    "booking_whatsapp": 1,
    "booking_item_email": 1,
    "vendor_invite_on_create": 1,
    "vendor_invite": 1,
    "broker_invite_on_create": 1,
    "broker_invite": 1,
    "vendor_assignment_whatsapp": 1,
    # An e-mail and a WhatsApp message each to the customer and to the vendor;
    # the soak traffic always assigns a vendor before it approves.
    "booking_approval_notifications": 4,
}
"""Messages that the peers receive for one succeeded job of each site."""


class StopSettings(Protocol):
    """The soak settings that the stop phase reads."""

    @property
    def rate(self) -> float: ...
    @property
    def slow_delay(self) -> float: ...
    @property
    def stop_timeout(self) -> float: ...


def stop_with_jobs_in_flight(
    server: ServerProcess,
    peers: tuple[PeerServer, ...],
    settings: StopSettings,
    *,
    first_round: int,
    accepted_before: int,
) -> dict[str, Any]:
    """Slow the peers, send one round, SIGTERM the server and count the outcome.

    ``accepted_before`` is the number of requests of earlier phases that
    dispatched a job. Returns the ``stop``, ``delivery``, ``dispatches`` and
    ``service_stats`` entries of a pattern's summary.
    """
    for peer in peers:
        peer.set_behavior("slow", delay=settings.slow_delay)
    driver = TrafficDriver(
        server.base_url,
        auth_headers=server.auth_headers,
        rate=settings.rate,
        duration=len(round_steps(first_round)) / settings.rate + 5.0,
        max_requests=len(round_steps(first_round)),
        first_round=first_round,
        concurrency=1,
    )
    last_round = driver.run()
    in_flight = int(server.get_json(DISPATCHES_PATH)["pending"])
    service_stats = server.get_json(SERVICE_STATS_PATH)

    started = time.monotonic()
    exit_code = server.terminate(settings.stop_timeout)
    stop_s = time.monotonic() - started
    counters = server.exit_counters()
    for peer in peers:
        peer.set_behavior("ok")

    accepted = accepted_before + last_round.accepted
    account = account_for(counters, accepted, peers)
    clean = exit_code == 0 and account["lost"] == 0 and account["complete"]
    return {
        "stop": {
            "exit_code": exit_code,
            "stop_s": round(stop_s, 3),
            "in_flight_at_sigterm": in_flight,
            "requests": last_round.requests,
            "errors": last_round.errors,
            "clean": clean,
        },
        "delivery": account,
        "dispatches": counters,
        "service_stats": service_stats,
    }


def account_for(
    counters: dict[str, Any], accepted: int, peers: tuple[PeerServer, ...]
) -> dict[str, Any]:
    """Compare accepted requests, the server's job counters and peer deliveries."""
    by_peer = {peer.kind: sum(peer.counts().values()) for peer in peers}
    expected = expected_messages(counters.get("by_site", {}))
    failed = int(counters["failed"]) + int(counters["timed_out"])
    succeeded = int(counters["succeeded"])
    dispatched = int(counters["dispatched"])
    delivered = sum(by_peer.values())
    return {
        "accepted": accepted,
        "dispatched": dispatched,
        "succeeded": succeeded,
        "failed": failed,
        "lost": dispatched - succeeded - failed,
        "expected_messages": expected,
        "delivered_messages": delivered,
        "by_peer": by_peer,
        "complete": accepted == dispatched and delivered == expected,
    }


def expected_messages(by_site: dict[str, dict[str, int]]) -> int:
    """Return the messages that the succeeded jobs of each site send in total."""
    total = 0
    for site, counts in by_site.items():
        if site not in MESSAGES_PER_SITE:
            logger.warning("site %r has no known message count; not counted", site)
            continue
        total += MESSAGES_PER_SITE[site] * int(counts.get("succeeded", 0))
    return total
