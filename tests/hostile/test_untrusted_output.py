"""Untrusted text never steers a terminal, a CI runner or Xcode (issue 20, kinds 1, 2 and 9).

The same hostile strings (ESC and OSC sequences, C1 controls, DEL, CR and LF, GitHub workflow
commands in both forms, an Xcode issue line, bytes that are not UTF-8) are put into each kind of
input the tool reads (a folder's name, a manifest's text, a Package.resolved, a source file's
name, an archive's member name and Info.plist), and every command that reads that input is run
in every format. Whatever the input, the output holds no control character (but line breaks and
tabs), no line a GitHub runner would obey that the tool did not mean (a simulated runner reads
stdout and stderr), no line Xcode would read as an issue the tool did not report, and valid
UTF-8 (JSON and SARIF parse).
"""

from __future__ import annotations

import json
import os
import plistlib
import re
import struct
import zipfile
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
from helpers import FIXTURES, invoke

FORMATS = ("text", "json", "sarif", "github", "xcode")
#: A marker every hostile payload carries: a command or an issue holding it was forged.
MARK = "PWNED"
#: What hostile text tries, in one string (a line break splits it into lines of its own).
PAYLOAD = (f"::add-mask::{MARK}\x1b]0;{MARK}\x07\x1b[2J\x9b31m\x7f\x85\rover\u2028"
           f"\n::error file=forged::{MARK}\n##[add-mask]{MARK}\nApp.swift:1:1: error: {MARK}"
           f"\nerror: {MARK}\n  ::stop-commands::{MARK}")
#: The same in a file name: no "/", and a byte that is not UTF-8.
NAME = PAYLOAD.replace("/", "_") + os.fsdecode(b"\xff")
#: What may be in XML text (no C0 but tab, CR and LF): C1, DEL, lone CR, commands on lines.
XML_PAYLOAD = (f"\x9b31m\x7f\x85 \r::add-mask::{MARK}\n::add-mask::{MARK}\n##[add-mask]{MARK}\n"
               f"App.swift:1:1: error: {MARK}")

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]|\r(?!\n)")
_LINES = re.compile(r"\r\n|\r|\n")
_XCODE_ISSUE = re.compile(r"^(?:(.*?):(\d+):(\d+): |)(?:fatal error|error|warning|note): (.*)$")


def runner_commands(text: str) -> List[str]:
    """The lines a GitHub Actions runner would obey, as it reads them: ``::name ...`` at a
    line's start (after spaces), ``##[name]`` anywhere, nothing between ``::stop-commands::T``
    and ``::T::``. Lines split on CR, LF and CRLF, as .NET's ReadLine does."""
    obeyed: List[str] = []
    stopped = ""
    for line in _LINES.split(text):
        if stopped:
            if line.strip() == f"::{stopped}::":
                stopped = ""
            continue
        if line.lstrip().startswith("::"):
            obeyed.append(line.lstrip())
            if line.lstrip().startswith("::stop-commands::"):
                stopped = line.lstrip()[len("::stop-commands::"):]
        elif "##[" in line:
            obeyed.append(line[line.index("##["):])
    return obeyed


def check(out: "object", fmt: str, what: str, actions: bool = False) -> None:
    """The output of one run holds nothing its reader would take for a command of the input's:
    a terminal always, a GitHub runner in GitHub Actions, Xcode in Xcode's format."""
    stdout, stderr = out.stdout, out.stderr  # type: ignore[attr-defined]
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        text.encode("utf-8")  # strict: no byte that is not UTF-8 (no lone surrogate)
        bad = _CONTROL.search(text)
        assert bad is None, f"{what} {fmt} {name}: control character {bad.group()!r} in {text!r}"
        for cmd in runner_commands(text) if (fmt == "github" or actions) else []:
            if cmd.startswith("::stop-commands::"):
                token = cmd[len("::stop-commands::"):]
                assert re.fullmatch(r"[0-9a-f]{32}", token), (what, fmt, name, cmd)
                continue
            # only the tool's own annotations: error/warning/notice with a title property
            assert re.match(r"::(error|warning|notice) [^:]*title=", cmd), \
                f"{what} {fmt} {name}: the runner would obey {cmd!r}"
        for line in text.split("\n") if fmt == "xcode" else []:
            m = _XCODE_ISSUE.match(line)
            assert not (m and m.group(4).startswith(MARK)), \
                f"{what} {fmt} {name}: Xcode would read a forged issue {line!r}"
    if fmt in ("json", "sarif") and stdout.strip() and out.returncode in (0, 1):  # type: ignore
        json.loads(stdout)


# -- the inputs, each of a kind the tool reads ---------------------------------------------------

APP_MANIFEST = (FIXTURES / "lint" / "sample" / "App" / "PrivacyInfo.xcprivacy").read_text()
BROKEN = (FIXTURES / "lint" / "sample" / "Broken" / "PrivacyInfo.xcprivacy").read_text()


