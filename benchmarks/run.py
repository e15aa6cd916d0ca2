"""Benchmark trtc-privacy against the floor of its own stack and against the peer ``xcprivacy``.

Usage (from the project root, with the Python that has trtc-privacy installed):

    python benchmarks/run.py                 # 1-2 minutes on 2 cores; table + JSON
    python benchmarks/run.py --json out.json # JSON to a path of your choice
    python benchmarks/run.py --no-peer       # skip installing xcprivacy
    python benchmarks/run.py --profile       # also print where the time goes

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
#: Peak memory counts as flat when 1,000 files cost less than this much more than one file.
FLAT_RSS_KB = 5 * 1024


@dataclass
class Run:
    wall: float
    cpu: float  # user + system time of the process: what a loaded machine disturbs least
    rss_kb: int
    rc: int


def run_once(cmd: Sequence[str], cwd: Optional[str] = None) -> Run:
    """One real process: wall time, peak resident memory (from wait4), exit code."""
    env = dict(os.environ, NO_COLOR="1")
    env.pop("GITHUB_ACTIONS", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") \
        else (status >> 8)
    return Run(wall, usage.ru_utime + usage.ru_stime, int(usage.ru_maxrss), proc.returncode)


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


def cli_command() -> List[str]:
    script = os.path.join(os.path.dirname(sys.executable), "trtc-privacy")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "trtc_privacy"]


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
            def f(key: str, fmt: str) -> str:
                return fmt.format(r[key]) if r.get(key) is not None else "-"
            met = {True: "yes", False: "NO", None: ""}[r["met"]]
            print(f"{r['benchmark']:<36} {f('ours_cpu_s', '{:.3f}s'):>8} "
                  f"{f('baseline_cpu_s', '{:.3f}s'):>9} {f('ratio', '{:.2f}x'):>7} "
                  f"{f('wall_ratio', '{:.2f}x'):>7}  {r['target'] or '':<18} {met}")
            print(f"{'':<36} vs {r['baseline']}" + (f"; {r['note']}" if r["note"] else ""))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="PATH", help="write the figures here "
                    "(default: benchmarks/results/<date>.json and latest.json)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per measurement (default 5)")
    ap.add_argument("--files", type=int, default=1000, help="manifests for throughput (1000)")
    ap.add_argument("--merge-inputs", type=int, default=200, help="manifests merged at once (200)")
    ap.add_argument("--no-peer", action="store_true", help="skip the xcprivacy comparison")
    ap.add_argument("--profile", action="store_true", help="print where the time goes")
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
        runs = median_runs({"floor": [py, "-c", FLOOR_IMPORT], "lint": tool + ["lint", one]},
                           max(args.repeat, 11), cwd=cwd)
        rc = runs["lint"][0].rc
        table.add("start-up: lint 1 clean file", runs["lint"], runs["floor"], floor_import,
                  "<= 1.15x", 1.15,
                  "" if rc == 0 else f"lint exit {rc}: {explain_failure(tool + ['lint', one], cwd)}")
        results["startup"] = figures(runs)

    # 2. throughput and memory --------------------------------------------------------------
    if lint_ok:
        runs = median_runs({"floor": [py, "-c", FLOOR_PARSE] + files,
                            "lint": tool + ["lint"] + files}, args.repeat, cwd=cwd)
        rc = runs["lint"][0].rc
        table.add(f"throughput: lint {len(files)} files", runs["lint"], runs["floor"],
                  floor_parse, "<= 3x", 3.0, "" if rc in (0, 1) else f"lint exit {rc}")
        results["throughput"] = figures(runs)
        mem = {}
        for n in sorted({1, 10, 100, len(files)}):
            mem[n] = statistics.median(run_once(tool + ["lint"] + files[:n], cwd).rss_kb
                                       for _ in range(3))
        growth = mem[len(files)] - mem[1]
        results["peak_rss_kb_by_files"] = {str(k): v for k, v in mem.items()}
        table.add(f"peak memory, lint 1..{len(files)} files", None, None,
                  "peak RSS " + ", ".join(f"{n}: {v / 1024:.1f} MB" for n, v in mem.items()),
                  "flat (< 5 MB more)", note=f"growth {growth / 1024:.1f} MB",
                  met=growth < FLAT_RSS_KB)

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
    table.add(f"merge: {len(third)} manifests into an app's", runs["merge"], runs["floor"],
              floor_parse, "<= 3x", 3.0,
              "" if rc == 0 else f"merge exit {rc}: {explain_failure(merge_cmd, cwd)}")
    results["merge"] = figures(runs)

    # the same merge again: nothing to do, so start-up only and no write
    subprocess.run(merge_cmd, cwd=cwd, capture_output=True)
    noop_cmd = tool + ["merge", app, "--manifest", third[0]]
    before = os.stat(app)
    listing = sorted(os.listdir(app_dir))
    runs = median_runs({"floor": [py, "-c", FLOOR_IMPORT], "noop": noop_cmd},
                       max(args.repeat, 11), cwd=cwd)
    after = os.stat(app)
    untouched = ((before.st_ino, before.st_mtime_ns, before.st_ctime_ns, before.st_size) ==
                 (after.st_ino, after.st_mtime_ns, after.st_ctime_ns, after.st_size)
                 and sorted(os.listdir(app_dir)) == listing)
    row = table.add("merge that changes nothing", runs["noop"], runs["floor"], floor_import,
                    "<= 1.15x, no write", 1.15,
                    "file untouched (inode, mtime, ctime, size, directory listing)" if untouched
                    else "FILE WAS WRITTEN")
    row["met"] = bool(row["met"]) and untouched
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
            table.add(f"peer, 1 file", runs1["ours"], runs1["peer"],
                      f"{version} check FILE (manifest checks only)", "reported",
                      note=f"peer exit {runs1['peer'][0].rc}")
            table.add(f"peer, {len(files)} files", runsn["ours"], runsn["peer"],
                      f"{version} check DIR (manifest checks only)", "<= 0.5x (2x ahead)", 0.5,
                      f"peer exit {runsn['peer'][0].rc}, peak RSS "
                      f"{runsn['peer'][0].rss_kb / 1024:.1f} MB vs ours "
                      f"{runsn['ours'][0].rss_kb / 1024:.1f} MB")
            results["peer"] = {"one": figures(runs1), "many": figures(runsn)}

    # 5. hostile inputs: how quickly each is refused ------------------------------------------
    results["hostile"] = _hostile(tool, work, cwd) if lint_ok else {}

    print()
    table.print()
    if results["hostile"]:
        print("\nhostile inputs (lint, one run each, wall time):")
        for name, h in results["hostile"].items():
            print(f"  {name:<22} exit {h['exit']}  {h['wall_s']:.2f}s  {h['message'][:70]}")
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


def _hostile(tool: List[str], work: str, cwd: str) -> Dict[str, Dict[str, object]]:
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "fixtures", "hardening"))
    try:
        import hostile
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
