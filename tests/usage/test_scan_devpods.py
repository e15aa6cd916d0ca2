"""``scan`` on the layouts React Native and Flutter apps have: development pods outside the iOS
project, named by Podfile.lock's ``EXTERNAL SOURCES`` ``:path:`` (into ``node_modules`` and
Flutter's ``.symlinks``, and only those), local Swift packages, each use attributed to its pod."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from trtc_privacy.cli import main
from trtc_privacy.usage.scan import find_inputs

UD = "NSPrivacyAccessedAPICategoryUserDefaults"
BT = "NSPrivacyAccessedAPICategorySystemBootTime"


def scan_json(capsys, *args: str) -> Tuple[dict, str]:
    capsys.readouterr()
    code = main(["scan", "--format", "json", *args])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    doc["exit"] = code
    return doc, captured.err


def evidence(doc: dict) -> Set[Tuple[str, str]]:
    """(category, evidence line) of every api-not-declared finding."""
    return {(c, e) for d in doc["diagnostics"] if d["rule"] == "api-not-declared"
            for c in (UD, BT) if c in d["message"] for e in d["evidence"]}


def planted(rows, prefix: str = "") -> Set[Tuple[str, str]]:
    """The planted uses as evidence lines: binaries with their slice and member, sources with
    their position, each naming its pod."""
    out = set()
    for category, path, symbol, pod in rows:
        shown = os.path.normpath(prefix + path) if prefix else path
        if path.endswith((".m", ".swift")):
            where = {"systemUptime": "4:41", "UserDefaults": "3:17"}[symbol]
            out.add((category, f"{shown}:{where} ({pod}): {symbol}"))
        else:
            out.add((category, f"{shown} (arm64, defaults.o, {pod}): {symbol}"))
    return out


@pytest.fixture(scope="module")
def apps(macho_fixtures: Dict[str, Path], tmp_path_factory: pytest.TempPathFactory
         ) -> Dict[str, Path]:
    from machofixtures import projects

    dest = tmp_path_factory.mktemp("apps")
    return {"rn": projects.make_react_native(macho_fixtures, dest),
            "flutter": projects.make_flutter(macho_fixtures, dest)}


def test_react_native_development_pod_is_read_and_attributed(apps, capsys, monkeypatch) -> None:
    from machofixtures.projects import PLANTED_RN

    monkeypatch.chdir(apps["rn"])
    doc, err = scan_json(capsys)
    assert doc["exit"] == 1
    assert evidence(doc) == planted(PLANTED_RN)
    # the simulator slice of TSBackgroundFetch.xcframework is not read; the pod that is not
    # installed is said, and the app is then incomplete (nothing is said to be unused)
    assert "simulator" not in json.dumps(doc)
    assert ("note: ios/Podfile.lock:4: pod RNLocal is at node_modules/rn-missing, which is not "
            "there (install the dependencies first); not read") in err
    [app] = doc["bundles"]
    assert app["complete"] is False
    # AppDelegate.mm, RNBackgroundFetch.m, the framework, and the app's manifest
    assert doc["summary"]["files"] == 4


def test_nothing_else_under_node_modules_is_read(apps, capsys, monkeypatch) -> None:
    """unrelated-native-module uses NSUserDefaults in a source and a static library; no lockfile
    names it, so neither is read, nor reported."""
    monkeypatch.chdir(apps["rn"])
    found = find_inputs(["."])
    read = found.sources + found.archives + found.frameworks
    assert not [p for p in read if "unrelated" in p]
    assert [p for p in read if p.startswith("node_modules")] == [
        "node_modules/react-native-background-fetch/ios/RNBackgroundFetch/RNBackgroundFetch.m",
        "node_modules/react-native-background-fetch/ios/RNBackgroundFetch/"
        "TSBackgroundFetch.xcframework/ios-arm64/TSBackgroundFetch.framework"]
    doc, _ = scan_json(capsys)
    assert "unrelated" not in json.dumps(doc)


def test_react_native_scanned_from_its_ios_folder(apps, capsys, monkeypatch) -> None:
    """The lockfile's paths lead out of the folder scanned (``../node_modules``): followed,
    because the lockfile names them."""
    from machofixtures.projects import PLANTED_RN

    monkeypatch.chdir(apps["rn"] / "ios")
    doc, _ = scan_json(capsys)
    assert evidence(doc) == planted(PLANTED_RN, "../")


def test_flutter_plugin_behind_symlinks_is_read_and_attributed(apps, capsys,
                                                               monkeypatch) -> None:
    from machofixtures.projects import PLANTED_FLUTTER

    for where, prefix in ((apps["flutter"], ""), (apps["flutter"] / "ios", "ios/")):
        monkeypatch.chdir(where)
        doc, err = scan_json(capsys)
        assert doc["exit"] == 1
        want = {(c, e.replace("ios/", "", 1) if prefix else e)
                for c, e in planted(PLANTED_FLUTTER)}
        assert evidence(doc) == want, where
        # unused_plugin is linked in .symlinks too, but no lockfile names it
        assert "unused_plugin" not in json.dumps(doc) + err
        assert doc["bundles"][0]["complete"] is True


def test_flutter_unnamed_plugins_are_not_entered(apps, monkeypatch) -> None:
    monkeypatch.chdir(apps["flutter"] / "ios")
    found = find_inputs(["."])
    assert sorted(found.sources) == [
        ".symlinks/plugins/shared_prefs_kit/ios/Classes/SharedPrefsKitPlugin.swift",
        "Runner/AppDelegate.swift"]
    assert found.archives == [".symlinks/plugins/shared_prefs_kit/ios/Frameworks/libPrefsCore.a"]


def _source(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


USES_DEFAULTS = "import Foundation\nlet d = UserDefaults.standard\n"


def _origins(doc: dict) -> List[str]:
    return sorted(e for d in doc["diagnostics"] for e in d["evidence"])


def test_local_swift_packages_from_the_xcode_project_and_package_resolved(
        tmp_path: Path, capsys, monkeypatch) -> None:
    """An Xcode 15 project names a local package by ``relativePath``; a Package.resolved pins a
    local git checkout (``localSourceControl``); a package checkout nobody names is not read."""
    app = tmp_path / "App"
    proj = app / "App.xcodeproj"
    proj.mkdir(parents=True)
    (proj / "project.pbxproj").write_text(
        "// !$*UTF8*$!\n{\n\tobjects = {\n"
        "/* Begin XCLocalSwiftPackageReference section */\n"
        "\t\tAA01 /* XCLocalSwiftPackageReference \"../Packages/Prefs Kit\" */ = {\n"
        "\t\t\tisa = XCLocalSwiftPackageReference;\n"
        "\t\t\trelativePath = \"../Packages/Prefs Kit\";\n"
        "\t\t};\n"
        "/* End XCLocalSwiftPackageReference section */\n"
        "\t};\n}\n", encoding="utf-8")
    resolved = proj / "project.xcworkspace" / "xcshareddata" / "swiftpm" / "Package.resolved"
    resolved.parent.mkdir(parents=True)
    resolved.write_text(json.dumps({"pins": [
        {"identity": "clock", "kind": "localSourceControl",
         "location": str(tmp_path / "Packages" / "Clock"), "state": {"revision": "abc"}},
        {"identity": "remote", "kind": "remoteSourceControl",
         "location": "https://github.com/x/remote", "state": {"version": "1.0.0"}}],
        "version": 2}), encoding="utf-8")
    _source(app / "Sources" / "App.swift", "import Foundation\n")
    _source(tmp_path / "Packages" / "Prefs Kit" / "Sources" / "Prefs" / "Prefs.swift",
            USES_DEFAULTS)
    _source(tmp_path / "Packages" / "Clock" / "Sources" / "Clock" / "Clock.swift",
            "import Foundation\nlet t = ProcessInfo.processInfo.systemUptime\n")
    _source(tmp_path / "Packages" / "Unnamed" / "Sources" / "U.swift", USES_DEFAULTS)
    monkeypatch.chdir(app)
    doc, _ = scan_json(capsys)
    # the pin's location is absolute (as SwiftPM writes it), the project's relative
    assert _origins(doc) == [
        "../Packages/Prefs Kit/Sources/Prefs/Prefs.swift:2:9 (package Prefs Kit): UserDefaults",
        f"{tmp_path}/Packages/Clock/Sources/Clock/Clock.swift:2:33 (package clock): "
        "systemUptime"]


def test_a_pod_whose_path_holds_the_app_does_not_claim_the_apps_files(tmp_path: Path, capsys,
                                                                      monkeypatch) -> None:
    """A library's example app names the library as ``:path: ../``: the library's files are
    the pod's; the example app's own files stay the app's."""
    lib = tmp_path / "MyLib"
    _source(lib / "MyLib" / "Classes" / "Store.swift", USES_DEFAULTS)
    _source(lib / "Example" / "App" / "Main.swift", USES_DEFAULTS)
    _source(lib / "Example" / "Podfile.lock", "PODS:\n  - MyLib (1.0.0)\n\nDEPENDENCIES:\n"
            "  - MyLib (from `../`)\n\nEXTERNAL SOURCES:\n  MyLib:\n    :path: \"../\"\n")
    monkeypatch.chdir(lib / "Example")
    doc, _ = scan_json(capsys)
    assert _origins(doc) == ["../MyLib/Classes/Store.swift:2:9 (pod MyLib): UserDefaults",
                             "App/Main.swift:2:9: UserDefaults"]


