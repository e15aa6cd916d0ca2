"""`trtc-privacy xcode` run as Xcode runs a Run Script phase: a simulated build environment.

Each test lays out a small project (SRCROOT with the app's manifest and a configuration, a
DerivedData products folder), sets the variables Xcode exports to a script phase, and runs the
real command in a subprocess.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict

import pytest
from helpers import FIXTURES, REPO, run_cli
from helpers.xcode_project import (
    categories,
    issues,
    make_project,
    product_manifest,
    snapshot,
    xcode,
)


def test_merges_into_the_built_product_and_leaves_the_source_alone(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    before = snapshot(tmp_path)

    r = xcode(env)
    assert r.returncode == 0, r.stderr
    out = product_manifest(env)
    assert "merged manifest written" in r.stdout
    cats = categories(out)
    assert "NSPrivacyAccessedAPICategoryFileTimestamp" in cats  # from the TRTC SDK
    assert cats["NSPrivacyAccessedAPICategoryUserDefaults"][0] == "CA92.1"  # the app's own, first
    # the app's comment and 2-space indentation survive in the product's copy
    assert "<!-- The app's own declarations" in out.read_text()
    assert "\n  <key>NSPrivacyTracking</key>\n" in out.read_text()
    after = snapshot(tmp_path)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    assert changed == {str(out.relative_to(tmp_path))}, "only the declared output may change"
    assert source.read_bytes() == (FIXTURES / "xcode" / "PrivacyInfo.xcprivacy").read_bytes()

    # the second build changes nothing: the product keeps its bytes and its mtime
    again = snapshot(tmp_path)
    r2 = xcode(env)
    assert r2.returncode == 0, r2.stderr
    assert "up to date" in r2.stdout
    assert snapshot(tmp_path) == again


def test_source_mode_edits_the_app_manifest_in_place_once(tmp_path: Path) -> None:
    env = make_project(tmp_path, 'xcode-write = "source"\n')
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    original = source.read_text()

    r = xcode(env)
    assert r.returncode == 0, r.stderr
    text = source.read_text()
    assert text != original
    assert "NSPrivacyAccessedAPICategoryFileTimestamp" in text
    # a minimal edit: every original line is still there, in order
    kept = iter(text.splitlines())
    assert all(any(line == k for k in kept) for line in original.splitlines())
    assert not product_manifest(env).exists()

    stamp = source.stat().st_mtime_ns
    r2 = xcode(env)
    assert r2.returncode == 0 and "up to date" in r2.stdout, r2.stdout + r2.stderr
    assert source.stat().st_mtime_ns == stamp

    # in place, the manifest is the phase's output, not an input
    lists = {w: run_cli(["xcode", "--filelist", w], cwd=env["SRCROOT"]).stdout.splitlines()
             for w in ("inputs", "outputs")}
    assert lists == {"inputs": ["$(SRCROOT)/.trtc-privacy.toml"],
                     "outputs": ["$(SRCROOT)/App/PrivacyInfo.xcprivacy"]}


def test_the_command_line_overrides_the_configured_write_mode(tmp_path: Path) -> None:
    env = make_project(tmp_path, 'xcode-write = "source"\n')
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    r = xcode(env, "--write", "product")
    assert r.returncode == 0, r.stderr
    assert product_manifest(env).exists()
    assert source.read_bytes() == (FIXTURES / "xcode" / "PrivacyInfo.xcprivacy").read_bytes()


def test_a_malformed_manifest_is_an_xcode_issue_at_its_line_and_fails_the_build(
        tmp_path: Path) -> None:
    env = make_project(tmp_path)
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    shutil.copy(FIXTURES / "xcode" / "malformed.xcprivacy", source)

    r = xcode(env)
    assert r.returncode == 2
    found = issues(r.stderr)
    assert found, r.stderr
    path, line, col, severity, message = found[0]
    assert (path, line, severity) == (str(source), "10", "error")
    assert col and "not well-formed" in message
    assert not product_manifest(env).exists()


def test_fail_on_release_shows_errors_as_warnings_in_debug_builds(tmp_path: Path) -> None:
    env = make_project(tmp_path, 'xcode-fail-on = "release"\n')
    shutil.copy(FIXTURES / "xcode" / "malformed.xcprivacy",
                Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy")

    debug = xcode(env)
    assert debug.returncode == 0, debug.stderr
    severities = [g[3] for g in issues(debug.stderr)]
    # Xcode fails a build whose script prints "error:", whatever its exit status
    assert severities and "error" not in severities
    assert "error:" not in debug.stderr

    release = xcode(dict(env, CONFIGURATION="Release"))
    assert release.returncode != 0
    assert "error" in [g[3] for g in issues(release.stderr)]


def test_the_filelists_declare_everything_the_sandboxed_phase_touches(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    lists = {}
    for which in ("inputs", "outputs"):
        # run from the project directory, outside Xcode, as a developer would
        r = run_cli(["xcode", "--filelist", which], cwd=env["SRCROOT"])
        assert r.returncode == 0, r.stderr
        lists[which] = r.stdout.splitlines()
    assert lists["inputs"] == ["$(SRCROOT)/.trtc-privacy.toml",
                               "$(SRCROOT)/App/PrivacyInfo.xcprivacy"]
    assert lists["outputs"] == [
        "$(TARGET_BUILD_DIR)/$(UNLOCALIZED_RESOURCES_FOLDER_PATH)/PrivacyInfo.xcprivacy"]

    src = Path(env["SRCROOT"])
    (src / "trtc-privacy-inputs.xcfilelist").write_text("\n".join(lists["inputs"]) + "\n")
    (src / "trtc-privacy-outputs.xcfilelist").write_text("\n".join(lists["outputs"]) + "\n")
    sandboxed = dict(env, ENABLE_USER_SCRIPT_SANDBOXING="YES",
                     SCRIPT_INPUT_FILE_LIST_COUNT="1",
                     SCRIPT_INPUT_FILE_LIST_0=str(src / "trtc-privacy-inputs.xcfilelist"),
                     SCRIPT_OUTPUT_FILE_LIST_COUNT="1",
                     SCRIPT_OUTPUT_FILE_LIST_0=str(src / "trtc-privacy-outputs.xcfilelist"))
    r = xcode(sandboxed)
    assert r.returncode == 0, r.stderr
    assert product_manifest(env).exists()


def test_sandboxing_refuses_undeclared_files_and_writes_nothing(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    sandboxed = dict(env, ENABLE_USER_SCRIPT_SANDBOXING="YES", SCRIPT_INPUT_FILE_COUNT="1",
                     SCRIPT_INPUT_FILE_0="$(SRCROOT)/App/PrivacyInfo.xcprivacy")
    r = xcode(sandboxed)
    assert r.returncode == 2
    flagged = {(g[0], g[3]) for g in issues(r.stderr)}
    assert (str(Path(env["SRCROOT"]) / ".trtc-privacy.toml"), "error") in flagged
    assert (str(product_manifest(env)), "error") in flagged
    assert "--filelist inputs" in r.stderr
    assert not product_manifest(env).exists()


def test_declared_inputs_stand_in_for_a_configuration(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    src = Path(env["SRCROOT"])
    (src / ".trtc-privacy.toml").unlink()
    (src / "other").mkdir()
    shutil.copy(src / "App" / "PrivacyInfo.xcprivacy", src / "other" / "PrivacyInfo.xcprivacy")
    (src / "other" / "PrivacyInfo.xcprivacy").write_text(
        (src / "App" / "PrivacyInfo.xcprivacy").read_text().replace("CA92.1", "1C8F.1"))
    env.update(SCRIPT_INPUT_FILE_COUNT="1", SCRIPT_INPUT_FILE_0="$(SRCROOT)/other/PrivacyInfo.xcprivacy")
    r = xcode(env)
    # no SDK source at all: the manifest is copied with a warning, and the build goes on
    assert r.returncode == 0, r.stderr
    assert [g[3] for g in issues(r.stderr)] == ["warning"]
    assert "nothing-to-merge" in r.stderr
    assert categories(product_manifest(env)) == {
        "NSPrivacyAccessedAPICategoryUserDefaults": ["1C8F.1"]}


def test_a_bad_configuration_fails_the_build_naming_the_key(tmp_path: Path) -> None:
    env = make_project(tmp_path, 'xcode-write = "bundle"\n')
    r = xcode(env)
    assert r.returncode == 2
    found = issues(r.stderr)
    assert found and found[0][0] == str(Path(env["SRCROOT"]) / ".trtc-privacy.toml")
    assert found[0][1] == "3" and "xcode-write" in found[0][4]


def test_outside_xcode_it_says_so(tmp_path: Path) -> None:
    r = run_cli(["xcode"], cwd=tmp_path, env={"SRCROOT": ""})
    assert r.returncode == 2
    assert "SRCROOT is not set" in r.stderr and "Traceback" not in r.stderr


def test_lockfile_found_through_cocoapods_settings(tmp_path: Path) -> None:
    pytest.importorskip("trtc_privacy.merge.lockfiles", reason="lockfile readers not built yet")
    env = make_project(tmp_path)
    src = Path(env["SRCROOT"])
    (src / ".trtc-privacy.toml").write_text('app-manifest = "App/PrivacyInfo.xcprivacy"\n')
    shutil.copy(FIXTURES / "integrations" / "Podfile.lock", src / "Podfile.lock")
    env["PODS_PODFILE_DIR_PATH"] = str(src) + "/."
    r = xcode(env)
    assert r.returncode == 0, r.stderr
    assert "Podfile.lock" in r.stdout
    cats = categories(product_manifest(env))
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in cats  # the TRTC SDK's

    listed = run_cli(["xcode", "--filelist", "inputs"], cwd=src)
    assert "$(SRCROOT)/Podfile.lock" in listed.stdout.splitlines()


def test_a_lint_error_points_at_the_source_line_and_blocks_the_write(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    shutil.copy(FIXTURES / "xcode" / "wrong-reason.xcprivacy", source)  # 35F9.1 at 31:9
    r = xcode(env)
    assert r.returncode == 1
    errors = [g for g in issues(r.stderr) if g[3] == "error"]
    assert [(g[0], g[1], g[2]) for g in errors] == [(str(source), "31", "9")], r.stderr
    assert "35F9.1" in errors[0][4] and "[reason-wrong-category]" in errors[0][4]
    assert "not written" in r.stdout
    assert not product_manifest(env).exists()


def _xcode_in_process(env: Dict[str, str]):
    from helpers import invoke

    return invoke(["xcode"], cwd=Path(env["SRCROOT"]), env=env)


def test_fail_on_release_writes_the_manifest_in_a_debug_build_with_an_error(tmp_path: Path) -> None:
    """Defect 15: a Debug build that does not fail still gets its merged manifest."""
    env = make_project(tmp_path, 'xcode-fail-on = "release"\n')
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    shutil.copy(FIXTURES / "xcode" / "wrong-reason.xcprivacy", source)  # 35F9.1 at 31:9
    r = _xcode_in_process(env)
    assert r.returncode == 0, r.stderr
    found = issues(r.stderr)
    assert ("31", "9", "warning") in [(g[1], g[2], g[3]) for g in found]
    assert "error:" not in r.stderr
    assert product_manifest(env).exists()
    assert "merged manifest written" in r.stdout


#: an SDK manifest given as an input: the tool cannot tell its SDK ships it, so it is folded
#: verbatim and its SDK-only reasons are warned about (a pod that ships one keeps them)
TRTC_INPUT = 'manifests = ["%s"]\n' % (REPO / "manifests" / "pods"
                                        / "TXLiteAVSDK_TRTC-11.7.xcprivacy")


def test_the_phase_shows_no_sdk_only_warning_for_an_sdk_that_ships_its_manifest(tmp_path: Path
                                                                                 ) -> None:
    r = _xcode_in_process(make_project(tmp_path))
    assert r.returncode == 0 and "sdk-only-reason" not in r.stderr, r.stderr
    assert "stay in the SDK's own manifest" in r.stderr + r.stdout


def test_merge_warnings_point_at_the_source_file_not_the_build_copy(tmp_path: Path) -> None:
    """Defect 15: what the merge adds is shown against the app's source manifest."""
    env = make_project(tmp_path, TRTC_INPUT)
    source = Path(env["SRCROOT"]) / "App" / "PrivacyInfo.xcprivacy"
    r = _xcode_in_process(env)
    assert r.returncode == 0, r.stderr
    sdk_only = [g for g in issues(r.stderr) if "[sdk-only-reason]" in g[4]]
    assert sdk_only, r.stderr
    assert {g[0] for g in sdk_only} == {str(source)}
    lines = source.read_text().splitlines()
    for g in sdk_only:
        assert g[1] and 1 <= int(g[1]) <= len(lines)


def test_ignore_silences_sdk_only_reason_in_the_xcode_phase(tmp_path: Path) -> None:
    env = make_project(tmp_path, 'ignore = ["sdk-only-reason"]\n' + TRTC_INPUT)
    r = _xcode_in_process(env)
    assert r.returncode == 0, r.stderr
    assert "sdk-only-reason" not in r.stderr
