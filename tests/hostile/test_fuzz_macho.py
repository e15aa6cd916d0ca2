"""Run the Mach-O atheris harness (tests/fuzz/fuzz_macho.py) for a bounded number of inputs.

Skips when atheris is not installed (the ``fuzz`` extra; CI installs it) or when the fixtures
cannot be built. Seeds are the small fixtures (object files, archives, a fat object) and the
first 16 KiB of the linked ones, copied into a temporary corpus directory.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_macho.py"
RUNS = 3000
MAX_LEN = 16384


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None,
                    reason="atheris is not installed (pip install '.[fuzz]')")
def test_atheris_finds_no_crash_in_the_macho_reader(macho_fixtures: Dict[str, Path],
                                                     tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for key, path in sorted(macho_fixtures.items()):
        (corpus / f"seed-{key}").write_bytes(path.read_bytes()[:MAX_LEN])
    out = subprocess.run(
        [sys.executable, str(HARNESS), f"-runs={RUNS}", "-seed=12", f"-max_len={MAX_LEN}",
         "-timeout=10", "-rss_limit_mb=1024", f"-artifact_prefix={tmp_path}{os.sep}",
         str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "oom-",
                                                                             "timeout-")))
    assert out.returncode == 0 and not crashes, log[-4000:]
    assert f"Done {RUNS} runs" in log, log[-2000:]
