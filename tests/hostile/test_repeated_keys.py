"""A key given twice in one <dict> is refused by every command that reads declarations, at both
places, and merge never removes a line of the user's (it folded the second key away before)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, run_cli
from helpers.hostile import refused

DUPLICATE_TOP = """<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0">
<dict>
\t<key>NSPrivacyAccessedAPITypes</key>
\t<array>
\t\t<dict>
\t\t\t<key>NSPrivacyAccessedAPIType</key>
\t\t\t<string>NSPrivacyAccessedAPICategoryUserDefaults</string>
\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>
\t\t\t<array>
\t\t\t\t<string>CA92.1</string>
\t\t\t</array>
\t\t</dict>
\t</array>
\t<key>NSPrivacyAccessedAPITypes</key>
\t<array>
\t\t<!-- the analytics module -->
\t\t<dict>
\t\t\t<key>NSPrivacyAccessedAPIType</key>
\t\t\t<string>NSPrivacyAccessedAPICategoryDiskSpace</string>
\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>
\t\t\t<array>
\t\t\t\t<string>E174.1</string>
\t\t\t</array>
\t\t</dict>
\t</array>
</dict>
</plist>
"""
#: The same file with the second top-level key renamed: no repeat at the top.
SINGLE = DUPLICATE_TOP.replace("\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n\t\t<!--",
                               "\t<key>OtherKey</key>\n\t<array>\n\t\t<!--")
DUPLICATE_IN_ENTRY = SINGLE.replace(
    "\t\t\t\t<string>CA92.1</string>\n\t\t\t</array>\n",
    "\t\t\t\t<string>CA92.1</string>\n\t\t\t</array>\n"
    "\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n\t\t\t<array/>\n", 1)



@pytest.mark.parametrize("args", [["--sdk", "trtc"], ["--sdk", "trtc", "--check"]])
def test_repeated_top_level_key_in_the_app_is_refused_at_both_keys(tmp_path: Path,
                                                                  args) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(DUPLICATE_TOP)
    line = refused(run_cli(["merge", str(app), *args], cwd=tmp_path))
    assert line.startswith(f"{app}:15:2: error: "), line
    assert '"NSPrivacyAccessedAPITypes"' in line and "4:2" in line and "15:2" in line, line
    assert app.read_text() == DUPLICATE_TOP
    # lint points at the same key with the same rule
    out = run_cli(["lint", "--format", "json", str(app)], cwd=tmp_path)
    found = [(d["line"], d["column"]) for d in json.loads(out.stdout)["diagnostics"]
             if d["rule"] == "duplicate-key"]
    assert found == [(15, 2)]


def test_repeated_key_inside_an_entry_is_refused_too(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(DUPLICATE_IN_ENTRY)
    line = refused(run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path))
    assert '"NSPrivacyAccessedAPITypeReasons"' in line and "9:4" in line and "13:4" in line, line
    assert app.read_text() == DUPLICATE_IN_ENTRY


def test_repeated_key_in_an_input_manifest_is_refused(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(SINGLE)
    before = app.read_bytes()
    vendor = tmp_path / "Vendor.xcprivacy"
    vendor.write_text(DUPLICATE_TOP)
    line = refused(run_cli(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path))
    assert line.startswith(f"{vendor}:15:2: error: ") and "4:2" in line, line
    assert app.read_bytes() == before


def test_merge_into_an_app_that_repeats_entries_removes_no_line(tmp_path: Path) -> None:
    """Repeated categories and reasons are the app's to fold (lint --fix); merge only adds."""
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "duplicates" / "PrivacyInfo.xcprivacy", app)
    old = app.read_text().splitlines()
    out = run_cli(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    new = iter(app.read_text().splitlines())
    for line in old:
        assert any(line == n for n in new), f"line removed: {line!r}"
    text = app.read_text()
    assert text.count("<string>1C8F.1</string>") == 1  # in the second entry only, not added again
    assert text.count("<string>C56D.1</string>") == 0  # stays in the SDK's own manifest
