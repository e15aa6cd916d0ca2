"""Speed of ``scan``: the source scanner's MB/s, and whole scans of project trees.

Usage (from the project root, with the Python that has trtc-privacy installed):

    python benchmarks/scan_speed.py             # generated sources, the fixture tree, Tencent
    python benchmarks/scan_speed.py DIR...      # also scan these folders (your own project)

Prints, best of several rounds of wall time in-process (start-up excluded; ``time
trtc-privacy scan`` adds the interpreter's and typer's start-up):

- the source scanner on a generated tree (Swift, Objective-C and C files of realistic size, most
  without any required-reason spelling, some with uses and decoys), in MB/s of source text,
  against only reading the same files;
- ``scan.scan`` on a project tree built from the Mach-O fixtures (sources, Pods with vendored
  frameworks, an .xcframework and a static library), when clang/lld are installed;
- ``scan.scan`` on the Tencent frameworks in ../shared/reference/trtc/binaries laid out as the
  TXLiteAVSDK_TRTC pod installs them, when that folder is there.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from typing import Callable, List

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests"))

from trtc_privacy import config  # noqa: E402
from trtc_privacy.usage import scan, sourcescan  # noqa: E402

ROUNDS = 5

_PLAIN = """\
import Foundation

/// A view model with nothing to declare: {i}
final class Model{i} {{
    private var items: [String] = []
    func add(_ s: String) {{ items.append(s.trimmingCharacters(in: .whitespaces)) }}
    func state() -> Int {{ return items.count * {i} }}  // static-looking names: stats, status
    let message = "UserDefaults are not used here; stat() neither"
}}
"""
_USES = """\
#import <Foundation/Foundation.h>
#include <sys/stat.h>
static int size_of(const char *p) {{
    struct stat st;
    return stat(p, &st) == 0 ? (int)st.st_size : -1;
}}
@implementation Store{i}
- (double)uptime {{ return [[NSProcessInfo processInfo] systemUptime]; }}
- (id)value {{ return [[NSUserDefaults standardUserDefaults] objectForKey:@"k{i}"]; }}
/* [[NSUserDefaults standardUserDefaults] synchronize]; */
@end
"""


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def generated_sources(root: str, files: int = 2000) -> List[str]:
    out = []
    for i in range(files):
        d = os.path.join(root, "Sources", f"Module{i % 20}")
        os.makedirs(d, exist_ok=True)
        if i % 10 == 0:
            p = os.path.join(d, f"Store{i}.m")
            body = _USES.format(i=i)
        else:
            p = os.path.join(d, f"Model{i}.swift")
            body = _PLAIN.format(i=i) * 8  # ~3 KB, a typical source file
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(body)
        out.append(p)
    return out


def bench_sources(tmp: str) -> None:
    paths = generated_sources(tmp)
    size = sum(os.path.getsize(p) for p in paths)

    def read_only() -> None:
        for p in paths:
            sourcescan.read_source(p)

    def scan_all() -> None:
        for p in paths:
            sourcescan.scan_file(p)

    floor, t = best(read_only), best(scan_all)
    print(f"source scanner: {len(paths)} files, {size / 1e6:.1f} MB: {size / 1e6 / t:.1f} MB/s "
          f"({t * 1000:.0f} ms; reading alone {size / 1e6 / floor:.0f} MB/s)")


def bench_tree(label: str, root: str) -> None:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        cfg = config.load()
        result = scan.scan(["."], cfg)
        t = best(lambda: scan.scan(["."], cfg))
    finally:
        os.chdir(cwd)
    print(f"{label}: {result.files} files read, {len(result.bundles)} bundles, "
          f"{len(result.diagnostics)} findings: {t * 1000:.1f} ms")


def fixture_tree(tmp: str) -> str:
    from helpers.manifests import manifest
    from machofixtures import build

    fx = build.build_all(os.path.join(tmp, "fx"))
    root = os.path.join(tmp, "Proj")
    os.makedirs(os.path.join(root, "App"))
    with open(os.path.join(root, "App", "Clock.swift"), "w") as fh:
        fh.write("let up = ProcessInfo.processInfo.systemUptime\n")
    pods = os.path.join(root, "Pods")
    from pathlib import Path

    build.make_framework(fx["dylib"], Path(pods, "RRKit"), "RR", manifest=manifest())
    build.make_framework(fx["objc"], Path(pods, "RRObjC"), "RRObjC")
    build.make_framework(fx["decoy"], Path(pods, "DecoyKit"), "Decoy")
    build.make_xcframework(Path(pods, "RRX"), "RRX", [
        build.Slice(fx["dylib"], "ios", ("arm64",)),
        build.Slice(fx["fat"], "ios", ("arm64", "x86_64"), "simulator")])
    os.makedirs(os.path.join(pods, "Static"))
    shutil.copyfile(fx["archive"], os.path.join(pods, "Static", "libRR.a"))
    return root


def tencent_tree(tmp: str) -> str:
    src = os.path.join(os.path.dirname(REPO), "shared", "reference", "trtc", "binaries")
    root = os.path.join(tmp, "TRTCApp")
    pod = os.path.join(root, "Pods", "TXLiteAVSDK_TRTC")
    for name in ("TXFFmpeg", "TXSoundTouch", "TXLiteAVSDK_ReplayKitExt"):
        shutil.copytree(os.path.join(src, f"{name}.xcframework"),
                        os.path.join(pod, f"{name}.xcframework"), symlinks=True)
    return root


def main(argv: List[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        bench_sources(os.path.join(tmp, "gen"))
        from machofixtures import build

        if build.missing_tools():
            print("fixture tree: skipped (needs " + ", ".join(build.missing_tools()) + ")")
        else:
            bench_tree("fixture tree", fixture_tree(tmp))
        src = os.path.join(os.path.dirname(REPO), "shared", "reference", "trtc", "binaries")
        if os.path.isdir(src):
            bench_tree("Tencent frameworks", tencent_tree(tmp))
        else:
            print(f"Tencent frameworks: skipped ({src} is absent)")
        for d in argv:
            bench_tree(d, os.path.abspath(d))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
