"""``audit`` on built artifacts assembled around real Mach-O fixtures (Debian clang and lld):
exactly the planted findings, each with its evidence, in every output format.

The fixture layout and what it plants are in tests/machofixtures/artifacts.py (PLANTED_*).
Tests skip when clang/lld are absent; the Tencent frameworks come from ../shared and skip when
that folder is absent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple
from urllib.parse import unquote

import pytest
from helpers import SHARED, run_cli
from machofixtures import artifacts as A
from machofixtures import build as B

from trtc_privacy.cli import main

FORMATS = ("text", "json", "sarif", "github", "xcode")
TENCENT = SHARED / "reference" / "trtc" / "binaries"


@pytest.fixture
def binaries(macho_fixtures: Dict[str, Path]) -> Dict[str, Path]:
    return macho_fixtures


@pytest.fixture
def arts(audit_artifacts: Dict[str, Path]) -> Dict[str, Path]:
    return audit_artifacts


def run(args: List[str], capsys: pytest.CaptureFixture) -> Tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def findings(text: str, fmt: str, artifact: Path) -> Counter:
    """(path, rule) of every finding in one format's output; the artifact itself is "<>"."""
    pairs: List[Tuple[str, str]] = []
    if fmt == "text":
        path = ""
        for line in text.splitlines():
            if line and not line.startswith(" "):
                path = line
            m = re.match(r"^  \S+\s+(error|warning|note)\s+.*\[([a-z-]+)\]$", line)
            if m:
                pairs.append((path, m.group(2)))
    elif fmt == "json":
        pairs = [(d["path"], d["rule"]) for d in json.loads(text)["diagnostics"]]
    elif fmt == "sarif":
        for r in json.loads(text)["runs"][0]["results"]:
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            pairs.append((unquote(uri).replace("file://", ""), r["ruleId"]))
    elif fmt == "github":
        for line in text.splitlines():
            m = re.match(r"^::(error|warning|notice) file=([^,]*),(?:.*,)?title=([a-z-]+)", line)
            assert m, line
            pairs.append((unquote(m.group(2).replace("%3A", ":").replace("%2C", ",")),
                          m.group(3)))
    elif fmt == "xcode":
        for line in text.splitlines():
            m = re.match(r"^(.*?)(?::\d+)*: (error|warning|note): .*\[([a-z-]+)\]$", line)
            assert m, line
            pairs.append((m.group(1), m.group(3)))
    return Counter(("<>" if p.rstrip("/") == str(artifact) else p, r) for p, r in pairs)


