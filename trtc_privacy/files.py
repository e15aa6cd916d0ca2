"""The user's files, read and written safely.

Reading: every file the tool reads (manifests, lockfiles, configuration) is opened once, checked
to be a regular file of a bounded size, and read to exactly that size, so a FIFO, a device or a
huge file is refused at once instead of hanging or filling memory. Writing: an atomic replace
that keeps the permissions, and the owner and group where the run may set them (a ``sudo`` run
leaves a user's file the user's), under a lock that sits beside the target and is removed
after use.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import time
from typing import Final, Iterator, Optional

from trtc_privacy.diagnostics import InputError, input_error

#: Folders no search ever enters (linting, lockfile search, init's app-folder guess, scan):
#: version control, build output and tool caches, none of which ship in the app as they stand.
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "build", "Build", "DerivedData", ".build",
                       "node_modules", "__pycache__", ".tox", ".venv", "venv", ".mypy_cache"})
#: Folders of third-party dependencies: linted as SDKs' manifests when searched for manifests,
#: but never searched for the app's own lockfiles or sources.
DEPENDENCY_DIRS = frozenset({"Pods", "Carthage", ".symlinks", "SourcePackages", "checkouts"})

_TMP_PREFIX = ".trtc-privacy-"
_TMP_SUFFIX = ".tmp"
_LOCK_SUFFIX = ".lock"


# -- reading ------------------------------------------------------------------------------------


class FileKind:
    """What a file is expected to be, in the words its messages use, and how large it may be."""

    def __init__(self, noun: str, expected: str, limit: int, rule: str = "unreadable",
                 missing: str = "file not found") -> None:
        self.noun: Final = noun  # "privacy manifest", "lockfile", "configuration file"
        #: what to point at instead, e.g. "a PrivacyInfo.xcprivacy file"
        self.expected: Final = expected
        self.limit: Final = limit  # bytes
        self.rule: Final = rule  # the rule id of the InputError when the file cannot be read
        self.missing: Final = missing  # the message when it does not exist


def read_limited(path: str, kind: FileKind) -> bytes:
    """The bytes of a regular file of at most ``kind.limit`` bytes, or InputError saying why not.

    The file is opened once, without blocking (a FIFO with no writer would otherwise hang), and
    everything else is decided on that open file: its type, its size, its content.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise input_error(path, kind.missing, rule=kind.rule,
                          hint="check the path, or create the file first") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise _not_regular(path, kind, _type_of(path)) from None
        raise input_error(path, f"cannot read: {_reason(exc)}", rule=kind.rule) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _not_regular(path, kind, _type_name(st.st_mode))
        if st.st_size > kind.limit:
            raise input_error(path, f"file is {st.st_size:,} bytes; a {kind.noun} is at most "
                              f"{kind.limit:,} bytes", rule=kind.rule,
                              hint=f"point at {kind.expected}")
        chunks = []
        left = st.st_size
        while left > 0:  # exactly the size fstat gave: a file growing meanwhile is cut there
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise input_error(path, f"cannot read: {_reason(exc)}", rule=kind.rule) from None
    finally:
        os.close(fd)


def _not_regular(path: str, kind: FileKind, what: str) -> InputError:
    if what == "a directory":
        return input_error(path, f"is a directory, not a regular file; expected {kind.expected}",
                           rule=kind.rule, hint=f"point at {kind.expected} inside it")
    return input_error(path, f"not a regular file ({what}); expected {kind.expected}",
                       rule=kind.rule, hint=f"point at {kind.expected}; pipes, devices and "
                       "sockets are not read")


def _type_of(path: str) -> str:
    try:
        return _type_name(os.stat(path).st_mode)
    except OSError:
        return "not a file"


