"""Adversarial rows: inputs shaped to cost more than their size, each at 1x, 2x and 4x.

Usage (from the project root, with the Python that has trtc-privacy installed):

    python benchmarks/adversarial.py          # these rows alone (about a minute)
    python benchmarks/run.py                  # the whole benchmark, these rows included

Each shape is one that issue 20 found superlinear or out of proportion (or one of the same
family): the source scanner's raw strings, directives on one long line, one huge string
literal, many tiny literals, many empty lines; an .ipa whose executable is large, one whose
central directory holds more entries than it declares; a binary plist that expands, a deep
one; many ``exclude`` patterns. Each row is a real process (median CPU of 5 runs, its peak RSS);
a row is flagged when its cost per added unit more than doubles from one size to the next
(``run.Scaling``), or when its peak memory passes 200 MiB for an input under 20 MB.
"""

from __future__ import annotations

import json
import os
import plistlib
import random
import shutil
import struct
import sys
import tempfile
import zipfile
from typing import Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SIZES = (1, 2, 4)
ROUNDS = 5
PEAK_LIMIT_MIB = 200
INPUT_LIMIT = 20 << 20
MANIFEST = "PrivacyInfo.xcprivacy"
_APP = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
        "\t<key>NSPrivacyTracking</key>\n\t<false/>\n</dict>\n</plist>\n")


def _write(path: str, data: bytes) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def _source(name: str, body: Callable[[int], str], unit: int) -> Callable[[str, int], Tuple[List[str], int]]:
    def build(d: str, k: int) -> Tuple[List[str], int]:
        text = body(unit * k) + "\nlet d = UserDefaults.standard\nint n = stat(p, &st);\n"
        path = _write(os.path.join(d, "src", name), text.encode())
        return ["scan", "--format", "json", os.path.dirname(path)], len(text)
    return build


def _executable(pad: int = 0) -> bytes:
    return struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 0, 0, 0, 0) + bytes(pad)


def _big_executable(d: str, k: int) -> Tuple[List[str], int]:
    """An .ipa whose executable is 64 MiB per unit, at about 35:1 (within the ratio limit)."""
    rng = random.Random(1)
    block = bytearray(1 << 20)
    for i in range(0, len(block), 96):
        block[i] = rng.randrange(256)
    path = os.path.join(d, "Big.ipa")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("Payload/Demo.app/Info.plist", plistlib.dumps({"CFBundleExecutable": "Demo"}))
        with zf.open("Payload/Demo.app/Demo", "w", force_zip64=True) as fh:
            fh.write(_executable())
            for _ in range(64 * k):
                fh.write(bytes(block))
    return ["audit", "--format", "json", path], os.path.getsize(path)


def _directory(d: str, k: int) -> Tuple[List[str], int]:
    """An .ipa whose end record declares one member over 50,000 per unit in its directory."""
    path = os.path.join(d, "Many.ipa")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("Payload/Demo.app/Info.plist", plistlib.dumps({"CFBundleExecutable": "Demo"}))
        for i in range(50_000 * k):
            zf.writestr(f"Payload/Demo.app/f{i}", b"")
    with open(path, "r+b") as fh:
        data = bytearray(fh.read())
        eocd = data.rfind(b"PK\x05\x06")
        struct.pack_into("<HH", data, eocd + 8, 1, 1)
        loc = eocd - 20
        if data[loc:loc + 4] == b"PK\x06\x07":  # zip64: its record declares the count too
            (off,) = struct.unpack_from("<Q", data, loc + 8)
            struct.pack_into("<QQ", data, off + 24, 1, 1)
        fh.seek(0)
        fh.write(data)
    return ["audit", "--format", "json", path], os.path.getsize(path)


