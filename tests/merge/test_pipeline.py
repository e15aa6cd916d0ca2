"""The one merge pipeline: inputs read once, findings made once, the plan written under the lock.

Also the defects of issue 10 that live in the merge wing (1, 14, 15, 17) and the registry's reach
(``ignore``/``[severity]`` in every command).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest
from helpers import FIXTURES, REPO, invoke

from trtc_privacy.config import Config
from trtc_privacy.merge import pipeline

APP = FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN"'
        ' "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n')
TAIL = "</dict>\n</plist>\n"


def manifest(body: str) -> str:
    return HEAD + body + TAIL


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """How often the one reader parsed each document (by the label it was parsed under)."""
    import trtc_privacy.manifest.reader as plist

    seen: Counter = Counter()
    real = plist.parse

    def counting(data: bytes, path: str):  # type: ignore[no-untyped-def]
        seen[path] += 1
        return real(data, path)

    monkeypatch.setattr(plist, "parse", counting)
    monkeypatch.setattr(pipeline, "parse", counting)
    return seen


@pytest.fixture
def locks(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    import trtc_privacy.files as files

    taken: List[str] = []
    real = files.locked

    def recording(path: str, timeout: float = 60.0):  # type: ignore[no-untyped-def]
        taken.append(path)
        return real(path, timeout)

    monkeypatch.setattr(files, "locked", recording)
    return taken


def test_a_two_sdk_merge_that_writes_parses_each_input_once(tmp_path: Path, parses: Counter,
                                                            locks: List[str]) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, app)
    r = invoke(["merge", str(app), "--sdk", "trtc@12.8", "--sdk", "tuicallkit@3.2"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "written" in r.stdout
    templates = {k: v for k, v in parses.items() if k.startswith("catalogue manifest ")}
    assert len(templates) >= 6 and set(templates.values()) == {1}, parses
    assert parses[str(app)] <= 2, parses  # once to plan, once to check what is written
    assert locks == [str(app)]


def test_an_up_to_date_merge_parses_the_app_once_and_takes_no_lock(
        tmp_path: Path, parses: Counter, locks: List[str]) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, app)
    assert invoke(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path).returncode == 0
    parses.clear()
    locks.clear()
    r = invoke(["merge", str(app), "--sdk", "trtc"], cwd=tmp_path)
    assert r.returncode == 0 and "up to date" in r.stdout
    assert parses[str(app)] == 1 and locks == []


def test_a_write_under_the_lock_replans_when_another_run_wrote_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, app)
    inputs = pipeline.gather(Config(), pipeline.Options(str(app), sdks=["trtc"]))
    plan = pipeline.plan(inputs)
    # meanwhile another build step folds in the Chat SDK
    assert invoke(["merge", str(app), "--sdk", "chat@8.4.6667"], cwd=tmp_path).returncode == 0
    other = app.read_text()
    out = pipeline.write(plan)
    assert out.written
    text = app.read_text()
    assert text != plan.after  # planned again from what is there now
    chat_only = set(re.findall(r"<string>([^<]+)</string>", other))
    assert chat_only <= set(re.findall(r"<string>([^<]+)</string>", text))


def test_report_init_and_xcode_use_the_same_plan_as_merge(tmp_path: Path) -> None:
    """The house reads as one: init writes exactly what merge writes for a missing file."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    ra = invoke(["merge", "PrivacyInfo.xcprivacy", "--sdk", "trtc", "--sdk", "tuicallkit"], cwd=a)
    rb = invoke(["init", "PrivacyInfo.xcprivacy", "--sdk", "trtc", "--sdk", "tuicallkit"], cwd=b)
    assert ra.returncode == rb.returncode == 0, ra.stderr + rb.stderr
    assert (a / "PrivacyInfo.xcprivacy").read_bytes() == (b / "PrivacyInfo.xcprivacy").read_bytes()


# -- defect 17: merge creating a missing manifest writes what init writes ----------------------


def test_merge_creating_a_manifest_writes_tracking_and_domains_as_init_does(tmp_path: Path) -> None:
    other = tmp_path / "Other.xcprivacy"  # declares neither NSPrivacyTracking nor its domains
    other.write_text(manifest(
        "\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array/>\n"
        "\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n\t\t<dict>\n"
        "\t\t\t<key>NSPrivacyAccessedAPIType</key>\n"
        "\t\t\t<string>NSPrivacyAccessedAPICategoryDiskSpace</string>\n"
        "\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n\t\t\t<array>\n"
        "\t\t\t\t<string>E174.1</string>\n\t\t\t</array>\n\t\t</dict>\n\t</array>\n"))
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", str(other)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "PrivacyInfo.xcprivacy").read_text()
    assert "<key>NSPrivacyTracking</key>\n\t<false/>" in text
    assert "<key>NSPrivacyTrackingDomains</key>" in text


