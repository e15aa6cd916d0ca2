"""Run the atheris harness (tests/fuzz/fuzz_manifest.py) for a bounded number of inputs.

Skips when atheris is not installed (it is the ``fuzz`` extra; CI installs it). Seeds are the
vendor manifests and, when present, the real manifests in ../shared/corpus, copied into a
temporary corpus directory (libFuzzer adds the inputs it finds there).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from helpers import REPO, SHARED
from helpers.hostile import run_atheris

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_manifest.py"
RUNS = 3000


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None,
                    reason="atheris is not installed (pip install '.[fuzz]')")
def test_atheris_finds_no_crash(tmp_path: Path) -> None:
    seeds = sorted(REPO.glob("manifests/pods/*.xcprivacy"))
    if SHARED.is_dir():
        seeds += sorted((SHARED / "corpus").glob("*.xcprivacy"))
    run_atheris(HARNESS, [p.read_bytes() for p in seeds], tmp_path, RUNS, seed=6, max_len=16384)