def _type_name(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


# -- locking ------------------------------------------------------------------------------------


def lock_path(path: str) -> str:
    """The lock file for ``path``: beside the file it guards (``.trtc-privacy-NAME.lock``)."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    return os.path.join(directory, f"{_TMP_PREFIX}{os.path.basename(target)}{_LOCK_SUFFIX}")


@contextlib.contextmanager
def locked(path: str, timeout: float = 60.0) -> Iterator[None]:
    """Hold an inter-process lock for ``path`` while reading, merging and writing it.

    Parallel Xcode targets merge into one manifest at once; without the lock the last writer
    would drop the others' contributions. The lock file sits beside the target, so anyone who
    may replace the target (which also writes beside it) may take the lock, whatever their user
    id, and two users (a ``sudo`` run and a normal one) exclude each other. It is removed on
    release; a run that finds it removed while waiting locks the new one instead.
    """
    where = lock_path(path)
    try:
        import fcntl  # noqa: F401  (POSIX: macOS, Linux)
    except ImportError:  # pragma: no cover - Windows
        from filelock import FileLock, Timeout

        try:
            with FileLock(where).acquire(timeout=timeout):
                yield
        except Timeout:
            raise _busy(path, timeout) from None
        return
    fd = _acquire(path, where, timeout)
    try:
        with _terminate_cleanly():
            yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(where)  # while still holding it: a waiter sees the name gone and retries
        os.close(fd)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """While the lock is held, SIGTERM (a cancelled build) unwinds like Ctrl-C does, so the lock
    file beside the user's file is removed instead of left behind."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _acquire(path: str, where: str, timeout: float) -> int:
    import fcntl

    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        fd = _open_lock(path, where)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                        raise input_error(path, f"cannot lock {where}: {_reason(exc)}; nothing "
                                          "was written", rule="unwritable") from None
                if time.monotonic() > deadline:
                    raise _busy(path, timeout)
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
            held = os.fstat(fd)
            try:
                now: Optional[os.stat_result] = os.stat(where)
            except OSError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # its holder removed it while we waited: lock the file there now


def _open_lock(path: str, where: str) -> int:
    """Open the lock file, creating it if needed, without following a symbolic link."""
    flags = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    directory = os.path.dirname(where)
    while True:
        try:
            try:
                return os.open(where, os.O_RDWR | flags)
            except PermissionError:  # another user's lock: reading is enough to flock it
                return os.open(where, os.O_RDONLY | flags)
        except FileNotFoundError:
            pass
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise input_error(path, f"cannot lock: {where} is a symbolic link; nothing was "
                                  "written", rule="unwritable",
                                  hint="remove it; trtc-privacy creates its lock file "
                                  "itself") from None
            if exc.errno == errno.ENOTDIR or not os.path.lexists(where):  # the folder's fault
                raise _cannot_write(path, directory, exc) from None
            raise input_error(path, f"cannot lock: {where} cannot be opened ({_reason(exc)}); "
                              "nothing was written", rule="unwritable",
                              hint="if no other trtc-privacy run is active, remove it "
                              "and run again") from None
        try:
            return os.open(where, os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, 0o644)
        except FileExistsError:
            continue  # created by another run between the two calls
        except OSError as exc:
            raise _cannot_write(path, directory, exc) from None


def _busy(path: str, timeout: float) -> InputError:
    return input_error(path, f"another trtc-privacy run held this file for {timeout:.0f}s",
                       rule="unreadable", hint="wait for the other build step, then retry")


# -- writing ------------------------------------------------------------------------------------


def make_parents(path: str) -> None:
    """Create the folders above ``path`` that are missing, or say plainly why they cannot be."""
    directory = os.path.dirname(path)
    if not directory or os.path.isdir(directory):
        return
    existing = directory
    while existing and not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if existing and not os.path.isdir(existing):
        where = "it" if existing == directory else existing
        raise input_error(path, f"cannot create the folder {directory}: {where} is a file, "
                          "not a folder; nothing was written", rule="unwritable",
                          hint="choose another path, or move that file out of the way")
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(path, existing or ".", exc, creating=directory) from None


def write_atomic(path: str, data: bytes, locked: bool = False) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old file or the new one, whole.

    A temporary file in the same directory, named after the target
    (``.trtc-privacy-NAME.XXXXXXXX.tmp``), is written, flushed and fsynced, given the target's
    permissions and (when the run may set them) its owner and group, then renamed over the
    target. With ``locked`` (the caller holds ``locked(path)``), leftovers of killed runs that
    wrote this same target are removed first: no other run can be writing one of those. Other
    files of the folder, other targets' temporary files included, are never touched.
    """
    target = os.path.realpath(path)
    directory = os.path.dirname(target) or "."
    if not os.path.isdir(directory):
        raise input_error(path, f"directory {directory} does not exist", rule="unwritable",
                          hint="create the directory, or give another path with -o")
    try:
        st: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _unwritable(path, exc, existed=True) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        what = _type_name(st.st_mode)
        raise input_error(path, f"is {what}, not a file; nothing was written", rule="unwritable",
                          hint="give the path of the file to write" + (
                              f", e.g. {os.path.join(path, 'PrivacyInfo.xcprivacy')}"
                              if what == "a directory" else ""))
    import tempfile  # only a write needs it

    prefix = f"{_TMP_PREFIX}{os.path.basename(target)}."
    if locked:
        _remove_stale(directory, prefix)
    if st is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    else:
        mode = stat.S_IMODE(st.st_mode)
        if not mode & 0o222:
            raise input_error(path, "file is read-only", rule="unwritable",
                              hint="make it writable (chmod u+w) and run again")
    tmp = None
    try:
        try:
            fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=_TMP_SUFFIX, dir=directory)
        except OSError as exc:
            raise _cannot_write(path, directory, exc, existed=st is not None) from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            if st is not None:
                _keep_owner(fh.fileno(), st)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(directory)
    except OSError as exc:
        raise _unwritable(path, exc, existed=st is not None) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


#: The random part ``tempfile.mkstemp`` puts between our prefix and suffix.
_RANDOM = re.compile(r"[a-z0-9_]{8}")


def _remove_stale(directory: str, prefix: str) -> None:
    """Remove temporary files a killed run left for this target (the caller holds its lock):
    exactly ``PREFIX`` + mkstemp's eight random characters + ``.tmp``, and regular files only."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(_TMP_SUFFIX) and _RANDOM.fullmatch(
                name[len(prefix):-len(_TMP_SUFFIX)]):
            stale = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if stat.S_ISREG(os.lstat(stale).st_mode):
                    os.unlink(stale)


