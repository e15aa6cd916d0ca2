"""Benchmark trtc-privacy against the floor of its own stack and against the peer ``xcprivacy``.

Usage (from the project root, with the Python that has trtc-privacy installed):

    python benchmarks/run.py                 # 1-2 minutes on 2 cores; table + JSON
    python benchmarks/run.py --json out.json # JSON to a path of your choice
    python benchmarks/run.py --no-peer       # skip installing xcprivacy
    python benchmarks/run.py --profile       # also print where the time goes
    python benchmarks/run.py --no-scaling    # skip the scaling rows (10k files, 100k entries)
    python benchmarks/run.py --against OTHER/bin/python
                                             # start-up rows beside another install (a wheel of
                                             # an earlier commit in its own venv), interleaved
    python benchmarks/run.py --no-adversarial  # skip the adversarial rows (benchmarks/adversarial.py)

Every figure is the median of repeated runs of a real process, measured side by side in one run
(runs of the things compared are interleaved, so machine noise hits both). Inputs are generated
at run time into a temporary directory by benchmarks/corpus.py. The JSON goes to
benchmarks/results/ (git-ignored) unless ``--json`` says otherwise, so runs can be compared
across commits.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import corpus  # noqa: E402

FLOOR_IMPORT = "import typer, lxml.etree"
FLOOR_PARSE = (
    "import sys\n"
    "from lxml import etree\n"
    "p = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)\n"
    "for path in sys.argv[1:]:\n"
    "    with open(path, 'rb') as fh:\n"
    "        etree.fromstring(fh.read(), p)\n"
)
#: Peak memory counts as flat when 10,000 files cost at most this much more than 1,000.
FLAT_RSS_RATIO = 1.3
#: A scaling row is flagged when its cost per added item grows by more than this factor from
#: one size to the next (linear cost keeps it near 1), once the run takes long enough to tell.
SUPERLINEAR = 2.0
SCALING_MIN_S = 0.3


@dataclass
class Run:
    wall: float
    cpu: float  # user + system time of the process: what a loaded machine disturbs least
    rss_kb: int
    rc: int


#: Started by a small launcher process: on Linux a child's peak RSS (ru_maxrss) starts at
#: the peak of the process it was forked from, so forking straight from this benchmark (tens
#: of MB once the corpus is generated) would hide the measured tool's own peak. The launcher
#: is a fresh interpreter; it forks, execs the command and reports wall, CPU, peak RSS, exit.
_LAUNCH = (
    "import os, sys, time\n"
    "fd = int(sys.argv[1]); cmd = sys.argv[2:]\n"
    "t0 = time.perf_counter(); pid = os.fork()\n"
    "if pid == 0:\n"
    "    try:\n        os.execvp(cmd[0], cmd)\n    finally:\n        os._exit(127)\n"
    "_, status, ru = os.wait4(pid, 0)\n"
    "wall = time.perf_counter() - t0\n"
    "rc = status >> 8 if os.WIFEXITED(status) else -os.WTERMSIG(status)\n"
    "os.write(fd, f'{wall} {ru.ru_utime + ru.ru_stime} {ru.ru_maxrss} {rc}'.encode())\n"
)


def run_once(cmd: Sequence[str], cwd: Optional[str] = None) -> Run:
    """One real process: wall time, CPU time, peak resident memory (wait4), exit code."""
    env = dict(os.environ, NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    r, w = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(w)] + list(cmd), cwd=cwd,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, pass_fds=(w,))
        os.close(w)
        w = -1
        report = b""
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            report += chunk
        proc.wait()
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    wall, cpu, rss, rc = report.decode().split()
    return Run(float(wall), float(cpu), int(rss), int(rc))


def explain_failure(cmd: Sequence[str], cwd: Optional[str] = None) -> str:
    out = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().splitlines()[-1:][0] if (out.stderr or out.stdout) \
        else f"exit {out.returncode}"


def median_runs(cases: Dict[str, Sequence[str]], repeat: int, before=None,
                cwd: Optional[str] = None) -> Dict[str, List[Run]]:
    """Run each case ``repeat`` times, interleaved, after one unmeasured warm-up run each."""
    out: Dict[str, List[Run]] = {name: [] for name in cases}
    for name, cmd in cases.items():
        if before:
            before(name)
        run_once(cmd, cwd)
    for _ in range(repeat):
        for name, cmd in cases.items():
            if before:
                before(name)
            out[name].append(run_once(cmd, cwd))
    return out


def med(runs: List[Run]) -> float:
    """The median CPU time (user + system): every process measured here is single-threaded, so
    on an idle machine it equals the wall time, and on a busy one it is far steadier."""
    return statistics.median(r.cpu for r in runs)


def med_wall(runs: List[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def figures(runs: Dict[str, List[Run]]) -> Dict[str, object]:
    return {k: {"cpu_s": [round(r.cpu, 4) for r in v], "wall_s": [round(r.wall, 4) for r in v],
                "peak_rss_kb": [r.rss_kb for r in v], "exit": [r.rc for r in v]}
            for k, v in runs.items()}


def cli_command(python: str = sys.executable) -> List[str]:
    """How that Python's install runs the tool: its console script, as a user would."""
    script = os.path.join(os.path.dirname(python), "trtc-privacy")
    return [script] if os.path.exists(script) else [python, "-m", "trtc_privacy"]


