"""Run the Mach-O atheris harness (tests/fuzz/fuzz_macho.py) for a bounded number of inputs.

Skips when atheris is not installed (the ``fuzz`` extra; CI installs it) or when the fixtures
cannot be built. Seeds are the small fixtures (object files, archives, a fat object) and the
first 16 KiB of the linked ones, copied into a temporary corpus directory.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Dict

import pytest
from helpers.hostile import run_atheris

HARNESS = Path(__file__).resolve().parents[1] / "fuzz" / "fuzz_macho.py"
RUNS = 3000
MAX_LEN = 16384


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None,
                    reason="atheris is not installed (pip install '.[fuzz]')")
def test_atheris_finds_no_crash_in_the_macho_reader(macho_fixtures: Dict[str, Path],
                                                     tmp_path: Path) -> None:
    seeds = [path.read_bytes() for _key, path in sorted(macho_fixtures.items())]
    run_atheris(HARNESS, seeds, tmp_path, RUNS, seed=12, max_len=MAX_LEN, extra=["-timeout=10"])
