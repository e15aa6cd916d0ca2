"""The bundle layouts the fixture script makes around built binaries (used by scan/audit tests)."""

from __future__ import annotations

import plistlib
import subprocess
import sys
from pathlib import Path
from typing import Dict

from machofixtures.build import Slice, make_framework, make_xcframework

from trtc_privacy.usage import macho

MANIFEST = plistlib.dumps({"NSPrivacyTracking": False, "NSPrivacyAccessedAPITypes": []})


def test_ios_framework_layout(macho_fixtures: Dict[str, Path], tmp_path: Path) -> None:
    fw = make_framework(macho_fixtures["dylib"], tmp_path, "RR", manifest=MANIFEST,
                        version="2.1", signed_resources=True)
    info = plistlib.loads((fw / "Info.plist").read_bytes())
    assert info["CFBundleExecutable"] == "RR" and info["CFBundleShortVersionString"] == "2.1"
    assert (fw / "PrivacyInfo.xcprivacy").read_bytes() == MANIFEST
    assert (fw / "_CodeSignature" / "CodeResources").is_file()
    assert macho.read_file(str(fw / "RR"))[0].filetype == "dylib"


def test_macos_framework_layout(macho_fixtures: Dict[str, Path], tmp_path: Path) -> None:
    fw = make_framework(macho_fixtures["statmac"], tmp_path, "StatMac", manifest=MANIFEST,
                        macos=True)
    assert (fw / "StatMac").is_symlink() and (fw / "Versions" / "Current").is_symlink()
    assert (fw / "Versions" / "A" / "Resources" / "PrivacyInfo.xcprivacy").is_file()
    info = plistlib.loads((fw / "Resources" / "Info.plist").read_bytes())
    assert info["CFBundleExecutable"] == "StatMac"
    assert "_stat$INODE64" in macho.read_file(str(fw / "StatMac"))[0].imports


def test_xcframework_layout(macho_fixtures: Dict[str, Path], tmp_path: Path) -> None:
    xc = make_xcframework(tmp_path, "RR", [
        Slice(macho_fixtures["dylib"], "ios", ("arm64",), manifest=MANIFEST),
        Slice(macho_fixtures["fat"], "ios", ("arm64", "x86_64"), variant="simulator"),
        Slice(macho_fixtures["archive"], "ios", ("arm64",), variant="maccatalyst",
              static=True, manifest=MANIFEST),
    ], root_manifest=MANIFEST, signed=True)
    info = plistlib.loads((xc / "Info.plist").read_bytes())
    libs = {lib["LibraryIdentifier"]: lib for lib in info["AvailableLibraries"]}
    assert sorted(libs) == ["ios-arm64", "ios-arm64-maccatalyst", "ios-arm64_x86_64-simulator"]
    for ident, lib in libs.items():
        path = xc / ident / lib["LibraryPath"]
        binary = path / "RR" if path.suffix == ".framework" else path
        images = macho.read_file(str(binary))
        assert sorted({i.arch for i in images}) == sorted(lib["SupportedArchitectures"])
    assert libs["ios-arm64_x86_64-simulator"]["SupportedPlatformVariant"] == "simulator"
    assert (xc / "ios-arm64" / "RR.framework" / "PrivacyInfo.xcprivacy").is_file()
    assert not (xc / "ios-arm64_x86_64-simulator" / "RR.framework" /
                "PrivacyInfo.xcprivacy").exists()
    assert (xc / "PrivacyInfo.xcprivacy").is_file() and (xc / "_CodeSignature").is_dir()


def test_build_script_runs_as_a_command(macho_fixtures: Dict[str, Path], tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "machofixtures" / "build.py"
    out = subprocess.run([sys.executable, str(script), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    listed = dict(line.split(None, 1) for line in out.stdout.splitlines())
    assert set(listed) == set(macho_fixtures)
    assert all(Path(p.strip()).is_file() for p in listed.values())
