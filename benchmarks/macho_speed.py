"""Speed of the Mach-O reader against just reading the same bytes.

Usage (from the project root, with the Python that has trtc-privacy installed):

    python benchmarks/macho_speed.py            # Tencent frameworks (../shared) + built fixtures
    python benchmarks/macho_speed.py FILE...    # your own binaries

For each input set it prints MB/s of ``trtc_privacy.usage.macho.read_file`` and of the floor (open,
read all bytes, close), best of several interleaved rounds of CPU time, and the ratio; and LIEF's
(deep configuration) when it is installed. Fixtures are built into a temporary directory with
tests/machofixtures/build.py when clang/lld are installed.

One more row is about memory: a universal file over 100 MB (``build_big_fat``: two slices padded
by a zero-filled section, written sparse) is read by ``macho.read_file`` and by ``trtc-privacy
scan`` in child processes, and each child's peak resident set size (tests/helpers/memory.py) is printed
beside the interpreter's own (``python -c pass`` with the reader imported).
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests"))

from trtc_privacy.usage import macho  # noqa: E402

ROUNDS = 7


def floor(paths: List[str]) -> int:
    n = 0
    for p in paths:
        with open(p, "rb") as fh:
            n += len(fh.read())
    return n


def reader(paths: List[str]) -> int:
    n = 0
    for p in paths:
        n += len(macho.read_file(p))
    return n


def lief_deep(paths: List[str]) -> int:
    """LIEF with the configuration that decodes bind opcodes (for comparison; a test extra)."""
    import lief
    n = 0
    for p in paths:
        with open(p, "rb") as fh:
            if fh.read(8) == b"!<arch>\n":
                continue    # LIEF does not read static archives
        fat = lief.MachO.parse(p, config=lief.MachO.ParserConfig.deep)
        n += fat.size if fat is not None else 0
    return n


def best(fn: Callable[[List[str]], int], paths: List[str]) -> float:
    """CPU seconds of one call (user + system: what a loaded machine disturbs least)."""
    start = time.process_time()
    fn(paths)
    return time.process_time() - start


def measure(label: str, paths: List[str]) -> None:
    """Print MB/s of the floor, the reader and (when installed) LIEF on ``paths``."""
    size = sum(os.path.getsize(p) for p in paths)
    images = reader(paths)
    t_floor, t_read = [], []
    for _ in range(ROUNDS):          # interleaved, so machine noise hits both
        t_floor.append(best(floor, paths))
        t_read.append(best(reader, paths))
    mb = size / 1e6
    f, r = min(t_floor), min(t_read)
    print(f"{label:20} {len(paths):3} files {images:3} images {mb:6.1f} MB | "
          f"read bytes {mb / f:6.0f} MB/s | macho.read_file {mb / r:5.0f} MB/s "
          f"({r / mb * 1000:.2f} ms/MB, {r / f:.1f}x the floor)")
    try:
        import lief  # noqa: F401
    except ImportError:
        return
    lief.logging.disable()
    t_lief = min(best(lief_deep, paths) for _ in range(3))
    print(f"{'':20} LIEF deep (no archives) {mb / t_lief:5.0f} MB/s "
          f"({t_lief / mb * 1000:.2f} ms/MB)")


def measure_memory(tmp: str) -> None:
    """The memory row: peak RSS reading and scanning a fat file over 100 MB."""
    from helpers.memory import peak_rss_mib
    from machofixtures.build import build_big_fat, make_framework

    big = build_big_fat(Path(tmp))
    size = big.stat().st_size / 1e6
    py = sys.executable
    base = peak_rss_mib([py, "-c", "import trtc_privacy.usage.macho"], tmp)[0]
    read = peak_rss_mib([py, "-c", "import sys; from trtc_privacy.usage import macho; "
                         "macho.read_file(sys.argv[1])", str(big)], tmp)[0]
    make_framework(big, Path(tmp) / "Pods", "Big")
    scan = peak_rss_mib([py, "-m", "trtc_privacy", "scan", "Pods", "--format", "json"], tmp)[0]
    print(f"{f'fat {size:.0f} MB (sparse)':20}   1 files   2 images | peak RSS: interpreter + "
          f"reader {base:.0f} MiB | macho.read_file {read:.0f} MiB | trtc-privacy scan "
          f"{scan:.0f} MiB")


def main(argv: List[str]) -> int:
    if argv:
        measure("given files", argv)
        return 0
    tencent = sorted(p for p in glob.glob(os.path.join(
        REPO, "..", "shared", "reference", "trtc", "binaries", "*.xcframework", "*",
        "*.framework", "*")) if os.path.isfile(p) and macho.sniff(open(p, "rb").read(8)))
    if tencent:
        measure("Tencent frameworks", tencent)
    else:
        print("Tencent frameworks: absent (../shared/reference/trtc/binaries)")
    try:
        from machofixtures.build import ToolMissing, build_all
    except ImportError:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        try:
            files = build_all(__import__("pathlib").Path(tmp))
        except ToolMissing as exc:
            print(f"fixtures: skipped ({exc})")
            return 0
        measure("built fixtures", sorted(str(p) for p in files.values()))
    if hasattr(os, "wait4"):
        with tempfile.TemporaryDirectory() as tmp:
            measure_memory(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
