"""Peak memory of ``scan`` on a universal binary over 100 MB: flat in the file's size.

The fat file is built sparse (tests/machofixtures/build.py ``build_big_fat``: two RR slices,
each with a 56 MiB zero-filled section), so it costs the disk little. The scan runs in a child
process whose own peak resident set size (``helpers.memory``) is asserted; memory, not time.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from helpers.memory import peak_rss_mib

#: The bound the issue asks for; the interpreter with trtc-privacy loaded takes about 25 MiB.
LIMIT_MIB = 64


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="os.wait4 (a child's own rusage) is POSIX")
def test_a_fat_binary_over_100_mb_is_scanned_in_under_64_mib(tmp_path: Path) -> None:
    from machofixtures.build import BIG_FAT, ToolMissing, build_big_fat, make_framework

    try:
        big = build_big_fat(tmp_path)
    except ToolMissing as exc:
        pytest.skip(str(exc))
    assert big.stat().st_size > 100 * 10**6
    make_framework(big, tmp_path / "Pods", "Big")
    big.unlink()
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    peak, out = peak_rss_mib([sys.executable, "-m", "trtc_privacy", "scan", "Pods",
                              "--format", "json"], str(tmp_path), env)
    doc = json.loads(out)
    [bundle] = [b for b in doc["bundles"] if b["name"] == "Big.framework"]
    assert len(bundle["used"]) == 5          # every category RR plants: the tables were read
    # both slices are read in place; the x86_64 one is the simulator's, which never ships, so
    # only the arm64 device slice counts (usage.xcframework's rule)
    assert bundle["used"]["NSPrivacyAccessedAPICategorySystemBootTime"] == [
        f"Pods/Big.framework/Big ({BIG_FAT.arch}): {symbol}"
        for symbol in ("_mach_absolute_time", "systemUptime")]
    assert peak < LIMIT_MIB, f"peak RSS {peak:.1f} MiB scanning a 117 MB fat file"
