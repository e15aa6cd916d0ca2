"""The Pods folder as the truth at build time: the manifests installed pods really ship, compared
with the catalogue; a merge folds them and says so; the maintainer's path to a catalogue change."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import REPO, invoke, shared_path
from helpers.catalogue import declared

from trtc_privacy.knowledge.vendors import catalogue
from trtc_privacy.merge.versions import check

APP = REPO / "examples" / "VideoCallApp" / "VideoCallApp" / "PrivacyInfo.xcprivacy"
PODS = REPO / "manifests" / "pods"
ENGINE_FW = "Pods/RTCRoomEngine/Frameworks/RTCRoomEngine.xcframework/ios-arm64/RTCRoomEngine.framework"
DISK = """		<dict>
			<key>NSPrivacyAccessedAPIType</key>
			<string>NSPrivacyAccessedAPICategoryDiskSpace</string>
			<key>NSPrivacyAccessedAPITypeReasons</key>
			<array>
				<string>E174.1</string>
			</array>
		</dict>
	</array>
</dict>
</plist>"""


def _project(tmp_path: Path, pods: str) -> Path:
    (tmp_path / "Podfile.lock").write_text("PODS:\n" + pods + "\nCOCOAPODS: 1.16.2\n")
    shutil.copy(APP, tmp_path / "PrivacyInfo.xcprivacy")
    return tmp_path


def _engine_that_differs(root: Path) -> Path:
    """RTCRoomEngine 4.2.0 installed with the catalogue's declarations plus DiskSpace E174.1."""
    fw = root / ENGINE_FW
    fw.mkdir(parents=True)
    text = (PODS / "RTCRoomEngine-2.3.0.xcprivacy").read_text()
    (fw / "PrivacyInfo.xcprivacy").write_text(text.replace("\t</array>\n</dict>\n</plist>", DISK))
    return fw / "PrivacyInfo.xcprivacy"


ENGINE_LOCK = "  - RTCRoomEngine/Professional (4.2.0)\n"


def test_versions_shows_how_an_installed_manifest_differs_from_the_catalogue(tmp_path: Path) -> None:
    root = _project(tmp_path, ENGINE_LOCK)
    _engine_that_differs(root)
    r = invoke(["versions"], cwd=root)
    assert r.returncode == 0, r.stdout
    assert "INSTALLED" in r.stdout and "different" in r.stdout
    assert "installed-manifest-differs" in r.stdout
    assert "differs from the catalogue's RTCRoomEngine-2.3.0: it adds" in r.stdout
    assert "DiskSpace" in r.stdout and "E174.1" in r.stdout
    data = json.loads(invoke(["versions", "-f", "json"], cwd=root).stdout)
    installed = data["sdks"][0]["installed"]
    assert [(i["verdict"], i["catalogue_manifest"]) for i in installed] == [
        ("different", "RTCRoomEngine-2.3.0")]
    assert ["reason", "NSPrivacyAccessedAPICategoryDiskSpace", "E174.1"] in installed[0]["added"]
    assert installed[0]["missing"] == []


def test_merge_folds_the_installed_file_and_says_so(tmp_path: Path) -> None:
    root = _project(tmp_path, ENGINE_LOCK)
    shipped = _engine_that_differs(root)
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], cwd=root)
    assert r.returncode == 0, r.stderr
    assert f"-> installed {ENGINE_FW}/PrivacyInfo.xcprivacy (differs from RTCRoomEngine-2.3.0)" \
        in r.stderr
    assert "RTCRoomEngine/Professional 4.2.0 (installed RTCRoomEngine)" in r.stdout
    assert declared(root / "PrivacyInfo.xcprivacy") == declared(APP) | declared(shipped)
    # without the Pods folder, the catalogue's stand-in is folded instead
    shutil.rmtree(root / "Pods")
    shutil.copy(APP, root / "PrivacyInfo.xcprivacy")
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], cwd=root)
    assert "-> RTCRoomEngine-2.3.0" in r.stderr
    assert ("api", "NSPrivacyAccessedAPICategoryDiskSpace") not in declared(
        root / "PrivacyInfo.xcprivacy")


