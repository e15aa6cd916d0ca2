"""``trtc-privacy lint`` end to end: discovery, kinds, config, exit codes, corpus, merge."""

from __future__ import annotations

import csv
import json
import os
import plistlib
import re
import shutil
from pathlib import Path
from typing import Dict

import pytest
from helpers import REPO, invoke, shared_path
from helpers.manifests import DS, TRACK_FALSE, UD, api, doc

from trtc_privacy.diagnostics import InputError
from trtc_privacy.formatters import resolve_format
from trtc_privacy.lint.engine import discover, kind_for_path, lint_file, lint_paths

GOOD = doc(TRACK_FALSE + api(UD, "CA92.1"))
BAD = doc(api(DS, "CA92.1"))  # CA92.1 belongs to UserDefaults: an error at line 12, column 5
SDK_ONLY = doc(api(UD, "C56D.1"))  # a warning in an app's manifest


def put(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- exit codes ----------------------------------------------------------------------------------


def test_clean_file_exits_0(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", GOOD)
    r = invoke(["lint", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "no problems in 1 file" in r.stdout


def test_error_exits_1_with_place_and_hint(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", BAD)
    r = invoke(["lint", "PrivacyInfo.xcprivacy", "--format", "xcode"], cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.startswith(str(tmp_path / "PrivacyInfo.xcprivacy") + ":12:5: error: reason "
                               "CA92.1 belongs to NSPrivacyAccessedAPICategoryUserDefaults")
    assert r.stdout.rstrip().endswith("[reason-wrong-category]")


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", SDK_ONLY)
    assert invoke(["lint", "PrivacyInfo.xcprivacy"], cwd=tmp_path).returncode == 0
    r = invoke(["lint", "--strict", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 1 and "sdk-only-reason" in r.stdout


def test_unreadable_path_exits_2_without_traceback(tmp_path: Path) -> None:
    r = invoke(["lint", "nope/PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 2
    # reported as a finding of its own, through the formatter, like every other finding
    assert r.stdout.startswith("nope/PrivacyInfo.xcprivacy\n")
    assert "file not found [unreadable]" in r.stdout
    assert "Traceback" not in r.stderr


def test_parse_failure_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", "\n" + GOOD)  # blank line before <?xml
    r = invoke(["lint", "-f", "json", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 1
    (d,) = json.loads(r.stdout)["diagnostics"]
    assert (d["rule"], d["line"], d["severity"], d["itms"]) == ("not-well-formed", 2, "error",
                                                                 "ITMS-91056")


@pytest.mark.parametrize("args,needle", [
    (["--select", "no-such-rule"], 'unknown rule "no-such-rule"'),
    (["--ignore", "sdk-only-reasons"], 'did you mean "sdk-only-reason"'),
    (["--format", "yaml"], 'unknown format "yaml"'),
    (["--kind", "framework"], 'unknown kind "framework"'),
])
def test_usage_errors_exit_2(tmp_path: Path, args, needle: str) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", GOOD)
    r = invoke(["lint", "PrivacyInfo.xcprivacy", *args], cwd=tmp_path)
    assert r.returncode == 2 and needle in r.stderr, r.stderr


# -- selection and configuration -----------------------------------------------------------------


def test_select_and_ignore_from_the_command_line(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", BAD)
    r = invoke(["lint", "PrivacyInfo.xcprivacy", "--ignore", "reason-wrong-category"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    r = invoke(["lint", "PrivacyInfo.xcprivacy", "--select", "unknown-reason,empty-reasons"],
                cwd=tmp_path)
    assert r.returncode == 0 and "no problems" in r.stdout


def test_config_severity_exclude_and_kind(tmp_path: Path) -> None:
    put(tmp_path / "app" / "PrivacyInfo.xcprivacy", BAD)
    put(tmp_path / "vendor" / "x" / "PrivacyInfo.xcprivacy", BAD)
    put(tmp_path / "sdk" / "PrivacyInfo.xcprivacy", SDK_ONLY)
    put(tmp_path / "pyproject.toml", '[tool.trtc-privacy]\nexclude = ["vendor"]\n'
        '[tool.trtc-privacy.severity]\nreason-wrong-category = "warning"\n')
    sub = tmp_path / "app"
    r = invoke(["lint", "-f", "json", ".", "../vendor", "../sdk"], cwd=sub)
    out = json.loads(r.stdout)
    assert r.returncode == 0, r.stdout
    assert {(d["path"], d["rule"], d["severity"]) for d in out["diagnostics"]} == {
        ("PrivacyInfo.xcprivacy", "reason-wrong-category", "warning"),
        ("../sdk/PrivacyInfo.xcprivacy", "sdk-only-reason", "warning")}
    assert out["summary"]["files"] == 2
    put(tmp_path / "pyproject.toml", '[tool.trtc-privacy]\nkind = "sdk"\n')
    r = invoke(["lint", "../sdk", "--strict"], cwd=sub)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("text,needle", [
    ('select = ["unknwn-reason"]\n', 'unknown rule "unknwn-reason"'),
    ('select = "unknown-reason"\n', 'expected a list of strings'),
    ("kind = 3\n", "expected a string"),
    ("lint = [\n", "invalid TOML"),
])
def test_bad_config_exits_2(tmp_path: Path, text: str, needle: str) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", GOOD)
    put(tmp_path / ".trtc-privacy.toml", text)
    r = invoke(["lint", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert ".trtc-privacy.toml" in r.stderr


# -- discovery and kinds --------------------------------------------------------------------------


def test_directory_search_skips_build_folders_and_symlink_loops(tmp_path: Path) -> None:
    put(tmp_path / "App" / "PrivacyInfo.xcprivacy", GOOD)
    put(tmp_path / ".git" / "PrivacyInfo.xcprivacy", BAD)
    put(tmp_path / "build" / "App.app" / "PrivacyInfo.xcprivacy", BAD)
    put(tmp_path / "App" / "notes.xcprivacy", BAD)
    os.symlink(tmp_path, tmp_path / "App" / "loop")
    files = discover([str(tmp_path)])
    assert files == [str(tmp_path / "App" / "PrivacyInfo.xcprivacy")]


def test_kind_auto(tmp_path: Path) -> None:
    assert kind_for_path("ios/Pods/Foo/PrivacyInfo.xcprivacy") == "sdk"
    assert kind_for_path("Foo.xcframework/ios-arm64/Foo.framework/PrivacyInfo.xcprivacy") == "sdk"
    assert kind_for_path("ios/App/PrivacyInfo.xcprivacy") == "app"
    pkg = tmp_path / "Pkg"
    put(pkg / "Package.swift", "// swift-tools-version:5.9\n")
    assert kind_for_path(str(pkg / "Sources" / "Pkg" / "PrivacyInfo.xcprivacy")) == "sdk"
    assert kind_for_path(str(tmp_path / "Sources" / "PrivacyInfo.xcprivacy")) == "app"
    put(tmp_path / "Pods" / "X" / "PrivacyInfo.xcprivacy", SDK_ONLY)
    assert lint_paths([str(tmp_path / "Pods")]).diagnostics == []
    assert [d.rule for d in lint_file(str(tmp_path / "Pods/X/PrivacyInfo.xcprivacy"), "app")] == \
        ["sdk-only-reason"]


def test_binary_plist_is_linted_without_positions(tmp_path: Path) -> None:
    value = {"NSPrivacyTracking": False, "NSPrivacyCollectedDataTypes": [],
             "NSPrivacyAccessedAPITypes": [{"NSPrivacyAccessedAPIType": DS,
                                            "NSPrivacyAccessedAPITypeReasons": ["CA92.1"]}]}
    p = tmp_path / "PrivacyInfo.xcprivacy"
    p.write_bytes(plistlib.dumps(value, fmt=plistlib.FMT_BINARY))
    (d,) = lint_file(str(p))
    assert (d.rule, d.line, d.column) == ("reason-wrong-category", None, None)


def test_unreadable_file_raises_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        lint_file(str(tmp_path / "missing.xcprivacy"))


@pytest.mark.parametrize("env,expected", [
    ({}, "text"), ({"GITHUB_ACTIONS": "true"}, "github"), ({"XCODE_VERSION_ACTUAL": "1600"}, "xcode"),
])
def test_default_format_follows_the_environment(monkeypatch, env: Dict[str, str],
                                                expected: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert resolve_format(None) == expected
    assert resolve_format("json") == "json"


def test_github_actions_environment_selects_github_format(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", BAD)
    r = invoke(["lint", "PrivacyInfo.xcprivacy"], cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert r.stdout.startswith("::error file=PrivacyInfo.xcprivacy,line=12,col=5,"
                               "title=reason-wrong-category (ITMS-91055)::")


# -- shipped data and the corpus -------------------------------------------------------------------


def test_vendor_manifests_lint_clean_as_sdk_manifests(tmp_path: Path) -> None:
    # each catalogue file as a pod ships it: named PrivacyInfo.xcprivacy, in a folder of its own
    for p in (REPO / "manifests" / "pods").glob("*.xcprivacy"):
        (tmp_path / "pods" / p.stem).mkdir(parents=True)
        shutil.copy(p, tmp_path / "pods" / p.stem / "PrivacyInfo.xcprivacy")
    result = lint_paths([str(tmp_path / "pods")], "sdk")
    assert len(result.files) >= 14
    assert result.diagnostics == []
    r = invoke(["lint", "--kind", "sdk", "--strict", "pods"], cwd=tmp_path)
    assert r.returncode == 0, r.stdout


#: Where this linter's verdict differs from corpus/INDEX.tsv's status, and why.
DISAGREEMENTS = {
    "adjust__ios_sdk__1148b73a.xcprivacy":
        "INDEX says valid (its checker ignores domain syntax); the tracking domains carry "
        "https://, which TN3181's format (host only, no scheme) rules out: invalid-tracking-domain",
    "braze-inc__braze-swift-sdk__de5a3722.xcprivacy":
        "INDEX says unusual; tracking domains with NSPrivacyTracking false is what App Store "
        "Connect rejects as ITMS-91064 (braze-swift-sdk#138): domains-without-tracking is an error",
    "seayoo-io__combo-demo-unity__29b6745e.xcprivacy":
        "INDEX says invalid for duplicate API categories; Apple does not address duplicates "
        "(apple-spec.md section 4, rule 19), so they are warnings that --fix folds",
}


def _corpus_rows():
    index = shared_path("corpus", "INDEX.tsv")
    with open(index, encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_corpus_verdicts_agree_with_the_index() -> None:
    rows = _corpus_rows()
    assert len(rows) == 60
    disagree = {}
    for row in rows:
        status = re.search(r"status=(\w+)", row["notes"]).group(1)
        path = shared_path("corpus", row["filename"])
        diags = [d for d in lint_file(str(path)) if d.rule != "wrong-file-name"]
        has_error = any(d.severity.value == "error" for d in diags)
        if has_error != (status == "invalid"):
            disagree[row["filename"]] = (status, sorted({d.rule for d in diags}))
    assert set(disagree) == set(DISAGREEMENTS), disagree


def test_every_corpus_file_lints_in_every_format(tmp_path: Path) -> None:
    # the files, not the folder: a folder is searched for PrivacyInfo.xcprivacy, which the
    # corpus's names are not (the folder alone lints nothing, and lint says so with exit 2)
    files = sorted(str(p) for p in shared_path("corpus").glob("*.xcprivacy"))
    assert files
    for fmt in ("text", "json", "sarif", "github", "xcode"):
        r = invoke(["lint", "-f", fmt, *files], cwd=tmp_path)
        assert r.returncode == 0 or r.returncode == 1, r.stderr
        assert "internal error" not in r.stderr


# -- merge validates its inputs -------------------------------------------------------------------


def test_merge_refuses_an_input_with_a_lint_error(tmp_path: Path) -> None:
    put(tmp_path / "other.xcprivacy", BAD)
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--sdk", "trtc", "--manifest",
                 "other.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 1
    assert re.search(r"^other\.xcprivacy\n  12:5 +error +reason CA92\.1 belongs to "
                     "NSPrivacyAccessedAPICategoryUserDefaults", r.stderr, re.M), r.stderr
    assert r.stderr.count("[reason-wrong-category]") == 1  # at the input, not again in the result
    assert not (tmp_path / "PrivacyInfo.xcprivacy").exists()
    assert "not written" in r.stdout
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--sdk", "trtc", "--manifest",
                 "other.xcprivacy", "--allow-invalid"], cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "PrivacyInfo.xcprivacy").exists()


def test_merge_of_trtc_leaves_sdk_only_reasons_in_its_manifest_and_lints_clean(tmp_path: Path
                                                                              ) -> None:
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--sdk", "trtc"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "PrivacyInfo.xcprivacy").exists()
    assert "sdk-only-reason" not in r.stderr and " error: " not in r.stderr
    assert "C56D.1 (UserDefaults), 0A2A.1 (FileTimestamp) stay in the SDK's own manifest" \
        in r.stderr
    # and the written file lints with no finding at all, --strict included
    r = invoke(["lint", "--strict", "-f", "json", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["diagnostics"] == []


def test_merge_reports_an_sdk_only_reason_from_a_manifest_input_once(tmp_path: Path) -> None:
    put(tmp_path / "PrivacyInfo.xcprivacy", doc(api(DS, "E174.1")))
    put(tmp_path / "extra.xcprivacy", SDK_ONLY)
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", "extra.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len([ln for ln in r.stderr.splitlines() if "C56D.1" in ln]) == 1, r.stderr


def test_merge_does_not_block_on_the_apps_own_existing_problem(tmp_path: Path) -> None:
    """An error the app's file already had is lint's business; merge still folds the SDK in."""
    put(tmp_path / "PrivacyInfo.xcprivacy", doc("\t<key>NSPrivacyTeamNote</key>\n\t<string>x"
                                                "</string>\n"))
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--sdk", "trtc"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "unknown-key" not in r.stderr
    r = invoke(["lint", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert r.returncode == 1 and "unknown-key" in r.stdout
