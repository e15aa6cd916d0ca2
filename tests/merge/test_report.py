"""`trtc-privacy report`: label answers, attribution, findings, golden JSON and Markdown.

The fixed input: the example app's manifest with ``--sdk trtc-professional@12.0 --sdk
TUICallKit_Swift/Professional@2.5.0`` (the kit, and the engine, TUICore and Chat SDK it pulls).
Regenerate the goldens after an intended change with
``TRTC_PRIVACY_UPDATE_GOLDEN=1 pytest tests/merge/test_report.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Dict, List

import pytest
from helpers import FIXTURES, REPO, invoke

from trtc_privacy import __version__
from trtc_privacy.knowledge.apple import vocabulary

EXAMPLE = REPO / "examples" / "VideoCallApp"
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "report"
HERE = FIXTURES / "report"
QUICK_START = ["VideoCallApp/PrivacyInfo.xcprivacy", "--sdk", "trtc-professional@12.0",
               "--sdk", "TUICallKit_Swift/Professional@2.5.0"]
TRTC, CALLKIT = "TXLiteAVSDK_Professional 12.0", "TUICallKit_Swift 2.5.0"
ENGINE, CORE = "TUICallEngine 2.5.0, via TUICallKit_Swift", "TUICore 9.0.7652, via TUICallKit_Swift"
IM = "TXIMSDK_Plus_iOS_XCFramework 8.4.6667, via TUICallEngine"
UPDATE = os.environ.get("TRTC_PRIVACY_UPDATE_GOLDEN") == "1"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A copy of the example app's manifest (only the manifest: no configuration, no lockfile)."""
    (tmp_path / "VideoCallApp").mkdir()
    shutil.copy(EXAMPLE / "VideoCallApp" / "PrivacyInfo.xcprivacy", tmp_path / "VideoCallApp")
    return tmp_path


def report_json(args: List[str], cwd: Path) -> Dict[str, Any]:
    proc = invoke(["report", *args, "--format", "json"], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def section(data: Dict[str, Any], key: str) -> Dict[str, Dict[str, Any]]:
    """Data types of one label section by label, with their category."""
    return {d["label"]: d for c in data["label"]["sections"][key]["categories"]
            for d in c["data_types"]}


def apis(data: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {a["label"]: a for a in data["required_reason_apis"]}


# -- golden files ------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """The tool's version changes with every release; the goldens say <VERSION>."""
    text = text.replace(f'"version": "{__version__}"', '"version": "<VERSION>"')
    return text.replace(f"trtc-privacy {__version__}", "trtc-privacy <VERSION>")


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    actual = _normalise(actual)
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"{path} is missing; run with TRTC_PRIVACY_UPDATE_GOLDEN=1 to create it")
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8"), (
        f"{name} differs from the golden file; if the change is intended, regenerate with "
        "TRTC_PRIVACY_UPDATE_GOLDEN=1")


def test_golden_json(app: Path) -> None:
    proc = invoke(["report", *QUICK_START, "--format", "json"], cwd=app)
    assert proc.returncode == 0, proc.stderr
    _golden("example.json", proc.stdout)


def test_golden_markdown(app: Path) -> None:
    proc = invoke(["report", *QUICK_START, "--markdown", "report.md"], cwd=app)
    assert proc.returncode == 0, proc.stderr
    assert "report.md: written" in proc.stderr
    _golden("example.md", (app / "report.md").read_text(encoding="utf-8"))


# -- what the report says about the example app --------------------------------------------------


