"""The HTML report in a real browser: headless Chromium renders it, screenshots it, and fetches
nothing from the network.

The screenshot is written to ``docs/report.png`` (shown in the README) when that file is missing
or ``TRTC_PRIVACY_UPDATE_GOLDEN=1`` is set. Needs Debian's ``chromium`` package; skips without it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import REPO, run_cli
from helpers.browser import chromium, page_requests

EXAMPLE = REPO / "examples" / "VideoCallApp"
SCREENSHOT = REPO / "docs" / "report.png"
UPDATE = os.environ.get("TRTC_PRIVACY_UPDATE_GOLDEN") == "1"
QUICK_START = ["VideoCallApp/PrivacyInfo.xcprivacy", "--sdk", "trtc-professional@12.0",
               "--sdk", "TUICallKit_Swift/Professional@2.5.0"]


@pytest.fixture
def report_html(tmp_path: Path) -> Path:
    (tmp_path / "VideoCallApp").mkdir()
    shutil.copy(EXAMPLE / "VideoCallApp" / "PrivacyInfo.xcprivacy", tmp_path / "VideoCallApp")
    proc = run_cli(["report", *QUICK_START, "--html", "report.html"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "report.html"


def test_html_is_self_contained(report_html: Path) -> None:
    html = report_html.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    lowered = html.lower()
    for banned in ("<script", "<link", "<img", "<iframe", "@import", "url(", " src=",
                   "srcset", "@font-face"):
        assert banned not in lowered, banned
    assert "<style>" in html and '<html lang="en">' in html
    assert 'name="viewport"' in html and "@media print" in html
    assert re.search(r"<caption>", html) and '<th scope="col">' in html
    assert '<th scope="row">' in html and '<th scope="rowgroup"' in html


def test_chromium_renders_the_report_without_network(report_html: Path, tmp_path: Path) -> None:
    net = tmp_path / "net.json"
    shot = tmp_path / "report.png"
    chromium(tmp_path, report_html, "--window-size=1000,1500", f"--screenshot={shot}",
             netlog=net)
    assert page_requests(net) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 1500)
    assert len(data) > 30_000  # a blank page compresses to a few kilobytes
    if UPDATE or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copy(shot, SCREENSHOT)

    # the same page with its Content-Security-Policy removed fetches nothing either, so the
    # page itself is self-contained (the policy is only a second line of defence)
    bare = tmp_path / "bare.html"
    bare.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                           report_html.read_text(encoding="utf-8")), encoding="utf-8")
    net2 = tmp_path / "net2.json"
    chromium(tmp_path, bare, "--dump-dom", netlog=net2)
    assert page_requests(net2) == []


def test_chromium_sees_the_report_text(report_html: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path, report_html, "--dump-dom")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom))
    for expected in (
        "Privacy report", "App Store privacy label", "Data Used to Track You",
        "Data Linked to You", "Data Not Linked to You", "Email Address", "Contact Info",
        "Photos or Videos", "User ID", "Identifiers", "Required-reason APIs",
        "User defaults APIs", "C56D.1", "for third-party SDKs only",
        "TXLiteAVSDK_Professional 12.0", "TUICallKit_Swift 2.5.0",
        "the catalogue's TXLiteAVSDK_Professional-11.7", "TUICallEngine 2.5.0, via TUICallKit_Swift",
        "Read and write information that is only accessible to the app itself.",
        "stay in the SDK's own manifest", "read on 2026-11-01",
    ):
        assert expected in text, expected
    assert re.search(r"Does the app track people \( NSPrivacyTracking \)\? No", text)


def test_network_check_catches_a_page_that_fetches(tmp_path: Path) -> None:
    """The check above can fail: a page with a remote image and stylesheet is caught."""
    page = tmp_path / "fetching.html"
    page.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" '
                    'href="http://127.0.0.1:9/x.css"></head><body>'
                    '<img src="http://127.0.0.1:9/x.png" alt=""></body></html>', encoding="utf-8")
    net = tmp_path / "net.json"
    chromium(tmp_path, page, "--dump-dom", netlog=net)
    assert set(page_requests(net)) == {"http://127.0.0.1:9/x.css", "http://127.0.0.1:9/x.png"}
