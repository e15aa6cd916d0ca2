"""The documentation's snippets, taken from README.md and docs/*.md and run as written."""

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
from helpers import FIXTURES, REPO, run_cli
from helpers.hookrepo import app_repo, hooks_home, pre_commit, statuses
from helpers.xcode_project import categories, make_project, product_manifest, snapshot

README = REPO / "README.md"
DOCS = REPO / "docs"
INTEGRATIONS = DOCS / "integrations.md"
CONFIGURATION = DOCS / "configuration.md"
BIN = str(Path(sys.executable).parent)  # where the installed `trtc-privacy` script lives
_ = hooks_home  # the session fixture, imported for pytest


def blocks(doc: Path = README) -> List[Tuple[str, str, str]]:
    """(section heading, language, code) of every fenced block in a Markdown file."""
    out = []
    heading = ""
    lines = doc.read_text(encoding="utf-8").splitlines()
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


def block(doc: Path, heading: str, lang: str, contains: str) -> str:
    found = [code for h, lg, code in blocks(doc) if h == heading and lg == lang and contains in code]
    assert len(found) == 1, f"{doc.name}: expected one {lang} block with {contains!r} under {heading!r}"
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
    code = block(INTEGRATIONS, "Xcode build phase", "sh", "; trtc-privacy xcode")
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
    commands = block(INTEGRATIONS, "Xcode build phase", "sh", "--filelist")
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
    ruby = block(INTEGRATIONS, "CocoaPods: add the phase on `pod install`", "ruby", "post_install")
    assert f"phase.shell_script = '{build_phase_script()}'" in ruby
    assert "'$(SRCROOT)/trtc-privacy-inputs.xcfilelist'" in ruby
    assert "'$(SRCROOT)/trtc-privacy-outputs.xcfilelist'" in ruby


# -- configuration -------------------------------------------------------------------------------


def test_the_configuration_example_loads(tmp_path: Path) -> None:
    from trtc_privacy import config

    toml = block(CONFIGURATION, "Configuration", "toml", "# .trtc-privacy.toml")
    (tmp_path / ".trtc-privacy.toml").write_text(toml)
    cfg = config.load(start=str(tmp_path))
    assert cfg.app_manifest == "ios/App/PrivacyInfo.xcprivacy"
    assert cfg.lockfiles == ["ios/Podfile.lock"]
    assert (cfg.xcode_write, cfg.xcode_fail_on) == ("product", "always")


# -- GitHub Actions ------------------------------------------------------------------------------


def test_the_github_actions_job_steps_pass_on_a_merged_project(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    workflow = yaml.safe_load(block(INTEGRATIONS, "By hand", "yaml", "upload-sarif"))
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
    lines = block(INTEGRATIONS, "Shell completion", "sh", "--show-completion").splitlines()
    commands = [line.split("#")[0].strip() for line in lines]
    assert commands[0] == "trtc-privacy --install-completion"  # edits your shell's rc: not run
    # --show-completion prints the script of the shell it runs in: typed at a bash prompt, bash
    # is its parent (a lone `bash -c CMD` would exec CMD in bash's place, leaving whatever ran the
    # tests as the parent to detect)
    shown = subprocess.run(["bash", "-c", commands[1] + "\nexit $?"], cwd=tmp_path,
                           env=shell_env({}),
                           capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _trtc_privacy_completion trtc-privacy" in shown.stdout
    zsh = sh(commands[2], tmp_path, {})
    assert zsh.returncode == 0 and zsh.stdout.lstrip().startswith("#compdef trtc-privacy")
    # what bash asks the installed script for when you type `trtc-privacy xc<TAB>`
    r = sh("trtc-privacy", tmp_path, {"_TRTC_PRIVACY_COMPLETE": "complete_bash",
                                      "COMP_WORDS": "trtc-privacy xc", "COMP_CWORD": "1"})
    assert r.stdout.split() == ["xcode"]


# -- GitHub Action usage -------------------------------------------------------------------------


def test_the_action_workflow_uses_inputs_and_the_output_the_action_has() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    workflow = yaml.safe_load(block(INTEGRATIONS, "The action", "yaml", "OWNER/trtc-privacy@"))
    action = yaml.safe_load((REPO / "action.yml").read_text())
    steps = next(iter(workflow["jobs"].values()))["steps"]
    ours = [s for s in steps if s.get("uses", "").startswith("OWNER/trtc-privacy@")]
    assert len(ours) == 1
    # the action is newer than the v0.1.0 tag (see CHANGELOG.md): the docs must not pin a tag
    # that has no action.yml
    assert ours[0]["uses"] == "OWNER/trtc-privacy@main"
    assert set(ours[0].get("with", {})) <= set(action["inputs"])
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] == "${{ steps.%s.outputs.sarif }}" % ours[0]["id"]
    assert "sarif" in action["outputs"]
    # the inputs table documents every input
    text = INTEGRATIONS.read_text()
    for name in action["inputs"]:
        assert f"`{name}`" in text, name


# -- pre-commit ----------------------------------------------------------------------------------


def test_the_docs_name_every_hook() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    ids = [h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())]
    text = INTEGRATIONS.read_text()
    for hook_id in ids:
        assert f"`{hook_id}`" in text, hook_id