def test_example_label_answers(app: Path) -> None:
    data = report_json(QUICK_START, app)
    tracking = data["label"]["tracking"]
    assert tracking["enabled"] is False and tracking["declared_by"] == []
    # TRTC's manifest (Tencent's page) omits the key
    assert tracking["stated_false_by"] == ["app", CALLKIT, ENGINE, CORE, IM]
    assert tracking["domains"] == []
    assert section(data, "used_to_track_you") == {}
    linked = section(data, "linked_to_you")
    assert list(linked) == ["Email Address"]
    assert linked["Email Address"]["category"] == "Contact Info"
    assert linked["Email Address"]["linked_by"] == ["app"]
    not_linked = section(data, "not_linked_to_you")
    assert [c["category"] for c in
            data["label"]["sections"]["not_linked_to_you"]["categories"]] == \
        ["User Content", "Identifiers", "Diagnostics"]
    assert set(not_linked) == {"Photos or Videos", "Audio Data", "User ID", "Performance Data",
                               "Other Diagnostic Data"}
    assert not_linked["User ID"]["declared_by"] == [TRTC, CALLKIT, ENGINE, CORE]
    assert not_linked["Audio Data"]["declared_by"] == [TRTC]
    assert [(p["label"], p["declared_by"]) for p in not_linked["User ID"]["purposes"]] == [
        ("Product Personalization", [CORE]), ("App Functionality", [TRTC, CALLKIT, ENGINE])]
    assert data["label"]["sections"]["not_linked_to_you"]["by_purpose"] == [{
        "id": "NSPrivacyCollectedDataTypePurposeProductPersonalization",
        "label": "Product Personalization", "categories": ["Identifiers"]}, {
        "id": "NSPrivacyCollectedDataTypePurposeAppFunctionality", "label": "App Functionality",
        "categories": ["User Content", "Identifiers", "Diagnostics"]}]


def test_example_required_reason_apis(app: Path) -> None:
    a = apis(report_json(QUICK_START, app))
    assert list(a) == ["File timestamp APIs", "System boot time APIs", "Disk space APIs",
                       "User defaults APIs"]
    defaults = {r["code"]: r for r in a["User defaults APIs"]["reasons"]}
    assert a["User defaults APIs"]["declared_by"] == ["app", TRTC, CALLKIT, ENGINE, CORE, IM]
    assert defaults["CA92.1"]["declared_by"] == ["app", CALLKIT, ENGINE, CORE, IM]
    assert defaults["C56D.1"]["declared_by"] == [TRTC]
    assert defaults["C56D.1"]["sdk_only"] is True and defaults["CA92.1"]["sdk_only"] is False
    assert defaults["CA92.1"]["meaning"] == vocabulary().reasons["CA92.1"].summary
    assert a["Disk space APIs"]["reasons"][0]["declared_by"] == [TRTC, ENGINE, IM]
    assert a["File timestamp APIs"]["declared_by"] == [TRTC, IM]


def test_every_line_is_attributed(app: Path) -> None:
    data = report_json(QUICK_START, app)
    labels = {s["label"] for s in data["sources"]}
    seen = 0
    for key in ("used_to_track_you", "linked_to_you", "not_linked_to_you"):
        for d in section(data, key).values():
            for who in [d["declared_by"]] + [p["declared_by"] for p in d["purposes"]]:
                assert who and set(who) <= labels
                seen += 1
    for a in data["required_reason_apis"]:
        for who in [a["declared_by"]] + [r["declared_by"] for r in a["reasons"]]:
            assert who and set(who) <= labels
            seen += 1
    assert seen == 13 + 10


def test_example_tool_inputs_and_catalogue(app: Path) -> None:
    data = report_json(QUICK_START, app)
    assert data["tool"] == {"name": "trtc-privacy", "version": __version__}
    assert data["catalogue"]["read_on"] == vocabulary().read_on
    assert [(s["label"], s["kind"]) for s in data["sources"]] == \
        [("app", "app"), (TRTC, "sdk"), (CALLKIT, "sdk"), (ENGINE, "sdk"), (CORE, "sdk"),
         (IM, "sdk")]
    trtc = data["sources"][1]
    assert (trtc["pod"], trtc["version"], trtc["catalogue_manifest"], trtc["from"]) == \
        ("TXLiteAVSDK_Professional", "12.0", "TXLiteAVSDK_Professional-11.7", "--sdk")
    engine = data["sources"][3]
    assert (engine["status"], engine["catalogue_manifest"]) == \
        ("content-unknown", "TUICallKit-2.3.0.920-documented")
    # the SDK-only reasons stay in TXLiteAVSDK_Professional's own manifest: no warning
    assert [f["rule"] for f in data["findings"]] == ["manifest-content-unknown"]


