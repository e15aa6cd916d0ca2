"""The README's first shell block: two lines that work in a fresh clone with only python3 and git.

Each line runs alone in its own clean clone (a ``git clone`` of a one-commit copy of this working
tree), from the clone's root, with a PATH holding nothing but ``python3`` and ``git`` (so there is
no ``python`` command) and no virtual environment active. Line 1 runs exactly as written. Line 2
runs the whole suite, which cannot run again inside itself: here it runs as written with a
pytest selection appended (``./dev test`` passes its arguments to pytest), which sets up the
test environment for real and runs a few tests in it. ``.ci/run`` runs line 2 itself, unchanged,
and a test below checks that it does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
from helpers import REPO
from helpers.hookrepo import hook_repo

README = REPO / "README.md"


def first_shell_block() -> List[str]:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"^```(?:sh|bash|console)\n(.*?)^```", text, re.M | re.S)
    assert m, "README.md has no shell block"
    return [line for line in m.group(1).splitlines() if line.strip()]


def test_the_first_shell_block_is_two_commands_and_ci_runs_the_second() -> None:
    lines = first_shell_block()
    assert len(lines) == 2, lines
    assert not any(line.lstrip().startswith("#") for line in lines)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[1] in ci, f".ci/run must run {lines[1]!r} exactly"
    for line in lines:
        assert not re.search(r"(^|[\s;&|])python(\s|$)", line), "no `python` command"
        assert "activate" not in line


def _bare_env(tmp_path: Path) -> Dict[str, str]:
    """PATH with only python3 and git; no virtual environment; the user's pip settings kept."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python3 = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    git = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, text=True).stdout.strip()
    if not git:
        pytest.skip("git is not installed")
    (bin_dir / "python3").symlink_to(python3)
    (bin_dir / "git").symlink_to(Path(git).resolve())
    env = {k: v for k, v in os.environ.items()
           if k in ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER") or k.startswith("PIP_")}
    env.update(PATH=str(bin_dir), NO_COLOR="1", GIT_CONFIG_NOSYSTEM="1")
    return env


def _clone(tmp_path: Path, name: str) -> Path:
    source, _rev, _home = hook_repo()
    dest = tmp_path / name
    subprocess.run(["git", "clone", "-q", source, str(dest)], check=True)
    return dest


def _run(line: str, cwd: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/sh", "-c", line], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=1800)


def test_line_one_sets_up_and_shows_the_example_merge_in_a_clean_clone(tmp_path: Path) -> None:
    line = first_shell_block()[0]
    env = _bare_env(tmp_path)
    assert _run("command -v python", tmp_path, env).returncode != 0  # really no `python`
    clone = _clone(tmp_path, "clone")
    r = _run(line, clone, env)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    # what merge adds, as a diff of the example's manifest
    assert "+++ b/examples/VideoCallApp/VideoCallApp/PrivacyInfo.xcprivacy" in out, out
    assert "+      <string>NSPrivacyAccessedAPICategorySystemBootTime</string>" in out
    assert "git checkout -- examples/" in out
    # the example is left as it was, and nothing untracked appears; the environment is .venv
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone,
                            capture_output=True, text=True).stdout
    assert status == "", status
    assert (clone / ".venv" / "bin" / "trtc-privacy").exists()
    # run again: nothing to set up, the same answer
    again = _run(line, clone, env)
    assert again.returncode == 0 and "pip install" not in again.stdout, again.stdout + again.stderr
    assert "+      <string>NSPrivacyAccessedAPICategorySystemBootTime</string>" in again.stdout
    # the commands it prints work as written, from the repository root
    write = re.search(r"^\s*(\.venv/bin/trtc-privacy merge .*)$", out, re.M)
    assert write, out
    assert _run(write.group(1), clone, env).returncode == 0
    assert _run("git diff --quiet", clone, env).returncode == 1  # the example changed
    assert _run("git checkout -- examples/", clone, env).returncode == 0
    assert _run("git diff --quiet", clone, env).returncode == 0  # and is back


def test_line_two_sets_up_the_tests_and_runs_pytest_in_a_clean_clone(tmp_path: Path) -> None:
    line = first_shell_block()[1]
    env = _bare_env(tmp_path)
    clone = _clone(tmp_path, "clone")
    bounded = line + " tests/packaging/test_packaging.py -k 'version_from_both or usage_errors'"
    r = _run(bounded, clone, env)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert re.search(r"^=+ 2 passed, \d+ deselected in .*=+$", r.stdout, re.M), out[-4000:]
    # the suite ran in the clone's own .venv, against the clone's code
    assert (clone / ".venv" / "bin" / "pytest").exists()
    where = subprocess.run([str(clone / ".venv" / "bin" / "python"), "-c",
                            "import trtc_privacy; print(trtc_privacy.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert where.stdout.strip() == str(clone / "trtc_privacy" / "__init__.py"), where
