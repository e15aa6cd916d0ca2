"""``trtc-privacy xcode --audit``: after the merge, the built product is audited and its findings
shown in Xcode's issue format, so the build that introduced a missing declaration shows it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict

from helpers import REPO
from helpers.xcode_project import issues, make_project, xcode
from machofixtures import build as B


def _product(env: Dict[str, str], binaries: Dict[str, Path]) -> Path:
    app = Path(env["TARGET_BUILD_DIR"]) / "App.app"
    shutil.copyfile(binaries["executable"], app / "App")
    B.make_framework(binaries["decoy"], app / "Frameworks", "Alamofire", version="5.9.1")
    env["WRAPPER_NAME"] = "App.app"
    return app


def test_audit_after_the_merge_reports_in_xcode_format(tmp_path: Path,
                                                       macho_fixtures: Dict[str, Path]) -> None:
    # an SDK manifest given as an input is folded verbatim: its SDK-only reasons are warned about
    env = make_project(tmp_path, 'manifests = ["%s"]\n' % (
        REPO / "manifests" / "pods" / "TXLiteAVSDK_TRTC-11.7.xcprivacy"))
    app = _product(env, macho_fixtures)
    r = xcode(env, "--audit")
    assert r.returncode == 1, r.stderr
    found = issues(r.stderr)
    by_rule = {(path, sev, msg.rsplit("[", 1)[1].split("]")[0]) for path, _, _, sev, msg in found}
    # the listed SDK without a manifest, at the framework folder on disk
    assert (str(app / "Frameworks" / "Alamofire.framework"), "error",
            "sdk-without-manifest") in by_rule
    # the merged manifest was written into the product before the audit read it
    assert (app / "PrivacyInfo.xcprivacy").is_file()
    assert "App.app/PrivacyInfo.xcprivacy: merged manifest written" in r.stdout
    # the merge linted what it wrote and reports it at the source file's lines; the audit reads
    # the product's copy without saying the same things again
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    assert [i for i in found if i[0] == str(source)]
    assert not [i for i in found if i[0] == str(app / "PrivacyInfo.xcprivacy")]
    # every required-reason finding names the executable as App Store Connect would
    for path, _, rule in by_rule:
        if rule == "api-not-declared":
            assert path == str(app / "App")


def test_audit_findings_are_warnings_when_the_build_does_not_fail(
        tmp_path: Path, macho_fixtures: Dict[str, Path]) -> None:
    env = make_project(tmp_path, 'xcode-fail-on = "release"\n')
    _product(env, macho_fixtures)
    r = xcode(env, "--audit")
    assert r.returncode == 0, r.stderr
    sevs = {sev for _, _, _, sev, _ in issues(r.stderr)}
    assert "warning" in sevs and "error" not in sevs


def test_without_a_product_the_audit_says_so(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    r = xcode(env, "--audit")
    assert "there is no built product to audit" in r.stderr
    assert r.returncode == 0