PRE_COMMIT_FORMS = {
    # heading -> what stands in the snippet for this repository
    "From the git repository": "https://github.com/OWNER/trtc-privacy",
    "From a clone on your disk": "/path/to/trtc-privacy",
    "With the command you installed": None,
}


@pytest.mark.parametrize("heading", list(PRE_COMMIT_FORMS))
def test_the_pre_commit_config_blocks_a_stale_commit_and_passes_a_merged_one(
        tmp_path: Path, hooks_home: Tuple[str, str, str], heading: str) -> None:
    path, _rev, home = hooks_home  # a one-commit copy of this tree, tagged v<version>
    config = block(INTEGRATIONS, heading, "yaml", "# .pre-commit-config.yaml")
    repo_lines = re.findall(r"^\s*- repo: (\S+)$", config, re.M)
    assert len(repo_lines) == 1
    placeholder = PRE_COMMIT_FORMS[heading]
    if placeholder is None:
        assert repo_lines == ["local"]
        as_written = config
    else:
        assert repo_lines == [placeholder]
        # the snippet as written, with this tree's copy for the repository; `rev` unchanged
        as_written = config.replace(placeholder, path)

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

    expected = {
        "lint privacy manifests": "Passed",
        "check the app privacy manifest declares its SDKs": "Failed",
        "check TRTC SDK versions": "Passed",
    }
    if placeholder is None:
        del expected["check TRTC SDK versions"]  # the local form shows two hooks
    stale = commit()
    assert stale.returncode != 0, stale.stdout + stale.stderr
    assert statuses(stale.stdout + stale.stderr) == expected, stale.stdout + stale.stderr
    assert subprocess.run(["git", "rev-parse", "--verify", "HEAD"], cwd=repo,
                          capture_output=True).returncode != 0  # nothing was committed

    assert run_cli(["merge"], cwd=repo).returncode == 0
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    merged = commit()
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert set(statuses(merged.stdout + merged.stderr).values()) == {"Passed"}


# -- the README: install and tour -----------------------------------------------------------------


def _example_checkout(tmp_path: Path) -> Path:
    """A git repository laid out like this checkout's root: examples/ and a .venv to activate."""
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "examples", root / "examples")
    (root / ".venv").symlink_to(sys.prefix)  # the environment the suite runs in, as ./dev made it
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "example"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                       env=shell_env({"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                                      "GIT_COMMITTER_NAME": "t",
                                      "GIT_COMMITTER_EMAIL": "t@example.com"}))
    return root


def _has_command(name: str) -> bool:
    return run_cli([name, "--help"]).returncode == 0


def test_the_readme_tour_runs_as_written_and_puts_the_example_back(tmp_path: Path) -> None:
    if not (Path(sys.prefix) / "bin" / "activate").exists():
        pytest.skip("the suite is not running in a virtual environment (no bin/activate)")
    tour = block(README, "A tour of the commands", "sh", ". .venv/bin/activate")
    lines = [line.split("  #")[0].rstrip() for line in tour.splitlines() if line.strip()]
    commands = [line.split()[1] for line in lines if line.startswith("trtc-privacy ")]
    # one example of each command (audit needs a built app: it is checked just below)
    assert set(commands) >= {"sdks", "show", "versions", "merge", "lint", "rules", "explain",
                             "report", "init", "xcode", "scan"}
    absent = [c for c in commands if not _has_command(c)]
    assert set(absent) <= {"scan"}, absent  # scan arrives with its own branch
    script = "\n".join(line for line in lines
                       if not (line.startswith("trtc-privacy ") and line.split()[1] in absent))
    root = _example_checkout(tmp_path)
    env = {k: v for k, v in shell_env({}).items() if k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != BIN)
    r = subprocess.run(["/bin/sh", "-ex", "-c", script], cwd=root, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "+      <string>NSPrivacyAccessedAPICategorySystemBootTime</string>" in r.stdout
    assert "tuicallkit" in r.stdout and "$(SRCROOT)/Podfile.lock" in r.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True,
                            text=True).stdout
    assert status == "", status  # the last line put the example back


