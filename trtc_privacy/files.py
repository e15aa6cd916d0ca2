"""Writing the user's files safely: atomic replace, permissions kept, one writer at a time."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import stat
import tempfile
from typing import Iterator

from trtc_privacy.diagnostics import input_error

#: Folders no search ever enters (linting, lockfile search, init's app-folder guess, scan):
#: version control, build output and tool caches, none of which ship in the app as they stand.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "build", "Build", "DerivedData", ".build",
                       "node_modules", "__pycache__", ".tox", ".venv", "venv", ".mypy_cache"})
#: Folders of third-party dependencies: linted as SDKs' manifests when searched for manifests,
#: but never searched for the app's own lockfiles or sources.
DEPENDENCY_DIRS = frozenset({"Pods", "Carthage", ".symlinks", "SourcePackages", "checkouts"})

_TMP_PREFIX = ".trtc-privacy-"
_TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def locked(path: str, timeout: float = 60.0) -> Iterator[None]:
    """Hold an inter-process lock for ``path`` while reading, merging and writing it.

    Parallel Xcode targets merge into one manifest at once; without the lock the last writer
    would drop the others' contributions. The lock file lives in the temporary directory, so the
    user's source tree never sees it.
    """
    from filelock import FileLock, Timeout

    key = hashlib.sha256(os.path.realpath(path).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    lock = FileLock(os.path.join(tempfile.gettempdir(), f"trtc-privacy-{key}.lock"))
    try:
        with lock.acquire(timeout=timeout):
            yield
    except Timeout:
        raise input_error(path, f"another trtc-privacy run held this file for {timeout:.0f}s",
                          rule="unreadable", hint="wait for the other build step, then retry") from None


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old file or the new one, whole.

    A temporary file in the same directory is written, flushed and fsynced, given the target's
    permissions, then renamed over the target. Leftovers of killed runs are removed first (the
    caller holds the lock, so no other run is writing one).
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise input_error(path, f"directory {directory} does not exist", rule="unwritable",
                          hint="create the directory, or give another path with -o")
    for stale in glob.glob(os.path.join(glob.escape(directory), f"{_TMP_PREFIX}*{_TMP_SUFFIX}")):
        with contextlib.suppress(OSError):
            os.unlink(stale)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    except OSError as exc:
        raise _unwritable(path, exc) from None
    if os.path.exists(target) and not mode & 0o222:
        raise input_error(path, "file is read-only", rule="unwritable",
                          hint="make it writable (chmod u+w) and run again")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(directory)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _unwritable(path: str, exc: OSError) -> Exception:
    reason = (exc.strerror or str(exc)).lower()
    return input_error(path, f"cannot write: {reason}; the file was left as it was",
                       rule="unwritable", hint="free disk space or fix permissions, then run again")