def test_the_real_component_frameworks_are_the_same_as_the_catalogue(tmp_path: Path) -> None:
    binaries = shared_path("reference", "trtc", "binaries")
    root = _project(tmp_path, "  - TXLiteAVSDK_TRTC (12.8.19666):\n"
                              "    - TXLiteAVSDK_TRTC/TRTC (= 12.8.19666)\n"
                              "  - TXLiteAVSDK_TRTC/TRTC (12.8.19666)\n")
    sdk = root / "Pods" / "TXLiteAVSDK_TRTC" / "SDK"
    for fw in binaries.glob("*.xcframework"):
        shutil.copytree(fw, sdk / fw.name)
    row = check([str(root / "Podfile.lock")]).rows[0]
    verdicts = {i.where.split("/")[1]: (i.verdict, i.catalogue_id) for i in row.installed}
    assert verdicts == {
        "TXFFmpeg.xcframework": ("same", "TXFFmpeg-12.0.16301"),
        "TXSoundTouch.xcframework": ("same", "TXSoundTouch-12.0.16301"),
        "TXLiteAVSDK_ReplayKitExt.xcframework": ("same", "TXLiteAVSDK_ReplayKitExt-11.8.15687")}
    # the main framework is too large for the reference data: the catalogue's is folded for it
    report = check([str(root / "Podfile.lock")])
    missing = [d for d in report.diagnostics if d.rule == "installed-manifest-missing"]
    assert len(missing) == 1 and "TXLiteAVSDK_TRTC-11.7" in missing[0].message
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], cwd=root)
    assert r.returncode == 0, r.stderr
    assert "TXLiteAVSDK_TRTC-11.7 (not installed: from the catalogue)" in r.stderr
    assert declared(root / "PrivacyInfo.xcprivacy") >= {  # but for what stays in its own
        d for d in declared(PODS / "TXLiteAVSDK_TRTC-11.7.xcprivacy")
        if "C56D.1" not in d and "0A2A.1" not in d and "FileTimestamp" not in d[1]}


def test_a_manifest_the_catalogue_does_not_know_is_said_and_folded(tmp_path: Path) -> None:
    root = _project(tmp_path, "  - RTCCommon (1.3.6)\n")
    fw = root / "Pods" / "RTCCommon" / "RTCCommon.framework"
    fw.mkdir(parents=True)
    shutil.copy(PODS / "TXFFmpeg-12.0.16301.xcprivacy", fw / "PrivacyInfo.xcprivacy")
    report = check([str(root / "Podfile.lock")])
    assert [i.verdict for i in report.rows[0].installed] == ["not-catalogued"]
    assert "installed-manifest-not-catalogued" in {d.rule for d in report.diagnostics}
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], cwd=root)
    assert "(not in the catalogue)" in r.stderr
    assert ("reason", "NSPrivacyAccessedAPICategorySystemBootTime", "35F9.1") in declared(
        root / "PrivacyInfo.xcprivacy")


def _timpush(folder: Path) -> Path:
    """TIMPush.framework as 8.4.6667 ships it: TUICore's manifest at its root and in its privacy
    bundle, TUIChat's in Headers/ (built from the catalogue's files)."""
    fw = folder / "TIMPush.framework"
    (fw / "Headers").mkdir(parents=True)
    (fw / "TIMPush_Privacy.bundle").mkdir()
    shutil.copy(PODS / "TUICore-7.9.5666.xcprivacy", fw / "PrivacyInfo.xcprivacy")
    shutil.copy(PODS / "TUICore-7.9.5666.xcprivacy", fw / "TIMPush_Privacy.bundle" /
                "PrivacyInfo.xcprivacy")
    shutil.copy(PODS / "TUIChat-7.9.5666.xcprivacy", fw / "Headers" / "PrivacyInfo.xcprivacy")
    return fw


