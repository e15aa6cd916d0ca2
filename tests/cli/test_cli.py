"""The one layer of commands: exit codes, shared options, help, formats, and the registry's reach."""

from __future__ import annotations

import ast
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Set

import pytest
from helpers import FIXTURES, REPO, invoke, run_cli

from trtc_privacy.cli import COMMANDS
from trtc_privacy.cli.options import FORMATS

PACKAGE = REPO / "trtc_privacy"


# -- defect 16: Ctrl-C exits 130 without a word, also during start-up --------------------------


def test_ctrl_c_during_start_up_exits_130_silently(tmp_path: Path) -> None:
    """A KeyboardInterrupt while typer is being imported (the slowest part of start-up)."""
    (tmp_path / "sitecustomize.py").write_text(
        "import builtins\n"
        "_real = builtins.__import__\n"
        "def _imp(name, *a, **k):\n"
        "    if name == 'typer' or name.startswith('typer.'):\n"
        "        raise KeyboardInterrupt\n"
        "    return _real(name, *a, **k)\n"
        "builtins.__import__ = _imp\n")
    for entry in ([sys.executable, "-m", "trtc_privacy"],
                  [sys.executable, "-c", "from trtc_privacy.cli import run; run()"]):
        import os
        import subprocess

        env = dict(os.environ, PYTHONPATH=str(tmp_path))
        r = subprocess.run(entry + ["lint", "x"], env=env, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 130, r.stderr
        assert r.stderr == "" and r.stdout == ""


def test_ctrl_c_inside_a_command_exits_130_silently(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    import trtc_privacy.lint.engine as linter

    def interrupted(*a, **k):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(linter.LintRun, "batches", interrupted)
    (tmp_path / "PrivacyInfo.xcprivacy").write_text("<plist/>")
    r = invoke(["lint", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (130, "", "")


# -- one exit policy; the chosen format travels on the error, not in a module global ----------


def test_the_exit_policy() -> None:
    from trtc_privacy.cli.exits import exit_code
    from trtc_privacy.diagnostics import Severity

    error, warning, note = Severity.ERROR, Severity.WARNING, Severity.NOTE
    assert exit_code() == exit_code([note, warning]) == 0
    assert exit_code([warning], strict=True) == exit_code([note, error]) == 1
    assert exit_code(out_of_date=True) == 1
    assert exit_code([error], out_of_date=True, bad_input=True) == 2


def test_an_error_is_printed_in_the_format_its_own_run_chose(tmp_path: Path) -> None:
    """github reads only stdout: a run that chose it gets the error there as well; the next run
    in the same process, which chose text, does not."""
    github = invoke(["merge", "PrivacyInfo.xcprivacy", "-f", "github"], cwd=tmp_path)
    text = invoke(["merge", "PrivacyInfo.xcprivacy"], cwd=tmp_path)
    assert github.returncode == text.returncode == 2
    assert github.stdout.startswith("::error file=merge,title=usage::nothing to merge")
    assert text.stdout == "" and github.stderr == text.stderr != ""
    unknown = invoke(["merge", "PrivacyInfo.xcprivacy", "-f", "nope"], cwd=tmp_path)
    assert (unknown.returncode, unknown.stdout) == (2, "")


# -- help: -h, readable metavars, the same short options everywhere ----------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_is_readable_on_every_command(command: str) -> None:
    long = invoke([command, "--help"])
    short = invoke([command, "-h"])
    assert long.returncode == short.returncode == 0
    assert long.stdout == short.stdout
    assert not re.search(r"<(str|list\[str\]|bool|int)>|\bTEXT\b", long.stdout), long.stdout
    options = dict(re.findall(r"(-[a-zA-Z]), (--[a-z-]+)", long.stdout))
    expected = {"-f": "--format", "-c": "--config", "-o": "--output", "-s": "--sdk",
                "-l": "--lockfile", "-m": "--manifest", "-h": "--help"}
    for short_name, long_name in options.items():
        assert expected.get(short_name) == long_name, (command, short_name, long_name)


@pytest.mark.parametrize("command", ["lint", "merge", "show", "init", "versions"])
def test_every_diagnostic_command_takes_the_same_formats(command: str) -> None:
    text = invoke([command, "--help"]).stdout
    assert "-f, --format FORMAT" in text
    assert ", ".join(FORMATS[:-1]) + " or " + FORMATS[-1] in " ".join(text.split())


def test_the_start_up_patch_can_be_disabled_and_gives_the_same_results(tmp_path: Path) -> None:
    """fastargs.py only skips work typer would do; with it off, every command behaves the same."""
    app = tmp_path / "PrivacyInfo.xcprivacy"
    shutil.copyfile(FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy", app)
    runs = []
    for env in ({}, {"TRTC_PRIVACY_NO_FASTARGS": "1"}):
        shutil.copyfile(FIXTURES / "merge" / "tabs" / "PrivacyInfo.xcprivacy", app)
        merged = run_cli(["merge", app.name, "--sdk", "trtc", "-s", "tuicallkit", "-f", "json"],
                         cwd=tmp_path, env=env)
        linted = run_cli(["lint", app.name, "--select", "sdk-only-reason", "--strict"],
                         cwd=tmp_path, env=env)
        runs.append((merged.returncode, merged.stdout, linted.returncode, linted.stdout,
                     app.read_bytes()))
    assert runs[0] == runs[1]
    # what merge wrote for SDKs that ship their manifests passes --strict (no SDK-only reason)
    assert runs[0][0] == 0 and runs[0][2] == 0


# -- defect 12: one list of formats for versions, each producing what it says -----------------


def test_versions_formats_each_produce_what_they_say(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "report" / "below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    help_text = " ".join(invoke(["versions", "--help"]).stdout.split())
    for fmt in FORMATS:
        assert fmt in help_text
    out = {fmt: invoke(["versions", "Podfile.lock", "-f", fmt], cwd=tmp_path) for fmt in FORMATS}
    assert {r.returncode for r in out.values()} == {1}
    assert "LOCATION" in out["text"].stdout and "below-minimum" in out["text"].stdout
    data = json.loads(out["json"].stdout)
    assert data["sdks"] and data["diagnostics"][0]["rule"] == "below-minimum"
    sarif = json.loads(out["sarif"].stdout)
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["below-minimum"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[results[0]["ruleIndex"]]["id"] == "below-minimum"
    assert "shortDescription" in rules[results[0]["ruleIndex"]]
    assert out["github"].stdout.startswith("::error file=Podfile.lock,line=2")
    assert re.match(r"^/\S+Podfile\.lock:2: error: ", out["xcode"].stdout)
    bad = invoke(["versions", "Podfile.lock", "-f", "yaml"], cwd=tmp_path)
    assert bad.returncode == 2 and "sarif" in bad.stderr


# -- defect 19: an unknown Package.resolved format says which are known ------------------------


def test_an_unknown_package_resolved_format_is_refused_naming_the_known_ones(tmp_path: Path) -> None:
    p = tmp_path / "Package.resolved"
    p.write_text('{\n  "pins" : [],\n  "version" : 99\n}\n')
    r = invoke(["versions", "Package.resolved"], cwd=tmp_path)
    assert r.returncode == 2
    assert "Package.resolved:3: error: unknown Package.resolved format version 99 " \
           "(known: 1, 2, 3)" in r.stderr


# -- defect 20: explain answers every App Store code the README names, and every id ------------


def test_explain_answers_every_itms_code_the_readme_names() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    # "ITMS-91053, 91054, ..." names each code, with or without the prefix
    codes = sorted({"ITMS-" + c for c in re.findall(r"\b(9\d{4})\b", readme)})
    assert "ITMS-91053" in codes and "ITMS-91061" in codes
    for code in codes:
        r = invoke(["explain", code])
        assert r.returncode == 0, (code, r.stderr)
        assert f"{code} is predicted by:" in r.stdout


def _printed_ids() -> Set[str]:
    """Every rule id the package can print, read from its source: ``rule="..."`` arguments,
    Diagnostic(...) calls with a literal rule, and module constants passed as the rule."""
    ids: Set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        consts = {}
        for n in ast.walk(tree):
            if not isinstance(n, ast.Assign):
                continue
            for t in n.targets:  # NAME = "id" and A, B = "id-a", "id-b"
                pairs = [(t, n.value)] if isinstance(t, ast.Name) else list(
                    zip(t.elts, n.value.elts)) if isinstance(t, ast.Tuple) and isinstance(
                    n.value, ast.Tuple) else []
                for name, value in pairs:
                    if isinstance(name, ast.Name) and isinstance(value, ast.Constant) \
                            and isinstance(value.value, str):
                        consts[name.id] = value.value
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "rule" and isinstance(kw.value, ast.Constant):
                    ids.add(kw.value.value)
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "Diagnostic" and len(node.args) >= 4:
                arg = node.args[3]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    ids.add(arg.value)
                elif isinstance(arg, ast.JoinedStr):  # f"xcode-undeclared-{kind}"
                    ids.update({"xcode-undeclared-input", "xcode-undeclared-output"})
                elif isinstance(arg, ast.Name) and arg.id in consts:
                    ids.add(consts[arg.id])
    from trtc_privacy.knowledge.vendors import pitfalls

    ids.update(p.id for p in pitfalls())
    return ids


def test_every_id_any_command_prints_is_registered_and_explained() -> None:
    from trtc_privacy.lint.rules import get

    ids = _printed_ids()
    assert {"below-minimum", "unknown-version", "malformed-lockfile", "bad-config", "usage",
            "xcode-undeclared-input", "internal", "roomengine-manifest-in-app-root"} <= ids
    missing = sorted(i for i in ids if get(i) is None)
    assert missing == []
    for i in sorted(ids):
        r = invoke(["explain", i])
        assert r.returncode == 0 and r.stdout.startswith(i), (i, r.stderr)


def test_sarif_carries_the_metadata_of_non_lint_rules(tmp_path: Path) -> None:
    (tmp_path / ".trtc-privacy.toml").write_text("lockfiles = 'Podfile.lock'\n")
    r = invoke(["lint", "-f", "sarif", "."], cwd=tmp_path)
    assert r.returncode == 2 and "expected a list of strings" in r.stderr
    shutil.copy(FIXTURES / "report" / "below-minimum.Podfile.lock", tmp_path / "Podfile.lock")
    (tmp_path / ".trtc-privacy.toml").unlink()
    sarif = json.loads(invoke(["versions", "-f", "sarif", "Podfile.lock"], cwd=tmp_path).stdout)
    rules = {x["id"]: x for x in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["below-minimum"]["defaultConfiguration"]["level"] == "error"
    assert "fullDescription" in rules["malformed-lockfile"]
