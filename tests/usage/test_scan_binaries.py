"""``scan`` end to end on binaries: a project tree built from the Mach-O fixture script (Pods with
vendored frameworks with and without a manifest, an .xcframework, a static library, a decoy),
and the real Tencent frameworks laid out as the TXLiteAVSDK_TRTC pod ships them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest
from helpers import shared_path

from trtc_privacy.cli import main

FT = "NSPrivacyAccessedAPICategoryFileTimestamp"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"
DS = "NSPrivacyAccessedAPICategoryDiskSpace"
AK = "NSPrivacyAccessedAPICategoryActiveKeyboards"
UD = "NSPrivacyAccessedAPICategoryUserDefaults"
ALL = {FT, BT, DS, AK, UD}


def _manifest(*categories: str) -> bytes:
    from helpers.manifests import manifest

    return manifest(*categories)


@pytest.fixture(scope="session")
def fixtures(macho_fixtures: Dict[str, Path]) -> Tuple[object, Dict[str, Path]]:
    """The fixture script's layout helpers and its binaries (built once, shared with the
    reader's tests; skips without clang/lld)."""
    from machofixtures import build

    return build, macho_fixtures


@pytest.fixture
def project(fixtures, tmp_path: Path) -> Path:
    """The planted project: what each piece uses is known from the fixture sources.

    RR (rr.c + rr.m): FileTimestamp (stat, lstat, fstat, fstatat, getattrlist,
    NSFileCreationDate, fileModificationDate), DiskSpace (getattrlist, statfs, fstatvfs),
    SystemBootTime (mach_absolute_time, systemUptime), ActiveKeyboards (activeInputModes),
    UserDefaults (NSUserDefaults). RRObjC (rr.m alone): all but DiskSpace.
    """
    build, fx = fixtures
    root = tmp_path / "Proj"
    app = root / "App"
    app.mkdir(parents=True)
    (app / "PrivacyInfo.xcprivacy").write_bytes(_manifest(UD))
    (app / "Clock.swift").write_text(
        "import Foundation\n"
        "// ProcessInfo.processInfo.systemUptime in a comment\n"
        "let up = ProcessInfo.processInfo.systemUptime\n", encoding="utf-8")
    pods = root / "Pods"
    # a vendored dynamic framework with a manifest that declares FileTimestamp only
    build.make_framework(fx["dylib"], pods / "RRKit", "RR", manifest=_manifest(FT))
    # one without a manifest
    build.make_framework(fx["objc"], pods / "RRObjC", "RRObjC")
    # the decoy: look-alike names and strings, declares nothing
    build.make_framework(fx["decoy"], pods / "DecoyKit", "Decoy", manifest=_manifest())
    # an xcframework whose device slice declares everything; its simulator slice is not read
    build.make_xcframework(pods / "RRX", "RRX", [
        build.Slice(fx["dylib"], "ios", ("arm64",), manifest=_manifest(*sorted(ALL))),
        build.Slice(fx["fat"], "ios", ("arm64", "x86_64"), "simulator", manifest=_manifest()),
    ])
    # Swift-shaped imports (@AppStorage, URLResourceValues.creationDate); a macOS framework,
    # which is not part of an iOS app
    build.make_framework(fx["swiftish"], pods / "SwiftKit", "Swiftish")
    build.make_framework(fx["statmac"], pods / "MacKit", "StatMac", manifest=_manifest())
    # a static library: linked into the app
    (pods / "Static").mkdir()
    shutil.copyfile(fx["archive"], pods / "Static" / "libRR.a")
    return root


def scan_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    code = main(["scan", "--format", "json", *args])
    doc = json.loads(capsys.readouterr().out)
    doc["exit"] = code
    return doc


def findings(doc: dict) -> Set[Tuple[str, str, str]]:
    """(rule, bundle path or manifest, category) for each diagnostic."""
    out = set()
    for d in doc["diagnostics"]:
        cat = next(c for c in ALL | {""} if c and c in d["message"])
        subject = d["message"].split(" uses ")[0].split(" declares ")[0]
        out.add((d["rule"], subject, cat))
    return out


