"""`versions`: products, versions, minimums and pitfalls from lockfiles; `merge --lockfile`."""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
from helpers import FIXTURES, REPO, invoke, shared_path

from trtc_privacy.knowledge.vendors import parse_version, products
from trtc_privacy.merge.versions import check

LOCKS = FIXTURES / "lockfiles"
TRTC_PODS = {n for p in products() for k in p.packages for n in k.names}
SDK_KEYS = {"product", "source", "version", "minimum_version", "status", "path", "line"}


def _rows(name: str) -> List[dict]:
    return [r.as_dict() for r in check([str(LOCKS / name)]).rows]


def _by_source(name: str) -> Dict[str, dict]:
    return {r["source"].split("/")[0] + ":" + r["product"]: r for r in _rows(name)}


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


# --- each product and subspec form -----------------------------------------------------------

def test_sdk_with_its_subspecs_is_one_row() -> None:
    rows = _rows("professional-with-extension.Podfile.lock")
    assert [(r["product"], r["version"], r["status"], r["line"]) for r in rows] == [
        ("trtc-professional", "12.8.19666", "ok", 3)]
    assert rows[0]["source"] == "TXLiteAVSDK_Professional/{Professional,ReplayKitExt}"
    assert set(rows[0]) == SDK_KEYS


def test_replaykit_extension_subspec_alone_is_the_same_sdk() -> None:
    rows = _rows("extension-only.Podfile.lock")
    assert [(r["product"], r["source"], r["status"]) for r in rows] == [
        ("trtc", "TXLiteAVSDK_TRTC/ReplayKitExt", "ok")]


def test_trtc_below_and_exactly_at_the_minimum(tmp_path: Path) -> None:
    assert _rows("trtc-below-minimum.Podfile.lock")[0]["status"] == "below-minimum"
    assert _rows("trtc-at-minimum.Podfile.lock")[0]["status"] == "ok"
    # a Swift package tag written exactly as the minimum
    p = tmp_path / "Package.swift"
    p.write_text("// swift-tools-version:5.9\n")
    (tmp_path / "Package.resolved").write_text(json.dumps({"pins": [{
        "identity": "trtc_swiftpm", "kind": "remoteSourceControl",
        "location": "https://github.com/Tencent-RTC/TRTC_SwiftPM.git",
        "state": {"revision": "0" * 40, "version": "11.7.0"}}], "version": 2}, indent=2))
    rows = [r.as_dict() for r in check([str(tmp_path)]).rows]
    assert [(r["product"], r["version"], r["status"]) for r in rows] == [("trtc", "11.7.0", "ok")]


def test_four_part_callkit_versions_on_both_sides_of_2_3_0_920() -> None:
    below = _by_source("callkit-objc-below.Podfile.lock")
    assert below["TUICallKit:tuicallkit"]["status"] == "below-minimum"
    assert below["TUICallEngine:tuicallkit"]["status"] == "below-minimum"
    assert below["TXLiteAVSDK_TRTC:trtc"]["status"] == "ok"
    first = _by_source("callkit-swift-first.Podfile.lock")
    # the pod's former name TUICallKit-Swift is still TUICallKit
    assert first["TUICallKit-Swift:tuicallkit"]["status"] == "ok"
    assert first["TUICallKit-Swift:tuicallkit"]["minimum_version"] == "2.3.0.920"
    assert first["TUICallEngine:tuicallkit"]["status"] == "ok"


def test_three_part_callkit_versions_from_3_6_0() -> None:
    rows = _by_source("callkit-swift-three-part.Podfile.lock")
    assert rows["TUICallKit_Swift:tuicallkit"]["version"] == "3.6.0"
    assert rows["TUICallKit_Swift:tuicallkit"]["status"] == "ok"