def has_command(tool: List[str], name: str) -> bool:
    return subprocess.run(tool + [name, "--help"], capture_output=True).returncode == 0


def machine() -> Dict[str, object]:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count() or 0
    versions = {}
    for mod in ("trtc_privacy", "typer", "lxml", "pydantic"):
        try:
            from importlib.metadata import version
            versions[mod] = version(mod.replace("_", "-"))
        except Exception:
            versions[mod] = None
    return {"nproc": nproc, "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(), "packages": versions}


def install_peer(where: str) -> Optional[List[str]]:
    """xcprivacy in its own virtual environment; None (with a message) when that fails."""
    venv = os.path.join(where, "peer-venv")
    try:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, capture_output=True)
        pip = os.path.join(venv, "bin", "pip")
        subprocess.run([pip, "install", "-q", "--disable-pip-version-check", "xcprivacy"],
                       check=True, capture_output=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"peer: could not install xcprivacy ({exc}); skipping the comparison")
        return None
    return [os.path.join(venv, "bin", "xcprivacy")]


def peer_version(venv_tool: List[str]) -> Optional[str]:
    out = subprocess.run(venv_tool + ["--version"], capture_output=True, text=True)
    return (out.stdout or out.stderr).strip() or None


class Table:
    """Rows of ours-vs-baseline figures; ratios are of median CPU times (wall shown too)."""

    def __init__(self) -> None:
        self.rows: List[Dict[str, object]] = []

    def add(self, name: str, ours: Optional[List[Run]], base: Optional[List[Run]],
            base_name: str, target: Optional[str] = None, limit: Optional[float] = None,
            note: str = "", met: Optional[bool] = None) -> Dict[str, object]:
        """``limit``: the target as a maximum ratio ours/baseline (met when at or below it)."""
        row: Dict[str, object] = {"benchmark": name, "baseline": base_name, "target": target,
                                  "note": note}
        if ours and base:
            row.update(ours_cpu_s=med(ours), baseline_cpu_s=med(base),
                       ours_wall_s=med_wall(ours), baseline_wall_s=med_wall(base),
                       ratio=med(ours) / med(base), wall_ratio=med_wall(ours) / med_wall(base))
            if limit is not None and met is None:
                met = row["ratio"] <= limit
            if limit is not None:
                row["by"] = row["ratio"] / limit  # > 1: missed by this factor
        row["met"] = met
        self.rows.append(row)
        return row

    def print(self) -> None:
        head = (f"{'benchmark':<36} {'ours':>8} {'baseline':>9} {'ratio':>7} {'(wall)':>7}  "
                f"{'target':<18} met")
        print(head)
        print("-" * len(head))
        for r in self.rows:
            def f(key: str, fmt: str, r: Dict[str, object] = r) -> str:
                return fmt.format(r[key]) if r.get(key) is not None else "-"
            met = {True: "yes", False: "NO", None: ""}[r["met"]]
            print(f"{r['benchmark']:<36} {f('ours_cpu_s', '{:.3f}s'):>8} "
                  f"{f('baseline_cpu_s', '{:.3f}s'):>9} {f('ratio', '{:.2f}x'):>7} "
                  f"{f('wall_ratio', '{:.2f}x'):>7}  {r['target'] or '':<18} {met}")
            print(f"{'':<36} vs {r['baseline']}" + (f"; {r['note']}" if r["note"] else ""))


    def markdown(self) -> str:
        """The rows as the Markdown table the README shows (paste between its markers)."""
        lines = ["| benchmark | ours | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
        for r in self.rows:
            ours = f"{r['ours_cpu_s']:.3f} s" if r.get("ours_cpu_s") is not None else "-"
            base = (f"{r['baseline_cpu_s']:.3f} s ({r['baseline']})"
                    if r.get("baseline_cpu_s") is not None else str(r["baseline"]))
            ratio = f"{r['ratio']:.2f}x" if r.get("ratio") is not None else str(r["note"])
            met = {True: "yes", False: "no", None: ""}[r["met"]]
            lines.append(f"| {r['benchmark']} | {ours} | {base} | {ratio} | "
                         f"{r['target'] or ''} | {met} |")
        return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="PATH", help="write the figures here "
                    "(default: benchmarks/results/<date>.json and latest.json)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--files", type=int, default=1000, help="manifests for throughput (1000)")
    ap.add_argument("--merge-inputs", type=int, default=200, help="manifests merged at once (200)")
    ap.add_argument("--no-peer", action="store_true", help="skip the xcprivacy comparison")
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
    ap.add_argument("--no-scaling", action="store_true",
                    help="skip the scaling rows (lint of 10..10,000 files, merge into 1k..100k)")
    ap.add_argument("--against", metavar="PYTHON",
                    help="also time the start-up rows with another install's Python (e.g. a venv "
                    "holding a wheel of an earlier commit), interleaved with this one's")
    ap.add_argument("--no-adversarial", action="store_true",
                    help="skip the adversarial rows (shapes that cost more than their size)")
    args = ap.parse_args(argv)

    started = time.perf_counter()
    tool = cli_command()
    py = sys.executable
    work = tempfile.mkdtemp(prefix="trtc-privacy-bench-")
    try:
        return _bench(args, tool, py, work, started)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bench(args, tool: List[str], py: str, work: str, started: float) -> int:
    info = machine()
    print(f"machine: {info['nproc']} CPUs ({info['cpu']}), Python {info['python']}, "
          f"{info['platform']}")
    pool = corpus.Pool()
    files = corpus.generate(os.path.join(work, "lint"), args.files, pool=pool)
    third = corpus.generate(os.path.join(work, "vendors"), args.merge_inputs, seed=7, pool=pool,
                            prefix="sdk")
    app_src = corpus.app_manifest(os.path.join(work, "app-src"), pool)
    one = files[0]
    distinct = corpus.all_distinct(files)
    print(f"inputs: {len(files)} generated manifests ({'all distinct' if distinct else 'NOT distinct'}"
          f"), {len(third)} to merge; from {corpus.describe(pool)}")
    lint_ok = has_command(tool, "lint")
    if not lint_ok:
        print("note: this build has no `lint` command; its rows are left out")
    table = Table()
    results: Dict[str, object] = {"machine": info, "repeat": args.repeat, "metric": "median CPU "
                                  "time (user+system) of each process; wall time alongside",
                                  "inputs": {"lint_files": len(files), "distinct": distinct,
                                             "merge_inputs": len(third),
                                             "pool": corpus.describe(pool)}}
    cwd = work
    floor_import = f'python -c "{FLOOR_IMPORT}"'
    floor_parse = "lxml parse of the same files in one process"

    # 1. start-up ---------------------------------------------------------------------------
    if lint_ok:
        cases = {"floor": [py, "-c", FLOOR_IMPORT], "lint": tool + ["lint", one]}
        if args.against:
            cases["other"] = cli_command(args.against) + ["lint", one]
        runs = median_runs(cases, max(args.repeat, 11), cwd=cwd)
        rc = runs["lint"][0].rc
        table.add("lint of one clean file", runs["lint"], runs["floor"], floor_import,
                  "<= 1.15x", 1.15,
                  "" if rc == 0 else f"lint exit {rc}: {explain_failure(tool + ['lint', one], cwd)}")
        if args.against:
            table.add("lint of one clean file, vs --against", runs["lint"], runs["other"],
                      "the same command, --against's install", "no slower", 1.0)
        results["startup"] = figures(runs)

    # 2. throughput and memory --------------------------------------------------------------
    if lint_ok:
        runs = median_runs({"floor": [py, "-c", FLOOR_PARSE] + files,
                            "lint": tool + ["lint"] + files}, args.repeat, cwd=cwd)
        rc = runs["lint"][0].rc
        table.add(f"lint of {len(files)} manifests", runs["lint"], runs["floor"],
                  floor_parse, "<= 2x", 2.0, "" if rc in (0, 1) else f"lint exit {rc}")
        results["throughput"] = figures(runs)

    # 3. merge -------------------------------------------------------------------------------
    app_dir = os.path.join(work, "app")
    app = os.path.join(app_dir, "PrivacyInfo.xcprivacy")
    merge_cmd = tool + ["merge", app]
    for p in third:
        merge_cmd += ["--manifest", p]

    def reset(name: str) -> None:
        if name == "merge":
            os.makedirs(app_dir, exist_ok=True)
            shutil.copyfile(app_src, app)

    runs = median_runs({"floor": [py, "-c", FLOOR_PARSE, app_src] + third, "merge": merge_cmd},
                       args.repeat, before=reset, cwd=cwd)
    rc = runs["merge"][0].rc
    table.add(f"merge of {len(third)} manifests", runs["merge"], runs["floor"],
              floor_parse, "<= 2.5x", 2.5,
              "" if rc == 0 else f"merge exit {rc}: {explain_failure(merge_cmd, cwd)}")
    results["merge"] = figures(runs)

    # the same merge again: nothing to do, so start-up only and no write
    subprocess.run(merge_cmd, cwd=cwd, capture_output=True)
    noop_cmd = tool + ["merge", app, "--manifest", third[0]]
    before = os.stat(app)
    listing = sorted(os.listdir(app_dir))
    cases = {"floor": [py, "-c", FLOOR_IMPORT], "noop": noop_cmd}
    if args.against:
        cases["other"] = cli_command(args.against) + noop_cmd[len(tool):]
    runs = median_runs(cases, max(args.repeat, 11), cwd=cwd)
    after = os.stat(app)
    untouched = ((before.st_ino, before.st_mtime_ns, before.st_ctime_ns, before.st_size) ==
                 (after.st_ino, after.st_mtime_ns, after.st_ctime_ns, after.st_size)
                 and sorted(os.listdir(app_dir)) == listing)
    row = table.add("no-op merge", runs["noop"], runs["floor"], floor_import,
                    "<= 1.1x, no write", 1.1,
                    "file untouched (inode, mtime, ctime, size, directory listing)" if untouched
                    else "FILE WAS WRITTEN")
    row["met"] = bool(row["met"]) and untouched
    if args.against:
        table.add("no-op merge, vs --against", runs["noop"], runs["other"],
                  "the same command, --against's install", "no slower", 1.0)
    results["noop_merge"] = dict(figures(runs), untouched=untouched)

    # 4. the peer -----------------------------------------------------------------------------
    if not args.no_peer and lint_ok:
        peer = install_peer(work)
        if peer is not None:
            version = peer_version(peer)
            results["peer_version"] = version
            flags = ["check", "--no-source-scan", "--no-sdk-audit", "--format", "json"]
            runs1 = median_runs({"peer": peer + flags + [one], "ours": tool + ["lint", one]},
                                max(args.repeat, 11), cwd=cwd)
            runsn = median_runs({"peer": peer + flags + [os.path.join(work, "lint")],
                                 "ours": tool + ["lint"] + files}, args.repeat, cwd=cwd)
            table.add("peer, 1 file", runs1["ours"], runs1["peer"],
                      f"{version} check FILE (manifest checks only)", "reported",
                      note=f"peer exit {runs1['peer'][0].rc}")
            table.add(f"lint of {len(files)} manifests, ours / peer", runsn["ours"],
                      runsn["peer"], f"{version} check DIR (manifest checks only)",
                      "<= 0.6x (faster)", 0.6,
                      f"peer exit {runsn['peer'][0].rc}, peak RSS "
                      f"{runsn['peer'][0].rss_kb / 1024:.1f} MB vs ours "
                      f"{runsn['ours'][0].rss_kb / 1024:.1f} MB")
            results["peer"] = {"one": figures(runs1), "many": figures(runsn)}

    # 5. scaling: cost and peak memory as the input grows ------------------------------------
    scaling = Scaling()
    if not args.no_scaling and lint_ok:
        _scaling(tool, work, cwd, pool, files, table, scaling, results)

    # 5b. adversarial shapes at 1x, 2x, 4x: linear, and under 200 MiB for inputs under 20 MB --
    if not args.no_adversarial and lint_ok:
        import adversarial

        flagged = adversarial.run(tool, work, scaling)
        table.add("adversarial rows (1x, 2x, 4x)", None, None,
                  f"{len(adversarial.SHAPES)} shapes", "linear, < 200 MiB",
                  note="flagged: " + (", ".join(flagged) if flagged else "none"),
                  met=not flagged)

    # 6. hostile inputs: how quickly each is refused ------------------------------------------
    results["hostile"] = _hostile(tool, work, cwd) if lint_ok else {}

    print()
    table.print()
    scaling.print()
    if results["hostile"]:
        print("\nhostile inputs (lint, one run each, wall time):")
        for name, h in results["hostile"].items():
            print(f"  {name:<22} exit {h['exit']}  {h['wall_s']:.2f}s  {h['message'][:70]}")
    print("\nthe same rows in Markdown (README.md, between the benchmark-table markers):\n")
    print(table.markdown())
    elapsed = time.perf_counter() - started
    print(f"\n(medians of {args.repeat}+ interleaved runs of each process; ratios of CPU time, "
          f"wall-time ratios in brackets; whole benchmark {elapsed:.0f}s)")
    results["table"] = table.rows
    results["elapsed_s"] = elapsed
    results["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    _write_json(results, args.json)

    if args.profile:
        _profile(tool, files, merge_cmd, reset, cwd, lint_ok)
    return 0


class Scaling:
    """Rows of (size, median CPU, median wall, peak RSS); flags cost growing faster than size."""

    def __init__(self) -> None:
        self.series: Dict[str, List[Dict[str, object]]] = {}

    def add(self, series: str, size: int, runs: List[Run]) -> Dict[str, object]:
        rows = self.series.setdefault(series, [])
        row: Dict[str, object] = {"size": size, "cpu_s": med(runs), "wall_s": med_wall(runs),
                                  "peak_rss_kb": max(r.rss_kb for r in runs),
                                  "exit": runs[0].rc, "flag": ""}
        if rows:
            prev = rows[-1]
            before = rows[-2] if len(rows) > 1 else None
            per = (float(row["cpu_s"]) - float(prev["cpu_s"])) / (size - int(prev["size"]))
            row["per_item_ms"] = per * 1000
            if before is not None and prev.get("per_item_ms") and float(row["cpu_s"]) > \
                    SCALING_MIN_S and per * 1000 > SUPERLINEAR * float(prev["per_item_ms"]):
                row["flag"] = (f"GROWS FASTER THAN ITS INPUT: {per * 1000:.3f} ms per item, "
                               f"was {float(prev['per_item_ms']):.3f}")
        rows.append(row)
        return row

    def print(self) -> None:
        for name, rows in self.series.items():
            print(f"\nscaling: {name}")
            print(f"  {'size':>8} {'cpu':>8} {'wall':>8} {'peak RSS':>10} {'ms/item':>9}  flag")
            if rows and "input_bytes" in rows[0]:
                print("  (size: the multiple of the shape's unit; input " + ", ".join(
                    f"{int(r['input_bytes']) / 1e6:.2f} MB" for r in rows) + ")")
            for r in rows:
                per = f"{float(r['per_item_ms']):.3f}" if r.get("per_item_ms") is not None \
                    else "-"
                print(f"  {int(r['size']):>8,} {float(r['cpu_s']):>7.3f}s "
                      f"{float(r['wall_s']):>7.3f}s {int(r['peak_rss_kb']) / 1024:>8.1f}MB "
                      f"{per:>9}  "
                      f"{r['flag'] or ('exit ' + str(r['exit']) if r['exit'] not in (0, 1) else '')}")


def _big_app(path: str, domains: int) -> str:
    """An app manifest declaring ``domains`` tracking domains (and a data type, an API)."""
    body = "".join(f"\t\t<string>t{i}.example.com</string>\n" for i in range(domains))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
                 "\t<key>NSPrivacyTracking</key>\n\t<true/>\n"
                 f"\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n{body}\t</array>\n"
                 "\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array/>\n"
                 "\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array/>\n</dict>\n</plist>\n")
    return path


