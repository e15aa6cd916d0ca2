"""Golden tests of merge's minimal edits, run through the real command.

Each folder in tests/fixtures/merge/ holds an app manifest and the expected result of merging
the full-feature TRTC SDK 12.0 and TUICallKit_Swift/Professional 2.5.0 (with the engine, TUICore
and the Chat SDK it pulls) into it. Regenerate the expected files with
TRTC_PRIVACY_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import difflib
import os
import plistlib
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, invoke

CASES = sorted(p.name for p in (FIXTURES / "merge").iterdir() if p.is_dir())
SDKS = ["--sdk", "trtc-professional@12.0", "--sdk", "TUICallKit_Swift/Professional@2.5.0"]
# cases whose existing lines must change: an <dict/> opened up, inline arrays (repeats stay)
LINES_MAY_CHANGE = {"empty-dict", "unknown-key-inline-array"}


def _merge(app: Path, *extra: str):
    return invoke(["merge", str(app), *SDKS, *extra], cwd=app.parent)


@pytest.mark.parametrize("case", CASES)
def test_merge_matches_golden_and_second_run_changes_nothing(tmp_path: Path, case: str) -> None:
    src = FIXTURES / "merge" / case
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(src / "PrivacyInfo.xcprivacy", app)
    before = app.read_bytes()

    r = _merge(app)
    assert r.returncode == 0, r.stderr
    after = app.read_bytes()
    expected = src / "expected.xcprivacy"
    if os.environ.get("TRTC_PRIVACY_UPDATE_GOLDEN"):
        expected.write_bytes(after)
    assert after == expected.read_bytes()

    data = plistlib.loads(after)
    reasons: dict = {}  # a category the app repeats keeps its entries: their union counts
    for d in data["NSPrivacyAccessedAPITypes"]:
        reasons.setdefault(d["NSPrivacyAccessedAPIType"], []).extend(
            d["NSPrivacyAccessedAPITypeReasons"])
    assert "E174.1" in reasons["NSPrivacyAccessedAPICategoryDiskSpace"]
    # the SDK-only C56D.1 stays in the SDK's own manifest, which its bundle ships
    assert "C56D.1" not in reasons["NSPrivacyAccessedAPICategoryUserDefaults"]
    types = [d["NSPrivacyCollectedDataType"] for d in data["NSPrivacyCollectedDataTypes"]]
    assert len(types) == len(set(types)) and "NSPrivacyCollectedDataTypeAudioData" in types

    if case not in LINES_MAY_CHANGE:
        old, new = before.decode().splitlines(True), after.decode().splitlines(True)
        removed = [d for d in difflib.ndiff(old, new) if d.startswith("- ")]
        assert removed == [], "existing lines changed"

    stamp = os.stat(app).st_mtime_ns
    again = _merge(app)
    assert again.returncode == 0 and "up to date" in again.stdout
    assert app.read_bytes() == after and os.stat(app).st_mtime_ns == stamp


def test_crlf_file_keeps_crlf_on_every_added_line(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "crlf" / "PrivacyInfo.xcprivacy", app)
    assert _merge(app).returncode == 0
    data = app.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 30


def test_two_space_file_gets_two_space_additions(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "spaces2-comments" / "PrivacyInfo.xcprivacy", app)
    assert _merge(app).returncode == 0
    text = app.read_text()
    assert "\t" not in text
    assert "\n        <string>NSPrivacyAccessedAPICategoryDiskSpace</string>" not in text
    assert "\n      <string>NSPrivacyAccessedAPICategoryDiskSpace</string>" in text
    assert "<!-- sign-in -->" in text


def test_check_reports_out_of_date_without_writing_then_passes(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy", app)
    before = app.read_bytes()
    r = _merge(app, "--check")
    assert r.returncode == 1
    assert "+\t\t\t<string>NSPrivacyAccessedAPICategoryDiskSpace</string>" in r.stdout
    assert app.read_bytes() == before
    assert _merge(app).returncode == 0
    assert _merge(app, "--check").returncode == 0


def test_output_option_leaves_the_source_untouched(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy", app)
    before = app.read_bytes()
    out = tmp_path / "build" / "PrivacyInfo.xcprivacy"
    out.parent.mkdir()
    r = _merge(app, "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert app.read_bytes() == before
    assert plistlib.loads(out.read_bytes())["NSPrivacyTracking"] is False
    stamp = os.stat(out).st_mtime_ns
    assert "up to date" in _merge(app, "-o", str(out)).stdout
    assert os.stat(out).st_mtime_ns == stamp


def test_missing_app_manifest_is_created_in_xcode_style(tmp_path: Path) -> None:
    app = tmp_path / "App" / "PrivacyInfo.xcprivacy"
    app.parent.mkdir()
    r = _merge(app)
    assert r.returncode == 0, r.stderr
    text = app.read_text()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC')
    assert "\n\t<key>NSPrivacyCollectedDataTypes</key>\n" in text
    assert plistlib.loads(text.encode())["NSPrivacyTracking"] is False


def test_json_summary_says_what_each_source_added(tmp_path: Path) -> None:
    import json

    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy", app)
    r = _merge(app, "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    pro, call, engine = out["sources"][:3]
    assert pro["source"] == "TXLiteAVSDK_Professional 12.0"
    assert pro["catalogue_manifest"] == "TXLiteAVSDK_Professional-11.7"
    assert ["reason", "NSPrivacyAccessedAPICategoryDiskSpace", "E174.1"] in pro["added"]
    assert ["reason", "NSPrivacyAccessedAPICategoryUserDefaults", "CA92.1"] not in pro["added"]
    assert call["added"] == [] or all(d[0] != "reason" or d[2] == "CA92.1" for d in call["added"])
    assert ["reason", "NSPrivacyAccessedAPICategoryDiskSpace", "E174.1"] in \
        engine["already_declared"]
    assert out["changed"] and out["written"]


def test_sdk_only_reasons_stay_in_the_manifest_of_an_sdk_that_ships_one(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy", app)
    r = _merge(app)
    assert r.returncode == 0
    assert "C56D.1 (UserDefaults), 0A2A.1 (FileTimestamp) stay in the SDK's own manifest" \
        in r.stderr and "sdk-only-reason" not in r.stderr
    assert "<string>0A2A.1</string>" not in app.read_text()
