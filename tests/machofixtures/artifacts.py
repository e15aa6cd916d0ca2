"""Assemble built artifacts (.app, .ipa, .xcarchive, macOS .app) around the Mach-O fixtures.

Usable as a module (``assemble``) and as a script::

    python tests/machofixtures/artifacts.py OUTDIR

The binaries come from ``build.py`` (Debian clang and lld); the bundles around them are laid out
as Xcode lays them out. What each artifact plants, and so what ``audit`` must find, is in
``PLANTED`` beside the layout, so tests assert against one table:

``Demo.app`` (iOS, binary Info.plist, version 2.1)
  ``Demo`` (main.c + rr.c + rr.m: every category). Its manifest declares FileTimestamp,
  DiskSpace, UserDefaults (with the SDK-only reason C56D.1: a lint warning) and ActiveKeyboards,
  not SystemBootTime, which only ``TUICallKit_Privacy.bundle`` (a resource bundle) declares.
  ``Frameworks/RR.framework`` (rr.c + rr.m) declares FileTimestamp and DiskSpace; the app's
  manifest alone covers its UserDefaults and ActiveKeyboards; nobody its SystemBootTime.
  ``Frameworks/Alamofire.framework`` 5.9.1 (listed SDK, Decoy binary: no uses) has no manifest.
  ``Frameworks/DGCharts.framework`` (listed as Charts) has one.
  ``Frameworks/Clean.framework`` (not listed, no uses, no manifest): nothing to say.
  ``PlugIns/Share.appex`` (rr.m: UserDefaults, SystemBootTime, FileTimestamp, ActiveKeyboards)
  declares all but ActiveKeyboards; its ``Frameworks/ShareKit.framework`` (no uses) declares
  UserDefaults, which nothing uses.
``Demo.ipa``: ``Payload/Demo.app`` + ``Signatures/`` receipts: Alamofire unsigned, DGCharts
  signed.
``Demo.xcarchive``: ``Products/Applications/Demo.app`` + ``dSYMs/Demo.app.dSYM`` (skipped); no
  ``Signatures/``.
``Mac.app`` (macOS ``Contents/`` layout): ``Contents/MacOS/Mac`` and
  ``Contents/Frameworks/StatKit.framework/Versions/A/StatKit`` both import ``_stat$INODE64``
  (FileTimestamp); the app's manifest declares UserDefaults only.
"""

from __future__ import annotations

import os
import plistlib
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

if __package__:
    from machofixtures import build as B
else:  # run as a script: the sibling module
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import build as B  # type: ignore[no-redef]

FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
DS = "NSPrivacyAccessedAPICategoryDiskSpace"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"
UD = "NSPrivacyAccessedAPICategoryUserDefaults"
AK = "NSPrivacyAccessedAPICategoryActiveKeyboards"
REASONS = {FT: ["C617.1"], DS: ["E174.1"], BT: ["35F9.1"], UD: ["CA92.1"], AK: ["54BD.1"]}

#: (path, rule) of every finding audit must make on the iOS app, whatever its container.
PLANTED_APP: Tuple[Tuple[str, str], ...] = (
    ("Demo", "api-not-declared"),  # SystemBootTime: only a resource bundle declares it
    ("Frameworks/Alamofire.framework", "sdk-without-manifest"),
    ("Frameworks/RR.framework/RR", "api-declared-by-app-only"),  # UserDefaults
    ("Frameworks/RR.framework/RR", "api-declared-by-app-only"),  # ActiveKeyboards
    ("Frameworks/RR.framework/RR", "api-not-declared"),  # SystemBootTime
    ("PlugIns/Share.appex/Frameworks/ShareKit.framework/ShareKit", "api-declared-not-used"),
    ("PlugIns/Share.appex/Share", "api-not-declared"),  # ActiveKeyboards
    ("PrivacyInfo.xcprivacy", "sdk-only-reason"),  # C56D.1 in the app's own manifest
)
PLANTED_IPA = PLANTED_APP + (("Frameworks/Alamofire.framework", "sdk-signature-missing"),)
PLANTED_UNSIGNED_UNKNOWN = ("signatures-unknown",)  # said once, at the artifact's own path
PLANTED_MAC: Tuple[Tuple[str, str], ...] = (
    ("Contents/Frameworks/StatKit.framework/Versions/A/StatKit", "api-not-declared"),
    ("Contents/MacOS/Mac", "api-not-declared"),
    ("Contents/MacOS/Mac", "api-declared-not-used"),  # UserDefaults
)