def test_report_never_writes_the_app_manifest(app: Path) -> None:
    manifest = app / "VideoCallApp" / "PrivacyInfo.xcprivacy"
    before, mtime = manifest.read_bytes(), manifest.stat().st_mtime_ns
    proc = invoke(["report", *QUICK_START, "--html", "r.html", "--markdown", "r.md"], cwd=app)
    assert proc.returncode == 0, proc.stderr
    assert manifest.read_bytes() == before and manifest.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in app.iterdir()) == ["VideoCallApp", "r.html", "r.md"]


def test_configuration_and_lockfile_like_merge(tmp_path: Path) -> None:
    """In the example's directory its .trtc-privacy.toml names the manifest and Podfile.lock."""
    shutil.copytree(EXAMPLE, tmp_path / "app")
    data = report_json([], tmp_path / "app")
    assert data["app_manifest"] == "VideoCallApp/PrivacyInfo.xcprivacy"
    assert data["config"] == ".trtc-privacy.toml"
    assert data["lockfiles"] == ["Podfile.lock"]
    sdks = [s for s in data["sources"] if s["kind"] == "sdk"]
    assert [(s["pod"], s["from"]) for s in sdks] == [
        ("TUICallEngine", "lockfile"), ("TUICallKit_Swift", "lockfile"), ("TUICore", "lockfile"),
        ("TXIMSDK_Plus_iOS_XCFramework", "lockfile"), ("TXLiteAVSDK_Professional", "lockfile")]
    assert all(s["label"].split("/")[0].split()[0] == s["pod"] for s in sdks)
    assert {r["status"] for r in data["lockfile_sdks"]} == {"ok", "content-unknown"}


