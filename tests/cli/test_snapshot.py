"""Every command, in every format it has, on the example app, the fixtures and (when present)
``../shared/corpus``: what it prints and returns must not change when the code is reorganised.

The snapshot (``tests/golden/snapshot.json``) holds a digest of each run's exit code, stdout,
stderr and written files, not the output itself, so no third-party text is committed. To see
what a run prints, set ``TRTC_PRIVACY_SNAPSHOT_DIR=DIR``: every case's output is written there
(run it before and after a change, then ``diff -r``). ``TRTC_PRIVACY_SNAPSHOT=write`` records a
new snapshot, for a change whose output is meant to differ.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
from helpers import FIXTURES, REPO, SHARED, invoke

SNAPSHOT = REPO / "tests" / "golden" / "snapshot.json"
FORMATS = ("text", "json", "sarif", "github", "xcode")
EXAMPLE = "examples/VideoCallApp"
EXAMPLE_CONFIG = f"{EXAMPLE}/.trtc-privacy.toml"
APP = f"{EXAMPLE}/VideoCallApp/PrivacyInfo.xcprivacy"

Case = Tuple[str, List[str]]


def _rel(path: Path) -> str:
    return os.path.relpath(path, REPO)


def _lockfiles() -> List[str]:
    return sorted(_rel(p) for p in (FIXTURES / "lockfiles").iterdir() if p.is_file())


def _rule_names() -> List[str]:
    ran = invoke(["rules", "-f", "json"], cwd=REPO)
    return [r["name"] for r in json.loads(ran.stdout)["rules"]]


def cases() -> Iterator[Case]:
    """(id, argv) for every command in each of its formats, on the project's own files."""
    yield "version", ["--version"]
    yield "help", ["--help"]
    for cmd in ("sdks", "show", "merge", "lint", "rules", "explain", "versions", "report", "init",
                "xcode", "scan", "audit"):
        yield f"{cmd}-help", [cmd, "--help"]
    for f in FORMATS:
        yield f"sdks-{f}", ["sdks", "-f", f]
        for sdk in ("trtc", "trtc-professional@11.7", "tuicallkit@2.5", "tuiroomkit", "tuilivekit",
                    "trtc@11.0", "nosuch"):
            yield f"show-{sdk}-{f}", ["show", sdk, "-f", f]
        yield f"lint-app-{f}", ["lint", APP, "-f", f]
        yield f"lint-fixtures-{f}", ["lint", "tests/fixtures", "-f", f]
        yield f"lint-fixtures-sdk-{f}", ["lint", "tests/fixtures", "--kind", "sdk", "-f", f]
        yield f"lint-sample-strict-{f}", ["lint", "tests/fixtures/lint/sample", "--strict", "-f", f]
        yield f"lint-missing-{f}", ["lint", "nothere.xcprivacy", "-f", f]
        yield f"merge-check-{f}", ["merge", "--config", EXAMPLE_CONFIG, "--check", "-f", f]
        yield f"merge-diff-{f}", ["merge", "--config", EXAMPLE_CONFIG, "--diff", "-f", f]
        for lock in _lockfiles():
            name = Path(lock).name
            yield f"merge-lock-{name}-{f}", ["merge", APP, "--lockfile", lock, "--diff", "-f", f]
            yield f"versions-{name}-{f}", ["versions", lock, "-f", f]
        yield f"versions-example-{f}", ["versions", EXAMPLE, "-f", f]
        yield f"scan-example-{f}", ["scan", EXAMPLE, "-f", f]
        yield f"scan-fixtures-{f}", ["scan", "tests/fixtures", "-f", f]
    for f in ("text", "json", "markdown"):
        yield f"rules-{f}", ["rules", "-f", f]
    for name in _rule_names() + ["ITMS-91053", "91056", "nosuch"]:
        yield f"explain-{name}", ["explain", name]
    yield "report-json", ["report", "--config", EXAMPLE_CONFIG, "-f", "json"]
    yield "report-markdown", ["report", "--config", EXAMPLE_CONFIG, "--markdown", "-"]
    yield "report-html", ["report", "--config", EXAMPLE_CONFIG, "--html", "-"]
    yield "report-fixture", ["report", "tests/fixtures/report/hostile.xcprivacy", "-f", "json"]
    for which in ("inputs", "outputs"):
        yield f"xcode-filelist-{which}", ["xcode", "--filelist", which, "--config", EXAMPLE_CONFIG]
    for merge_fixture in sorted((FIXTURES / "merge").iterdir()):
        app = merge_fixture / "PrivacyInfo.xcprivacy"
        if app.exists():
            yield f"merge-fixture-{merge_fixture.name}", [
                "merge", _rel(app), "--sdk", "trtc@12.0", "--sdk", "tuiroomkit", "--diff"]


