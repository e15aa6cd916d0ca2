"""`versions` and `merge --lockfile`: every family pod a lockfile resolves, each at its own
version, named as itself; the merge writes exactly the union of what those pods ship."""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from helpers import FIXTURES, REPO, SHARED, invoke, shared_path
from helpers.catalogue import READ_FROM, declared

from trtc_privacy.knowledge.vendors import catalogue
from trtc_privacy.merge.lockfiles import read_lockfile
from trtc_privacy.merge.versions import check

LOCKS = FIXTURES / "lockfiles"
APP = REPO / "examples" / "VideoCallApp" / "VideoCallApp" / "PrivacyInfo.xcprivacy"
ROW_KEYS = {"pod", "source", "version", "status", "minimum_version", "newest_checked",
            "newer_than_checked", "ships", "summary", "folded", "via", "products", "installed",
            "path", "line"}


def _rows(name: str) -> List[dict]:
    return [r.as_dict() for r in check([str(LOCKS / name)]).rows]


def _by_pod(name: str) -> Dict[str, dict]:
    return {r["pod"]: r for r in _rows(name)}


def _rules(name: str) -> List[str]:
    return [d.rule for d in check([str(LOCKS / name)]).diagnostics]


def _roomengine_lock(tmp_path: Path, version: str) -> Path:
    p = tmp_path / "Podfile.lock"
    p.write_text(f"PODS:\n  - RTCRoomEngine/Professional ({version}):\n"
                 "    - TXLiteAVSDK_Professional (>= 12.2.16956)\n"
                 "  - TXLiteAVSDK_Professional (12.8.19666):\n"
                 "    - TXLiteAVSDK_Professional/Professional (= 12.8.19666)\n"
                 "  - TXLiteAVSDK_Professional/Professional (12.8.19666)\n\n"
                 f"DEPENDENCIES:\n  - RTCRoomEngine/Professional (= {version})\n\n"
                 "COCOAPODS: 1.16.2\n")
    return p


# --- each pod as itself ------------------------------------------------------------------------

def test_a_pod_with_its_subspecs_is_one_row() -> None:
    rows = _rows("professional-with-extension.Podfile.lock")
    assert [(r["pod"], r["version"], r["status"], r["line"]) for r in rows] == [
        ("TXLiteAVSDK_Professional", "12.8.19666", "ok", 3)]
    assert rows[0]["source"] == "TXLiteAVSDK_Professional/{Professional,ReplayKitExt}"
    assert set(rows[0]) == ROW_KEYS
    # the extension's own manifest comes with its subspec
    assert "TXLiteAVSDK_ReplayKitExt-11.8.15687" in rows[0]["folded"]


def test_every_family_pod_is_a_row_named_as_the_lockfile_names_it_with_what_requires_it() -> None:
    rows = _by_pod("chat-and-call.Podfile.lock")
    assert set(rows) == {"RTCCommon", "RTCRoomEngine", "TIMCommon", "TUICallKit_Swift",
                         "TUIChat", "TUIContact", "TUIConversation", "TUICore",
                         "TXIMSDK_Plus_iOS_XCFramework", "TXLiteAVSDK_Professional"}
    engine = rows["RTCRoomEngine"]
    assert engine["source"] == "RTCRoomEngine/Professional" and engine["version"] == "3.2.1"
    assert engine["via"] == ["TUICallKit_Swift/Professional"]
    assert engine["products"] == []  # an engine is no product of its own
    assert rows["TUICallKit_Swift"]["products"] == ["tuicallkit"]
    assert rows["TUIChat"]["folded"] == ["TUIChat-7.9.5666"]
    text = invoke(["versions", str(LOCKS / "chat-and-call.Podfile.lock")], cwd=REPO).stdout
    assert re.search(r"RTCRoomEngine/Professional +3\.2\.1 +TUICallKit_Swift ", text), text


