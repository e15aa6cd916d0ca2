"""Write failures: a full disk, a file too large for the process's limit, a read-only target or
file system, a directory that vanished. Each exits 2 with a clear message and keeps the original."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from helpers import run_cli
from helpers.hostile import refused, strays

OLD = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
       "\t<key>NSPrivacyTracking</key>\n\t<false/>\n</dict>\n</plist>\n").encode()




@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs mounted for this test (needs root with CAP_SYS_ADMIN; skipped otherwise)."""
    mount = shutil.which("mount")
    if os.name != "posix" or os.geteuid() != 0 or mount is None or sys.platform != "linux":
        pytest.skip("mounting a small file system needs root on Linux")
    d = tmp_path / "tiny"
    d.mkdir()
    r = subprocess.run([mount, "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(d)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


def _fill(directory: Path) -> None:
    """Write zeros until the file system refuses another byte."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        for size in (4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)


def test_full_disk_exits_2_and_keeps_the_original(tmpfs: Path) -> None:
    app = tmpfs / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    _fill(tmpfs)
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmpfs.parent)
    refused(out, app, "no space left on device")
    assert app.read_bytes() == OLD
    assert strays(tmpfs) == []


def test_read_only_file_system_exits_2_and_keeps_the_original(tmpfs: Path) -> None:
    app = tmpfs / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    r = subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot remount read-only: {r.stderr.strip()}")
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmpfs.parent)
    refused(out, app, "read-only file system")
    assert app.read_bytes() == OLD


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE/SIGXFSZ")
def test_write_cut_short_by_the_file_size_limit_exits_2(tmp_path: Path) -> None:
    """Runs everywhere (no root needed): the kernel refuses bytes past 1 KiB, as a full disk
    refuses them, and the merged manifest is about 3 KiB."""
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    out = subprocess.run([sys.executable, "-m", "trtc_privacy", "merge", str(app), "--sdk", "trtc"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1"),
                         preexec_fn=_limit_file_size)
    refused(out, app, "file too large")
    assert app.read_bytes() == OLD
    assert strays(tmp_path) == []


def test_read_only_target_exits_2_and_keeps_the_original(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    app.chmod(0o444)
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path)
    refused(out, app, "read-only")
    assert app.read_bytes() == OLD
    assert strays(tmp_path) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only directories anyway")
def test_read_only_directory_exits_2_and_keeps_the_original(tmp_path: Path) -> None:
    d = tmp_path / "App"
    d.mkdir()
    app = d / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    d.chmod(0o555)
    try:
        out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path)
    finally:
        d.chmod(0o755)
    refused(out, app, "permission denied")
    assert app.read_bytes() == OLD


def test_output_into_a_missing_directory_exits_2(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    target = tmp_path / "gone" / "PrivacyInfo.xcprivacy"
    out = run_cli(["merge", str(app), "--sdk", "trtc", "-o", str(target)], cwd=tmp_path)
    refused(out, target, "does not exist")
    assert app.read_bytes() == OLD
    assert not target.parent.exists()


def test_directory_vanishing_while_the_merge_waits_exits_2(tmp_path: Path) -> None:
    """A parallel build step holds the lock; meanwhile the output's directory is deleted."""
    from trtc_privacy.files import locked

    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    out_dir = tmp_path / "Build"
    out_dir.mkdir()
    target = out_dir / "PrivacyInfo.xcprivacy"
    target.write_bytes(OLD)
    with locked(str(target)):
        proc = subprocess.Popen([sys.executable, "-m", "trtc_privacy", "merge", str(app),
                                 "--sdk", "trtc", "-o", str(target)], cwd=tmp_path,
                                env=dict(os.environ, NO_COLOR="1"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(2)  # let it reach the lock (the outcome is the same if it has not yet)
        shutil.rmtree(out_dir)
    stdout, stderr = proc.communicate(timeout=60)
    refused(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), target,
             "does not exist")
    assert app.read_bytes() == OLD
    assert not out_dir.exists()
