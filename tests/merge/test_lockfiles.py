"""Podfile.lock and Package.resolved readers: pods, subspecs, local paths, line numbers, formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, invoke

from trtc_privacy.diagnostics import InputError
from trtc_privacy.merge.lockfiles import find_lockfiles, normalise_url, project_lockfiles, read_lockfile

LOCKS = FIXTURES / "lockfiles"


def _entries(name: str) -> dict:
    return {e.name: e for e in read_lockfile(str(LOCKS / name)).entries}


def test_pods_are_merged_per_root_with_their_subspecs_and_first_line() -> None:
    e = _entries("professional-with-extension.Podfile.lock")
    pro = e["TXLiteAVSDK_Professional"]
    assert pro.version == "12.8.19666"
    assert pro.subspecs == ["Professional", "ReplayKitExt"]
    assert pro.line == 3 and pro.label == "TXLiteAVSDK_Professional/{Professional,ReplayKitExt}"
    assert e["Masonry"].version == "1.1.0" and not e["Masonry"].external


def test_requirement_lines_resolve_nothing() -> None:
    # TUICallKit/TRTC requires "TUICallEngine/TRTC (= 2.3.0.915)" and TXLiteAVSDK_TRTC ">= 11.6":
    # only the PODS entries themselves say what is installed
    e = _entries("callkit-objc-below.Podfile.lock")
    assert e["TXLiteAVSDK_TRTC"].version == "11.7.15304"
    assert e["TUICallEngine"].version == "2.3.0.915"
    assert e["TUICallEngine"].line == 2


def test_a_subspec_without_its_root_line_is_still_the_pod() -> None:
    e = _entries("extension-only.Podfile.lock")
    assert e["TXLiteAVSDK_TRTC"].subspecs == ["ReplayKitExt"]
    assert e["TXLiteAVSDK_TRTC"].label == "TXLiteAVSDK_TRTC/ReplayKitExt"


def test_external_sources_mark_placeholder_versions() -> None:
    e = _entries("local-path-kits.Podfile.lock")
    assert e["TUICallKit_Swift"].external == ":path ../call/"
    assert e["TUILiveKit"].external == ":podspec ../live/TUILiveKit.podspec"
    assert e["TUIRoomKit"].external == ":path ../room/"
    assert e["RTCRoomEngine"].external == "" and e["RTCRoomEngine"].version == "4.3.9"


@pytest.mark.parametrize("name,fmt", [("v1.Package.resolved", 1), ("v2.Package.resolved", 2),
                                      ("v3.Package.resolved", 3)])
def test_package_resolved_formats(name: str, fmt: int) -> None:
    lock = read_lockfile(str(LOCKS / name))
    assert lock.format_version == fmt and lock.manager == "swiftpm"
    for e in lock.entries:
        # each pin points at the line of its repository URL
        assert e.url in (LOCKS / name).read_text().splitlines()[e.line - 1]


def test_package_resolved_versions_and_branch_pins() -> None:
    v1 = {e.name: e for e in read_lockfile(str(LOCKS / "v1.Package.resolved")).entries}
    assert v1["Professional_SwiftPM"].version == "12.3.0"
    v3 = {e.name: e for e in read_lockfile(str(LOCKS / "v3.Package.resolved")).entries}
    assert v3["Professional_SwiftPM"].version == "13.2.0"
    assert v3["TRTC_SwiftPM"].version is None and v3["TRTC_SwiftPM"].external == "branch main"


@pytest.mark.parametrize("url", ["https://github.com/Tencent-RTC/TRTC_SwiftPM",
                                 "https://github.com/tencent-rtc/trtc_swiftpm.git",
                                 "git@github.com:Tencent-RTC/TRTC_SwiftPM.git",
                                 "ssh://git@github.com/Tencent-RTC/TRTC_SwiftPM/"])
def test_swiftpm_urls_compare_in_every_spelling(url: str) -> None:
    assert normalise_url(url) == "github.com/tencent-rtc/trtc_swiftpm"


def test_directories_are_searched_where_xcode_and_swiftpm_keep_lockfiles(tmp_path: Path) -> None:
    v2 = LOCKS / "v2.Package.resolved"
    proj = tmp_path / "App.xcodeproj" / "project.xcworkspace" / "xcshareddata" / "swiftpm"
    ws = tmp_path / "App.xcworkspace" / "xcshareddata" / "swiftpm"
    pkg = tmp_path / "Kit"
    stray = tmp_path / "notes"
    for d in (proj, ws, pkg, stray, tmp_path / "Pods", tmp_path / "node_modules" / "x"):
        d.mkdir(parents=True)
    for d in (proj, ws, pkg, stray):
        shutil.copy(v2, d / "Package.resolved")
    (pkg / "Package.swift").write_text("// swift-tools-version:5.9\n")
    shutil.copy(LOCKS / "engine-only.Podfile.lock", tmp_path / "Podfile.lock")
    shutil.copy(LOCKS / "engine-only.Podfile.lock", tmp_path / "node_modules" / "x" / "Podfile.lock")
    found = {Path(p).relative_to(tmp_path).as_posix() for p in find_lockfiles([str(tmp_path)])}
    assert found == {
        "Podfile.lock",
        "App.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved",
        "App.xcworkspace/xcshareddata/swiftpm/Package.resolved",
        "Kit/Package.resolved",
    }


def test_a_project_folder_keeps_its_lockfiles_at_the_top_where_the_search_finds_them(
        tmp_path: Path) -> None:
    """``project_lockfiles`` (scan's look at a project) asks the places the search knows."""
    v2 = LOCKS / "v2.Package.resolved"
    for d in (tmp_path / "B.xcodeproj" / "project.xcworkspace" / "xcshareddata" / "swiftpm",
              tmp_path / "A.xcworkspace" / "xcshareddata" / "swiftpm", tmp_path / "Sub"):
        d.mkdir(parents=True)
        shutil.copy(v2, d / "Package.resolved")
    shutil.copy(LOCKS / "engine-only.Podfile.lock", tmp_path / "Podfile.lock")
    top = [Path(p).relative_to(tmp_path).as_posix() for p in project_lockfiles(str(tmp_path))]
    assert top == ["Podfile.lock", "A.xcworkspace/xcshareddata/swiftpm/Package.resolved",
                   "B.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved"]
    searched = {Path(p).relative_to(tmp_path).as_posix()
                for p in find_lockfiles([str(tmp_path)])}
    assert searched == set(top)  # Sub/Package.resolved has no Package.swift beside it


def test_an_empty_directory_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        find_lockfiles([str(tmp_path)])
    assert "no Podfile.lock or Package.resolved" in exc.value.diagnostic.message


MALFORMED = [
    ("conflict.Podfile.lock", "<<<<<<<", "merge conflict"),
    ("no-version.Podfile.lock", "  - TXLiteAVSDK_TRTC", "no resolved version"),
    ("tab-indent.Podfile.lock", "\t- TXLiteAVSDK_TRTC", "tab"),
    ("no-pods-section.Podfile.lock", None, "no PODS section"),
    ("no-pins.Package.resolved", None, "no \"pins\""),
]


@pytest.mark.parametrize("name,line_text,words", MALFORMED)
def test_malformed_lockfiles_are_path_line_errors_with_exit_2(tmp_path: Path, name: str,
                                                               line_text, words: str) -> None:
    src = LOCKS / "malformed" / name
    shutil.copy(src, tmp_path / name)
    r = invoke(["versions", name], cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    line = 1 if line_text is None else next(
        i for i, t in enumerate(src.read_text().splitlines(), 1) if t.startswith(line_text))
    first = r.stderr.splitlines()[0]
    assert first.startswith(f"{name}:{line}: error: "), r.stderr
    assert words in first
    assert "hint:" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""


def test_truncated_json_points_at_the_end(tmp_path: Path) -> None:
    name = "truncated.Package.resolved"
    shutil.copy(LOCKS / "malformed" / name, tmp_path / name)
    r = invoke(["versions", name, "--format", "json"], cwd=tmp_path)
    assert r.returncode == 2
    n = len((tmp_path / name).read_text().splitlines())
    assert r.stderr.startswith(f"{name}:{n + 1}:") or r.stderr.startswith(f"{name}:{n}:"), r.stderr
    assert "not valid JSON" in r.stderr


def test_binary_and_missing_files_are_bad_input(tmp_path: Path) -> None:
    (tmp_path / "Podfile.lock").write_bytes(b"PODS:\n  - \x00\xff\n")
    r = invoke(["versions", "Podfile.lock"], cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("Podfile.lock:1: error:")
    r = invoke(["versions", "nowhere/Podfile.lock"], cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("nowhere/Podfile.lock: error:")


def test_quoted_entries_as_cocoapods_writes_some_names(tmp_path: Path) -> None:
    p = tmp_path / "Podfile.lock"
    p.write_text('PODS:\n  - "RCT-Folly (2021.07.22.00)":\n    - "RCT-Folly/Default (= 2021.07.22.00)"\n'
                 '  - "TXLiteAVSDK_TRTC (12.8.19666)"\n\nCOCOAPODS: 1.15.2\n')
    e = {x.name: x for x in read_lockfile(str(p)).entries}
    assert e["TXLiteAVSDK_TRTC"].version == "12.8.19666" and e["TXLiteAVSDK_TRTC"].line == 4
    assert e["RCT-Folly"].version == "2021.07.22.00"
