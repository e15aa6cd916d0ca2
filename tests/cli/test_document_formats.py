"""Issue 21, item A: commands that print a document of their own (sdks, rules, show, explain,
report) take ``-f`` like the rest, offer only what they render, ignore the CI and Xcode default
(a format of diagnostics) and never fail for it; every JSON document starts with ``version``."""

from __future__ import annotations

import json
from typing import Dict, List

import pytest
from helpers import REPO, invoke, run_cli

from trtc_privacy.cli.explain import EXPLAIN_FORMATS
from trtc_privacy.cli.options import FORMATS
from trtc_privacy.cli.report import REPORT_FORMATS
from trtc_privacy.cli.rules import RULES_FORMATS
from trtc_privacy.cli.sdks import SDKS_FORMATS

APP = "examples/VideoCallApp/VideoCallApp/PrivacyInfo.xcprivacy"
LOCK = "examples/VideoCallApp/Podfile.lock"
CI = [{"GITHUB_ACTIONS": "true"}, {"XCODE_VERSION_ACTUAL": "1600"}]


@pytest.mark.parametrize("env", CI, ids=["github-actions", "xcode"])
def test_sdks_in_ci_and_in_xcode_exits_0_with_its_table(env: Dict[str, str]) -> None:
    """The issue's own case, in a real process as a CI step runs it."""
    ran = run_cli(["sdks"], cwd=REPO, env=env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == run_cli(["sdks"], cwd=REPO).stdout
    assert ran.stdout.startswith("PRODUCTS") and ran.stderr == ""


@pytest.mark.parametrize("env", CI, ids=["github-actions", "xcode"])
@pytest.mark.parametrize("argv", [["rules"], ["explain", "unknown-reason"], ["explain", "91055"],
                                  ["show", "trtc"]])
def test_the_other_lists_in_ci_and_in_xcode_exit_0(env: Dict[str, str], argv: List[str]) -> None:
    assert invoke(argv, cwd=REPO, env=env).returncode == 0


@pytest.mark.parametrize("command,formats", [
    ("sdks", SDKS_FORMATS), ("rules", RULES_FORMATS), ("explain", EXPLAIN_FORMATS),
    ("report", REPORT_FORMATS)])
def test_help_offers_only_the_formats_a_command_accepts(command: str, formats: tuple) -> None:
    text = " ".join(invoke([command, "--help"]).stdout.split())
    assert "-f, --format FORMAT" in text
    assert ", ".join(formats[:-1]) + " or " + formats[-1] in text
    for refused in set(FORMATS) - set(formats):
        assert refused not in text.split("--format FORMAT")[1].split("(default")[0], refused


@pytest.mark.parametrize("argv,formats", [
    (["sdks"], SDKS_FORMATS), (["rules"], RULES_FORMATS), (["explain", "unknown-reason"],
                                                           EXPLAIN_FORMATS),
    (["report", APP, "--lockfile", LOCK], REPORT_FORMATS)])
def test_each_offered_format_works_and_the_others_are_refused_once(argv: List[str],
                                                                   formats: tuple) -> None:
    for fmt in formats:
        ran = invoke(argv + ["-f", fmt], cwd=REPO)
        assert ran.returncode == 0 and ran.stdout, (fmt, ran.stderr)
    for fmt in set(FORMATS) - set(formats):
        ran = invoke(argv + ["-f", fmt], cwd=REPO)
        assert ran.returncode == 2 and ran.stdout == ""
        assert ran.stderr.count("does not apply") == 1, ran.stderr
        assert "hint: this command prints " in ran.stderr


@pytest.mark.parametrize("argv", [
    ["sdks", "-f", "json"], ["rules", "-f", "json"], ["explain", "unknown-reason", "-f", "json"],
    ["explain", "ITMS-91055", "-f", "json"], ["show", "trtc", "-f", "json"],
    ["report", APP, "--lockfile", LOCK, "-f", "json"], ["versions", LOCK, "-f", "json"],
    ["merge", APP, "--lockfile", LOCK, "--check", "-f", "json"], ["lint", APP, "-f", "json"]])
def test_every_json_document_starts_with_version_and_tool(argv: List[str]) -> None:
    doc = json.loads(invoke(argv, cwd=REPO).stdout)
    assert list(doc)[:2] == ["version", "tool"] and doc["version"] == 1
    assert "schema" not in doc