def test_the_readme_audit_example_names_the_command_as_it_is() -> None:
    text = README.read_text(encoding="utf-8")
    m = re.search(r"`(trtc-privacy audit [^`]+)`", text)
    assert m and m.group(1) == "trtc-privacy audit path/to/App.ipa"
    if not _has_command("audit"):
        pytest.skip("audit is not in this tree yet (it arrives with its own branch)")
    help_text = run_cli(["audit", "--help"]).stdout
    assert "ARTIFACT" in help_text


def test_the_readme_install_lines_each_install_a_working_command(tmp_path: Path) -> None:
    pipx = Path(sys.executable).with_name("pipx")
    if not pipx.exists():
        pytest.skip("pipx is not installed: pip install 'trtc-privacy[test]'")
    from helpers.hookrepo import hook_repo

    from trtc_privacy import __version__

    code = block(README, "Install", "sh", "pipx install")
    lines = [line.split("  #")[0].rstrip() for line in code.splitlines() if line.strip()]
    assert len(lines) == 3
    source, _rev, _home = hook_repo()  # a one-commit copy of this tree, tagged v<version>
    placeholder = f"git+https://github.com/OWNER/trtc-privacy@v{__version__}"
    for n, line in enumerate(lines):
        clone = tmp_path / f"clone{n}"
        subprocess.run(["git", "clone", "-q", source, str(clone)], check=True)
        home = tmp_path / f"home{n}"
        env = shell_env({"HOME": str(home), "PIPX_HOME": str(home / "pipx"),
                         "PIPX_BIN_DIR": str(home / "bin"), "PIPX_MAN_DIR": str(home / "man")})
        env.pop("VIRTUAL_ENV", None)
        # the git form names a tag of a repository with no public address yet: it is run with
        # this tree's copy (tagged the same) in place of the placeholder URL
        as_run = line.replace(placeholder, f"git+file://{source}@v{__version__}")
        r = subprocess.run(["/bin/sh", "-c", as_run], cwd=clone, env=env, capture_output=True,
                           text=True, timeout=900)
        assert r.returncode == 0, (line, r.stdout[-2000:], r.stderr[-3000:])
        version = subprocess.run([str(home / "bin" / "trtc-privacy"), "--version"], cwd=tmp_path,
                                 capture_output=True, text=True)
        assert version.stdout.strip() == f"trtc-privacy {__version__}", (line, version)
    assert placeholder in code
    # and the one without pipx, given in the text
    text = README.read_text(encoding="utf-8")
    m = re.search(r"`(python3 -m venv (\S+) && \S+/bin/pip install \.)`", text)
    assert m and m.group(2) == "~/.trtc-privacy", "README: the install without pipx"
    clone, home = tmp_path / "clone0", tmp_path / "home-venv"
    env = shell_env({"HOME": str(home)})
    env.pop("VIRTUAL_ENV", None)
    r = subprocess.run(["/bin/sh", "-c", m.group(1)], cwd=clone, env=env, capture_output=True,
                       text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    version = subprocess.run([str(home / ".trtc-privacy" / "bin" / "trtc-privacy"), "--version"],
                             capture_output=True, text=True)
    assert version.stdout.strip() == f"trtc-privacy {__version__}", version


def test_the_readme_integration_snippets_agree_with_the_tested_ones() -> None:
    """The README's short pre-commit and action snippets are cut from the ones tested above."""
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    short = yaml.safe_load(block(README, "Where it runs", "yaml", "# .pre-commit-config.yaml"))
    full = yaml.safe_load(block(INTEGRATIONS, "From the git repository", "yaml",
                                "# .pre-commit-config.yaml"))
    (s_repo,), (f_repo,) = short["repos"], full["repos"]
    assert (s_repo["repo"], s_repo["rev"]) == (f_repo["repo"], f_repo["rev"])
    assert [h["id"] for h in s_repo["hooks"]] == [h["id"] for h in f_repo["hooks"]][:len(s_repo["hooks"])]
    (step,) = yaml.safe_load(block(README, "Where it runs", "yaml", "OWNER/trtc-privacy@"))
    workflow = yaml.safe_load(block(INTEGRATIONS, "The action", "yaml", "OWNER/trtc-privacy@"))
    steps = next(iter(workflow["jobs"].values()))["steps"]
    tested = next(s for s in steps if s.get("uses") == step["uses"])
    assert step == tested