def test_configured_sdks_are_reported_where_the_configuration_names_them(tmp_path: Path) -> None:
    """The configuration fills in what is not given by the one rule merge uses, so a finding
    about a configured SDK points at the configuration's line, as merge's does (not --sdk)."""
    shutil.copy(HERE / "empty.xcprivacy", tmp_path / "PrivacyInfo.xcprivacy")
    (tmp_path / ".trtc-privacy.toml").write_text(
        'app-manifest = "PrivacyInfo.xcprivacy"\nsdks = ["trtc@9.0"]\n')
    data = report_json([], tmp_path)
    below = [(f["path"], f["line"]) for f in data["findings"] if f["rule"] == "below-minimum"]
    merged = invoke(["merge", "--diff"], cwd=tmp_path)
    assert below == [(".trtc-privacy.toml", 2)]
    assert merged.stderr.startswith(".trtc-privacy.toml\n  2  warning "), merged.stderr
    (tmp_path / ".trtc-privacy.toml").write_text(
        'app-manifest = "PrivacyInfo.xcprivacy"\nsdks = ["nosuch"]\n')
    unknown = invoke(["report", "-f", "json"], cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith(".trtc-privacy.toml:2: error: unknown product"), \
        unknown.stderr
    (tmp_path / ".trtc-privacy.toml").write_text('sdks = ["trtc"]\n')
    no_app = invoke(["report", "-f", "json"], cwd=tmp_path)
    assert no_app.returncode == 2
    assert no_app.stderr.startswith("report: error: no APP_MANIFEST given"), no_app.stderr


def test_versions_findings_for_a_lockfile(tmp_path: Path) -> None:
    shutil.copy(HERE / "below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    shutil.copy(HERE / "empty.xcprivacy", tmp_path / "PrivacyInfo.xcprivacy")
    data = report_json(["PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock"], tmp_path)
    below = [f for f in data["findings"] if f["rule"] == "below-minimum"]
    # versions reports it once, at the lockfile line; merge's own "--sdk" copy is not repeated
    assert [(f["path"], f["line"], f["severity"]) for f in below] == [("Podfile.lock", 2, "error")]
    assert data["findings"][0]["rule"] == "below-minimum"  # errors first
    assert data["summary"]["errors"] == 1
    assert data["sources"][1]["below_minimum"] is True
    assert data["lockfile_sdks"][0]["status"] == "below-minimum"
    md = invoke(["report", "PrivacyInfo.xcprivacy", "--lockfile", "Podfile.lock",
                  "--markdown", "-"], cwd=tmp_path).stdout
    assert "| error | Podfile.lock:2 |" in md
    assert "**none (declare TXLiteAVSDK\\_Professional-11.7)**" in md


def test_lint_findings_point_at_real_lines(tmp_path: Path) -> None:
    shutil.copy(HERE / "hostile.xcprivacy", tmp_path / "PrivacyInfo.xcprivacy")
    data = report_json(["PrivacyInfo.xcprivacy"], tmp_path)
    by_rule = {f["rule"]: f for f in data["findings"]}
    assert by_rule["unknown-purpose"]["path"] == "PrivacyInfo.xcprivacy"
    assert by_rule["unknown-purpose"]["line"] == 21
    assert "unknown-reason" in by_rule
    assert data["summary"]["errors"] >= 3


def test_nothing_collected(tmp_path: Path) -> None:
    shutil.copy(HERE / "empty.xcprivacy", tmp_path / "PrivacyInfo.xcprivacy")
    data = report_json(["PrivacyInfo.xcprivacy"], tmp_path)
    assert data["label"]["data_collected"] is False
    assert data["required_reason_apis"] == []
    md = invoke(["report", "PrivacyInfo.xcprivacy", "--markdown", "-"], cwd=tmp_path).stdout
    assert "**Data Not Collected**" in md
    html = invoke(["report", "PrivacyInfo.xcprivacy", "--html", "-"], cwd=tmp_path).stdout
    assert "Data Not Collected" in html


# -- hostile strings ---------------------------------------------------------------------------


def test_script_in_a_manifest_is_text_in_html_and_markdown(tmp_path: Path) -> None:
    shutil.copy(HERE / "hostile.xcprivacy", tmp_path / "PrivacyInfo.xcprivacy")
    proc = invoke(["report", "PrivacyInfo.xcprivacy", "--html", "r.html", "--markdown", "r.md"],
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "<script" not in text.lower()
        assert "<img" not in text.lower()
        assert "&lt;script&gt;alert(" in text  # shown, as text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
    # a "|" or "[...](...)" in a manifest string does not break a Markdown table or make a link
    assert "\\| broken \\[link\\](http://evil.example)" in md
    tables = re.findall(r"((?:^\|.*\n)+)", md, flags=re.M)
    assert tables
    for table in tables:
        widths = {len(re.split(r"(?<!\\)\|", row)) for row in table.splitlines()}
        assert len(widths) == 1, table  # every row has as many cells as the header


# -- usage -------------------------------------------------------------------------------------


def test_an_output_is_required(app: Path) -> None:
    proc = invoke(["report", *QUICK_START], cwd=app)
    assert proc.returncode == 2
    assert "--html PATH, --markdown PATH or --format FORMAT" in proc.stderr


def test_unknown_format(app: Path) -> None:
    proc = invoke(["report", *QUICK_START, "--format", "yaml"], cwd=app)
    assert proc.returncode == 2
    assert "hint: this command prints text, json, markdown or html" in proc.stderr


def test_malformed_manifest_is_exit_2_with_a_location(tmp_path: Path) -> None:
    shutil.copy(HERE / "broken.xcprivacy", tmp_path / "PrivacyInfo.xcprivacy")
    proc = invoke(["report", "PrivacyInfo.xcprivacy", "--html", "r.html"], cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("PrivacyInfo.xcprivacy:1:1: error: ")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r.html").exists()


def test_unknown_product_is_exit_2(app: Path) -> None:
    proc = invoke(["report", "VideoCallApp/PrivacyInfo.xcprivacy", "--sdk", "nosuchsdk",
                    "--format", "json"], cwd=app)
    assert proc.returncode == 2 and 'unknown product or pod "nosuchsdk"' in proc.stderr
    assert proc.stdout == ""


def test_markdown_to_stdout_for_step_summaries(app: Path) -> None:
    proc = invoke(["report", *QUICK_START, "--markdown", "-"], cwd=app)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("## Privacy report for `VideoCallApp/PrivacyInfo.xcprivacy`")
