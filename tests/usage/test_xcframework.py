"""Which slices of an .xcframework ship: one rule for ``scan`` and ``audit`` (usage.xcframework),
the Info.plist's word first, Xcode's folder names when there is none."""

from __future__ import annotations

import os
import plistlib
from pathlib import Path
from typing import Dict, List, Optional

from trtc_privacy.usage import xcframework as X
from trtc_privacy.usage.scan import device_slices


def _xcframework(root: Path, slices: Dict[str, Optional[str]], info: bool = True) -> Path:
    """``Kit.xcframework`` with a ``Kit.framework`` in each slice folder; ``slices`` maps the
    folder to the variant its Info.plist entry gives (None: a device slice)."""
    xc = root / "Kit.xcframework"
    libraries: List[Dict[str, object]] = []
    for ident, variant in slices.items():
        (xc / ident / "Kit.framework").mkdir(parents=True)
        (xc / ident / "libKit.a").write_bytes(b"")  # in the folder, not listed
        entry: Dict[str, object] = {"LibraryIdentifier": ident, "LibraryPath": "Kit.framework",
                                    "SupportedPlatform": "ios"}
        if variant:
            entry["SupportedPlatformVariant"] = variant
        libraries.append(entry)
    if info:
        (xc / "Info.plist").write_bytes(plistlib.dumps({"AvailableLibraries": libraries}))
    return xc


def _shown(xc: Path) -> List[List[str]]:
    return [[os.path.relpath(lib, xc) for lib in libs] for _, libs in device_slices(str(xc))]


def test_the_info_plist_says_which_slice_ships_and_which_library_is_read(tmp_path: Path) -> None:
    xc = _xcframework(tmp_path, {"ios-arm64_x86_64-simulator": "simulator", "ios-arm64": None})
    assert _shown(xc) == [["ios-arm64/Kit.framework"]]


def test_without_an_info_plist_the_folder_names_say(tmp_path: Path) -> None:
    xc = _xcframework(tmp_path, {"ios-arm64_x86_64-simulator": "simulator", "ios-arm64": None,
                                 "ios-arm64_x86_64-maccatalyst": "maccatalyst"}, info=False)
    assert _shown(xc) == [["ios-arm64/Kit.framework", "ios-arm64/libKit.a"]]


def test_the_info_plist_wins_over_a_folder_name(tmp_path: Path) -> None:
    xc = _xcframework(tmp_path, {"ios-arm64": "simulator"})
    assert device_slices(str(xc)) == []
    assert X.ships("ios-arm64") and not X.ships("ios-arm64", "ios", "simulator")
    assert not X.ships("ios-arm64", "tvos") and X.ships("anything", "ios")


def test_an_unreadable_info_plist_falls_back_to_the_folders(tmp_path: Path) -> None:
    xc = _xcframework(tmp_path, {"ios-arm64": None}, info=False)
    (xc / "Info.plist").write_bytes(b"<plist><dict><key>broken")
    assert _shown(xc) == [["ios-arm64/Kit.framework", "ios-arm64/libKit.a"]]


def test_listed_skips_what_is_not_a_library() -> None:
    info = {"AvailableLibraries": [
        "junk", {"LibraryIdentifier": "ios-arm64"},
        {"LibraryIdentifier": "../x", "LibraryPath": "X.framework"},
        {"LibraryIdentifier": "macos-arm64", "LibraryPath": "X.framework",
         "SupportedPlatform": "macos"},
        {"LibraryIdentifier": "ios-arm64", "LibraryPath": "X.framework"}]}
    assert X.listed(info) == [X.Library("macos-arm64", "X.framework", X.OTHER),
                              X.Library("ios-arm64", "X.framework", X.DEVICE)]
    assert X.listed(None) == [] and X.listed({"AvailableLibraries": "x"}) == []


def test_audit_reads_every_listed_slice_scan_those_that_ship(tmp_path: Path) -> None:
    from trtc_privacy.usage.artifact import open_artifact
    from trtc_privacy.usage.bundles import _xcframework_slices

    xc = _xcframework(tmp_path, {"ios-arm64_x86_64-simulator": "simulator", "ios-arm64": None})
    with open_artifact(str(xc)) as tree:
        assert _xcframework_slices(tree) == ["ios-arm64_x86_64-simulator/Kit.framework",
                                             "ios-arm64/Kit.framework"]
    assert _shown(xc) == [["ios-arm64/Kit.framework"]]
