"""The tool's own advice never loops: merge, lint (plain and --strict), follow each hint, merge
again. SDK-only reasons (0A2A.1, C56D.1) stay in the manifest of an SDK whose bundle ships one;
an SDK that ships none has them folded in, named as its own."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from helpers import REPO, invoke

EXAMPLE = REPO / "examples" / "VideoCallApp"
APP = "VideoCallApp/PrivacyInfo.xcprivacy"
SDK_ONLY = ("C56D.1", "0A2A.1")


def example(tmp_path: Path) -> Path:
    root = tmp_path / "VideoCallApp"
    shutil.copytree(EXAMPLE, root)
    return root


def follow_sdk_only_hints(root: Path, lint_out: str) -> int:
    """Do what each sdk-only-reason hint says: remove the reason from the app's manifest."""
    path = root / APP
    text = path.read_text()
    done = 0
    for code in SDK_ONLY:
        if f"{code} may only be declared" in lint_out or f"{code} came from" in lint_out:
            text, n = re.subn(rf"[ \t]*<string>{re.escape(code)}</string>\n", "", text)
            done += n
    path.write_text(text)
    return done


def test_the_advice_walk_on_the_example_app_never_loops(tmp_path: Path) -> None:
    root = example(tmp_path)
    merged = invoke(["merge"], cwd=root)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    text = (root / APP).read_text()
    assert not any(c in text for c in SDK_ONLY)  # left in the SDK's own manifest
    assert "stay in the SDK's own manifest" in merged.stderr  # and said so, naming the SDK
    assert "TXLiteAVSDK_Professional/Professional 12.0.16292" in merged.stderr
    for args in (["lint", APP], ["lint", "--strict", APP]):
        r = invoke(args, cwd=root)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
        assert "sdk-only-reason" not in r.stdout + r.stderr
    again = invoke(["merge", "--check"], cwd=root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "up to date" in again.stdout


def test_reasons_an_older_merge_left_are_removed_once_and_never_come_back(tmp_path: Path
                                                                          ) -> None:
    root = example(tmp_path)
    assert invoke(["merge"], cwd=root).returncode == 0
    # what merge wrote before this policy: the SDK-only reasons folded into the app's manifest
    path = root / APP
    path.write_text(path.read_text().replace(
        "<string>CA92.1</string>\n", "<string>CA92.1</string>\n        <string>C56D.1</string>\n",
        1))
    assert "C56D.1" in path.read_text()
    lint = invoke(["lint", "--strict", APP], cwd=root)
    assert lint.returncode == 1 and "sdk-only-reason" in lint.stdout
    assert "`merge` does not add it back" in lint.stdout
    assert follow_sdk_only_hints(root, lint.stdout) == 1
    for args in (["merge", "--check"], ["lint", "--strict", APP], ["merge", "--check"]):
        r = invoke(args, cwd=root)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    assert "C56D.1" not in path.read_text()


def test_init_writes_what_lint_strict_passes(tmp_path: Path) -> None:
    (tmp_path / "App").mkdir()
    (tmp_path / "App" / "Info.plist").write_text("<plist/>\n")
    r = invoke(["init", "--sdk", "trtc@12.1"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not any(c in (tmp_path / "App" / "PrivacyInfo.xcprivacy").read_text()
                   for c in SDK_ONLY)
    strict = invoke(["lint", "--strict", "App/PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    check = invoke(["merge", "App/PrivacyInfo.xcprivacy", "--check", "--sdk", "trtc@12.1"],
                   cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_manifest_given_to_merge_keeps_its_reasons_named_as_its_own(tmp_path: Path) -> None:
    """A ``--manifest`` file: the tool cannot tell its SDK ships it, so it is folded verbatim, and
    every warning about its SDK-only reasons names it; following the hint does not loop."""
    sdk = tmp_path / "Vendor.xcprivacy"
    shutil.copy(REPO / "manifests" / "pods" / "TXLiteAVSDK_TRTC-11.7.xcprivacy", sdk)
    app = tmp_path / "PrivacyInfo.xcprivacy"
    r = invoke(["merge", str(app), "--manifest", str(sdk)], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    for code in SDK_ONLY:
        assert f"{code} came from {sdk}" in r.stdout + r.stderr
    strict = invoke(["lint", "--strict", str(app)], cwd=tmp_path)
    assert strict.returncode == 1 and strict.stdout.count("sdk-only-reason") == 2
