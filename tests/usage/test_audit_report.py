"""``report`` on a built artifact: every bundle, what it declares and was found to use, and the
App Store label aggregated across bundles, in JSON, Markdown and HTML (rendered by headless
Chromium, which also takes docs/audit-report.png when it is missing or
TRTC_PRIVACY_UPDATE_GOLDEN=1 is set)."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Dict

import pytest
from helpers import REPO
from helpers.browser import chromium, page_requests

from trtc_privacy.cli import main

SCREENSHOT = REPO / "docs" / "audit-report.png"
UPDATE = os.environ.get("TRTC_PRIVACY_UPDATE_GOLDEN") == "1"
@pytest.fixture
def arts(audit_artifacts: Dict[str, Path]) -> Dict[str, Path]:
    return audit_artifacts


BUNDLES = ["Demo.app", "Frameworks/Alamofire.framework", "Frameworks/Clean.framework",
           "Frameworks/DGCharts.framework", "Frameworks/RR.framework", "PlugIns/Share.appex",
           "PlugIns/Share.appex/Frameworks/ShareKit.framework"]


def test_json_report_of_an_ipa(arts: Dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(arts["ipa"]), "--format", "json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert [b["bundle"] for b in r["bundles"]] == BUNDLES
    assert r["artifact"] == {"path": str(arts["ipa"]), "kind": "ipa", "signatures": "Signatures"}
    # the label aggregates every manifest, resource bundles included (as Xcode's report does)
    [contact] = r["label"]["sections"]["not_linked_to_you"]["categories"]
    assert contact["data_types"][0]["id"] == "NSPrivacyCollectedDataTypeEmailAddress"
    assert contact["data_types"][0]["declared_by"] == ["Demo.app"]
    apis = {a["id"]: a for a in r["required_reason_apis"]}
    assert apis["NSPrivacyAccessedAPICategorySystemBootTime"]["declared_by"] == [
        "TUICallKit_Privacy.bundle", "PlugIns/Share.appex"]
    rr = next(b for b in r["bundles"] if b["bundle"] == "Frameworks/RR.framework")
    boot = next(a for a in rr["apis"] if a["id"] == "NSPrivacyAccessedAPICategorySystemBootTime")
    assert boot["used"] and not boot["declared"]
    assert boot["evidence"] == ["_mach_absolute_time", "systemUptime"]
    assert r["summary"]["errors"] == 5 and r["summary"]["warnings"] == 3
    assert {f["rule"] for f in r["findings"]} >= {"api-not-declared", "sdk-without-manifest",
                                                 "sdk-signature-missing"}


def test_markdown_report_lists_every_bundle(arts: Dict[str, Path],
                                            capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(arts["xcarchive"]), "--markdown", "-"]) == 0
    md = capsys.readouterr().out
    assert "### Bundles" in md and "&#39;" not in md
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    for b in BUNDLES:
        assert any(line.startswith(f"| `{b}`") for line in rows), b
    assert "**declared only in TUICallKit\\_Privacy.bundle/PrivacyInfo.xcprivacy**" in md
    assert "signatures-unknown" in md and "from `audit` of the same artifact" in md


def test_report_options_for_manifests_are_refused_with_an_artifact(
        arts: Dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert main(["report", str(arts["ipa"]), "--sdk", "trtc", "--format", "json"]) == 2
    assert "a built artifact already holds every manifest" in capsys.readouterr().err


def test_html_report_of_an_ipa_in_chromium(arts: Dict[str, Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    page = tmp_path / "audit.html"
    monkeypatch.chdir(arts["ipa"].parent)  # the page names the .ipa as the user typed it
    assert main(["report", "Demo.ipa", "--html", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    for banned in ("<script", "<link", "<img", " src="):
        assert banned not in html.lower()
    dom = chromium(tmp_path, page, "--dump-dom")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    for expected in ["Bundles", "7 bundles", "on Apple's SDK list as Charts", "no manifest",
                     "declared only in TUICallKit_Privacy.bundle/PrivacyInfo.xcprivacy",
                     "Frameworks/RR.framework/RR", "_mach_absolute_time", "Email Address",
                     "ITMS-91053", "ITMS-91061", "ITMS-91065", "Data Not Linked to You"] + BUNDLES:
        assert expected in text, expected
    net = tmp_path / "net.json"
    shot = tmp_path / "audit-report.png"
    chromium(tmp_path, page, "--window-size=1200,3300", f"--screenshot={shot}", netlog=net)
    assert page_requests(net) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000
    if UPDATE or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOT)
