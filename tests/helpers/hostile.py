"""The one runner the adversarial tests share: run a command on a hostile input and hold it to
the contract every hostile case has (no traceback, no internal error, a refusal that names the
file), plus the probes and sweeps several of them need (strace, atheris, stray temporary files).

The hostile documents themselves are built by ``helpers.hostile_documents``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Sequence

from helpers import run_cli

#: The writer's temporary files (files.write_atomic) are named ``.trtc-privacy-*.tmp``; its lock
#: files share the prefix and may stay.
TMP_PREFIX, TMP_SUFFIX = ".trtc-privacy-", ".tmp"


def run(args: List[str], cwd: Path, timeout: float = 120) -> "subprocess.CompletedProcess[str]":
    """Run the CLI in a real process on a hostile input; say how long it took (shown with -s),
    and fail on a traceback, an internal error or an exit code the tool does not document."""
    t0 = time.perf_counter()
    out = run_cli(args, cwd=cwd, timeout=timeout)
    print(f"  {' '.join(args[:1])} {Path(args[-1]).name}: exit {out.returncode} in "
          f"{time.perf_counter() - t0:.2f}s")
    no_crash(out)
    return out


def no_crash(out: "subprocess.CompletedProcess[str]") -> None:
    text = out.stdout + out.stderr
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    assert out.returncode in (0, 1, 2), (out.returncode, text)


def refused(out: "subprocess.CompletedProcess[str]", path: Optional[Path] = None,
            words: str = "") -> str:
    """The first ``PATH: error:`` line of a refusal (exit 2), checked to name ``path`` and hold
    ``words`` when given."""
    no_crash(out)
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    lines = [ln for ln in out.stderr.splitlines() if ": error: " in ln]
    assert lines, out.stderr
    if path is not None:
        assert lines[0].startswith(str(path)), out.stderr
    assert words in lines[0].lower(), lines[0]
    return lines[0]


def strays(directory: Path) -> List[str]:
    """Temporary files a write left behind in ``directory``."""
    return [n for n in os.listdir(directory) if n.startswith(TMP_PREFIX) and n.endswith(TMP_SUFFIX)]


def strace_can_delay() -> bool:
    """strace is installed and may trace here (containers may forbid ptrace), with fault
    injection: the crash and lock tests slow a write's fsync down to kill it mid-way."""
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull, "-e",
                            "inject=fsync:delay_enter=1", sys.executable, "-c",
                            "import os, tempfile; f = tempfile.TemporaryFile(); os.fsync(f.fileno())"],
                           capture_output=True)
    return probe.returncode == 0


def run_atheris(harness: Path, seeds: Sequence[bytes], tmp_path: Path, runs: int, seed: int,
                max_len: int, extra: Sequence[str] = ()) -> None:
    """Run an atheris harness for ``runs`` inputs from ``seeds``; fail on any crash, leak or
    time-out it reports (with the end of its log)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, data in enumerate(seeds):
        (corpus / f"seed-{i:03d}").write_bytes(data[:max_len])
    out = subprocess.run(
        [sys.executable, str(harness), f"-runs={runs}", f"-seed={seed}", f"-max_len={max_len}",
         *extra, "-rss_limit_mb=1024", f"-artifact_prefix={tmp_path}{os.sep}", str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    crashes = sorted(p.name for p in tmp_path.iterdir()
                     if p.name.startswith(("crash-", "oom-", "timeout-")))
    assert out.returncode == 0 and not crashes, log[-4000:]
    assert f"Done {runs} runs" in log, log[-2000:]
