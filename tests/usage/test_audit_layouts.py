"""``audit`` on the layouts real SDKs ship: static-library xcframeworks and loose static archives
(their code reaches the app's executable), flattened macOS frameworks, and the one rule for which
slices count (``usage.xcframework``): the app's platform, device slices as findings, the
simulator's as notes, another platform's not read."""

from __future__ import annotations

import json
import plistlib
import shutil
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from machofixtures import artifacts as A
from machofixtures import build as B

from trtc_privacy.cli import main
from trtc_privacy.usage import xcframework as X

UD = "NSPrivacyAccessedAPICategoryUserDefaults"
FT = "NSPrivacyAccessedAPICategoryFileTimestamp"


def audit_json(capsys, *args: str) -> Tuple[int, dict, str]:
    capsys.readouterr()
    code = main(["audit", "--format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def rows(doc: dict) -> List[Tuple[str, str, str]]:
    """(path, rule, severity) of each finding."""
    return sorted((d["path"], d["rule"], d["severity"]) for d in doc["diagnostics"])


@pytest.fixture
def fx(macho_fixtures: Dict[str, Path]) -> Dict[str, Path]:
    return macho_fixtures


def test_a_static_library_xcframework_reports_its_device_slice_and_notes_the_simulator(
        fx, tmp_path: Path, capsys) -> None:
    """Realm ships librealm-combined.a slices: the device slice's User defaults use is an error,
    with its member as evidence; the simulator slice's is a note; JSON is printed."""
    xc = B.make_xcframework(tmp_path, "Realm", [
        B.Slice(fx["defaults_archive"], "ios", ("arm64",), static=True),
        B.Slice(fx["defaults_archive_sim"], "ios", ("arm64", "x86_64"), "simulator",
                static=True)])
    code, doc, _ = audit_json(capsys, str(xc))
    device, sim = ("Realm.xcframework/ios-arm64/libRealm.a",
                   "Realm.xcframework/ios-arm64_x86_64-simulator/libRealm.a")
    assert rows(doc) == [(device, "api-not-declared", "error"),
                         (sim, "api-not-declared", "note")]
    by_path = {d["path"]: d for d in doc["diagnostics"]}
    assert UD in by_path[device]["message"] and by_path[device]["itms"] == "ITMS-91053"
    assert by_path[device]["evidence"] == [
        f"{device} (arm64, defaults.o): _OBJC_CLASS_$_NSUserDefaults"]
    assert by_path[sim]["itms"] is None
    assert by_path[sim]["message"].endswith("(a simulator slice, which never reaches the App "
                                            "Store, so this is a note)")
    assert [b["kind"] for b in doc["artifact"]["bundles"]] == ["library", "library"]
    assert code == 1


def test_a_static_slices_own_manifest_covers_it(fx, tmp_path: Path, capsys) -> None:
    xc = B.make_xcframework(tmp_path, "Kit", [
        B.Slice(fx["defaults_archive"], "ios", ("arm64",), static=True,
                manifest=A.manifest({UD: ["C56D.1"]}))])
    code, doc, _ = audit_json(capsys, str(xc))
    assert doc["diagnostics"] == [] and code == 0
    [row] = doc["artifact"]["bundles"]
    assert row["manifests"] == [{"path": "Kit.xcframework/ios-arm64/PrivacyInfo.xcprivacy",
                                 "role": "own", "kind": "sdk"}]


def test_a_simulator_slices_lint_findings_are_notes(fx, tmp_path: Path, capsys) -> None:
    """A listed SDK (Alamofire) without a manifest: an error for the device slice, a note for
    the simulator's."""
    xc = B.make_xcframework(tmp_path, "Alamofire", [
        B.Slice(fx["decoy"], "ios", ("arm64",)),
        B.Slice(fx["fat"], "ios", ("arm64", "x86_64"), "simulator")])
    _, doc, _ = audit_json(capsys, str(xc))
    listed = [(p, s) for p, r, s in rows(doc) if r == "sdk-without-manifest"]
    assert listed == [("Alamofire.xcframework/ios-arm64/Alamofire.framework", "error"),
                      ("Alamofire.xcframework/ios-arm64_x86_64-simulator/Alamofire.framework",
                       "note")]
    assert {s for p, _, s in rows(doc) if "simulator" in p} == {"note"}


def test_loose_static_archives(fx, tmp_path: Path, capsys) -> None:
    """A loose .a is audited as the code it puts into the app's executable: the device
    archive's use is an error, the simulator's a note; one built for macOS only is read as the
    macOS code it is (notes), unless the app is configured as an iOS app."""
    for key in ("defaults_archive", "defaults_archive_sim", "defaults_archive_mac"):
        shutil.copyfile(fx[key], tmp_path / fx[key].name)
    want = {"libDefaults.a": "error", "libDefaults_sim.a": "note", "libDefaults_mac.a": "note"}
    for name, severity in want.items():
        code, doc, _ = audit_json(capsys, str(tmp_path / name))
        assert rows(doc) == [(name, "api-not-declared", severity)], name
        assert doc["artifact"]["kind"] == "library"
        assert code == (1 if severity == "error" else 0)
    cfg = tmp_path / "ios.toml"
    cfg.write_text('platform = "ios"\n')
    code, doc, err = audit_json(capsys, str(tmp_path / "libDefaults_mac.a"), "-c", str(cfg))
    assert doc["diagnostics"] == [] and code == 0
    assert "note: libDefaults_mac.a: built for macos, not for iOS, the app's platform; not " \
        "read" in err


def test_bad_input_still_prints_the_chosen_format(tmp_path: Path, capsys) -> None:
    """An xcframework listing no slice is bad input (exit 2); the JSON and SARIF readers still
    get their document, with the error in it."""
    (tmp_path / "Empty.xcframework" / "ios-arm64").mkdir(parents=True)
    code, doc, err = audit_json(capsys, str(tmp_path / "Empty.xcframework"))
    assert code == 2
    [d] = doc["diagnostics"]
    assert (d["rule"], d["severity"]) == ("bad-artifact", "error")
    assert "lists no framework or static library slice" in d["message"]
    assert doc["artifact"]["bundles"] == [] and doc["artifact"]["kind"] == "xcframework"
    assert "error: the xcframework lists no framework or static library slice" in err
    main(["audit", "-f", "sarif", str(tmp_path / "Empty.xcframework")])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "bad-artifact"


def _flattened(fx: Dict[str, Path], root: Path) -> Path:
    """A macOS framework as npm leaves it: no Versions/, Info.plist and manifest in Resources/."""
    fw = root / "Flat.framework"
    (fw / "Resources").mkdir(parents=True)
    shutil.copyfile(fx["statmac"], fw / "Flat")
    (fw / "Resources" / "Info.plist").write_bytes(plistlib.dumps({
        "CFBundleExecutable": "Flat", "CFBundleIdentifier": "com.example.Flat",
        "CFBundleShortVersionString": "3.2"}))
    (fw / "Resources" / "PrivacyInfo.xcprivacy").write_bytes(A.manifest({FT: ["C617.1"]}))
    return fw


def test_a_flattened_macos_framework_is_read_as_the_macos_layout(fx, tmp_path: Path,
                                                                 capsys) -> None:
    """Before: no version or identifier, the vendor's own manifest called stray, and a false
    note that nothing declares the FileTimestamp its manifest declares."""
    code, doc, _ = audit_json(capsys, str(_flattened(fx, tmp_path)))
    assert doc["diagnostics"] == [] and code == 0
    [row] = doc["artifact"]["bundles"]
    assert (row["layout"], row["version"], row["identifier"]) == ("macos", "3.2",
                                                                  "com.example.Flat")
    assert row["manifests"] == [{"path": "Flat.framework/Resources/PrivacyInfo.xcprivacy",
                                 "role": "own", "kind": "sdk"}]
    assert row["categories_declared"] == {FT: ["C617.1"]}


def test_an_ios_framework_with_a_resources_folder_stays_ios(fx, tmp_path: Path) -> None:
    """Only a framework whose Info.plist is in Resources/ (and not at its root) is flattened."""
    from trtc_privacy.usage.artifact import open_artifact
    from trtc_privacy.usage.bundles import walk

    fw = B.make_framework(fx["dylib"], tmp_path, "RR")
    (fw / "Resources").mkdir()
    (fw / "Resources" / "Info.plist").write_bytes(plistlib.dumps({}))
    with open_artifact(str(fw)) as tree:
        assert walk(tree).bundles[0].layout == "ios"


def test_the_apps_platform_chooses_the_slices(fx, tmp_path: Path, capsys) -> None:
    """An xcframework with iOS, visionOS (xros) and macOS slices: audited for iOS by default
    (the others unread, with a note), for visionOS when the configuration says so."""
    xc = B.make_xcframework(tmp_path, "Multi", [
        B.Slice(fx["defaults_archive"], "ios", ("arm64",), static=True),
        B.Slice(fx["defaults_archive"], "xros", ("arm64",), static=True),
        B.Slice(fx["defaults_archive_mac"], "macos", ("x86_64",), static=True)])
    code, doc, err = audit_json(capsys, str(xc))
    assert [b["bundle"] for b in doc["artifact"]["bundles"]] == [
        "Multi.xcframework/ios-arm64/libMulti.a"]
    for other in ("xros-arm64", "macos-x86_64"):
        assert (f"note: Multi.xcframework/{other}: a slice for another platform than iOS, the "
                "app's (set `platform` in the configuration to audit it); not read") in err
    cfg = tmp_path / "vision.toml"
    cfg.write_text('platform = "visionos"\n')
    code, doc, _ = audit_json(capsys, str(xc), "-c", str(cfg))
    # the fixture archive is built for iOS; in the visionOS slice it still counts: the
    # Info.plist's word decides a slice, the images only loose binaries
    assert [b["bundle"] for b in doc["artifact"]["bundles"]] == [
        "Multi.xcframework/xros-arm64/libMulti.a"]
    assert rows(doc) == [("Multi.xcframework/xros-arm64/libMulti.a", "api-not-declared",
                          "error")]


def test_the_app_executable_decides_the_platform(audit_artifacts: Dict[str, Path],
                                                 capsys) -> None:
    """The macOS app is read as macOS whatever the configuration says about other artifacts:
    its findings stay notes, its frameworks are read."""
    code, doc, _ = audit_json(capsys, str(audit_artifacts["mac"]))
    assert {d["severity"] for d in doc["diagnostics"]} == {"note"}
    assert {b["bundle"] for b in doc["artifact"]["bundles"]} == {
        "Mac.app", "Contents/Frameworks/StatKit.framework"}


@pytest.mark.parametrize("ident, plist, target, role", [
    ("ios-arm64", None, "ios", X.DEVICE),
    ("ios-arm64_x86_64-simulator", None, "ios", X.SIMULATOR),
    ("ios-arm64_x86_64-maccatalyst", None, "ios", X.OTHER),
    ("ios-arm64_x86_64-maccatalyst", None, "maccatalyst", X.DEVICE),
    ("xros-arm64", None, "ios", X.OTHER),
    ("xros-arm64", None, "visionos", X.DEVICE),
    ("xros-arm64_x86_64-simulator", None, "visionos", X.SIMULATOR),
    ("macos-arm64_x86_64", None, "macos", X.DEVICE),
    ("macos-arm64_x86_64", None, "maccatalyst", X.DEVICE),
    ("anything", ("xros", "simulator"), "visionos", X.SIMULATOR),
    ("ios-arm64", ("ios", "simulator"), "ios", X.SIMULATOR),
])
def test_one_rule_for_slices(ident: str, plist, target: str, role: str) -> None:
    platform, variant = plist if plist else (None, None)
    assert X.slice_role(ident, platform, variant, target) == role


@pytest.mark.parametrize("platform, target, role", [
    ("ios", "ios", X.DEVICE), ("ios-simulator", "ios", X.SIMULATOR), ("", "ios", X.DEVICE),
    ("macos", "ios", X.OTHER), ("visionos", "visionos", X.DEVICE),
    ("visionos-simulator", "visionos", X.SIMULATOR), ("ios", "visionos", X.OTHER),
    ("maccatalyst", "maccatalyst", X.DEVICE), ("tvos", "ios", X.OTHER),
])
def test_one_rule_for_images(platform: str, target: str, role: str) -> None:
    assert X.image_role(platform, target) == role


def test_the_configuration_names_the_platforms_the_rule_knows(tmp_path: Path) -> None:
    from trtc_privacy import config
    from trtc_privacy.diagnostics import InputError

    for name in X.TARGETS:
        (tmp_path / ".trtc-privacy.toml").write_text(f'platform = "{name}"\n')
        assert config.load(str(tmp_path / ".trtc-privacy.toml")).platform == name
    (tmp_path / ".trtc-privacy.toml").write_text('platform = "android"\n')
    with pytest.raises(InputError, match="expected one of ios, visionos"):
        config.load(str(tmp_path / ".trtc-privacy.toml"))
    assert config.Config().platform == ""
