"""The pre-commit hooks, run for real by pre-commit in a temporary git repository.

Each hook runs once where it must pass and once where it must fail, through the configuration
``pre-commit try-repo`` writes, with one store for the session; one test runs ``try-repo``
itself with every hook. The first run installs the hook environment from PyPI (about a minute);
later runs reuse it (see tests/hookrepo.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO
from helpers.hookrepo import app_repo, hooks_home, require_tools, run_hook, statuses, try_repo

HOOKS_FILE = REPO / ".pre-commit-hooks.yaml"
CONFIG = 'app-manifest = "App/PrivacyInfo.xcprivacy"\nlockfiles = ["Podfile.lock"]\n'
HOOK_IDS = ["trtc-privacy-lint", "trtc-privacy-merge-check", "trtc-privacy-merge",
            "trtc-privacy-versions"]


def hooks() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    return {h["id"]: h for h in yaml.safe_load(HOOKS_FILE.read_text())}


def test_the_hook_manifest_is_valid_for_pre_commit() -> None:
    require_tools()
    r = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert list(hooks()) == HOOK_IDS


@pytest.mark.parametrize("hook, matches, ignores", [
    ("trtc-privacy-lint",
     ["App/PrivacyInfo.xcprivacy", "PrivacyInfo.xcprivacy", "Pods/X/Resources/PrivacyInfo.xcprivacy"],
     ["App/Info.plist", "Podfile.lock", "PrivacyInfo.xcprivacy.orig"]),
    ("trtc-privacy-merge-check",
     ["App/PrivacyInfo.xcprivacy", "Podfile.lock", "ios/Podfile.lock", ".trtc-privacy.toml",
      "pyproject.toml", "App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved"],
     ["App/Info.plist", "MyPodfile.lock", "Pods/Manifest.lock", "docs/trtc-privacy.toml"]),
    ("trtc-privacy-merge",
     ["App/PrivacyInfo.xcprivacy", "Podfile.lock", "Package.resolved", ".trtc-privacy.toml"],
     ["README.md", "Podfile"]),
    ("trtc-privacy-versions",
     ["Podfile.lock", "ios/Package.resolved", ".trtc-privacy.toml"],
     ["App/PrivacyInfo.xcprivacy", "Podfile", "Package.swift"]),
])
def test_files_patterns_select_the_files_each_hook_is_about(hook: str, matches: list,
                                                           ignores: list) -> None:
    h = hooks()[hook]
    assert "types_or" not in h and h.get("types", ["file"]) == ["file"]  # files:, not types
    pattern = re.compile(h["files"])  # pre-commit uses re.search
    for p in matches:
        assert pattern.search(p), (hook, p)
    for p in ignores:
        assert not pattern.search(p), (hook, p)


pytestmark = pytest.mark.usefixtures("hooks_home")
_ = hooks_home  # the session fixture, imported for pytest


def test_lint_hook_passes_a_valid_manifest_and_fails_a_wrong_reason(tmp_path: Path) -> None:
    repo = app_repo(tmp_path, CONFIG)
    (repo / "Bad").mkdir()
    shutil.copy(FIXTURES / "xcode" / "wrong-reason.xcprivacy", repo / "Bad" / "PrivacyInfo.xcprivacy")

    good = run_hook("trtc-privacy-lint", repo, "App/PrivacyInfo.xcprivacy")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    bad = run_hook("trtc-privacy-lint", repo, "App/PrivacyInfo.xcprivacy",
                   "Bad/PrivacyInfo.xcprivacy")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "Bad/PrivacyInfo.xcprivacy" in bad.stdout
    assert re.search(r"31:9 +error .*35F9\.1", bad.stdout), bad.stdout


def test_merge_check_fails_merge_fixes_then_both_pass(tmp_path: Path) -> None:
    repo = app_repo(tmp_path, CONFIG)
    app = repo / "App" / "PrivacyInfo.xcprivacy"
    original = app.read_bytes()

    stale = run_hook("trtc-privacy-merge-check", repo)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "out of date" in stale.stdout
    assert app.read_bytes() == original  # --check writes nothing

    fix = run_hook("trtc-privacy-merge", repo)
    assert fix.returncode == 1, fix.stdout + fix.stderr  # a hook that edits files fails the commit
    assert "files were modified by this hook" in fix.stdout
    assert b"NSPrivacyAccessedAPICategorySystemBootTime" in app.read_bytes()
    assert app.read_bytes().startswith(original[:original.index(b"<key>NSPrivacyTracking")])

    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    for hook in ("trtc-privacy-merge-check", "trtc-privacy-merge"):
        ok = run_hook(hook, repo)
        assert ok.returncode == 0, (hook, ok.stdout + ok.stderr)


def test_versions_hook_fails_on_an_sdk_below_its_minimum(tmp_path: Path) -> None:
    repo = app_repo(tmp_path, CONFIG)
    ok = run_hook("trtc-privacy-versions", repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    shutil.copy(FIXTURES / "integrations" / "Podfile-old.lock", repo / "Podfile.lock")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    old = run_hook("trtc-privacy-versions", repo)
    assert old.returncode == 1, old.stdout + old.stderr
    assert "11.7" in old.stdout


def test_hooks_skip_when_no_file_of_theirs_changed(tmp_path: Path) -> None:
    repo = app_repo(tmp_path, CONFIG)
    (repo / "README.md").write_text("hello\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    r = run_hook("trtc-privacy-merge-check", repo, "README.md")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(no files to check)Skipped" in r.stdout.replace(".", "")



def test_try_repo_runs_every_hook_from_this_repository(tmp_path: Path) -> None:
    # an app whose manifest lacks its SDKs' entries, with an old TRTC SDK and a broken
    # third-party manifest: lint, merge (it edits) and versions fail; after merge, merge-check
    # passes (hooks run in id order)
    repo = app_repo(tmp_path, CONFIG, lock="Podfile-old.lock")
    (repo / "Vendor").mkdir()
    shutil.copy(FIXTURES / "xcode" / "wrong-reason.xcprivacy", repo / "Vendor" / "PrivacyInfo.xcprivacy")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    r = try_repo(repo)
    assert r.returncode == 1, r.stdout + r.stderr
    assert statuses(r.stdout) == {
        "lint privacy manifests": "Failed",
        "merge SDK privacy manifests into the app's": "Failed",
        "check the app privacy manifest declares its SDKs": "Passed",
        "check TRTC SDK versions": "Failed",
    }, r.stdout
    assert b"NSPrivacyAccessedAPICategorySystemBootTime" in (
        repo / "App" / "PrivacyInfo.xcprivacy").read_bytes()
