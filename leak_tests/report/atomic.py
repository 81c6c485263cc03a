"""Atomic file writes: a reader sees the old file or the new one, never a part.

Each write goes to a temporary file in the target's folder, is flushed and
fsynced, then renamed over the target with ``os.replace``, which POSIX makes
atomic within one file system. The folder is fsynced afterwards so that the
rename itself survives a power loss.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from leak_tests.errors import OutputError

logger = logging.getLogger(__name__)

TEMP_SUFFIX = ".tmp"


def ensure_writable_dir(out_dir: Path) -> None:
    """Create ``out_dir`` if needed and prove that a file can be created in it.

    Raises ``OutputError`` naming the folder and the fix. Existing files in the
    folder are left alone.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the report folder {str(out_dir)!r}: {exc.strerror}; "
            "pass a writable folder with --out"
        ) from exc
    try:
        fd, probe_path = tempfile.mkstemp(dir=out_dir, suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the report folder {str(out_dir)!r}: {exc.strerror}; "
            "make it writable or pass another folder with --out"
        ) from exc
    os.close(fd)
    os.unlink(probe_path)


def atomic_write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write ``data`` (bytes or chunks of bytes) to ``path`` atomically.

    On any exception, including one raised while producing the chunks, the
    temporary file is removed and the previous ``path`` is left intact.
    """
    chunks: Iterable[bytes] = [data] if isinstance(data, bytes) else data
    fd, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX
    )
    try:
        with os.fdopen(fd, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_dir(path.parent)
    logger.debug("wrote %s", path)


def _fsync_dir(folder: Path) -> None:
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    except OSError:  # pragma: no cover - file systems that reject fsync on dirs
        pass
    finally:
        os.close(dir_fd)
