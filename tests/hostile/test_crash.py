"""Crashes: a merge killed with SIGKILL leaves the old file or the new one, whole, and the next
run leaves no temporary file behind."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

import pytest
from helpers import run_cli
from helpers.hostile import strace_can_delay, strays


def _app() -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
             '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
             '<plist version="1.0">', "<dict>",
             "\t<key>NSPrivacyTracking</key>", "\t<false/>",
             "</dict>", "</plist>", ""]
    return "\n".join(lines).encode()


OLD = _app()


def _setup(tmp_path: Path) -> Tuple[Path, bytes]:
    """The app manifest, and the bytes a finished merge of the TRTC SDK's manifest writes."""
    ref = tmp_path / "reference" / "PrivacyInfo.xcprivacy"
    ref.parent.mkdir()
    ref.write_bytes(OLD)
    out = run_cli(["merge", str(ref), "--sdk", "trtc"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    new = ref.read_bytes()
    assert new != OLD
    app_dir = tmp_path / "App"
    app_dir.mkdir()
    return app_dir / "PrivacyInfo.xcprivacy", new



def _start(cmd: List[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=cwd, env=dict(os.environ, NO_COLOR="1"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=60)


def test_sigkill_at_random_moments_leaves_old_or_new(tmp_path: Path) -> None:
    app, new = _setup(tmp_path)
    cmd = [sys.executable, "-m", "trtc_privacy", "merge", str(app), "--sdk", "trtc"]
    app.write_bytes(OLD)
    t0 = time.perf_counter()
    assert subprocess.run(cmd, cwd=tmp_path, capture_output=True).returncode == 0
    runtime = time.perf_counter() - t0
    rng = random.Random(6)
    seen = {"old": 0, "new": 0}
    for _ in range(24):
        app.write_bytes(OLD)
        proc = _start(cmd, tmp_path)
        time.sleep(rng.uniform(0.4, 1.6) * runtime)  # around the end, where it writes
        _kill(proc)
        data = app.read_bytes()
        assert data in (OLD, new), data[-200:]
        seen["old" if data == OLD else "new"] += 1
    print(f"  runtime {runtime:.2f}s; after SIGKILL: {seen}")
    # the next run completes the job and leaves no temporary file behind
    app.write_bytes(OLD)
    assert subprocess.run(cmd, cwd=tmp_path, capture_output=True).returncode == 0
    assert app.read_bytes() == new
    assert strays(app.parent) == []



STRACE = strace_can_delay()


def _under_strace(inject: str, cmd: List[str]) -> List[str]:
    return ["strace", "-f", "-qq", "-o", os.devnull, "-e", f"inject={inject}", *cmd]


@pytest.mark.skipif(not STRACE, reason="strace is not installed or may not trace here")
def test_killed_between_write_and_rename_keeps_old_file_and_next_run_cleans_up(
        tmp_path: Path) -> None:
    """strace holds the first fsync (the temporary file's) for 30 s; the kill lands there."""
    app, new = _setup(tmp_path)
    app.write_bytes(OLD)
    cmd = [sys.executable, "-m", "trtc_privacy", "merge", str(app), "--sdk", "trtc"]
    proc = _start(_under_strace("fsync:delay_enter=30000000:when=1", cmd), tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        left = strays(app.parent)
        if left and (app.parent / left[0]).stat().st_size == len(new):
            break
        time.sleep(0.02)
    else:
        _kill(proc)
        pytest.fail("the merge never reached its write")
    _kill(proc)
    assert app.read_bytes() == OLD
    assert len(strays(app.parent)) == 1  # the half-finished write is still there ...
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert app.read_bytes() == new
    assert strays(app.parent) == []  # ... and the next run removed it


@pytest.mark.skipif(not STRACE, reason="strace is not installed or may not trace here")
def test_killed_just_after_rename_leaves_the_new_file_whole(tmp_path: Path) -> None:
    app, new = _setup(tmp_path)
    app.write_bytes(OLD)
    cmd = [sys.executable, "-m", "trtc_privacy", "merge", str(app), "--sdk", "trtc"]
    proc = _start(_under_strace("rename,renameat,renameat2:delay_exit=30000000", cmd), tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and app.read_bytes() != new:
        time.sleep(0.02)
    _kill(proc)
    assert app.read_bytes() == new
    assert strays(app.parent) == []
