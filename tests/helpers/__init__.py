"""Builders and runners the tests share: where things are, and the CLI run in a process or in this one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
FIXTURES = REPO / "tests" / "fixtures"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/, or skip the test when the reference data is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"reference data {p} is absent (it lives beside the project, not in it)")
    return p


def run_cli(args: List[str], cwd: Optional[os.PathLike] = None, env: Optional[dict] = None,
            input: Optional[str] = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the installed ``trtc-privacy`` as a user would, in a real process."""
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("GITHUB_ACTIONS", "XCODE_VERSION_ACTUAL")}
    full_env["NO_COLOR"] = "1"
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "trtc_privacy", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, input=input, timeout=timeout)


class Ran:
    """What an in-process run of the CLI printed and returned (like CompletedProcess)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def invoke(args: List[str], cwd: Optional[os.PathLike] = None,
           env: Optional[dict] = None) -> Ran:
    """``trtc_privacy.cli.main(args)`` in this process, in ``cwd``, with its output captured:
    for CLI tests that are not about processes (much faster than run_cli)."""
    import contextlib
    import io

    from trtc_privacy.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_cwd, old_env = os.getcwd(), dict(os.environ)
    try:
        if cwd is not None:
            os.chdir(cwd)
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(old_env)
    return Ran(code, out.getvalue(), err.getvalue())