def test_the_trtc_minimum_is_11_7_15342_and_15304_is_a_pitfall(tmp_path: Path) -> None:
    assert _rows("trtc-below-minimum.Podfile.lock")[0]["status"] == "below-minimum"
    assert _rows("trtc-at-minimum.Podfile.lock")[0]["status"] == "ok"
    below = check([str(LOCKS / "callkit-objc-below.Podfile.lock")])
    trtc = [d.rule for d in below.diagnostics if d.line == 8]
    assert trtc == ["below-minimum", "privacy-bundle-not-copied"]
    # a Swift package tag written as the minimum's series
    p = tmp_path / "Package.swift"
    p.write_text("// swift-tools-version:5.9\n")
    (tmp_path / "Package.resolved").write_text(json.dumps({"pins": [{
        "identity": "trtc_swiftpm", "kind": "remoteSourceControl",
        "location": "https://github.com/Tencent-RTC/TRTC_SwiftPM.git",
        "state": {"revision": "0" * 40, "version": "12.3.0"}}], "version": 2}, indent=2))
    rows = [r.as_dict() for r in check([str(tmp_path)]).rows]
    assert [(r["pod"], r["version"], r["status"]) for r in rows] == [
        ("TXLiteAVSDK_TRTC", "12.3.0", "ok")]


def test_tuicallkit_versions_on_both_sides_of_2_3_0_920() -> None:
    below = _by_pod("callkit-objc-below.Podfile.lock")
    assert below["TUICallKit"]["status"] == "below-minimum"
    assert below["TUICallEngine"]["status"] == "below-minimum"
    first = _by_pod("callkit-swift-first.Podfile.lock")
    # the pod's former name TUICallKit-Swift is still the kit
    assert first["TUICallKit_Swift"]["source"] == "TUICallKit-Swift/Professional"
    assert first["TUICallKit_Swift"]["status"] == "ok"
    assert first["TUICallEngine"]["status"] == "content-unknown"
    assert first["TUICallEngine"]["folded"] == ["TUICallKit-2.3.0.920-documented"]


def test_local_path_pods_have_unknown_versions_and_the_newest_checked_is_assumed() -> None:
    rows = _by_pod("local-path-kits.Podfile.lock")
    for pod in ("TUICallKit_Swift", "TUIRoomKit", "TUILiveKit"):
        assert rows[pod]["status"] == "unknown-version" and rows[pod]["version"] is None
    assert rows["TUICallKit_Swift"]["folded"] == ["TUICallKit-2.3.0.920"]
    assert rows["TUIRoomKit"]["folded"] == []  # it never ships one: nothing to assume
    diags = {(d.line, d.severity.value) for d in check([str(LOCKS / "local-path-kits.Podfile.lock")])
             .diagnostics if d.rule == "unknown-version"}
    assert diags == {(5, "warning"), (10, "note"), (12, "note")}


def test_kits_on_a_shared_engine_are_each_themselves() -> None:
    rows = _by_pod("roomkit-livekit.Podfile.lock")
    assert rows["TUIRoomKit"]["status"] == rows["TUILiveKit"]["status"] == "no-manifest"
    assert rows["RTCRoomEngine"]["via"] == ["TUILiveKit/Professional", "TUIRoomKit/Professional"]
    rules = _rules("roomkit-livekit.Podfile.lock")
    assert rules.count("roomengine-manifest-in-app-root") == 1
    assert "privacy-bundle-not-copied" in rules  # TXLiteAVSDK_Professional 11.7.15304
    # TUILiveKit 2.1.0 is below the 2.1.1 Tencent's page named: no finding, the engine carries it
    assert not [d for d in check([str(LOCKS / "roomkit-livekit.Podfile.lock")]).diagnostics
                if d.line == 5]


@pytest.mark.parametrize("version,collides", [("2.2.2", False), ("2.3.0", True), ("3.5.2", True),
                                              ("3.5.7", False), ("3.6.0", True), ("3.6.1", False),
                                              ("4.3.9", False)])
