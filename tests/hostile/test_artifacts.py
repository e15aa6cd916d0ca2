"""Hostile artifacts: each is refused with exit 2 and a message naming the problem, reads only
what it must, and extracts or writes nothing (the working and temporary folders stay as they
were). Bounded time is the subprocess timeout of the process-level case; no timed assertions.
"""

from __future__ import annotations

import io
import os
import plistlib
import struct
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
from helpers import run_cli

from trtc_privacy.cli import main
from trtc_privacy.diagnostics import InputError
from trtc_privacy.usage.artifact import Limits, open_artifact

INFO = plistlib.dumps({"CFBundleExecutable": "Demo", "CFBundleShortVersionString": "1.0"})


def _zip(path: Path, members: List[Tuple[object, bytes]],
         method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members:
            zf.writestr(name, data)  # type: ignore[arg-type]
    return path


def _app_members() -> List[Tuple[object, bytes]]:
    return [("Payload/Demo.app/Info.plist", INFO)]


def _link(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


def bomb_ratio(d: Path) -> Path:
    """A real deflate bomb: 64 MiB of zeros in about 64 KB."""
    return _zip(d / "ratio.ipa", _app_members() + [("Payload/Demo.app/pad.bin", bytes(64 << 20))])


def bomb_declared(d: Path) -> Path:
    """Members whose headers claim 4 GiB each (the data is a few bytes): lying sizes."""
    p = _zip(d / "declared.ipa", _app_members() + [(f"Payload/Demo.app/b{i}", b"x" * 10)
                                                   for i in range(5)])
    data = bytearray(p.read_bytes())
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            break
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        name = bytes(data[at + 46:at + 46 + name_len])
        if b"/b" in name:
            struct.pack_into("<I", data, at + 24, 0xFFFFFFF0)  # uncompressed size
        at += 46
    p.write_bytes(bytes(data))
    return p


def bomb_overlap(d: Path) -> Path:
    """Fifield's non-recursive bomb: many directory entries share one member's data."""
    p = _zip(d / "overlap.ipa", _app_members() + [("Payload/Demo.app/k0", b"A" * 1000)])
    data = p.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    _, _, _, _, count, cd_size, cd_off, _ = struct.unpack("<4sHHHHIIH", data[eocd:eocd + 22])
    cd = data[cd_off:cd_off + cd_size]
    last = cd.rfind(b"PK\x01\x02")
    record = cd[last:]
    extra = b"".join(record.replace(b"k0", f"k{i}".encode()[:2].ljust(2, b"_"))
                     for i in range(1, 10))
    new_cd = cd + extra
    tail = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count + 9, count + 9, len(new_cd),
                       cd_off, 0)
    p.write_bytes(data[:cd_off] + new_cd + tail)
    return p


def traversal(d: Path) -> Path:
    return _zip(d / "traversal.ipa", _app_members() + [("Payload/../../evil.txt", b"x")])


def absolute(d: Path) -> Path:
    return _zip(d / "absolute.ipa", _app_members() + [("/tmp/evil.txt", b"x")])


def zip_link_out(d: Path) -> Path:
    return _zip(d / "link.ipa", _app_members() + [
        (_link("Payload/Demo.app/secret", "../../../../etc/passwd"), b"../../../../etc/passwd")])


def zip_link_absolute(d: Path) -> Path:
    return _zip(d / "linkabs.ipa", _app_members() + [
        (_link("Payload/Demo.app/secret", "/etc/passwd"), b"/etc/passwd")])


def nested(d: Path) -> Path:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("Payload/Demo.app/Info.plist", INFO)
    return _zip(d / "nested.ipa", [("Demo.ipa", inner.getvalue())])


def many_frameworks(d: Path) -> Path:
    """10,000 framework folders in one app (directory entries only: cheap to build)."""
    members: List[Tuple[object, bytes]] = _app_members()
    members += [(f"Payload/Demo.app/Frameworks/F{i}.framework/", b"") for i in range(10_000)]
    return _zip(d / "many.ipa", members, zipfile.ZIP_STORED)


def too_many_members(d: Path) -> Path:
    """A zip64 end-of-archive record that declares a million members."""
    p = _zip(d / "count.ipa", _app_members())
    data = p.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    cd_size, cd_off = struct.unpack("<II", data[eocd + 12:eocd + 20])
    body = data[:eocd]
    record = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 1_000_000,
                         1_000_000, cd_size, cd_off)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, len(body), 1)
    tail = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                       0xFFFFFFFF, 0)
    p.write_bytes(body + record + locator + tail)
    return p