def test_timpush_installed_two_manifests_the_one_in_headers_is_not_folded(tmp_path: Path) -> None:
    root = _project(tmp_path, "  - TIMPush (8.4.6667)\n")
    _timpush(root / "Pods" / "TIMPush" / "TIMPush.xcframework" / "ios-arm64")
    report = check([str(root / "Podfile.lock")])
    items = {i.where: (i.verdict, i.fold) for i in report.rows[0].installed}
    assert set(items.values()) == {("same", True), ("same", False)}
    assert len(items) == 3
    assert "timpush-manifest-in-headers" in {d.rule for d in report.diagnostics}
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], cwd=root)
    assert r.returncode == 0, r.stderr
    got = declared(root / "PrivacyInfo.xcprivacy")
    assert ("data-type", "NSPrivacyCollectedDataTypeUserID") in got
    assert ("data-type", "NSPrivacyCollectedDataTypeAudioData") not in got  # Headers/ only


def test_timpush_two_manifests_as_lint_and_audit_see_them(tmp_path: Path) -> None:
    """The framework's own manifest covers it, the bundle's is a resource manifest, the one in
    Headers/ is a stray; each is a valid SDK manifest, so lint and audit find no problem."""
    fw = _timpush(tmp_path)
    r = invoke(["lint", str(fw), "-f", "json"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert invoke(["lint", str(fw)], cwd=tmp_path).stdout.startswith("no problems in 3 files")
    from trtc_privacy.usage.artifact import open_artifact
    from trtc_privacy.usage.bundles import walk

    layout = walk(open_artifact(str(fw)))
    roles = sorted((m.shown.split("TIMPush.framework")[-1], m.role)
                   for b in layout.bundles for m in b.manifests)
    assert roles == [("/Headers/PrivacyInfo.xcprivacy", "stray"), ("/PrivacyInfo.xcprivacy", "own"),
                     ("/TIMPush_Privacy.bundle/PrivacyInfo.xcprivacy", "resource")]
    a = invoke(["audit", str(fw)], cwd=tmp_path)
    assert a.returncode == 0, a.stdout + a.stderr


# --- the maintainer's path --------------------------------------------------------------------

def test_intake_turns_an_installed_pod_into_catalogue_data(tmp_path: Path, monkeypatch) -> None:
    from trtc_privacy.merge import intake

    _engine_that_differs(tmp_path)
    found = intake.intake(str(tmp_path / "Pods" / "RTCRoomEngine"), "RTCRoomEngine", "4.2.0",
                          "cocoapods-trunk")
    assert found["range"]["from"] == "4.2.0" and found["range"]["ships"] == "manifest"
    assert found["range"]["manifests"] == [{"id": "RTCRoomEngine-4.2.0",
                                            "at": "RTCRoomEngine.framework"}]
    assert found["manifests"]["RTCRoomEngine-4.2.0"]["path"] == "pods/RTCRoomEngine-4.2.0.xcprivacy"
    # a content the catalogue holds is named, not added again
    same = tmp_path / "same.xcprivacy"
    shutil.copy(PODS / "TUICore-7.9.5666.xcprivacy", same)
    again = intake.intake(str(same), "TUICore", "9.1.0", "chat-uikit-swift-repo")
    assert again["manifests"] == {} and again["range"]["manifests"][0]["id"] == "TUICore-7.9.5666"
    # --write puts the new content under manifests/pods/, in this project's format
    (tmp_path / "out" / "pods").mkdir(parents=True)
    monkeypatch.setattr("trtc_privacy.knowledge.resources.manifests_dir",
                        lambda: tmp_path / "out")
    written = intake.write_new(found)
    assert [Path(p).name for p in written] == ["RTCRoomEngine-4.2.0.xcprivacy"]
    assert declared(Path(written[0])) == declared(tmp_path / ENGINE_FW / "PrivacyInfo.xcprivacy")
    assert Path(written[0]).read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>\n')


def test_intake_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from trtc_privacy.merge import intake

    _engine_that_differs(tmp_path)
    assert intake.main([str(tmp_path / "Pods" / "RTCRoomEngine"), "--pod", "RTCRoomEngine",
                        "--version", "4.2.0", "--source", "cocoapods-trunk"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pod"] == "RTCRoomEngine" and "RTCRoomEngine-4.2.0" in out["manifests"]
    assert catalogue().pod("RTCRoomEngine") is not None