def test_local_path_pods_have_unknown_versions() -> None:
    rows = _by_source("local-path-kits.Podfile.lock")
    for key in ("TUICallKit_Swift:tuicallkit", "TUIRoomKit:tuiroomkit", "TUILiveKit:tuilivekit"):
        assert rows[key]["status"] == "unknown-version" and rows[key]["version"] is None
    # the engine that carries RoomKit's and LiveKit's manifests is reported under both
    assert rows["RTCRoomEngine:tuiroomkit"]["status"] == "ok"
    assert rows["RTCRoomEngine:tuilivekit"]["version"] == "4.3.9"
    diags = {(d.line, d.severity.value) for d in check([str(LOCKS / "local-path-kits.Podfile.lock")])
             .diagnostics if d.rule == "unknown-version"}
    # TUICallKit_Swift has nothing else to vouch for it: a warning; the kits whose engine is
    # resolved at a known version only get a note
    assert diags == {(5, "warning"), (10, "note"), (12, "note")}


def test_engine_only_lockfile_is_understood() -> None:
    rows = _rows("engine-only.Podfile.lock")
    assert [(r["product"], r["source"], r["status"]) for r in rows] == [
        ("trtc", "TXLiteAVSDK_TRTC/TRTC", "ok"),
        ("tuicallkit", "TUICallEngine/TRTC", "ok"),
        ("tuiroomkit", "RTCRoomEngine/TRTC", "ok"),
    ]
    assert _rules("engine-only.Podfile.lock") == ["roomengine-manifest-in-app-root"]


def test_kits_on_a_shared_engine_and_the_professional_copy_pitfall() -> None:
    rows = _by_source("roomkit-livekit.Podfile.lock")
    assert rows["TUIRoomKit:tuiroomkit"]["status"] == "ok"
    # Tencent's page says TUILiveKit 2.1.1; 2.1.0 is below it, but TUILiveKit never holds a
    # manifest itself: RTCRoomEngine 2.4.1 brings it, so the kit is covered, with a note
    assert rows["TUILiveKit:tuilivekit"]["status"] == "ok"
    notes = [d for d in check([str(LOCKS / "roomkit-livekit.Podfile.lock")]).diagnostics
             if d.severity.value == "note"]
    assert [(d.rule, d.line) for d in notes] == [("below-minimum", 5)]
    assert "RTCRoomEngine/Professional 2.4.1" in notes[0].message
    assert rows["RTCRoomEngine:tuiroomkit"]["version"] == "2.4.1"
    assert rows["RTCRoomEngine:tuilivekit"]["version"] == "2.4.1"
    rules = _rules("roomkit-livekit.Podfile.lock")
    assert "professional-privacy-bundle-not-copied" in rules  # TXLiteAVSDK_Professional 11.7.15304
    # the engine is one pod: its pitfall is said once, though it serves two products
    assert rules.count("roomengine-manifest-in-app-root") == 1


def test_a_kit_below_its_minimum_without_an_engine_that_carries_it(tmp_path: Path) -> None:
    p = tmp_path / "Podfile.lock"
    p.write_text((LOCKS / "roomkit-livekit.Podfile.lock").read_text()
                 .replace("RTCRoomEngine/Professional (2.4.1):", "RTCRoomEngine/Professional (2.2.2):"))
    rows = {(r.entry.name, r.product.id): r.status for r in check([str(p)]).rows}
    assert rows[("TUILiveKit", "tuilivekit")] == "below-minimum"
    assert rows[("RTCRoomEngine", "tuilivekit")] == "below-minimum"
    # TUIRoomKit 2.3.1 is above Tencent's 2.3.0, but the engine that would bring its manifest
    # is not: the kit stands or falls with it, and only the engine's line is an error
    assert rows[("TUIRoomKit", "tuiroomkit")] == "below-minimum"
    errors = [d.line for d in check([str(p)]).diagnostics if d.severity.value == "error"]
    assert errors == [2, 2]  # once per product it serves


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
    status = report.rows[-1].status
    assert status == ("below-minimum" if version == "2.2.2" else "ok")


@pytest.mark.parametrize("version,warned", [("11.7.15304", True), ("11.7.0.15304", True),
                                            ("11.7.12001", False), ("11.8.15669", False),
                                            ("11.8.0.15669", False), ("11.6.15041", False)])
