"""``trtc-privacy scan``: a project tree's uses, by bundle, against the manifests covering them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import run_cli
from helpers.manifests import BT, DS, FT, UD, manifest

from trtc_privacy.cli import main


def scan_json(capsys, *args: str) -> dict:
    capsys.readouterr()
    code = main(["scan", "--format", "json", *args])
    out = capsys.readouterr().out
    doc = json.loads(out)
    doc["exit"] = code
    return doc


def by_rule(doc: dict, rule: str) -> list:
    return [d for d in doc["diagnostics"] if d["rule"] == rule]


# -- sources only -------------------------------------------------------------------------------


@pytest.fixture
def source_project(tmp_path: Path) -> Path:
    app = tmp_path / "App"
    app.mkdir()
    (app / "PrivacyInfo.xcprivacy").write_bytes(manifest(DS))
    (app / "Settings.swift").write_text(
        "import Foundation\n"
        "// UserDefaults in a comment is not a use\n"
        "let log = \"NSUserDefaults\"\n"
        "let d = UserDefaults.standard\n", encoding="utf-8")
    (app / "Clock.m").write_text(
        "#import <Foundation/Foundation.h>\n"
        "double up(void) { return [[NSProcessInfo processInfo] systemUptime]; }\n",
        encoding="utf-8")
    pod = tmp_path / "Pods" / "Kit" / "Sources"
    pod.mkdir(parents=True)
    (pod / "kit.c").write_text("#include <sys/stat.h>\n"
                               "int my_lstat(const char *p);\n"
                               "int f(const char *p) { struct stat st; return stat(p, &st); }\n",
                               encoding="utf-8")
    for skipped in (tmp_path / "build" / "Gen", tmp_path / "Carthage" / "Checkouts" / "Dep"):
        skipped.mkdir(parents=True)
        (skipped / "gen.m").write_text("id x = [UITextInputMode activeInputModes];\n")
    headers = tmp_path / "Pods" / "Headers" / "Public" / "Kit"
    headers.mkdir(parents=True)
    (headers / "kit.c").symlink_to(pod / "kit.c")  # CocoaPods' header links: read once, in place
    return tmp_path


def test_sources_uses_attributed_to_the_app(source_project: Path, capsys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(source_project)
    doc = scan_json(capsys)
    assert doc["exit"] == 1
    errors = {tuple(d["evidence"]): d for d in by_rule(doc, "api-not-declared")}
    assert set(errors) == {("App/Settings.swift:4:9: UserDefaults",),
                           ("App/Clock.m:2:55: systemUptime",),
                           ("Pods/Kit/Sources/kit.c:3:47: stat",)}
    for d in errors.values():
        assert d["path"] == os.path.join("App", "PrivacyInfo.xcprivacy")
        assert d["itms"] == "ITMS-91053" and d["severity"] == "error"
    [note] = by_rule(doc, "api-declared-not-used")
    assert DS in note["message"] and note["line"]
    [app] = doc["bundles"]
    assert app["kind"] == "app" and app["declared"] == [DS]
    # nothing from build/ (skipped like discovery) or Carthage/Checkouts (Carthage/Build ships)
    assert set(app["used"]) == {UD, BT, FT}
    assert doc["summary"]["files"] == 4  # three sources and the app's manifest: what was read


def test_declared_everything_is_clean(source_project: Path, capsys,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (source_project / "App" / "PrivacyInfo.xcprivacy").write_bytes(manifest(UD, BT, FT))
    monkeypatch.chdir(source_project)
    assert main(["scan"]) == 0
    out = capsys.readouterr().out
    assert "no problems" in out


def test_templates_from_the_configuration_cover_the_app(source_project: Path, capsys,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's declarations are the merge result: its file plus the TRTC template (which
    declares UserDefaults, FileTimestamp and SystemBootTime); nothing is written."""
    before = (source_project / "App" / "PrivacyInfo.xcprivacy").read_bytes()
    (source_project / ".trtc-privacy.toml").write_text(
        'app-manifest = "App/PrivacyInfo.xcprivacy"\nsdks = ["trtc@11.7"]\n')
    sub = source_project / "App"
    monkeypatch.chdir(sub)  # the configured project is found upwards and scanned whole
    doc = scan_json(capsys)
    assert by_rule(doc, "api-not-declared") == []
    assert doc["exit"] == 0
    assert set(doc["bundles"][0]["declared"]) == {DS, UD, FT, BT}
    assert (source_project / "App" / "PrivacyInfo.xcprivacy").read_bytes() == before


