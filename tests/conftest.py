"""Shared test helpers: run the real CLI, find the reference data, keep the environment clean."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
from helpers import run_cli


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GITHUB_ACTIONS", "XCODE_VERSION_ACTUAL", "FORCE_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def macho_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """The Mach-O fixtures of tests/machofixtures/build.py, built once per test session.

    Skips when clang, ld64.lld or the llvm tools are not installed (CI installs them).
    """
    from machofixtures.build import build_all, missing_tools

    missing = missing_tools()
    if missing:
        pytest.skip("Mach-O fixtures need " + ", ".join(missing)
                    + " (Debian: apt-get install clang lld llvm)")
    return build_all(tmp_path_factory.mktemp("macho"))


@pytest.fixture(scope="session")
def audit_artifacts(macho_fixtures: Dict[str, Path],
                    tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:
    """The .app, .ipa, .xcarchive and macOS app of tests/machofixtures/artifacts.py, built once."""
    from machofixtures.artifacts import assemble

    return assemble(tmp_path_factory.mktemp("artifacts"), macho_fixtures)