def test_professional_privacy_bundle_pitfall_and_the_two_spellings(
        tmp_path: Path, version: str, warned: bool) -> None:
    p = tmp_path / "Podfile.lock"
    p.write_text(f"PODS:\n  - TXLiteAVSDK_Professional ({version}):\n"
                 f"    - TXLiteAVSDK_Professional/Professional (= {version})\n"
                 f"  - TXLiteAVSDK_Professional/Professional ({version})\n\nCOCOAPODS: 1.15.2\n")
    rules = [d.rule for d in check([str(p)]).diagnostics]
    assert ("professional-privacy-bundle-not-copied" in rules) == warned
    # 11.6 has no manifest at all: that is the error, not the copying pitfall
    assert ("below-minimum" in rules) == (version == "11.6.15041")


def test_package_resolved_maps_tencent_packages_by_url() -> None:
    rows = _rows("v2.Package.resolved")
    assert [(r["product"], r["source"], r["version"], r["status"]) for r in rows] == [
        ("trtc", "TRTC_SwiftPM", "13.3.0", "ok"),
        ("tuiroomkit", "RTCRoomEngine_SwiftPM", "4.3.0", "ok"),
    ]
    assert [(r["product"], r["status"]) for r in _rows("v1.Package.resolved")] == [
        ("trtc-professional", "ok")]
    v3 = {r["source"]: r for r in _rows("v3.Package.resolved")}
    assert v3["Professional_SwiftPM"]["status"] == "ok"
    assert v3["TRTC_SwiftPM"]["status"] == "unknown-version"  # pinned to a branch


def test_the_index_holds_the_knowledge_with_sources() -> None:
    index = json.loads((REPO / "manifests" / "index.json").read_text())
    sources = set(index["sources"])
    for prod in index["products"]:
        for pkg in prod["packages"]:
            assert pkg["source"] in sources and pkg["evidence"]
    assert {p["id"] for p in index["pitfalls"]} == {"roomengine-manifest-in-app-root",
                                                    "professional-privacy-bundle-not-copied"}
    assert all(p["source"] in sources and p["evidence"] for p in index["pitfalls"])


def test_the_code_names_no_pod_and_no_version() -> None:
    """Knowledge is data: no pod name or version number in the code, only in the index."""
    for mod in ("versions.py", "lockfiles.py"):
        tree = ast.parse((REPO / "trtc_privacy" / "merge" / mod).read_text())
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for n in ast.walk(tree):
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs:
                assert not re.search(r"TXLiteAVSDK|RoomEngine|TUICall|TUIRoom|TUILive|_SwiftPM"
                                     r"|\b\d+\.\d+\.\d+", n.value), (mod, n.value)


# --- the command -----------------------------------------------------------------------------