def _keep_owner(fd: int, st: os.stat_result) -> None:
    """Give the new file the old one's owner and group where this run may (root may; a user may
    choose among their own groups); a run without the right keeps what the system gave."""
    if not hasattr(os, "fchown"):  # pragma: no cover - Windows
        return
    now = os.fstat(fd)
    if (now.st_uid, now.st_gid) == (st.st_uid, st.st_gid):
        return
    try:
        os.fchown(fd, st.st_uid, st.st_gid)
    except OSError:
        with contextlib.suppress(OSError):
            os.fchown(fd, -1, st.st_gid)


def _fsync_dir(directory: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_NO_SPACE = (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))


def _outcome(existed: bool) -> str:
    return "the file was left as it was" if existed else "nothing was written"


def _hint(exc: OSError) -> str:
    if exc.errno in _NO_SPACE:
        return "free disk space (or raise the file size limit), then run again"
    if exc.errno == errno.EROFS:
        return "the file system is mounted read-only; write the file somewhere else"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "fix the permissions, then run again"
    return "fix the cause above, then run again"


def _shown(path: str, directory: str) -> str:
    """``directory`` as the user wrote it in ``path`` when that names the same folder."""
    given = os.path.dirname(path) or "."
    return given if os.path.realpath(given) == os.path.realpath(directory) else directory


def _unwritable(path: str, exc: OSError, existed: bool) -> InputError:
    return input_error(path, f"cannot write: {_reason(exc)}; {_outcome(existed)}",
                       rule="unwritable", hint=_hint(exc))


def _cannot_write(path: str, directory: str, exc: OSError, existed: Optional[bool] = None,
                  creating: Optional[str] = None) -> InputError:
    """A failure to create a file (or ``creating``, a folder) in ``directory``, naming it."""
    if existed is None:
        existed = os.path.lexists(path)
    directory = _shown(path, directory)
    if exc.errno in (errno.EACCES, errno.EPERM):
        if creating:
            return input_error(path, f"cannot create the folder {creating}: the folder "
                               f"{directory} is not writable (permission denied); "
                               f"{_outcome(existed)}", rule="unwritable",
                               hint=f"make {directory} writable (chmod u+w), or choose "
                               "another path")
        why = ("; the file is replaced by a new one written beside it, so its folder must be "
               "writable" if existed else "")
        return input_error(path, f"cannot write in the folder {directory}: permission denied"
                           f"{why}; {_outcome(existed)}", rule="unwritable",
                           hint=f"make {directory} writable (chmod u+w), or write the file "
                           "somewhere else")
    if exc.errno == errno.ENOENT:
        return input_error(path, f"directory {directory} does not exist", rule="unwritable",
                           hint="create the directory, or give another path with -o")
    if exc.errno == errno.ENOTDIR:
        blocker = directory
        while os.path.dirname(blocker) not in ("", blocker) and not os.path.isfile(blocker):
            blocker = os.path.dirname(blocker)
        return input_error(path, f"cannot write: {blocker} is a file, not a folder; "
                           f"{_outcome(existed)}", rule="unwritable",
                           hint="choose another path, or move that file out of the way")
    if creating:
        return input_error(path, f"cannot create the folder {creating}: {_reason(exc)}; "
                           f"{_outcome(existed)}", rule="unwritable", hint=_hint(exc))
    return _unwritable(path, exc, existed)
