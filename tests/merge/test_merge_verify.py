"""The merge's last line of defence: what the writer produced is re-read before anything is
written, and a writer bug (text that does not parse, breaks the grammar, repeats a key or
declares something other than the merge result) stops the run with exit 2 and the file as it was.

The writer is replaced here by broken ones; the real writer never produces such text.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest
from helpers import FIXTURES, invoke

from trtc_privacy.manifest import writer

APP = FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy"
VENDOR = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n'
          "\t<key>NSPrivacyTracking</key>\n\t<true/>\n"
          "\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n"
          "\t\t<string>new.vendor.example.com</string>\n\t</array>\n</dict>\n</plist>\n")


def _drop_added_domain(text: str) -> str:
    return text.replace("\t\t<string>new.vendor.example.com</string>\n", "", 1)


def _cut_the_end(text: str) -> str:
    return text[:text.rindex("</plist>")]


def _key_without_value(text: str) -> str:
    return text.replace("</dict>\n</plist>", "\t<key>Dangling</key>\n</dict>\n</plist>")


def _repeat_a_key(text: str) -> str:
    return text.replace("</dict>\n</plist>", "\t<key>NSPrivacyTracking</key>\n\t<false/>\n"
                        "</dict>\n</plist>")


def _add_a_domain(text: str) -> str:
    return text.replace("<string>new.vendor.example.com</string>",
                        "<string>new.vendor.example.com</string><string>x.example</string>")


@pytest.mark.parametrize("bug, says", [
    (_drop_added_domain, "differs from the merge result"),
    (_add_a_domain, "differs from the merge result"),
    (_cut_the_end, "does not read back"),
    (_key_without_value, "does not read back"),
    (_repeat_a_key, "does not read back"),
])
def test_a_writer_bug_writes_nothing_and_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 bug: Callable[[str], str], says: str) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, app)
    vendor = tmp_path / "vendor.xcprivacy"
    vendor.write_text(VENDOR)
    real = writer.apply
    # the real edit must add the vendor's domain, or the broken ones below break nothing
    good = invoke(["merge", str(app), "--manifest", str(vendor), "--diff"], cwd=tmp_path)
    assert "+\t\t<string>new.vendor.example.com</string>" in good.stdout, good.stdout

    monkeypatch.setattr(writer, "apply", lambda doc, target, editor=None:
                        bug(real(doc, target, editor)))
    before = app.read_bytes()
    r = invoke(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "internal error" in r.stderr and says in r.stderr, r.stderr
    assert str(app) in r.stderr
    assert app.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["PrivacyInfo.xcprivacy",
                                                          "vendor.xcprivacy"]