def test_versions_on_the_example_app(tmp_path: Path) -> None:
    r = invoke(["versions", str(REPO / "examples" / "VideoCallApp")], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "TXLiteAVSDK_Professional/Professional" in r.stdout and "12.0.16292" in r.stdout
    assert any("TUICallKit_Swift/Professional" in x and "2.5.0.1000" in x and "2.3.0.920" in x
               and x.rstrip().endswith("ok") for x in lines)
    assert "every one ships its own privacy manifest" in r.stdout


def test_versions_json_shape_and_exit_1_below_minimum(tmp_path: Path) -> None:
    shutil.copy(LOCKS / "callkit-objc-below.Podfile.lock", tmp_path / "Podfile.lock")
    r = invoke(["versions", "--format", "json"], cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert set(data) == {"sdks", "diagnostics"}
    assert all(set(s) == SDK_KEYS for s in data["sdks"])
    assert {s["status"] for s in data["sdks"]} == {"ok", "below-minimum"}
    assert all(s["path"] == "Podfile.lock" for s in data["sdks"])
    errors = [d for d in data["diagnostics"] if d["severity"] == "error"]
    assert {(d["rule"], d["line"]) for d in errors} == {("below-minimum", 2), ("below-minimum", 4)}


def test_versions_xcode_and_github_formats(tmp_path: Path) -> None:
    shutil.copy(LOCKS / "trtc-below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    r = invoke(["versions", "--format", "xcode"], cwd=tmp_path)
    assert r.returncode == 1
    # Xcode reads absolute paths
    assert re.search(r"^/\S*/Podfile\.lock:2: error: TXLiteAVSDK_TRTC/TRTC 11\.6\.15041 ", r.stdout,
                     re.M), r.stdout
    r = invoke(["versions"], cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert r.returncode == 1
    assert "::error file=Podfile.lock,line=2" in r.stdout


def test_versions_without_tencent_pods_exits_0(tmp_path: Path) -> None:
    (tmp_path / "Podfile.lock").write_text("PODS:\n  - SnapKit (5.7.1)\n\nCOCOAPODS: 1.15.2\n")
    r = invoke(["versions"], cwd=tmp_path)
    assert r.returncode == 0 and "no TRTC-family SDKs" in r.stdout
    r = invoke(["versions", "--format", "json"], cwd=tmp_path)
    assert json.loads(r.stdout) == {"sdks": [], "diagnostics": []}


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


# --- the real lockfiles of Tencent's example apps ----------------------------------------------

_MENTION = re.compile(r"([A-Za-z][\w-]*)(?:/\w+)? \((\d[\d.]*)\)")


def _provenance() -> List[dict]:
    folder = shared_path("reference", "trtc", "lockfiles")
    with open(folder / "PROVENANCE.tsv", encoding="utf-8") as fh:
        return [dict(row, full=str(folder / row["file"]))
                for row in csv.DictReader(fh, delimiter="\t")]


def test_every_real_lockfile_matches_its_provenance_notes(tmp_path: Path) -> None:
    rows = _provenance()
    assert len(rows) >= 10
    for row in rows:
        r = invoke(["versions", row["full"], "--format", "json"], cwd=tmp_path)
        assert r.returncode in (0, 1), (row["file"], r.stderr)
        sdks = json.loads(r.stdout)["sdks"]
        found = {s["source"].split("/")[0]: s for s in sdks}
        expect_below = False
        for pod, version in _MENTION.findall(row["notes"]):
            if pod not in TRTC_PODS:
                continue  # not TRTC-family (Flutter plugins, the legacy TUICalling): ignored
            assert pod in found, (row["file"], pod)
            s = found[pod]
            if s["status"] == "unknown-version":
                assert "local path" in row["notes"], (row["file"], pod)
                continue
            scheme = "liteav" if pod.startswith("TXLiteAVSDK") else "plain"
            assert parse_version(s["version"], scheme) == parse_version(version, scheme), row["file"]
            if parse_version(version, scheme) < parse_version(s["minimum_version"], scheme):
                expect_below = True
                assert s["status"] == "below-minimum"
        if "pre-11.7" in row["notes"]:
            assert expect_below, row["file"]
        assert r.returncode == (1 if expect_below else 0), row["file"]
        # nothing is invented: every product found is named in the notes
        for s in sdks:
            assert s["source"].split("/")[0] in row["notes"], (row["file"], s["source"])


def test_real_lockfiles_name_the_known_facts(tmp_path: Path) -> None:
    folder = shared_path("reference", "trtc", "lockfiles")
    app = check([str(folder / "TUIKit_iOS__application__2026.Podfile.lock")])
    local = {r.entry.name for r in app.rows if r.status == "unknown-version"}
    assert {"TUICallKit_Swift", "TUILiveKit", "TUIRoomKit"} <= local
    room = check([str(folder / "TUIRoomKit__Flutter-example__2024-03-01.Podfile.lock")])
    assert {(r.entry.name, r.status) for r in room.rows} == {
        ("TUIRoomEngine", "below-minimum"), ("TXLiteAVSDK_Professional", "below-minimum")}
    live = check([str(folder / "TUILiveKit__Flutter-example__2024-11-27.Podfile.lock")])
    assert [d.rule for d in live.diagnostics] == ["roomengine-manifest-in-app-root"]
    swift = check([str(folder / "TRTC_iOS__API-Example-Swift.Package.resolved")])
    assert swift.rows == [] and swift.diagnostics == []


# --- merge --lockfile --------------------------------------------------------------------------

def _app(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    shutil.copy(REPO / "examples" / "VideoCallApp" / "VideoCallApp" / "PrivacyInfo.xcprivacy", dest)
    return dest


@pytest.mark.parametrize("lock,sdks", [
    (REPO / "examples" / "VideoCallApp" / "Podfile.lock",
     ["trtc-professional@12.0.16292", "tuicallkit@2.5.0.1000"]),
    (LOCKS / "local-path-kits.Podfile.lock",
     ["trtc-professional@13.2.20652", "tuicallkit", "tuiroomkit", "tuilivekit"]),
    (LOCKS / "trtc-below-minimum.Podfile.lock", ["trtc@11.6.15041"]),
])
def test_merge_lockfile_equals_the_explicit_sdk_list(tmp_path: Path, lock: Path,
                                                     sdks: List[str]) -> None:
    a, b = _app(tmp_path, "a.xcprivacy"), _app(tmp_path, "b.xcprivacy")
    ra = invoke(["merge", a.name, "--lockfile", str(lock)], cwd=tmp_path)
    args = ["merge", b.name]
    for s in sdks:
        args += ["--sdk", s]
    rb = invoke(args, cwd=tmp_path)
    assert ra.returncode == rb.returncode == 0, ra.stderr + rb.stderr
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != (REPO / "examples" / "VideoCallApp" / "VideoCallApp" /
                              "PrivacyInfo.xcprivacy").read_bytes()
    # it says which template was chosen for which pod
    assert re.search(r"note: .*Podfile\.lock:\d+: \S+ \S+.* -> \S+ template [\d.]+", ra.stderr)


def specs_from_lockfiles(paths: list) -> tuple:
    """What the pipeline takes from lockfiles: specs, findings and notes, each read once."""
    from trtc_privacy.config import Config
    from trtc_privacy.merge.pipeline import Options, gather

    inputs = gather(Config(), Options("absent/PrivacyInfo.xcprivacy", lockfiles=paths))
    specs = [s.spec for s in inputs.sources if s.from_lockfile]
    return specs, inputs.diagnostics, inputs.notes


def test_specs_from_lockfiles_notes_and_warnings() -> None:
    specs, diags, notes = specs_from_lockfiles([str(REPO / "examples" / "VideoCallApp")])
    assert specs == ["trtc-professional@12.0.16292", "tuicallkit@2.5.0.1000"]
    assert diags == []
    assert notes[0].endswith("Podfile.lock:23: TXLiteAVSDK_Professional/Professional 12.0.16292 "
                             "-> trtc-professional template 11.7")
    specs, diags, notes = specs_from_lockfiles([str(LOCKS / "engine-only.Podfile.lock")])
    # an engine's version belongs to another version line: the product's newest template
    assert specs == ["trtc@11.8.15687", "tuicallkit", "tuiroomkit"]
    assert any("TUICallEngine/TRTC 2.6.0.1080 -> tuicallkit template" in n for n in notes)
    assert [d.rule for d in diags] == ["roomengine-manifest-in-app-root"]
    assert all(d.severity.value != "error" for d in diags)


def test_merge_does_not_fail_below_the_minimum_and_warns_at_the_lockfile_line(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "lockfiles" / "engine-only.Podfile.lock", tmp_path / "Podfile.lock")
    p = tmp_path / "Podfile.lock"
    p.write_text(p.read_text().replace("RTCRoomEngine/TRTC (2.5.0)", "TUIRoomEngine/TRTC (2.2.0)"))
    app = _app(tmp_path, "PrivacyInfo.xcprivacy")
    r = invoke(["merge", app.name, "--lockfile", "Podfile.lock"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^Podfile\.lock\n  2 +warning +TUIRoomEngine/TRTC 2\.2\.0 bundles no privacy "
                     r"manifest", r.stderr, re.M), r.stderr
