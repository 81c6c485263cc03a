"""Drive the admin endpoints of a running service over HTTP at a fixed rate.

Traffic is a repeated round of requests that together reach all eight
notification sites: create a vendor and a broker, create a booking, add an
item, assign the vendor, approve, send both invitations again, and read the
booking back. The list of all bookings is left out because its response grows
with every round, which would show as growth that no leak causes.

Request ``i`` is sent at its scheduled time ``start + i / rate``. When every
worker is still waiting for a response, it goes out as soon as one is free, and
the driver never sends extra requests to catch up. The run stops at ``max_requests`` or
``duration``, whichever comes first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

logger = logging.getLogger(__name__)

ProgressCallback = Callable[["TrafficResult", float], None]
"""Called about once a second with the result so far and the elapsed seconds."""

DEFAULT_CONCURRENCY = 4
"""Rounds in progress at once; keeps the rate while responses take up to
``DEFAULT_CONCURRENCY / rate`` seconds."""


@dataclass(frozen=True)
class Step:
    """One request of a round."""

    label: str
    method: str
    path: str
    body: dict[str, Any] | None
    expected_status: int
    site: str | None
    """Notification site the request dispatches on success, if any."""
    saves: str | None = None
    """Round variable to store the response's ``id`` under."""


@dataclass
class TrafficResult:
    """What the driver sent and what came back."""

    latencies: list[float] = field(default_factory=list)
    """Seconds per completed request, in sending order."""
    completed_at: list[float] = field(default_factory=list)
    """``time.monotonic()`` at which each request completed, ascending."""
    statuses: Counter[str] = field(default_factory=Counter)
    """Responses per ``"<label> <status>"``; transport errors as ``"<label> error"``."""
    dispatched: Counter[str] = field(default_factory=Counter)
    """Accepted requests per notification site."""
    requests: int = 0
    errors: int = 0
    """Requests without the expected status, transport errors included."""
    skipped: int = 0
    """Steps not sent because an earlier step of the round failed."""
    duration_s: float = 0.0
    last_round: int = 0
    """Round of the last request sent; the next run starts after it."""

    @property
    def accepted(self) -> int:
        """Requests that dispatched a notification job."""
        return sum(self.dispatched.values())

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    def latency_percentiles(self) -> dict[str, float]:
        """Return p50, p90, p99 and max latency in milliseconds."""
        ordered = sorted(self.latencies)
        return {
            "p50_ms": percentile(ordered, 50) * 1000,
            "p90_ms": percentile(ordered, 90) * 1000,
            "p99_ms": percentile(ordered, 99) * 1000,
            "max_ms": (ordered[-1] if ordered else 0.0) * 1000,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "accepted": self.accepted,
            "skipped": self.skipped,
            "duration_s": round(self.duration_s, 3),
            "rps": round(self.rps, 2),
            "latency": {k: round(v, 3) for k, v in self.latency_percentiles().items()},
            "statuses": dict(sorted(self.statuses.items())),
            "dispatched": dict(sorted(self.dispatched.items())),
        }