def _scaling(tool: List[str], work: str, cwd: str, pool, files: List[str], table: Table,
             scaling: Scaling, results: Dict[str, object]) -> None:
    sizes = [10, 100, 1000, 10000]
    many = corpus.generate(os.path.join(work, "scale"), sizes[-1], seed=11, pool=pool)
    for n in sizes:
        folder = os.path.join(work, f"scale-{n}")
        os.makedirs(folder)
        for p in many[:n]:  # a folder per size, searched as a user would point at a project
            os.symlink(os.path.dirname(p), os.path.join(folder, os.path.basename(
                os.path.dirname(p))))
        runs = median_runs({"lint": tool + ["lint", "--format", "json", folder]},
                           3, cwd=cwd)["lint"]
        scaling.add("lint --format json DIR (files)", n, runs)
    lint_rows = scaling.series["lint --format json DIR (files)"]
    small, big = lint_rows[-2], lint_rows[-1]
    ratio = int(big["peak_rss_kb"]) / int(small["peak_rss_kb"])
    table.add(f"peak memory, lint of {big['size']:,} files vs {small['size']:,}", None, None,
              f"{int(big['peak_rss_kb']) / 1024:.1f} MB vs {int(small['peak_rss_kb']) / 1024:.1f}"
              " MB", f"<= {FLAT_RSS_RATIO}x", note=f"ratio {ratio:.2f}x",
              met=ratio <= FLAT_RSS_RATIO)
    vendor = os.path.join(work, "scale-vendor", "PrivacyInfo.xcprivacy")
    os.makedirs(os.path.dirname(vendor))
    with open(vendor, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
                 "\t<key>NSPrivacyTracking</key>\n\t<true/>\n"
                 "\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n"
                 "\t\t<string>new.vendor.example.com</string>\n"
                 "\t\t<string>t5.example.com</string>\n\t</array>\n"
                 "\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array/>\n</dict>\n</plist>\n")
    last: Optional[List[Run]] = None
    for n in (1000, 10000, 100000):
        src = _big_app(os.path.join(work, f"big-{n}", "src.xcprivacy"), n)
        target = os.path.join(work, f"big-{n}", "PrivacyInfo.xcprivacy")

        def reset(_: str, src: str = src, target: str = target) -> None:
            shutil.copyfile(src, target)

        runs = median_runs({"merge": tool + ["merge", target, "--manifest", vendor]}, 3,
                           before=reset, cwd=cwd)["merge"]
        scaling.add("merge into an app manifest with N tracking domains", n, runs)
        last = runs
    if last is not None:
        t = med_wall(last)
        table.add("merge into 100,000 tracking domains", None, None,
                  f"{t:.2f} s wall, {med(last):.2f} s CPU", "< 3 s (linear)",
                  note="exit " + str(last[0].rc), met=t < 3.0 and last[0].rc == 0)
    results["scaling"] = scaling.series