def corpus_cases(corpus: Path) -> Iterator[Case]:
    # the files themselves: a folder is searched for PrivacyInfo.xcprivacy, which the corpus's
    # names are not (linting the folder linted nothing, as lint now says: exit 2)
    files = sorted(os.path.relpath(p, REPO) for p in corpus.glob("*.xcprivacy"))
    for f in FORMATS:
        yield f"lint-app-{f}", ["lint", *files, "--kind", "app", "-f", f]
        yield f"lint-sdk-{f}", ["lint", *files, "--kind", "sdk", "-f", f]
        yield f"scan-{f}", ["scan", "../shared/reference/trtc/binaries", "-f", f]
    for lock in sorted((SHARED / "reference" / "trtc" / "lockfiles").rglob("*")):
        if lock.is_file() and lock.name.endswith((".lock", ".resolved")):
            rel = os.path.relpath(lock, REPO)
            yield f"versions-{lock.parent.name}-{lock.name}", ["versions", rel, "-f", "json"]
            yield f"merge-{lock.parent.name}-{lock.name}", [
                "merge", APP, "--lockfile", rel, "--diff"]


def run_case(argv: List[str], cwd: Path) -> Dict[str, object]:
    """Run in this process; the absolute paths of the folder it runs in, the checkout and the
    reference data (Xcode's format and SARIF's base print them) are written as ``<CWD>``,
    ``<REPO>`` and ``<SHARED>``, so a clone in any folder compares equal."""
    ran = invoke(argv, cwd=cwd, env={"COLUMNS": "100"})

    def placed(text: str) -> str:
        for path, name in ((cwd, "<CWD>"), (SHARED, "<SHARED>"), (SHARED.resolve(), "<SHARED>"),
                           (REPO, "<REPO>")):
            text = text.replace(str(path), name)
        return text

    return {"code": ran.returncode, "stdout": placed(ran.stdout), "stderr": placed(ran.stderr)}


def digest(result: Dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(result, sort_keys=True).encode()).hexdigest()


def check(found: Dict[str, Dict[str, object]], group: str) -> None:
    """Compare this group's digests with the snapshot (or record them, or keep the outputs)."""
    keep = os.environ.get("TRTC_PRIVACY_SNAPSHOT_DIR")
    if keep:
        for case, result in found.items():
            out = Path(keep) / group / f"{case}.txt"
            out.parent.mkdir(parents=True, exist_ok=True)
            files = json.dumps(result.get("files", {}), indent=1)
            out.write_text(f"exit {result['code']}\n--- stdout\n{result['stdout']}"
                           f"--- stderr\n{result['stderr']}--- files\n{files}\n",
                           encoding="utf-8")
    recorded = json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}
    expected = recorded.get(group, {})
    digests = {case: {"code": r["code"], "sha256": digest(r)} for case, r in found.items()}
    if os.environ.get("TRTC_PRIVACY_SNAPSHOT") == "write":
        recorded[group] = digests
        SNAPSHOT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    changed = sorted(k for k in set(expected) | set(digests) if expected.get(k) != digests.get(k))
    assert not changed, f"{len(changed)} outputs differ from the snapshot: {changed[:20]}"


