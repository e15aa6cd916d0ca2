"""Bad, hostile and binary inputs to merge: exit 2, PATH:LINE:COL, and the app's file untouched."""

from __future__ import annotations

import os
import plistlib
import re
import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, invoke

APP = FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@pytest.fixture
def app(tmp_path: Path) -> Path:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(APP, p)
    return p


def _refused(app: Path, args: list, where: str) -> str:
    before = app.read_bytes()
    stamp = os.stat(app).st_mtime_ns
    r = invoke(["merge", str(app), *args], cwd=app.parent)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert re.search(rf"{re.escape(where)}(:\d+)?(:\d+)?: error: ", r.stderr), r.stderr
    assert app.read_bytes() == before and os.stat(app).st_mtime_ns == stamp
    assert sorted(os.listdir(app.parent)) == sorted(set(os.listdir(app.parent)))
    return r.stderr


def _write(tmp_path: Path, name: str, data) -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def test_malformed_input_names_file_line_and_column(app: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path, "Other.xcprivacy", HEAD + "<plist version=\"1.0\">\n<dict>\n"
                 "\t<key>NSPrivacyTracking</key>\n\t<true\n</dict>\n</plist>\n")
    err = _refused(app, ["--manifest", str(bad)], str(bad))
    assert f"{bad}:6:1: error: not well-formed XML" in err


def test_malformed_app_manifest_is_left_as_it_was(tmp_path: Path) -> None:
    app = _write(tmp_path, "PrivacyInfo.xcprivacy", "\n" + APP.read_text())
    err = _refused(app, ["--sdk", "trtc"], str(app))
    assert f"{app}:2:" in err


def test_xxe_is_refused_and_the_file_is_never_read(app: Path, tmp_path: Path) -> None:
    secret = _write(tmp_path, "secret.txt", "TOP-SECRET-VALUE")
    evil = _write(tmp_path, "evil.xcprivacy", HEAD + f'<!DOCTYPE plist [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                  "<plist version=\"1.0\"><dict><key>NSPrivacyTrackingDomains</key>"
                  "<array><string>&x;</string></array></dict></plist>\n")
    err = _refused(app, ["--manifest", str(evil)], str(evil))
    assert "entit" in err and "TOP-SECRET-VALUE" not in err


def test_billion_laughs_is_refused(app: Path, tmp_path: Path) -> None:
    ents = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    evil = _write(tmp_path, "lol.xcprivacy", HEAD + f"<!DOCTYPE plist [{ents}]>\n"
                  "<plist version=\"1.0\"><dict><key>k</key><string>&j;</string></dict></plist>\n")
    _refused(app, ["--manifest", str(evil)], str(evil))


def test_root_that_is_not_a_dict(app: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path, "array.xcprivacy", HEAD + "<plist version=\"1.0\">\n<array/>\n</plist>\n")
    err = _refused(app, ["--manifest", str(bad)], str(bad))
    assert f"{bad}:3:1: error:" in err and "<dict>" in err


def test_value_of_the_wrong_type_where_the_merge_needs_it(app: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path, "wrong.xcprivacy", HEAD + "<plist version=\"1.0\">\n<dict>\n"
                 "\t<key>NSPrivacyAccessedAPITypes</key>\n\t<array>\n\t\t<dict>\n"
                 "\t\t\t<key>NSPrivacyAccessedAPIType</key>\n"
                 "\t\t\t<string>NSPrivacyAccessedAPICategoryDiskSpace</string>\n"
                 "\t\t\t<key>NSPrivacyAccessedAPITypeReasons</key>\n"
                 "\t\t\t<string>E174.1</string>\n\t\t</dict>\n\t</array>\n</dict>\n</plist>\n")
    err = _refused(app, ["--manifest", str(bad)], str(bad))
    assert f"{bad}:10:4: error:" in err and "NSPrivacyAccessedAPITypeReasons" in err


def test_missing_input_file(app: Path, tmp_path: Path) -> None:
    err = _refused(app, ["--manifest", str(tmp_path / "nope.xcprivacy")], "nope.xcprivacy")
    assert "not found" in err


def test_directory_given_as_a_file(app: Path, tmp_path: Path) -> None:
    d = tmp_path / "Pods"
    d.mkdir()
    err = _refused(app, ["--manifest", str(d)], str(d))
    assert "directory" in err


def test_symlink_loop_given_as_a_file(app: Path, tmp_path: Path) -> None:
    loop = tmp_path / "loop.xcprivacy"
    os.symlink(loop, loop)
    _refused(app, ["--manifest", str(loop)], str(loop))


def test_oversized_file_is_refused_unread(app: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.xcprivacy"
    with open(big, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    err = _refused(app, ["--manifest", str(big)], str(big))
    assert "bytes" in err


def test_unknown_product_lists_the_known_ones(app: Path) -> None:
    err = _refused(app, ["--sdk", "agora@4"], "--sdk")
    assert "tuicallkit" in err and "trtc-professional" in err


def test_binary_input_manifest_is_read(app: Path, tmp_path: Path) -> None:
    data = {"NSPrivacyTracking": True, "NSPrivacyTrackingDomains": ["ads.example.com"]}
    other = _write(tmp_path, "Bin.xcprivacy", plistlib.dumps(data, fmt=plistlib.FMT_BINARY))
    r = invoke(["merge", str(app), "--manifest", str(other), "--allow-invalid"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = plistlib.loads(app.read_bytes())
    assert out["NSPrivacyTracking"] is True and out["NSPrivacyTrackingDomains"] == ["ads.example.com"]


def test_binary_app_manifest_is_written_back_as_xml_with_a_note(tmp_path: Path) -> None:
    data = plistlib.loads(APP.read_bytes())
    app = _write(tmp_path, "PrivacyInfo.xcprivacy", plistlib.dumps(data, fmt=plistlib.FMT_BINARY))
    r = invoke(["merge", str(app), "--sdk", "tuicallkit"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "binary" in r.stderr and "XML" in r.stderr
    text = app.read_bytes()
    assert text.startswith(b"<?xml")
    out = plistlib.loads(text)
    reasons = {d["NSPrivacyAccessedAPIType"]: d["NSPrivacyAccessedAPITypeReasons"]
               for d in out["NSPrivacyAccessedAPITypes"]}
    assert reasons["NSPrivacyAccessedAPICategoryDiskSpace"] == ["E174.1"]


def test_corrupt_binary_plist(app: Path, tmp_path: Path) -> None:
    bad = _write(tmp_path, "Bad.xcprivacy", b"bplist00\x01\x02garbage")
    err = _refused(app, ["--manifest", str(bad)], str(bad))
    assert "binary plist" in err


def test_file_permissions_are_kept(app: Path) -> None:
    os.chmod(app, 0o640)
    assert invoke(["merge", str(app), "--sdk", "trtc"], cwd=app.parent).returncode == 0
    assert oct(os.stat(app).st_mode & 0o777) == oct(0o640)