def _hostile(tool: List[str], work: str, cwd: str) -> Dict[str, Dict[str, object]]:
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
    try:
        from helpers import hostile_documents as hostile
    except ImportError:
        return {}
    d = os.path.join(work, "hostile")
    os.makedirs(d)
    hostile.make_sentinel(d)
    out: Dict[str, Dict[str, object]] = {}
    for name, (build, _, _) in sorted(hostile.CASES.items()):
        path = build(d)
        t0 = time.perf_counter()
        proc = subprocess.run(tool + ["lint", path], cwd=cwd, capture_output=True, text=True,
                              timeout=120)
        wall = time.perf_counter() - t0
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "error" in ln]
        out[name] = {"exit": proc.returncode, "wall_s": round(wall, 3),
                     "message": (lines[0].strip() if lines else "").replace(path, "FILE")}
        os.unlink(path)
    return out


def _write_json(results: Dict[str, object], path: Optional[str]) -> None:
    if path:
        targets = [path]
    else:
        out = os.path.join(HERE, "results")
        os.makedirs(out, exist_ok=True)
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        targets = [os.path.join(out, f"{stamp}.json"), os.path.join(out, "latest.json")]
    for t in targets:
        with open(t, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    print(f"figures written to {', '.join(targets)}")


def _profile(tool: List[str], files: List[str], merge_cmd: List[str], reset, cwd: str,
             lint_ok: bool) -> None:
    """Where the time goes: the heaviest imports at start-up, and cProfile of the work."""
    py = sys.executable
    print("\n== start-up: heaviest imports (python -X importtime), cumulative ms ==")
    cmd = [py, "-X", "importtime", "-m", "trtc_privacy"] + (["lint", files[0]] if lint_ok
                                                            else ["--version"])
    err = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        self_us, cum_us, name = line[len("import time:"):].split("|", 2)
        try:
            rows.append((int(cum_us), name[1:].rstrip(), int(self_us)))
        except ValueError:
            continue  # the header line
    for cum, name, _ in sorted((r for r in rows if not r[1].startswith("  ")), reverse=True)[:12]:
        print(f"{cum / 1000:8.1f}  {name.strip()}")
    for label, argv in ((f"lint {len(files)} files", ["lint"] + files if lint_ok else None),
                        ("merge", merge_cmd[len(tool):])):
        if argv is None:
            continue
        reset("merge")
        print(f"\n== cProfile: {label} (in-process), top functions by own time ==")
        code = ("import cProfile, pstats, sys, io\n"
                "from trtc_privacy.cli import main\n"
                "pr = cProfile.Profile(); pr.enable()\n"
                "try:\n    main(sys.argv[1:])\nfinally:\n    pr.disable()\n"
                "s = io.StringIO(); pstats.Stats(pr, stream=s).sort_stats('tottime').print_stats(14)\n"
                "sys.__stdout__.write(s.getvalue())\n")
        out = subprocess.run([py, "-c", code] + argv, cwd=cwd, capture_output=True, text=True)
        text = out.stdout
        start = text.find("   ncalls")
        print(text[start:] if start >= 0 else text[-3000:])


if __name__ == "__main__":
    sys.exit(main())