def percentile(ordered: list[float], pct: float) -> float:
    """Return the nearest-rank percentile of sorted values; 0.0 when empty."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def round_steps(n: int) -> list[Step]:
    """Return the requests of round ``n``, with names and addresses unique to it."""
    customer = {
        "customer_name": f"Soak Customer {n}",
        "customer_email": f"customer{n}@soak.example.com",
        "customer_phone": f"+1555{n:07d}",
    }
    vendor = {
        "name": f"Soak Vendor {n}",
        "email": f"vendor{n}@soak.example.com",
        "phone": f"+1666{n:07d}",
    }
    broker = {"name": f"Soak Broker {n}", "email": f"broker{n}@soak.example.com"}
    item = {"description": f"Soak item {n}", "quantity": 1, "unit_price": 10.0}
    start = dt.date.today() + dt.timedelta(days=30 + n % 300)
    booking = {
        **customer,
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=3)).isoformat(),
    }
    return [
        Step("create_vendor", "POST", "/admin/vendors", vendor, 201,
             "vendor_invite_on_create", saves="vendor"),
        Step("create_broker", "POST", "/admin/brokers", broker, 201,
             "broker_invite_on_create", saves="broker"),
        Step("create_booking", "POST", "/admin/bookings", booking, 201,
             "booking_whatsapp", saves="booking"),
        Step("add_item", "POST", "/admin/bookings/{booking}/items", item, 201,
             "booking_item_email"),
        Step("assign_vendor", "POST", "/admin/bookings/{booking}/vendor",
             {"vendor_id": "{vendor}"}, 200, "vendor_assignment_whatsapp"),
        Step("approve", "POST", "/admin/bookings/{booking}/approve", None, 200,
             "booking_approval_notifications"),
        Step("invite_vendor", "POST", "/admin/vendors/{vendor}/invite", None, 202,
             "vendor_invite"),
        Step("invite_broker", "POST", "/admin/brokers/{broker}/invite", None, 202,
             "broker_invite"),
        Step("get_booking", "GET", "/admin/bookings/{booking}", None, 200, None),
    ]  # fmt: skip


def iter_steps(first_round: int = 1) -> Iterator[tuple[int, Step]]:
    """Yield ``(round, step)`` for an endless sequence of rounds."""
    for n in itertools.count(first_round):
        for step in round_steps(n):
            yield n, step


class TrafficDriver:
    """Send rounds to ``base_url`` with admin credentials from worker threads.

    Each of ``concurrency`` workers runs whole rounds, one step after another,
    and every request waits for its slot on the shared schedule, so a slow
    response delays only its own round. Workers share one connection pool.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth_headers: dict[str, str],
        rate: float,
        duration: float,
        max_requests: int | None = None,
        first_round: int = 1,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = 10.0,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"request rate must be positive, got {rate!r}")
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
        self.base_url = base_url
        self.rate = rate
        self.duration = duration
        self.max_requests = max_requests or math.ceil(rate * duration)
        self.concurrency = concurrency
        self._client = httpx.Client(
            base_url=base_url,
            headers=auth_headers,
            timeout=timeout,
            trust_env=False,
            limits=httpx.Limits(max_connections=concurrency),
        )
        self._lock = threading.Lock()
        self._slots = itertools.count()
        self._rounds = itertools.count(first_round)
        self._started = 0.0

    def run(self, on_progress: ProgressCallback | None = None) -> TrafficResult:
        """Send requests until the count or the duration is reached."""
        result = TrafficResult()
        self._started = time.monotonic()
        workers = [
            threading.Thread(
                target=self._work, args=(result,), name=f"soak-traffic-{index}"
            )
            for index in range(self.concurrency)
        ]
        try:
            for worker in workers:
                worker.start()
            while alive := [worker for worker in workers if worker.is_alive()]:
                alive[0].join(1.0)
                if on_progress is not None:
                    on_progress(result, time.monotonic() - self._started)
        finally:
            for worker in workers:
                worker.join()
            result.duration_s = time.monotonic() - self._started
            self._client.close()
        return result

    def _next_slot(self) -> float | None:
        """Return the send time of the next request, or None when the run is over."""
        with self._lock:
            slot = next(self._slots)
        send_at = self._started + slot / self.rate
        over = send_at - self._started >= self.duration
        if slot >= self.max_requests or over:
            return None
        if time.monotonic() - self._started >= self.duration:
            return None
        return send_at

    def _work(self, result: TrafficResult) -> None:
        while True:
            with self._lock:
                round_number = next(self._rounds)
                result.last_round = max(result.last_round, round_number)
            steps = round_steps(round_number)
            variables: dict[str, Any] = {}
            for index, step in enumerate(steps):
                send_at = self._next_slot()
                if send_at is None:
                    return
                time.sleep(max(0.0, send_at - time.monotonic()))
                if not self._send(step, variables, result):
                    with self._lock:
                        result.skipped += len(steps) - index - 1
                    break

    def _send(
        self, step: Step, variables: dict[str, Any], result: TrafficResult
    ) -> bool:
        path = step.path.format(**variables)
        body = _fill(step.body, variables)
        sent = time.perf_counter()
        try:
            response = self._client.request(step.method, path, json=body)
        except httpx.HTTPError as exc:
            logger.warning("%s %s failed: %s", step.method, path, exc)
            with self._lock:
                result.requests += 1
                result.errors += 1
                result.statuses[f"{step.label} error"] += 1
            return False
        accepted = response.status_code == step.expected_status
        with self._lock:
            result.requests += 1
            result.latencies.append(time.perf_counter() - sent)
            result.completed_at.append(time.monotonic())
            result.statuses[f"{step.label} {response.status_code}"] += 1
            if not accepted:
                result.errors += 1
            elif step.site is not None:
                result.dispatched[step.site] += 1
        if not accepted:
            logger.warning(
                "%s %s returned %d, expected %d: %s", step.method, path,
                response.status_code, step.expected_status, response.text[:200],
            )  # fmt: skip
            return False
        if step.saves is not None:
            variables[step.saves] = response.json()["id"]
        return True


def _fill(body: dict[str, Any] | None, variables: dict[str, Any]) -> Any:
    """Replace ``"{name}"`` values with the round variable ``name``."""
    if body is None:
        return None
    filled: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            filled[key] = variables[value[1:-1]]
        else:
            filled[key] = value
    return filled
