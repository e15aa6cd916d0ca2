"""A project tree and the build environment Xcode gives a Run Script phase."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
from pathlib import Path
from typing import Dict, Optional, Tuple

from helpers import FIXTURES, run_cli

# Xcode's issue format (as SwiftLint's XcodeReporter writes it): line and column are optional.
XCODE_ISSUE = re.compile(r"^(/[^:\n]+)(?::(\d+))?(?::(\d+))?: (error|warning|note): (.+)$")


SDKS = 'sdks = ["trtc-professional@12.0", "tuicallkit@2.5.0"]\n'


def make_project(root: Path, config: str = "") -> Dict[str, str]:
    """A project tree and the environment Xcode would give its Run Script phase."""
    src = root / "VideoApp"
    (src / "App").mkdir(parents=True)
    shutil.copy(FIXTURES / "xcode" / "PrivacyInfo.xcprivacy", src / "App" / "PrivacyInfo.xcprivacy")
    (src / "App" / "Info.plist").write_text("<plist/>\n")
    (src / ".trtc-privacy.toml").write_text('app-manifest = "App/PrivacyInfo.xcprivacy"\n' + SDKS
                                            + config)
    products = root / "DerivedData" / "Build" / "Products" / "Debug-iphonesimulator"
    (products / "App.app").mkdir(parents=True)
    return {
        "SRCROOT": str(src),
        "PROJECT_DIR": str(src),
        "TARGET_BUILD_DIR": str(products),
        "UNLOCALIZED_RESOURCES_FOLDER_PATH": "App.app",
        "CONFIGURATION": "Debug",
        "PRODUCT_NAME": "App",
        "TARGET_NAME": "App",
        "INFOPLIST_FILE": "App/Info.plist",
        "SCRIPT_INPUT_FILE_COUNT": "0",
        "SCRIPT_OUTPUT_FILE_COUNT": "0",
    }


def product_manifest(env: Dict[str, str]) -> Path:
    return Path(env["TARGET_BUILD_DIR"]) / env["UNLOCALIZED_RESOURCES_FOLDER_PATH"] / \
        "PrivacyInfo.xcprivacy"


def snapshot(root: Path) -> Dict[str, Tuple[int, bytes]]:
    """Every file under root with its mtime and bytes: what "touched nothing" is checked against."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = (p.stat().st_mtime_ns, p.read_bytes())
    return out


def xcode(env: Dict[str, str], *args: str, cwd: Optional[Path] = None):
    return run_cli(["xcode", *args], cwd=cwd or env["SRCROOT"], env=env)


def issues(stderr: str):
    return [m.groups() for m in map(XCODE_ISSUE.match, stderr.splitlines()) if m]


def categories(path: Path) -> Dict[str, list]:
    data = plistlib.loads(path.read_bytes())
    return {a["NSPrivacyAccessedAPIType"]: a["NSPrivacyAccessedAPITypeReasons"]
            for a in data["NSPrivacyAccessedAPITypes"]}