def truncated(d: Path) -> Path:
    p = _zip(d / "whole.ipa", _app_members() + [("Payload/Demo.app/pad", os.urandom(50_000))])
    data = p.read_bytes()
    out = d / "truncated.ipa"
    out.write_bytes(data[:len(data) // 2])
    return out


def truncated_body(d: Path) -> Path:
    """The directory survives but a member's data is cut away."""
    p = _zip(d / "whole2.ipa", _app_members() + [("Payload/Demo.app/pad", os.urandom(50_000))])
    data = p.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    _, _, _, _, _, cd_size, cd_off, _ = struct.unpack("<4sHHHHIIH", data[eocd:eocd + 22])
    keep = 20_000
    tail = data[cd_off:cd_off + cd_size] + struct.pack(
        "<4sHHHHIIH", b"PK\x05\x06", 0, 0, 2, 2, cd_size, keep, 0)
    out = d / "truncated-body.ipa"
    out.write_bytes(data[:keep] + tail)
    return out


def fifo_artifact(d: Path) -> Path:
    p = d / "fifo.ipa"
    os.mkfifo(p)
    return p


def fifo_in_app(d: Path) -> Path:
    app = d / "Fifo.app"
    app.mkdir()
    (app / "Info.plist").write_bytes(INFO)
    os.mkfifo(app / "PrivacyInfo.xcprivacy")
    return app


def disk_link_out(d: Path) -> Path:
    app = d / "Link.app"
    app.mkdir()
    (app / "Info.plist").write_bytes(INFO)
    os.symlink("/etc", app / "Frameworks")
    return app


def not_a_zip(d: Path) -> Path:
    p = d / "text.ipa"
    p.write_bytes(b"this is not a zip archive\n" * 100)
    return p


CASES: Dict[str, Tuple[Callable[[Path], Path], str]] = {
    "bomb-ratio": (bomb_ratio, "zip bomb"),
    "bomb-declared": (bomb_declared, "zip bomb"),
    "bomb-overlap": (bomb_overlap, "overlaps the data"),
    "traversal": (traversal, "zip-slip"),
    "absolute": (absolute, "absolute member name"),
    "zip-link-out": (zip_link_out, "points outside the archive"),
    "zip-link-absolute": (zip_link_absolute, "points outside the archive"),
    "nested": (nested, "an archive inside an archive"),
    "many-frameworks": (many_frameworks, "more than 2,000 executable bundles"),
    "too-many-members": (too_many_members, "declares 1,000,000 members"),
    "truncated": (truncated, "truncated"),
    "truncated-body": (truncated_body, "truncated"),
    "fifo-artifact": (fifo_artifact, "FIFO"),
    "fifo-in-app": (fifo_in_app, "FIFO"),
    "disk-link-out": (disk_link_out, "points outside the artifact"),
    "not-a-zip": (not_a_zip, "not a zip archive"),
}


def _snapshot(*dirs: Path) -> Dict[str, List[str]]:
    return {str(d): sorted(os.listdir(d)) for d in dirs}


@pytest.fixture
def quiet_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tuple[Path, Path, Path]:
    """(inputs, cwd, temp): separate folders so anything written or extracted would show."""
    inputs, cwd, temp = tmp_path / "in", tmp_path / "cwd", tmp_path / "temp"
    for p in (inputs, cwd, temp):
        p.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return inputs, cwd, temp


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_artifact_exits_2_and_extracts_nothing(
        case: str, quiet_tmp: Tuple[Path, Path, Path], capsys: pytest.CaptureFixture) -> None:
    inputs, cwd, temp = quiet_tmp
    build, expected = CASES[case]
    path = build(inputs)
    before = _snapshot(inputs, cwd, temp)
    code = main(["audit", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert expected in err, err
    assert "Traceback" not in err and "internal error" not in err
    assert str(path) in err  # the message names the artifact
    assert _snapshot(inputs, cwd, temp) == before


@pytest.mark.parametrize("case", ["bomb-ratio", "many-frameworks", "fifo-in-app"])
def test_hostile_artifact_in_a_real_process(case: str, tmp_path: Path) -> None:
    build, expected = CASES[case]
    path = build(tmp_path)
    before = sorted(os.listdir(tmp_path))
    proc = run_cli(["audit", str(path)], cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert expected in proc.stderr
    assert proc.stdout == ""
    assert sorted(os.listdir(tmp_path)) == before


def test_report_refuses_a_hostile_artifact_too(quiet_tmp: Tuple[Path, Path, Path],
                                               capsys: pytest.CaptureFixture) -> None:
    inputs, cwd, temp = quiet_tmp
    path = traversal(inputs)
    code = main(["report", str(path), "--format", "json"])
    assert code == 2
    assert "zip-slip" in capsys.readouterr().err
    assert os.listdir(cwd) == [] and os.listdir(temp) == []


def test_a_read_beyond_the_limit_is_refused_when_asked_for(tmp_path: Path) -> None:
    """Small limits show each cap works on its own (the defaults are far above real apps)."""
    p = _zip(tmp_path / "big.ipa", _app_members() + [("Payload/Demo.app/big", os.urandom(5000))])
    with open_artifact(str(p), Limits(read_bytes=1000)) as tree:
        with pytest.raises(InputError, match="the limit for this kind of file is 1,000 bytes"):
            tree.read("Payload/Demo.app/big", 10_000)
        assert tree.read("Payload/Demo.app/Info.plist", 10_000) == INFO
    with pytest.raises(InputError, match="more than 3 files and folders"):
        open_artifact(str(p), Limits(members=3))


def test_links_inside_the_artifact_are_followed(tmp_path: Path) -> None:
    """A macOS framework's Versions/Current -> A is a link that stays inside: it is fine."""
    p = _zip(tmp_path / "links.ipa", [
        ("Payload/M.app/Contents/Frameworks/F.framework/Versions/A/Resources/Info.plist", INFO),
        (_link("Payload/M.app/Contents/Frameworks/F.framework/Versions/Current", "A"), b"A"),
        (_link("Payload/M.app/Contents/Frameworks/F.framework/Resources",
               "Versions/Current/Resources"), b"Versions/Current/Resources"),
    ])
    with open_artifact(str(p)) as tree:
        assert tree.is_file("Payload/M.app/Contents/Frameworks/F.framework/Resources/Info.plist")
        assert tree.read("Payload/M.app/Contents/Frameworks/F.framework/Versions/Current/"
                         "Resources/Info.plist", 1000) == INFO


def test_a_link_loop_is_refused_not_followed_for_ever(tmp_path: Path) -> None:
    p = _zip(tmp_path / "loop.ipa", _app_members() + [
        (_link("Payload/Demo.app/a", "b"), b"b"), (_link("Payload/Demo.app/b", "a"), b"a")])
    with open_artifact(str(p)) as tree:
        with pytest.raises(InputError, match="loop"):
            tree.is_file("Payload/Demo.app/a/x")


def _small_ipa() -> bytes:
    buf = io.BytesIO()
    manifest = plistlib.dumps({"NSPrivacyTracking": False, "NSPrivacyTrackingDomains": [],
                               "NSPrivacyCollectedDataTypes": [],
                               "NSPrivacyAccessedAPITypes": []})
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Payload/Demo.app/Info.plist", INFO)
        zf.writestr("Payload/Demo.app/PrivacyInfo.xcprivacy", manifest)
        zf.writestr("Payload/Demo.app/Frameworks/Alamofire.framework/Info.plist", plistlib.dumps(
            {"CFBundleExecutable": "Alamofire"}, fmt=plistlib.FMT_BINARY))
        zf.writestr("Signatures/Alamofire.xcframework-ios.signature",
                    plistlib.dumps({"signed": False}))
    return buf.getvalue()


def test_damaged_ipas_are_findings_or_bad_input_never_a_crash(tmp_path: Path) -> None:
    """Any byte of a small .ipa changed, or the file cut anywhere: a result or an InputError."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from trtc_privacy.usage.audit import audit

    good = _small_ipa()
    target = tmp_path / "damaged.ipa"

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)), max_size=4),
           st.integers(1, len(good)))
    def check(edits: List[Tuple[int, int]], cut: int) -> None:
        data = bytearray(good)
        for at, value in edits:
            data[at] = value
        target.write_bytes(bytes(data[:cut]))
        try:
            result = audit(str(target))
        except InputError as exc:
            assert exc.diagnostic.message
        else:
            assert result.kind == "ipa"

    check()
    target.write_bytes(good)
    assert [d.rule for d in audit(str(target)).diagnostics] == [
        "sdk-signature-missing", "sdk-without-manifest"]


def test_a_file_that_is_no_artifact_is_named_as_such(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    p = tmp_path / "PrivacyInfo.xcprivacy"
    p.write_bytes(b"<plist/>")
    assert main(["audit", str(p)]) == 2
    assert "not an artifact: expected an .ipa" in capsys.readouterr().err
    assert main(["audit", str(tmp_path / "missing.ipa")]) == 2
    assert "file not found" in capsys.readouterr().err
