"""Benchmark ``audit`` on a large generated .ipa against reading the same file's bytes.

Usage (from the project root, with the Python that has trtc-privacy installed, and Debian's
clang/lld for the fixture binaries):

    python benchmarks/audit.py                # 400 MiB .ipa, 20,000 members; 3 runs each
    python benchmarks/audit.py --mb 800 --repeat 5 --json out.json

The .ipa is the test fixture app (tests/machofixtures/artifacts.py: an app, an extension,
frameworks, resource bundles, Signatures/ receipts) plus the Tencent frameworks from
../shared when present, padded with stored members of random bytes (assets a real app carries
and audit never decompresses) up to the size asked for. "read" is the floor: one process that
reads every byte of the file in 1 MiB chunks. Figures are medians of real processes, with peak
resident memory from wait4. The JSON goes to benchmarks/results/ unless --json says otherwise.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import run as R  # noqa: E402  (run_once, median_runs, med, figures)

READ = ("import sys\n"
        "with open(sys.argv[1], 'rb') as fh:\n"
        "    while fh.read(1 << 20):\n"
        "        pass\n")


def make_ipa(work: Path, megabytes: int, small: int) -> Path:
    """The fixture app zipped as an .ipa, with ``small`` 4 KiB deflated assets, padded with
    random stored members to ``megabytes``."""
    from machofixtures import artifacts as A

    shared = REPO.parent / "shared" / "reference" / "trtc" / "binaries"
    extra = [shared / f"{n}.xcframework" / "ios-arm64_armv7" / f"{n}.framework"
             for n in ("TXFFmpeg", "TXSoundTouch", "TXLiteAVSDK_ReplayKitExt")]
    arts = A.assemble(work / "fixtures", extra_frameworks=[p for p in extra if p.is_dir()])
    ipa = work / "Large.ipa"
    shutil.copyfile(arts["ipa"], ipa)
    chunk = 4 << 20
    with zipfile.ZipFile(ipa, "a", zipfile.ZIP_DEFLATED) as zf:
        for i in range(small):
            zf.writestr(f"Payload/Demo.app/Assets.car.d/{i // 1000:02d}/a{i:05d}.png",
                        os.urandom(2048) + bytes(2048))
    with zipfile.ZipFile(ipa, "a", zipfile.ZIP_STORED) as zf:
        n = 0
        while ipa.stat().st_size < megabytes << 20:
            zf.writestr(f"Payload/Demo.app/Assets/pad{n:05d}.bin", os.urandom(chunk))
            n += 1
    return ipa


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=400, help="size of the generated .ipa (MiB)")
    ap.add_argument("--small", type=int, default=20_000, help="how many small asset members")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="where to write the JSON results")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trtc-audit-bench-") as tmp:
        ipa = make_ipa(Path(tmp), args.mb, args.small)
        size = ipa.stat().st_size
        with zipfile.ZipFile(ipa) as zf:
            members = len(zf.infolist())
        py = sys.executable
        cases: Dict[str, List[str]] = {
            "read": [py, "-c", READ, str(ipa)],
            "audit": [py, "-m", "trtc_privacy", "audit", str(ipa), "--format", "json"],
        }
        rc = R.run_once(cases["audit"]).rc
        if rc not in (0, 1):
            print(f"audit failed: {R.explain_failure(cases['audit'])}", file=sys.stderr)
            return 2
        runs = R.median_runs(cases, args.repeat)
    rows = {k: {"cpu_s": R.med(v), "wall_s": R.med_wall(v),
                "peak_rss_mb": max(r.rss_kb for r in v) / 1024} for k, v in runs.items()}
    print(f"audit of a {size / (1 << 20):.0f} MiB .ipa ({members} members), "
          f"median of {args.repeat}")
    print(f"{'':8} {'cpu s':>8} {'wall s':>8} {'peak RSS MiB':>13}")
    for k, r in rows.items():
        print(f"{k:8} {r['cpu_s']:8.3f} {r['wall_s']:8.3f} {r['peak_rss_mb']:13.1f}")
    result = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "ipa_bytes": size, "members": members, "repeat": args.repeat,
        "medians": rows, "runs": R.figures(runs),
    }
    out = args.json or str(HERE / "results" / "audit.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
