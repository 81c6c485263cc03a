"""Open file descriptors: a count, and a kind and detail per descriptor."""

from __future__ import annotations

import os
from dataclasses import dataclass

import psutil

from leak_tests.engine.probes.base import Probe, ProbeSpec
from leak_tests.engine.result import FdInfo

_FD_DIR = "/proc/self/fd"


def list_fds() -> list[int]:
    """Return the open descriptors of this process, in ascending order.

    On Linux this lists ``/proc/self/fd``, leaving out the descriptor that the
    listing itself opened and closed. Elsewhere it returns a count-sized range
    from psutil, which is enough for counting but not for ``describe_fds``.
    """
    if not os.path.isdir(_FD_DIR):
        # NOTE: without /proc the descriptors themselves are unknown.
        return list(range(psutil.Process().num_fds()))
    fds = []
    for name in os.listdir(_FD_DIR):
        if os.path.lexists(os.path.join(_FD_DIR, name)):
            fds.append(int(name))
    fds.sort()
    return fds


def count_fds() -> int:
    """Return the number of open descriptors, cheaply enough to call per call.

    Linux 6.2 and later report the open-descriptor count as the size of
    ``/proc/self/fd``. One ``os.stat`` costs about a tenth of a listing of the
    folder and opens no descriptor. The size is used once a listing has
    confirmed it, and the listing is the fallback on older kernels.
    """
    if _stat_size_counts_fds():
        return os.stat(_FD_DIR).st_size
    if os.path.isdir(_FD_DIR):
        return _listed_fd_count()
    return psutil.Process().num_fds()


def _listed_fd_count() -> int:
    # os.listdir opens one descriptor of its own while it reads.
    return len(os.listdir(_FD_DIR)) - 1


_STAT_CHECKS = 3
_stat_size_confirmed: bool | None = None


def _stat_size_counts_fds() -> bool:
    """Return whether the size of ``/proc/self/fd`` equals the listed count.

    Checked on the first call only. Another thread may open or close a
    descriptor between the two reads, so a mismatch is retried a few times
    before the listing is kept for good.
    """
    global _stat_size_confirmed
    if _stat_size_confirmed is None:
        _stat_size_confirmed = False
        if os.path.isdir(_FD_DIR):
            for _ in range(_STAT_CHECKS):
                size = os.stat(_FD_DIR).st_size
                if size > 0 and size == _listed_fd_count():
                    _stat_size_confirmed = True
                    break
    return _stat_size_confirmed


@dataclass(frozen=True)
class FdCount:
    """Open descriptors."""

    count: int


class FdProbe(Probe):
    """Read ``fds``."""

    specs = (ProbeSpec("fds", "fds"),)

    def snapshot(self) -> FdCount:
        return FdCount(count=count_fds())

    def values(self, snapshot: FdCount) -> dict[str, float]:
        return {"fds": snapshot.count}


def describe_fds(fds: list[int], pid: int | None = None) -> list[FdInfo]:
    """Return the kind and detail of each descriptor that is still open.

    ``pid`` names another process to describe (Linux only); by default this one.
    """
    folder = _FD_DIR if pid is None else f"/proc/{pid}/fd"
    sockets = _socket_details(pid)
    described = []
    for fd in fds:
        try:
            target = os.readlink(os.path.join(folder, str(fd)))
        except OSError:
            continue
        described.append(_classify(fd, target, sockets))
    return described


def describe_process_fds(pid: int) -> list[FdInfo]:
    """Return the kind and detail of every open descriptor of process ``pid``.

    Linux only: elsewhere, or once the process is gone, the list is empty.
    """
    folder = f"/proc/{pid}/fd"
    try:
        fds = sorted(int(name) for name in os.listdir(folder))
    except OSError:
        return []
    return describe_fds(fds, pid)


def _classify(fd: int, target: str, sockets: dict[int, str]) -> FdInfo:
    if target.startswith("socket:"):
        return FdInfo(fd=fd, kind="socket", detail=sockets.get(fd, target))
    if target.startswith("pipe:"):
        return FdInfo(fd=fd, kind="pipe", detail=target)
    if target == "anon_inode:[eventpoll]":
        return FdInfo(fd=fd, kind="epoll", detail=target)
    if target == "anon_inode:[eventfd]":
        return FdInfo(fd=fd, kind="eventfd", detail=target)
    if target.startswith("/"):
        return FdInfo(fd=fd, kind="file", detail=target)
    return FdInfo(fd=fd, kind="other", detail=target)


def _socket_details(pid: int | None = None) -> dict[int, str]:
    try:
        connections = psutil.Process(pid).net_connections(kind="all")
    except (psutil.Error, OSError):
        return {}
    details = {}
    for conn in connections:
        local = _format_address(conn.laddr)
        remote = _format_address(conn.raddr)
        text = f"{conn.type.name} {local}"
        if remote:
            text += f" -> {remote}"
        if conn.status and conn.status != psutil.CONN_NONE:
            text += f" {conn.status}"
        details[conn.fd] = text
    return details


def _format_address(address: object) -> str:
    if not address:
        return ""
    if isinstance(address, tuple) and len(address) == 2:
        return f"{address[0]}:{address[1]}"
    return str(address)
