"""Helpers for running pre-commit against this repository for real.

pre-commit installs a hook repository from a git commit. The working tree may hold changes
nobody has committed yet (and ``pre-commit try-repo`` leaves out untracked files), so the tests
install from a one-commit copy of the working tree, made once per test session.

``pre-commit try-repo`` writes a configuration naming the repository and commit and runs it
with a store in a new temporary directory, so every call installs the hook environment from
PyPI again (about a minute). The tests therefore run ``try-repo`` itself once, and otherwise do
what it does with one PRE_COMMIT_HOME shared by the session: write that configuration and
``pre-commit run`` it, so the environment is built once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from helpers import REPO

_cache: Dict[str, Tuple[str, str, str]] = {}


def require_tools() -> None:
    """Skip, with the reason, where pre-commit or git is missing."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed (pre-commit needs it): apt-get install git")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed: pip install 'trtc-privacy[test]'")


def git(*args: str, cwd: os.PathLike) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def _tree_files() -> List[str]:
    if (REPO / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                             check=True, capture_output=True, text=True).stdout
        return [f for f in out.split("\0") if f and (REPO / f).is_file()]
    skip = {".git", "build", "dist", "__pycache__", ".pytest_cache", ".hypothesis", ".venv"}
    return [str(p.relative_to(REPO)) for p in REPO.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(REPO).parts)]


@pytest.fixture(scope="session")
def hooks_home(tmp_path_factory: pytest.TempPathFactory) -> Tuple[str, str, str]:
    """The session's hook repository copy and PRE_COMMIT_HOME, under pytest's temporary dirs."""
    return hook_repo(tmp_path_factory.mktemp("hooks"))


def hook_repo(base: Optional[Path] = None) -> Tuple[str, str, str]:
    """(path, commit, PRE_COMMIT_HOME) of the session's one-commit copy of this repository."""
    require_tools()
    if "repo" not in _cache:
        if base is None:
            base = Path(tempfile.mkdtemp(prefix="trtc-privacy-hooks-"))
            atexit.register(shutil.rmtree, str(base), True)
        shadow = Path(base) / "trtc-privacy"
        for rel in _tree_files():
            dest = shadow / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dest)
        git("init", "-q", cwd=shadow)
        git("add", "-A", cwd=shadow)
        git("commit", "-q", "--no-verify", "-m", "working tree", cwd=shadow)
        # the release tag the documented configurations name (`rev: v0.1.0`), on this copy only
        from trtc_privacy import __version__

        git("tag", f"v{__version__}", cwd=shadow)
        rev = git("rev-parse", "HEAD", cwd=shadow).strip()
        home = Path(base) / "pre-commit-home"
        home.mkdir()
        _cache["repo"] = (str(shadow), rev, str(home))
    return _cache["repo"]


def app_repo(root: Path, config: str, lock: str = "Podfile.lock") -> Path:
    """A git repository holding an iOS app: its manifest, a Podfile.lock and a configuration."""
    from helpers import FIXTURES

    if shutil.which("git") is None:
        pytest.skip("git is not installed: apt-get install git")
    (root / "App").mkdir(parents=True)
    shutil.copy(FIXTURES / "xcode" / "PrivacyInfo.xcprivacy", root / "App" / "PrivacyInfo.xcprivacy")
    shutil.copy(FIXTURES / "integrations" / lock, root / "Podfile.lock")
    (root / ".trtc-privacy.toml").write_text(config)
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    return root


def pre_commit(args: List[str], cwd: Path, home: Optional[str] = None,
               timeout: float = 900) -> subprocess.CompletedProcess:
    """Run pre-commit as a developer would, with the session's PRE_COMMIT_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(PRE_COMMIT_HOME=home or hook_repo()[2], NO_COLOR="1", PRE_COMMIT_COLOR="never",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    env.pop("SRCROOT", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def try_repo(cwd: Path, *files: str) -> subprocess.CompletedProcess:
    """``pre-commit try-repo`` with every hook (one install, in try-repo's own store)."""
    path, rev, _home = hook_repo()
    which = ["--files", *files] if files else ["--all-files"]
    return pre_commit(["try-repo", path, "--ref", rev, "--verbose", *which], cwd)


def config_for(hooks: List[str], repo: Optional[str] = None, rev: Optional[str] = None) -> str:
    """The configuration try-repo writes (JSON is YAML)."""
    import json

    path, sha, _home = hook_repo()
    return json.dumps({"repos": [{"repo": repo or path, "rev": rev or sha,
                                  "hooks": [{"id": h} for h in hooks]}]}, indent=2) + "\n"


def run_hook(hook: str, cwd: Path, *files: str) -> subprocess.CompletedProcess:
    """What try-repo does for one hook, with the session's shared store."""
    cfg = Path(tempfile.mkdtemp(prefix="trtc-privacy-cfg-")) / ".pre-commit-config.yaml"
    cfg.write_text(config_for([hook]))
    which = ["--files", *files] if files else ["--all-files"]
    try:
        return pre_commit(["run", hook, "-c", str(cfg), "--verbose", *which], cwd)
    finally:
        shutil.rmtree(cfg.parent, ignore_errors=True)


def statuses(output: str) -> Dict[str, str]:
    """Hook name -> Passed / Failed / Skipped, from pre-commit's report lines."""
    import re

    return {m.group(1): m.group(2) for m in
            re.finditer(r"^(.+?)\.{2,}(?:\(no files to check\))?(Passed|Failed|Skipped)$",
                        output, re.M)}