def _executable() -> bytes:
    """A thin arm64 Mach-O executable with no load commands: the reader accepts it."""
    return struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 2, 0, 0, 0, 0) + bytes(64)


def folder_input(tmp: Path) -> Dict[str, List[List[str]]]:
    """A folder with a hostile name holding a manifest with findings, a broken one, a source
    file, and an app bundle."""
    top = tmp / "proj"
    bad = top / NAME
    (bad / "Good").mkdir(parents=True)
    (bad / "Good" / "PrivacyInfo.xcprivacy").write_text(APP_MANIFEST)
    (bad / "Broken").mkdir()
    (bad / "Broken" / "PrivacyInfo.xcprivacy").write_text(BROKEN)
    (bad / "Clock.swift").write_text("let d = UserDefaults.standard\n")
    app = bad / "Demo.app"
    app.mkdir()
    (app / "Info.plist").write_bytes(plistlib.dumps({
        "CFBundleExecutable": "Demo", "CFBundleIdentifier": "x.demo",
        "CFBundleShortVersionString": PAYLOAD}, fmt=plistlib.FMT_BINARY))
    (app / "Demo").write_bytes(_executable())
    (app / "PrivacyInfo.xcprivacy").write_text(APP_MANIFEST)
    good = str(bad / "Good" / "PrivacyInfo.xcprivacy")
    return {
        "lint": [["lint", str(top)]],
        "scan": [["scan", str(bad)]],
        "merge": [["merge", good, "--sdk", "trtc", "--check"],
                  ["merge", str(bad / "Broken" / "PrivacyInfo.xcprivacy"), "--sdk", "trtc"]],
        "audit": [["audit", str(app)]],
        "init": [["init", str(bad / "New" / "PrivacyInfo.xcprivacy"), "--sdk", "trtc",
                  "--force"]],
        "report": [["report", good, "--format", "json"], ["report", good, "--markdown", "-"]],
    }


def manifest_input(tmp: Path) -> Dict[str, List[List[str]]]:
    """A manifest whose comment and strings hold hostile text: it reaches the diff of
    ``merge --check`` and lint's messages."""
    near = "\t</array>\n\t<key>NSPrivacyAccessedAPITypes</key>"  # where merge adds data types
    text = APP_MANIFEST.replace(near, f"<!-- {XML_PAYLOAD} -->\n{near}", 1).replace(
        "<string>", f"<string>{XML_PAYLOAD.replace('<', '')}", 1)
    path = tmp / "PrivacyInfo.xcprivacy"
    path.write_text(text, encoding="utf-8", newline="")
    return {
        "lint": [["lint", str(path)]],
        "merge": [["merge", str(path), "--sdk", "trtc", "--check"],
                  ["merge", str(path), "--sdk", "trtc", "--diff"]],
        "report": [["report", str(path), "--format", "json"]],
    }


def lockfile_input(tmp: Path) -> Dict[str, List[List[str]]]:
    """A Package.resolved whose values hold hostile text (reaching notes and errors)."""
    url = "https://github.com/Tencent-RTC/TRTC_SwiftPM"
    pins = [{"identity": "trtc" + PAYLOAD, "kind": "remoteSourceControl", "location": url,
             "state": {"version": "11.0" + PAYLOAD}},
            {"identity": "other", "location": url + PAYLOAD}]
    path = tmp / "Package.resolved"
    path.write_text(json.dumps({"version": 2, "pins": pins}))
    good = tmp / "ok" / "Package.resolved"
    good.parent.mkdir()
    good.write_text(json.dumps({"version": 2, "pins": pins[:1]}))
    app = tmp / "PrivacyInfo.xcprivacy"
    app.write_text(APP_MANIFEST)
    return {
        "versions": [["versions", str(path)], ["versions", str(good)]],
        "merge": [["merge", str(app), "-l", str(path), "--check"],
                  ["merge", str(app), "-l", str(good), "--check"]],
        "report": [["report", str(app), "-l", str(good), "--format", "json"]],
    }


def source_input(tmp: Path) -> Dict[str, List[List[str]]]:
    """Source files with hostile names: one that is used (evidence), one a FIFO (a note)."""
    src = tmp / "src"
    src.mkdir()
    (src / (NAME + ".swift")).write_text("let d = UserDefaults.standard\n")
    os.mkfifo(src / (NAME + "-fifo.swift"))
    return {"scan": [["scan", str(src)]]}


