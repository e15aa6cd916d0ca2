"""The GitHub Action (action.yml): valid metadata, and its steps run as a runner would run them.

The metadata is checked against SchemaStore's schema for action metadata, as vendored by the
``check-jsonschema`` package (a test extra). The steps run in a simulated runner: each ``run:``
script is executed with ``bash --noprofile --norc -eo pipefail`` (what ``shell: bash`` means on a
runner), in the step's ``working-directory``, with the step's ``env:`` after substituting
``${{ inputs.NAME }}``, and with the variables a runner sets (GITHUB_ACTIONS, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY per step, GITHUB_ACTION_PATH, GITHUB_WORKSPACE, RUNNER_TEMP). The install
step really installs this working tree (a one-commit copy of it) from the index, as on GitHub.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from helpers import FIXTURES, REPO, run_cli
from helpers.hookrepo import app_repo, hook_repo

ACTION = REPO / "action.yml"
CONFIG = 'app-manifest = "App/PrivacyInfo.xcprivacy"\nlockfiles = ["Podfile.lock"]\n'
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def action() -> dict:
    yaml = pytest.importorskip("yaml", reason="PyYAML comes with pre-commit")
    return yaml.safe_load(ACTION.read_text(encoding="utf-8"))


def test_action_metadata_is_valid_against_schemastore() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("check_jsonschema", reason="pip install 'trtc-privacy[test]'")
    from importlib.resources import files

    schema_file = files("check_jsonschema.builtin_schemas.vendor") / "github-actions.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(action()), key=str)
    assert not errors, "\n".join(e.message for e in errors)
    meta = action()
    assert meta["runs"]["using"] == "composite"
    assert meta["outputs"]["sarif"]["value"] == "${{ steps.lint.outputs.sarif }}"


def test_every_expression_is_an_input_or_a_step_output() -> None:
    """Inputs reach scripts through env:, never pasted into a script (script injection)."""
    meta = action()
    names = set(meta["inputs"])
    for step in meta["runs"]["steps"]:
        assert not EXPR.search(step["run"]), step["name"]
        for value in list(step.get("env", {}).values()) + [step.get("working-directory", "")]:
            for expr in EXPR.findall(str(value)):
                assert expr.startswith("inputs.") and expr[len("inputs."):] in names, expr


class Runner:
    """Runs the action's steps the way a GitHub runner runs a composite action."""

    def __init__(self, workspace: Path, temp: Path, action_path: str) -> None:
        self.workspace, self.temp, self.action_path = workspace, temp, action_path
        self.summary = ""
        self.outputs: Dict[str, Dict[str, str]] = {}
        self.logs: List[str] = []

    def run(self, inputs: Dict[str, str]) -> Tuple[int, Dict[str, str]]:
        meta = action()
        values = {k: v.get("default", "") for k, v in meta["inputs"].items()}
        values.update(inputs)

        def substitute(text: str) -> str:
            def one(m: "re.Match[str]") -> str:
                expr = m.group(1)
                if expr.startswith("inputs."):
                    return values[expr[len("inputs."):]]
                step, _, out = expr[len("steps."):].partition(".outputs.")
                return self.outputs.get(step, {}).get(out, "")
            return EXPR.sub(one, text)

        code = 0
        for n, step in enumerate(meta["runs"]["steps"]):
            assert step["shell"] == "bash"
            out_file, summary_file = self.temp / f"output-{n}", self.temp / f"summary-{n}"
            out_file.write_text("")
            summary_file.write_text("")
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "VIRTUAL_ENV"))}
            env.update(GITHUB_ACTIONS="true", CI="true", GITHUB_WORKSPACE=str(self.workspace),
                       GITHUB_ACTION_PATH=self.action_path, RUNNER_TEMP=str(self.temp),
                       GITHUB_OUTPUT=str(out_file), GITHUB_STEP_SUMMARY=str(summary_file),
                       PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
            env.update({k: substitute(str(v)) for k, v in step.get("env", {}).items()})
            cwd = self.workspace / substitute(step.get("working-directory", "."))
            script = self.temp / f"step-{n}.sh"
            script.write_text(step["run"])
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                               cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
            self.logs.append(f"== {step['name']} (exit {r.returncode})\n{r.stdout}{r.stderr}")
            self.summary += summary_file.read_text()
            self.outputs[step.get("id", str(n))] = dict(
                line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
            if r.returncode != 0:
                code = r.returncode
                break  # a failing step ends a composite action
        outputs = {k: substitute(v["value"]) for k, v in meta["outputs"].items()}
        return code, outputs


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, str]:
    """(RUNNER_TEMP, GITHUB_ACTION_PATH) shared by the module's runs, as one job's steps share a
    runner: the first run builds the action's virtual environment, later runs reinstall into it."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    path, _rev, _home = hook_repo()
    temp = tmp_path_factory.mktemp("runner-temp")
    return temp, path


def test_the_action_passes_a_merged_project_and_writes_sarif_output_and_summary(
        tmp_path: Path, installed: Tuple[Path, str]) -> None:
    temp, action_path = installed
    workspace = tmp_path / "workspace"
    app_repo(workspace / "ios", CONFIG)
    assert run_cli(["merge"], cwd=workspace / "ios").returncode == 0
    runner = Runner(workspace, temp, action_path)
    code, outputs = runner.run({"working-directory": "ios"})
    log = "\n".join(runner.logs)
    assert code == 0, log
    sarif_path = Path(outputs["sarif"])
    assert sarif_path == workspace / "ios" / "trtc-privacy.sarif", log
    assert f"sarif={sarif_path}" in (temp / "output-2").read_text()
    sarif = json.loads(sarif_path.read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "trtc-privacy"
    # what the merge wrote for pods that ship their manifests has no SDK-only reason: no finding
    assert sarif["runs"][0]["results"] == []
    assert "## trtc-privacy" in runner.summary
    assert "| `versions` | passed |" in runner.summary
    assert "| `lint` | passed (0 errors, 0 warnings, 0 notes) |" in runner.summary
    assert "| `merge-check` | passed |" in runner.summary
    assert "::warning file=App/PrivacyInfo.xcprivacy" not in log


def test_the_action_fails_a_stale_project_after_running_every_check(
        tmp_path: Path, installed: Tuple[Path, str]) -> None:
    temp, action_path = installed
    workspace = tmp_path / "workspace"
    app_repo(workspace, CONFIG)
    (workspace / "Bad").mkdir()
    shutil.copy(FIXTURES / "xcode" / "wrong-reason.xcprivacy", workspace / "Bad" / "PrivacyInfo.xcprivacy")
    runner = Runner(workspace, temp, action_path)
    code, outputs = runner.run({"manifests": "App\nBad", "scan": "true",
                                "sarif-file": "lint.sarif"})
    log = "\n".join(runner.logs)
    assert code == 1, log
    sarif = json.loads(Path(outputs["sarif"]).read_text())
    assert any(r["ruleId"] == "reason-wrong-category" for r in sarif["runs"][0]["results"])
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert "Bad/PrivacyInfo.xcprivacy" in uris  # run at the root: left as they are
    assert "| `versions` | passed |" in runner.summary
    assert "| `lint` | **failed**: findings (1 error," in runner.summary, runner.summary
    assert Path(outputs["sarif"]) == workspace / "lint.sarif"
    assert "| `merge-check` | **failed**: findings |" in runner.summary
    # scan runs where the command exists, and is skipped with a notice where it does not
    has_scan = run_cli(["scan", "--help"]).returncode == 0
    assert ("scan skipped" in log) != has_scan, log


def test_the_action_passes_sdks_and_lockfiles_through(tmp_path: Path,
                                                      installed: Tuple[Path, str]) -> None:
    temp, action_path = installed
    workspace = tmp_path / "workspace"
    app_repo(workspace, "")
    lock = FIXTURES / "integrations" / "Podfile.lock"
    assert run_cli(["merge", "App/PrivacyInfo.xcprivacy", "--lockfile", str(lock)],
                   cwd=workspace).returncode == 0
    runner = Runner(workspace, temp, action_path)
    code, _ = runner.run({"app-manifest": "App/PrivacyInfo.xcprivacy",
                          "lockfiles": "Podfile.lock", "manifests": "App"})
    assert code == 0, "\n".join(runner.logs)
    # an SDK pinned by hand that the manifest does not declare yet fails the merge check
    runner = Runner(workspace, temp, action_path)
    code, _ = runner.run({"app-manifest": "App/PrivacyInfo.xcprivacy", "manifests": "App",
                          "lockfiles": "Podfile.lock", "sdks": "tuiroomkit@2.3.0"})
    log = "\n".join(runner.logs)
    assert code == 1 and "| `merge-check` | **failed**: findings |" in runner.summary, log
