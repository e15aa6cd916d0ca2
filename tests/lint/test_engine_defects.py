"""Defects of the engine found by trying the released tool (issue 10: 2, 7, 13, 18).

Each test failed before its fix: padded identifiers linted clean and merged as exact matches,
one missing path hid every other file's findings, and tracking domains differing only in case
were kept as two hosts.
"""

from __future__ import annotations

import json
import plistlib
from pathlib import Path

import pytest
from helpers import run_cli

from trtc_privacy.cli import main

UD = "NSPrivacyAccessedAPICategoryUserDefaults"


def manifest(body: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n' + body
            + '\t<key>NSPrivacyCollectedDataTypes</key>\n\t<array/>\n</dict>\n</plist>\n')


def api(category: str, *reasons: str) -> str:
    rs = "".join(f"\t\t\t\t<string>{r}</string>\n" for r in reasons)
    return ("\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n\t\t<dict>\n"
            f"\t\t\t<key>NSPrivacyAccessedAPIType</key>\n\t\t\t<string>{category}</string>\n"
            f"\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n\t\t\t<array>\n{rs}"
            "\t\t\t</array>\n\t\t</dict>\n\t</array>\n")


def domains(*hosts: str) -> str:
    hs = "".join(f"\t\t<string>{h}</string>\n" for h in hosts)
    return ("\t<key>NSPrivacyTracking</key>\n\t<true/>\n"
            f"\t<key>NSPrivacyTrackingDomains</key>\n\t<array>\n{hs}\t</array>\n")


def lint_json(capsys: pytest.CaptureFixture, *args: str) -> tuple:
    rc = main(["lint", "--format", "json", *args])
    return rc, json.loads(capsys.readouterr().out)["diagnostics"]


# -- 2: identifiers padded with whitespace ------------------------------------------------------

@pytest.mark.parametrize("body,line,col", [
    (api(UD, " CA92.1"), 11, 5),
    (api(UD + "\n", "CA92.1"), 8, 4),
    (domains(" ads.example.com"), 8, 3),
])
def test_padded_identifier_is_an_error_at_the_string(tmp_path: Path, capsys, body: str,
                                                     line: int, col: int) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    p.write_text(manifest(body), encoding="utf-8")
    rc, diags = lint_json(capsys, str(p))
    assert rc == 1
    (d,) = [d for d in diags if d["rule"] == "padded-identifier"]
    assert (d["line"], d["column"], d["severity"]) == (line, col, "error")
    assert "whitespace" in d["message"]


def test_fix_strips_the_padding(tmp_path: Path, capsys) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    p.write_text(manifest(api(UD + "\n", " CA92.1", "CA92.1")), encoding="utf-8")
    assert main(["lint", "--fix", str(p)]) == 0, capsys.readouterr()
    data = plistlib.loads(p.read_bytes())
    assert data["NSPrivacyAccessedAPITypes"] == [
        {"NSPrivacyAccessedAPIType": UD, "NSPrivacyAccessedAPITypeReasons": ["CA92.1"]}]


def test_merge_does_not_take_a_padded_identifier_for_the_real_one(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(manifest(api(UD, " CA92.1")), encoding="utf-8")
    vendor = tmp_path / "vendor.xcprivacy"
    vendor.write_text(manifest(api(UD, "CA92.1")), encoding="utf-8")
    r = run_cli(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = plistlib.loads(app.read_bytes())
    reasons = data["NSPrivacyAccessedAPITypes"][0]["NSPrivacyAccessedAPITypeReasons"]
    assert "CA92.1" in reasons  # the vendor's exact code was added beside the padded one


def test_merge_adds_a_real_category_beside_a_padded_one(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(manifest(api(UD + "\n", "CA92.1")), encoding="utf-8")
    vendor = tmp_path / "vendor.xcprivacy"
    vendor.write_text(manifest(api(UD, "CA92.1")), encoding="utf-8")
    r = run_cli(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = plistlib.loads(app.read_bytes())
    assert {"NSPrivacyAccessedAPIType": UD, "NSPrivacyAccessedAPITypeReasons": ["CA92.1"]} \
        in data["NSPrivacyAccessedAPITypes"]


# -- 7: one bad path does not hide the others ---------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "xcode"])
def test_a_missing_path_is_a_finding_and_the_rest_are_linted(tmp_path: Path, capsys,
                                                           fmt: str) -> None:
    good = tmp_path / "a" / "PrivacyInfo.xcprivacy"
    good.parent.mkdir()
    good.write_text(manifest(api(UD, "CA92.2")), encoding="utf-8")  # an unknown reason
    missing = str(tmp_path / "b" / "PrivacyInfo.xcprivacy")
    rc = main(["lint", "--format", fmt, missing, str(good)])
    out = capsys.readouterr().out
    assert rc == 2
    assert "unknown-reason" in out and "file not found" in out and missing in out


def test_an_unreadable_file_is_a_finding_and_the_rest_are_linted(tmp_path: Path, capsys) -> None:
    good = tmp_path / "PrivacyInfo.xcprivacy"
    good.write_text(manifest(api(UD, "CA92.2")), encoding="utf-8")
    rc, diags = lint_json(capsys, str(good), str(tmp_path / "nope.xcprivacy"))
    assert rc == 2
    assert {d["rule"] for d in diags} >= {"unknown-reason", "unreadable"}


# -- 13: invalid-tracking-domain points at the offending string ---------------------------------

@pytest.mark.parametrize("body,line,col", [
    (domains("ok.example.com", "https://ads.example.com/x"), 9, 3),
    ("\t<key>NSPrivacyTracking</key>\n\t<true/>\n\t<key>NSPrivacyTrackingDomains</key>\n"
     "\t<array><string>ok.example.com</string><string>ads.example.com/x</string></array>\n",
     7, 40),
])
def test_invalid_tracking_domain_points_at_the_string(tmp_path: Path, capsys, body: str,
                                                      line: int, col: int) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    p.write_text(manifest(body), encoding="utf-8")
    _, diags = lint_json(capsys, str(p))
    (d,) = [d for d in diags if d["rule"] == "invalid-tracking-domain"]
    assert (d["line"], d["column"]) == (line, col)


# -- 18: tracking domains are host names: case does not count -----------------------------------

def test_domains_differing_in_case_are_duplicates(tmp_path: Path, capsys) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    p.write_text(manifest(domains("ADS.example.com", "ads.example.com")), encoding="utf-8")
    _, diags = lint_json(capsys, str(p))
    (d,) = [d for d in diags if d["rule"] == "duplicate-tracking-domain"]
    assert d["line"] == 9
    assert main(["lint", "--fix", str(p)]) == 0
    capsys.readouterr()
    assert plistlib.loads(p.read_bytes())["NSPrivacyTrackingDomains"] == ["ADS.example.com"]


def test_merge_folds_domains_differing_in_case_keeping_the_first_spelling(tmp_path: Path) -> None:
    app = tmp_path / "PrivacyInfo.xcprivacy"
    app.write_text(manifest(domains("ADS.example.com")), encoding="utf-8")
    vendor = tmp_path / "vendor.xcprivacy"
    vendor.write_text(manifest(domains("ads.example.com", "Other.Example.com",
                                       "other.example.com")), encoding="utf-8")
    r = run_cli(["merge", str(app), "--manifest", str(vendor)], cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    r = run_cli(["merge", str(app), "--manifest", str(vendor), "--allow-invalid"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert plistlib.loads(app.read_bytes())["NSPrivacyTrackingDomains"] == [
        "ADS.example.com", "Other.Example.com"]