def archive_input(tmp: Path) -> Dict[str, List[List[str]]]:
    """An .ipa whose member names (C1, DEL, commands; a zip name cannot hold C0 controls: those
    are refused) and Info.plist values are hostile."""
    member = PAYLOAD.replace("\n", " ").replace("\r", " ")
    member = "".join(c for c in member if ord(c) >= 32)
    path = tmp / "Demo.ipa"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Payload/Demo.app/Info.plist", plistlib.dumps({
            "CFBundleExecutable": "Demo", "CFBundleIdentifier": "x.demo",
            "CFBundleShortVersionString": PAYLOAD}, fmt=plistlib.FMT_BINARY))
        zf.writestr("Payload/Demo.app/Demo", _executable())
        zf.writestr("Payload/Demo.app/PrivacyInfo.xcprivacy", APP_MANIFEST)
        zf.writestr(f"Payload/Demo.app/Frameworks/{member}.framework/Info.plist",
                    plistlib.dumps({"CFBundleExecutable": member}))
        zf.writestr(f"Payload/Demo.app/Frameworks/{member}.framework/{member}",
                    _executable())
    return {"audit": [["audit", str(path)]], "report": [["report", str(path), "--format", "json"]]}


INPUTS: Dict[str, Callable[[Path], Dict[str, List[List[str]]]]] = {
    "folder name": folder_input,
    "manifest text": manifest_input,
    "Package.resolved": lockfile_input,
    "source file name": source_input,
    "archive member": archive_input,
}


def _runs() -> List[Tuple[str, str, str, bool]]:
    out = []
    for kind in INPUTS:
        for fmt in FORMATS:
            out.append((kind, fmt, "plain", False))
        out.append((kind, "text", "in GitHub Actions", True))
    return out


@pytest.mark.parametrize("kind,fmt,where,actions", _runs())
def test_hostile_text_is_inert_in_every_command_and_format(kind: str, fmt: str, where: str,
                                                          actions: bool, tmp_path: Path) -> None:
    commands = INPUTS[kind](tmp_path)
    env = {"GITHUB_ACTIONS": "true"} if actions else {}
    ran = 0
    for command, runs in commands.items():
        for args in runs:
            if command == "report" and "--format" in args and fmt != "json":
                continue
            if command == "report" and "--markdown" in args and fmt != "text":
                continue
            full = list(args) + ([] if command == "report" else ["--format", fmt])
            out = invoke(full, cwd=tmp_path, env=env)
            check(out, fmt, f"{kind}: {' '.join(full[:1])}", actions)
            assert out.returncode in (0, 1, 2), (full, out.returncode, out.stderr)
            ran += 1
    assert ran


def test_a_hostile_diff_stays_a_diff_inside_a_stop_commands_window(tmp_path: Path) -> None:
    """The diff of ``merge --check`` shows the manifest's lines as they are; in GitHub Actions
    the lines a runner would obey are inside a window whose token the text cannot know."""
    args = manifest_input(tmp_path)["merge"][0]
    out = invoke(args + ["--format", "github"], cwd=tmp_path)
    assert out.returncode == 1
    window = re.search(r"^::stop-commands::([0-9a-f]{32})$(.*?)^::\1::$", out.stdout, re.M | re.S)
    assert window is not None, out.stdout
    assert f"\n+::add-mask::{MARK}" in window.group(2) or f"\n ::add-mask::{MARK}" in window.group(2)
    check(out, "github", "diff")
    plain = invoke(args + ["--format", "text"], cwd=tmp_path)  # outside Actions: as it is
    assert "::stop-commands::" not in plain.stdout and f"::add-mask::{MARK}" in plain.stdout


@pytest.mark.parametrize("actions", [False, True])
def test_the_xcode_phase_prints_no_forged_issue(actions: bool, tmp_path: Path) -> None:
    """The Xcode build phase (Xcode reads both streams for issues) on an app manifest in a
    folder with a hostile name, and with hostile values in a Package.resolved."""
    bad = tmp_path / NAME
    bad.mkdir()
    (bad / "PrivacyInfo.xcprivacy").write_text(APP_MANIFEST)
    lockfile_input(tmp_path)
    (tmp_path / "build" / "Demo.app").mkdir(parents=True)
    env = {"SRCROOT": str(tmp_path), "TARGET_BUILD_DIR": str(tmp_path / "build"),
           "UNLOCALIZED_RESOURCES_FOLDER_PATH": "Demo.app", "CONFIGURATION": "Debug",
           "XCODE_VERSION_ACTUAL": "1600", "SCRIPT_INPUT_FILE_COUNT": "1",
           "SCRIPT_INPUT_FILE_0": str(tmp_path / "Package.resolved")}
    if actions:
        env["GITHUB_ACTIONS"] = "true"
    out = invoke(["xcode", "--app-manifest", str(bad / "PrivacyInfo.xcprivacy")], cwd=tmp_path,
                 env=env)
    assert out.returncode in (0, 1, 2), out.stderr
    assert MARK in out.stdout + out.stderr  # the hostile text is shown, escaped
    check(out, "xcode", "xcode phase", actions)