def test_the_merge_target_is_read_once_and_nothing_is_linted_or_planned(
        source_project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """scan needs what the merge would declare, not the merge's text or findings: the app's
    file is parsed once, no manifest is linted and no merge is planned."""
    import trtc_privacy.lint.engine as engine
    import trtc_privacy.manifest.reader as reader
    from trtc_privacy.merge import pipeline

    def refused(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("scan linted or planned")

    for module, name in ((pipeline, "plan"), (pipeline, "gather"), (engine, "lint_document"),
                         (engine, "lint_sdk")):
        monkeypatch.setattr(module, name, refused)
    parsed = []
    real_parse = reader.parse

    def counting(data: bytes, path: str):  # type: ignore[no-untyped-def]
        parsed.append(path)
        return real_parse(data, path)

    monkeypatch.setattr(reader, "parse", counting)
    monkeypatch.setattr(pipeline, "parse", counting)
    (source_project / ".trtc-privacy.toml").write_text(
        'app-manifest = "App/PrivacyInfo.xcprivacy"\nsdks = ["trtc@11.7"]\n')
    monkeypatch.chdir(source_project)
    doc = scan_json(capsys)
    assert set(doc["bundles"][0]["declared"]) == {DS, UD, FT, BT}
    assert [p for p in parsed if p.endswith("App/PrivacyInfo.xcprivacy")] == \
        [os.path.join("App", "PrivacyInfo.xcprivacy")]


def test_configured_exclude_patterns_are_not_read(source_project: Path, capsys,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (source_project / ".trtc-privacy.toml").write_text('exclude = ["Pods/Kit"]\n')
    monkeypatch.chdir(source_project)
    doc = scan_json(capsys)
    assert set(doc["bundles"][0]["used"]) == {UD, BT}  # kit.c's stat is not read


def test_every_format_renders(source_project: Path, capsys,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(source_project)
    for fmt in ("text", "sarif", "github", "xcode"):
        assert main(["scan", "--format", fmt]) == 1
        out = capsys.readouterr().out
        assert "UserDefaults" in out, fmt
    assert main(["scan", "--format", "text"]) == 1
    text = capsys.readouterr().out
    assert "at App/Settings.swift:4:9: UserDefaults" in text
    assert "CA92.1" in text and "C56D.1" not in text
    sarif = json.loads((main(["scan", "--format", "sarif"]), capsys.readouterr().out)[1])
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"api-not-declared",
                                                                  "api-declared-not-used"}


def test_ignore_and_severity_options(source_project: Path, capsys,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(source_project)
    doc = scan_json(capsys, "--ignore", "api-not-declared")
    assert doc["exit"] == 0 and by_rule(doc, "api-not-declared") == []
    assert main(["scan", "--select", "no-such-rule"]) == 2


def test_missing_path_is_bad_input(tmp_path: Path, capsys) -> None:
    assert main(["scan", str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err


def test_fifo_and_huge_files_are_skipped_with_a_note(source_project: Path, capsys,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    os.mkfifo(source_project / "App" / "Trap.swift")
    monkeypatch.chdir(source_project)
    assert main(["scan"]) == 1
    err = capsys.readouterr().err
    assert "Trap.swift: not a regular file" in err
    # what was skipped may use DiskSpace: the app's declaration is no longer said to be unused
    doc = scan_json(capsys)
    assert by_rule(doc, "api-not-declared") and not by_rule(doc, "api-declared-not-used")
    assert doc["bundles"][0]["complete"] is False


def test_real_process(source_project: Path) -> None:
    p = run_cli(["scan", "--format", "github"], cwd=source_project)
    assert p.returncode == 1, p.stderr
    assert "::error file=App/PrivacyInfo.xcprivacy" in p.stdout
    assert "ITMS-91053" in p.stdout or "api-not-declared" in p.stdout


def test_evidence_reaches_every_format(source_project: Path, capsys,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(source_project)
    for fmt in ("text", "json", "sarif", "github", "xcode"):
        main(["scan", "--format", fmt])
        assert "App/Settings.swift:4:9: UserDefaults" in capsys.readouterr().out, fmt


def test_the_apps_own_use_covered_only_by_sdk_only_reasons_is_reported(
        source_project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """FileTimestamp declared with 0A2A.1 alone (an SDK's wrapper reason, as a merge used to
    copy it) does not cover the app's own ``stat``: the finding names the app's reasons."""
    text = manifest(UD, BT, FT).decode().replace("C617.1", "0A2A.1")
    (source_project / "App" / "PrivacyInfo.xcprivacy").write_text(text)
    monkeypatch.chdir(source_project)
    doc = scan_json(capsys)
    [d] = by_rule(doc, "api-declared-sdk-only")
    assert d["severity"] == "warning" and FT in d["message"] and "(0A2A.1)" in d["message"]
    assert d["evidence"] == ["Pods/Kit/Sources/kit.c:3:47: stat"] and d["line"]
    assert "DDA9.1" in d["hint"] and "C617.1" in d["hint"] and "0A2A.1" not in d["hint"]
    assert not by_rule(doc, "api-not-declared")
    # with an app reason beside it, nothing is said
    (source_project / "App" / "PrivacyInfo.xcprivacy").write_text(
        text.replace("<string>0A2A.1</string>", "<string>0A2A.1</string><string>C617.1</string>"))
    assert not by_rule(scan_json(capsys), "api-declared-sdk-only")


def test_a_sub_folder_scan_makes_no_claim_about_what_it_did_not_read(
        source_project: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """``scan Pods/Kit``: the app's manifest also covers App/'s sources, which were not read, so
    nothing is said to be declared but unused; the run says what it did not read, and counts
    the files it did read."""
    (source_project / "App" / "PrivacyInfo.xcprivacy").write_bytes(manifest(UD, BT, FT, DS))
    (source_project / ".trtc-privacy.toml").write_text('app-manifest = "App/PrivacyInfo.xcprivacy"\n')
    monkeypatch.chdir(source_project)
    whole = scan_json(capsys)
    assert {DS} == {d["message"].split("(")[1].split(")")[0]
                    for d in by_rule(whole, "api-declared-not-used")}
    capsys.readouterr()
    code = main(["scan", os.path.join("Pods", "Kit")])
    out, err = capsys.readouterr()
    assert code == 0 and "api-declared-not-used" not in out and "not used" not in out
    assert "this scan read only Pods/Kit" in err and "scan . to judge them" in err
    assert "no problems in 2 files" in out  # kit.c and the app's manifest


def test_a_project_whose_pods_are_not_installed_makes_no_unused_claim(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example app without Pods/: what its lockfile links was not read."""
    import shutil

    from helpers import REPO

    shutil.copytree(REPO / "examples" / "VideoCallApp", tmp_path / "app")
    monkeypatch.chdir(tmp_path / "app")
    capsys.readouterr()
    code = main(["scan", "."])
    out, err = capsys.readouterr()
    assert code == 0 and "api-declared-not-used" not in out
    assert "Podfile.lock lists are not installed" in err
    assert "in 2 files" in out  # the app's manifest and the Podfile.lock