def test_every_planted_use_is_reported_and_nothing_for_the_decoy(project: Path, capsys,
                                                                 monkeypatch) -> None:
    monkeypatch.chdir(project)
    doc = scan_json(capsys)
    assert doc["exit"] == 1
    rr, objc = "Frameworks/RR.framework/RR", "Frameworks/RRObjC.framework/RRObjC"
    appx = "the app's executable"
    assert findings(doc) == {
        # RR: FileTimestamp is declared; UserDefaults only by the app
        ("api-not-declared", rr, BT), ("api-not-declared", rr, DS),
        ("api-not-declared", rr, AK), ("api-declared-by-app-only", rr, UD),
        # RRObjC has no manifest
        ("api-not-declared", objc, BT), ("api-not-declared", objc, AK),
        ("api-not-declared", objc, FT), ("api-declared-by-app-only", objc, UD),
        # Swift-mangled tokens (StatMac, built for macOS, is not the iOS app's)
        ("api-declared-by-app-only", "Frameworks/Swiftish.framework/Swiftish", UD),
        ("api-not-declared", "Frameworks/Swiftish.framework/Swiftish", FT),
        # the app: libRR.a and Clock.swift; UserDefaults is declared
        ("api-not-declared", appx, FT), ("api-not-declared", appx, DS),
        ("api-not-declared", appx, BT), ("api-not-declared", appx, AK),
    }
    text = json.dumps(doc)
    assert "Decoy" not in json.dumps(doc["diagnostics"])  # look-alikes give nothing
    assert "simulator" not in text  # only the device slice ships
    ev = {(d["message"].split(" uses ")[0], next(c for c in ALL if c in d["message"])):
          d["evidence"] for d in doc["diagnostics"] if d["rule"] == "api-not-declared"}
    lib = "Pods/Static/libRR.a"
    assert ev[(appx, BT)] == ["App/Clock.swift:3:34: systemUptime",
                              f"{lib} (arm64, rr.o): _mach_absolute_time",
                              f"{lib} (arm64, rr_objective_c_uses.o): systemUptime"]
    assert ev[(appx, DS)] == [f"{lib} (arm64, rr.o): {s}"
                              for s in ("_fstatvfs", "_getattrlist", "_statfs")]
    assert ev[(rr, AK)] == ["Pods/RRKit/RR.framework/RR (arm64): activeInputModes"]
    assert set(ev[(objc, FT)]) == {"Pods/RRObjC/RRObjC.framework/RRObjC (arm64): "
                                   + s for s in ("_NSFileCreationDate", "fileModificationDate")}
    assert ev[("Frameworks/Swiftish.framework/Swiftish", FT)] == [
        "Pods/SwiftKit/Swiftish.framework/Swiftish (arm64): "
        "_$s10Foundation17URLResourceValuesV12creationDateAA0D0VSgvg"]
    # the per-bundle picture
    pic = {b["name"]: b for b in doc["bundles"]}
    assert set(pic) == {"the app", "RR.framework", "RRObjC.framework", "Decoy.framework",
                        "RRX.framework", "Swiftish.framework"}
    assert pic["Decoy.framework"]["used"] == {} and pic["Decoy.framework"]["has_manifest"]
    assert pic["RRObjC.framework"]["has_manifest"] is False
    assert set(pic["RRX.framework"]["used"]) == ALL
    assert pic["RR.framework"]["declared"] == [FT]


