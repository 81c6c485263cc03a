"""A burst of dispatches stays within the runner's bound and loses no message."""

from __future__ import annotations

import threading
from collections.abc import Callable

from site_requests import VENDOR, admin_client, create, drain

from app.config import Settings
from app.utils.async_thread_helper import THREAD_NAME_PREFIX
from devservers.launch import PeerServer

BURST = 500
BOUND = 8


class ThreadSampler:
    """Samples the number of notification threads in a background thread."""

    def __init__(self) -> None:
        self.high_watermark = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler")

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            count = sum(
                t.name.startswith(THREAD_NAME_PREFIX) for t in threading.enumerate()
            )
            self.high_watermark = max(self.high_watermark, count)
            self.samples += 1

    def __enter__(self) -> ThreadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def test_burst_stays_within_bound_and_delivers_all(
    make_settings: Callable[..., Settings], smtp_peer: PeerServer
) -> None:
    # GIVEN an app bounded to 8 running notification jobs, and a vendor
    settings = make_settings(notification_concurrency=BOUND, notification_timeout=10)
    with admin_client(settings) as client:
        vendor = create(client, "/admin/vendors", VENDOR)
        drain()
        smtp_peer.clear()

        # WHEN 500 invitations are dispatched without waiting
        with ThreadSampler() as sampler:
            statuses = {
                client.post(f"/admin/vendors/{vendor['id']}/invite").status_code
                for _ in range(BURST)
            }
            drain()

    # THEN threads never exceeded the bound and all 500 e-mails arrived
    assert statuses == {202}
    assert sampler.samples > 0
    assert 0 < sampler.high_watermark <= BOUND
    assert smtp_peer.counts() == {"tents@example.com": BURST}