def test_roomengine_versions_that_copy_the_manifest_to_the_bundle_root(
        tmp_path: Path, version: str, collides: bool) -> None:
    report = check([str(_roomengine_lock(tmp_path, version))])
    hits = [d for d in report.diagnostics if d.rule == "roomengine-manifest-in-app-root"]
    assert bool(hits) == collides
    if collides:
        assert hits[0].line == 2 and hits[0].severity.value == "warning"
        assert "3.5.7" in hits[0].hint and "3.6.1" in hits[0].hint
    assert report.rows[0].status == ("below-minimum" if version == "2.2.2" else
                                     "content-unknown" if version == "4.3.9" else "ok")


def test_package_resolved_maps_tencent_packages_by_url() -> None:
    rows = _rows("v2.Package.resolved")
    assert [(r["pod"], r["source"], r["version"]) for r in rows] == [
        ("RTCRoomEngine", "RTCRoomEngine_SwiftPM", "4.3.0"),
        ("TXLiteAVSDK_TRTC", "TRTC_SwiftPM", "13.3.0")]
    assert [(r["pod"], r["status"]) for r in _rows("v1.Package.resolved")] == [
        ("TXLiteAVSDK_Professional", "ok")]
    v3 = {r["source"]: r for r in _rows("v3.Package.resolved")}
    assert v3["TRTC_SwiftPM"]["status"] == "unknown-version"  # pinned to a branch


def test_the_code_names_no_pod_and_no_version() -> None:
    """Knowledge is data: no pod name or version number in the code, only in the catalogue."""
    for mod in ("merge/versions.py", "merge/lockfiles.py", "knowledge/resolve.py",
                "knowledge/vendors.py"):
        tree = ast.parse((REPO / "trtc_privacy" / mod).read_text())
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
                assert not re.search(r"TXLiteAVSDK|RoomEngine|TUICall|TUIRoom|TUILive|TUICore"
                                     r"|TXIMSDK|_SwiftPM|\b\d+\.\d+\.\d+", n.value), (mod, n.value)


# --- the command -------------------------------------------------------------------------------

