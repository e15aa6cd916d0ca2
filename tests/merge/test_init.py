"""`trtc-privacy init`: a new app manifest in Xcode's style that lints clean and is already merged."""

from __future__ import annotations

import plistlib
import shutil
from pathlib import Path

from helpers import FIXTURES, invoke

XCODE_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
    '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n'
    '<plist version="1.0">\n'
    '<dict>\n'
)


def app_project(root: Path) -> Path:
    """An Xcode-like project folder: the app's sources in App/ (with its Info.plist)."""
    (root / "App").mkdir()
    (root / "App" / "Info.plist").write_text("<plist/>\n")
    (root / "App.xcodeproj").mkdir()
    return root


def categories(path: Path) -> dict:
    data = plistlib.loads(path.read_bytes())
    return {a["NSPrivacyAccessedAPIType"]: a["NSPrivacyAccessedAPITypeReasons"]
            for a in data["NSPrivacyAccessedAPITypes"]}


def lint(path: Path, cwd: Path):
    r = invoke(["lint", str(path)], cwd=cwd)
    assert "Traceback" not in r.stderr
    return r


def test_init_writes_an_xcode_style_manifest_for_the_sdks_given(tmp_path: Path) -> None:
    root = app_project(tmp_path)
    r = invoke(["init", "--sdk", "trtc-professional@12.0", "--sdk", "tuicallkit@2.5.0"], cwd=root)
    assert r.returncode == 0, r.stderr
    out = root / "App" / "PrivacyInfo.xcprivacy"
    assert "App/PrivacyInfo.xcprivacy: written" in r.stdout
    text = out.read_text()
    assert text.startswith(XCODE_HEADER)
    assert text.endswith("</dict>\n</plist>\n")
    assert "\n\t<key>NSPrivacyTracking</key>\n\t<false/>\n" in text  # tabs, like Xcode
    data = plistlib.loads(out.read_bytes())
    assert list(data)[:2] == ["NSPrivacyTracking", "NSPrivacyTrackingDomains"]
    assert data["NSPrivacyTracking"] is False
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in categories(out)
    assert "NSPrivacyCollectedDataTypeUserID" in {
        d["NSPrivacyCollectedDataType"] for d in data["NSPrivacyCollectedDataTypes"]}

    # what init writes is what merge would: already up to date
    check = invoke(["merge", str(out), "--check", "--sdk", "trtc-professional@12.0",
                     "--sdk", "tuicallkit@2.5.0"], cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "up to date" in check.stdout

    # and it lints clean: no errors; the only findings are the TRTC SDK's two reasons that
    # Apple reserves for SDKs, which Tencent asks apps to copy (warnings, exit 0)
    linted = lint(out, root)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert ": error:" not in linted.stdout + linted.stderr
    rules = {line.rsplit("[", 1)[-1].rstrip("]") for line in
             (linted.stdout + linted.stderr).splitlines() if ": warning:" in line}
    assert rules <= {"sdk-only-reason"}


def test_a_kit_without_sdk_only_reasons_lints_with_no_findings_at_all(tmp_path: Path) -> None:
    root = app_project(tmp_path)
    r = invoke(["init", "--sdk", "tuicore@8.0.5895"], cwd=root)  # TUICore and the Chat SDK
    assert r.returncode == 0, r.stderr
    linted = lint(root / "App" / "PrivacyInfo.xcprivacy", root)
    assert linted.returncode == 0
    assert "warning" not in linted.stdout + linted.stderr
    assert "error" not in linted.stdout + linted.stderr


def test_init_takes_the_sdks_from_the_lockfile_it_finds(tmp_path: Path) -> None:
    root = app_project(tmp_path)
    shutil.copy(FIXTURES / "integrations" / "Podfile.lock", root / "Podfile.lock")
    r = invoke(["init"], cwd=root)
    assert r.returncode == 0, r.stderr
    assert "Podfile.lock" in r.stdout
    out = root / "App" / "PrivacyInfo.xcprivacy"
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in categories(out)  # the TRTC SDK's
    check = invoke(["merge", str(out), "--check", "--lockfile", "Podfile.lock"], cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr


def test_with_nothing_to_declare_it_writes_the_empty_skeleton(tmp_path: Path) -> None:
    r = invoke(["init"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "PrivacyInfo.xcprivacy"
    assert plistlib.loads(out.read_bytes()) == {
        "NSPrivacyTracking": False, "NSPrivacyTrackingDomains": [],
        "NSPrivacyCollectedDataTypes": [], "NSPrivacyAccessedAPITypes": []}
    assert "no TRTC-family SDK" in r.stderr
    linted = lint(out, tmp_path)
    assert linted.returncode == 0 and "error" not in linted.stdout + linted.stderr


def test_init_refuses_to_overwrite_unless_forced(tmp_path: Path) -> None:
    root = app_project(tmp_path)
    out = root / "App" / "PrivacyInfo.xcprivacy"
    mine = (FIXTURES / "xcode" / "PrivacyInfo.xcprivacy").read_bytes()
    out.write_bytes(mine)
    r = invoke(["init", "--sdk", "trtc"], cwd=root)
    assert r.returncode == 2
    assert "already exists" in r.stderr and "--force" in r.stderr
    assert out.read_bytes() == mine
    assert not (root / ".trtc-privacy.toml").exists()

    forced = invoke(["init", "--sdk", "trtc", "--force"], cwd=root)
    assert forced.returncode == 0, forced.stderr
    assert out.read_bytes() != mine
    # the SDK-only 0A2A.1 stays in the SDK's own manifest, so FileTimestamp is not the app's
    assert list(categories(out)) == ["NSPrivacyAccessedAPICategorySystemBootTime"]


def test_the_starter_configuration_drives_merge_check_and_versions(tmp_path: Path) -> None:
    root = app_project(tmp_path)
    shutil.copy(FIXTURES / "integrations" / "Podfile.lock", root / "Podfile.lock")
    r = invoke(["init", "--write-config"], cwd=root)
    assert r.returncode == 0, r.stderr
    config = (root / ".trtc-privacy.toml").read_text()
    assert 'app-manifest = "App/PrivacyInfo.xcprivacy"' in config
    assert 'lockfiles = ["Podfile.lock"]' in config
    assert 'xcode-write = "product"' in config

    sub = root / "App"
    check = invoke(["merge", "--check"], cwd=sub)  # found upwards, no arguments
    assert check.returncode == 0, check.stdout + check.stderr
    versions = invoke(["versions"], cwd=sub)
    assert versions.returncode == 0, versions.stdout + versions.stderr
    assert "TXLiteAVSDK_Professional" in versions.stdout

    again = invoke(["init", "--write-config", "--sdk", "trtc"], cwd=root)
    assert again.returncode == 2
    assert (root / ".trtc-privacy.toml").read_text() == config


def test_an_unknown_product_is_a_usage_error(tmp_path: Path) -> None:
    r = invoke(["init", "--sdk", "trtc-ultimate"], cwd=tmp_path)
    assert r.returncode == 2
    assert 'unknown product or pod "trtc-ultimate"' in r.stderr
    assert not (tmp_path / "PrivacyInfo.xcprivacy").exists()


# -- issue 21 C: the next steps follow the configuration init writes (or finds) ---------------

MEMBER = "add the file to your app target (Copy Bundle Resources)"
NOT_MEMBER = "keep the file out of your app target (clear its Target Membership"


def test_with_write_config_it_never_says_to_add_the_file_to_the_target(tmp_path: Path) -> None:
    """--write-config sets xcode-write = "product": the phase writes the built app's copy, and a
    target member would make Xcode fail with "Multiple commands produce"."""
    r = invoke(["init", "--sdk", "trtc", "--write-config"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'xcode-write = "product"' in (tmp_path / ".trtc-privacy.toml").read_text()
    assert NOT_MEMBER in r.stdout and MEMBER not in r.stdout


def test_the_next_steps_follow_a_configuration_found_or_none(tmp_path: Path) -> None:
    alone = invoke(["init", "--sdk", "trtc"], cwd=tmp_path)
    assert MEMBER in alone.stdout and "Run Script" not in alone.stdout
    (tmp_path / "PrivacyInfo.xcprivacy").unlink()
    (tmp_path / ".trtc-privacy.toml").write_text('xcode-write = "source"\n', encoding="utf-8")
    source = invoke(["init", "--sdk", "trtc"], cwd=tmp_path)
    assert MEMBER in source.stdout and "in place" in source.stdout
    (tmp_path / "PrivacyInfo.xcprivacy").unlink()
    (tmp_path / ".trtc-privacy.toml").write_text('xcode-write = "product"\n', encoding="utf-8")
    product = invoke(["init", "--sdk", "trtc"], cwd=tmp_path)
    assert NOT_MEMBER in product.stdout and MEMBER not in product.stdout
