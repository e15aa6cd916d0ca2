"""Files that are not what they seem, locks across users, writes that cannot happen.

Each case runs the real command in a subprocess (a hang would hit the timeout, not pass). Root
ignores file permissions, so the permission cases run the command through ``setpriv`` with the
capabilities that bypass them removed: the same uid, but bound by the permission bits as any
user is; they are skipped where setpriv cannot do that.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

import pytest
from helpers import run_cli
from helpers.hostile import refused, strace_can_delay

OLD = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
       "\t<key>NSPrivacyTracking</key>\n\t<false/>\n</dict>\n</plist>\n").encode()
NOT_REGULAR = "not a regular file"



# -- FIFOs, devices, sockets, directories ------------------------------------------------------


@pytest.fixture
def fifo_dir(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    return tmp_path


def test_fifo_as_the_app_manifest_is_refused_at_once(fifo_dir: Path) -> None:
    app = fifo_dir / "PrivacyInfo.xcprivacy"
    os.mkfifo(app)
    line = refused(run_cli(["merge", str(app), "--sdk", "trtc"], cwd=fifo_dir, timeout=30))
    assert line.startswith(str(app)) and NOT_REGULAR in line, line
    # lint reports an unreadable path among its findings (the other files are still linted)
    for args in (["lint", "--format", "github", str(app)], ["lint", "-f", "github", str(fifo_dir)]):
        out = run_cli(args, cwd=fifo_dir, timeout=30)
        assert out.returncode == 2 and "Traceback" not in out.stderr, out
        assert f"::error file={app}" in out.stdout and NOT_REGULAR in out.stdout, out.stdout


def test_fifo_as_an_extra_manifest_lockfile_or_configuration_is_refused(fifo_dir: Path) -> None:
    app = fifo_dir / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    for name, args in (("Vendor.xcprivacy", ["merge", str(app), "--manifest"]),
                       ("Podfile.lock", ["versions"]),
                       ("trtc.toml", ["merge", str(app), "--sdk", "trtc", "--config"])):
        pipe = fifo_dir / name
        os.mkfifo(pipe)
        line = refused(run_cli(args + [str(pipe)], cwd=fifo_dir, timeout=30))
        assert line.startswith(str(pipe)) and NOT_REGULAR in line, line
    assert app.read_bytes() == OLD


def test_fifo_found_by_a_search_is_refused(fifo_dir: Path) -> None:
    """Found, not named: the lockfile search and the configuration search meet a pipe."""
    os.mkfifo(fifo_dir / "Podfile.lock")
    line = refused(run_cli(["versions", str(fifo_dir)], cwd=fifo_dir, timeout=30))
    assert NOT_REGULAR in line and "Podfile.lock" in line, line
    os.unlink(fifo_dir / "Podfile.lock")
    app = fifo_dir / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    os.mkfifo(fifo_dir / ".trtc-privacy.toml")
    line = refused(run_cli(["merge", str(app), "--sdk", "trtc"], cwd=fifo_dir, timeout=30))
    assert ".trtc-privacy.toml" in line and NOT_REGULAR in line, line
    assert app.read_bytes() == OLD


def test_devices_sockets_and_directories_are_refused(tmp_path: Path) -> None:
    sock_path = tmp_path / "s.xcprivacy"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for target, words in ((os.devnull, NOT_REGULAR), (str(sock_path), NOT_REGULAR),
                              (str(tmp_path), "is a directory")):
            line = refused(run_cli(["merge", target, "--sdk", "trtc"], cwd=tmp_path,
                                       timeout=30))
            assert line.startswith(target) and words in line, line
    finally:
        sock.close()


def test_a_huge_lockfile_is_measured_against_the_lockfile_cap(tmp_path: Path) -> None:
    lock = tmp_path / "Podfile.lock"
    with open(lock, "wb") as fh:
        fh.truncate(40 * 1024 * 1024)  # sparse: 40 MB on paper, nothing on disk
    line = refused(run_cli(["versions", str(lock)], cwd=tmp_path))
    assert "lockfile" in line and "manifest" not in line, line
    assert "41,943,040 bytes" in line


# -- where merge writes: a directory, a path under a file ------------------------------------


def test_output_naming_a_directory_says_so(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    out_dir = tmp_path / "Build"
    out_dir.mkdir()
    out = run_cli(["merge", str(app), "--sdk", "trtc", "-o", str(out_dir)], cwd=tmp_path)
    line = refused(out)
    assert line.startswith(str(out_dir)) and "is a directory" in line, line
    assert "disk space" not in out.stderr
    assert os.listdir(out_dir) == [] and app.read_bytes() == OLD


def test_init_under_a_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    (tmp_path / "App").write_text("not a folder\n")
    for target in ("App/PrivacyInfo.xcprivacy", "App/Sub/PrivacyInfo.xcprivacy"):
        line = refused(run_cli(["init", target, "--sdk", "trtc"], cwd=tmp_path))
        assert line.startswith(target) and "is a file, not a folder" in line, line
        assert "App" in line.split("error:", 1)[1]
    assert (tmp_path / "App").read_text() == "not a folder\n"


def test_merge_output_under_a_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    (tmp_path / "Build").write_text("a file\n")
    for target in ("Build/PrivacyInfo.xcprivacy", "Build/App/PrivacyInfo.xcprivacy"):
        out = run_cli(["merge", str(app), "--sdk", "trtc", "-o", target], cwd=tmp_path)
        line = refused(out)
        assert line.startswith(target) and "Build is a file, not a folder" in line, line
        assert "nothing was written" in line
    assert app.read_bytes() == OLD and (tmp_path / "Build").read_text() == "a file\n"


# -- permissions: the same uid without the capabilities that bypass them ---------------------


def _setpriv() -> Optional[List[str]]:
    cmd = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]
    if shutil.which("setpriv") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        ro = os.path.join(d, "ro")
        os.mkdir(ro, 0o555)
        probe = subprocess.run(cmd + ["sh", "-c", f"touch {ro}/x"], capture_output=True)
        os.chmod(ro, 0o755)
        if probe.returncode == 0:  # the bits did not bind: an ordinary user running the suite
            return [] if os.geteuid() != 0 else None
        r = subprocess.run(cmd + [sys.executable, "-c", "import trtc_privacy"], capture_output=True)
        return cmd if r.returncode == 0 else None


BOUND = _setpriv()
needs_bound = pytest.mark.skipif(BOUND is None, reason="cannot run bound by permission bits "
                                 "here (no setpriv, or root without CAP_SETPCAP)")


def run_bound(args: List[str], cwd: Path) -> subprocess.CompletedProcess:
    assert BOUND is not None
    return subprocess.run([*BOUND, sys.executable, "-m", "trtc_privacy", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1"))


def test_merge_leaves_no_lock_file_anywhere(tmp_path: Path) -> None:
    """A shared temporary folder filling with lock files another user then cannot open was the
    cause of exit 3 after a sudo run; the lock now lives beside the target, for the write only.
    The run gets a temporary folder of its own, so other processes' files do not count."""
    app_dir = tmp_path / "App"
    app_dir.mkdir()
    app = app_dir / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path,
                  env={"TMPDIR": str(private_tmp)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.rstrip().endswith(": written")
    assert os.listdir(app_dir) == ["PrivacyInfo.xcprivacy"]
    assert os.listdir(private_tmp) == []


@needs_bound
def test_a_lock_left_by_another_user_does_not_stop_the_next_run(tmp_path: Path) -> None:
    from trtc_privacy.files import lock_path

    app_dir = tmp_path / "App"
    app_dir.mkdir()
    app = app_dir / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    stale = Path(lock_path(str(app)))
    stale.write_bytes(b"")
    os.chmod(stale, 0o644)
    if os.geteuid() == 0:
        os.chown(stale, 65534, 65534)  # a killed run of another user left it
    out = run_bound(["merge", str(app), "--sdk", "trtc"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert b"NSPrivacyAccessedAPITypes" in app.read_bytes()
    assert os.listdir(app_dir) == ["PrivacyInfo.xcprivacy"]


@needs_bound
def test_a_lock_that_cannot_be_opened_is_exit_2_naming_it(tmp_path: Path) -> None:
    from trtc_privacy.files import lock_path

    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    stale = Path(lock_path(str(app)))
    stale.write_bytes(b"")
    os.chmod(stale, 0o000)
    line = refused(run_bound(["merge", str(app), "--sdk", "trtc"], tmp_path))
    assert line.startswith(str(app)) and str(stale) in line and "permission denied" in line, line
    assert app.read_bytes() == OLD


@needs_bound
def test_writable_file_in_a_read_only_folder_names_the_folder(tmp_path: Path) -> None:
    d = tmp_path / "App"
    d.mkdir()
    app = d / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    d.chmod(0o555)
    try:
        out = run_bound(["merge", str(app), "--sdk", "trtc"], tmp_path)
    finally:
        d.chmod(0o755)
    line = refused(out)
    assert line.startswith(str(app)) and f"folder {d}" in line and "permission denied" in line
    assert "left as it was" in line
    assert app.read_bytes() == OLD and os.listdir(d) == ["PrivacyInfo.xcprivacy"]


@needs_bound
def test_init_under_a_read_only_folder_exits_2_naming_it(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        for target in ("ro/PrivacyInfo.xcprivacy", "ro/App/PrivacyInfo.xcprivacy"):
            out = run_bound(["init", target, "--sdk", "trtc"], tmp_path)
            line = refused(out)
            assert line.startswith(target) and "folder ro" in line, line
            assert "nothing was written" in line and "left as it was" not in line, line
    finally:
        ro.chmod(0o755)
    assert os.listdir(ro) == []



@pytest.mark.skipif(not strace_can_delay(), reason="strace is not installed or may not trace here")
def test_a_cancelled_build_sigterm_while_writing_removes_the_lock_and_keeps_the_file(
        tmp_path: Path) -> None:
    """strace holds the temporary file's fsync for 3 s; SIGTERM lands meanwhile, as when Xcode
    cancels a build. The run unwinds: old file kept, no temporary file, no lock file left."""
    import signal
    import time

    app_dir = tmp_path / "App"
    app_dir.mkdir()
    app = app_dir / "PrivacyInfo.xcprivacy"
    app.write_bytes(OLD)
    cmd = ["strace", "-f", "-qq", "-o", os.devnull, "-e", "inject=fsync:delay_enter=3000000:when=1",
           sys.executable, "-m", "trtc_privacy", "merge", str(app), "--sdk", "trtc"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=dict(os.environ, NO_COLOR="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        names = os.listdir(app_dir)
        if any(n.endswith(".tmp") for n in names) and any(n.endswith(".lock") for n in names):
            break
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("the merge never reached its write")
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
    pids = [int(p) for p in children.stdout.split()]
    assert pids, "no traced python process"
    os.kill(pids[0], signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert "Traceback" not in err, err
    assert app.read_bytes() == OLD
    assert os.listdir(app_dir) == ["PrivacyInfo.xcprivacy"]
