"""Hostile documents: each is refused (the BOM accepted) with a clear message, nothing else is read.

Each case runs the real CLI in a subprocess with a generous timeout; how long each refusal takes
is printed here (``pytest -s``) and measured by benchmarks/run.py, not asserted.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import hostile_documents as hostile
from helpers import run_cli
from helpers.hostile import no_crash
from helpers.hostile import run as run_hostile

HAS_LINT = importlib.util.find_spec("trtc_privacy.cli.lint") is not None
APP = hostile.XML_DECL + hostile.APPLE_DOCTYPE + """<plist version="1.0">
<dict>
\t<key>NSPrivacyTracking</key>
\t<true/>
\t<key>NSPrivacyTrackingDomains</key>
\t<array>
\t\t<string>app.example.com</string>
\t</array>
</dict>
</plist>
"""
REFUSING_RULES = ("not-well-formed", "forbidden-dtd", "not-a-plist", "unreadable")


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    hostile.make_sentinel(str(d))
    for build, _, _ in hostile.CASES.values():
        build(str(d))
    return d




@pytest.mark.parametrize("case", sorted(hostile.CASES))
def test_merge_refuses_hostile_input_and_leaves_target_alone(case: str, hostile_dir: Path,
                                                             tmp_path: Path) -> None:
    build, accepted, words = hostile.CASES[case]
    path = Path(build(str(hostile_dir)))
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(APP, encoding="utf-8")
    out = run_hostile(["merge", str(app), "--manifest", str(path)], tmp_path)
    no_crash(out)
    if accepted:
        assert out.returncode == 0, out.stderr
        assert "a.example.com" in app.read_text(encoding="utf-8")
        return
    assert out.returncode == 2, out.stdout + out.stderr
    first = out.stderr.strip().splitlines()[0]
    assert first.startswith(str(path)) and ": error: " in first, out.stderr
    assert any(w in first.lower() for w in words), first
    assert app.read_text(encoding="utf-8") == APP
    assert sorted(os.listdir(tmp_path)) == ["PrivacyInfo.xcprivacy"]


@pytest.mark.parametrize("case", sorted(c for c in hostile.CASES if not hostile.CASES[c][1]))
def test_hostile_app_manifest_is_refused_and_kept_byte_for_byte(case: str, hostile_dir: Path,
                                                               tmp_path: Path) -> None:
    build, _, words = hostile.CASES[case]
    target = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(build(str(hostile_dir)), target)
    before = target.read_bytes()
    out = run_hostile(["merge", str(target), "--sdk", "trtc"], tmp_path)
    no_crash(out)
    assert out.returncode == 2
    assert any(w in out.stderr.lower() for w in words), out.stderr
    assert target.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["PrivacyInfo.xcprivacy"]


@pytest.mark.skipif(not HAS_LINT, reason="this build has no lint command")
@pytest.mark.parametrize("case", sorted(hostile.CASES))
def test_lint_reports_hostile_input_without_crashing(case: str, hostile_dir: Path) -> None:
    build, accepted, words = hostile.CASES[case]
    path = build(str(hostile_dir))
    out = run_hostile(["lint", "--format", "json", path], hostile_dir)
    no_crash(out)
    text = out.stdout + out.stderr
    if accepted:
        assert not any(r in text for r in REFUSING_RULES), text
        return
    assert out.returncode in (1, 2), text
    assert path in text
    assert any(w in text.lower() for w in words), text


XXE_CASES = ["xxe", "xxe-parameter-entity", "xxe-external-dtd", "xinclude"]


@pytest.mark.parametrize("case", XXE_CASES)
def test_no_file_outside_the_inputs_is_opened(case: str, hostile_dir: Path,
                                             tmp_path: Path) -> None:
    """The XXE target is a FIFO: opening it for reading would block until the timeout.

    With strace installed, every file-related system call is also recorded and the target's
    name must not appear among them (not even a stat).
    """
    build = hostile.CASES[case][0]
    path = build(str(hostile_dir))
    sentinel = hostile.sentinel_path(str(hostile_dir))
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(APP, encoding="utf-8")
    commands = [["merge", str(app), "--manifest", path]]
    if HAS_LINT:
        commands.append(["lint", path])
    strace = shutil.which("strace")
    if strace and subprocess.run([strace, "-qq", "-o", os.devnull, "true"]).returncode != 0:
        strace = None  # installed, but this container forbids ptrace: the FIFO still guards
    for args in commands:
        if strace is None:
            out = run_cli(args, cwd=tmp_path, timeout=60)
            no_crash(out)
            continue
        log = tmp_path / "strace.log"
        cmd = [strace, "-f", "-qq", "-e", "trace=%file,%desc", "-o", str(log),
               sys.executable, "-m", "trtc_privacy", *args]
        out = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, NO_COLOR="1"))
        no_crash(out)
        calls = log.read_text(encoding="utf-8", errors="replace")
        assert path in calls  # the trace did record file access
        assert sentinel not in calls, [c for c in calls.splitlines() if sentinel in c]
        log.unlink()