def _bplist(d: str, k: int, levels_per_unit: int, twice: bool) -> Tuple[List[str], int]:
    """A binary plist of arrays, each holding the next (twice: it doubles when expanded)."""
    levels = levels_per_unit * k
    marker = 0xA2 if twice else 0xA1
    objects = b"".join(bytes([marker]) + struct.pack(">H", i + 1) * (2 if twice else 1)
                       for i in range(levels)) + b"\x51x"
    step = 5 if twice else 3
    offsets = b"".join(struct.pack(">I", 8 + step * i) for i in range(levels + 1))
    trailer = struct.pack(">6xBBQQQ", 4, 2, levels + 1, 0, 8 + len(objects))
    path = _write(os.path.join(d, "vendor", MANIFEST),
                  b"bplist00" + objects + offsets + trailer)
    app = _write(os.path.join(d, "app", MANIFEST), _APP.encode())
    return ["merge", app, "--manifest", path, "--check"], os.path.getsize(path)


def _excludes(d: str, k: int) -> Tuple[List[str], int]:
    """A lint of 10 files under a configuration of 20,000 ``exclude`` patterns per unit."""
    for i in range(10):
        _write(os.path.join(d, f"m{i}", MANIFEST), _APP.encode())
    patterns = [f"v{i}/*" for i in range(20_000 * k)]
    cfg = _write(os.path.join(d, ".trtc-privacy.toml"),
                 f"exclude = {json.dumps(patterns)}\n".encode())
    return ["lint", "--format", "json", d], os.path.getsize(cfg)


#: name -> builder(folder, k) -> (arguments, input bytes)
SHAPES: Dict[str, Callable[[str, int], Tuple[List[str], int]]] = {
    "scan: aR\"( repeated (C)": _source("raw.c", lambda n: 'aR"(' * n, 400_000),
    "scan: one line of 'x #import' (ObjC)": _source("line.m", lambda n: "x #import " * n, 400_000),
    "scan: one Swift string literal": _source("Str.swift", lambda n: 'let s = "' + "a" * n + '"',
                                             4 << 20),
    "scan: many empty literals (Swift)": _source("Tiny.swift", lambda n: '""' * n, 1 << 20),
    "scan: empty lines (Swift)": _source("Lines.swift", lambda n: "\n" * n, 4 << 20),
    "audit: .ipa with a large executable": _big_executable,
    "audit: directory beyond its declared count": _directory,
    "merge: binary plist expanding 2^n": lambda d, k: _bplist(d, k, 40, True),
    "merge: binary plist nested deep": lambda d, k: _bplist(d, k, 2_000, False),
    "lint: many exclude patterns": _excludes,
}


def run(tool: List[str], work: str, scaling: "object") -> Dict[str, List[Dict[str, object]]]:
    """Every shape at every size, into ``scaling`` (a ``run.Scaling``); returns the flags."""
    from run import median_runs  # noqa: E402 (benchmarks/run.py)

    flags: Dict[str, List[Dict[str, object]]] = {}
    for name, build in SHAPES.items():
        for k in SIZES:
            d = os.path.join(work, f"adv-{abs(hash(name))}-{k}")
            os.makedirs(d)
            args, size = build(d, k)
            runs = median_runs({"x": tool + args}, ROUNDS, cwd=d)["x"]
            row = scaling.add(f"adversarial: {name}", k, runs)  # type: ignore[attr-defined]
            row["input_bytes"] = size
            peak = int(row["peak_rss_kb"]) / 1024
            if size < INPUT_LIMIT and peak > PEAK_LIMIT_MIB:
                row["flag"] = (str(row["flag"]) + f" PEAK {peak:.0f} MiB OVER {PEAK_LIMIT_MIB}"
                               ).strip()
            if row["exit"] not in (0, 1, 2):
                row["flag"] = (str(row["flag"]) + f" EXIT {row['exit']}").strip()
            shutil.rmtree(d, ignore_errors=True)
            if row["flag"]:
                flags.setdefault(name, []).append(row)
    return flags


def main() -> int:
    import run as bench

    scaling = bench.Scaling()
    work = tempfile.mkdtemp(prefix="trtc-privacy-adversarial-")
    try:
        flags = run(bench.cli_command(), work, scaling)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    scaling.print()
    print("\nflagged: " + (", ".join(flags) if flags else "none"))
    return 1 if flags else 0


if __name__ == "__main__":
    sys.exit(main())
