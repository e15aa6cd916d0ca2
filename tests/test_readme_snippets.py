"""The README's configuration and integration snippets, taken from README.md and run as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from conftest import FIXTURES, REPO, run_cli
from hookrepo import app_repo, hooks_home, pre_commit, statuses
from test_xcode import categories, make_project, product_manifest, snapshot

README = REPO / "README.md"
BIN = str(Path(sys.executable).parent)  # where the installed `trtc-privacy` script lives
_ = hooks_home  # the session fixture, imported for pytest


def blocks() -> List[Tuple[str, str, str]]:
    """(section heading, language, code) of every fenced block in the README."""
    out = []
    heading = ""
    lines = README.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        m = re.match(r"^(\s*)```(\w*)\s*$", line)
        if m:
            indent, lang, body = len(m.group(1)), m.group(2), []
            i += 1
            while not lines[i].strip().startswith("```"):
                body.append(lines[i][indent:])
                i += 1
            out.append((heading, lang, "\n".join(body) + "\n"))
        i += 1
    return out


def block(heading: str, lang: str, contains: str) -> str:
    found = [code for h, lg, code in blocks() if h == heading and lg == lang and contains in code]
    assert len(found) == 1, f"README: expected one {lang} block with {contains!r} under {heading!r}"
    return found[0]


def shell_env(extra: Dict[str, str]) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "XCODE_VERSION_ACTUAL")}
    env.update(extra, NO_COLOR="1", PATH=BIN + os.pathsep + env.get("PATH", ""))
    return env


def sh(script: str, cwd: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/sh", "-c", script], cwd=cwd, env=shell_env(env),
                          capture_output=True, text=True, timeout=120)


# -- Xcode ---------------------------------------------------------------------------------------


def build_phase_script() -> str:
    code = block("Xcode build phase", "sh", "; trtc-privacy xcode")
    lines = [line for line in code.splitlines() if line.strip()]
    assert len(lines) == 1, "the build phase script is one line"
    return lines[0]


def test_the_build_phase_script_merges_into_the_product_once(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    script = build_phase_script()
    r = sh(script, Path(env["SRCROOT"]), env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "NSPrivacyAccessedAPICategorySystemBootTime" in categories(product_manifest(env))
    before = snapshot(tmp_path)
    again = sh(script, Path(env["SRCROOT"]), env)
    assert again.returncode == 0 and "up to date" in again.stdout
    assert snapshot(tmp_path) == before


def test_the_filelist_commands_make_lists_the_sandboxed_phase_runs_with(tmp_path: Path) -> None:
    env = make_project(tmp_path)
    src = Path(env["SRCROOT"])
    shutil.copy(FIXTURES / "integrations" / "Podfile.lock", src / "Podfile.lock")
    (src / ".trtc-privacy.toml").write_text(
        'app-manifest = "App/PrivacyInfo.xcprivacy"\nlockfiles = ["Podfile.lock"]\n')
    commands = block("Xcode build phase", "sh", "--filelist")
    r = sh(commands, src, {})  # in the project folder, outside Xcode
    assert r.returncode == 0, r.stderr
    inputs = (src / "trtc-privacy-inputs.xcfilelist").read_text().splitlines()
    assert inputs == ["$(SRCROOT)/.trtc-privacy.toml", "$(SRCROOT)/App/PrivacyInfo.xcprivacy",
                      "$(SRCROOT)/Podfile.lock"]
    # the lists named in the README's step, as Xcode passes them to a sandboxed phase
    sandboxed = dict(env, ENABLE_USER_SCRIPT_SANDBOXING="YES",
                     SCRIPT_INPUT_FILE_LIST_COUNT="1",
                     SCRIPT_INPUT_FILE_LIST_0=str(src / "trtc-privacy-inputs.xcfilelist"),
                     SCRIPT_OUTPUT_FILE_LIST_COUNT="1",
                     SCRIPT_OUTPUT_FILE_LIST_0=str(src / "trtc-privacy-outputs.xcfilelist"))
    run = sh(build_phase_script(), src, sandboxed)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "NSPrivacyAccessedAPICategoryDiskSpace" in categories(product_manifest(env))


def test_the_cocoapods_recipe_installs_the_same_script() -> None:
    ruby = block("CocoaPods: add the phase on `pod install`", "ruby", "post_install")
    assert f"phase.shell_script = '{build_phase_script()}'" in ruby
    assert "'$(SRCROOT)/trtc-privacy-inputs.xcfilelist'" in ruby
    assert "'$(SRCROOT)/trtc-privacy-outputs.xcfilelist'" in ruby


# -- configuration -------------------------------------------------------------------------------


def test_the_configuration_example_loads(tmp_path: Path) -> None:
    from trtc_privacy import config

    toml = block("Configuration", "toml", "# .trtc-privacy.toml")
    (tmp_path / ".trtc-privacy.toml").write_text(toml)
    cfg = config.load(start=str(tmp_path))
    assert cfg.app_manifest == "ios/App/PrivacyInfo.xcprivacy"
    assert cfg.lockfiles == ["ios/Podfile.lock"]
    assert (cfg.xcode_write, cfg.xcode_fail_on) == ("product", "always")


# -- GitHub Actions ------------------------------------------------------------------------------


def test_the_github_actions_job_steps_pass_on_a_merged_project(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    workflow = yaml.safe_load(block("GitHub Actions", "yaml", "upload-sarif"))
    steps = next(iter(workflow["jobs"].values()))["steps"]
    runs = [s["run"] for s in steps if "run" in s and s["run"].startswith("trtc-privacy")]
    assert [r.split()[1] for r in runs] == ["versions", "lint", "merge"]
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    sarif_name = upload[0]["with"]["sarif_file"]

    repo = app_repo(tmp_path, 'app-manifest = "App/PrivacyInfo.xcprivacy"\n'
                    'lockfiles = ["Podfile.lock"]\n')
    assert run_cli(["merge"], cwd=repo).returncode == 0
    for command in runs:
        r = sh(command, repo, {})
        assert r.returncode == 0, (command, r.stdout, r.stderr)
    sarif = json.loads((repo / sarif_name).read_text())
    assert sarif["version"] == "2.1.0"
    # the merged TRTC declarations carry Apple's SDK-only reasons: warnings, never errors
    assert {r["level"] for r in sarif["runs"][0]["results"]} <= {"warning"}

    # the same steps fail on a project whose manifest is not merged
    shutil.copy(FIXTURES / "xcode" / "PrivacyInfo.xcprivacy", repo / "App" / "PrivacyInfo.xcprivacy")
    assert sh(runs[-1], repo, {}).returncode == 1


# -- shell completion ----------------------------------------------------------------------------


def test_shell_completion_as_documented(tmp_path: Path) -> None:
    lines = block("Shell completion", "sh", "--show-completion").splitlines()
    commands = [line.split("#")[0].strip() for line in lines]
    assert commands[0] == "trtc-privacy --install-completion"  # edits your shell's rc: not run
    # --show-completion prints the script of the shell it runs in
    shown = subprocess.run(["bash", "-c", commands[1]], cwd=tmp_path, env=shell_env({}),
                           capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _trtc_privacy_completion trtc-privacy" in shown.stdout
    zsh = sh(commands[2], tmp_path, {})
    assert zsh.returncode == 0 and zsh.stdout.lstrip().startswith("#compdef trtc-privacy")
    # what bash asks the installed script for when you type `trtc-privacy xc<TAB>`
    r = sh("trtc-privacy", tmp_path, {"_TRTC_PRIVACY_COMPLETE": "complete_bash",
                                      "COMP_WORDS": "trtc-privacy xc", "COMP_CWORD": "1"})
    assert r.stdout.split() == ["xcode"]


# -- pre-commit ----------------------------------------------------------------------------------


def test_readme_names_every_hook() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    ids = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    text = README.read_text()
    for hook_id in ids:
        assert f"`{hook_id}`" in text, hook_id


def test_the_pre_commit_config_blocks_a_stale_commit_and_passes_a_merged_one(
        tmp_path: Path, hooks_home: Tuple[str, str, str]) -> None:
    path, rev, home = hooks_home
    config = block("pre-commit", "yaml", "# .pre-commit-config.yaml")
    repo_lines = re.findall(r"^\s*- repo: (\S+)$", config, re.M)
    rev_lines = re.findall(r"^\s*rev: (\S+)$", config, re.M)
    assert len(repo_lines) == 1 and len(rev_lines) == 1
    # the README's configuration, with this working tree for the repository and its commit
    as_written = config.replace(repo_lines[0], path).replace(f"rev: {rev_lines[0]}", f"rev: {rev}")

    repo = app_repo(tmp_path, 'app-manifest = "App/PrivacyInfo.xcprivacy"\n'
                    'lockfiles = ["Podfile.lock"]\n')
    (repo / ".pre-commit-config.yaml").write_text(as_written)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    assert pre_commit(["install"], repo).returncode == 0

    def commit() -> subprocess.CompletedProcess:
        env = shell_env({"PRE_COMMIT_HOME": home, "GIT_AUTHOR_NAME": "t",
                         "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
                         "GIT_COMMITTER_EMAIL": "t@example.com"})
        return subprocess.run(["git", "commit", "-m", "app"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=900)

    stale = commit()
    assert stale.returncode != 0, stale.stdout + stale.stderr
    assert statuses(stale.stdout + stale.stderr) == {
        "lint privacy manifests": "Passed",
        "check the app privacy manifest declares its SDKs": "Failed",
        "check TRTC SDK versions": "Passed",
    }, stale.stdout + stale.stderr
    assert subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=repo,
                          capture_output=True).returncode != 0  # nothing was committed

    assert run_cli(["merge"], cwd=repo).returncode == 0
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    merged = commit()
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert set(statuses(merged.stdout + merged.stderr).values()) == {"Passed"}