EXPECTED = {
    "ipa": Counter(A.PLANTED_IPA),
    "xcarchive": Counter(A.PLANTED_APP + (("<>", "signatures-unknown"),)),
    "app": Counter(A.PLANTED_APP + (("<>", "signatures-unknown"),)),
    "mac": Counter(A.PLANTED_MAC),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", sorted(EXPECTED))
def test_audit_finds_exactly_what_was_planted(which: str, fmt: str, arts: Dict[str, Path],
                                              capsys: pytest.CaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths must not resolve to files here
    code, out, err = run(["audit", str(arts[which]), "--format", fmt], capsys)
    assert findings(out, fmt, arts[which]) == EXPECTED[which], out
    errors = any(r in ("api-not-declared", "sdk-without-manifest", "sdk-signature-missing")
                 for p, r in EXPECTED[which] if which != "mac")
    assert code == (1 if errors else 0), err
    assert err == ""


def _json(arts: Dict[str, Path], which: str, capsys: pytest.CaptureFixture) -> dict:
    _, out, _ = run(["audit", str(arts[which]), "--format", "json"], capsys)
    return json.loads(out)


def _find(doc: dict, path: str, rule: str) -> List[dict]:
    return [d for d in doc["diagnostics"] if d["path"] == path and d["rule"] == rule]


def test_evidence_and_hints(arts: Dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    doc = _json(arts, "ipa", capsys)
    [demo] = _find(doc, "Demo", "api-not-declared")
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in demo["message"]
    assert demo["itms"] == "ITMS-91053" and demo["severity"] == "error"
    assert demo["evidence"] == ["Demo (arm64): _mach_absolute_time",
                                "Demo (arm64): systemUptime"]
    # a resource bundle's declaration is a hint, not coverage
    assert demo["hint"].startswith("TUICallKit_Privacy.bundle/PrivacyInfo.xcprivacy declares it")
    by_app = _find(doc, "Frameworks/RR.framework/RR", "api-declared-by-app-only")
    assert sorted(d["evidence"][0] for d in by_app) == [
        "Frameworks/RR.framework/RR (arm64): _OBJC_CLASS_$_NSUserDefaults",
        "Frameworks/RR.framework/RR (arm64): activeInputModes"]
    [missing] = _find(doc, "Frameworks/Alamofire.framework", "sdk-without-manifest")
    assert missing["itms"] == "ITMS-91061" and "Alamofire 5.9.1" in missing["message"]
    [unsigned] = _find(doc, "Frameworks/Alamofire.framework", "sdk-signature-missing")
    assert unsigned["itms"] == "ITMS-91065"
    assert unsigned["evidence"] == [
        "Signatures/Alamofire.xcframework-ios.signature: signed = false"]
    [lint] = _find(doc, "PrivacyInfo.xcprivacy", "sdk-only-reason")
    assert lint["line"] and lint["column"] and "C56D.1" in lint["message"]


def test_json_carries_the_per_bundle_picture(arts: Dict[str, Path],
                                            capsys: pytest.CaptureFixture) -> None:
    pic = _json(arts, "ipa", capsys)["artifact"]
    assert pic["kind"] == "ipa" and pic["signatures"] == "Signatures"
    rows = {b["bundle"]: b for b in pic["bundles"]}
    assert list(rows) == ["Demo.app", "Frameworks/Alamofire.framework",
                          "Frameworks/Clean.framework", "Frameworks/DGCharts.framework",
                          "Frameworks/RR.framework", "PlugIns/Share.appex",
                          "PlugIns/Share.appex/Frameworks/ShareKit.framework"]
    app = rows["Demo.app"]
    assert app["executable"] == "Demo" and app["version"] == "2.1"  # from a binary Info.plist
    assert app["manifests"] == [
        {"path": "PrivacyInfo.xcprivacy", "role": "own", "kind": "app"},
        {"path": "TUICallKit_Privacy.bundle/PrivacyInfo.xcprivacy", "role": "resource",
         "kind": "sdk"}]
    assert set(app["categories_used"]) == {A.FT, A.DS, A.BT, A.UD, A.AK}
    assert "_mach_absolute_time" in app["categories_used"][A.BT]
    assert app["categories_declared"] == {A.AK: ["54BD.1"], A.DS: ["E174.1"], A.FT: ["C617.1"],
                                          A.UD: ["CA92.1", "C56D.1"]}
    assert app["categories_declared_in_resource_bundles"] == {
        A.BT: ["TUICallKit_Privacy.bundle/PrivacyInfo.xcprivacy"]}
    assert app["data_types"][0]["type"] == "NSPrivacyCollectedDataTypeEmailAddress"
    assert app["tracking"] is False and app["architectures"] == ["arm64"]
    assert rows["Frameworks/Alamofire.framework"]["listed_sdk"] == "Alamofire"
    assert rows["Frameworks/DGCharts.framework"]["listed_sdk"] == "Charts"
    assert rows["Frameworks/Clean.framework"]["categories_used"] == {}
    assert rows["PlugIns/Share.appex"]["executable"] == "PlugIns/Share.appex/Share"


def test_dsyms_are_skipped(arts: Dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    """The .xcarchive's dSYMs/ holds a debug copy of Demo and a broken manifest: neither is read."""
    doc = _json(arts, "xcarchive", capsys)
    assert not [d for d in doc["diagnostics"] if "dSYM" in d["path"]]
    assert doc["artifact"]["bundles"][0]["bundle"] == "Demo.app"
    assert not [b for b in doc["artifact"]["bundles"] if "dSYM" in b["bundle"]]


def test_macos_findings_are_notes(arts: Dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    doc = _json(arts, "mac", capsys)
    assert {d["severity"] for d in doc["diagnostics"]} == {"note"}
    [fw] = _find(doc, "Contents/Frameworks/StatKit.framework/Versions/A/StatKit",
                 "api-not-declared")
    exe = "Contents/Frameworks/StatKit.framework/Versions/A/StatKit (x86_64)"
    assert fw["evidence"] == [f"{exe}: _fstat$INODE64", f"{exe}: _stat$INODE64"]
    assert fw["itms"] is None and "macOS" in fw["message"] and "ITMS-91053" not in fw["message"]
    rows = {b["bundle"]: b for b in doc["artifact"]["bundles"]}
    assert rows["Mac.app"]["executable"] == "Contents/MacOS/Mac"
    assert rows["Mac.app"]["manifests"][0]["path"] == "Contents/Resources/PrivacyInfo.xcprivacy"
    assert rows["Contents/Frameworks/StatKit.framework"]["version"] == "1.0"


def test_root_manifest_of_an_xcframework_does_not_count(binaries: Dict[str, Path],
                                                        tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    xc = B.make_xcframework(tmp_path, "SDWebImage", [
        B.Slice(binaries["decoy"], "ios", ("arm64",))], root_manifest=A.manifest({}))
    code, out, _ = run(["audit", str(xc), "--format", "json"], capsys)
    doc = json.loads(out)
    [d] = doc["diagnostics"]
    assert code == 1
    assert d["rule"] == "sdk-without-manifest"
    assert d["path"] == "SDWebImage.xcframework/ios-arm64/SDWebImage.framework"
    assert ("SDWebImage.xcframework/PrivacyInfo.xcprivacy sits at the .xcframework's root"
            in d["hint"])


def test_a_binary_that_is_not_mach_o_is_bad_input(binaries: Dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    app = tmp_path / "Bad.app"
    app.mkdir()
    (app / "Bad").write_bytes(b"\xcf\xfa\xed\xfe" + b"\x00" * 10)  # a truncated Mach-O header
    code, out, err = run(["audit", str(app)], capsys)
    assert code == 2 and out == ""
    assert "Bad.app: Bad: error: not a readable Mach-O binary" in err


def test_an_encrypted_binary_is_said_to_be_partly_read(binaries: Dict[str, Path],
                                                       tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    app = tmp_path / "Store.app"
    A.encrypted_copy(binaries["dylib"], app / "Store")
    (app / "PrivacyInfo.xcprivacy").write_bytes(A.manifest({A.FT: ["C617.1"], A.DS: ["E174.1"],
                                                            A.BT: ["35F9.1"], A.UD: ["CA92.1"]}))
    code, out, _ = run(["audit", str(app), "--format", "json"], capsys)
    doc = json.loads(out)
    assert [(d["path"], d["rule"], d["severity"]) for d in doc["diagnostics"]] == [
        ("Store", "binary-encrypted", "note")]
    assert code == 0
    [row] = doc["artifact"]["bundles"]
    assert row["encrypted"] is True
    # imports are still read (mach_absolute_time), selectors are not (no activeInputModes)
    assert row["categories_used"][A.BT] == ["_mach_absolute_time"]
    assert A.AK not in row["categories_used"]


@pytest.mark.parametrize("key, evidence", [("stub_dylib", "_objc_msgSend$systemUptime"),
                                           ("stub_linked", "systemUptime")])
def test_selector_stubs_in_an_apps_executable(binaries: Dict[str, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture, key: str,
                                              evidence: str) -> None:
    """An executable that still imports ``_objc_msgSend$systemUptime`` (an old lld) sends
    systemUptime, with the stub as evidence; once a linker turned the stubs into selector
    references (lld >= 16, Apple's ld64) the selector is the evidence."""
    if key not in binaries:
        pytest.skip(f"the installed lld cannot build the {key} fixture")
    app = tmp_path / "Stubs.app"
    app.mkdir()
    shutil.copyfile(binaries[key], app / "Stubs")
    (app / "PrivacyInfo.xcprivacy").write_bytes(A.manifest({}))
    code, out, _ = run(["audit", str(app), "--format", "json"], capsys)
    doc = json.loads(out)
    [d] = [d for d in doc["diagnostics"] if d["rule"] == "api-not-declared"]
    assert d["path"] == "Stubs" and A.BT in d["message"]
    assert d["evidence"] == [f"Stubs (arm64): {evidence}"]
    [row] = doc["artifact"]["bundles"]
    assert row["categories_used"] == {A.BT: [evidence]}
    assert code == 1


@pytest.mark.parametrize("fixture, unused_when_read_whole", [("dylib", []), ("decoy", [A.AK])])
def test_an_encrypted_binary_is_never_said_not_to_use_a_declared_category(
        binaries: Dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture,
        fixture: str, unused_when_read_whole: List[str]) -> None:
    """``dylib`` sends activeInputModes, a selector: read whole, its ActiveKeyboards declaration
    is used; encrypted, the selector is unreadable, and "declared but not used" would be false.
    ``decoy`` uses nothing: only read whole can the note be made."""
    declared = {A.FT: ["C617.1"], A.DS: ["E174.1"], A.BT: ["35F9.1"], A.UD: ["CA92.1"],
                A.AK: ["54BD.1"]}
    if fixture == "decoy":
        declared = {A.AK: ["54BD.1"]}
    for encrypted in (False, True):
        app = tmp_path / ("Store.app" if encrypted else "Plain.app")
        exe = app / app.stem
        if encrypted:
            A.encrypted_copy(binaries[fixture], exe)
        else:
            app.mkdir()
            shutil.copyfile(binaries[fixture], exe)
        (app / "PrivacyInfo.xcprivacy").write_bytes(A.manifest(declared))
        code, out, _ = run(["audit", str(app), "--format", "json"], capsys)
        doc = json.loads(out)
        got = [(d["rule"], next((c for c in declared if c in d["message"]), None))
               for d in doc["diagnostics"]]
        if encrypted:
            assert got == [("binary-encrypted", None)] and code == 0
        else:
            assert got == [("api-declared-not-used", c) for c in unused_when_read_whole]


@pytest.fixture(scope="session")
def tencent_app(macho_fixtures: Dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not TENCENT.is_dir():
        pytest.skip(f"reference data {TENCENT} is absent (it lives beside the project)")
    app = tmp_path_factory.mktemp("tencent") / "Video.app"
    app.mkdir()
    shutil.copyfile(macho_fixtures["decoy"], app / "Video")
    (app / "PrivacyInfo.xcprivacy").write_bytes(A.manifest({}))
    for name in ("TXFFmpeg", "TXSoundTouch", "TXLiteAVSDK_ReplayKitExt"):
        slice_ = TENCENT / f"{name}.xcframework" / "ios-arm64_armv7"
        shutil.copytree(slice_ / f"{name}.framework", app / "Frameworks" / f"{name}.framework")
    return app


def test_tencent_txffmpeg_uses_fstat_without_declaring_it(tencent_app: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(["audit", str(tencent_app), "--format", "json"], capsys)
    doc = json.loads(out)
    got = Counter((d["path"], d["rule"]) for d in doc["diagnostics"])
    assert got == Counter({
        ("Frameworks/TXFFmpeg.framework/TXFFmpeg", "api-not-declared"): 1,
        ("Frameworks/TXFFmpeg.framework/TXFFmpeg", "api-declared-not-used"): 1,
        ("Frameworks/TXLiteAVSDK_ReplayKitExt.framework/TXLiteAVSDK_ReplayKitExt",
         "api-declared-not-used"): 1,
    }), out
    [d] = _find(doc, "Frameworks/TXFFmpeg.framework/TXFFmpeg", "api-not-declared")
    assert "NSPrivacyAccessedAPICategoryFileTimestamp" in d["message"]
    assert d["evidence"] == ["Frameworks/TXFFmpeg.framework/TXFFmpeg (arm64): _fstat",
                             "Frameworks/TXFFmpeg.framework/TXFFmpeg (armv7): _fstat"]
    assert code == 1


def test_audit_in_a_real_process(arts: Dict[str, Path], tmp_path: Path) -> None:
    before = sorted(os.listdir(tmp_path))
    proc = run_cli(["audit", str(arts["ipa"])], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    # 6 manifests and 7 executables read
    assert proc.stdout.splitlines()[-1] == "5 errors, 3 warnings, 1 note in 13 files"
    assert "Frameworks/TXFFmpeg" not in proc.stdout
    assert sorted(os.listdir(tmp_path)) == before


def test_a_bare_framework_is_audited_on_its_own(capsys: pytest.CaptureFixture) -> None:
    if not TENCENT.is_dir():
        pytest.skip(f"reference data {TENCENT} is absent (it lives beside the project)")
    fw = TENCENT / "TXFFmpeg.xcframework" / "ios-arm64_armv7" / "TXFFmpeg.framework"
    code, out, _ = run(["audit", str(fw), "--format", "json"], capsys)
    doc = json.loads(out)
    assert sorted((d["path"], d["rule"]) for d in doc["diagnostics"]) == [
        ("TXFFmpeg.framework/TXFFmpeg", "api-declared-not-used"),
        ("TXFFmpeg.framework/TXFFmpeg", "api-not-declared")]
    assert doc["diagnostics"][0]["message"].startswith("TXFFmpeg.framework declares")
    assert doc["artifact"]["bundles"][0]["version"] == "1.0"
    assert code == 1


def test_configuration_ignore_and_strict_apply_to_audit(arts: Dict[str, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    cfg = tmp_path / ".trtc-privacy.toml"
    cfg.write_text('ignore = ["api-declared-by-app-only", "api-not-declared", '
                   '"sdk-without-manifest", "sdk-signature-missing"]\n'
                   '[severity]\n"sdk-only-reason" = "error"\n')
    code, out, _ = run(["audit", str(arts["ipa"]), "--config", str(cfg), "--format", "json"],
                       capsys)
    got = sorted((d["path"], d["rule"], d["severity"]) for d in json.loads(out)["diagnostics"])
    assert got == [
        ("PlugIns/Share.appex/Frameworks/ShareKit.framework/ShareKit", "api-declared-not-used",
         "note"),
        ("PrivacyInfo.xcprivacy", "sdk-only-reason", "error")]
    assert code == 1
    # only warnings and notes left: exit 0, or 1 with --strict
    cfg.write_text('ignore = ["api-not-declared", "sdk-without-manifest"]\n')
    assert run(["audit", str(arts["xcarchive"]), "--config", str(cfg)], capsys)[0] == 0
    assert run(["audit", str(arts["xcarchive"]), "--config", str(cfg), "--strict"],
               capsys)[0] == 1
    cfg.write_text('ignore = ["no-such-rule"]\n')
    code, _, err = run(["audit", str(arts["mac"]), "--config", str(cfg)], capsys)
    assert code == 2 and "unknown rule \"no-such-rule\"" in err