def manifest(apis: Dict[str, List[str]], data_types: Sequence[str] = ()) -> bytes:
    """A complete, lint-clean PrivacyInfo.xcprivacy declaring ``apis`` (category -> reasons)."""
    return plistlib.dumps({
        "NSPrivacyTracking": False,
        "NSPrivacyTrackingDomains": [],
        "NSPrivacyCollectedDataTypes": [{
            "NSPrivacyCollectedDataType": t, "NSPrivacyCollectedDataTypeLinked": False,
            "NSPrivacyCollectedDataTypeTracking": False,
            "NSPrivacyCollectedDataTypePurposes": ["NSPrivacyCollectedDataTypePurposeAnalytics"],
        } for t in data_types],
        "NSPrivacyAccessedAPITypes": [{"NSPrivacyAccessedAPIType": c,
                                       "NSPrivacyAccessedAPITypeReasons": r}
                                      for c, r in apis.items()],
    })


def _info(path: Path, name: str, version: str, package: str, binary: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = {"CFBundleExecutable": name, "CFBundleIdentifier": f"com.example.{name}",
             "CFBundleName": name, "CFBundlePackageType": package,
             "CFBundleShortVersionString": version, "CFBundleVersion": version}
    path.write_bytes(plistlib.dumps(value, fmt=plistlib.FMT_BINARY if binary
                                    else plistlib.FMT_XML))


def _exe(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    os.chmod(dest, 0o755)


def make_ios_app(files: Dict[str, Path], dest: Path,
                 extra_frameworks: Sequence[Path] = ()) -> Path:
    """``dest/Demo.app`` as planted above; ``extra_frameworks`` are copied into Frameworks/."""
    app = dest / "Demo.app"
    _exe(files["executable"], app / "Demo")
    _info(app / "Info.plist", "Demo", "2.1", "APPL", binary=True)
    (app / "PrivacyInfo.xcprivacy").write_bytes(manifest(
        {FT: ["C617.1"], DS: ["E174.1"], UD: ["CA92.1", "C56D.1"], AK: ["54BD.1"]},
        ["NSPrivacyCollectedDataTypeEmailAddress"]))
    res = app / "TUICallKit_Privacy.bundle"
    res.mkdir(parents=True)
    (res / "PrivacyInfo.xcprivacy").write_bytes(manifest({BT: ["35F9.1"]}))
    _info(res / "Info.plist", "TUICallKit_Privacy", "1.0", "BNDL")
    fws = app / "Frameworks"
    B.make_framework(files["dylib"], fws, "RR", manifest=manifest({FT: ["C617.1"],
                                                                   DS: ["E174.1"]}))
    B.make_framework(files["decoy"], fws, "Alamofire", version="5.9.1")
    B.make_framework(files["decoy"], fws, "DGCharts", manifest=manifest({}), version="5.1.0")
    B.make_framework(files["decoy"], fws, "Clean")
    for fw in extra_frameworks:
        shutil.copytree(fw, fws / fw.name, symlinks=True)
    ext = app / "PlugIns" / "Share.appex"
    _exe(files["objc"], ext / "Share")
    _info(ext / "Info.plist", "Share", "2.1", "XPC!")
    (ext / "PrivacyInfo.xcprivacy").write_bytes(manifest({UD: ["CA92.1"], BT: ["35F9.1"],
                                                          FT: ["C617.1"]}))
    B.make_framework(files["decoy"], ext / "Frameworks", "ShareKit",
                     manifest=manifest({UD: ["CA92.1"]}))
    (app / "_CodeSignature").mkdir()
    (app / "_CodeSignature" / "CodeResources").write_bytes(plistlib.dumps({"files": {}}))
    return app


def encrypted_copy(binary: Path, dest: Path) -> Path:
    """A thin 64-bit Mach-O with its LC_UUID turned into LC_ENCRYPTION_INFO_64, cryptid 1: what
    a FairPlay-encrypted App Store download carries (same size: both commands are 24 bytes)."""
    import struct

    data = bytearray(binary.read_bytes())
    ncmds = struct.unpack_from("<I", data, 16)[0]
    off = 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, off)
        if cmd == 0x1B:  # LC_UUID
            struct.pack_into("<IIIIII", data, off, 0x2C, 24, 0, 0, 1, 0)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(bytes(data))
            return dest
        off += size
    raise ValueError(f"{binary} has no LC_UUID to turn into LC_ENCRYPTION_INFO_64")


def receipt(library: str, signed: bool) -> bytes:
    """A ``Signatures/<Name>.xcframework-<platform>.signature`` receipt as Xcode writes it."""
    return plistlib.dumps({
        "signed": signed, "isSecureTimestamp": signed,
        "metadata": {"library": f"{library}.xcframework", "platform": "ios"},
        "bundleIndentifier": f"com.example.{library}", "cdhashes": [], "certificates": [],
    })


def zip_tree(root: Path, out: Path, prefix: str = "",
             extra: Sequence[Tuple[str, bytes]] = ()) -> Path:
    """Zip a folder as Xcode's exporter does: relative names, links stored as links."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, root.parent)
            for name in sorted(dirnames + filenames):
                full = os.path.join(dirpath, name)
                arc = prefix + os.path.join(rel_dir, name).replace(os.sep, "/")
                if os.path.islink(full):
                    info = zipfile.ZipInfo(arc)
                    info.create_system = 3
                    info.external_attr = (0o120777 << 16)
                    zf.writestr(info, os.readlink(full))
                elif os.path.isfile(full):
                    zf.write(full, arc)
        for arc, data in extra:
            zf.writestr(arc, data)
    return out


def make_ipa(app: Path, out: Path) -> Path:
    return zip_tree(app, out, "Payload/", extra=(
        ("Signatures/Alamofire.xcframework-ios.signature", receipt("Alamofire", False)),
        ("Signatures/DGCharts.xcframework-ios.signature", receipt("DGCharts", True)),
    ))


def make_xcarchive(files: Dict[str, Path], app: Path, dest: Path) -> Path:
    arch = dest / "Demo.xcarchive"
    apps = arch / "Products" / "Applications"
    apps.mkdir(parents=True)
    shutil.copytree(app, apps / app.name, symlinks=True)
    dsym = arch / "dSYMs" / "Demo.app.dSYM" / "Contents" / "Resources" / "DWARF"
    dsym.mkdir(parents=True)
    shutil.copyfile(files.get("dsym", files["executable"]), dsym / "Demo")
    # a manifest inside the dSYM must be skipped like the rest of it
    (arch / "dSYMs" / "Demo.app.dSYM" / "Contents" / "Resources" /
     "PrivacyInfo.xcprivacy").write_bytes(b"not a manifest")
    _info(arch / "dSYMs" / "Demo.app.dSYM" / "Contents" / "Info.plist", "Demo", "2.1", "dSYM")
    (arch / "Info.plist").write_bytes(plistlib.dumps({
        "ApplicationProperties": {"ApplicationPath": "Applications/Demo.app"},
        "ArchiveVersion": 2, "Name": "Demo"}))
    return arch


def make_mac_app(files: Dict[str, Path], dest: Path) -> Path:
    app = dest / "Mac.app"
    contents = app / "Contents"
    _exe(files["statmac"], contents / "MacOS" / "Mac")
    _info(contents / "Info.plist", "Mac", "3.0", "APPL")
    (contents / "Resources").mkdir(parents=True)
    (contents / "Resources" / "PrivacyInfo.xcprivacy").write_bytes(manifest({UD: ["CA92.1"]}))
    B.make_framework(files["statmac"], contents / "Frameworks", "StatKit", macos=True)
    return app


def assemble(out: Path, files: Optional[Dict[str, Path]] = None,
             extra_frameworks: Sequence[Path] = ()) -> Dict[str, Path]:
    """Build the binaries (unless given) and every artifact into ``out``; key -> path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = files or B.build_all(out / "bin")
    ios = out / "ios"
    ios.mkdir(exist_ok=True)
    app = make_ios_app(files, ios, extra_frameworks)
    arts = {"app": app, "ipa": make_ipa(app, out / "Demo.ipa")}
    arts["xcarchive"] = make_xcarchive(files, app, out)
    mac = out / "mac"
    mac.mkdir(exist_ok=True)
    arts["mac"] = make_mac_app(files, mac)
    return arts


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python tests/machofixtures/artifacts.py OUTDIR", file=sys.stderr)
        return 2
    try:
        arts = assemble(Path(args[0]))
    except B.ToolMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    for key, path in sorted(arts.items()):
        print(f"{key:10} {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