def test_every_command_prints_what_it_printed_before() -> None:
    found = {case: run_case(argv, REPO) for case, argv in cases()}
    assert len(found) > 300
    check(found, "commands")


def test_corpus_outputs_are_unchanged() -> None:
    corpus = SHARED / "corpus"
    if not corpus.exists():
        pytest.skip(f"reference data {corpus} is absent (it lives beside the project, not in it)")
    found = {case: run_case(argv, REPO) for case, argv in corpus_cases(corpus)}
    check(found, "corpus")


def test_writing_commands_write_what_they_wrote_before(tmp_path: Path) -> None:
    """merge, init and lint --fix on copies of the example and the fixtures: output and files."""
    work = tmp_path / "w"
    shutil.copytree(REPO / "examples", work / "examples")
    shutil.copytree(FIXTURES / "merge", work / "merge")
    shutil.copytree(FIXTURES / "lint", work / "lint")
    runs: List[Case] = [
        ("write-merge-example", ["merge", "--config", EXAMPLE_CONFIG]),
        ("write-merge-again", ["merge", "--config", EXAMPLE_CONFIG]),
        ("write-init", ["init", "new/PrivacyInfo.xcprivacy", "--lockfile",
                        f"{EXAMPLE}/Podfile.lock", "--write-config"]),
        ("write-lint-fix", ["lint", "--fix", "lint", "merge"]),
        ("write-lint-after-fix", ["lint", "lint", "merge", "-f", "json"]),
    ]
    for f in FORMATS:
        runs.append((f"write-init-sdk-{f}", ["init", f"init-{f}/PrivacyInfo.xcprivacy", "--sdk",
                                              "trtc@12.0", "--sdk", "tuicallkit", "-f", f]))
    for fixture in sorted((work / "merge").iterdir()):
        app = fixture / "PrivacyInfo.xcprivacy"
        if app.exists():
            runs.append((f"write-merge-{fixture.name}",
                         ["merge", os.path.relpath(app, work), "--sdk", "trtc@12.0"]))
    found: Dict[str, Dict[str, object]] = {}
    for case, argv in runs:
        result = run_case(argv, work)
        result["files"] = {os.path.relpath(p, work): hashlib.sha256(p.read_bytes()).hexdigest()
                           for p in sorted(work.rglob("*")) if p.is_file()}
        found[case] = result
    check(found, "writes")


def test_binary_outputs_are_unchanged(macho_fixtures: Dict[str, Path],
                                      audit_artifacts: Dict[str, Path]) -> None:
    """scan of the clang-built binaries and audit of each built artifact, in every format.

    Digests are made of output with the build folder's path written as ``<BUILD>``, so two
    builds in different temporary folders compare equal; a build whose bytes differ (another
    clang) may still change them: then the run says which cases moved."""
    found: Dict[str, Dict[str, object]] = {}
    roots = {p.parent for p in macho_fixtures.values()} | {p.parent for p in audit_artifacts.values()}
    for f in FORMATS:
        for name, path in sorted(audit_artifacts.items()):
            found[f"audit-{name}-{f}"] = run_case(["audit", str(path), "-f", f], REPO)
        for name in ("object", "objc_object", "dylib", "objc"):
            found[f"scan-{name}-{f}"] = run_case(["scan", str(macho_fixtures[name]), "-f", f], REPO)
    for result in found.values():
        for key in ("stdout", "stderr"):
            text = str(result[key])
            for root in sorted(roots, key=lambda r: -len(str(r))):
                text = text.replace(str(root), "<BUILD>")
            # SARIF's fingerprints hash the full path, build folder included
            result[key] = re.sub(r'"trtcPrivacy/v1": "[0-9a-f]+"', '"trtcPrivacy/v1": ""', text)
    check(found, "binaries")