# -- defect 1: pre-existing findings never block a merge --------------------------------------


@pytest.mark.parametrize("app_body,vendor_body,rule", [
    # the app claims tracking without domains; the vendor brings an empty domain list, which
    # changes the finding's wording ("absent" -> "empty") but not its rule or place
    ("\t<key>NSPrivacyTracking</key>\n\t<true/>\n",
     "\t<key>NSPrivacyTracking</key>\n\t<false/>\n\t<key>NSPrivacyTrackingDomains</key>\n"
     "\t<array/>\n",
     "tracking-without-domains"),
    # the app lists domains without tracking; the vendor says NSPrivacyTracking false
    ("\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n\t\t<string>ads.example.com</string>\n"
     "\t</array>\n",
     "\t<key>NSPrivacyTracking</key>\n\t<false/>\n\t<key>NSPrivacyAccessedAPITypes</key>\n"
     "\t<array>\n\t\t<dict>\n\t\t\t<key>NSPrivacyAccessedAPIType</key>\n"
     "\t\t\t<string>NSPrivacyAccessedAPICategoryDiskSpace</string>\n"
     "\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n\t\t\t<array>\n"
     "\t\t\t\t<string>E174.1</string>\n\t\t\t</array>\n\t\t</dict>\n\t</array>\n",
     "domains-without-tracking"),
])
def test_a_finding_the_app_already_had_never_blocks_the_merge(
        tmp_path: Path, app_body: str, vendor_body: str, rule: str) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(manifest(app_body))
    vendor = tmp_path / "vendor" / "PrivacyInfo.xcprivacy"
    vendor.parent.mkdir()
    vendor.write_text(manifest(vendor_body))
    lint_before = invoke(["lint", str(app)], cwd=tmp_path)
    assert f"[{rule}]" in lint_before.stdout  # it is the app's own finding
    r = invoke(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "written" in r.stdout and rule not in r.stderr
    assert app.read_text() != manifest(app_body)


def test_a_finding_the_merge_causes_still_blocks_it(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(manifest("\t<key>NSPrivacyTracking</key>\n\t<false/>\n"))
    vendor = tmp_path / "vendor.xcprivacy"
    vendor.write_text(manifest("\t<key>NSPrivacyTracking</key>\n\t<true/>\n"))
    r = invoke(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path)
    # the vendor's own error is reported once, at the vendor's file, and blocks the write
    assert r.returncode == 1
    assert r.stderr.count("[tracking-without-domains]") == 1
    assert f"{vendor}\n" in r.stderr
    assert "not written" in r.stdout


# -- defect 14: --diff prints and writes nothing -----------------------------------------------


def test_diff_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, app)
    before = app.read_bytes()
    r = invoke(["merge", str(app), "--manifest", TRTC_MANIFEST, "--diff"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"--- a/{app}") and "+\t\t\t\t<string>C56D.1</string>" in r.stdout
    assert app.read_bytes() == before
    assert "write" in invoke(["merge", "--help"]).stdout.split("--diff", 1)[1].split("--")[0]


# -- every diagnostic through the formatters; the registry's ignore/[severity] everywhere ------


def test_merge_format_github_prints_workflow_annotations(tmp_path: Path) -> None:
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", TRTC_MANIFEST, "--format", "github"],
               cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    notes = [ln for ln in r.stdout.splitlines() if ln.startswith("::")]
    assert notes and all(re.match(r"::(warning|error|notice) file=", ln) for ln in notes)
    assert any("title=sdk-only-reason" in ln for ln in notes)


def test_merge_format_sarif_and_json_are_machine_readable(tmp_path: Path) -> None:
    import json

    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", TRTC_MANIFEST, "-f", "sarif", "--diff"],
               cwd=tmp_path)
    sarif = json.loads(r.stdout)
    assert {x["ruleId"] for x in sarif["runs"][0]["results"]} == {"sdk-only-reason"}
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", TRTC_MANIFEST, "-f", "json"], cwd=tmp_path)
    data = json.loads(r.stdout)
    assert data["written"] and {d["rule"] for d in data["diagnostics"]} == {"sdk-only-reason"}


def test_ignore_silences_sdk_only_reason_in_merge(tmp_path: Path) -> None:
    (tmp_path / ".trtc-privacy.toml").write_text('ignore = ["sdk-only-reason"]\n')
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", TRTC_MANIFEST], cwd=tmp_path)
    assert r.returncode == 0 and "sdk-only-reason" not in r.stdout + r.stderr


def test_severity_error_makes_merge_exit_1(tmp_path: Path) -> None:
    (tmp_path / ".trtc-privacy.toml").write_text('[severity]\nsdk-only-reason = "error"\n')
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--manifest", TRTC_MANIFEST], cwd=tmp_path)
    assert r.returncode == 1
    assert "error" in r.stderr and "[sdk-only-reason]" in r.stderr
    assert not (tmp_path / "PrivacyInfo.xcprivacy").exists()


def test_severity_of_a_lockfile_finding_applies_to_merge(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "report" / "below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    (tmp_path / ".trtc-privacy.toml").write_text('ignore = ["below-minimum"]\n')
    r = invoke(["merge", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], cwd=tmp_path)
    assert r.returncode == 0 and "below-minimum" not in r.stderr
    r = invoke(["versions", "Podfile.lock"], cwd=tmp_path)
    assert "bundles no privacy manifest" not in r.stdout.split("\n\n", 1)[-1]


def test_below_minimum_is_made_once_per_place(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "report" / "below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    inputs = pipeline.gather(Config(), pipeline.Options("PrivacyInfo.xcprivacy",
                                                        lockfiles=["Podfile.lock"]))
    below = [d for d in inputs.diagnostics if d.rule == "below-minimum"]
    assert [(d.path, d.line, d.severity.value) for d in below] == [("Podfile.lock", 2, "warning")]
    inputs = pipeline.gather(Config(), pipeline.Options("PrivacyInfo.xcprivacy",
                                                        sdks=["trtc@10.0"]))
    below = [d for d in inputs.diagnostics if d.rule == "below-minimum"]
    assert [(d.path, d.line) for d in below] == [("--sdk", None)]


#: an SDK's manifest given with --manifest: the tool cannot tell its bundle ships it, so its
#: SDK-only reasons are folded in, with a warning naming it
TRTC_MANIFEST = str(REPO / "manifests" / "pods" / "TXLiteAVSDK_TRTC-11.7.xcprivacy")


def _sdk_only_places(plan: pipeline.MergePlan) -> Dict[str, int]:
    return {d.message.split()[0]: d.line or 0 for d in plan.result_findings
            if d.rule == "sdk-only-reason"}


def test_sdk_only_reason_has_one_producer_at_the_real_line(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, app)
    inputs = pipeline.gather(Config(), pipeline.Options(str(app), manifests=[TRTC_MANIFEST]))
    plan = pipeline.plan(inputs)
    assert [d.rule for d in plan.diagnostics()].count("sdk-only-reason") == 2
    lines = plan.after.splitlines()
    for code, line in _sdk_only_places(plan).items():
        assert f"<string>{code}</string>" in lines[line - 1]


def test_diff_check_and_write_place_the_results_findings_at_the_same_line_and_column(
        tmp_path: Path) -> None:
    """The SDK-only warnings of one set of inputs: --diff, --check and the writing merge name the
    same path:line:column, the place in the result where the reason stands."""
    import json

    places = {}
    for mode in ("--diff", "--check", None):
        work = tmp_path / (mode or "write").strip("-")
        work.mkdir()
        app = work / "PrivacyInfo.xcprivacy"
        shutil.copyfile(APP, app)
        args = ["merge", app.name, "--manifest", TRTC_MANIFEST, "-f", "json"]
        r = invoke(args + ([mode] if mode else []), cwd=work)
        found = [(d["path"], d["line"], d["column"], d["message"].split()[0])
                 for d in json.loads(r.stdout)["diagnostics"] if d["rule"] == "sdk-only-reason"]
        places[mode] = found
        if mode is None:
            lines = app.read_text().splitlines()
            for _, line, column, code in found:
                assert lines[line - 1].strip() == f"<string>{code}</string>"
                assert lines[line - 1].index("<") + 1 == column
    assert len(places[None]) == 2 and all(c for _, _, c, _ in places[None])
    assert places["--diff"] == places["--check"] == places[None]