def test_a_malformed_lockfile_is_a_note_and_the_rest_is_scanned(tmp_path: Path, capsys,
                                                                monkeypatch) -> None:
    _source(tmp_path / "ios" / "Podfile.lock", "PODS:\n\t- broken\n")
    _source(tmp_path / "ios" / "App" / "Main.swift", USES_DEFAULTS)
    monkeypatch.chdir(tmp_path)
    found = find_inputs(["ios"])
    assert found.sources == ["ios/App/Main.swift"]
    assert [n for n in found.notes if "development pods are not followed" in n] == [
        "ios/Podfile.lock:2: tab in indentation: Podfile.lock is YAML, indented with spaces; "
        "its development pods are not followed"]


def test_static_archives_of_another_platform_or_the_simulator_are_not_the_apps(
        macho_fixtures: Dict[str, Path], tmp_path: Path, capsys, monkeypatch) -> None:
    """A loose .a built for macOS (as numpy's are) or for the simulator only is not attributed
    to the iOS app; the device one is."""
    import shutil

    for key in ("defaults_archive", "defaults_archive_sim", "defaults_archive_mac"):
        shutil.copyfile(macho_fixtures[key], tmp_path / macho_fixtures[key].name)
    monkeypatch.chdir(tmp_path)
    doc, err = scan_json(capsys)
    assert _origins(doc) == ["libDefaults.a (arm64, defaults.o): _OBJC_CLASS_$_NSUserDefaults"]
    assert ("note: libDefaults_mac.a: built for macos (x86_64), not for iOS, the app's platform "
            "(`platform` in the configuration); not read") in err
    assert ("note: libDefaults_sim.a: built for the iOS simulator only (x86_64): it never "
            "reaches the App Store; not read") in err


def test_a_pod_at_the_file_systems_root_is_not_walked(tmp_path: Path, monkeypatch) -> None:
    _source(tmp_path / "Podfile.lock", "PODS:\n  - Everything (1.0)\n\nEXTERNAL SOURCES:\n"
            "  Everything:\n    :path: \"/\"\n")
    monkeypatch.chdir(tmp_path)
    found = find_inputs(["."])
    assert found.sources == [] and found.complete is False
    assert "Podfile.lock:2: pod Everything is at /, the file system's root; not read" in \
        found.notes
