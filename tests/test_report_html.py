"""The HTML report in a real browser: headless Chromium renders it, screenshots it, and fetches
nothing from the network.

The screenshot is written to ``docs/report.png`` (shown in the README) when that file is missing
or ``TRTC_PRIVACY_UPDATE_GOLDEN=1`` is set. Needs Debian's ``chromium`` package; skips without it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest

from conftest import REPO, run_cli

EXAMPLE = REPO / "examples" / "VideoCallApp"
SCREENSHOT = REPO / "docs" / "report.png"
UPDATE = os.environ.get("TRTC_PRIVACY_UPDATE_GOLDEN") == "1"
QUICK_START = ["VideoCallApp/PrivacyInfo.xcprivacy", "--sdk", "trtc-professional@12.0",
               "--sdk", "tuicallkit@2.5.0"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium)")
    raise AssertionError  # unreachable


def chromium(tmp_path: Path, page: Path, *args: str, netlog: Optional[Path] = None) -> str:
    """Run headless Chromium on a local page, as root-safe as CI needs; return its stdout."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    cmd: List[str] = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-default-apps", "--hide-scrollbars",
        "--force-device-scale-factor=1", f"--user-data-dir={profile}",
    ]
    if netlog is not None:
        cmd.append(f"--log-net-log={netlog}")
    proc = subprocess.run(cmd + list(args) + [page.as_uri()], capture_output=True, text=True,
                          timeout=180, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def page_requests(netlog: Path) -> List[str]:
    """URLs the page asked the network stack for.

    Chromium logs every URL request it starts. Its own background traffic (time sync, component
    updates, sign-in) has no initiating document ("not an origin"); anything a page loads (an
    image, a stylesheet, a font) names the page's origin as initiator or isolation key. A
    file:// page itself never reaches the network stack.
    """
    log = json.loads(netlog.read_text(encoding="utf-8"))
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    out = []
    for e in log["events"]:
        p = e.get("params") or {}
        if types.get(e["type"]) != "URL_REQUEST_START_JOB" or "url" not in p:
            continue
        if p.get("initiator") == "not an origin" and "file://" not in \
                str(p.get("network_isolation_key", "")):
            continue
        out.append(p["url"])
    return out


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
        "TXLiteAVSDK_Professional 12.0", "TUICallKit_Swift 2.5.0", "Tencent's template for 11.7",
        "Read and write information that is only accessible to the app itself.",
        "sdk-only-reason", "read on 2026-11-01",
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
