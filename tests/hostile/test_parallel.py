"""Parallel builds: eight merges into one app manifest at once lose nobody's contribution."""

from __future__ import annotations

import os
import plistlib
import subprocess
import sys
from pathlib import Path
from typing import List

from helpers import hostile_documents as hostile

#: Eight data types, one per parallel "target"; each third-party manifest declares one of them.
DATA_TYPES = ["Name", "EmailAddress", "PhoneNumber", "PhysicalAddress", "DeviceID", "UserID",
              "CrashData", "PerformanceData"]
APP = hostile.XML_DECL + hostile.APPLE_DOCTYPE + """<plist version="1.0">
<dict>
\t<key>NSPrivacyAccessedAPITypes</key>
\t<array>
\t\t<dict>
\t\t\t<key>NSPrivacyAccessedAPIType</key>
\t\t\t<string>NSPrivacyAccessedAPICategoryUserDefaults</string>
\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>
\t\t\t<array>
\t\t\t\t<string>CA92.1</string>
\t\t\t</array>
\t\t</dict>
\t</array>
</dict>
</plist>
"""


def vendor(kind: str) -> str:
    return hostile.XML_DECL + hostile.APPLE_DOCTYPE + f"""<plist version="1.0">
<dict>
\t<key>NSPrivacyCollectedDataTypes</key>
\t<array>
\t\t<dict>
\t\t\t<key>NSPrivacyCollectedDataType</key>
\t\t\t<string>NSPrivacyCollectedDataType{kind}</string>
\t\t\t<key>NSPrivacyCollectedDataTypeLinked</key>
\t\t\t<false/>
\t\t\t<key>NSPrivacyCollectedDataTypeTracking</key>
\t\t\t<false/>
\t\t\t<key>NSPrivacyCollectedDataTypePurposes</key>
\t\t\t<array>
\t\t\t\t<string>NSPrivacyCollectedDataTypePurposeAppFunctionality</string>
\t\t\t</array>
\t\t</dict>
\t</array>
</dict>
</plist>
"""


def _start_all(app: Path, vendors: List[Path], cwd: Path) -> List[subprocess.Popen]:
    """Start every merge before waiting for any: their reads and writes overlap."""
    env = dict(os.environ, NO_COLOR="1")
    return [subprocess.Popen([sys.executable, "-m", "trtc_privacy", "merge", str(app),
                              "--manifest", str(v)], cwd=cwd, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for v in vendors]


def test_eight_parallel_merges_keep_all_eight_contributions(tmp_path: Path) -> None:
    vendors = []
    for kind in DATA_TYPES:
        v = tmp_path / "sdks" / kind / "PrivacyInfo.xcprivacy"
        v.parent.mkdir(parents=True)
        v.write_text(vendor(kind), encoding="utf-8")
        vendors.append(v)
    app_dir = tmp_path / "App"
    app_dir.mkdir()
    app = app_dir / "PrivacyInfo.xcprivacy"
    for round_ in range(3):  # races are probabilistic: three rounds of eight
        app.write_text(APP, encoding="utf-8")
        procs = _start_all(app, vendors, tmp_path)
        results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        for rc, out, err in results:
            assert rc == 0, (round_, out, err)
            assert "Traceback" not in err
        data = plistlib.loads(app.read_bytes())  # well-formed, a property list
        declared = [d["NSPrivacyCollectedDataType"] for d in data["NSPrivacyCollectedDataTypes"]]
        assert sorted(declared) == sorted(f"NSPrivacyCollectedDataType{k}" for k in DATA_TYPES)
        assert data["NSPrivacyAccessedAPITypes"][0]["NSPrivacyAccessedAPITypeReasons"] == ["CA92.1"]
        assert os.listdir(app_dir) == ["PrivacyInfo.xcprivacy"]  # no temporary files left
        # every run wrote its own addition on top of the file the previous one left
        assert all(out.rstrip().endswith(": written") for _, out, _ in results), results
