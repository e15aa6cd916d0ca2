"""Run the atheris harness (tests/fuzz/fuzz_manifest.py) for a bounded number of inputs.

Skips when atheris is not installed (it is the ``fuzz`` extra; CI installs it). Seeds are the
vendor manifests and, when present, the real manifests in ../shared/corpus, copied into a
temporary corpus directory (libFuzzer adds the inputs it finds there).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_manifest.py"
REPO = Path(__file__).resolve().parents[2]
RUNS = 3000


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None,
                    reason="atheris is not installed (pip install '.[fuzz]')")
def test_atheris_finds_no_crash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = sorted(REPO.glob("manifests/pods/*.xcprivacy"))
    shared = REPO.parent / "shared" / "corpus"
    if shared.is_dir():
        seeds += sorted(shared.glob("*.xcprivacy"))
    for i, seed in enumerate(seeds):
        shutil.copyfile(seed, corpus / f"seed-{i:03d}")
    out = subprocess.run(
        [sys.executable, str(HARNESS), f"-runs={RUNS}", "-seed=6", "-max_len=16384",
         "-rss_limit_mb=1024", f"-artifact_prefix={tmp_path}{os.sep}", str(corpus)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    log = out.stdout + out.stderr
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "oom-",
                                                                             "timeout-")))
    assert out.returncode == 0 and not crashes, log[-4000:]
    assert f"Done {RUNS} runs" in log, log[-2000:]
