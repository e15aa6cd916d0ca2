"""Headless Chromium: render a page, and list what it tried to fetch."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import List, Optional

import pytest


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