def test_versions_on_the_example_app(tmp_path: Path) -> None:
    r = invoke(["versions", str(REPO / "examples" / "VideoCallApp")], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for pod in ("TXLiteAVSDK_Professional/Professional", "TUICallKit_Swift/Professional",
                "TUICallEngine/Professional", "TUICore", "TXIMSDK_Plus_iOS_XCFramework"):
        assert pod in r.stdout, pod
    assert "products: tuicallkit (TUICallKit_Swift/Professional 2.5.0.1000)" in r.stdout


def test_versions_json_shape_and_exit_1_below_minimum(tmp_path: Path) -> None:
    shutil.copy(LOCKS / "callkit-objc-below.Podfile.lock", tmp_path / "Podfile.lock")
    r = invoke(["versions", "--format", "json"], cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"version", "tool", "sdks", "products", "diagnostics"}
    assert all(set(s) == ROW_KEYS for s in data["sdks"])
    assert {s["status"] for s in data["sdks"]} == {"below-minimum"}
    assert all(s["path"] == "Podfile.lock" for s in data["sdks"])
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert {(d["rule"], d["line"]) for d in errors} == {
        ("below-minimum", 2), ("below-minimum", 4), ("below-minimum", 7), ("below-minimum", 8)}


def test_versions_xcode_and_github_formats(tmp_path: Path) -> None:
    shutil.copy(LOCKS / "trtc-below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    r = invoke(["versions", "--format", "xcode"], cwd=tmp_path)
    assert r.returncode == 1
    assert re.search(r"^/\S*/Podfile\.lock:2: error: TXLiteAVSDK_TRTC/TRTC 11\.6\.15041 ", r.stdout,
                     re.M), r.stdout
    r = invoke(["versions"], cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert r.returncode == 1
    assert "::error file=Podfile.lock,line=2" in r.stdout


def test_versions_without_tencent_pods_exits_0(tmp_path: Path) -> None:
    (tmp_path / "Podfile.lock").write_text("PODS:\n  - SnapKit (5.7.1)\n\nCOCOAPODS: 1.15.2\n")
    r = invoke(["versions"], cwd=tmp_path)
    assert r.returncode == 0 and "no Tencent RTC or Chat pods" in r.stdout
    r = invoke(["versions", "--format", "json"], cwd=tmp_path)
    doc = json.loads(r.stdout)
    assert {k: v for k, v in doc.items() if k not in ("version", "tool")} == {
        "sdks": [], "products": [], "diagnostics": []}


def test_versions_bad_format_and_empty_directory_exit_2(tmp_path: Path) -> None:
    r = invoke(["versions", "--format", "yaml", str(LOCKS / "v2.Package.resolved")], cwd=tmp_path)
    assert r.returncode == 2 and "yaml" in r.stderr
    r = invoke(["versions"], cwd=tmp_path)
    assert r.returncode == 2 and "no Podfile.lock or Package.resolved" in r.stderr


def test_versions_reads_lockfiles_from_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "ios").mkdir()
    shutil.copy(LOCKS / "trtc-at-minimum.Podfile.lock", tmp_path / "ios" / "Podfile.lock")
    (tmp_path / ".trtc-privacy.toml").write_text('lockfiles = ["ios/Podfile.lock"]\n')
    r = invoke(["versions", "--format", "json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [s["path"] for s in json.loads(r.stdout)["sdks"]] == ["ios/Podfile.lock"]


# --- the real lockfiles -------------------------------------------------------------------------

def _real_lockfiles() -> List[Path]:
    out = []
    for folder in (SHARED / "reference" / "trtc" / "catalogue-2026" / "lockfiles",
                   SHARED / "reference" / "trtc" / "lockfiles"):
        if folder.is_dir():
            out += sorted(p for p in folder.iterdir() if p.name.endswith((".lock", ".resolved")))
    return out


REAL = _real_lockfiles()
#: real lockfiles that are not lockfiles a tool can trust (Tencent committed it mid-merge)
CONFLICTED = {"Tencent-RTC__TRTC_Flutter__eaea2632__ios__Podfile.lock"}


def _ids(paths: List[Path]) -> List[str]:
    return [p.name for p in paths]


def test_the_real_lockfiles_are_there() -> None:
    shared_path("reference", "trtc", "catalogue-2026", "lockfiles")
    assert len(REAL) >= 18


@pytest.mark.parametrize("lock", REAL, ids=_ids(REAL))
def test_versions_never_names_a_product_whose_root_pod_is_not_resolved(lock: Path) -> None:
    if lock.name in CONFLICTED:
        pytest.skip("refused: see test_a_lockfile_left_mid_merge_is_refused_at_its_line")
    report = check([str(lock)])
    resolved = {e.name.lower() for e in read_lockfile(str(lock)).entries}
    for product, row in report.products:
        assert catalogue().pod(product.root) is row.pod
        assert row.entry.name.lower() in resolved
        names = {n.lower() for n in row.pod.names}
        assert names & resolved or row.package is not None, (lock.name, product.id)


def test_an_engine_in_a_call_only_or_live_only_app_is_not_tuiroomkit() -> None:
    for name in ("Tencent-RTC__Chat_UIKit__4e98a8f7__Swift_TUIKitDemo__Podfile.lock",
                 "TUILiveKit__Flutter-example__2024-11-27.Podfile.lock",
                 "TUICallKit__Flutter-example__2026-01-23.Podfile.lock"):
        lock = next((p for p in REAL if p.name == name), None)
        if lock is None:
            pytest.skip(f"{name} is absent")
        r = invoke(["versions", str(lock), "-f", "json"], cwd=REPO)
        data = json.loads(r.stdout)
        assert "tuiroomkit" not in {p["id"] for p in data["products"]}, name
        assert "tuiroomkit" not in r.stdout, name
        engine = next(s for s in data["sdks"] if s["pod"] == "RTCRoomEngine")
        assert engine["via"], name  # named with what pulled it in


_TENCENT = re.compile(r"TX|TUI|TIM|RTC|Atomic|Chat_|Professional_|TRTC_")


def test_every_tencent_pod_the_index_names_is_a_row_at_its_version() -> None:
    folder = shared_path("reference", "trtc", "catalogue-2026")
    with open(folder / "INDEX.tsv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r["product"] == "lockfile"]
    assert len(rows) == 8
    for row in rows:
        if row["file"] in CONFLICTED:
            continue
        found = {r.pod.name: r for r in check([str(folder / "lockfiles" / row["file"])]).rows}
        for item in row["version"].split("; "):
            m = re.fullmatch(r"(\S+) (\d[\d.]*)", item.strip())
            if m is None or not _TENCENT.match(m.group(1)):
                continue  # a third party's, or the end the index cut off
            pod, version = m.groups()
            if pod.endswith("_SwiftPM") or "_SwiftPM_" in pod:
                got = [r for r in found.values() if r.entry.name == pod]
            else:
                known = catalogue().pod(pod)
                assert known is not None, (row["file"], pod)
                got = [found[known.name]] if known.name in found else []
            assert got, (row["file"], pod)
            assert got[0].entry.version == version, (row["file"], pod)


def test_a_lockfile_left_mid_merge_is_refused_at_its_line() -> None:
    lock = shared_path("reference", "trtc", "catalogue-2026", "lockfiles", *sorted(CONFLICTED))
    r = invoke(["versions", str(lock)], cwd=REPO)
    assert r.returncode == 2
    assert ":42: error: unresolved merge conflict marker" in r.stderr


def _expected_union(rows: List[dict]) -> Set[Tuple[str, ...]]:
    """What the pods ship, read from the real files each catalogue manifest was written from."""
    out: Set[Tuple[str, ...]] = set()
    for row in rows:
        for ident in row["folded"]:
            got = declared(SHARED / "reference" / READ_FROM[ident][-1])
            if row["status"] in ("ok", "content-unknown"):  # its bundle ships a manifest: the
                got = _without_sdk_only(got)  # reasons reserved for SDKs stay there
            out |= got
    return out


def _without_sdk_only(decls: Set[Tuple[str, ...]]) -> Set[Tuple[str, ...]]:
    out = {d for d in decls if not (d[0] == "reason" and d[2] in ("C56D.1", "0A2A.1"))}
    kept = {d[1] for d in out if d[0] == "reason"}
    return {d for d in out if d[0] != "api" or d[1] in kept}


@pytest.mark.parametrize("lock", REAL, ids=_ids(REAL))
def test_merge_lockfile_writes_exactly_the_union_of_what_its_pods_ship(tmp_path: Path,
                                                                      lock: Path) -> None:
    if lock.name in CONFLICTED:
        pytest.skip("refused: see test_a_lockfile_left_mid_merge_is_refused_at_its_line")
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copy(APP, app)
    r = invoke(["merge", str(app), "--lockfile", str(lock)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = json.loads(invoke(["versions", str(lock), "-f", "json"], cwd=tmp_path).stdout)["sdks"]
    assert declared(app) == declared(APP) | _expected_union(rows), lock.name
    cat = catalogue()
    for row in rows:
        pod = cat.pod(row["pod"])
        assert pod is not None
        if row["status"] == "below-minimum":  # the documented remedy: the first manifest
            first = pod.first_shipping()
            assert first is not None
            ids = [s.manifest for s in (first.manifests or first.stand_in) if s.fold]
            assert set(row["folded"]) <= set(ids) and row["folded"], (lock.name, row["pod"])
        elif row["status"] == "ok":
            assert row["folded"], (lock.name, row["pod"])
        elif row["status"] in ("no-manifest", "not-checked"):
            assert row["folded"] == [], (lock.name, row["pod"])
        # each pod is named in the merge's notes, with what it folded
        assert f"{row['source']}" in r.stderr, (lock.name, row["source"])


#: what the catalogue-2026 lockfiles must fold, written down from the facts (the INDEX and the
#: README's table), independently of the catalogue's ranges
MUST_FOLD = {
    "TencentCloud__chat-uikit-ios__2edfb2a5__Demo__Podfile.lock": {
        "TUIChat": "TUIChat-7.9.5666", "TUICore": "TUICore-7.9.5666",
        "TUIVoiceToTextPlugin": "TUIVoiceToTextPlugin-7.9.5666",
        "TXIMSDK_Plus_iOS_XCFramework": "TXIMSDK_Plus_iOS-7.9.5666",
        "RTCRoomEngine": "RTCRoomEngine-2.3.0", "TUICallKit": "TUICallKit-2.3.0.920",
        "TXLiteAVSDK_TRTC": "TXLiteAVSDK_TRTC-11.7"},
    "Tencent-RTC__Chat_UIKit__4e98a8f7__Swift_TUIKitDemo__Podfile.lock": {
        "TUICallKit_Swift": "TUICallKit-2.3.0.920", "RTCRoomEngine": "RTCRoomEngine-2.3.0",
        "TXIMSDK_Plus_iOS_XCFramework": "TXIMSDK_Plus_iOS-7.9.5666",
        "TUIChat_Swift": "TUIChat-7.9.5666",
        "TXLiteAVSDK_Professional": "TXLiteAVSDK_Professional-11.7"},
    "Tencent-RTC__TUIKit_iOS_SwiftUI__b8827453__chat_demo__Podfile.lock": {
        "RTCRoomEngine": "RTCRoomEngine-2.3.0",
        "TXIMSDK_Plus_iOS_XCFramework": "TXIMSDK_Plus_iOS-7.9.5666"},
    "Tencent-RTC__TUILiveKit__6adca1e0__iOS__Podfile.lock": {
        "TXIMSDK_Plus_iOS": "TXIMSDK_Plus_iOS-7.9.5666",  # 5.7.1435: the remedy
        "TXLiteAVSDK_TRTC": "TXLiteAVSDK_TRTC-11.7"},
}


@pytest.mark.parametrize("name", sorted(MUST_FOLD))
def test_the_chat_stack_and_the_engines_are_folded(name: str) -> None:
    lock = shared_path("reference", "trtc", "catalogue-2026", "lockfiles", name)
    rows = {r.pod.name: r.at.folded_ids for r in check([str(lock)]).rows}
    for pod, ident in MUST_FOLD[name].items():
        assert ident in rows[pod], (name, pod, rows.get(pod))


# --- a new user's chat-and-call app ------------------------------------------------------------

def test_a_chat_and_call_app_gets_every_tencent_pod_named_and_what_each_ships(tmp_path: Path) -> None:
    lock = LOCKS / "chat-and-call.Podfile.lock"
    shutil.copy(lock, tmp_path / "Podfile.lock")
    shutil.copy(APP, tmp_path / "PrivacyInfo.xcprivacy")
    v = invoke(["versions"], cwd=tmp_path)
    assert v.returncode == 0, v.stdout + v.stderr
    pods = [r.entry.label for r in check([str(tmp_path / "Podfile.lock")]).rows]
    assert len(pods) == 10
    for pod in pods:
        assert pod in v.stdout, pod
    m = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock", "--diff"],
               cwd=tmp_path)
    assert m.returncode == 0, m.stderr
    for pod in pods:
        assert pod in m.stderr or pod in m.stdout, pod
    for added in ("NSPrivacyCollectedDataTypePurposeProductPersonalization",  # TUIKit
                  "NSPrivacyCollectedDataTypePhotosorVideos",  # TUIChat and the SDK
                  "NSPrivacyAccessedAPICategoryDiskSpace",  # Chat SDK and Professional
                  "<string>C617.1</string>",  # Chat SDK
                  "NSPrivacyAccessedAPICategorySystemBootTime"):  # engine and SDK
        assert any(line.startswith("+") and added in line for line in m.stdout.splitlines()), \
            added
    assert "RTCRoomEngine/Professional 3.2.1, via TUICallKit_Swift/Professional" in m.stdout


# --- merge and --sdk agree ---------------------------------------------------------------------

def _app(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copy(APP, dest)
    return dest


@pytest.mark.parametrize("lock,sdks", [
    (LOCKS / "trtc-below-minimum.Podfile.lock", ["TXLiteAVSDK_TRTC@11.6.15041"]),
    (LOCKS / "professional-with-extension.Podfile.lock",
     ["TXLiteAVSDK_Professional/ReplayKitExt@12.8.19666"]),
])
def test_merge_lockfile_equals_the_same_pods_named_with_sdk(tmp_path: Path, lock: Path,
                                                            sdks: List[str]) -> None:
    a, b = _app(tmp_path, "a.xcprivacy"), _app(tmp_path, "b.xcprivacy")
    ra = invoke(["merge", a.name, "--lockfile", str(lock)], cwd=tmp_path)
    args = ["merge", b.name]
    for s in sdks:
        args += ["--sdk", s]
    rb = invoke(args, cwd=tmp_path)
    assert ra.returncode == rb.returncode == 0, ra.stderr + rb.stderr
    assert declared(a) == declared(b)
    assert a.read_bytes() != APP.read_bytes()
    assert re.search(r"note: .*Podfile\.lock:\d+: \S+ \S+.* -> \S+", ra.stderr)


def _lock_inputs(paths: list) -> tuple:
    from trtc_privacy.config import Config
    from trtc_privacy.merge.pipeline import Options, gather

    inputs = gather(Config(), Options("absent/PrivacyInfo.xcprivacy", lockfiles=paths))
    specs = [s.spec for s in inputs.sources if s.from_lockfile]
    return specs, inputs.diagnostics, inputs.notes


def test_the_pipeline_folds_each_pod_at_its_own_version_with_a_note_each() -> None:
    specs, diags, notes = _lock_inputs([str(REPO / "examples" / "VideoCallApp")])
    assert specs == ["TUICallEngine@2.5.0.1000", "TUICallKit_Swift@2.5.0.1000", "TUICore@8.0.5895",
                     "TXIMSDK_Plus_iOS_XCFramework@8.0.5895",
                     "TXLiteAVSDK_Professional@12.0.16292"]
    assert [d.rule for d in diags] == ["manifest-content-unknown"]
    assert notes[-2].endswith("Podfile.lock:23: TXLiteAVSDK_Professional/Professional 12.0.16292, "
                              "via TUICallEngine/Professional, TUICallKit_Swift/Professional -> "
                              "TXLiteAVSDK_Professional-11.7")


def test_merge_does_not_fail_below_the_minimum_and_warns_at_the_lockfile_line(tmp_path: Path) -> None:
    shutil.copy(LOCKS / "engine-only.Podfile.lock", tmp_path / "Podfile.lock")
    p = tmp_path / "Podfile.lock"
    p.write_text(p.read_text().replace("RTCRoomEngine/TRTC (2.5.0)", "TUIRoomEngine/TRTC (2.2.0)"))
    app = _app(tmp_path, "PrivacyInfo.xcprivacy")
    r = invoke(["merge", app.name, "--lockfile", "Podfile.lock"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^Podfile\.lock\n  2 +warning +TUIRoomEngine/TRTC 2\.2\.0 bundles no privacy "
                     r"manifest \(TUIRoomEngine is RTCRoomEngine's former name\)", r.stderr, re.M), \
        r.stderr