def test_a_framework_of_another_platform_is_read_only_for_an_app_of_that_platform(
        project: Path, capsys, monkeypatch) -> None:
    """StatMac (x86_64 macOS, ``_stat$INODE64``) is no part of an iOS app: a note says so. For
    a macOS app (``platform = "macos"``) it is read, and its uses are notes (Apple does not
    require the declarations on macOS)."""
    monkeypatch.chdir(project)
    main(["scan", "--format", "json"])
    assert ("note: Pods/MacKit/StatMac.framework/StatMac: built for macos (x86_64), not for iOS, "
            "the app's platform (`platform` in the configuration); not read"
            ) in capsys.readouterr().err
    (project / ".trtc-privacy.toml").write_text('platform = "macos"\n')
    doc = scan_json(capsys)
    [d] = [d for d in doc["diagnostics"] if "StatMac" in d["message"]]
    assert (d["rule"], d["severity"], d["itms"]) == ("api-not-declared", "note", None)
    assert d["evidence"] == ["Pods/MacKit/StatMac.framework/StatMac (x86_64): " + s
                             for s in ("_fstat$INODE64", "_stat$INODE64")]
    # the iOS frameworks are another platform's now; RRX has no macOS slice
    assert {b["name"] for b in doc["bundles"]} == {"the app", "StatMac.framework"}


def test_malformed_binary_is_bad_input_and_the_rest_is_still_scanned(project: Path, capsys,
                                                                     monkeypatch) -> None:
    broken = project / "Pods" / "Broken" / "Broken.framework"
    broken.mkdir(parents=True)
    (broken / "Broken").write_bytes(b"\xcf\xfa\xed\xfe" + b"\x0c\x00\x00\x01" + b"\x00" * 8)
    java = project / "Pods" / "Lib"
    java.mkdir()
    (java / "libjava.a").write_bytes(b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 64)
    monkeypatch.chdir(project)
    doc = scan_json(capsys)
    assert doc["exit"] == 2
    bad = {d["path"]: d for d in doc["diagnostics"] if d["rule"] == "bad-binary"}
    assert set(bad) == {"Pods/Broken/Broken.framework/Broken", "Pods/Lib/libjava.a"}
    assert all(d["severity"] == "error" and d["message"] for d in bad.values())
    assert any(d["rule"] == "api-not-declared" for d in doc["diagnostics"])


@pytest.fixture
def tencent(tmp_path: Path) -> Path:
    """The real TRTC-family xcframeworks, laid out as the TXLiteAVSDK_TRTC pod installs them."""
    src = shared_path("reference", "trtc", "binaries")
    pod = tmp_path / "App" / "Pods" / "TXLiteAVSDK_TRTC"
    pod.mkdir(parents=True)
    for name in ("TXFFmpeg", "TXSoundTouch", "TXLiteAVSDK_ReplayKitExt"):
        shutil.copytree(src / f"{name}.xcframework", pod / f"{name}.xcframework",
                        symlinks=True)
    return tmp_path / "App"


def test_tencent_frameworks(tencent: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tencent)
    doc = scan_json(capsys)
    errors = [d for d in doc["diagnostics"] if d["rule"] == "api-not-declared"]
    [gap] = errors  # TXSoundTouch and ReplayKitExt have none
    assert gap["message"].startswith("Frameworks/TXFFmpeg.framework/TXFFmpeg uses File "
                                     f"timestamp APIs ({FT})")
    assert gap["path"].endswith("ios-arm64_armv7/TXFFmpeg.framework/PrivacyInfo.xcprivacy")
    assert {e.rsplit(": ", 1)[1] for e in gap["evidence"]} == {"_fstat"}
    assert {e.split("(")[1].split(")")[0] for e in gap["evidence"]} == {"arm64", "armv7"}
    assert doc["exit"] == 1
    pic = {b["name"]: b for b in doc["bundles"]}
    assert pic["TXSoundTouch.framework"]["used"] == {}
    assert pic["TXLiteAVSDK_ReplayKitExt.framework"]["used"] == {}
    assert pic["TXFFmpeg.framework"]["declared"] == [BT]


def test_tencent_gap_covered_by_the_merged_app_manifest_is_a_warning(tencent: Path, capsys,
                                                                     monkeypatch) -> None:
    """The TRTC template declares FileTimestamp; folded into the app's manifest (as merge
    would), it covers TXFFmpeg, which should still declare it itself."""
    (tencent / ".trtc-privacy.toml").write_text('sdks = ["trtc@11.7"]\n')
    monkeypatch.chdir(tencent)
    doc = scan_json(capsys)
    assert doc["exit"] == 0
    [w] = [d for d in doc["diagnostics"] if d["severity"] != "note"]
    assert w["rule"] == "api-declared-by-app-only" and FT in w["message"]
    assert w["message"].startswith("Frameworks/TXFFmpeg.framework/TXFFmpeg")
    assert not (tencent / "PrivacyInfo.xcprivacy").exists()  # scan writes nothing


def test_an_encrypted_framework_is_not_said_to_leave_a_declaration_unused(
        fixtures, tmp_path: Path, capsys, monkeypatch) -> None:
    """RR sends activeInputModes (ActiveKeyboards) as a selector; encrypted, that selector is
    unreadable, so its ActiveKeyboards declaration is not called unused - read whole it is used."""
    from machofixtures import artifacts

    build, fx = fixtures
    root = tmp_path / "Proj"
    (root / "App").mkdir(parents=True)
    (root / "App" / "PrivacyInfo.xcprivacy").write_bytes(_manifest())
    fw = build.make_framework(fx["dylib"], root / "Pods" / "RRKit", "RR",
                              manifest=_manifest(*sorted(ALL)))
    monkeypatch.chdir(root)
    doc = scan_json(capsys)
    assert doc["diagnostics"] == [] and doc["bundles"][1]["complete"] is True
    artifacts.encrypted_copy(fx["dylib"], fw / "RR")
    doc = scan_json(capsys)
    [rr] = [b for b in doc["bundles"] if b["name"] == "RR.framework"]
    assert AK not in rr["used"] and rr["complete"] is False
    assert doc["diagnostics"] == []  # before: "declares ActiveKeyboards, but nothing ... uses it"
    main(["scan"])
    assert "RR.framework/RR: encrypted (FairPlay)" in capsys.readouterr().err


def test_a_static_library_sending_systemuptime_only_through_a_selector_stub(
        fixtures, capsys, monkeypatch) -> None:
    """Xcode 14+ objects send messages through ``_objc_msgSend$<selector>`` imports, with no
    ``__objc_selrefs``: libRRStubs.a's only trace of systemUptime is such a stub. Its other
    stub, processInfo, is no required-reason API and is not reported."""
    _, fx = fixtures
    lib = fx["stub_archive"]
    monkeypatch.chdir(lib.parent)
    doc = scan_json(capsys, lib.name)
    [d] = doc["diagnostics"]
    assert (d["rule"], d["severity"]) == ("api-not-declared", "error")
    assert d["message"].startswith(f"the app's executable uses System boot time APIs ({BT})")
    assert d["evidence"] == ["libRRStubs.a (arm64, rr_stubs.o): _objc_msgSend$systemUptime"]
    assert doc["exit"] == 1
    main(["scan", lib.name])
    assert "at libRRStubs.a (arm64, rr_stubs.o): _objc_msgSend$systemUptime" in \
        capsys.readouterr().out


@pytest.mark.parametrize("key, evidence", [
    # an old lld leaves the stubs as imports of the linked image
    ("stub_dylib", "Stubs.framework/Stubs (arm64): _objc_msgSend$systemUptime"),
    # lld >= 16, like Apple's ld64, turns them into __objc_stubs and selector references
    ("stub_linked", "Stubs.framework/Stubs (arm64): systemUptime")])
def test_selector_stubs_in_linked_images(fixtures, tmp_path: Path, capsys, monkeypatch,
                                        key: str, evidence: str) -> None:
    build, fx = fixtures
    if key not in fx:
        pytest.skip(f"the installed lld cannot build the {key} fixture")
    build.make_framework(fx[key], tmp_path, "Stubs")
    monkeypatch.chdir(tmp_path)
    doc = scan_json(capsys, "Stubs.framework")
    assert [(d["rule"], d["evidence"]) for d in doc["diagnostics"]] == [
        ("api-not-declared", [evidence])]
    assert BT in doc["diagnostics"][0]["message"]
